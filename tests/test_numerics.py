"""Numerical stability of softmax, log-softmax, cross-entropy and sigmoid.

A naive ``exp(z) / sum(exp(z))`` overflows above z = 709.78 in float64 (88.72 in float32) and
warns; the stable forms subtract the maximum first. Each test here turns NumPy warnings into
errors explicitly, so an overflow, an ``inf - inf`` or a ``0 * inf`` anywhere fails it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator

import numpy as np
import pytest

import refgrad as rg
import refgrad.nn.functional as F

HUGE = 1e300
EXTREME_LOGITS = np.array(
    [
        [HUGE, -HUGE, 0.0],
        [-HUGE, -HUGE, 5.0],
        [HUGE, HUGE, -HUGE],
        [1e4, 0.0, -1e4],
        [-HUGE, 0.0, HUGE],
    ]
)
TARGETS = np.array([1, 0, 2, 2, 0])


@pytest.fixture(autouse=True)
def _warnings_are_errors() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def value_and_grad(
    f: Callable[[rg.Tensor], rg.Tensor], logits: np.ndarray, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    x = rg.tensor(logits, requires_grad=True)
    out = f(x)
    cotangent = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(rg.tensor(cotangent.astype(out.dtype)))
    assert x.grad is not None
    return out.data, x.grad.data


FUNCTIONS: dict[str, Callable[[rg.Tensor], rg.Tensor]] = {
    "softmax": lambda x: F.softmax(x, dim=-1),
    "log_softmax": lambda x: F.log_softmax(x, dim=-1),
    "softmax dim 0": lambda x: F.softmax(x, dim=0),
    "log_softmax dim 0": lambda x: F.log_softmax(x, dim=0),
    "sigmoid": rg.sigmoid,
    "cross_entropy": lambda x: F.cross_entropy(x, rg.tensor(TARGETS)),
    "cross_entropy sum": lambda x: F.cross_entropy(x, rg.tensor(TARGETS), reduction="sum"),
    "cross_entropy none": lambda x: F.cross_entropy(x, rg.tensor(TARGETS), reduction="none"),
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_finite_values_and_gradients_at_extreme_logits(name: str, dtype: type) -> None:
    scale = 1.0 if dtype is np.float64 else 1e-270  # float32 logits up to +-1e30
    logits = (EXTREME_LOGITS * scale).astype(dtype)
    value, grad = value_and_grad(FUNCTIONS[name], logits)
    assert value.dtype == dtype and grad.dtype == dtype
    assert np.isfinite(value).all(), value
    assert np.isfinite(grad).all(), grad


def test_extreme_values_are_right() -> None:
    p = F.softmax(rg.tensor(EXTREME_LOGITS), dim=-1).data
    np.testing.assert_array_equal(p[0], [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(p[2], [0.5, 0.5, 0.0])
    log_p = F.log_softmax(rg.tensor(EXTREME_LOGITS), dim=-1).data
    np.testing.assert_array_equal(log_p[0], [0.0, -2 * HUGE, -HUGE])
    np.testing.assert_array_equal(log_p[1], [-HUGE - 5.0, -HUGE - 5.0, 0.0])
    np.testing.assert_array_equal(rg.sigmoid(rg.tensor([-HUGE, HUGE])).data, [0.0, 1.0])
    losses = F.cross_entropy(rg.tensor(EXTREME_LOGITS), rg.tensor(TARGETS), reduction="none")
    np.testing.assert_array_equal(losses.data, [2 * HUGE, HUGE + 5.0, 2 * HUGE, 2e4, 2 * HUGE])


@pytest.mark.parametrize("classes", range(2, 11))
@pytest.mark.parametrize("level", [0.0, 3.7, -HUGE, HUGE])
def test_equal_logits_give_exactly_minus_log_c(classes: int, level: float) -> None:
    logits = rg.tensor([level] * classes)
    log_p = F.log_softmax(logits, dim=0).data
    assert (log_p == -math.log(classes)).all(), log_p
    loss = F.cross_entropy(rg.tensor([[level] * classes]), rg.tensor([classes - 1]))
    assert loss.item() == math.log(classes)
    p = F.softmax(logits, dim=0).data
    np.testing.assert_allclose(p, 1 / classes, rtol=1e-15)


def test_cross_entropy_of_far_apart_logits() -> None:
    logits = rg.tensor([[1e4, 0.0, -1e4]], requires_grad=True)
    loss = F.cross_entropy(logits, rg.tensor([2]))
    assert loss.item() == 20000.0
    loss.backward()
    assert logits.grad is not None
    np.testing.assert_array_equal(logits.grad.data, [[1.0, 0.0, -1.0]])


CATS_VS_DOGS_LOGITS = np.array([[1.01, 1.2], [12.5, 0.02], [0.23, 1.35]])
CATS_VS_DOGS_TARGETS = np.array([0, 0, 1])


def _hand_cross_entropy(logits: np.ndarray, targets: np.ndarray) -> float:
    """Mean over rows of log(sum_j exp(z_j)) - z_y, the log-sum-exp written out per row."""
    total = 0.0
    for row, y in zip(logits.tolist(), targets.tolist(), strict=True):
        m = max(row)
        total += m + math.log(sum(math.exp(z - m) for z in row)) - row[y]
    return total / len(logits)


def test_cats_vs_dogs_batch_by_hand() -> None:
    logits = rg.tensor(CATS_VS_DOGS_LOGITS, requires_grad=True)
    loss = F.cross_entropy(logits, rg.tensor(CATS_VS_DOGS_TARGETS))
    assert loss.item() == pytest.approx(
        _hand_cross_entropy(CATS_VS_DOGS_LOGITS, CATS_VS_DOGS_TARGETS), rel=1e-14
    )
    loss.backward()
    exp = np.exp(CATS_VS_DOGS_LOGITS)
    softmax = exp / exp.sum(axis=1, keepdims=True)
    onehot = np.eye(2)[CATS_VS_DOGS_TARGETS]
    # p - 1 cancels for the confident row: compare that entry to absolute precision.
    np.testing.assert_allclose(logits.grad.data, (softmax - onehot) / 3, rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize(("batch", "classes"), [(1, 2), (4, 3), (16, 10)])
def test_softmax_cross_entropy_gradient_is_softmax_minus_onehot(
    batch: int, classes: int, rng: np.random.Generator
) -> None:
    z = rng.standard_normal((batch, classes)) * 5
    y = rng.integers(0, classes, batch)
    logits = rg.tensor(z, requires_grad=True)
    F.cross_entropy(logits, rg.tensor(y)).backward()
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    expected = (p - np.eye(classes)[y]) / batch
    np.testing.assert_allclose(logits.grad.data, expected, rtol=1e-12, atol=1e-15)


def test_softmax_rows_sum_to_one(rng: np.random.Generator) -> None:
    z = rng.standard_normal((5, 7)) * 300  # exp would overflow without the shift
    p = F.softmax(rg.tensor(z), dim=1).data
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    assert (p >= 0).all()


def test_log_softmax_is_log_of_softmax(rng: np.random.Generator) -> None:
    z = rg.tensor(rng.standard_normal((3, 4)))
    np.testing.assert_allclose(
        F.log_softmax(z, dim=1).data, np.log(F.softmax(z, dim=1).data), rtol=1e-14
    )


def test_sigmoid_matches_the_formula_and_has_bounded_derivative() -> None:
    x = np.linspace(-30, 30, 121)
    value, _ = value_and_grad(rg.sigmoid, x)
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(value, 1 / (1 + np.exp(-x)), rtol=1e-15)
    t = rg.tensor(x, requires_grad=True)
    rg.sigmoid(t).sum().backward()
    np.testing.assert_allclose(t.grad.data, value * (1 - value), rtol=1e-15)
    assert (t.grad.data <= 0.25).all()


def test_overflowing_ops_return_inf_silently() -> None:
    # exp(1000) is inf in float64, as in PyTorch: no warning, no exception.
    assert rg.exp(rg.tensor(1000.0)).item() == math.inf
    assert rg.log(rg.tensor(0.0)).item() == -math.inf
    assert (rg.tensor(1.0) / rg.tensor(0.0)).item() == math.inf
