"""maximum/minimum at ties and NaN, and the strict shape rules of dot, mv, outer and bmm."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import refgrad as rg

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(
    "call",
    [
        lambda m, a, b: m.maximum(a, b),
        lambda m, a, b: m.minimum(a, b),
        lambda m, a, b: m.max(a, b),
        lambda m, a, b: m.min(a, b),
        lambda m, a, b: a.max(b),
        lambda m, a, b: a.minimum(b),
    ],
)
def test_ties_and_nan_get_torchs_gradient(call: Any, torch_float64: Any) -> None:
    a_values = np.array([1.0, 2.0, 3.0, np.nan, 0.0, -0.0, np.inf])
    b_values = np.array([1.0, 3.0, 2.0, 1.0, -0.0, 0.0, np.inf])
    a, b = rg.tensor(a_values, requires_grad=True), rg.tensor(b_values, requires_grad=True)
    ta, tb = torch.tensor(a_values, requires_grad=True), torch.tensor(b_values, requires_grad=True)
    ours, theirs = call(rg, a, b), call(torch, ta, tb)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    ours.sum().backward()
    theirs.sum().backward()
    assert a.grad is not None and b.grad is not None
    np.testing.assert_array_equal(a.grad.numpy(), ta.grad.numpy())
    np.testing.assert_array_equal(b.grad.numpy(), tb.grad.numpy())


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_promotion_as_torch(name: str, torch_float64: Any) -> None:
    ours = getattr(rg, name)(rg.tensor([1, 2]), rg.tensor([1.5, 1.0]))
    theirs = getattr(torch, name)(torch.tensor([1, 2]), torch.tensor([1.5, 1.0]))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize(
    ("name", "shapes"),
    [
        ("dot", [(3,), (2,)]),
        ("dot", [(2, 3), (2, 3)]),
        ("mv", [(2, 3), (2,)]),
        ("mv", [(3,), (3,)]),
        ("outer", [(2, 2), (3,)]),
        ("bmm", [(2, 3), (3, 2)]),
        ("bmm", [(2, 2, 3), (3, 3, 2)]),
        ("bmm", [(2, 2, 3), (2, 2, 2)]),
    ],
)
def test_shapes_torch_refuses_are_refused(name: str, shapes: list[tuple[int, ...]]) -> None:
    with pytest.raises(RuntimeError):
        getattr(torch, name)(*[torch.ones(s) for s in shapes])
    with pytest.raises(RuntimeError, match=name):
        getattr(rg, name)(*[rg.ones(s) for s in shapes])


@pytest.mark.parametrize("name", ["dot", "mv", "bmm"])
def test_mixed_dtypes_are_refused_as_torch(name: str) -> None:
    shapes = {"dot": [(3,), (3,)], "mv": [(2, 3), (3,)], "bmm": [(2, 2, 3), (2, 3, 2)]}[name]
    with pytest.raises(RuntimeError):
        getattr(torch, name)(torch.ones(shapes[0]), torch.ones(shapes[1], dtype=torch.float64))
    with pytest.raises(RuntimeError, match="dtype"):
        getattr(rg, name)(rg.ones(shapes[0], dtype=rg.float32), rg.ones(shapes[1]))


def test_outer_promotes_as_torch(torch_float64: Any) -> None:
    ours = rg.outer(rg.tensor([1, 2]), rg.tensor([0.5, 1.5]))
    theirs = torch.outer(torch.tensor([1, 2]), torch.tensor([0.5, 1.5]))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
