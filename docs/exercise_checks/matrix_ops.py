"""Checks for the exercises of the chapter "Matrix-op derivatives and broadcasting".

Each ``exercise_<n>`` takes the reader's answer, returns None when it is right and raises
AssertionError with a hint when it is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import refgrad as rg
from refgrad.autograd import gradcheck

__all__ = ["exercise_1", "exercise_2", "exercise_3", "exercise_4"]


def _call(function: Callable[..., Any], *args: Any) -> Any:
    """Call the reader's function, turning a crash into a failed check that says what crashed."""
    try:
        return function(*args)
    except Exception as error:
        shapes = ", ".join(str(getattr(a, "shape", type(a).__name__)) for a in args)
        raise AssertionError(
            f"your function raised {type(error).__name__} for inputs of shape {shapes}: {error}"
        ) from error


def _as_array(answer: Any, name: str) -> np.ndarray:
    try:
        return np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise AssertionError(f"{name} must be a nested list or an array of numbers") from error


def exercise_1(a_grad: Any, b_grad: Any) -> None:
    """Predicted gradients of ``(a * b).sum()`` for a = [[1], [2]] and b = [10, 20, 30]."""
    a_grad, b_grad = _as_array(a_grad, "a_grad"), _as_array(b_grad, "b_grad")
    assert a_grad.shape == (2, 1), (
        f"a_grad has shape {a_grad.shape}, but a gradient has its tensor's shape: a is (2, 1)"
    )
    assert b_grad.shape == (3,), (
        f"b_grad has shape {b_grad.shape}, but a gradient has its tensor's shape: b is (3,)"
    )
    if np.allclose(a_grad, 20.0) or np.allclose(b_grad, 1.5):
        raise AssertionError(
            "these are averages over the broadcast axis: each a_i multiplies all three b_j, and "
            "each b_j multiplies both a_i, so their gradients are sums"
        )
    assert np.allclose(a_grad, [[60.0], [60.0]]), (
        "a_grad is wrong: a[i] was broadcast across the 3 columns, each multiplied by b[j], so "
        "its gradient is the sum of b over j"
    )
    assert np.allclose(b_grad, [3.0, 3.0, 3.0]), (
        "b_grad is wrong: b[j] was broadcast down the 2 rows, each multiplied by a[i], so its "
        "gradient is the sum of a over i"
    )


def _log_softmax_vjp_reference(z: np.ndarray, g: np.ndarray) -> np.ndarray:
    leaf = rg.tensor(z, requires_grad=True)
    (grad,) = rg.autograd.grad(rg.log_softmax(leaf, dim=-1), [leaf], grad_outputs=rg.tensor(g))
    return grad.numpy()


def exercise_2(log_softmax_vjp: Callable[[np.ndarray, np.ndarray], Any]) -> None:
    """``log_softmax_vjp(z, g)``: the vector-Jacobian product of log-softmax along the last axis."""
    rng = np.random.default_rng(2)
    for shape, scale in [((1, 4), 1.0), ((3, 5), 1.0), ((6, 2), 3.0), ((2, 7), 1e4)]:
        z = rng.standard_normal(shape) * scale
        g = rng.standard_normal(shape)
        with np.errstate(all="ignore"):
            answer = _as_array(_call(log_softmax_vjp, z.copy(), g.copy()), "the result")
        assert answer.shape == shape, (
            f"for z and g of shape {shape} the result has shape {answer.shape}; it must have "
            "z's shape"
        )
        assert np.all(np.isfinite(answer)), (
            f"non-finite values for logits of size about {scale:g}: compute the softmax from "
            "z - max(z) (log-sum-exp), so that exp never overflows"
        )
        expected = _log_softmax_vjp_reference(z, g)
        assert np.allclose(answer, expected, rtol=1e-7, atol=1e-9), (
            f"wrong values for shape {shape}: the VJP of y = z - logsumexp(z) is "
            "g - softmax(z) * (sum of g over the row), row by row. Did you sum over the last axis "
            "and keep it (keepdims=True)?"
        )


def exercise_3(unbroadcast: Callable[[np.ndarray, tuple[int, ...]], Any]) -> None:
    """``unbroadcast(grad, shape)``: sum ``grad`` back to ``shape``; ValueError if impossible."""
    rng = np.random.default_rng(3)
    cases = [
        ((5, 3), (3,)),
        ((5, 3), (5, 1)),
        ((5, 3), (1, 1)),
        ((5, 3), ()),
        ((4, 2, 3), (2, 1)),
        ((2, 1, 3), (1, 3)),
        ((2, 3), (2, 3)),
    ]
    for big, small in cases:
        grad = rng.standard_normal(big)
        x = rng.standard_normal(small)
        answer = _as_array(_call(unbroadcast, grad.copy(), small), "the result")
        assert answer.shape == small, (
            f"unbroadcast of a {big} gradient to {small} gave shape {answer.shape}; it must give "
            f"exactly {small} (sum away the leading axes, keep size-1 axes with keepdims=True)"
        )
        # The defining property of the adjoint: <broadcast(x), grad> = <x, unbroadcast(grad)>.
        lhs = float(np.sum(np.broadcast_to(x, big) * grad))
        rhs = float(np.sum(x * answer))
        assert np.isclose(lhs, rhs), (
            f"wrong values for {big} -> {small}: each input cell was copied into several output "
            "cells, so it must receive the SUM of their gradients (a mean is too small by the "
            "number of copies)"
        )
    for big, small in [((2, 3), (4,)), ((2, 3), (2, 4)), ((3,), (2, 3))]:
        try:
            unbroadcast(np.ones(big), small)
        except ValueError:
            continue
        except Exception as error:
            raise AssertionError(
                f"unbroadcast(np.ones({big}), {small}) raised {type(error).__name__}; raise "
                "ValueError (or a subclass) for a shape broadcasting cannot produce"
            ) from error
        raise AssertionError(
            f"unbroadcast(np.ones({big}), {small}) must raise ValueError: broadcasting {small} "
            f"can never produce {big}"
        )


def exercise_4(linear_function: type[rg.autograd.Function]) -> None:
    """Check a ``Function`` subclass computing ``x Wᵀ + b`` with a correct hand-written backward."""
    rng = np.random.default_rng(4)
    for n, d_in, d_out in [(3, 3, 3), (5, 3, 2), (1, 4, 6), (4, 2, 2)]:
        x = rg.tensor(rng.standard_normal((n, d_in)), requires_grad=True)
        W = rg.tensor(rng.standard_normal((d_out, d_in)), requires_grad=True)
        b = rg.tensor(rng.standard_normal(d_out), requires_grad=True)
        shapes = f"N = {n}, in = {d_in}, out = {d_out}"
        out = _call(linear_function.apply, x, W, b)
        expected = x.detach().numpy() @ W.detach().numpy().T + b.detach().numpy()
        assert out.shape == expected.shape and np.allclose(out.detach().numpy(), expected), (
            f"forward is wrong ({shapes}): it must return x Wᵀ + b of shape (N, out)"
        )

        def apply(x: rg.Tensor, W: rg.Tensor, b: rg.Tensor) -> rg.Tensor:
            result: rg.Tensor = linear_function.apply(x, W, b)
            return result

        try:
            ok = gradcheck(apply, [x, W, b], raise_exception=False)
        except (ValueError, RuntimeError, TypeError) as error:
            raise AssertionError(
                f"backward failed ({shapes}): {error}. Write the shapes under each factor: the "
                "weight's gradient must be (out, in)"
            ) from None
        assert ok, (
            f"backward disagrees with finite differences ({shapes}): dx = G W, dW = Gᵀ x, "
            "db = G summed over the rows"
        )
