"""Idioms PyTorch's own tutorials use, run unchanged on refgrad."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import refgrad as rg


class MyReLU(rg.autograd.Function):
    """The custom ReLU of PyTorch's "Defining new autograd functions" tutorial, verbatim in form."""

    @staticmethod
    def forward(ctx: Any, input: rg.Tensor) -> rg.Tensor:
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> rg.Tensor:
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


def test_the_tutorial_relu_matches_the_builtin_one() -> None:
    x = rg.tensor([-1.5, -0.2, 0.3, 2.0], requires_grad=True)
    y = MyReLU.apply(x)
    (y * rg.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), [0.0, 0.0, 0.3, 2.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 3.0, 4.0])
    assert rg.autograd.gradcheck(MyReLU.apply, rg.tensor([-1.0, 0.5], requires_grad=True))


def test_item_assignment_into_a_leaf_is_refused_while_recording_a_graph() -> None:
    w = rg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"leaf Variable that requires grad.*in-place"):
        w[0] = 5.0
    with rg.no_grad():
        w[0] = 5.0
    assert w.tolist() == [5.0, 2.0]


def test_item_assignment_with_tensor_index_and_value() -> None:
    t = rg.zeros(4)
    t[rg.tensor([1, 3])] = rg.tensor([7.0, 9.0])
    assert t.tolist() == [0.0, 7.0, 0.0, 9.0]


def test_clamp_min_and_masked_fill_gradients() -> None:
    x = rg.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    (x.clamp(max=1.0) * 2 + x.masked_fill(x < 0, 0.0)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 3.0, 1.0])
    assert x.min().item() == -1.0 and x.min(dim=0).indices.item() == 0
