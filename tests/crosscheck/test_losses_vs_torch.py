"""The regression and logit losses against torch.nn.functional: values and gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import refgrad as rg

pytestmark = pytest.mark.crosscheck

REDUCTIONS = ["mean", "sum", "none"]
CASES: list[tuple[str, dict[str, Any]]] = [
    ("l1_loss", {}),
    ("huber_loss", {}),
    ("huber_loss", {"delta": 0.3}),
    ("smooth_l1_loss", {}),
    ("smooth_l1_loss", {"beta": 0.4}),
    ("smooth_l1_loss", {"beta": 0.0}),
    ("binary_cross_entropy_with_logits", {}),
]


def _compare(name: str, options: dict[str, Any], x: np.ndarray[Any, Any], t: Any) -> None:
    ours_x = rg.tensor(x, requires_grad=True)
    theirs_x = torch.tensor(x, requires_grad=True)
    ours = getattr(rg.nn.functional, name)(ours_x, rg.tensor(t), **options)
    theirs = getattr(torch.nn.functional, name)(theirs_x, torch.tensor(t), **options)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)
    seed = np.random.default_rng(9).standard_normal(ours.shape)
    ours.backward(rg.tensor(seed))
    theirs.backward(torch.tensor(seed))
    assert ours_x.grad is not None and theirs_x.grad is not None
    np.testing.assert_allclose(ours_x.grad.data, theirs_x.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "options"), CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_loss_matches_torch(
    torch_float64: None, name: str, options: dict[str, Any], reduction: str
) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3)) * 2
    t = rng.random((4, 3)) if "logits" in name else rng.standard_normal((4, 3))
    _compare(name, {**options, "reduction": reduction}, x, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_weights_match_torch(torch_float64: None, reduction: str) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 3)) * 30  # large logits: the stable form must not overflow
    t = (rng.random((5, 3)) > 0.5).astype(float)
    w, pw = rng.random(3), rng.random(3) * 3
    ours_x, theirs_x = rg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = rg.nn.functional.binary_cross_entropy_with_logits(
        ours_x, rg.tensor(t), weight=rg.tensor(w), pos_weight=rg.tensor(pw), reduction=reduction
    )
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        theirs_x,
        torch.tensor(t),
        weight=torch.tensor(w),
        pos_weight=torch.tensor(pw),
        reduction=reduction,
    )
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    assert ours_x.grad is not None and theirs_x.grad is not None
    np.testing.assert_allclose(ours_x.grad.data, theirs_x.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_shape_mismatch_is_refused() -> None:
    with pytest.raises(rg.errors.ShapeError, match="l1_loss"):
        rg.nn.functional.l1_loss(rg.zeros(2), rg.zeros(3))
