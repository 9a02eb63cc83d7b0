"""Training with refgrad and with PyTorch 2.13, side by side, must agree to 1e-9 in float64.

Each run starts the two models from the same weights (refgrad's, copied into PyTorch), feeds them
the same minibatches (from refgrad's seeded DataLoader) and steps them with the same optimizer
settings; every loss along the way, every final parameter and the optimizer's state must match.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch

import refgrad as rg
from refgrad import nn, optim
from refgrad.utils.data import DataLoader, TensorDataset

pytestmark = pytest.mark.crosscheck

RTOL = 1e-9
# Entries within 1e-12 of zero are compared absolutely: a relative error means nothing there.
ATOL = 1e-12
STEPS = 40


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Any:
    """Run PyTorch on one thread: on tensors this small its thread pool only costs time."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def models(seed: int = 0) -> tuple[nn.Sequential, torch.nn.Sequential]:
    """Build the same MLP in refgrad and in PyTorch, with refgrad's initial weights in both."""
    rg.manual_seed(seed)
    ours = nn.Sequential(
        nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 12), nn.ReLU(), nn.Linear(12, 4)
    )
    f64 = torch.float64
    theirs = torch.nn.Sequential(
        torch.nn.Linear(6, 16, dtype=f64),
        torch.nn.Tanh(),
        torch.nn.Linear(16, 12, dtype=f64),
        torch.nn.ReLU(),
        torch.nn.Linear(12, 4, dtype=f64),
    )
    copy_weights(ours, theirs)
    return ours, theirs


def copy_weights(ours: nn.Module, theirs: torch.nn.Module) -> None:
    pairs = zip(ours.named_parameters(), theirs.named_parameters(), strict=True)
    with torch.no_grad():
        for (name, p), (torch_name, q) in pairs:
            assert name == torch_name  # the same parameter names as PyTorch, too
            q.copy_(torch.from_numpy(p.data))


def to_torch(t: rg.Tensor) -> torch.Tensor:
    return torch.from_numpy(t.data.copy())


def data() -> TensorDataset:
    rng = np.random.default_rng(42)
    x = rng.normal(size=(64, 6))
    y = rng.integers(0, 4, size=64)
    return TensorDataset(rg.tensor(x), rg.tensor(y))


def batches(steps: int) -> list[tuple[rg.Tensor, rg.Tensor]]:
    """Draw ``steps`` minibatches of 8 in shuffled order, several epochs of refgrad's DataLoader."""
    loader = DataLoader(data(), batch_size=8, shuffle=True, generator=rg.Generator(7))
    out: list[tuple[rg.Tensor, rg.Tensor]] = []
    while len(out) < steps:
        out.extend((x, y) for x, y in loader)
    return out[:steps]


def assert_close(ours: Any, theirs: Any, what: str) -> None:
    expected = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    np.testing.assert_allclose(ours, expected, rtol=RTOL, atol=ATOL, err_msg=what)


def train_both(
    make_ours: Any, make_theirs: Any, loss_name: str = "cross_entropy"
) -> tuple[nn.Module, torch.nn.Module, optim.Optimizer, torch.optim.Optimizer]:
    ours, theirs = models()
    our_optimizer, their_optimizer = make_ours(ours), make_theirs(theirs)
    our_loss_fn = getattr(nn.functional, loss_name)
    their_loss_fn = getattr(torch.nn.functional, loss_name)
    for step, (x, y) in enumerate(batches(STEPS)):
        if loss_name == "mse_loss":  # regress onto one-hot targets
            y = rg.tensor(np.eye(4)[y.data])
        our_optimizer.zero_grad()
        our_loss = our_loss_fn(ours(x), y)
        our_loss.backward()
        our_optimizer.step()

        their_optimizer.zero_grad()
        their_loss = their_loss_fn(theirs(to_torch(x)), to_torch(y))
        their_loss.backward()
        their_optimizer.step()
        assert_close(our_loss.item(), their_loss.item(), f"loss at step {step}")
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        assert_close(p.data, q, f"parameter {name} after {STEPS} steps")
    return ours, theirs, our_optimizer, their_optimizer


def assert_same_optimizer_state(ours: optim.Optimizer, theirs: torch.optim.Optimizer) -> None:
    """Check that the state dicts have PyTorch's layout and values (PyTorch has extra settings)."""
    our_state, their_state = ours.state_dict(), theirs.state_dict()
    assert list(our_state["state"]) == list(their_state["state"])
    for index, values in our_state["state"].items():
        assert set(values) == set(their_state["state"][index])
        for name, value in values.items():
            assert_close(value.data, their_state["state"][index][name], f"state {index} {name}")
    for group, their_group in zip(
        our_state["param_groups"], their_state["param_groups"], strict=True
    ):
        for key, value in group.items():
            assert their_group[key] == value, key


SGD_SETTINGS = [
    {"lr": 0.1},
    {"lr": 0.1, "momentum": 0.9},
    {"lr": 0.1, "weight_decay": 0.01},
    {"lr": 0.1, "momentum": 0.9, "nesterov": True},
    {"lr": 0.1, "momentum": 0.9, "dampening": 0.3},
    {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.05, "nesterov": True},
    {"lr": 0.05, "momentum": 0.5, "dampening": 0.5, "weight_decay": 0.1},
]


@pytest.mark.parametrize("settings", SGD_SETTINGS, ids=str)
def test_sgd_matches_pytorch(settings: dict[str, Any]) -> None:
    _, _, ours, theirs = train_both(
        lambda m: optim.SGD(m.parameters(), **settings),
        lambda m: torch.optim.SGD(m.parameters(), **settings),
    )
    assert_same_optimizer_state(ours, theirs)


ADAM_SETTINGS = [
    {"lr": 0.01},
    {"lr": 0.01, "weight_decay": 0.01},
    {"lr": 0.003, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
]


@pytest.mark.parametrize("settings", ADAM_SETTINGS, ids=str)
def test_adam_matches_pytorch(settings: dict[str, Any]) -> None:
    _, _, ours, theirs = train_both(
        lambda m: optim.Adam(m.parameters(), **settings),
        lambda m: torch.optim.Adam(m.parameters(), **settings),
    )
    assert_same_optimizer_state(ours, theirs)


def test_sgd_on_mse_loss_matches_pytorch() -> None:
    train_both(
        lambda m: optim.SGD(m.parameters(), lr=0.1, momentum=0.9),
        lambda m: torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9),
        loss_name="mse_loss",
    )


def test_param_groups_match_pytorch() -> None:
    def groups(model: Any) -> list[dict[str, Any]]:
        first, rest = list(model[0].parameters()), [p for m in model[1:] for p in m.parameters()]
        return [{"params": first, "lr": 0.3, "weight_decay": 0.01}, {"params": rest}]

    _, _, ours, theirs = train_both(
        lambda m: optim.SGD(groups(m), lr=0.05, momentum=0.9),
        lambda m: torch.optim.SGD(groups(m), lr=0.05, momentum=0.9),
    )
    assert_same_optimizer_state(ours, theirs)


def test_linear_init_bound_matches_pytorch() -> None:
    rg.manual_seed(0)
    torch.manual_seed(0)
    fan_in, fan_out = 400, 300
    bound = 1 / math.sqrt(fan_in)
    ours = nn.Linear(fan_in, fan_out)
    theirs = torch.nn.Linear(fan_in, fan_out, dtype=torch.float64)
    assert ours.bias is not None
    pairs = [(ours.weight.data, theirs.weight), (ours.bias.data, theirs.bias)]
    for our_values, their_tensor in pairs:
        their_values = their_tensor.detach().numpy()
        assert np.abs(our_values).max() <= bound and np.abs(their_values).max() <= bound
    # The same distribution, uniform on ±1/√fan_in: the same spread and the same extremes.
    our_w, their_w = ours.weight.data, theirs.weight.detach().numpy()
    assert our_w.std() == pytest.approx(their_w.std(), rel=0.02)
    assert np.abs(our_w).max() == pytest.approx(np.abs(their_w).max(), rel=0.01)
    assert np.quantile(our_w, [0.1, 0.5, 0.9]) == pytest.approx(
        np.quantile(their_w, [0.1, 0.5, 0.9]), abs=0.03 * bound
    )


def test_digits_mlp_reaches_the_same_test_accuracy() -> None:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data / 16.0, digits.target, test_size=0.25, random_state=0, stratify=digits.target
    )
    rg.manual_seed(0)
    ours = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(64, 128, dtype=torch.float64),
        torch.nn.ReLU(),
        torch.nn.Linear(128, 10, dtype=torch.float64),
    )
    copy_weights(ours, theirs)
    our_optimizer = optim.Adam(ours.parameters(), lr=1e-3)
    their_optimizer = torch.optim.Adam(theirs.parameters(), lr=1e-3)
    loader = DataLoader(
        TensorDataset(rg.tensor(x_train), rg.tensor(y_train)), batch_size=32, shuffle=True
    )
    for _ in range(3):
        for x, y in loader:
            our_optimizer.zero_grad()
            our_loss = nn.functional.cross_entropy(ours(x), y)
            our_loss.backward()
            our_optimizer.step()
            their_optimizer.zero_grad()
            their_loss = torch.nn.functional.cross_entropy(theirs(to_torch(x)), to_torch(y))
            their_loss.backward()
            their_optimizer.step()
    assert_close(our_loss.item(), their_loss.item(), "last training loss")

    with rg.no_grad():
        our_predictions = ours(rg.tensor(x_test)).argmax(dim=1).data
    with torch.no_grad():
        their_predictions = theirs(torch.from_numpy(x_test)).argmax(dim=1).numpy()
    our_accuracy = float((our_predictions == y_test).mean())
    their_accuracy = float((their_predictions == y_test).mean())
    assert our_accuracy == their_accuracy
    assert our_accuracy > 0.85  # three epochs: well past chance (0.1), not yet fully trained
