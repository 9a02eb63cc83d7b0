"""nn.utils.clip_grad_norm_ and clip_grad_value_ against torch.nn.utils."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import refgrad as rg

pytestmark = pytest.mark.crosscheck


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(
    torch_float64: None, norm_type: float, max_norm: float
) -> None:
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    ours = [rg.zeros(g.shape, requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, requires_grad=True) for g in grads]
    for o, t, g in zip(ours, theirs, grads, strict=True):
        o.grad, t.grad = rg.tensor(g.copy()), torch.tensor(g.copy())
    total = rg.nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-12)
    for o, t in zip(ours, theirs, strict=True):
        assert o.grad is not None and t.grad is not None
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-12)


def test_clip_grad_value_matches_torch(torch_float64: None) -> None:
    g = np.random.default_rng(1).standard_normal(10)
    o, t = rg.zeros(10, requires_grad=True), torch.zeros(10, requires_grad=True)
    o.grad, t.grad = rg.tensor(g.copy()), torch.tensor(g.copy())
    rg.nn.utils.clip_grad_value_(o, 0.3)
    torch.nn.utils.clip_grad_value_(t, 0.3)
    assert o.grad is not None and t.grad is not None
    np.testing.assert_array_equal(o.grad.data, t.grad.numpy())


def test_parameters_to_vector_matches_torch() -> None:
    a = np.arange(6.0).reshape(2, 3)
    ours = rg.nn.utils.parameters_to_vector([rg.tensor(a), rg.tensor(a[0])])
    theirs = torch.nn.utils.parameters_to_vector([torch.tensor(a), torch.tensor(a[0])])
    np.testing.assert_array_equal(ours.data, theirs.numpy())
