"""A hook handle removes its own registration, once, even when the same function is registered
twice (as in PyTorch 2.13, where each handle has its own id; checked there).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import refgrad as rg


@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "non-leaf"])
def test_removing_a_handle_twice_removes_one_registration(leaf: bool) -> None:
    calls: list[list[float]] = []

    def hook(grad: rg.Tensor) -> None:
        calls.append(grad.tolist())

    x = rg.tensor([1.0, 2.0], requires_grad=True)
    t = x if leaf else x * 3
    loss = (t * t).sum()
    first = t.register_hook(hook)
    second = t.register_hook(hook)
    first.remove()
    first.remove()  # harmless: the second registration must survive it
    loss.backward(retain_graph=True)
    assert calls == [(2 * t).tolist()]  # the second registration fired, once
    second.remove()
    calls.clear()
    loss.backward()
    assert calls == []


def test_a_removed_middle_hook_does_not_take_a_neighbour_with_it() -> None:
    def double(grad: rg.Tensor) -> Any:
        return grad * 2

    x = rg.tensor([1.0, 2.0], requires_grad=True)
    handles = [x.register_hook(double) for _ in range(3)]
    handles[1].remove()
    handles[1].remove()
    x.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0])  # two doublings left
