"""Each learning-rate scheduler against torch.optim.lr_scheduler: 20 epochs, two groups."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import refgrad as rg

pytestmark = pytest.mark.crosscheck

CASES: list[tuple[str, dict[str, Any]]] = [
    ("StepLR", {"step_size": 3, "gamma": 0.7}),
    ("MultiStepLR", {"milestones": [2, 5, 5, 11], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 6, "eta_min": 0.001}),
    ("CosineAnnealingLR", {"T_max": 25}),
    ("LambdaLR", {"lr_lambda": lambda epoch: 0.95**epoch + 0.01 * epoch}),
]


def _rates(library: Any, name: str, options: dict[str, Any]) -> tuple[list[list[float]], Any]:
    a = library.zeros(2, requires_grad=True)
    b = library.zeros(3, requires_grad=True)
    optimizer = library.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    scheduler = getattr(library.optim.lr_scheduler, name)(optimizer, **options)
    rates = [scheduler.get_last_lr()]
    for _ in range(20):
        optimizer.step()
        scheduler.step()
        rates.append(scheduler.get_last_lr())
        assert [g["lr"] for g in optimizer.param_groups] == rates[-1]
    return rates, scheduler


@pytest.mark.parametrize(("name", "options"), CASES, ids=[n for n, _ in CASES])
def test_rates_match_torch(name: str, options: dict[str, Any]) -> None:
    ours, our_scheduler = _rates(rg, name, options)
    theirs, their_scheduler = _rates(torch, name, options)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    assert our_scheduler.last_epoch == their_scheduler.last_epoch
    ours_state, theirs_state = our_scheduler.state_dict(), their_scheduler.state_dict()
    assert ours_state["last_epoch"] == theirs_state["last_epoch"]
    assert ours_state["base_lrs"] == theirs_state["base_lrs"]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"patience": 2, "factor": 0.5, "cooldown": 1},
        {"mode": "max", "patience": 1, "threshold_mode": "abs", "threshold": 0.05},
        {"patience": 0, "min_lr": [0.01, 0.2], "factor": 0.3},
    ],
)
def test_reduce_on_plateau_matches_torch(options: dict[str, Any]) -> None:
    metrics = np.random.default_rng(2).random(30).cumsum() % 1.7
    histories = []
    for library in (rg, torch):
        a, b = library.zeros(2, requires_grad=True), library.zeros(3, requires_grad=True)
        optimizer = library.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
        scheduler = library.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **options)
        history = []
        for value in metrics:
            scheduler.step(float(value))
            history.append(scheduler.get_last_lr())
        histories.append((history, scheduler.last_epoch, scheduler.num_bad_epochs))
    np.testing.assert_allclose(histories[0][0], histories[1][0], rtol=1e-12)
    assert histories[0][1:] == histories[1][1:]
