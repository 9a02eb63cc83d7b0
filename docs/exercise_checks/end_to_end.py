"""Checks for the exercises of the chapter "An end-to-end example" (docs/end-to-end.md).

Each ``exercise_N`` takes the reader's answer and returns None if it is right; a wrong answer
raises AssertionError with a hint. The reference answers are computed here, with refgrad and
scikit-learn, never stored as bare numbers.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import refgrad as rg
from refgrad.utils.data import DataLoader, TensorDataset

EPOCHS = 20  # the chapter trains for 20 epochs
TrainEpochFn = Callable[[rg.nn.Module, Any, rg.optim.Optimizer, DataLoader], Any]
MomentumFn = Callable[[np.ndarray, Sequence[np.ndarray], float, float], Any]


def _train_size() -> int:
    """Count the training images of the chapter's split (75% of the digits, stratified)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    train, _ = train_test_split(
        np.arange(len(digits.target)), test_size=0.25, random_state=0, stratify=digits.target
    )
    return len(train)


# -- Exercise 1: predict, then run (steps per run with drop_last) -----------------------------


def exercise_1(answer: tuple[int, int]) -> None:
    """Check ``answer`` = (optimizer steps in 20 epochs, training images skipped per epoch).

    The loader is the chapter's training set with ``batch_size=64, drop_last=True``.
    """
    steps, skipped = (int(v) for v in answer)
    n = _train_size()
    loader = DataLoader(TensorDataset(rg.zeros(n, 1)), batch_size=64, drop_last=True)
    per_epoch = len(loader)
    assert steps != EPOCHS * math.ceil(n / 64), (
        f"{steps} steps counts the last, short batch: with drop_last=True the {n % 64} images "
        "left over after the full batches are not used that epoch"
    )
    assert steps == EPOCHS * per_epoch, (
        f"got {steps} steps. One step per batch: {n} images make floor({n}/64) full batches "
        f"per epoch, for {EPOCHS} epochs"
    )
    assert skipped == n - per_epoch * 64, (
        f"got {skipped} skipped images: the full batches hold {per_epoch} x 64 images; "
        f"the rest of the {n} is dropped"
    )


# -- Exercise 2: count the parameters of an MLP ------------------------------------------------


def exercise_2(count_parameters: Callable[[Sequence[int]], int]) -> None:
    """Check ``count_parameters(sizes)``: the number of learned numbers in an MLP.

    The MLP's layer widths are ``sizes`` (e.g. ``[64, 64, 10]``), its layers ``Linear`` with biases.
    """
    for sizes in ([64, 64, 10], [64, 128, 10], [64, 128, 64, 10], [3, 1], [784, 256, 256, 10]):
        layers: list[rg.nn.Module] = []
        for fan_in, fan_out in itertools.pairwise(sizes):
            layers += [rg.nn.Linear(fan_in, fan_out), rg.nn.ReLU()]
        model = rg.nn.Sequential(*layers[:-1])
        expected = sum(p.numel() for p in model.parameters())
        got = int(count_parameters(list(sizes)))
        biases = sum(sizes[1:])
        assert got != expected - biases, (
            f"for {sizes} you count {got}: the weights, but not the {biases} biases "
            "(one per output unit of every layer)"
        )
        assert got == expected, (
            f"for {sizes} refgrad counts {expected} parameters, you {got}. A Linear(a, b) "
            "has a weight of shape (b, a) and a bias of shape (b,)"
        )


# -- Exercise 3: implement SGD with momentum -----------------------------------------------------


def exercise_3(momentum_sgd: MomentumFn) -> None:
    """Check ``momentum_sgd(theta, grads, lr, momentum)``: the parameters after the steps.

    One step per gradient in ``grads``, by PyTorch's rule (``rg.optim.SGD`` with ``momentum``).
    """
    rng = np.random.default_rng(0)
    for steps, lr, mu in ((1, 0.1, 0.9), (6, 0.05, 0.9), (10, 0.2, 0.5), (4, 0.1, 0.0)):
        theta = rng.standard_normal(5)
        grads = [rng.standard_normal(5) for _ in range(steps)]
        param = rg.tensor(theta.copy(), requires_grad=True)
        optimizer = rg.optim.SGD([param], lr=lr, momentum=mu)
        for g in grads:
            param.grad = rg.tensor(g)
            optimizer.step()
        expected = param.detach().numpy()
        got = np.asarray(momentum_sgd(theta.copy(), [g.copy() for g in grads], lr, mu), dtype=float)
        assert got.shape == expected.shape, (
            f"return the parameters after all steps, shape {expected.shape}; got {got.shape}"
        )
        ema = theta.copy()
        buffer = np.zeros_like(theta)
        for g in grads:
            buffer = mu * buffer + (1 - mu) * g
            ema -= lr * buffer
        if mu != 0 and np.allclose(got, ema, atol=1e-12):
            raise AssertionError(
                "that is the moving-average form b = mu*b + (1 - mu)*g; PyTorch's SGD adds the "
                "whole gradient, b = mu*b + g, so a steady gradient moves the parameters "
                "1/(1 - mu) times as far as one plain step"
            )
        assert np.allclose(got, expected, atol=1e-12), (
            f"after {steps} steps with lr={lr}, momentum={mu}: expected {expected}, got {got}. "
            "b_1 = g_1, b_t = momentum*b_(t-1) + g_t, theta <- theta - lr*b_t"
        )


# -- Exercise 4: find the bug (step before backward) ---------------------------------------------


def _problem() -> tuple[rg.nn.Module, rg.nn.CrossEntropyLoss, rg.optim.Optimizer, DataLoader]:
    """Make a small seeded problem: 48 points in 8 dimensions, 3 classes, an MLP 8 → 16 → 3."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((48, 8))
    y = x[:, :3].argmax(axis=1)  # the class is the largest of the first three features
    rg.manual_seed(0)
    model = rg.nn.Sequential(rg.nn.Linear(8, 16), rg.nn.ReLU(), rg.nn.Linear(16, 3))
    optimizer = rg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loader = DataLoader(
        TensorDataset(rg.tensor(x), rg.tensor(y)),
        batch_size=16,
        shuffle=True,
        generator=rg.Generator().manual_seed(0),
    )
    return model, rg.nn.CrossEntropyLoss(), optimizer, loader


def _reference_epoch(
    model: rg.nn.Module,
    loss_fn: rg.nn.CrossEntropyLoss,
    optimizer: rg.optim.Optimizer,
    loader: DataLoader,
) -> None:
    model.train()
    for inputs, targets in loader:
        loss = loss_fn(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def _weights_after(train_one_epoch: Callable[..., Any], epochs: int = 3) -> list[np.ndarray]:
    model, loss_fn, optimizer, loader = _problem()
    for _ in range(epochs):
        train_one_epoch(model, loss_fn, optimizer, loader)
    return [p.detach().numpy().copy() for p in model.parameters()]


def exercise_4(train_one_epoch: TrainEpochFn) -> None:
    """Check ``train_one_epoch(model, loss_fn, optimizer, loader)``: one corrected epoch.

    It makes one pass over ``loader``, updating the model's parameters through ``optimizer``.
    """
    model, *_ = _problem()
    initial = [p.detach().numpy().copy() for p in model.parameters()]
    expected = _weights_after(_reference_epoch)
    try:
        got = _weights_after(train_one_epoch)
    except RuntimeError as error:
        if "modified by an inplace operation" not in str(error):
            raise
        raise AssertionError(
            "backward() failed because step() had already changed, in place, a weight that "
            "forward saved for backward (PyTorch raises the same error): backward must come "
            "before step, and zero_grad before backward"
        ) from None

    def same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
        return all(np.allclose(u, v, atol=1e-10) for u, v in zip(a, b, strict=True))

    assert not same(got, initial), (
        "the parameters never changed: when step() runs, every .grad is None (zero_grad() "
        "has just cleared it and backward has not run yet), and step() skips such parameters"
    )
    assert same(got, expected), (
        "after 3 epochs the parameters differ from the reference loop: per batch, forward, "
        "loss, zero_grad(), backward(), step(), in that order, and nothing else"
    )
