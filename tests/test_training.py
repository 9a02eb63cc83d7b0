"""The fit helper, evaluation, memory over a long run, and the digits example."""

from __future__ import annotations

import gc
import importlib.util
import math
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import refgrad as rg
from refgrad import nn, optim
from refgrad.training import History, evaluate, fit
from refgrad.utils.data import DataLoader, TensorDataset

ROOT = Path(__file__).resolve().parent.parent


def blobs(n: int = 120, seed: int = 0) -> TensorDataset:
    """Three well-separated Gaussian clusters in 2-D, labelled 0, 1, 2."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    x = centres[y] + rng.normal(scale=0.5, size=(n, 2))
    return TensorDataset(rg.tensor(x), rg.tensor(y))


def make_run(seed: int = 0) -> tuple[nn.Module, optim.Optimizer, DataLoader]:
    rg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 3))
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return model, optimizer, DataLoader(blobs(), batch_size=16, shuffle=True)


def test_fit_learns_and_records_each_epoch() -> None:
    model, optimizer, loader = make_run()
    val = DataLoader(blobs(60, seed=1), batch_size=32)
    history = fit(model, nn.CrossEntropyLoss(), optimizer, loader, 5, val, progress=False)
    assert isinstance(history, History)
    for series in (history.train_loss, history.train_accuracy, history.val_loss):
        assert len(series) == 5
    assert history.train_loss[-1] < history.train_loss[0]
    assert all(0.0 <= a <= 1.0 for a in history.train_accuracy + history.val_accuracy)
    assert history.val_accuracy[-1] > 0.95
    assert (history.val_loss[-1], history.val_accuracy[-1]) == evaluate(
        model, nn.CrossEntropyLoss(), val
    )


def test_fit_is_exactly_the_four_step_loop() -> None:
    model, optimizer, loader = make_run()
    loss_fn = nn.CrossEntropyLoss()
    history = fit(model, loss_fn, optimizer, loader, 3, progress=False)

    by_hand, hand_optimizer, hand_loader = make_run()
    epoch_losses = []
    for _ in range(3):
        total, count = 0.0, 0
        for inputs, targets in hand_loader:
            hand_optimizer.zero_grad()
            loss = loss_fn(by_hand(inputs), targets)
            loss.backward()
            hand_optimizer.step()
            total += loss.item() * len(targets)
            count += len(targets)
        epoch_losses.append(total / count)

    assert history.train_loss == epoch_losses
    for a, b in zip(model.parameters(), by_hand.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)


def test_fit_without_validation_and_with_regression_targets() -> None:
    rg.manual_seed(0)
    x = rg.randn(64, 3)
    y = x @ rg.tensor([[1.0], [-2.0], [0.5]])
    model = nn.Linear(3, 1)
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
    history = fit(
        model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), loader, 10, progress=False
    )
    assert history.val_loss == [] and history.val_accuracy == []
    assert all(math.isnan(a) for a in history.train_accuracy)  # no classes to count
    assert history.train_loss[-1] < 1e-3


def test_fit_shows_progress_and_prints_one_line_per_epoch(
    capsys: pytest.CaptureFixture[str],
) -> None:
    model, optimizer, loader = make_run()
    fit(model, nn.CrossEntropyLoss(), optimizer, loader, 2, loader, progress=True)
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("epoch 1/2  loss ") and "val_accuracy" in lines[1]
    assert "epoch 2/2" in captured.err and "8/8" in captured.err  # tqdm's bar, on stderr


def test_fit_without_tqdm_names_the_extra_unless_progress_is_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `import tqdm` raise ImportError
    model, optimizer, loader = make_run()
    before = [p.detach().numpy().copy() for p in model.parameters()]
    with pytest.raises(ImportError, match=r"pip install 'refgrad\[progress\]'"):
        fit(model, nn.CrossEntropyLoss(), optimizer, loader, 1, progress=True)
    # It failed before the first step, not after an epoch of training.
    for p, q in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), q)
    history = fit(model, nn.CrossEntropyLoss(), optimizer, loader, 1, progress=False)
    assert len(history.train_loss) == 1


def test_fit_and_evaluate_set_the_mode() -> None:
    model, optimizer, loader = make_run()
    model.eval()
    fit(model, nn.CrossEntropyLoss(), optimizer, loader, 1, progress=False)
    mode_after_fit = model.training
    optimizer.zero_grad()
    evaluate(model, nn.CrossEntropyLoss(), loader)
    assert (mode_after_fit, model.training) == (True, False)
    assert all(p.grad is None for p in model.parameters())  # no graph, no backward


def _live_memory() -> int:
    """Count the bytes still referenced, after a full collection.

    The collection empties Python's free lists (which keep up to ~200 KiB of freed floats and
    tuples for reuse) and frees any cycles.
    """
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def test_memory_does_not_grow_over_training() -> None:
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x, y = rg.randn(32, 64), rg.randint(0, 10, (32,))
    running_loss = 0.0
    tracemalloc.start()
    try:
        for step in range(1, 201):
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            if step == 20:
                after_warm_up = _live_memory()
        growth = _live_memory() - after_warm_up
    finally:
        tracemalloc.stop()
    # One step's graph is about 100 KiB; a leak of one per step would be some 20 MiB here.
    assert growth < 256 * 1024, f"memory grew by {growth / 1024:.0f} KiB over 180 steps"
    assert math.isfinite(running_loss)


def test_digits_example_reaches_95_percent() -> None:
    spec = importlib.util.spec_from_file_location(
        "train_digits", ROOT / "examples" / "train_digits.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_digits"] = module
    try:
        spec.loader.exec_module(module)
        accuracy = module.main(progress=False)
    finally:
        del sys.modules["train_digits"]
    assert accuracy >= 0.95


def test_fit_on_an_empty_loader_says_so() -> None:
    model, optimizer, _ = make_run()
    empty = DataLoader(TensorDataset(rg.zeros(0, 2), rg.zeros(0)), batch_size=4)
    with pytest.raises(ValueError, match="gave no batches"):
        fit(model, nn.CrossEntropyLoss(), optimizer, empty, 1, progress=False)
