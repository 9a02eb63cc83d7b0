"""The benchmark workloads, each written three times: refgrad, hand-written NumPy, PyTorch.

Every workload is a function ``make_<workload>(backend, ...)`` that builds what the workload needs
(tensors, a model, an optimizer) and returns a :class:`Run`: ``step()`` does the timed work once,
``values()`` returns the NumPy arrays that the first step produced (a loss, gradients) so that
every backend can be checked against the hand-written NumPy version before it is timed.

The hand-written NumPy versions compute the same numbers with the same NumPy kernels and no graph:
they are the physical limit of a NumPy-based engine. The refgrad and PyTorch versions are the same
code with ``rg`` or ``torch`` as the namespace.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

import refgrad as rg

BACKENDS = ("refgrad", "numpy", "torch")


@dataclass
class Run:
    """One backend's version of a workload: ``step`` is timed, ``values`` is checked."""

    step: Callable[[], Any]
    values: Callable[[], list[np.ndarray]]


def _torch() -> ModuleType:
    import torch

    return torch


# ---------------------------------------------------------------- chains of small ops


def _chain_constants() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x0 = np.linspace(-1.0, 1.0, 10)
    return x0, np.full(10, 0.999), np.full(10, 0.001)


def make_chain(backend: str, ops: int) -> Run:
    """Chain ``ops`` operations on a (10,) float64 tensor, then call ``y.sum().backward()``.

    The ops are ``y = y * a`` and ``y = y + b`` in turn: each costs far more to dispatch than
    to compute.
    """
    x0, a_np, b_np = _chain_constants()
    grad: list[np.ndarray] = []
    if backend == "numpy":

        def step() -> None:
            y = x0
            for _ in range(ops // 2):
                y = y * a_np
                y = y + b_np
            # Backward by hand: d(y * a)/dy = a, d(y + b)/dy = 1, d(sum)/dy = 1.
            g = np.ones_like(y)
            for _ in range(ops // 2):
                g = g * a_np
            grad[:] = [g]

    else:
        lib: Any = rg if backend == "refgrad" else _torch()
        a, b = lib.tensor(a_np), lib.tensor(b_np)

        def step() -> None:
            x = lib.tensor(x0, requires_grad=True)
            y = x
            for _ in range(ops // 2):
                y = y * a
                y = y + b
            y.sum().backward()
            grad[:] = [x.grad.numpy()]

    return Run(step, lambda: list(grad))


def make_diamond(backend: str, ops: int) -> Run:
    """Build a graph where every node is used twice: ``y = (y + y) * h`` with ``h = 0.5``, repeated.

    A backward pass that followed each path separately would do :math:`2^{ops/2}` work; one that
    visits each node once in topological order does ``ops`` steps, like a chain.
    """
    x0, _, _ = _chain_constants()
    h_np = np.full(10, 0.5)
    grad: list[np.ndarray] = []
    if backend == "numpy":

        def step() -> None:
            y = x0
            for _ in range(ops // 2):
                y = y + y
                y = y * h_np
            g = np.ones_like(y)
            for _ in range(ops // 2):
                g = g * h_np
                g = g + g  # both uses of y send their gradient back: the two paths add up
            grad[:] = [g]

    else:
        lib: Any = rg if backend == "refgrad" else _torch()
        h = lib.tensor(h_np)

        def step() -> None:
            x = lib.tensor(x0, requires_grad=True)
            y = x
            for _ in range(ops // 2):
                y = y + y
                y = y * h
            y.sum().backward()
            grad[:] = [x.grad.numpy()]

    return Run(step, lambda: list(grad))


# ---------------------------------------------------------------- an MLP training step


@dataclass
class MLPProblem:
    """Weights, a batch and a learning rate shared by every backend."""

    sizes: tuple[int, ...]
    batch: int
    dtype: np.dtype[Any]
    x: np.ndarray
    y: np.ndarray
    weights: list[tuple[np.ndarray, np.ndarray]]  # (W of shape (out, in), b of shape (out,))
    lr: float = 0.01

    @property
    def label(self) -> str:
        return "→".join(str(n) for n in self.sizes) + f" batch {self.batch} {self.dtype.name}"


def mlp_problem(sizes: tuple[int, ...], batch: int, dtype: str, seed: int = 0) -> MLPProblem:
    """Random data and PyTorch-style uniform initial weights for an MLP of layer ``sizes``."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    weights = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        bound = 1 / np.sqrt(fan_in)
        W = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(dt)
        b = rng.uniform(-bound, bound, fan_out).astype(dt)
        weights.append((W, b))
    x = rng.standard_normal((batch, sizes[0])).astype(dt)
    y = rng.integers(0, sizes[-1], batch)
    return MLPProblem(sizes, batch, dt, x, y, weights)


def make_mlp(backend: str, problem: MLPProblem) -> Run:
    """One SGD training step: zero the gradients, forward, cross-entropy, backward, update.

    Every step uses the same batch, so the timing holds no data loading. The checked values are
    the first step's loss and gradients.
    """
    if backend == "numpy":
        return _mlp_numpy(problem)
    if backend == "refgrad":
        nn: Any = rg.nn
        lib: Any = rg
    else:
        lib = _torch()
        nn = lib.nn
    dtype = getattr(lib, problem.dtype.name)
    layers: list[Any] = []
    for i, (W, b) in enumerate(problem.weights):
        linear = nn.Linear(W.shape[1], W.shape[0], dtype=dtype)
        with lib.no_grad():
            linear.weight.copy_(lib.tensor(W))
            linear.bias.copy_(lib.tensor(b))
        layers.append(linear)
        if i < len(problem.weights) - 1:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    params = list(model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    optimizer = lib.optim.SGD(params, lr=problem.lr)
    x, y = lib.tensor(problem.x), lib.tensor(problem.y)
    loss_value: list[np.ndarray] = []

    def step() -> None:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss_value[:] = [loss.detach().numpy()]

    def values() -> list[np.ndarray]:
        return loss_value + [p.grad.numpy() for p in params]

    return Run(step, values)


def _mlp_numpy(problem: MLPProblem) -> Run:
    """Write the same step out by hand: the gradients in closed form, no graph."""
    weights = [(W.copy(), b.copy()) for W, b in problem.weights]
    x, y, lr, n = problem.x, problem.y, problem.dtype.type(problem.lr), problem.batch
    rows = np.arange(n)
    result: list[np.ndarray] = []

    def step() -> None:
        result.clear()  # drop the last step's gradients first, as zero_grad() does
        # Forward: keep each layer's input; ReLU between layers.
        inputs = [x]
        h = x
        for i, (W, b) in enumerate(weights):
            z = h @ W.T + b
            h = np.maximum(z, 0) if i < len(weights) - 1 else z
            inputs.append(h)
        logits = inputs.pop()
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_p[rows, y].mean()
        # Backward: d loss / d logits = (softmax - onehot) / n.
        g = np.exp(log_p)
        g[rows, y] -= 1
        g /= problem.dtype.type(n)
        del z, h, logits, shifted, log_p  # what backward no longer needs is freed
        grads: list[tuple[np.ndarray, np.ndarray]] = []
        for i in reversed(range(len(weights))):
            W, _ = weights[i]
            h = inputs.pop()  # each activation is freed once its layer's gradients are done
            grads.append((g.T @ h, g.sum(axis=0)))
            if i > 0:
                g = (g @ W) * (h > 0)  # ReLU passes the gradient where it was positive
        del g
        grads.reverse()
        # SGD update, in place.
        for (W, b), (gW, gb) in zip(weights, grads, strict=True):
            W -= lr * gW
            b -= lr * gb
        result[:] = [np.asarray(loss)] + [g for pair in grads for g in pair]

    return Run(step, lambda: list(result))
