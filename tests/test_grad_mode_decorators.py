"""``no_grad``, ``enable_grad``, ``inference_mode``: context managers and decorators.

As in PyTorch 2.13 (each behaviour checked there): the decorators work with and without
parentheses, keep the function's name and docstring, restore the mode after an exception, and on
a generator function they hold the mode during each resumption of the generator, not between
resumptions. ``inference_mode`` is ``no_grad`` plus ``is_inference_mode_enabled()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import refgrad as rg

MODES = ["no_grad", "enable_grad", "inference_mode"]
RECORDING = {"no_grad": False, "enable_grad": True, "inference_mode": False}


def decorator(mode: str, parentheses: bool) -> Callable[[Any], Any]:
    return getattr(rg, mode)() if parentheses else getattr(rg, mode)


PARENTHESES = pytest.mark.parametrize("parentheses", [False, True], ids=["@mode", "@mode()"])


@PARENTHESES
@pytest.mark.parametrize("mode", MODES)
def test_decorated_function(mode: str, parentheses: bool) -> None:
    w = rg.tensor([1.0, 2.0], requires_grad=True)

    @decorator(mode, parentheses)
    def scaled(a: float, b: float = 1.0) -> tuple[bool, rg.Tensor]:
        """The docstring."""
        return rg.is_grad_enabled(), w * a + b

    assert scaled.__name__ == "scaled" and scaled.__doc__ == "The docstring."
    for outside in [False, True]:
        with rg.set_grad_enabled(outside):
            recording, y = scaled(2.0, b=3.0)
            assert rg.is_grad_enabled() is outside  # restored after the call
        assert recording is RECORDING[mode]
        assert y.requires_grad is RECORDING[mode]
        assert y.tolist() == [5.0, 7.0]


@PARENTHESES
@pytest.mark.parametrize("mode", MODES)
def test_decorated_generator_holds_the_mode_in_each_resumption(
    mode: str, parentheses: bool
) -> None:
    w = rg.tensor([1.0, 2.0], requires_grad=True)

    @decorator(mode, parentheses)
    def steps(n: int) -> Iterator[tuple[bool, bool]]:
        for _ in range(n):
            yield rg.is_grad_enabled(), (w * 2).requires_grad

    assert steps.__name__ == "steps"
    expected = (RECORDING[mode], RECORDING[mode])
    generator = steps(3)
    assert next(generator) == expected
    assert rg.is_grad_enabled()  # between resumptions: the caller's mode
    with rg.no_grad():
        assert next(generator) == expected
        assert not rg.is_grad_enabled()
    assert next(generator) == expected
    with pytest.raises(StopIteration):
        next(generator)
    assert rg.is_grad_enabled()


def test_set_grad_enabled_on_a_generator() -> None:
    @rg.set_grad_enabled(False)
    def steps() -> Iterator[bool]:
        yield rg.is_grad_enabled()
        yield rg.is_grad_enabled()

    generator = steps()
    assert next(generator) is False
    assert rg.is_grad_enabled()
    assert next(generator) is False


@pytest.mark.parametrize("mode", MODES)
def test_the_mode_is_restored_after_an_exception(mode: str) -> None:
    def fail() -> None:
        raise ValueError("inside")

    with rg.no_grad():  # start from "off", so that enable_grad changes something too
        with pytest.raises(ValueError):
            getattr(rg, mode)()(fail)()
        assert not rg.is_grad_enabled()
        with pytest.raises(ValueError), getattr(rg, mode)():
            fail()
        assert not rg.is_grad_enabled()
    assert rg.is_grad_enabled()


def test_inference_mode_as_a_context_manager() -> None:
    w = rg.tensor([1.0, 2.0], requires_grad=True)
    assert not rg.is_inference_mode_enabled()
    with rg.inference_mode():
        assert rg.is_inference_mode_enabled() and not rg.is_grad_enabled()
        y = w * 2
    assert not y.requires_grad and y.grad_fn is None
    assert not rg.is_inference_mode_enabled() and rg.is_grad_enabled()
    with rg.inference_mode(False):
        assert not rg.is_inference_mode_enabled() and rg.is_grad_enabled()
    with rg.inference_mode(mode=True):
        assert rg.is_inference_mode_enabled()
    assert not rg.is_inference_mode_enabled()


def test_inference_mode_decorator_reports_the_mode() -> None:
    @rg.inference_mode
    def bare() -> bool:
        return rg.is_inference_mode_enabled()

    @rg.inference_mode()
    def called() -> bool:
        return rg.is_inference_mode_enabled()

    assert bare() and called()
    assert not rg.is_inference_mode_enabled()
