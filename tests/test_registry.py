"""Every public op has an entry in the op registry, so none escapes the gradient checks.

The registry (:mod:`refgrad.testing.opinfo`) drives gradcheck and gradgradcheck, the forward-mode
checks, the comparison with PyTorch and the book's op reference. An op missing from it is checked
by none of them, and nothing else would say so. These tests list the ops from the library itself
and name the ones the registry lacks:

* every public function of ``refgrad`` and ``refgrad.nn.functional`` built on a
  :class:`~refgrad.autograd.Function` is named by an entry;
* every ``Function`` subclass defined in refgrad is used by an entry.

The few that cannot have an entry are listed below, each with its reason, and tested here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pytest

import refgrad as rg
import refgrad.nn.functional as F
from refgrad.autograd import Function
from refgrad.autograd.function import _DelayedError
from refgrad.ops.shape import ToDtype
from refgrad.ops.unary import _Step, _WithLocalDerivative
from refgrad.testing.opinfo import OP_REGISTRY, OpInfo

# Public functions of the op modules whose results carry no gradient: they return indices.
NOT_DIFFERENTIABLE = {"argmax", "argmin"}

# Functions with no registry entry, and why none is possible.
FUNCTIONS_WITHOUT_ENTRY: dict[type[Function], str] = {
    # The registry's samples are float64, and from float64 ToDtype can only narrow (a float64
    # target returns the input itself, with no node). float32 rounds to about 1e-7, a tenth of
    # gradcheck's step of 1e-6, so a difference quotient through the cast is off by percents.
    # Its rule is checked by test_to_dtype_casts_the_gradient_back below instead.
    ToDtype: "from float64 a cast only narrows, and the rounding swamps finite differences",
    # Not an op: the node once_differentiable puts on a gradient so that differentiating it
    # again raises. tests/test_function_multi_output.py checks that it does.
    _DelayedError: "the error node of once_differentiable, whose backward raises on purpose",
    # Base classes of refgrad.ops.unary: every op built on them has an entry.
    _Step: "the base class of the rounding functions, never applied itself",
    _WithLocalDerivative: "the base class of the functions of one variable, never applied itself",
}

# Where the ops live: each op module pairs its Functions with the public functions calling them.
OP_MODULES = ("refgrad.ops", "refgrad.nn.functional")


def _applies_function(function: Callable[..., Any], seen: set[Any]) -> bool:
    """Whether ``function`` applies a Function, itself or through the refgrad functions it calls.

    Read from the global names its code uses; a body written with operators only (``a * b``)
    uses none, which is why the op modules are taken whole as well.
    """
    names = inspect.getclosurevars(function)
    for value in {**names.globals, **names.nonlocals}.values():
        if isinstance(value, type) and issubclass(value, Function):
            return True
        if (
            inspect.isfunction(value)
            and value.__module__.startswith("refgrad")
            and value not in seen
        ):
            seen.add(value)
            if _applies_function(value, seen):
                return True
    return False


def public_ops() -> dict[str, Callable[..., Any]]:
    """List the public differentiable functions, by the name a user writes (``nn.functional.x``)."""
    ops = {}
    for module, prefix in ((rg, ""), (F, "nn.functional.")):
        for name in module.__all__:
            value = getattr(module, name)
            if not inspect.isfunction(value) or name in NOT_DIFFERENTIABLE:
                continue
            if value.__module__.startswith(OP_MODULES) or _applies_function(value, set()):
                ops[prefix + name] = value
    return ops


def named_by(info: OpInfo) -> Any:
    """Find the public object an entry names: ``"max (dim)"`` names ``rg.max``; ``".T"`` none."""
    value: Any = rg
    for part in re.sub(r" \(.*\)$", "", info.name).split("."):
        value = getattr(value, part, None)
    return value


def missing_ops(registry: Sequence[OpInfo]) -> list[str]:
    """List the public ops no entry of ``registry`` names.

    An entry covers a function under every name it has: ``F.relu`` is ``rg.relu``.
    """
    covered = [named_by(info) for info in registry]
    return sorted(name for name, op in public_ops().items() if not any(op is c for c in covered))


def _defined_functions() -> Iterator[type[Function]]:
    for info in pkgutil.walk_packages(rg.__path__, "refgrad."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Function)
                and value is not Function
                and value.__module__ == module.__name__
            ):
                yield value


def functions_without_entry(registry: Sequence[OpInfo]) -> list[str]:
    """List the Functions defined in refgrad that no entry of ``registry`` uses."""
    used = {f for info in registry for f in info.functions}
    unused = set(_defined_functions()) - used - set(FUNCTIONS_WITHOUT_ENTRY)
    return sorted(f"{f.__module__}.{f.__name__}" for f in unused)


# ---------------------------------------------------------------- the checks


def test_every_public_op_has_an_entry() -> None:
    missing = missing_ops(OP_REGISTRY)
    assert not missing, f"public ops with no entry in refgrad/testing/opinfo.py: {missing}"


def test_every_function_is_used_by_an_entry() -> None:
    unused = functions_without_entry(OP_REGISTRY)
    assert not unused, f"Functions no entry of refgrad/testing/opinfo.py uses: {unused}"


# ---------------------------------------------------------------- the checks can fail


def test_the_ops_were_found() -> None:
    ops = public_ops()
    # Built on a Function directly, through other ops, and with operators only.
    for name in ("add", "min", "clamp", "nn.functional.cross_entropy", "nn.functional.mse_loss"):
        assert name in ops, name
    for name in ("zeros", "tensor", "manual_seed", "unbroadcast", "argmax"):
        assert name not in ops, name


def test_a_removed_entry_is_reported() -> None:
    without_nll = [info for info in OP_REGISTRY if info.name != "nn.functional.nll_loss"]
    assert missing_ops(without_nll) == ["nn.functional.nll_loss"]
    assert functions_without_entry(without_nll) == []  # its Functions serve other entries too
    without_sum_to = [info for info in OP_REGISTRY if info.name != "sum_to"]
    assert missing_ops(without_sum_to) == ["sum_to"]
    assert functions_without_entry(without_sum_to) == ["refgrad.ops.shape.SumTo"]
    # One entry covers a function under all its names: rg.softmax is F.softmax.
    without_softmax = [info for info in OP_REGISTRY if info.name != "nn.functional.softmax"]
    assert missing_ops(without_softmax) == ["nn.functional.softmax", "softmax"]


# ---------------------------------------------------------------- the exemptions hold


@pytest.mark.parametrize("name", sorted(NOT_DIFFERENTIABLE))
def test_exempt_ops_return_indices_without_a_gradient(name: str) -> None:
    x = rg.tensor([[1.0, 3.0], [2.0, 0.5]], requires_grad=True)
    result = getattr(rg, name)(x, 1)
    assert result.grad_fn is None and not result.requires_grad
    assert result.dtype == np.int64


def test_every_exempt_function_exists_and_has_no_entry() -> None:
    used = {f for info in OP_REGISTRY for f in info.functions}
    defined = set(_defined_functions())
    for function, reason in FUNCTIONS_WITHOUT_ENTRY.items():
        assert function in defined, f"{function.__name__} is exempt but no longer defined"
        assert function not in used, (
            f"{function.__name__} has an entry now; exempt because {reason}"
        )


def test_to_dtype_casts_the_gradient_back() -> None:
    # ToDtype's rule, in place of its entry: the gradient is the output's, cast to the input dtype.
    x = rg.tensor([1.0, -2.0], requires_grad=True)
    y = x.to(rg.float32)
    assert y.dtype == np.float32 and y.grad_fn is not None
    (y * rg.tensor(np.array([3.0, 0.25], dtype=np.float32))).sum().backward()
    assert x.grad is not None and x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, [3.0, 0.25])


def test_every_entry_has_a_usage_line_for_the_op_reference() -> None:
    from refgrad.testing.opinfo import USAGE

    missing = [info.name for info in OP_REGISTRY if info.name not in USAGE]
    assert not missing, f"entries with no USAGE line in refgrad/testing/opinfo.py: {missing}"
