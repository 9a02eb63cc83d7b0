"""Checks for the exercises of "Performance: where the time goes" (docs/performance.md).

Each check raises AssertionError with a hint when the answer is wrong, and returns None otherwise.
"""

from __future__ import annotations

import gc
import math
import weakref

import numpy as np

import refgrad as rg
from refgrad.autograd.engine import topological_order
from refgrad.autograd.function import BackwardNode

# -- Exercise 1: how many ops does the larger network record? ---------------------------------


def _recorded_ops() -> int:
    rg.manual_seed(0)
    model = rg.nn.Sequential(
        rg.nn.Linear(784, 256),
        rg.nn.ReLU(),
        rg.nn.Linear(256, 256),
        rg.nn.ReLU(),
        rg.nn.Linear(256, 10),
    )
    loss = rg.nn.functional.cross_entropy(model(rg.randn(4, 784)), rg.tensor([0, 1, 2, 3]))
    assert loss.grad_fn is not None
    return sum(isinstance(n, BackwardNode) for n in topological_order([loss.grad_fn]))


def exercise_1(count: int) -> None:
    """Check the number of ops one forward pass of 784→256→256→10 with cross-entropy records."""
    want = _recorded_ops()
    if count == 7:
        raise AssertionError("7 is the small network's count: this one has a third Linear layer")
    if count == 15:
        raise AssertionError("15 counts each Linear as three ops (weight.T, @, +); it is one op")
    assert count == want, (
        f"{count} is not right: each Linear records one op (x W^T + b), each ReLU one, "
        "and cross_entropy four (log_softmax, indexing, negation, mean)"
    )


# -- Exercise 2: the cost model -------------------------------------------------------------------


def exercise_2(ratio: float, c_max: float) -> None:
    """T = 60 µs of kernels, n = 35 ops, c = 5 µs each: the step's time over T, and the c for 2T."""
    T, n, c = 60.0, 35, 5.0
    want_ratio = (T + n * c) / T
    want_c = T / n  # T + n c <= 2 T  <=>  c <= T / n
    if math.isclose(ratio, n * c / T, rel_tol=1e-3):
        raise AssertionError("that is the overhead alone; the step also runs its kernels, T")
    assert math.isclose(ratio, want_ratio, rel_tol=1e-3), (
        f"ratio = {ratio} is not (T + n c) / T with T = 60 µs, n = 35, c = 5 µs"
    )
    assert math.isclose(c_max, want_c, rel_tol=1e-3), (
        f"c_max = {c_max} µs is not right: solve T + n c <= 2 T for c"
    )


# -- Exercise 3: a Function that saves its own result ---------------------------------------------


def exercise_3(function: type[rg.autograd.Function]) -> None:
    """Check that ``function`` computes exp and its graphs are freed by reference counting alone."""
    x = rg.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    y = function.apply(x)
    assert isinstance(y, rg.Tensor), "apply must return a Tensor"
    assert np.allclose(y.detach().numpy(), np.exp(x.data)), "forward must compute exp(x)"
    (grad,) = rg.autograd.grad(y.sum(), x, retain_graph=True)
    assert np.allclose(grad.numpy(), np.exp(x.data)), "the gradient of exp(x) is exp(x)"
    node = weakref.ref(y.grad_fn)
    result = weakref.ref(y)
    collecting = gc.isenabled()
    gc.disable()
    try:
        del y, grad
        freed = node() is None and result() is None
    finally:
        if collecting:
            gc.enable()
    assert freed, (
        "the graph is still alive after its output was dropped: the result and its node refer to "
        "each other (result.grad_fn is ctx, and ctx holds the result), a cycle that only the "
        "garbage collector can free. Keep the result with ctx.save_for_backward(result) and read "
        "it back with ctx.saved_tensors: refgrad stores a saved output without the cycle"
    )
