"""The benchmark workloads, each written once per library: refgrad, NumPy by hand and the peers.

The peers are three other reverse-mode engines: PyTorch (its graph machinery in C++), and two that
are, like refgrad, written in Python on top of NumPy: MyGrad, whose tensors record the graph as
refgrad's do, and HIPS autograd, which differentiates a function of NumPy arrays (``grad(f)(x)``).
A peer that is not installed is left out.

Every workload is a function ``make_<workload>(backend, ...)`` that builds what the workload needs
(tensors, a model, an optimizer) and returns a :class:`Run`: ``step()`` does the timed work once,
``values()`` returns the NumPy arrays that the first step produced (a loss, gradients) so that
every backend can be checked against the hand-written NumPy version before it is timed.

The hand-written NumPy versions compute the same numbers with the same NumPy kernels and no graph:
they are the physical limit of a NumPy-based engine. The other versions share one function that
computes the workload, called with each library's tensors and operations.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import refgrad as rg

PEERS = ("torch", "mygrad", "autograd")
BACKENDS = ("refgrad", "numpy", *PEERS)
LABELS = {
    "refgrad": "refgrad",
    "numpy": "NumPy by hand",
    "torch": "PyTorch",
    "mygrad": "MyGrad",
    "autograd": "HIPS autograd",
}
# The modules of each peer that the workloads import.
PEER_MODULES = {
    "torch": ("torch",),
    "mygrad": ("mygrad", "mygrad.nnet.activations", "mygrad.nnet.losses"),
    "autograd": ("autograd", "autograd.numpy"),
}


def installed_peers() -> list[str]:
    """The peers that can be imported here (``autograd`` is HIPS autograd's package name)."""
    return [peer for peer in PEERS if importlib.util.find_spec(peer) is not None]


def import_peers() -> None:
    """Import now every module of the installed peers that the workloads will use.

    The workloads import their peer when they are built; ``bench.py`` calls this first, so that
    every library is loaded before it freezes the objects that exist (``gc.freeze``).
    """
    for peer in installed_peers():
        for module in PEER_MODULES[peer]:
            importlib.import_module(module)


@dataclass
class Run:
    """One backend's version of a workload: ``step`` is timed, ``values`` is checked."""

    step: Callable[[], Any]
    values: Callable[[], list[np.ndarray]]


@dataclass(frozen=True)
class Library:
    """How a library that records a graph on its tensors spells what the workloads need."""

    ops: Any  # the namespace of operations: ``ops.tanh``
    leaf: Callable[[np.ndarray], Any]  # a tensor whose gradient we want
    constant: Callable[[np.ndarray], Any]  # a tensor that needs no gradient
    numpy: Callable[[Any], np.ndarray]  # a tensor's values (or a ``.grad``) as an array


def library(backend: str) -> Library:
    """refgrad, PyTorch or MyGrad (imported only when asked for)."""
    if backend == "refgrad":
        return Library(rg, lambda a: rg.tensor(a, requires_grad=True), rg.tensor, _to_numpy)
    if backend == "torch":
        import torch

        return Library(
            torch, lambda a: torch.tensor(a, requires_grad=True), torch.tensor, _to_numpy
        )
    if backend == "mygrad":
        import mygrad as mg

        # MyGrad's tensors need a gradient unless told otherwise; its .grad is already an array.
        return Library(mg, mg.tensor, lambda a: mg.tensor(a, constant=True), np.asarray)
    raise ValueError(f"{backend!r} does not record a graph on tensors")


def _to_numpy(tensor: Any) -> np.ndarray:
    return tensor.detach().numpy()  # type: ignore[no-any-return]


def grad_of_sum(backend: str, forward: Callable[[Any], Any], x0: np.ndarray) -> Run:
    """A run that computes the gradient of ``forward(x).sum()`` at ``x0``, forward and backward.

    ``forward`` is given a tensor of the backend's, or, for HIPS autograd, the traced array that
    ``autograd.grad`` passes to the function it differentiates.
    """
    grad: list[np.ndarray] = []
    if backend == "autograd":
        import autograd

        gradient = autograd.grad(lambda x: forward(x).sum())

        def step() -> None:
            grad[:] = [gradient(x0)]

    else:
        lib = library(backend)

        def step() -> None:
            x = lib.leaf(x0)
            forward(x).sum().backward()
            grad[:] = [lib.numpy(x.grad)]

    return Run(step, lambda: list(grad))


def _ops_and_constant(backend: str) -> tuple[Any, Callable[[np.ndarray], Any]]:
    """The namespace with ``tanh``, and how to make a constant tensor, for any graph backend."""
    if backend == "autograd":
        import autograd.numpy as anp

        return anp, np.asarray  # HIPS autograd's constants are plain arrays
    lib = library(backend)
    return lib.ops, lib.constant


# ---------------------------------------------------------------- chains of small ops


def _chain_constants() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The start and the chain's two constants.

    Each round of the chain has a slope of ``a * (1 - tanh²)`` at its fixed point, and the
    gradient after 100,000 ops is that slope to the 33,333rd power. With ``a`` just above 1 and
    ``b`` near 0 the fixed point is near 0, its slope near 1, and the gradient stays between
    1e-20 and 1e-13: far from the subnormal numbers, whose arithmetic is slow on most CPUs.
    """
    x0 = np.linspace(-1.0, 1.0, 10)
    return x0, np.full(10, 1.0001), np.full(10, 1e-5)


def chain(y: Any, ops: int, a: Any, b: Any, tanh: Callable[[Any], Any]) -> Any:
    """``ops`` operations, cycling ``y * a``, ``y + b``, ``tanh(y)``: the same code for every
    library, given its tensors (or arrays) and its ``tanh``.
    """
    for i in range(ops):
        if i % 3 == 0:
            y = y * a
        elif i % 3 == 1:
            y = y + b
        else:
            y = tanh(y)
    return y


def make_chain(backend: str, ops: int) -> Run:
    """Run :func:`chain` on a (10,) float64 tensor, then ``.sum().backward()``.

    Each op costs far more to dispatch than to compute.
    """
    x0, a_np, b_np = _chain_constants()
    if backend == "numpy":
        return _chain_numpy(x0, a_np, b_np, ops)
    ops_ns, constant = _ops_and_constant(backend)
    a, b = constant(a_np), constant(b_np)
    return grad_of_sum(backend, lambda x: chain(x, ops, a, b, ops_ns.tanh), x0)


def _chain_numpy(x0: np.ndarray, a: np.ndarray, b: np.ndarray, ops: int) -> Run:
    """The chain with its gradient written out: the only thing backward needs is each tanh's
    output ``t``, for its derivative ``1 - t²``.
    """
    grad: list[np.ndarray] = []

    def step() -> None:
        outputs: list[np.ndarray] = []

        def tanh(y: np.ndarray) -> np.ndarray:
            outputs.append(np.tanh(y))
            return outputs[-1]

        y = chain(x0, ops, a, b, tanh)
        g = np.ones_like(y)  # d(sum)/dy
        for i in reversed(range(ops)):
            if i % 3 == 0:
                g = g * a
            elif i % 3 == 2:
                g = g * (1 - outputs.pop() ** 2)
            # d(y + b)/dy = 1: nothing to do
        grad[:] = [g]

    return Run(step, lambda: list(grad))


def make_diamond(backend: str, ops: int) -> Run:
    """Build a graph where every node is used twice: ``y = (y + y) * h`` with ``h = 0.5``, repeated.

    A backward pass that followed each path separately would do :math:`2^{ops/2}` work; one that
    visits each node once in topological order does ``ops`` steps, like a chain.
    """
    x0, _, _ = _chain_constants()
    h_np = np.full(10, 0.5)
    if backend == "numpy":
        grad: list[np.ndarray] = []

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

        return Run(step, lambda: list(grad))

    _, constant = _ops_and_constant(backend)
    h = constant(h_np)

    def diamond(y: Any) -> Any:
        for _ in range(ops // 2):
            y = y + y
            y = y * h
        return y

    return grad_of_sum(backend, diamond, x0)


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
    if backend == "mygrad":
        return _mlp_mygrad(problem)
    if backend == "autograd":
        return _mlp_autograd(problem)
    lib: Any = library(backend).ops  # refgrad and PyTorch: the same modules, loss and optimizer
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


def mlp_logits(weights: list[tuple[Any, Any]], x: Any, relu: Callable[[Any], Any]) -> Any:
    """The MLP's forward pass, ``h @ W.T + b`` with ReLU between the layers, for the peers that
    have no ``Linear`` module: MyGrad's tensors and HIPS autograd's traced arrays.
    """
    h = x
    for i, (W, b) in enumerate(weights):
        h = h @ W.T + b
        if i < len(weights) - 1:
            h = relu(h)
    return h


def _mlp_mygrad(problem: MLPProblem) -> Run:
    """The training step in MyGrad: its ReLU and softmax cross-entropy, SGD by hand."""
    import mygrad as mg
    from mygrad.nnet.activations import relu
    from mygrad.nnet.losses import softmax_crossentropy

    weights = [(mg.tensor(W.copy()), mg.tensor(b.copy())) for W, b in problem.weights]
    params = [p for pair in weights for p in pair]
    x, lr = mg.tensor(problem.x, constant=True), problem.lr
    result: list[np.ndarray] = []

    def step() -> None:
        # No zero_grad: MyGrad's backward sets .grad afresh rather than adding to it.
        loss = softmax_crossentropy(mlp_logits(weights, x, relu), problem.y)
        loss.backward()
        for p in params:
            p.data -= lr * p.grad  # the graph is gone after backward, so .data is writable
        result[:] = [np.asarray(loss.data)] + [p.grad for p in params]

    return Run(step, lambda: list(result))


def _mlp_autograd(problem: MLPProblem) -> Run:
    """The training step in HIPS autograd: the loss as a function of the weights, differentiated
    by ``value_and_grad``; the weights are plain arrays, updated in place.
    """
    import autograd
    import autograd.numpy as anp

    weights = [(W.copy(), b.copy()) for W, b in problem.weights]
    rows = np.arange(problem.batch)

    def loss_of(weights: list[tuple[Any, Any]]) -> Any:
        logits = mlp_logits(weights, problem.x, lambda z: anp.maximum(z, 0.0))
        # Log-softmax shifted by the row's maximum, as every cross-entropy is computed. HIPS
        # autograd has no way to stop the gradient through the maximum, which is harmless:
        # the shift cancels, and the maximum's gradient sums to (nearly) zero.
        shifted = logits - anp.max(logits, axis=1, keepdims=True)
        log_p = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
        return -anp.mean(log_p[rows, problem.y])

    loss_and_grads = autograd.value_and_grad(loss_of)
    result: list[np.ndarray] = []

    def step() -> None:
        loss, grads = loss_and_grads(weights)
        for (W, b), (gW, gb) in zip(weights, grads, strict=True):
            W -= problem.lr * gW
            b -= problem.lr * gb
        result[:] = [np.asarray(loss)] + [g for pair in grads for g in pair]

    return Run(step, lambda: list(result))
