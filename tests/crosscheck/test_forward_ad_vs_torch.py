"""Forward mode and hooks against PyTorch 2.13: same tangents, same hook semantics."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as torch_fwAD

import refgrad as rg
import refgrad.autograd.forward_ad as fwAD
from refgrad.testing.opinfo import OP_REGISTRY, OpInfo, Sample

# PyTorch's forward-AD module scripts a helper on first use, which warns that torch.jit is
# deprecated: a warning about PyTorch's internals, not about this code.
pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)

CASES = [
    pytest.param(op, sample, id=f"{op.name}-{sample.describe()}")
    for op in OP_REGISTRY
    for sample in op.sample_inputs()
    if all(a.size for a in sample.inputs)
]


def _tangent(module: Any, fw: Any, op: OpInfo, sample: Sample, directions: list[Any]) -> Any:
    with fw.dual_level():
        duals = [
            fw.make_dual(module.tensor(a), module.tensor(v))
            for a, v in zip(sample.inputs, directions, strict=True)
        ]
        out = op.call(module, *duals, **sample.kwargs)
        tangent = fw.unpack_dual(out).tangent
        primal = fw.unpack_dual(out).primal
    if tangent is None:
        return np.zeros(tuple(primal.shape))
    return tangent.detach().numpy() if module is torch else tangent.numpy()


@pytest.mark.parametrize(("op", "sample"), CASES)
def test_tangents_equal_pytorch(op: OpInfo, sample: Sample) -> None:
    rng = np.random.default_rng(3)
    directions = [rng.standard_normal(a.shape) for a in sample.inputs]
    ours = _tangent(rg, fwAD, op, sample, directions)
    theirs = _tangent(torch, torch_fwAD, op, sample, directions)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def _hook_story(module: Any) -> tuple[list[list[float]], list[float], list[float]]:
    x = module.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen: list[list[float]] = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    y.register_hook(lambda g: g * 2)
    y.retain_grad()
    x.register_hook(lambda g: g + 1)
    (y * module.tensor([1.0, 10.0])).sum().backward()
    return seen, y.grad.tolist(), x.grad.tolist()


def test_hooks_and_retain_grad_behave_as_in_pytorch() -> None:
    assert _hook_story(rg) == _hook_story(torch)
