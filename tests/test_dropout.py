"""Dropout: seeded masks, scaling, evaluation mode, p = 1, gradients, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import refgrad as rg
import refgrad.nn.functional as F


def test_seeded_masks_repeat() -> None:
    rg.manual_seed(3)
    a = F.dropout(rg.ones(50), 0.5)
    rg.manual_seed(3)
    b = F.dropout(rg.ones(50), 0.5)
    assert np.array_equal(a.data, b.data)


@pytest.mark.parametrize("dtype", [rg.float32, rg.float64])
def test_survivors_are_scaled_and_dtype_kept(dtype: np.dtype) -> None:  # type: ignore[type-arg]
    rg.manual_seed(0)
    y = F.dropout(rg.ones(10000, dtype=dtype), 0.2)
    assert y.dtype == dtype
    assert np.unique(y.data).tolist() == [0.0, 1.25]
    assert abs((y.data == 0).mean() - 0.2) < 0.02


def test_gradient_is_the_mask() -> None:
    rg.manual_seed(1)
    x = rg.randn(20, requires_grad=True)
    y = F.dropout(x, 0.5)
    y.sum().backward()
    assert x.grad is not None
    assert np.array_equal(x.grad.data, np.where(y.data != 0, 2.0, 0.0))


def test_p_one_gives_zeros_without_nan() -> None:
    y = F.dropout(rg.tensor([1.0, -3.0, 1e300]), 1.0)
    assert np.array_equal(y.data, [0.0, 0.0, 0.0])


def test_eval_and_module() -> None:
    layer = rg.nn.Dropout(0.9)
    x = rg.randn(5)
    assert layer.eval()(x) is x
    assert (layer.train()(rg.ones(1000)).data == 0).mean() > 0.8


def test_inplace_writes_input() -> None:
    x = rg.ones(100)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x and (x.data == 0).any()


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_bad_p(p: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(rg.ones(2), p)
    with pytest.raises(ValueError, match="between 0 and 1"):
        rg.nn.Dropout(p)
