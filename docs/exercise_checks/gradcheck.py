"""Checks for the exercises of the chapter "Checking gradients" (``docs/gradcheck.md``).

Each ``exercise_N`` takes the reader's answer (a number or a function) and raises AssertionError
with a hint when it is wrong. An exception or a NumPy warning raised by the reader's code is
reported as a wrong answer too, so a check never prints to stderr.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

import refgrad as rg
from exercise_checks import reader_code

Scalar = Callable[[float], float]


# ---------------------------------------------------------------- exercise 1


def exercise_1(answer: float) -> None:
    """Compute what gradcheck's central difference (eps = 1e-6) gives for abs at x = 2.5e-7."""
    value = float(answer)
    if math.isclose(value, 1.0, abs_tol=1e-6):
        raise AssertionError(
            "1.0 is the true derivative of abs at a positive x, but the central difference "
            "evaluates abs at x - h = -7.5e-7 too, on the other side of the kink"
        )
    if math.isclose(value, 0.5, abs_tol=1e-6):
        raise AssertionError(
            "0.5 is what relu's central difference gives at exactly 0; work out "
            "(|x + h| - |x - h|) / (2h) with x = 2.5e-7 and h = 1e-6"
        )
    if not math.isclose(value, 0.25, abs_tol=1e-6):
        raise AssertionError(
            f"got {value}; write |x + h| and |x - h| without absolute values (one of them is "
            "negative inside) and simplify"
        )


# ---------------------------------------------------------------- exercise 2


def exercise_2(answer: float) -> None:
    """Find the h minimising h^2 |f'''| / 6 + eps |f| / h for exp at x = 0, with float32's eps."""
    value = float(answer)
    eps32 = float(np.finfo(np.float32).eps)
    eps64 = float(np.finfo(np.float64).eps)
    expected = (3 * eps32) ** (1 / 3)
    if math.isclose(value, (3 * eps64) ** (1 / 3), rel_tol=1e-2):
        raise AssertionError("that uses float64's eps (2.2e-16); float32's is 2**-23 = 1.19e-7")
    if math.isclose(value, eps32 ** (1 / 3), rel_tol=1e-2):
        raise AssertionError(
            "eps**(1/3) is the order of magnitude only: set the derivative of E(h) to zero and "
            "keep the constants"
        )
    if math.isclose(value, math.sqrt(eps32), rel_tol=1e-2) or math.isclose(
        value, math.sqrt(2 * eps32), rel_tol=1e-2
    ):
        raise AssertionError("that is the forward difference's step; this model is the central one")
    if not math.isclose(value, expected, rel_tol=1e-2):
        raise AssertionError(
            f"got {value:.3g}; E'(h) = h |f'''| / 3 - eps |f| / h**2 vanishes where "
            "h**3 = 3 eps |f| / |f'''|, and for exp at 0, f = f''' = 1"
        )


# ---------------------------------------------------------------- exercise 3


class _Counted:
    """Wraps a function of one tensor and counts its calls."""

    def __init__(self, fn: Callable[[rg.Tensor], rg.Tensor]) -> None:
        self.fn = fn
        self.calls = 0

    def __call__(self, x: rg.Tensor) -> rg.Tensor:
        self.calls += 1
        return self.fn(x)


class _ExpOnePercentOff(rg.autograd.Function):
    """exp, with a backward that is 1% too large."""

    @staticmethod
    def forward(ctx: Any, x: rg.Tensor) -> Any:
        ctx.save_for_backward(x)
        return np.exp(x.data)

    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> rg.Tensor:
        (x,) = ctx.saved_tensors
        return grad_output * x.exp() * 1.01


def _reference(
    fn: Callable[[rg.Tensor], rg.Tensor], x: np.ndarray, v: np.ndarray, eps: float
) -> tuple[float, float]:
    leaf = rg.tensor(x, requires_grad=True)
    (g,) = rg.autograd.grad(fn(leaf), leaf)
    analytical = float(np.sum(g.numpy() * v))
    plus = fn(rg.tensor(x + eps * v)).item()
    minus = fn(rg.tensor(x - eps * v)).item()
    return analytical, (plus - minus) / (2 * eps)


def exercise_3(directional_derivatives: Callable[..., Any]) -> None:
    """``directional_derivatives(fn, x, v, eps=1e-6)`` returns (analytical, numerical) floats."""
    rng = np.random.default_rng(3)
    dim = 50
    x_data = rng.uniform(-1.5, 1.5, size=dim)
    v_data = rng.standard_normal(dim)
    eps = 1e-6

    def smooth(t: rg.Tensor) -> rg.Tensor:
        return (t.tanh() * t).sum()

    def one_percent_off(t: rg.Tensor) -> rg.Tensor:
        return _ExpOnePercentOff.apply(t).sum()

    for name, fn in (("(tanh(x) * x).sum()", smooth), ("a 1%-wrong exp", one_percent_off)):
        counted = _Counted(fn)
        x = rg.tensor(x_data.copy(), requires_grad=True)
        v = rg.tensor(v_data.copy())
        with reader_code(f"directional_derivatives on {name}"):
            result = directional_derivatives(counted, x, v, eps=eps)
            analytical, numerical = (float(r) for r in result)
        if not np.array_equal(x.detach().numpy(), x_data):
            raise AssertionError("your function changed x in place; build new tensors x ± eps v")
        if counted.calls > 3:
            raise AssertionError(
                f"fn was called {counted.calls} times for a {dim}-element x: one call for "
                "backward and two for the central difference along v are enough, whatever the "
                "size of x (perturb all of x at once, along v)"
            )
        want_a, want_n = _reference(fn, x_data, v_data, eps)
        if not math.isclose(analytical, want_a, rel_tol=1e-9, abs_tol=1e-12):
            raise AssertionError(
                f"analytical directional derivative for {name}: expected {want_a:.10g}, got "
                f"{analytical:.10g}; it is the dot product of backward's gradient with v"
            )
        if not math.isclose(numerical, want_n, rel_tol=1e-6, abs_tol=1e-9):
            raise AssertionError(
                f"numerical directional derivative for {name}: expected {want_n:.10g}, got "
                f"{numerical:.10g}; use (f(x + eps v) - f(x - eps v)) / (2 eps)"
            )
    # The reference values for the wrong op differ by 1%: the reader's must too (checked above).


# ---------------------------------------------------------------- exercise 4


def _softplus(x: float) -> float:
    return float(np.log1p(np.exp(x)))


def _sigmoid(x: float) -> float:
    return float(1 / (1 + np.exp(-x)))


#: (name, f, f', x): smooth functions at points where a good checker has no trouble.
_CASES: list[tuple[str, Scalar, Scalar, float]] = [
    ("exp", lambda x: float(np.exp(x)), lambda x: float(np.exp(x)), 1.0),
    ("sin", lambda x: float(np.sin(x)), lambda x: float(np.cos(x)), 2.0),
    ("tanh", lambda x: float(np.tanh(x)), lambda x: float(1 - np.tanh(x) ** 2), 0.5),
    ("softplus", _softplus, _sigmoid, 20.0),
    ("x**3 / 3", lambda x: x**3 / 3, lambda x: x**2, 30.0),
    ("x**2", lambda x: x * x, lambda x: 2 * x, 100.0),
    ("log", lambda x: float(np.log(x)), lambda x: 1 / x, 50.0),
]


def exercise_4(check_derivative: Callable[[Scalar, Scalar, float], Any]) -> None:
    """``check_derivative(f, df, x)`` accepts every correct derivative and rejects wrong ones."""
    for name, f, df, x in _CASES:
        with reader_code(f"check_derivative({name}, x={x:g})"):
            verdict = bool(check_derivative(f, df, x))
        if not verdict:
            raise AssertionError(
                f"your helper rejects the correct derivative of {name} at x = {x:g}. At this x, "
                "f(x) or x is large: what happens to x + h, and to f(x + h) - f(x), when h is far "
                "below the spacing of floats near x?"
            )
        for label, factor in (("1% too large", 1.01), ("of the wrong sign", -1.0)):

            def wrong(t: float, df: Scalar = df, factor: float = factor) -> float:
                return factor * df(t)

            with reader_code(f"check_derivative({name}, x={x:g})"):
                verdict = bool(check_derivative(f, wrong, x))
            if verdict:
                raise AssertionError(
                    f"your helper accepts a derivative of {name} at x = {x:g} that is {label}: "
                    "keep gradcheck's tolerances (atol 1e-5, rtol 1e-3) and fix the difference "
                    "quotient instead"
                )
