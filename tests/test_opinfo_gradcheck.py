"""Every op in the registry, at every sample input: gradients against finite differences.

The registry (:mod:`refgrad.testing.opinfo`) is the single table of differentiable ops; this file
turns it into

* a first-order ``gradcheck`` in float64 for every (op, sample) pair,
* a second-order ``gradgradcheck`` for every smooth op, and
* a float32 check that values and gradients keep the input dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import refgrad as rg
from refgrad.testing.opinfo import OP_REGISTRY, OpInfo, Sample

CASES = [(op, sample) for op in OP_REGISTRY for sample in op.sample_inputs()]
IDS = [f"{op.name}-{sample.describe()}" for op, sample in CASES]

# gradgradcheck differentiates the VJP (x, v) -> v^T J with respect to both x and v, by finite
# differences: its cost grows with the square of the input size. Samples with at most this many
# elements per input keep the whole file well under a minute; every op still has several samples
# that qualify (the largest are the rank-3 reductions and the linear layer).
SECOND_ORDER_MAX_ELEMENTS = 24
SECOND_ORDER_CASES = [
    (op, sample)
    for op, sample in CASES
    if op.smooth and all(a.size <= SECOND_ORDER_MAX_ELEMENTS for a in sample.inputs)
]
SECOND_ORDER_IDS = [f"{op.name}-{sample.describe()}" for op, sample in SECOND_ORDER_CASES]


def leaves(sample: Sample, dtype: Any = np.float64) -> list[rg.Tensor]:
    return [rg.tensor(a.astype(dtype), requires_grad=True) for a in sample.inputs]


def function(op: OpInfo, sample: Sample) -> Any:
    # Array keywords (targets, conditions) are converted with m.tensor by the op's own call.
    return lambda *xs: op.call(rg, *xs, **sample.kwargs)


def test_every_op_has_samples() -> None:
    assert len(OP_REGISTRY) > 30
    for op in OP_REGISTRY:
        assert list(op.sample_inputs()), op.name


def test_second_order_covers_every_smooth_op() -> None:
    covered = {op.name for op, _ in SECOND_ORDER_CASES}
    assert covered == {op.name for op in OP_REGISTRY if op.smooth}


@pytest.mark.parametrize(("op", "sample"), CASES, ids=IDS)
def test_gradcheck(op: OpInfo, sample: Sample) -> None:
    assert rg.autograd.gradcheck(function(op, sample), leaves(sample))


@pytest.mark.parametrize(("op", "sample"), SECOND_ORDER_CASES, ids=SECOND_ORDER_IDS)
def test_gradgradcheck(op: OpInfo, sample: Sample) -> None:
    assert rg.autograd.gradgradcheck(function(op, sample), leaves(sample))


@pytest.mark.parametrize("op", OP_REGISTRY, ids=[op.name for op in OP_REGISTRY])
def test_float32_in_float32_out(op: OpInfo) -> None:
    sample = next(op.sample_inputs())
    xs = leaves(sample, np.float32)
    out = op.call(rg, *xs, **sample.kwargs)
    assert out.dtype == np.float32
    out.backward(rg.ones_like(out))
    for index, x in enumerate(xs):
        assert x.grad is not None, f"input {index}"
        assert x.grad.dtype == np.float32, f"input {index}"
        assert x.grad.shape == x.shape, f"input {index}"
    # The float32 result is the float64 one, rounded.
    reference = op.call(rg, *leaves(sample), **sample.kwargs)
    np.testing.assert_allclose(out.data, reference.data, rtol=1e-5, atol=1e-5)
