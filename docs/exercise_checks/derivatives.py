"""Checks for the exercises of "Derivatives are linear maps" (docs/derivatives.md).

Each check raises AssertionError with a hint when an answer is wrong; refgrad itself (or a
closed form) is the oracle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import refgrad as rg
from refgrad.autograd.functional import jacobian


def exercise_1(jacobian_shape: tuple[int, ...], grad_shape: tuple[int, ...]) -> None:
    """Shapes for h(X) = tanh(X @ w), X of shape (2, 3): ``jacobian(h, X)`` and ``X.grad``."""
    w = rg.tensor([1.0, -1.0, 0.5])

    def h(X: rg.Tensor) -> rg.Tensor:
        return (X @ w).tanh()

    X = rg.tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3), requires_grad=True)
    expected_jacobian = tuple(jacobian(h, X).shape)
    h(X).backward(gradient=rg.ones(2))
    expected_grad = tuple(X.grad.shape) if X.grad is not None else ()

    jacobian_shape, grad_shape = tuple(jacobian_shape), tuple(grad_shape)
    assert jacobian_shape == expected_jacobian, (
        f"jacobian(h, X) does not have shape {jacobian_shape}: refgrad's Jacobian has shape "
        "output.shape + input.shape (what is the shape of h(X)?)"
    )
    assert grad_shape == expected_grad, (
        f"X.grad does not have shape {grad_shape}: backward computes v^T J, one number per entry "
        "of X, and .grad stores it in X's own shape"
    )


def _item(value: rg.Tensor | None) -> float:
    assert value is not None
    return float(value.item())


def exercise_2(partial: float, total: float) -> None:
    """Check the partial dy/dx (z fixed) and the total for y = (x + z)^2, z = x w, x = 1, w = 3."""
    x, w = rg.tensor(1.0, requires_grad=True), rg.tensor(3.0)
    z = x * w
    y = (x + z) ** 2
    total_true, dy_dz = (_item(t) for t in rg.autograd.grad(y, [x, z], retain_graph=True))
    partial_true_value = _item(rg.autograd.grad((x + z.detach()) ** 2, x)[0])

    assert np.isclose(partial, partial_true_value), (
        f"the partial derivative is not {partial}: hold z fixed at its value x w = 3 and "
        "differentiate (x + z)^2 in x alone"
        + (" (you gave the total derivative)" if np.isclose(partial, total_true) else "")
    )
    if np.isclose(total, partial_true_value + dy_dz):
        raise AssertionError(
            f"{total} is dy/dx (partial) + dy/dz: the second term needs the factor dz/dx, the "
            "rate at which z moves when x moves"
        )
    if np.isclose(total, partial_true_value):
        raise AssertionError(f"{total} is the partial derivative: add the path through z")
    assert np.isclose(total, total_true), (
        f"the total derivative is not {total}: it is dy/dx (z fixed) + dy/dz * dz/dx; check it "
        "against y = x^2 (1 + w)^2 differentiated directly"
    )


def _test_functions() -> list[tuple[Callable[[rg.Tensor], rg.Tensor], np.ndarray]]:
    W = rg.tensor([[1.0, -2.0, 0.5, 0.0, 3.0], [0.2, 1.0, -1.0, 2.0, 0.0]])

    def r3_to_r4(x: rg.Tensor) -> rg.Tensor:
        return rg.stack([x[0] * x[1], x[1] + x[2].exp(), x[0] - x[2] ** 2, (x * x).sum()])

    def r5_to_r2(x: rg.Tensor) -> rg.Tensor:
        return W @ x.tanh()

    return [
        (r3_to_r4, np.array([0.5, -1.0, 2.0])),
        (r5_to_r2, np.array([0.3, -0.2, 1.0, 0.0, -1.5])),
    ]


def exercise_3(jacobian_rows: Callable[[Callable[[rg.Tensor], rg.Tensor], rg.Tensor], Any]) -> None:
    """``jacobian_rows(func, x)`` must return the (K, D) Jacobian of func at the leaf x."""
    for func, point in _test_functions():
        expected = jacobian(func, rg.tensor(point)).numpy()
        K, D = expected.shape
        answer = np.asarray(jacobian_rows(func, rg.tensor(point, requires_grad=True)), dtype=float)
        assert answer.shape != (D, K), (
            f"shape {answer.shape} is (D, K) for a function R^{D} -> R^{K}: you returned the "
            "transpose; in numerator layout row i is the derivative of output i"
        )
        assert answer.shape == (K, D), f"expected shape (K, D) = {(K, D)}, got {answer.shape}"
        assert not (np.allclose(answer, np.cumsum(expected, axis=0)) and K > 1), (
            "row i is the sum of rows 0..i: x.grad accumulates across backward calls; set "
            "x.grad = None (or x.grad.zero_()) before each row"
        )
        assert np.allclose(answer, expected), (
            f"wrong Jacobian for {func.__name__}:\n{answer}\nexpected:\n{expected}"
        )


def exercise_4(engine: type) -> None:
    """``engine`` is the Scalar class with the bug fixed: it must agree with refgrad."""

    def composite(x: Any, w: Any) -> Any:  # y = x z + z^2 with z = x^2 w
        z = x * x * w
        return x * z + z * z

    def reuse(x: Any, w: Any) -> Any:  # a value used three times
        a = x + w
        return a * a + a * w

    for build, (x_value, w_value) in [(composite, (2.0, 0.5)), (reuse, (1.5, -2.0))]:
        x, w = engine(x_value), engine(w_value)
        build(x, w).backward()
        x_ref = rg.tensor(x_value, requires_grad=True)
        w_ref = rg.tensor(w_value, requires_grad=True)
        build(x_ref, w_ref).backward()
        for name, got, want in [("x", x.grad, _item(x_ref.grad)), ("w", w.grad, _item(w_ref.grad))]:
            assert np.isclose(got, want), (
                f"{build.__name__}: d/d{name} is {got}, refgrad says {want}. A value used more "
                "than once receives one contribution per use; does backward keep all of them?"
            )
