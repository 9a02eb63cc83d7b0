"""Corners where refgrad used to differ from PyTorch 2.13: NaN and infinite gradients, bounds, dims.

Each case is one program of the module ``m`` (refgrad or torch); the test runs it in both and
compares what it returns (values, or whether it raised).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import refgrad as rg

pytestmark = [pytest.mark.crosscheck, pytest.mark.usefixtures("torch_float64")]

NAN, INF = float("nan"), float("inf")
SPECIAL = [NAN, -1.0, 0.0, 2.0, INF, -INF]


def _grad(m: Any, f: Callable[[Any], Any], values: list[float]) -> Any:
    x = m.tensor(values, requires_grad=True)
    f(x).backward(m.ones(len(values)) if f(x).ndim else None)
    return x.grad


CASES: list[tuple[str, Callable[[Any], Any]]] = [
    ("relu's gradient at NaN, ±inf, 0", lambda m: _grad(m, lambda x: x.relu(), SPECIAL)),
    ("abs's gradient at NaN, ±inf, 0", lambda m: _grad(m, lambda x: x.abs(), SPECIAL)),
    ("clamp(0, 1)'s gradient", lambda m: _grad(m, lambda x: x.clamp(0.0, 1.0), SPECIAL)),
    ("clamp(min=0)'s gradient", lambda m: _grad(m, lambda x: x.clamp(min=0.0), SPECIAL)),
    ("clamp(max=1)'s gradient", lambda m: _grad(m, lambda x: x.clamp(max=1.0), SPECIAL)),
    ("clamp's value at NaN", lambda m: m.tensor(SPECIAL).clamp(0.0, 1.0)),
    ("clamp with min > max", lambda m: m.clamp(m.tensor([0.5, 1.5, 3.0]), min=2.0, max=1.0)),
    (
        "clamp with min > max, gradient",
        lambda m: _grad(m, lambda x: x.clamp(2.0, 1.0), [0.5, 1.5, 3.0]),
    ),
    ("relu then sqrt at 0 (0 · inf)", lambda m: _grad(m, lambda x: x.relu().sqrt(), [0.0, 1.0])),
    ("max() with NaNs", lambda m: _grad(m, lambda x: x.max(), [1.0, NAN, 3.0, NAN])),
    ("max() with ties", lambda m: _grad(m, lambda x: x.max(), [1.0, 3.0, 3.0])),
    ("max() value with a NaN", lambda m: m.tensor([1.0, NAN, 3.0]).max()),
    ("expand_as(itself) is a new tensor", lambda m: (lambda x: x.expand_as(x) is x)(m.zeros(2))),
    ("& on integers is bitwise", lambda m: m.tensor([6, 3]) & m.tensor([3, 5])),
    ("| on integers is bitwise", lambda m: m.tensor([6, 3]) | m.tensor([3, 5])),
    ("^ on integers is bitwise", lambda m: m.tensor([6, 3]) ^ m.tensor([3, 5])),
    ("& on bools is logical", lambda m: m.tensor([True, False]) & m.tensor([True, True])),
    ("squeeze(()) squeezes nothing", lambda m: m.tensor(m.zeros(1, 2, 1).squeeze(()).shape)),
    (
        "argmax(keepdim=True) without dim",
        lambda m: m.tensor([[1.0, 5.0], [7.0, 2.0]]).argmax(keepdim=True),
    ),
    (
        "argmin(keepdim=True) without dim",
        lambda m: m.tensor([[1.0, 5.0], [7.0, 2.0]]).argmin(keepdim=True),
    ),
    ("flatten(1, 0) is refused", lambda m: m.zeros(2, 3).flatten(1, 0)),
]


def _observe(program: Callable[[Any], Any], m: Any) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # no NumPy warning on the way
            result = program(m)
    except (RuntimeError, TypeError, ValueError, IndexError) as error:
        if isinstance(error, RuntimeWarning):
            raise
        return "raised"
    if isinstance(result, bool):
        return result
    return np.asarray(result.detach().numpy() if hasattr(result, "detach") else result, float)


@pytest.mark.parametrize(("name", "program"), CASES, ids=[name for name, _ in CASES])
def test_matches_torch(name: str, program: Callable[[Any], Any]) -> None:
    ours, theirs = _observe(program, rg), _observe(program, torch)
    if isinstance(theirs, np.ndarray) and isinstance(ours, np.ndarray):
        np.testing.assert_array_equal(ours, theirs, err_msg=name)
    else:
        assert ours == theirs, name


def test_bitwise_on_floats_is_refused_in_both() -> None:
    with pytest.raises(RuntimeError):
        torch.tensor([1.0]) & torch.tensor([1.0])
    with pytest.raises(TypeError, match="integer and bool"):
        rg.tensor([1.0]) & rg.tensor([1.0])
