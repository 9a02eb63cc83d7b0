"""``refgrad.autograd.functional`` and ``gradcheck`` against ``torch.autograd``'s.

The same function is written once, for a module ``m`` (refgrad or torch); results must have the
same structure (tensor or tuple, and nesting), the same shapes and the same values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import refgrad as rg

pytestmark = pytest.mark.crosscheck

W = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 1.5, -1.0, 2.0], [2.0, 0.3, 0.7, -0.4]])
A = np.array([[2.0, 1.0, 0.0, -1.0], [0.5, 3.0, 1.0, 0.0], [0.0, -1.0, 1.0, 2.0], [1.0, 0, 0, 1]])


def vector_function(m: Any) -> Callable[..., Any]:
    return lambda x: (m.tensor(W) @ x).tanh() * x[:3].exp()


def two_by_two(m: Any) -> Callable[..., Any]:
    return lambda x, y: (x * y.sum(), (x.exp() * y[0]).sum() + (y**2).sum())


def scalar_function(m: Any) -> Callable[..., Any]:
    return lambda x: (x @ m.tensor(A) @ x) + (x.sigmoid() * x.tanh()).sum()


def scalar_of_two(m: Any) -> Callable[..., Any]:
    return lambda x, y: (x.sum() ** 2) * y.tanh().sum() + (x * x).sum()


def to_numpy(value: Any) -> Any:
    """Nested tuples of tensors as nested tuples of arrays (the structure is compared too)."""
    if isinstance(value, tuple):
        return tuple(to_numpy(v) for v in value)
    if isinstance(value, torch.Tensor):
        return value.detach().numpy()
    assert isinstance(value, rg.Tensor), type(value)
    return value.detach().data


def assert_same(ours: Any, theirs: Any) -> None:
    assert_same_arrays(to_numpy(ours), to_numpy(theirs))


def assert_same_arrays(a: Any, b: Any) -> None:
    assert type(a) is type(b)
    if isinstance(a, tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same_arrays(x, y)
    else:
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


RNG = np.random.default_rng(7)
X4, V4, U3 = RNG.standard_normal(4), RNG.standard_normal(4), RNG.standard_normal(3)
X3, Y2 = RNG.standard_normal(3), RNG.standard_normal(2)
DX3, DY2 = RNG.standard_normal(3), RNG.standard_normal(2)


def both(make: Callable[[Any], Any]) -> tuple[Any, Any]:
    return make(rg), make(torch)


CASES: dict[str, Callable[[Any], Any]] = {
    "jacobian R^4 -> R^3": lambda m: m.autograd.functional.jacobian(
        vector_function(m), m.tensor(X4)
    ),
    "jacobian of a one-tuple": lambda m: m.autograd.functional.jacobian(
        vector_function(m), (m.tensor(X4),)
    ),
    "jacobian tuple in, tuple out": lambda m: m.autograd.functional.jacobian(
        two_by_two(m), (m.tensor(X3), m.tensor(Y2))
    ),
    "hessian": lambda m: m.autograd.functional.hessian(scalar_function(m), m.tensor(X4)),
    "hessian of tuple inputs": lambda m: m.autograd.functional.hessian(
        scalar_of_two(m), (m.tensor(X3), m.tensor(Y2))
    ),
    "vjp": lambda m: m.autograd.functional.vjp(vector_function(m), m.tensor(X4), m.tensor(U3)),
    "vjp of tuples": lambda m: m.autograd.functional.vjp(
        two_by_two(m), (m.tensor(X3), m.tensor(Y2)), (m.tensor(U3), m.tensor(np.array(0.7)))
    ),
    "vjp of a scalar, no v": lambda m: m.autograd.functional.vjp(scalar_function(m), m.tensor(X4)),
    "jvp": lambda m: m.autograd.functional.jvp(vector_function(m), m.tensor(X4), m.tensor(V4)),
    "jvp of tuples": lambda m: m.autograd.functional.jvp(
        two_by_two(m), (m.tensor(X3), m.tensor(Y2)), (m.tensor(DX3), m.tensor(DY2))
    ),
    "hvp": lambda m: m.autograd.functional.hvp(scalar_function(m), m.tensor(X4), m.tensor(V4)),
    "hvp of tuples": lambda m: m.autograd.functional.hvp(
        scalar_of_two(m), (m.tensor(X3), m.tensor(Y2)), (m.tensor(DX3), m.tensor(DY2))
    ),
    "vhp": lambda m: m.autograd.functional.vhp(scalar_function(m), m.tensor(X4), m.tensor(V4)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_functional_matches_torch(name: str) -> None:
    ours, theirs = both(CASES[name])
    assert_same(ours, theirs)


# ---------------------------------------------------------------- gradcheck on custom Functions


class SquareRG(rg.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: rg.Tensor) -> Any:
        ctx.save_for_backward(x)
        return x.data**2

    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        (x,) = ctx.saved_tensors
        return grad_output * 2 * x


class SquareTorch(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return x**2

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return grad_output * 2 * x


class WrongSquareRG(SquareRG):
    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x


class WrongSquareTorch(SquareTorch):
    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x


class DetachedSquareRG(SquareRG):
    """Right first derivative, computed outside the graph: second order is wrong."""

    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        (x,) = ctx.saved_tensors
        return grad_output * 2 * x.detach()


class DetachedSquareTorch(SquareTorch):
    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return grad_output * 2 * x.detach()


PAIRS = {
    "correct": (SquareRG, SquareTorch, True, True),
    "wrong first derivative": (WrongSquareRG, WrongSquareTorch, False, False),
    "detached backward": (DetachedSquareRG, DetachedSquareTorch, True, False),
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_gradcheck_agrees_with_torch(name: str) -> None:
    ours_fn, theirs_fn, first, second = PAIRS[name]
    values = np.array([0.5, -1.3, 2.0])
    x = rg.tensor(values, requires_grad=True)
    t = torch.tensor(values, requires_grad=True)
    checks = [
        (rg.autograd.gradcheck(ours_fn.apply, x, raise_exception=False), first),
        (torch.autograd.gradcheck(theirs_fn.apply, t, raise_exception=False), first),
    ]
    if first:  # second order is meaningful only where first order holds
        checks += [
            (rg.autograd.gradgradcheck(ours_fn.apply, x, raise_exception=False), second),
            (torch.autograd.gradgradcheck(theirs_fn.apply, t, raise_exception=False), second),
        ]
    assert [result for result, _ in checks] == [expected for _, expected in checks]


def test_gradcheck_raises_like_torch_on_a_wrong_function() -> None:
    values = np.array([0.5, -1.3])
    with pytest.raises(RuntimeError):  # torch.autograd.GradcheckError is a RuntimeError
        torch.autograd.gradcheck(WrongSquareTorch.apply, torch.tensor(values, requires_grad=True))
    with pytest.raises(RuntimeError):
        rg.autograd.gradcheck(WrongSquareRG.apply, rg.tensor(values, requires_grad=True))
