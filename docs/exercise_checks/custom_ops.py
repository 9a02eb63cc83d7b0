"""Checks for the exercises of the chapter "Write your own op" (``docs/custom-ops.md``).

Each ``exercise_N`` takes the reader's answer (a number or a ``Function`` subclass) and raises
AssertionError with a hint when it is wrong. An exception or a NumPy warning raised by the
reader's code (an overflow in ``exp``, say) is reported as a wrong answer too, so a check never
prints to stderr.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import refgrad as rg
from exercise_checks import reader_code


def _function_class(candidate: Any, name: str) -> None:
    if not (isinstance(candidate, type) and issubclass(candidate, rg.autograd.Function)):
        raise AssertionError(
            f"pass your {name} class itself (a subclass of rg.autograd.Function), not {candidate!r}"
        )


def _close(actual: Any, expected: Any, message: str) -> None:
    got = np.asarray(actual.detach().numpy() if isinstance(actual, rg.Tensor) else actual)
    want = np.asarray(expected, dtype=np.float64)
    if got.shape != want.shape or not np.allclose(got, want, rtol=1e-9, atol=1e-12):
        raise AssertionError(f"{message}\nexpected:\n{want}\ngot:\n{got}")


def _gradchecks(what: str, fn: Any, inputs: Any) -> None:
    """gradcheck, then gradgradcheck (backward must be written with refgrad operations)."""
    with reader_code(f"gradcheck of {what}"):
        first = rg.autograd.gradcheck(fn, inputs, raise_exception=False)
    if not first:
        raise AssertionError(f"gradcheck fails for {what}: backward and finite differences differ")
    with reader_code(f"gradgradcheck of {what}"):
        second = rg.autograd.gradgradcheck(fn, inputs, raise_exception=False)
    if not second:
        raise AssertionError(
            f"gradgradcheck fails for {what}: write backward with refgrad operations on tensors "
            "(not NumPy arrays wrapped afterwards), so that create_graph=True can record it"
        )


# ---------------------------------------------------------------- exercise 1


def exercise_1(answer: float) -> None:
    """Check the second derivative of softplus with beta = 3, at x = 0."""
    value = float(answer)
    if math.isclose(value, 0.25, abs_tol=1e-9):
        raise AssertionError(
            "0.25 is the second derivative for beta = 1. Differentiate sigma(beta * x) once more: "
            "the inner function beta * x contributes a factor beta."
        )
    if math.isclose(value, 0.5, abs_tol=1e-9):
        raise AssertionError(
            "0.5 is the second derivative for beta = 2, the chapter's example; this exercise "
            "uses beta = 3"
        )
    if math.isclose(value, 2.25, abs_tol=1e-9):
        raise AssertionError(
            "2.25 is beta**2 / 4, one factor beta too many: the 1/beta in front of the logarithm "
            "cancels the beta of the first derivative, which is sigma(beta * x) with no factor."
        )
    if not math.isclose(value, 0.75, abs_tol=1e-9):
        raise AssertionError(
            f"got {value}; the second derivative is beta * s * (1 - s) with s = sigma(beta * x)."
        )


# ---------------------------------------------------------------- exercise 2


def exercise_2(clamp: Any) -> None:
    """``Clamp.apply(x, min=..., max=...)`` gives PyTorch's values and gradients."""
    _function_class(clamp, "Clamp")
    values = [-2.0, -1.0, 0.0, 0.5, 1.0, 3.0]
    upstream = rg.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])

    def value_and_grad(**bounds: float | None) -> tuple[rg.Tensor, rg.Tensor]:
        x = rg.tensor(values, requires_grad=True)
        with reader_code(f"Clamp.apply(x, **{bounds})"):
            y = clamp.apply(x, **bounds)
            (y * upstream).sum().backward()
        if not np.array_equal(x.detach().numpy(), values):
            raise AssertionError("Clamp.forward changed its input in place; return a new array")
        assert x.grad is not None
        return y, x.grad

    y, grad = value_and_grad(min=-1.0, max=1.0)
    if y.dtype != np.float64:
        raise AssertionError(f"Clamp of a float64 tensor should be float64, got {y.dtype}")
    _close(y, [-1.0, -1.0, 0.0, 0.5, 1.0, 1.0], "Clamp(min=-1, max=1) has wrong values")
    if np.allclose(grad.numpy(), [0.0, 0.0, 3.0, 4.0, 0.0, 0.0]):
        raise AssertionError(
            "at x == min and at x == max PyTorch lets the gradient through: its mask is "
            "min <= x <= max, both ends included"
        )
    if np.allclose(grad.numpy(), [0.0, 1.0, 1.0, 1.0, 1.0, 0.0]):
        raise AssertionError("backward must multiply the mask by grad_output")
    _close(grad, [0.0, 2.0, 3.0, 4.0, 5.0, 0.0], "Clamp(min=-1, max=1) has wrong gradients")

    y, grad = value_and_grad(max=0.5)
    _close(y, [-2.0, -1.0, 0.0, 0.5, 0.5, 0.5], "Clamp(max=0.5): min=None means no lower bound")
    _close(grad, [1.0, 2.0, 3.0, 4.0, 0.0, 0.0], "Clamp(max=0.5) has wrong gradients")
    y, grad = value_and_grad(min=0.0)
    _close(y, [0.0, 0.0, 0.0, 0.5, 1.0, 3.0], "Clamp(min=0): max=None means no upper bound")
    _close(grad, [0.0, 0.0, 3.0, 4.0, 5.0, 6.0], "Clamp(min=0) has wrong gradients")
    y, grad = value_and_grad(min=1.0, max=0.0)
    _close(y, np.zeros(6), "when min > max, torch.clamp sets every element to max (see its docs)")
    _close(grad, np.zeros(6), "when min > max no element lies in [min, max]: every gradient is 0")

    points = np.random.default_rng(0).uniform(-3.0, 3.0, size=(3, 4))
    points[np.abs(np.abs(points) - 1.0) < 0.01] = 0.0  # never check at a kink
    x = rg.tensor(points, requires_grad=True)
    _gradchecks("Clamp(min=-1, max=1)", lambda t: clamp.apply(t, min=-1.0, max=1.0), x)


# ---------------------------------------------------------------- exercise 3


def _logsumexp(x: np.ndarray, dim: int, keepdim: bool) -> np.ndarray:
    m = np.max(x, axis=dim, keepdims=True)
    kept = m + np.log(np.sum(np.exp(x - m), axis=dim, keepdims=True))
    return kept if keepdim else np.squeeze(kept, axis=dim)


def exercise_3(logsumexp: Any) -> None:
    """``LogSumExp.apply(x, dim=..., keepdim=...)``: stable, with a differentiable backward."""
    _function_class(logsumexp, "LogSumExp")
    data = np.random.default_rng(1).standard_normal((3, 4))
    for dim in (0, 1, -1):
        for keepdim in (False, True):
            what = f"LogSumExp(dim={dim}, keepdim={keepdim})"
            with reader_code(what):
                y = logsumexp.apply(rg.tensor(data), dim=dim, keepdim=keepdim)
            _close(y, _logsumexp(data, dim, keepdim), f"{what} has wrong values or shape")

    big = rg.tensor([[1000.0, 1000.0], [-1000.0, -1000.0]], requires_grad=True)
    with reader_code("LogSumExp(dim=1) at [[1000, 1000], [-1000, -1000]]"):
        y = logsumexp.apply(big, dim=1)
    _close(
        y,
        [1000.0 + math.log(2.0), -1000.0 + math.log(2.0)],
        "LogSumExp overflows or underflows: subtract the maximum before exp",
    )
    with reader_code("backward of LogSumExp at [[1000, 1000], [-1000, -1000]]"):
        y.sum().backward()
    assert big.grad is not None
    _close(
        big.grad,
        np.full((2, 2), 0.5),
        "the gradient of logsumexp is the softmax exp(x - result), here 1/2 everywhere; compute "
        "it from the saved result, not as exp(x) / sum(exp(x))",
    )

    for dim, keepdim in ((1, False), (0, True)):
        _gradchecks(
            f"LogSumExp(dim={dim}, keepdim={keepdim})",
            lambda t, dim=dim, keepdim=keepdim: logsumexp.apply(t, dim=dim, keepdim=keepdim),
            rg.tensor(data, requires_grad=True),
        )


# ---------------------------------------------------------------- exercise 4


def exercise_4(scale_shift: Any) -> None:
    """``ScaleShift.apply(x, w, b)`` is ``x * w + b``, ``w`` and ``b`` broadcast over the rows."""
    _function_class(scale_shift, "ScaleShift")
    rng = np.random.default_rng(2)
    for shape in ((4, 3), (2, 5, 3)):
        x = rg.tensor(rng.standard_normal(shape), requires_grad=True)
        w = rg.tensor(rng.standard_normal(3), requires_grad=True)
        b = rg.tensor(rng.standard_normal(3), requires_grad=True)
        with reader_code("ScaleShift"):
            y = scale_shift.apply(x, w, b)
            y.sum().backward()
        _close(y, x.detach().numpy() * w.detach().numpy() + b.detach().numpy(), "wrong values")
        assert b.grad is not None
        rows = math.prod(shape[:-1])
        if np.allclose(b.grad.numpy(), 1.0):
            raise AssertionError(
                f"with an upstream gradient of 1 everywhere, each b[j] was added into {rows} "
                f"outputs, so its gradient is {rows}, not 1: the adjoint of broadcasting is a sum, "
                "not a mean"
            )
        _gradchecks(
            f"ScaleShift with x of shape {shape}",
            lambda x, w, b: scale_shift.apply(x, w, b),
            [x, w, b],
        )

    # Only w requires grad: backward must cope (ctx.needs_input_grad, None for the others).
    x = rg.tensor(rng.standard_normal((4, 3)))
    w = rg.tensor(rng.standard_normal(3), requires_grad=True)
    b = rg.tensor(rng.standard_normal(3))
    with reader_code("ScaleShift with only w requiring grad"):
        scale_shift.apply(x, w, b).sum().backward()
    assert w.grad is not None
    _close(w.grad, x.numpy().sum(axis=0), "wrong gradient for w when x and b are constants")
