"""Devices and dtype names as PyTorch code uses them, run under refgrad and torch 2.13."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pytest

import refgrad as rg

torch = pytest.importorskip("torch")

BOTH = pytest.mark.parametrize("m", [rg, torch], ids=["refgrad", "torch"])


def _name(dtype: Any) -> str:
    return str(dtype).removeprefix("torch.")


@pytest.mark.parametrize(
    "alias", ["float", "double", "half", "long", "int", "short", "bool", "int8", "int16", "uint8"]
)
def test_dtype_aliases_name_the_same_dtypes(alias: str) -> None:
    assert _name(getattr(rg, alias)) == _name(getattr(torch, alias))
    ours = rg.tensor([1, 0, 2], dtype=getattr(rg, alias))
    theirs = torch.tensor([1, 0, 2], dtype=getattr(torch, alias))
    assert _name(ours.dtype) == _name(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@BOTH
def test_device_names_and_equality(m: ModuleType) -> None:
    cpu = m.device("cpu")
    assert repr(cpu) == "device(type='cpu')"
    assert str(m.device("cuda", 1)) == "cuda:1"
    assert m.device("cuda:1").index == 1
    assert cpu.type == "cpu" and cpu.index is None
    assert cpu != m.device("cpu", 0)
    assert m.tensor([1.0]).device == cpu
    assert m.device(cpu) == cpu


@BOTH
def test_the_usual_device_idiom_runs(m: ModuleType) -> None:
    device = m.device("cuda" if m.cuda.is_available() else "cpu")
    x = m.ones(2, 3, device=device)
    w = m.zeros(3, device=device, requires_grad=True)
    y = (x.to(device) @ w).sum()
    y.backward()
    assert w.grad is not None and tuple(w.grad.shape) == (3,)
    assert x.cpu() is x
    assert x.to("cpu") is x
    assert x.to(device, copy=True) is not x


@BOTH
@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.zeros(2, device="cpu"),
        lambda m: m.ones(2, device="cpu"),
        lambda m: m.full((2,), 3.0, device="cpu"),
        lambda m: m.arange(3, device="cpu"),
        lambda m: m.linspace(0, 1, 3, device="cpu"),
        lambda m: m.eye(2, device="cpu", requires_grad=True),
        lambda m: m.rand(2, device="cpu"),
        lambda m: m.randn(2, device="cpu"),
        lambda m: m.randint(0, 3, (2,), device="cpu"),
        lambda m: m.randperm(3, device="cpu"),
        lambda m: m.tensor([1.0], device="cpu"),
        lambda m: m.zeros_like(m.ones(2), device="cpu"),
    ],
)
def test_factories_take_device(m: ModuleType, make: Any) -> None:
    assert make(m).device == m.device("cpu")


def test_eye_requires_grad_as_torch() -> None:
    assert rg.eye(2, requires_grad=True).requires_grad
    assert torch.eye(2, requires_grad=True).requires_grad


@pytest.mark.parametrize("spelling", ["cuda", "cuda:0", 0])
def test_asking_for_a_gpu_is_a_clear_error(spelling: Any) -> None:
    with pytest.raises(RuntimeError, match="CPU only"):
        rg.zeros(2, device=spelling)
    with pytest.raises(RuntimeError, match="CPU only"):
        rg.zeros(2).to(spelling)
    with pytest.raises(RuntimeError, match="CPU only"):
        rg.zeros(2).cuda()


@BOTH
def test_unknown_device_type_is_refused(m: ModuleType) -> None:
    with pytest.raises(RuntimeError, match="device type at start of device string"):
        m.device("gpu")


@pytest.mark.parametrize(
    "convert",
    [
        lambda m, x: x.to(m.float32),
        lambda m, x: x.to(dtype=m.int32),
        lambda m, x: x.to("cpu", m.float16),
        lambda m, x: x.to(m.tensor([1], dtype=m.int16)),
        lambda m, x: x.type(m.float32),
        lambda m, x: x.float(),
        lambda m, x: x.double(),
        lambda m, x: x.long(),
    ],
)
def test_to_and_type_convert_as_torch(convert: Any, torch_float64: Any) -> None:
    ours = convert(rg, rg.tensor([1.5, -2.5]))
    theirs = convert(torch, torch.tensor([1.5, -2.5]))
    assert _name(ours.dtype) == _name(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "bool", "uint8"])
def test_type_names_match_torchs_apart_from_the_package(dtype: str) -> None:
    ours = rg.tensor([1], dtype=getattr(rg, dtype if dtype != "bool" else "bool_")).type()
    theirs = torch.tensor([1], dtype=getattr(torch, dtype)).type()
    assert ours.removeprefix("refgrad.") == theirs.removeprefix("torch.")


def test_to_keeps_the_gradient_path() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    x.to("cpu", rg.float32).sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


def test_cuda_namespace_says_nothing_is_available() -> None:
    assert rg.cuda.is_available() is False
    assert rg.cuda.device_count() == 0
    rg.cuda.manual_seed(0)
    rg.set_default_device("cpu")
    assert rg.get_default_device() == rg.device("cpu")
    with pytest.raises(RuntimeError, match="CPU only"):
        rg.set_default_device("cuda")
