"""The source material's cats-vs-dogs batch, in refgrad and in PyTorch 2.13."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import refgrad as rg
import refgrad.nn.functional as F

# Logits for (cat, dog) of three images, and their labels: cat, cat, dog.
LOGITS = np.array([[1.01, 1.2], [12.5, 0.02], [0.23, 1.35]])
TARGETS = np.array([0, 0, 1])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cats_vs_dogs_batch_matches_torch(reduction: str) -> None:
    logits = rg.tensor(LOGITS, requires_grad=True)
    loss = F.cross_entropy(logits, rg.tensor(TARGETS), reduction=reduction)
    loss.sum().backward()
    logits_t = torch.tensor(LOGITS, requires_grad=True)
    loss_t = torch.nn.functional.cross_entropy(logits_t, torch.tensor(TARGETS), reduction=reduction)
    loss_t.sum().backward()
    np.testing.assert_allclose(loss.detach().numpy(), loss_t.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(logits.grad.numpy(), logits_t.grad.numpy(), rtol=1e-13, atol=1e-15)
