"""``fit``: the training loop, packaged, with a progress bar and a per-epoch history.

The loop that trains every model in the book has four steps per minibatch::

    outputs = model(inputs)              # 1. forward
    loss = loss_fn(outputs, targets)     # 2. loss
    loss.backward()                      # 3. backward
    optimizer.step()                     # 4. step

with ``optimizer.zero_grad()`` first, because ``backward`` adds into ``.grad``. :func:`fit` is
exactly that loop plus bookkeeping: it averages the loss and counts correct predictions over
each epoch, evaluates on a validation set if one is given, and shows a tqdm progress bar.

tqdm is optional: ``pip install refgrad[progress]`` installs it, and ``fit(..., progress=False)``
trains without it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from refgrad.grad_mode import no_grad
from refgrad.nn.modules.module import Module
from refgrad.optim.optimizer import Optimizer
from refgrad.tensor import Tensor

#: A loss: predictions and targets in, a scalar tensor out (``nn.CrossEntropyLoss()``...).
LossFn = Callable[[Tensor, Tensor], Tensor]


@dataclass
class History:
    """Per-epoch metrics recorded by :func:`fit`, one list entry per epoch.

    Accuracies are fractions in :math:`[0, 1]`, and NaN when the targets are not class
    indices (e.g. for a regression). The ``val_`` lists stay empty without a validation set.

    Examples
    --------
    >>> from refgrad.training import History
    >>> history = History(train_loss=[0.9, 0.4], train_accuracy=[0.7, 0.9])
    >>> history.train_loss[-1]
    0.4
    """

    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)


class _Tally:
    """Sums over an epoch: the loss weighted by batch size, and the correct predictions."""

    def __init__(self) -> None:
        self.loss = 0.0
        self.correct = 0
        self.samples = 0
        self.classified = True

    def add(self, loss: Tensor, outputs: Tensor, targets: Tensor) -> None:
        n = len(targets)
        # .item() turns the loss into a Python float, so the tally keeps no graph alive.
        self.loss += loss.item() * n
        self.samples += n
        if targets.dtype.kind in "iu" and outputs.ndim == 2:
            self.correct += int((outputs.argmax(dim=1) == targets).sum().item())
        else:
            self.classified = False

    def mean_loss(self) -> float:
        if self.samples == 0:
            raise ValueError("the data loader gave no batches (is the dataset empty?)")
        return self.loss / self.samples

    def accuracy(self) -> float:
        return self.correct / self.samples if self.classified else math.nan


def evaluate(
    model: Module, loss_fn: LossFn, loader: Iterable[tuple[Tensor, Tensor]]
) -> tuple[float, float]:
    """Compute the mean loss and the accuracy of ``model`` over ``loader``, recording no graph.

    The model is put in evaluation mode (``model.eval()``) and left there.

    Returns
    -------
    (float, float)
        The loss averaged over samples, and the fraction of samples whose highest output is
        the target class (NaN if the targets are not class indices).

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.training import evaluate
    >>> from refgrad.utils.data import DataLoader, TensorDataset
    >>> model = rg.nn.Linear(2, 2)
    >>> with rg.no_grad():
    ...     _ = model.weight.copy_(rg.eye(2))
    ...     _ = model.bias.zero_()
    >>> data = TensorDataset(rg.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 3.0]]), rg.tensor([0, 1, 0]))
    >>> loss, accuracy = evaluate(model, rg.nn.CrossEntropyLoss(), DataLoader(data, batch_size=2))
    >>> round(accuracy, 4)
    0.6667
    """
    model.eval()
    tally = _Tally()
    with no_grad():
        for inputs, targets in loader:
            outputs = model(inputs)
            tally.add(loss_fn(outputs, targets), outputs, targets)
    return tally.mean_loss(), tally.accuracy()


def fit(
    model: Module,
    loss_fn: LossFn,
    optimizer: Optimizer,
    train_loader: Iterable[tuple[Tensor, Tensor]],
    epochs: int,
    val_loader: Iterable[tuple[Tensor, Tensor]] | None = None,
    progress: bool = True,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``; return the metrics per epoch.

    Parameters
    ----------
    model : Module
    loss_fn : callable
        ``loss_fn(outputs, targets)`` gives the loss averaged over the batch, e.g.
        ``nn.CrossEntropyLoss()``; the epoch's loss weights each batch's mean by its size.
    optimizer : Optimizer
        Over ``model.parameters()``.
    train_loader : iterable of tuple
        ``(inputs, targets)`` batches, usually a :class:`~refgrad.utils.data.DataLoader` with
        ``shuffle=True``.
    epochs : int
    val_loader : iterable of tuple, optional
        ``(inputs, targets)`` batches evaluated (see :func:`evaluate`) after every epoch.
    progress : bool, default True
        Show a progress bar for each epoch, and print one line of metrics when it ends. The bar
        is tqdm's, an optional dependency: ``pip install refgrad[progress]``.

    Returns
    -------
    History
        The training loss and accuracy of each epoch (averaged over the epoch's batches, while
        the weights were changing), and the validation ones if ``val_loader`` is given.

    Raises
    ------
    ImportError
        If ``progress`` is true and tqdm is not installed.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.training import fit
    >>> from refgrad.utils.data import DataLoader, TensorDataset
    >>> _ = rg.manual_seed(0)
    >>> x = rg.randn(64, 2)
    >>> y = (x[:, 0] > 0).long()  # the class is the sign of the first feature
    >>> loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    >>> model = rg.nn.Linear(2, 2)
    >>> optimizer = rg.optim.SGD(model.parameters(), lr=0.5)
    >>> history = fit(model, rg.nn.CrossEntropyLoss(), optimizer, loader, epochs=20, progress=False)
    >>> history.train_loss[-1] < history.train_loss[0], history.train_accuracy[-1] > 0.9
    (True, True)
    """
    history = History()
    tqdm = _tqdm() if progress else None  # optional: asked for before the first step, not after
    for epoch in range(1, epochs + 1):
        model.train()
        tally = _Tally()
        bar = None if tqdm is None else tqdm(train_loader, desc=f"epoch {epoch}/{epochs}")
        for inputs, targets in train_loader if bar is None else bar:
            optimizer.zero_grad()
            outputs = model(inputs)  # 1. forward
            loss = loss_fn(outputs, targets)  # 2. loss
            loss.backward()  # 3. backward
            optimizer.step()  # 4. step
            tally.add(loss, outputs, targets)
            if bar is not None:
                bar.set_postfix(loss=f"{loss.item():.4f}", refresh=False)
        history.train_loss.append(tally.mean_loss())
        history.train_accuracy.append(tally.accuracy())
        if val_loader is not None:
            val_loss, val_accuracy = evaluate(model, loss_fn, val_loader)
            history.val_loss.append(val_loss)
            history.val_accuracy.append(val_accuracy)
        if tqdm is not None:
            tqdm.write(_summary(epoch, epochs, history))  # prints without garbling a bar
    return history


def _tqdm() -> Any:
    """Import tqdm's progress bar, only when one is asked for: tqdm is an optional extra."""
    try:
        from tqdm import tqdm  # type: ignore[import-untyped]  # tqdm ships no type hints
    except ImportError as error:
        raise ImportError(
            "fit(progress=True) draws its progress bar with tqdm, which is not installed: "
            "pip install 'refgrad[progress]', or call fit(..., progress=False)"
        ) from error
    return tqdm


def _summary(epoch: int, epochs: int, history: History) -> str:
    """One line of the latest epoch's metrics."""
    line = (
        f"epoch {epoch:>{len(str(epochs))}}/{epochs}  loss {history.train_loss[-1]:.4f}  "
        f"accuracy {history.train_accuracy[-1]:.4f}"
    )
    if history.val_loss:
        line += (
            f"  val_loss {history.val_loss[-1]:.4f}  val_accuracy {history.val_accuracy[-1]:.4f}"
        )
    return line
