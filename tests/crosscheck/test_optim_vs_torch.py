"""Every optimizer against torch.optim: same start, same gradient rule, 20 steps in float64."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import refgrad as rg

pytestmark = pytest.mark.crosscheck

STEPS = 20
TOL = 1e-12

CASES: list[tuple[str, dict[str, Any]]] = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "maximize": True}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True, "betas": (0.8, 0.9)}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1, "momentum": 0.5}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.9, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1}),
    ("Adagrad", {"initial_accumulator_value": 0.5, "eps": 1e-6, "maximize": True}),
]


def _gradient(w: np.ndarray[Any, Any], k: int) -> np.ndarray[Any, Any]:
    """A bounded, nonlinear gradient of the current weights (the same for both sides)."""
    return np.tanh(2.0 * (w - 0.5 * k)) + 0.3 * np.cos(3.0 * w)


def _run(library: Any, name: str, options: dict[str, Any], start: list[Any]) -> list[Any]:
    params = [library.tensor(a.copy(), requires_grad=True) for a in start]
    # Two groups, the second with its own learning rate: per-group options must be honoured.
    optimizer = getattr(library.optim, name)(
        [{"params": params[:1]}, {"params": params[1:], "lr": 0.02}], **options
    )
    for _ in range(STEPS):
        optimizer.zero_grad()
        for k, p in enumerate(params):
            w = p.detach().numpy() if library is torch else p.data
            p.grad = library.tensor(_gradient(np.array(w), k))
        optimizer.step()
    return [np.array(p.detach().numpy() if library is torch else p.data) for p in params] + [
        optimizer
    ]


@pytest.mark.parametrize(("name", "options"), CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_steps_match_torch(torch_float64: None, name: str, options: dict[str, Any]) -> None:
    rng = np.random.default_rng(0)
    start = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    *ours, our_opt = _run(rg, name, options, start)
    *theirs, their_opt = _run(torch, name, options, start)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL)
    # The optimizer state too, entry by entry, under PyTorch's names.
    our_state, their_state = our_opt.state_dict()["state"], their_opt.state_dict()["state"]
    assert sorted(our_state) == sorted(their_state)
    for index, entries in their_state.items():
        assert sorted(our_state[index]) == sorted(entries)
        for key, value in entries.items():
            ours_value = our_state[index][key]
            ours_array = ours_value.data if isinstance(ours_value, rg.Tensor) else ours_value
            np.testing.assert_allclose(ours_array, value.numpy(), rtol=TOL, atol=TOL)


def test_load_state_dict_resumes_identically(torch_float64: None) -> None:
    rng = np.random.default_rng(1)
    start = [rng.standard_normal(3)]
    w = rg.tensor(start[0].copy(), requires_grad=True)
    optimizer = rg.optim.RMSprop([w], lr=0.01, momentum=0.5, centered=True)
    for _ in range(3):
        w.grad = rg.tensor(_gradient(w.data, 0))
        optimizer.step()
    clone = rg.tensor(w.data.copy(), requires_grad=True)
    resumed = rg.optim.RMSprop([clone], lr=0.5)
    resumed.load_state_dict(optimizer.state_dict())
    for _ in range(3):
        for p, opt in ((w, optimizer), (clone, resumed)):
            p.grad = rg.tensor(_gradient(p.data, 0))
            opt.step()
    np.testing.assert_array_equal(w.data, clone.data)
