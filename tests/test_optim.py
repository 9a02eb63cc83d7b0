"""SGD and Adam: update rules against NumPy transcriptions of their formulas, state, errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import refgrad as rg
from refgrad import nn, optim

Array = np.ndarray[Any, Any]


def numpy_sgd(
    theta: Array,
    grads: list[Array],
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
) -> Array:
    """torch.optim.SGD's algorithm box, written out with NumPy."""
    theta = theta.copy()
    buffer: Array | None = None
    for g in grads:
        g = g + weight_decay * theta
        if momentum:
            buffer = g.copy() if buffer is None else momentum * buffer + (1 - dampening) * g
            g = g + momentum * buffer if nesterov else buffer
        theta = theta - lr * g
    return theta


def numpy_adam(
    theta: Array,
    grads: list[Array],
    lr: float,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
) -> Array:
    """torch.optim.Adam's algorithm box (without amsgrad), written out with NumPy."""
    theta = theta.copy()
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * theta
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        m_hat = m / (1 - betas[0] ** t)
        v_hat = v / (1 - betas[1] ** t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta


def run(make: Callable[[list[rg.Tensor]], optim.Optimizer], grads: list[Array]) -> rg.Tensor:
    """Feed the given gradients to an optimizer over one parameter."""
    w = rg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    optimizer = make([w])
    for g in grads:
        w.grad = rg.tensor(g)
        optimizer.step()
    return w


GRADS = [np.random.default_rng(i).normal(size=3) for i in range(6)]
START = np.array([0.5, -1.0, 2.0])

SGD_CASES = [
    {"lr": 0.1},
    {"lr": 0.1, "momentum": 0.9},
    {"lr": 0.1, "momentum": 0.9, "dampening": 0.5},
    {"lr": 0.1, "momentum": 0.9, "nesterov": True},
    {"lr": 0.1, "weight_decay": 0.01},
    {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1, "nesterov": True},
]


@pytest.mark.parametrize("kwargs", SGD_CASES, ids=str)
def test_sgd_follows_its_formula(kwargs: dict[str, Any]) -> None:
    w = run(lambda p: optim.SGD(p, **kwargs), GRADS)
    np.testing.assert_allclose(w.data, numpy_sgd(START, GRADS, **kwargs), rtol=1e-14)


ADAM_CASES = [
    {"lr": 0.1},
    {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6},
    {"lr": 0.1, "weight_decay": 0.1},
]


@pytest.mark.parametrize("kwargs", ADAM_CASES, ids=str)
def test_adam_follows_its_formula(kwargs: dict[str, Any]) -> None:
    w = run(lambda p: optim.Adam(p, **kwargs), GRADS)
    np.testing.assert_allclose(w.data, numpy_adam(START, GRADS, **kwargs), rtol=1e-13)


def test_sgd_momentum_buffer_starts_as_the_first_gradient() -> None:
    w = rg.tensor([1.0], requires_grad=True)
    optimizer = optim.SGD([w], lr=0.1, momentum=0.9, dampening=0.5)
    w.grad = rg.tensor([2.0])
    optimizer.step()
    # Not (1 - dampening) · g, and not zero: the gradient itself.
    assert optimizer.state[w]["momentum_buffer"].item() == 2.0
    assert w.item() == pytest.approx(0.8)


def test_momentum_buffer_survives_zero_grad_in_place() -> None:
    w = rg.tensor([1.0], requires_grad=True)
    optimizer = optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = rg.tensor([2.0])
    optimizer.step()
    optimizer.zero_grad(set_to_none=False)
    assert w.grad is not None and w.grad.item() == 0.0
    assert optimizer.state[w]["momentum_buffer"].item() == 2.0


def test_plain_sgd_keeps_no_state() -> None:
    w = rg.tensor([1.0], requires_grad=True)
    optimizer = optim.SGD([w], lr=0.1)
    w.grad = rg.tensor([1.0])
    optimizer.step()
    assert optimizer.state_dict()["state"] == {}


def test_parameters_without_gradients_are_left_alone() -> None:
    a = rg.tensor([1.0], requires_grad=True)
    b = rg.tensor([1.0], requires_grad=True)
    for optimizer in (optim.SGD([a, b], lr=0.1, momentum=0.9), optim.Adam([a, b], lr=0.1)):
        a.grad, b.grad = rg.tensor([1.0]), None
        optimizer.step()
        assert b.item() == 1.0 and a.item() < 1.0
        assert b not in optimizer.state


@pytest.mark.parametrize(
    "make",
    [
        lambda p: optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True),
        lambda p: optim.Adam(p, lr=0.1, weight_decay=0.1),
    ],
)
def test_float32_parameters_and_state_stay_float32(
    make: Callable[[list[rg.Tensor]], optim.Optimizer],
) -> None:
    layer = nn.Linear(3, 2, dtype=rg.float32)
    optimizer = make(list(layer.parameters()))
    x = rg.tensor(np.ones((4, 3), dtype=np.float32))
    for _ in range(3):
        optimizer.zero_grad()
        layer(x).sum().backward()
        optimizer.step()
    for p in layer.parameters():
        assert p.dtype == np.float32 and p.requires_grad and p.is_leaf
        for name, value in optimizer.state[p].items():
            if name != "step":
                assert value.dtype == np.float32, name


def test_step_records_no_graph() -> None:
    w = rg.tensor([1.0], requires_grad=True)
    optimizer = optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    optimizer.step()
    assert w.grad_fn is None and w.is_leaf
    assert all(t.grad_fn is None for t in optimizer.state[w].values())


def test_zero_grad_sets_gradients_to_none() -> None:
    layer = nn.Linear(2, 2)
    optimizer = optim.SGD(layer.parameters(), lr=0.1)
    layer(rg.ones(1, 2)).sum().backward()
    optimizer.zero_grad()
    assert all(p.grad is None for p in layer.parameters())


def test_param_groups_have_their_own_settings() -> None:
    a = rg.tensor([1.0], requires_grad=True)
    b = rg.tensor([1.0], requires_grad=True)
    groups: list[dict[str, Any]] = [{"params": [a]}, {"params": [b], "lr": 0.5}]
    optimizer = optim.SGD(groups, lr=0.1)
    a.grad, b.grad = rg.tensor([1.0]), rg.tensor([1.0])
    optimizer.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)
    assert optimizer.state_dict()["param_groups"][1]["params"] == [1]


def test_closure_is_evaluated_with_the_graph_on() -> None:
    w = rg.tensor([2.0], requires_grad=True)
    optimizer = optim.SGD([w], lr=0.25)

    def closure() -> rg.Tensor:
        optimizer.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    assert loss is not None and loss.item() == 4.0
    assert w.item() == pytest.approx(1.0)


def test_repr_lists_the_groups() -> None:
    text = repr(optim.SGD([rg.zeros(1, requires_grad=True)], lr=0.1))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1" in text


# ---------------------------------------------------------------- errors


def test_empty_parameter_list() -> None:
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.Adam(nn.ReLU().parameters())


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: optim.SGD(p, lr=-0.1), "Invalid learning rate: -0.1"),
        (lambda p: optim.Adam(p, lr=-1.0), "Invalid learning rate: -1.0"),
        (lambda p: optim.SGD(p, lr=0.1, momentum=-0.5), "Invalid momentum value"),
        (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1.0), "Invalid weight_decay value"),
        (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires"),
        (
            lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
            "Nesterov momentum requires a momentum and zero dampening",
        ),
        (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0"),
        (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1"),
        (lambda p: optim.Adam(p, eps=-1e-8), "Invalid epsilon value"),
        (lambda p: optim.Adam(p, weight_decay=-0.1), "Invalid weight_decay value"),
    ],
)
def test_invalid_hyperparameters(make: Callable[[Any], Any], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        make([rg.zeros(1, requires_grad=True)])


def test_bad_parameter_lists() -> None:
    w = rg.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([w, 3.0], lr=0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([w, w], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD([{"params": {w}}], lr=0.1)


# ---------------------------------------------------------------- state dicts and resuming


def _model_and_data() -> tuple[nn.Module, rg.Tensor, rg.Tensor]:
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    return model, rg.randn(16, 4), rg.randint(0, 3, (16,))


def _train(
    model: nn.Module, optimizer: optim.Optimizer, x: rg.Tensor, y: rg.Tensor, n: int
) -> None:
    for _ in range(n):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()


MAKERS: dict[str, Callable[[Any], optim.Optimizer]] = {
    "sgd": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "adam": lambda p: optim.Adam(p, lr=0.01, weight_decay=0.01),
}


@pytest.mark.parametrize("name", list(MAKERS))
def test_training_resumes_exactly_from_saved_state(name: str, tmp_path: Path) -> None:
    make = MAKERS[name]
    model, x, y = _model_and_data()
    optimizer = make(model.parameters())
    _train(model, optimizer, x, y, 10)
    straight = [p.data.copy() for p in model.parameters()]

    model, x, y = _model_and_data()
    optimizer = make(model.parameters())
    _train(model, optimizer, x, y, 5)
    rg.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, tmp_path / "c")

    resumed, _, _ = _model_and_data()  # fresh weights, fresh optimizer with default settings
    fresh = optim.SGD(resumed.parameters()) if name == "sgd" else optim.Adam(resumed.parameters())
    checkpoint = rg.load(tmp_path / "c")
    resumed.load_state_dict(checkpoint["model"])
    fresh.load_state_dict(checkpoint["optimizer"])
    assert fresh.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]
    _train(resumed, fresh, x, y, 5)
    for a, b in zip(straight, resumed.parameters(), strict=True):
        np.testing.assert_array_equal(a, b.data)


def test_state_dict_layout_is_pytorchs() -> None:
    model, x, y = _model_and_data()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    _train(model, optimizer, x, y, 2)
    state = optimizer.state_dict()
    assert set(state) == {"state", "param_groups"}
    assert list(state["state"]) == [0, 1, 2, 3]
    assert set(state["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert state["state"][0]["step"].item() == 2.0
    group = state["param_groups"][0]
    assert group["params"] == [0, 1, 2, 3]
    assert group["lr"] == 0.01 and group["betas"] == (0.9, 0.999)


def test_loaded_state_is_a_copy() -> None:
    w = rg.tensor([1.0, 2.0], requires_grad=True)
    first = optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = rg.ones(2)
    first.step()
    second = optim.SGD([w], lr=0.1, momentum=0.9)
    saved = first.state_dict()
    second.load_state_dict(saved)
    second.step()
    assert saved["state"][0]["momentum_buffer"].tolist() == [1.0, 1.0]


def test_loading_into_a_different_optimizer_fails_and_changes_nothing() -> None:
    a = rg.zeros(2, requires_grad=True)
    b = rg.zeros(3, requires_grad=True)
    source = optim.SGD([a, b], lr=0.5, momentum=0.9)
    a.grad, b.grad = rg.ones(2), rg.ones(3)
    source.step()
    saved = source.state_dict()

    target = optim.SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        target.load_state_dict(saved)
    target = optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        target.load_state_dict(saved)
    target = optim.SGD([b, a], lr=0.1, momentum=0.9)  # same count, shapes swapped
    with pytest.raises(ValueError, match=r"state\[0\]\['momentum_buffer'\] has shape \(2,\)"):
        target.load_state_dict(saved)
    assert target.state == {} and target.param_groups[0]["lr"] == 0.1
