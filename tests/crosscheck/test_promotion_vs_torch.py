"""Type promotion and dtypes against PyTorch 2.13 (``torch.result_type``'s rules).

Each case builds its operands with the same constructors in both libraries (NumPy arrays keep
their dtype, Python numbers stay numbers) and compares the result's dtype and values. torch runs
with float64 as its default dtype, refgrad's default, so a Python float means the same in both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import refgrad as rg
from refgrad.promotion import promote_types, result_type

pytestmark = [pytest.mark.crosscheck, pytest.mark.usefixtures("torch_float64")]


def _t(m: Any, values: Any, dtype: str) -> Any:
    """A tensor of ``values`` with the NumPy dtype named ``dtype``, in module ``m``."""
    return m.tensor(np.asarray(values, dtype=dtype))


# (name, program): each program takes the module and returns a tensor.
CASES: list[tuple[str, Callable[[Any], Any]]] = [
    ("float32 (2,) * 0-d float64", lambda m: _t(m, [1, 2], "float32") * _t(m, 0.5, "float64")),
    ("float32 (2,) * float64 (2,)", lambda m: _t(m, [1, 2], "float32") * _t(m, [3, 4], "float64")),
    ("int64 (2,) * 0-d float64", lambda m: _t(m, [1, 2], "int64") * _t(m, 0.5, "float64")),
    ("int64 (2,) * 0-d float32", lambda m: _t(m, [1, 2], "int64") * _t(m, 0.5, "float32")),
    ("int64 (2,) * 0.5", lambda m: _t(m, [1, 2], "int64") * 0.5),
    ("0.5 * int64 (2,)", lambda m: 0.5 * _t(m, [1, 2], "int64")),
    ("int32 (2,) + 0-d int64", lambda m: _t(m, [1, 2], "int32") + _t(m, 7, "int64")),
    ("int32 (2,) + int64 (2,)", lambda m: _t(m, [1, 2], "int32") + _t(m, [7, 8], "int64")),
    ("int64 (2,) + float32 (2,)", lambda m: _t(m, [1, 2], "int64") + _t(m, [0.5, 1], "float32")),
    ("int16 (2,) + float16 (2,)", lambda m: _t(m, [1, 2], "int16") + _t(m, [0.5, 1], "float16")),
    ("uint8 (2,) + int8 (2,)", lambda m: _t(m, [1, 2], "uint8") + _t(m, [-1, 5], "int8")),
    ("float16 (2,) * 2.5", lambda m: _t(m, [1, 2], "float16") * 2.5),
    ("uint8 [1] + 300 wraps", lambda m: _t(m, [1], "uint8") + 300),
    ("bool (2,) + 1", lambda m: _t(m, [True, False], "bool") + 1),
    ("bool (2,) + True", lambda m: _t(m, [True, False], "bool") + True),
    ("bool (2,) * 0-d int32", lambda m: _t(m, [True, False], "bool") * _t(m, 3, "int32")),
    ("0-d float32 + 0-d float64", lambda m: _t(m, 1.5, "float32") + _t(m, 2.5, "float64")),
    ("0-d int64 + 1.5", lambda m: _t(m, 3, "int64") + 1.5),
    ("float32 (2,) - 3", lambda m: _t(m, [1, 2], "float32") - 3),
    ("int64 / int64", lambda m: _t(m, [3, 4], "int64") / _t(m, [2, 2], "int64")),
    ("int32 / 2", lambda m: _t(m, [3, 4], "int32") / 2),
    ("int64 ** 0.5", lambda m: _t(m, [4, 9], "int64") ** 0.5),
    (
        "where(c, int64, float32)",
        lambda m: m.where(
            _t(m, [True, False], "bool"), _t(m, [1, 2], "int64"), _t(m, [0.5, 0.25], "float32")
        ),
    ),
    ("sigmoid of int64", lambda m: _t(m, [1, 2], "int64").sigmoid()),
    ("exp of int64", lambda m: _t(m, [1, 2], "int64").exp()),
    ("sqrt of int32", lambda m: _t(m, [4, 9], "int32").sqrt()),
    ("tanh of bool", lambda m: _t(m, [True, False], "bool").tanh()),
    ("log of int64", lambda m: _t(m, [1, 2], "int64").log()),
]


@pytest.mark.parametrize(("name", "program"), CASES, ids=[name for name, _ in CASES])
def test_dtype_and_values_match_torch(name: str, program: Callable[[Any], Any]) -> None:
    ours, theirs = program(rg), program(torch)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), name
    np.testing.assert_allclose(ours.numpy().astype(float), theirs.numpy().astype(float))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_a_float32_gradient_stays_float32_across_a_0d_float64(dtype: str) -> None:
    def run(m: Any) -> tuple[str, str, np.ndarray]:
        x = m.tensor(np.array([1.0, 2.0], dtype=dtype), requires_grad=True)
        s = m.tensor(np.float64(3.0), requires_grad=True)
        y = (x * s).sum()
        y.backward()
        return str(y.dtype), str(s.grad.dtype), x.grad.numpy().astype(float)

    ours, theirs = run(rg), run(torch)
    assert ours[0] == theirs[0].removeprefix("torch.")
    assert ours[1] == theirs[1].removeprefix("torch.")
    np.testing.assert_allclose(ours[2], theirs[2])


PAIRS = [
    (a, b)
    for a in ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64")
    for b in ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64")
]


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_promote_types_is_torchs(a: str, b: str) -> None:
    theirs = torch.promote_types(getattr(torch, a), getattr(torch, b))
    assert str(promote_types(np.dtype(a), np.dtype(b))) == str(theirs).removeprefix("torch.")


@pytest.mark.parametrize(("a", "b"), PAIRS)
@pytest.mark.parametrize("shapes", [((2,), ()), ((), (2,)), ((), ())])
def test_result_type_is_torchs_for_every_rank(a: str, b: str, shapes: tuple[Any, Any]) -> None:
    left, right = (np.zeros(s, dtype=d) for s, d in zip(shapes, (a, b), strict=True))
    theirs = torch.result_type(torch.from_numpy(left), torch.from_numpy(right))
    assert str(result_type(rg.tensor(left), rg.tensor(right))) == str(theirs).removeprefix("torch.")


@pytest.mark.parametrize("a", ["bool", "uint8", "int32", "int64", "float16", "float32"])
@pytest.mark.parametrize("number", [True, 3, 2.5])
def test_result_type_with_a_python_number_is_torchs(a: str, number: Any) -> None:
    tensor = np.zeros(2, dtype=a)
    theirs = torch.result_type(torch.from_numpy(tensor), number)
    assert str(result_type(rg.tensor(tensor), number)) == str(theirs).removeprefix("torch.")


def test_a_matrix_product_of_two_dtypes_is_refused_as_in_torch() -> None:
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
        torch.ones(2, 2) @ torch.ones(2, 2, dtype=torch.float32)
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
        rg.ones(2, 2) @ rg.ones(2, 2, dtype=rg.float32)


def test_comparing_with_none_is_false_as_in_torch() -> None:
    for m in (rg, torch):
        x = m.tensor([1.0, 2.0])
        assert (x == None) is False  # noqa: E711 - the comparison is the test
        assert (x != None) is True  # noqa: E711
