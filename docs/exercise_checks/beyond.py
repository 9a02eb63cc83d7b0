"""Checks for the exercises of "Beyond first derivatives" (``docs/beyond.md``).

Each ``exercise_N`` takes the reader's answer (a matrix, a function or a ``Function`` subclass)
and raises AssertionError with a hint when it is wrong. An exception or a NumPy warning raised
by the reader's code is reported as a wrong answer too, so a check never prints to stderr. The
references are closed forms, central differences and refgrad's own reverse mode.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

import refgrad as rg
import refgrad.autograd.forward_ad as fwAD
from exercise_checks import reader_code
from refgrad.autograd.functional import jacobian


def _array(value: Any) -> np.ndarray:
    if isinstance(value, rg.Tensor):
        return np.asarray(value.detach().numpy(), dtype=np.float64)
    return np.asarray(value, dtype=np.float64)


# ---------------------------------------------------------------- exercise 1


def exercise_1(answer: Any) -> None:
    """Check the Hessian of f(x, y) = x**2 * y + exp(x * y) at (1, 0), derived by hand."""
    H = _array(answer)
    if H.shape != (2, 2):
        raise AssertionError(f"f has two inputs, so its Hessian is 2 x 2; got shape {H.shape}")
    if not np.allclose(H, H.T):
        raise AssertionError(
            "a Hessian of a twice continuously differentiable function is symmetric: "
            "d2f/dxdy = d2f/dydx"
        )
    if np.allclose(H, [[0.0, 2.0], [2.0, 1.0]]):
        raise AssertionError(
            "the mixed entry misses a term: df/dx = 2xy + y exp(xy), and the derivative of "
            "y exp(xy) with respect to y needs the product rule: exp(xy) + xy exp(xy)"
        )
    want = np.array([[0.0, 3.0], [3.0, 1.0]])
    if not np.allclose(H, want):
        wrong = [
            f"H[{i}, {j}]"
            for i in range(2)
            for j in range(2)
            if not np.isclose(H[i, j], want[i, j])
        ]
        raise AssertionError(
            f"{', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not right. Differentiate "
            "df/dx = 2xy + y exp(xy) and df/dy = x**2 + x exp(xy) once more, then set x = 1, "
            "y = 0; confirm with refgrad.autograd.functional.hessian"
        )


# ---------------------------------------------------------------- exercise 2


def _second_derivative_cases() -> list[
    tuple[str, Callable[[rg.Tensor], rg.Tensor], float, float, float]
]:
    """(name, f, x, f'(x), f''(x)) with closed forms."""
    t = math.tanh(0.7)
    return [
        ("x**3 at 1.5", lambda x: x**3, 1.5, 3 * 1.5**2, 6 * 1.5),
        ("tanh at 0.7", lambda x: x.tanh(), 0.7, 1 - t * t, -2 * t * (1 - t * t)),
        (
            "x * exp(x) at -0.3",
            lambda x: x * x.exp(),
            -0.3,
            0.7 * math.exp(-0.3),
            1.7 * math.exp(-0.3),
        ),
    ]


def exercise_2(second_derivative: Callable[[Callable[[rg.Tensor], rg.Tensor], float], Any]) -> None:
    """``second_derivative(f, x)`` returns f''(x) as a number, for a scalar function f."""
    if not callable(second_derivative):
        raise AssertionError("pass your function second_derivative(f, x) itself")
    for name, f, x, first, second in _second_derivative_cases():
        for attempt in range(2):  # a second call must not see state left by the first
            with reader_code(f"second_derivative for {name}"):
                got = float(_array(second_derivative(f, x)))
            if math.isclose(got, first + second, rel_tol=1e-9):
                raise AssertionError(
                    f"for {name} you got f' + f'' = {got}: the second backward added f'' into "
                    "x.grad, which already held f' (leaf gradients accumulate). Set x.grad = None "
                    "before the second backward, or use rg.autograd.grad, which touches no .grad"
                )
            if math.isclose(got, first, rel_tol=1e-9) and not math.isclose(first, second):
                raise AssertionError(f"for {name} you returned the first derivative {got}")
            if not math.isclose(got, second, rel_tol=1e-9, abs_tol=1e-12):
                raise AssertionError(
                    f"for {name} the second derivative is {second}, got {got}"
                    + (" on a second call: does your function keep state?" if attempt else "")
                )


# ---------------------------------------------------------------- exercise 3


def _rosenbrock(v: rg.Tensor) -> rg.Tensor:
    return (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2


def _step(
    newton_step: Callable[..., Any], f: Callable[[rg.Tensor], rg.Tensor], x: np.ndarray
) -> np.ndarray:
    given = x.copy()
    with reader_code("newton_step"):
        result = _array(newton_step(f, x))
    if not np.array_equal(x, given):
        raise AssertionError("newton_step changed its argument x in place; return a new point")
    if result.shape != x.shape:
        raise AssertionError(
            f"newton_step should return a point of shape {x.shape}, got {result.shape}"
        )
    return result


def exercise_3(newton_step: Callable[..., Any]) -> None:
    """``newton_step(f, x)`` returns ``x - H^{-1} grad f(x)`` for a NumPy point ``x``."""
    if not callable(newton_step):
        raise AssertionError("pass your function newton_step(f, x) itself")

    A = np.array([[3.0, 1.0, 0.0], [-1.0, 4.0, 2.0], [0.5, 0.0, 2.0]])
    b = np.array([1.0, -2.0, 0.5])
    A_t, b_t = rg.tensor(A), rg.tensor(b)

    def quadratic(x: rg.Tensor) -> rg.Tensor:
        return 0.5 * (x @ (A_t @ x)) - b_t @ x

    minimum = np.linalg.solve((A + A.T) / 2, b)
    got = _step(newton_step, quadratic, np.array([2.0, -1.0, 3.0]))
    if np.allclose(got, np.linalg.solve(A, b)):
        raise AssertionError(
            "your step solves A x = b, but the Hessian of x^T A x / 2 is (A + A^T) / 2 when A is "
            "not symmetric; use refgrad's hessian rather than reading A off the formula"
        )
    if not np.allclose(got, minimum, rtol=1e-9, atol=1e-12):
        gradient = 0.5 * (A + A.T) @ np.array([2.0, -1.0, 3.0]) - b
        if np.allclose(got, np.array([2.0, -1.0, 3.0]) - gradient):
            raise AssertionError("that is a gradient-descent step x - grad f(x), not a Newton step")
        raise AssertionError(
            "on a quadratic f(x) = x^T A x / 2 - b^T x, one Newton step lands exactly on the "
            f"minimum {minimum}, but yours went to {got}. Solve H p = grad f(x) and return x - p"
        )

    x = np.array([-1.2, 1.0])
    first = _step(newton_step, _rosenbrock, x)
    want_first = np.array([-1.1752808988764, 1.3806741573034])
    if not np.allclose(first, want_first, rtol=1e-9):
        raise AssertionError(
            f"from (-1.2, 1) on the Rosenbrock function the first Newton step goes to "
            f"{want_first}, yours to {first}"
        )
    x = first
    for _ in range(7):
        x = _step(newton_step, _rosenbrock, x)
    if not np.allclose(x, [1.0, 1.0], atol=1e-8):
        raise AssertionError(f"after 8 Newton steps from (-1.2, 1) you are at {x}, not at (1, 1)")


# ---------------------------------------------------------------- exercise 4


def _forward_mode(
    linear: Any, x: np.ndarray, w: np.ndarray, dx: np.ndarray, dw: np.ndarray
) -> np.ndarray:
    with reader_code("forward mode through Linear"):
        with fwAD.dual_level():
            out = linear.apply(
                fwAD.make_dual(rg.tensor(x), rg.tensor(dx)),
                fwAD.make_dual(rg.tensor(w), rg.tensor(dw)),
            )
            tangent = fwAD.unpack_dual(out).tangent
    if tangent is None:
        raise AssertionError("Linear's result carries no tangent: does jvp return a Tensor?")
    return _array(tangent)


def exercise_4(linear: Any) -> None:
    """``Linear.apply(x, w)`` is ``x @ w`` with a backward rule and a JVP rule that agree."""
    if not (isinstance(linear, type) and issubclass(linear, rg.autograd.Function)):
        raise AssertionError(
            f"pass your Linear class itself (a subclass of rg.autograd.Function), not {linear!r}"
        )
    rng = np.random.default_rng(4)
    for n, d, k in ((4, 3, 3), (4, 3, 5), (2, 5, 3)):
        x, w = rng.normal(size=(n, d)), rng.normal(size=(d, k))
        dx, dw = rng.normal(size=(n, d)), rng.normal(size=(d, k))
        u = rng.normal(size=(n, k))
        xs = [rg.tensor(x, requires_grad=True), rg.tensor(w, requires_grad=True)]
        with reader_code(f"Linear with x {x.shape} and w {w.shape}"):
            out = linear.apply(*xs)
            back_x, back_w = rg.autograd.grad(out, xs, grad_outputs=rg.tensor(u))
        if not np.allclose(_array(out), x @ w):
            raise AssertionError(f"Linear.forward is not x @ w for x {x.shape}, w {w.shape}")
        if not (np.allclose(_array(back_x), u @ w.T) and np.allclose(_array(back_w), x.T @ u)):
            raise AssertionError(
                "Linear.backward is wrong: for y = x @ w, x_bar = y_bar w^T, w_bar = x^T y_bar"
            )
        tangent = _forward_mode(linear, x, w, dx, dw)
        want = dx @ w + x @ dw
        if tangent.shape != want.shape:
            raise AssertionError(
                f"the JVP has shape {tangent.shape}, but y = x @ w has shape {want.shape}"
            )
        left = float(np.sum(u * tangent))  # <u, J v>
        right = float(np.sum(_array(back_x) * dx) + np.sum(_array(back_w) * dw))  # <J^T u, v>
        if not math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12):
            raise AssertionError(
                f"with x {x.shape} and w {w.shape}: <u, J v> = {left:.6g} from your jvp but "
                f"<J^T u, v> = {right:.6g} from your backward, so the two rules are not transposes "
                "of each other. The JVP applies J itself (dy = dx @ w + x @ dw); backward applies "
                "J^T"
            )
        if not np.allclose(tangent, want):
            raise AssertionError(f"the JVP should be dx @ w + x @ dw, got {tangent}")
    # The whole Jacobian, column by column in forward mode, equals reverse mode's.
    x, w = rng.normal(size=(2, 3)), rng.normal(size=(3, 3))
    J_rev = _array(jacobian(lambda t: linear.apply(t, rg.tensor(w)), rg.tensor(x)))
    columns = [
        _forward_mode(linear, x, w, e.reshape(x.shape), np.zeros_like(w)) for e in np.eye(x.size)
    ]
    J_fwd = np.stack(columns, axis=-1).reshape(J_rev.shape)
    if not np.allclose(J_fwd, J_rev):
        raise AssertionError("the Jacobian built from JVPs differs from the one built from VJPs")
