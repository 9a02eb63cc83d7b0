"""The Module API of refgrad against torch.nn: names, orders, reprs and conversions."""

from __future__ import annotations

from typing import Any

import pytest
import torch

import refgrad as rg

pytestmark = pytest.mark.crosscheck


def _build(lib: Any) -> Any:
    """The same small model in either library, with a persistent and a non-persistent buffer."""
    nn = lib.nn

    class Net(nn.Module):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.ModuleList([nn.Linear(2, 3), nn.Linear(2, 3), nn.Linear(3, 1)])
            self.heads = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
            self.register_buffer("count", lib.zeros(1))
            self.register_buffer("scratch", lib.ones(2), persistent=False)
            self.register_parameter("scale", nn.Parameter(lib.ones(1)))
            self.add_module("tail", nn.Sequential(nn.Tanh()))

    return Net()


def test_names_and_orders_match_torch() -> None:
    ours, theirs = _build(rg), _build(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]


def test_repr_matches_torch() -> None:
    assert repr(_build(rg)) == repr(_build(torch))


def test_load_state_dict_round_trip_includes_buffers() -> None:
    source, target = _build(rg), _build(rg)
    with rg.no_grad():
        source.count.fill_(5.0)
    assert target.load_state_dict(source.state_dict()) == ([], [])
    assert target.count.item() == 5.0
    result = target.load_state_dict({"count": rg.zeros(1)}, strict=False)
    reference = _build(torch).load_state_dict({"count": torch.zeros(1)}, strict=False)
    assert result.missing_keys == reference.missing_keys
    assert result.unexpected_keys == reference.unexpected_keys


@pytest.mark.parametrize("method", ["double", "float", "half"])
def test_dtype_conversions_match_torch(method: str) -> None:
    ours, theirs = getattr(_build(rg), method)(), getattr(_build(torch), method)()
    for (_, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items(), strict=True):
        assert str(a.dtype) == str(b.dtype).removeprefix("torch.")


def test_to_keeps_parameter_objects() -> None:
    model = _build(rg)
    before = list(model.parameters())
    model.to(rg.float32).to("cpu")
    assert all(a is b for a, b in zip(before, model.parameters(), strict=True))
    with pytest.raises(RuntimeError, match="CPU only"):
        model.to("cuda")
