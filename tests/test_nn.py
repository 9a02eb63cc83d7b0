"""Modules, parameters and layers: registration, state dicts, Linear, Sequential, losses."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import refgrad as rg
from refgrad import nn


class TwoLayer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(4, 8)
        self.scale = nn.Parameter(rg.ones(1))
        self.not_a_parameter = rg.ones(3)  # a plain tensor: not registered
        self.out = nn.Linear(8, 2)

    def forward(self, x: rg.Tensor) -> Any:
        return self.out(self.hidden(x).relu() * self.scale)


# ---------------------------------------------------------------- Parameter


def test_parameter_is_a_leaf_tensor_that_requires_grad() -> None:
    p = nn.Parameter(rg.zeros(2, 3))
    assert isinstance(p, rg.Tensor)
    assert p.requires_grad and p.is_leaf and p.shape == (2, 3)
    assert not nn.Parameter(rg.zeros(2), requires_grad=False).requires_grad


def test_parameter_shares_data_with_the_tensor_it_wraps() -> None:
    t = rg.zeros(2)
    p = nn.Parameter(t)
    t.data[0] = 5.0
    assert p.data[0] == 5.0


def test_parameter_keeps_the_slots_of_tensor() -> None:
    with pytest.raises(AttributeError):
        nn.Parameter(rg.zeros(1)).anything = 1  # type: ignore[attr-defined]


def test_integer_parameter_cannot_require_grad() -> None:
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(rg.tensor([1, 2]))


def test_results_of_ops_on_parameters_are_plain_tensors() -> None:
    p = nn.Parameter(rg.ones(2))
    assert type(p * 2) is rg.Tensor
    assert type(p.detach()) is rg.Tensor


# ---------------------------------------------------------------- registration


def test_parameters_and_children_are_found_in_assignment_order() -> None:
    model = TwoLayer()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["scale", "hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    assert [name for name, _ in model.named_children()] == ["hidden", "out"]
    assert list(model.children()) == [model.hidden, model.out]
    assert [name for name, _ in model.named_modules()] == ["", "hidden", "out"]
    assert len(list(model.parameters())) == 5
    assert [name for name, _ in model.named_parameters(recurse=False)] == ["scale"]


def test_a_shared_parameter_is_listed_once() -> None:
    a, b = nn.Linear(3, 3), nn.Linear(3, 3)
    b.weight = a.weight
    model = nn.Sequential(a, b)
    assert len(list(model.parameters())) == 3
    # state_dict names it under both paths, as PyTorch's does.
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_a_shared_module_is_listed_once() -> None:
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, layer)
    assert len(list(model.modules())) == 2
    assert len(list(model.parameters())) == 2
    # ... but the chain still has two steps, as in PyTorch.
    assert len(model) == 2
    x = rg.randn(3, 2)
    np.testing.assert_allclose(model(x).data, layer(layer(x)).data)


def test_reassigning_a_parameter_with_a_computed_tensor_is_refused() -> None:
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        layer.weight = layer.weight * 2  # type: ignore[assignment]
    layer.weight = nn.Parameter(rg.zeros(2, 2))  # a Parameter is fine
    assert [p.shape for p in layer.parameters()] == [(2, 2), (2,)]


def test_forward_is_required() -> None:
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(rg.zeros(1))


def test_call_runs_forward_with_all_arguments() -> None:
    class Add(nn.Module):
        def forward(self, a: rg.Tensor, b: rg.Tensor, scale: float = 1.0) -> rg.Tensor:
            return (a + b) * scale

    out = Add()(rg.tensor(1.0), rg.tensor(2.0), scale=2.0)
    assert out.item() == 6.0


def test_zero_grad_sets_gradients_to_none_or_zero() -> None:
    model = TwoLayer()
    model(rg.ones(3, 4)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.data.any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_train_and_eval_switch_every_module() -> None:
    model = nn.Sequential(TwoLayer(), nn.ReLU())
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_requires_grad_freezes_a_module() -> None:
    model = TwoLayer().requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_apply_visits_every_module_children_first() -> None:
    seen: list[str] = []
    nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU())).apply(
        lambda m: seen.append(type(m).__name__)
    )
    assert seen == ["Linear", "ReLU", "Sequential", "Sequential"]


# ---------------------------------------------------------------- state dicts


def test_state_dict_round_trip_copies_values() -> None:
    rg.manual_seed(0)
    source = TwoLayer()
    rg.manual_seed(1)
    target = TwoLayer()
    state = source.state_dict()
    assert list(state) == [name for name, _ in source.named_parameters()]
    assert not any(t.requires_grad for t in state.values())
    assert target.load_state_dict(state) == ([], [])
    for (_, a), (_, b) in zip(source.named_parameters(), target.named_parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)
        assert a.data is not b.data  # copied, not shared


def test_state_dict_shares_memory_with_the_parameters() -> None:
    layer = nn.Linear(2, 2)
    state = layer.state_dict()
    with rg.no_grad():
        layer.weight.fill_(3.0)
    assert (state["weight"].data == 3.0).all()


def test_strict_load_names_missing_and_unexpected_keys() -> None:
    layer = nn.Linear(2, 3)
    state = {"weight": rg.zeros(3, 2), "extra": rg.zeros(1)}
    with pytest.raises(RuntimeError) as info:
        layer.load_state_dict(state)
    message = str(info.value)
    assert 'Missing key(s) in state_dict: "bias"' in message
    assert 'Unexpected key(s) in state_dict: "extra"' in message
    assert "for Linear" in message


def test_non_strict_load_reports_keys_and_loads_the_rest() -> None:
    layer = nn.Linear(2, 3)
    result = layer.load_state_dict({"weight": rg.ones(3, 2), "extra": rg.zeros(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    assert (layer.weight.data == 1.0).all()


def test_shape_mismatch_names_the_key_and_both_shapes() -> None:
    layer = nn.Linear(2, 3)
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: .*\(3, 4\).*\(3, 2\)"):
        layer.load_state_dict({"weight": rg.zeros(3, 4), "bias": rg.zeros(3)})


def test_dtype_mismatch_names_the_key_and_both_dtypes() -> None:
    layer = nn.Linear(2, 3)
    state = {"weight": rg.zeros(3, 2, dtype=rg.float32), "bias": rg.zeros(3)}
    with pytest.raises(RuntimeError, match=r"dtype mismatch for weight: .*float32.*float64"):
        layer.load_state_dict(state)


def test_a_failed_load_changes_nothing() -> None:
    model = TwoLayer()
    before = {name: t.data.copy() for name, t in model.state_dict().items()}
    state = {name: rg.full(t.shape, 7.0) for name, t in model.state_dict().items()}
    state["out.bias"] = rg.zeros(5)  # the last entry is the bad one
    with pytest.raises(RuntimeError, match=r"out\.bias"):
        model.load_state_dict(state)
    for name, t in model.state_dict().items():
        np.testing.assert_array_equal(t.data, before[name])


def test_load_accepts_numpy_arrays_and_rejects_other_values() -> None:
    layer = nn.Linear(1, 1)
    layer.load_state_dict({"weight": np.array([[2.0]]), "bias": np.array([0.5])})
    assert layer.weight.item() == 2.0
    with pytest.raises(RuntimeError, match="type mismatch for bias: expected a Tensor, got list"):
        bad: dict[str, Any] = {"weight": np.array([[2.0]]), "bias": [0.5]}
        layer.load_state_dict(bad)


# ---------------------------------------------------------------- repr


def test_repr_follows_pytorch() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Tanh()), nn.Flatten())
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Tanh()\n"
        "  )\n"
        "  (3): Flatten(start_dim=1, end_dim=-1)\n"
        ")"
    )
    assert repr(nn.MSELoss()) == "MSELoss()"
    assert repr(nn.Parameter(rg.zeros(1))) == (
        "Parameter containing:\ntensor([0.], requires_grad=True)"
    )


# ---------------------------------------------------------------- Linear


def test_linear_computes_x_w_transpose_plus_b() -> None:
    layer = nn.Linear(3, 2)
    x = np.arange(12.0).reshape(4, 3)
    out = layer(rg.tensor(x))
    assert layer.bias is not None
    np.testing.assert_allclose(out.data, x @ layer.weight.data.T + layer.bias.data)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)


def test_linear_without_bias() -> None:
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    assert repr(layer) == "Linear(in_features=3, out_features=2, bias=False)"
    x = rg.ones(1, 3)
    np.testing.assert_allclose(layer(x).data, layer.weight.data.sum(1)[None])


def test_linear_gradients_match_finite_differences() -> None:
    layer = nn.Linear(3, 2)
    x = rg.randn(5, 3, requires_grad=True)

    def f(x: rg.Tensor, w: rg.Tensor, b: rg.Tensor) -> rg.Tensor:
        return nn.functional.linear(x, w, b).tanh()

    assert rg.autograd.gradcheck(f, (x, layer.weight, layer.bias))  # type: ignore[arg-type]
    loss = layer(x).sum()
    loss.backward()
    assert layer.weight.grad is not None
    np.testing.assert_allclose(layer.weight.grad.data, np.tile(x.data.sum(0), (2, 1)))


def test_linear_init_is_uniform_within_one_over_sqrt_fan_in() -> None:
    rg.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w = layer.weight.data
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # the whole interval is used, not a narrower one
    # A uniform distribution on ±B has mean 0 and variance B²/3.
    assert abs(w.mean()) < 0.01 * bound
    assert w.var() == pytest.approx(bound**2 / 3, rel=0.02)
    assert layer.bias is not None and np.abs(layer.bias.data).max() <= bound


def test_linear_init_repeats_after_manual_seed() -> None:
    rg.manual_seed(3)
    a = nn.Linear(5, 4)
    rg.manual_seed(3)
    b = nn.Linear(5, 4)
    c = nn.Linear(5, 4)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert not np.array_equal(a.weight.data, c.weight.data)


def test_linear_float32_stays_float32() -> None:
    layer = nn.Linear(3, 2, dtype=rg.float32)
    assert layer.weight.dtype == np.float32
    x = rg.tensor(np.ones((4, 3), dtype=np.float32))
    out = layer(x)
    out.sum().backward()
    assert out.dtype == np.float32 and layer.weight.grad is not None
    assert layer.weight.grad.dtype == np.float32


def test_linear_wrong_input_width_names_both_feature_counts() -> None:
    layer = nn.Linear(5, 4)
    with pytest.raises(RuntimeError) as info:
        layer(rg.zeros(2, 3))
    message = str(info.value)
    assert "3 features" in message and "expects 5" in message
    assert isinstance(info.value, ValueError)  # ShapeError is both, as NumPy users expect


# ---------------------------------------------------------------- containers and simple layers


def test_sequential_indexing_len_iteration() -> None:
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    model = nn.Sequential(*layers)
    assert len(model) == 3
    assert list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    sliced = model[1:]
    assert isinstance(sliced, nn.Sequential) and list(sliced) == layers[1:]
    assert [name for name, _ in sliced.named_children()] == ["1", "2"]
    with pytest.raises(IndexError):
        model[3]
    x = rg.randn(4, 2)
    np.testing.assert_allclose(model(x).data, layers[2](layers[1](layers[0](x))).data)


def test_sequential_from_dict_and_append() -> None:
    model = nn.Sequential({"fc": nn.Linear(2, 2), "act": nn.Tanh()})
    assert [name for name, _ in model.named_parameters()] == ["fc.weight", "fc.bias"]
    model.append(nn.Identity())
    assert len(model) == 3 and isinstance(model[2], nn.Identity)
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(nn.ReLU(), rg.zeros(1))  # type: ignore[arg-type]


def test_activation_modules_match_their_functions() -> None:
    x = rg.tensor([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(nn.ReLU()(x).data, [0.0, 0.0, 3.0])
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp(-x.data)))
    np.testing.assert_allclose(nn.Tanh()(x).data, np.tanh(x.data))
    assert nn.Identity(7, unused=True)(x) is x


def test_flatten_keeps_the_batch_dimension() -> None:
    assert nn.Flatten()(rg.zeros(2, 3, 4)).shape == (2, 12)
    assert nn.Flatten(0, 1)(rg.zeros(2, 3, 4)).shape == (6, 4)


# ---------------------------------------------------------------- losses


def test_mse_loss_reductions() -> None:
    x, t = rg.tensor([1.0, 2.0, 4.0]), rg.tensor([0.0, 2.0, 1.0])
    assert nn.MSELoss()(x, t).item() == pytest.approx(10 / 3)
    assert nn.MSELoss(reduction="sum")(x, t).item() == 10.0
    np.testing.assert_allclose(nn.MSELoss(reduction="none")(x, t).data, [1.0, 0.0, 9.0])
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.MSELoss(reduction="average")


def test_cross_entropy_loss_matches_its_formula() -> None:
    logits = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]])
    targets = np.array([2, 0])
    log_p = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    expected = -log_p[np.arange(2), targets]
    loss = nn.CrossEntropyLoss()(rg.tensor(logits), rg.tensor(targets))
    assert loss.item() == pytest.approx(expected.mean())
    summed = nn.CrossEntropyLoss(reduction="sum")(rg.tensor(logits), rg.tensor(targets))
    assert summed.item() == pytest.approx(expected.sum())
    nll = nn.NLLLoss()(rg.tensor(log_p), rg.tensor(targets))
    assert nll.item() == pytest.approx(expected.mean())


@pytest.mark.parametrize("bad", [3, -1, 10])
def test_cross_entropy_out_of_range_target(bad: int) -> None:
    with pytest.raises(IndexError, match=f"target {bad} is out of bounds"):
        nn.CrossEntropyLoss()(rg.zeros(2, 3), rg.tensor([0, bad]))


def test_cross_entropy_float_targets_where_class_indices_are_needed() -> None:
    with pytest.raises(TypeError, match="class targets must be integers"):
        nn.CrossEntropyLoss()(rg.zeros(2, 3), rg.tensor([0.0, 1.0]))


def test_cross_entropy_target_of_the_wrong_shape() -> None:
    with pytest.raises(RuntimeError, match=r"needs a target of shape \(2,\)"):
        nn.CrossEntropyLoss()(rg.zeros(2, 3), rg.tensor([[0], [1]]))
