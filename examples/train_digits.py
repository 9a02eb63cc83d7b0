"""Train a small network on scikit-learn's 8×8 handwritten digits with refgrad.

The data ship with scikit-learn (nothing is downloaded): 1,797 images of the digits 0-9, each
8×8 pixels with intensities 0-16. A quarter is held out as the test set and never seen in
training; of the rest, a part is kept aside to validate each epoch. The network is a
multilayer perceptron 64 → 128 → 10 trained with Adam on the cross-entropy loss.

Run it from the repository's root, with scikit-learn and tqdm (for ``fit``'s progress bar)
installed, e.g. by ``pip install -e '.[tests]'``::

    python examples/train_digits.py

It prints the loss and the accuracy of every epoch, then the test accuracy (about 97%) and
the time taken. Change ``import refgrad as rg`` to ``import torch as rg`` in your head: every
call below has the same name in PyTorch.
"""

from __future__ import annotations

import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import refgrad as rg
from refgrad.training import evaluate, fit
from refgrad.utils.data import DataLoader, TensorDataset

SEED = 0
EPOCHS = 30
BATCH_SIZE = 32


def load_splits(seed: int = SEED) -> tuple[TensorDataset, TensorDataset, TensorDataset]:
    """Split the digits into train, validation and test sets (60%, 15% and 25%, stratified)."""
    digits = load_digits()
    x = digits.data / 16.0  # intensities 0..16 scaled to [0, 1]
    y = digits.target
    x_rest, x_test, y_rest, y_test = train_test_split(
        x, y, test_size=0.25, random_state=seed, stratify=y
    )
    x_train, x_val, y_train, y_val = train_test_split(
        x_rest, y_rest, test_size=0.2, random_state=seed, stratify=y_rest
    )
    return (
        TensorDataset(rg.tensor(x_train), rg.tensor(y_train)),
        TensorDataset(rg.tensor(x_val), rg.tensor(y_val)),
        TensorDataset(rg.tensor(x_test), rg.tensor(y_test)),
    )


def make_model() -> rg.nn.Sequential:
    """Build a multilayer perceptron: 64 pixels in, 128 hidden ReLU units, 10 class scores out."""
    return rg.nn.Sequential(rg.nn.Linear(64, 128), rg.nn.ReLU(), rg.nn.Linear(128, 10))


def main(epochs: int = EPOCHS, progress: bool = True) -> float:
    """Train, print the metrics of each epoch, and return the accuracy on the test set."""
    start = time.perf_counter()
    rg.manual_seed(SEED)  # the same initial weights and the same batches every run
    train, val, test = load_splits()
    train_loader = DataLoader(train, batch_size=BATCH_SIZE, shuffle=True)
    val_loader = DataLoader(val, batch_size=256)
    test_loader = DataLoader(test, batch_size=256)

    model = make_model()
    loss_fn = rg.nn.CrossEntropyLoss()
    optimizer = rg.optim.Adam(model.parameters(), lr=1e-3)
    fit(model, loss_fn, optimizer, train_loader, epochs, val_loader=val_loader, progress=progress)

    test_loss, test_accuracy = evaluate(model, loss_fn, test_loader)
    seconds = time.perf_counter() - start
    print(
        f"test: loss {test_loss:.4f}  accuracy {test_accuracy:.2%} on {len(test)} held-out "
        f"images ({len(train)} used for training), {seconds:.1f} s"
    )
    return test_accuracy


if __name__ == "__main__":
    main()
