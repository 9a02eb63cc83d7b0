"""Checks for the exercises of the chapter "Training and loss" (docs/training.md).

Each ``exercise_N`` takes the reader's answer and returns None if it is right; a wrong answer
raises AssertionError with a hint. The reference answers are computed here, with refgrad, never
stored as bare numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import refgrad as rg
import refgrad.nn.functional as F
from refgrad import Tensor

# The cats-vs-dogs batch of the chapter: classes cat = 0, dog = 1.
CAT_DOG_LOGITS = [[1.01, 1.2], [12.5, 0.02], [0.23, 1.35]]
CAT_DOG_LABELS = [0, 0, 1]

TrainFn = Callable[[Tensor, Tensor, Tensor, Tensor, float, int], Any]
AccumulateFn = Callable[[Tensor, Tensor, Tensor, Tensor, Sequence[int]], Any]


def _problem(rows: int = 6, seed: int = 0) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Make a small 3-class problem: features X (rows, 4), labels y, and parameters W, b at zero."""
    rng = np.random.default_rng(seed)
    X = rg.tensor(rng.standard_normal((rows, 4)))
    y = rg.tensor(rng.integers(0, 3, size=rows))
    W = rg.zeros(3, 4, requires_grad=True)
    b = rg.zeros(3, requires_grad=True)
    return X, y, W, b


def _grad_arrays(W: Tensor, b: Tensor) -> tuple[np.ndarray, np.ndarray]:
    assert W.grad is not None and b.grad is not None, (
        "W.grad and b.grad are None: call backward so that they hold the gradient"
    )
    return W.grad.numpy().copy(), b.grad.numpy().copy()


# -- Exercise 1: predict, then run ----------------------------------------------------------------


def exercise_1(answer: tuple[float, float]) -> None:
    """``answer`` = (loss of four equal logits, loss of logits (-6, 0, 0, 0) with label 0)."""
    equal, wrong = (float(v) for v in answer)
    z = rg.tensor([[0.0, 0.0, 0.0, 0.0], [-6.0, 0.0, 0.0, 0.0]])
    expected = F.cross_entropy(z, rg.tensor([0, 0]), reduction="none").tolist()
    assert abs(equal - expected[0]) < 2e-3, (
        f"equal logits: got {equal:.4f}. With equal logits softmax is uniform, so the true class "
        "gets probability 1/C; the loss is -log(1/C)"
    )
    assert abs(wrong - expected[1]) < 2e-3, (
        f"confident wrong row: got {wrong:.4f}. The loss is logsumexp(z) - z_y; here the three "
        "other logits tie at 0, six above the true one, so logsumexp(z) is about ln 3"
    )


# -- Exercise 2: derive by hand -------------------------------------------------------------------


def exercise_2(grad: Any) -> None:
    """``grad``: the gradient of the batch's mean cross-entropy w.r.t. its logits, shape (3, 2)."""
    answer = np.asarray(grad, dtype=float)
    assert answer.shape == (3, 2), f"the gradient has the logits' shape (3, 2), got {answer.shape}"
    logits = rg.tensor(CAT_DOG_LOGITS, requires_grad=True)
    F.cross_entropy(logits, rg.tensor(CAT_DOG_LABELS)).backward()
    assert logits.grad is not None
    expected = logits.grad.numpy()
    n = len(CAT_DOG_LABELS)
    assert not np.allclose(answer, n * expected, atol=1e-6), (
        f"your gradient is {n} times too large: the loss is the mean over {n} rows, so each "
        f"row's gradient softmax(z) - onehot(y) is divided by {n}"
    )
    assert not np.allclose(answer, -expected, atol=1e-6), (
        "the sign is flipped: the gradient is softmax(z) - onehot(y), negative at the true class"
    )
    assert np.allclose(answer, expected, atol=1e-6), (
        f"expected (softmax(z) - onehot(y)) / {n}, got\n{answer}"
    )


# -- Exercise 3: find the bug (a training loop that never resets gradients) -----------------------


def _reference_train(
    X: Tensor, y: Tensor, W: Tensor, b: Tensor, lr: float, steps: int, reset: bool
) -> None:
    for _ in range(steps):
        loss = F.cross_entropy(F.linear(X, W, b), y)
        loss.backward()
        assert W.grad is not None and b.grad is not None
        with rg.no_grad():
            W -= lr * W.grad
            b -= lr * b.grad
        if reset:
            W.grad = None
            b.grad = None


def exercise_3(train: TrainFn) -> None:
    """``train(X, y, W, b, lr, steps)``: a fixed loop that updates W and b in place."""
    lr, steps = 0.3, 5
    results = {}
    for reset in (True, False):
        X, y, W, b = _problem()
        _reference_train(X, y, W, b, lr, steps, reset=reset)
        results[reset] = (W.detach().numpy().copy(), b.detach().numpy().copy())
    X, y, W, b = _problem()
    train(X, y, W, b, lr, steps)
    got = (W.detach().numpy(), b.detach().numpy())

    def same(a: tuple[np.ndarray, np.ndarray], c: tuple[np.ndarray, np.ndarray]) -> bool:
        return all(np.allclose(u, v, atol=1e-10) for u, v in zip(a, c, strict=True))

    assert not same(got, results[False]), (
        "the gradients still accumulate: step k subtracts lr times the sum of the first k "
        "gradients. Reset W.grad and b.grad (to None) once per step"
    )
    assert same(got, results[True]), (
        "after 5 steps of plain SGD (lr=0.3) W and b differ from the reference: forward, "
        "loss, backward, update under no_grad, reset the gradients, once per step"
    )


# -- Exercise 4: implement gradient accumulation over unequal micro-batches ------------------------


def exercise_4(accumulate: AccumulateFn) -> None:
    """Check ``accumulate(X, y, W, b, sizes)``: one backward per micro-batch of ``sizes``.

    After it, ``W.grad`` and ``b.grad`` must hold the gradient of the mean loss over all rows.
    """
    for sizes in ([3, 3], [4, 2], [1, 5], [1, 2, 3]):
        X, y, W, b = _problem()
        F.cross_entropy(F.linear(X, W, b), y).backward()
        expected = _grad_arrays(W, b)
        W.grad = None
        b.grad = None
        accumulate(X, y, W, b, sizes)
        got = _grad_arrays(W, b)
        ok = all(np.allclose(g, e, atol=1e-10) for g, e in zip(got, expected, strict=True))
        assert ok, (
            f"with micro-batch sizes {sizes} the accumulated gradient differs from the full "
            "batch's. Averaging the micro-batch means weighs a row of a small micro-batch more "
            "than a row of a large one: scale each micro-batch's summed loss by 1/N, with N "
            "the total number of rows"
        )
