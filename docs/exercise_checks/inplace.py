"""Checks for the exercises of the chapter "In-place operations" (``docs/inplace.md``).

Each ``exercise_N`` takes the reader's answer and returns None if it is right; a wrong answer
raises AssertionError with a hint. The expected answers are computed here by running refgrad,
never stored as bare values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import refgrad as rg
from exercise_checks import reader_code

# -- Exercise 1: which writes does backward refuse? -----------------------------------------------
# The chapter shows these four functions as they are written here (a literalinclude).


def sigmoid_then_write(a):
    """Write into the result of a sigmoid."""
    b = a.sigmoid()
    b[1] = 2.0
    b.sum().backward()


def formula_then_write(a):
    """Write into the result of the same sigmoid, spelled out as 1 / (1 + exp(-a))."""
    b = 1 / ((-a).exp() + 1)
    b[1] = 2.0
    b.sum().backward()


def relu_input_written(a):
    """Write into the input of a ReLU."""
    h = a * 2
    r = h.relu()
    h[0] = 0.0
    r.sum().backward()


def square_input_written(a):
    """Write into the input of a product of a tensor with itself."""
    h = a * 2
    p = h * h
    h += 1
    p.sum().backward()


FOUR_FUNCTIONS = (sigmoid_then_write, formula_then_write, relu_input_written, square_input_written)

_WHY = {
    "sigmoid_then_write": (
        "Sigmoid's derivative is sigma (1 - sigma), written with its own output: its node saves "
        "b, and b[1] = 2 changes b"
    ),
    "formula_then_write": (
        "look at the last op, 1 / t: its derivative needs t, not the result b (refgrad's Div "
        "saves the 1 and t), and the write changes only b"
    ),
    "relu_input_written": (
        "ReLU's node saves its output r (the derivative is 1 where r > 0), not its input h, so a "
        "write into h touches nothing backward reads"
    ),
    "square_input_written": (
        "Mul saves each factor for the other's gradient; in h * h both factors are h, and h += 1 "
        "changes it"
    ),
}


def _raises(function: Callable[[rg.Tensor], None]) -> bool:
    a = rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    try:
        function(a)
    except RuntimeError as error:
        if "modified by an inplace operation" in str(error):
            return True
        raise
    return False


def exercise_1(predictions: Sequence[bool]) -> None:
    """``predictions``: four booleans, True where that function's backward raises."""
    guesses = tuple(predictions)
    assert len(guesses) == 4 and all(isinstance(g, bool | np.bool_) for g in guesses), (
        f"pass four booleans, one per function in the order shown; got {predictions!r}"
    )
    for function, guess in zip(FOUR_FUNCTIONS, guesses, strict=True):
        truth = _raises(function)
        if bool(guess) != truth:
            verdict = "raises" if truth else "runs"
            raise AssertionError(
                f"{function.__name__}: it {verdict}. Ask what each node saved for backward: "
                f"{_WHY[function.__name__]}"
            )


# -- Exercise 2: an in-place swish in a residual block -------------------------------------------


def _residual_block(x: rg.Tensor, w: rg.Tensor, swish: Callable[[rg.Tensor], Any]) -> Any:
    h = x * w
    return h + swish(h)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def exercise_2(swish: Callable[[rg.Tensor], Any]) -> None:
    """``swish(x)`` returns x * sigmoid(x) and leaves ``x`` alone."""
    assert callable(swish), f"pass your swish function itself, not {swish!r}"
    rng = np.random.default_rng(4)
    for shape in ((3,), (2, 4)):
        x = rg.tensor(rng.standard_normal(shape))
        w = rg.tensor(rng.standard_normal(shape), requires_grad=True)
        h_values = x.numpy() * w.detach().numpy()
        s = _sigmoid(h_values)
        with reader_code("residual_block with your swish"):
            out = _residual_block(x, w, swish)
            assert isinstance(out, rg.Tensor), f"swish returned a {type(out).__name__}"
            out.sum().backward()
        got = out.detach().numpy()
        if np.allclose(got, 2 * h_values * s):
            raise AssertionError(
                "the block returned 2 * swish(h), not h + swish(h): what does the h on the left "
                "of the + hold by the time the addition runs?"
            )
        assert np.allclose(got, h_values + h_values * s, rtol=1e-12, atol=1e-12), (
            f"residual_block(x, w, swish) should be h + h * sigmoid(h); got {got}"
        )
        want = x.numpy() * (1 + s + h_values * s * (1 - s))
        assert w.grad is not None and np.allclose(w.grad.numpy(), want, rtol=1e-10), (
            f"the values are right but d out / d w is not: expected {want}, got "
            f"{None if w.grad is None else w.grad.numpy()}. Build swish from refgrad ops"
        )
    # The input itself: a caller may read it again, so it must keep its values and version.
    h = rg.tensor([0.5, -1.0], requires_grad=True) * 1
    before = h.detach().numpy().copy()
    with reader_code("swish on a non-leaf tensor"):
        swish(h)
    assert np.array_equal(h.detach().numpy(), before) and h._version == 0, (
        "swish changed its argument in place: any caller that uses the argument again (a "
        "residual connection, a second branch) reads swish(h) instead of h"
    )
    leaf = rg.tensor([0.5, -1.0], requires_grad=True)
    with reader_code("swish on a leaf that requires grad"):
        swish(leaf).sum().backward()


# -- Exercise 3: SGD with momentum, in place ------------------------------------------------------

MomentumStep = Callable[[list[rg.Tensor], list[Any], float, float], Any]


def _problem() -> tuple[rg.Tensor, rg.Tensor, list[rg.Tensor]]:
    rng = np.random.default_rng(7)
    X = rg.tensor(rng.standard_normal((5, 3)))
    T = rg.tensor(rng.standard_normal((5, 2)))
    W = rg.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    b = rg.tensor(np.zeros(2), requires_grad=True)
    return X, T, [W, b]


def _loss(X: rg.Tensor, T: rg.Tensor, W: rg.Tensor, b: rg.Tensor) -> rg.Tensor:
    return ((X @ W + b - T) ** 2).mean()


def _reference(lr: float, momentum: float, steps: int) -> list[list[np.ndarray]]:
    X, T, params = _problem()
    optimizer = rg.optim.SGD(params, lr=lr, momentum=momentum)
    trajectory = []
    for _ in range(steps):
        optimizer.zero_grad(set_to_none=False)
        _loss(X, T, *params).backward()
        optimizer.step()
        trajectory.append([p.detach().numpy().copy() for p in params])
    return trajectory


def exercise_3(momentum_step: MomentumStep) -> None:
    """``momentum_step(params, buffers, lr, momentum)``: PyTorch's momentum rule, in place."""
    assert callable(momentum_step), f"pass your function itself, not {momentum_step!r}"
    lr, momentum, steps = 0.1, 0.9, 5
    expected = _reference(lr, momentum, steps)
    X, T, params = _problem()
    originals = list(params)
    start = [p.detach().numpy().copy() for p in params]
    buffers: list[Any] = [None] * len(params)
    for step in range(steps):
        for p in params:
            if p.grad is not None:
                with rg.no_grad():
                    p.grad.zero_()  # what zero_grad(set_to_none=False) does
        _loss(X, T, *params).backward()
        try:
            with reader_code("momentum_step"):
                momentum_step(params, buffers, lr, momentum)
        except AssertionError as error:
            if "leaf Variable" in str(error):
                raise AssertionError(
                    f"{error}. The parameters are leaves that require grad: update them with "
                    "recording off (decorate momentum_step with @rg.no_grad, or use a with block)"
                ) from None
            raise
        assert rg.is_grad_enabled(), (
            "recording is still off after momentum_step returned: switch it off inside the "
            "function only (a decorator or a with block), never with a bare call"
        )
        assert all(p is q for p, q in zip(params, originals, strict=True)), (
            "the list params now holds other tensors: update each parameter in place, so that "
            "the model and the optimizer keep pointing at the same tensors"
        )
        for index, p in enumerate(params):
            assert p.is_leaf and p.requires_grad, (
                f"parameter {index} is no longer a leaf that requires grad: the update was "
                "recorded in a graph. Make it under rg.no_grad()"
            )
        if step == 0 and all(
            np.array_equal(p.detach().numpy(), s) for p, s in zip(params, start, strict=True)
        ):
            raise AssertionError(
                "the parameters did not change. `p = p - lr * b` makes a new tensor and binds it "
                "to the loop variable only; write into p instead (p -= lr * b, or p.sub_(...))"
            )
        assert all(buffer is not None for buffer in buffers), (
            "store each parameter's buffer in buffers[i] on the first step"
        )
        for index, (p, want) in enumerate(zip(params, expected[step], strict=True)):
            if not np.allclose(p.detach().numpy(), want, rtol=1e-12, atol=1e-12):
                aliased = any(
                    buffer is param.grad
                    or (isinstance(buffer, rg.Tensor) and buffer.data is param.grad.data)
                    for buffer, param in zip(buffers, params, strict=True)
                    if param.grad is not None
                )
                hint = (
                    " A buffer is the gradient tensor itself: clearing the gradient in place "
                    "(and the next backward accumulating into it) changes the buffer too. Store "
                    "a clone of the first gradient"
                    if aliased
                    else " The first step sets b = g (no momentum yet); later ones b = mu b + g"
                )
                raise AssertionError(
                    f"after step {step + 1}, parameter {index} differs from "
                    f"rg.optim.SGD(lr={lr}, momentum={momentum}).{hint}"
                )
