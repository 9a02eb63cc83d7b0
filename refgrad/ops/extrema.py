"""Element-wise maximum and minimum of two tensors, with PyTorch's gradient at ties and NaN.

``maximum(a, b)`` routes the gradient to the larger operand, like the max gate of a circuit. At
a tie neither operand won, and PyTorch splits the gradient evenly, half to each. Where either
operand is NaN the result is NaN and, as in PyTorch, *both* operands receive the gradient (the
comparisons that would exclude one are all false).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refgrad._typing import TensorLike
from refgrad.autograd.function import BackwardNode, Function
from refgrad.ops._util import pair
from refgrad.ops.elementwise import where
from refgrad.tensor import Tensor


def _share(grad_output: Tensor, a: Tensor, b: Tensor, loses: Tensor) -> Tensor:
    """The gradient, halved at ties and zero where this operand lost."""
    shared = where(a == b, grad_output / 2, grad_output)
    return where(loses, grad_output * 0, shared)


class Maximum(Function):
    r""":math:`y = \max(a, b)` element-wise; the gradient goes to the larger operand.

    Examples
    --------
    >>> import refgrad as rg
    >>> a = rg.tensor([1.0, 5.0, 2.0], requires_grad=True)
    >>> b = rg.tensor([3.0, 4.0, 2.0], requires_grad=True)
    >>> rg.maximum(a, b).sum().backward()
    >>> a.grad, b.grad    # the tie at 2.0 is split
    (tensor([0. , 1. , 0.5]), tensor([1. , 0. , 0.5]))
    """

    derivative = (
        r"\bar a = \bar y\,[a > b] + \tfrac12 \bar y\,[a = b],\quad"
        r" \bar b = \bar y\,[b > a] + \tfrac12 \bar y\,[a = b]"
    )

    @staticmethod
    def forward(ctx: BackwardNode, a: Tensor, b: Tensor) -> Any:
        ctx.save_for_backward(a, b)
        return np.maximum(a.data, b.data)  # NaN wins, as in PyTorch

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        a, b = ctx.saved_tensors
        grad_a = _share(grad_output, a, b, a < b) if ctx.needs_input_grad[0] else None
        grad_b = _share(grad_output, a, b, a > b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx: BackwardNode, tangent_a: Tensor, tangent_b: Tensor) -> Any:
        a, b = ctx.saved_tensors
        return where(a > b, tangent_a, where(a < b, tangent_b, (tangent_a + tangent_b) / 2))


class Minimum(Function):
    r""":math:`y = \min(a, b)` element-wise; the gradient goes to the smaller operand.

    Examples
    --------
    >>> import refgrad as rg
    >>> a = rg.tensor([1.0, 5.0], requires_grad=True)
    >>> rg.minimum(a, rg.tensor([3.0, 4.0])).sum().backward()
    >>> a.grad
    tensor([1., 0.])
    """

    derivative = (
        r"\bar a = \bar y\,[a < b] + \tfrac12 \bar y\,[a = b],\quad"
        r" \bar b = \bar y\,[b < a] + \tfrac12 \bar y\,[a = b]"
    )

    @staticmethod
    def forward(ctx: BackwardNode, a: Tensor, b: Tensor) -> Any:
        ctx.save_for_backward(a, b)
        return np.minimum(a.data, b.data)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        a, b = ctx.saved_tensors
        grad_a = _share(grad_output, a, b, a > b) if ctx.needs_input_grad[0] else None
        grad_b = _share(grad_output, a, b, a < b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx: BackwardNode, tangent_a: Tensor, tangent_b: Tensor) -> Any:
        a, b = ctx.saved_tensors
        return where(a < b, tangent_a, where(a > b, tangent_b, (tangent_a + tangent_b) / 2))


def maximum(input: TensorLike, other: TensorLike) -> Tensor:
    """Element-wise maximum of two tensors (broadcast, promoted as PyTorch), as ``torch.maximum``.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.maximum(rg.tensor([1.0, 4.0]), rg.tensor([3.0, 2.0]))
    tensor([3., 4.])
    """
    a, b = pair(input, other)
    return Maximum.apply(a, b)


def minimum(input: TensorLike, other: TensorLike) -> Tensor:
    """Element-wise minimum of two tensors, as ``torch.minimum``.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.minimum(rg.tensor([1.0, 4.0]), rg.tensor([3.0, 2.0]))
    tensor([1., 2.])
    """
    a, b = pair(input, other)
    return Minimum.apply(a, b)
