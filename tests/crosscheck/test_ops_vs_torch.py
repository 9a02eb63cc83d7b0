"""refgrad against PyTorch, op by op: values, gradients and second derivatives in float64.

Every (op, sample) pair of the registry is run twice through the same ``call(m, ...)``, once with
``m = refgrad`` and once with ``m = torch``. Where the two disagree, PyTorch is the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import refgrad as rg
import refgrad.nn.functional as F
from refgrad.testing.opinfo import OP_REGISTRY, OpInfo, Sample

pytestmark = pytest.mark.crosscheck

CASES = [(op, sample) for op in OP_REGISTRY for sample in op.sample_inputs()]
IDS = [f"{op.name}-{sample.describe()}" for op, sample in CASES]
SMOOTH = [(op, s) for op, s in CASES if op.smooth]
SMOOTH_IDS = [f"{op.name}-{s.describe()}" for op, s in SMOOTH]

TOL = {"rtol": 1e-12, "atol": 1e-12}
TOL2 = {"rtol": 1e-10, "atol": 1e-10}


def run(m: Any, op: OpInfo, sample: Sample) -> tuple[list[Any], Any]:
    """Leaves (float64, requiring grad) and the op's output, in module ``m``."""
    xs = [m.tensor(a, requires_grad=True) for a in sample.inputs]
    # Array keywords (targets, conditions) are converted with m.tensor by the op's own call.
    return xs, op.call(m, *xs, **sample.kwargs)


def array(t: Any) -> np.ndarray:
    # force=True: torch returns a "ZeroTensor" for some known-zero second derivatives.
    return t.detach().numpy(force=True) if isinstance(t, torch.Tensor) else t.detach().data


def grads_or_zeros(grads: tuple[Any, ...], like: list[Any]) -> list[np.ndarray]:
    return [np.zeros(x.shape) if g is None else array(g) for g, x in zip(grads, like, strict=True)]


@pytest.mark.parametrize(("op", "sample"), CASES, ids=IDS)
def test_value_and_gradient(op: OpInfo, sample: Sample) -> None:
    xs, out = run(rg, op, sample)
    ts, out_t = run(torch, op, sample)
    assert out.shape == tuple(out_t.shape)
    assert out.dtype == np.float64 and out_t.dtype == torch.float64
    np.testing.assert_allclose(out.data, array(out_t), **TOL)

    cotangent = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(rg.tensor(cotangent))
    out_t.backward(torch.tensor(cotangent))
    for index, (x, t) in enumerate(zip(xs, ts, strict=True)):
        expected = np.zeros(x.shape) if t.grad is None else t.grad.numpy()
        assert x.grad is not None, f"input {index} got no gradient"
        np.testing.assert_allclose(x.grad.data, expected, **TOL, err_msg=f"input {index}")


def second_derivatives(m: Any, op: OpInfo, sample: Sample) -> list[np.ndarray]:
    """d/d(x, v) of <v^T J, w>: a double backward through the op, with a differentiable v."""
    xs, out = run(m, op, sample)
    rng = np.random.default_rng(2)
    v = m.tensor(rng.standard_normal(tuple(out.shape)), requires_grad=True)
    first = m.autograd.grad(out, xs, v, create_graph=True, allow_unused=True)
    inner = m.tensor(0.0, dtype=m.float64)
    for g, x in zip(first, xs, strict=True):
        if g is not None:
            inner = inner + (g * m.tensor(rng.standard_normal(tuple(x.shape)))).sum()
    wrt = [*xs, v]
    if not inner.requires_grad:
        return [np.zeros(tuple(t.shape)) for t in wrt]
    return grads_or_zeros(m.autograd.grad(inner, wrt, allow_unused=True), wrt)


@pytest.mark.parametrize(("op", "sample"), SMOOTH, ids=SMOOTH_IDS)
def test_second_derivatives(op: OpInfo, sample: Sample) -> None:
    ours = second_derivatives(rg, op, sample)
    theirs = second_derivatives(torch, op, sample)
    for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        np.testing.assert_allclose(a, b, **TOL2, err_msg=f"with respect to argument {index}")


# ---------------------------------------------------------------- conventions at awkward points


def _grad_of(m: Any, f: Callable[[Any], Any], values: list[float]) -> np.ndarray:
    x = m.tensor(values, dtype=m.float64, requires_grad=True)
    f(x).sum().backward()
    return array(x.grad)


CONVENTIONS: dict[str, tuple[Callable[[Any], Any], list[float]]] = {
    "relu'(0) = 0": (lambda x: x.relu(), [-1.0, 0.0, 2.0]),
    "abs'(0) = 0": (lambda x: x.abs(), [-1.0, 0.0, 2.0]),
    "sqrt'(0) = inf": (lambda x: x.sqrt(), [0.0, 4.0]),
    "max() splits ties evenly": (lambda x: x.max(), [1.0, 3.0, 3.0]),
    "max(dim) picks the first maximum": (lambda x: x.max(dim=0).values, [1.0, 3.0, 3.0]),
    "amax splits ties evenly": (lambda x: x.reshape(2, 2).amax(1), [2.0, 2.0, 1.0, 5.0]),
    "x ** 0 has derivative 0 at 0": (lambda x: x**0.0, [0.0, 2.0]),
    "0 ** y has derivative 0 in y": (lambda y: (y * 0.0) ** y, [1.0, 2.0]),
}


@pytest.mark.parametrize("name", list(CONVENTIONS))
def test_convention_matches_torch(name: str) -> None:
    f, values = CONVENTIONS[name]
    np.testing.assert_array_equal(_grad_of(rg, f, values), _grad_of(torch, f, values))


# ---------------------------------------------------------------- bad inputs raise the same type


def _bad_backward_twice(m: Any) -> None:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _bad_non_scalar_backward(m: Any) -> None:
    (m.tensor([1.0, 2.0], requires_grad=True) * 2).backward()


def _bad_gradient_shape(m: Any) -> None:
    (m.tensor([1.0, 2.0], requires_grad=True) * 2).backward(m.ones(3, dtype=m.float64))


def _bad_unused_input(m: Any) -> None:
    x = m.tensor(1.0, requires_grad=True)
    y = m.tensor(2.0, requires_grad=True)
    m.autograd.grad(x * 2, [x, y])


BAD_INPUTS: dict[str, Callable[[Any], Any]] = {
    "backward twice": _bad_backward_twice,
    "backward of a non-scalar": _bad_non_scalar_backward,
    "gradient of the wrong shape": _bad_gradient_shape,
    "backward without requires_grad": lambda m: (m.ones(2, dtype=m.float64) * 2).sum().backward(),
    "grad of an unused input": _bad_unused_input,
    "requires_grad on an int tensor": lambda m: m.tensor([1, 2], requires_grad=True),
    "matmul mismatch": lambda m: m.matmul(m.zeros(2, 3), m.zeros(4, 5)),
    "broadcast mismatch": lambda m: m.zeros(2, 3) + m.zeros(4),
    "dim out of range (sum)": lambda m: m.zeros(2, 3).sum(2),
    "dim out of range (softmax)": lambda m: m.nn.functional.softmax(m.zeros(2, 3), dim=-3),
    "index out of range": lambda m: m.zeros(3)[5],
    "too many indices": lambda m: m.zeros(3)[0, 0],
    "target too large": lambda m: m.nn.functional.cross_entropy(m.zeros(2, 3), m.tensor([0, 3])),
    "negative target": lambda m: m.nn.functional.cross_entropy(m.zeros(2, 3), m.tensor([-1, 0])),
    "stack of different shapes": lambda m: m.stack([m.zeros(2), m.zeros(3)]),
    "cat of different shapes": lambda m: m.cat([m.zeros(2, 3), m.zeros(2, 4)], dim=0),
    "reshape to a wrong size": lambda m: m.zeros(2, 3).reshape(4, 2),
    "permute with a repeated dim": lambda m: m.zeros(2, 3).permute(0, 0),
    "item of many elements": lambda m: m.zeros(3).item(),
    "max of an empty tensor": lambda m: m.zeros(0).max(),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_error_type_matches_torch(name: str) -> None:
    bad = BAD_INPUTS[name]
    with pytest.raises(Exception) as theirs:  # which type torch raises is what we learn here
        bad(torch)
    with pytest.raises(theirs.type):
        bad(rg)


def test_float_class_targets_are_rejected_by_both() -> None:
    # torch says RuntimeError ("expected scalar type Long"); refgrad raises TypeError, which says
    # more precisely what is wrong. Both refuse.
    logits = np.zeros((3, 2))
    with pytest.raises(RuntimeError):
        torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor([0.0, 1.0, 0.0]))
    with pytest.raises(TypeError):
        F.cross_entropy(rg.tensor(logits), rg.tensor([0.0, 1.0, 0.0]))
