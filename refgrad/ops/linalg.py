r"""Matrix multiplication, the one linear-algebra op a neural network needs.

For :math:`C = AB` with upstream gradient :math:`G = \partial L / \partial C`, the chain rule
gives :math:`\partial L/\partial A = G B^T` and :math:`\partial L/\partial B = A^T G`. Only
this arrangement makes the shapes fit: :math:`G` is :math:`n \times m`, :math:`B^T` is
:math:`m \times k`, so :math:`G B^T` is :math:`n \times k`, the shape of :math:`A`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refgrad._typing import TensorLike
from refgrad.autograd.function import BackwardNode, Function
from refgrad.broadcast import broadcast_shapes
from refgrad.errors import ShapeError
from refgrad.ops._util import pair
from refgrad.ops.shape import reshape, sum_to, transpose
from refgrad.tensor import Tensor


class MatMul(Function):
    """:math:`C = AB` with NumPy's ``matmul`` rules (1-D operands, batches that broadcast).

    Examples
    --------
    >>> import refgrad as rg
    >>> A = rg.tensor([[1.0, 2.0]], requires_grad=True)        # (1, 2)
    >>> B = rg.tensor([[3.0], [4.0]], requires_grad=True)      # (2, 1)
    >>> (A @ B).backward()
    >>> A.grad, B.grad        # G B^T and A^T G with G = [[1]]
    (tensor([[3., 4.]]), tensor([[1.],
            [2.]]))
    """

    derivative = r"\bar A = \bar C B^T,\quad \bar B = A^T \bar C"

    @staticmethod
    def forward(ctx: BackwardNode, a: Tensor, b: Tensor) -> Any:
        # The shapes are needed either way; each operand's values only for the other's gradient.
        need_a, need_b = ctx.needs_input_grad
        ctx.shapes = (a.shape, b.shape)
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.save_for_forward(a, b)
        return np.matmul(a.data, b.data)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        a, b = ctx.saved_tensors
        shape_a, shape_b = ctx.shapes
        # A 1-D operand is a matrix with a size-1 axis that matmul removed from the result:
        # put those axes back so that the 2-D formulas apply, then take them out again.
        shape_a2 = (1, shape_a[0]) if len(shape_a) == 1 else shape_a
        shape_b2 = (shape_b[0], 1) if len(shape_b) == 1 else shape_b
        batch = np.broadcast_shapes(shape_a2[:-2], shape_b2[:-2])
        g = reshape(grad_output, (*batch, shape_a2[-2], shape_b2[-1]))
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            # Batch axes that broadcasting added to A are summed away.
            b2 = reshape(b, shape_b2)
            grad_a = reshape(sum_to(g @ transpose(b2, -1, -2), shape_a2), shape_a)
        if ctx.needs_input_grad[1]:
            a2 = reshape(a, shape_a2)
            grad_b = reshape(sum_to(transpose(a2, -1, -2) @ g, shape_b2), shape_b)
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx: BackwardNode, tangent_a: Tensor, tangent_b: Tensor) -> Any:
        a, b = ctx.saved_tensors
        return tangent_a @ b + a @ tangent_b


class Linear(Function):
    r""":math:`y = x W^T + b`, a fully connected layer's affine map, as one op.

    It could be written as ``matmul(x, W.T) + b`` and the engine would chain three rules; as one
    op (as in PyTorch) its backward is the three gradients of the layer side by side, the graph
    has one node per layer instead of three, and the weight's gradient comes out in the weight's
    own memory layout. For a batch of rows :math:`x` of shape ``(N, in)``, weight ``(out, in)``
    and upstream gradient :math:`G` of shape ``(N, out)``, the shapes leave one arrangement each:
    :math:`\bar x = G W` is ``(N, out)(out, in)``, :math:`\bar W = G^T x` is
    ``(out, N)(N, in)``, and :math:`\bar b = \sum_n G_n` sums over the batch the bias was
    broadcast across. Leading batch dimensions of ``x`` are treated as more rows.

    Examples
    --------
    >>> import refgrad as rg
    >>> import refgrad.nn.functional as F
    >>> x = rg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> W = rg.tensor([[1.0, -1.0]], requires_grad=True)
    >>> b = rg.tensor([0.5], requires_grad=True)
    >>> F.linear(x, W, b).sum().backward()
    >>> x.grad, W.grad, b.grad       # G W, G^T x and the sum of G, with G all ones
    (tensor([[ 1., -1.],
            [ 1., -1.]]), tensor([[4., 6.]]), tensor([2.]))
    """

    derivative = (
        r"\bar x = \bar y W,\quad \bar W = \bar y^T x,\quad \bar b = \textstyle\sum_n \bar y_n"
    )

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor, weight: Tensor, bias: Tensor | None) -> Any:
        # x only for the weight's gradient, the weight only for x's (as PyTorch saves them).
        need_x, need_weight, _ = ctx.needs_input_grad
        ctx.weight_shape = weight.shape
        ctx.save_for_backward(x if need_weight else None, weight if need_x else None)
        ctx.save_for_forward(x, weight)
        out = x.data @ weight.data.T
        if bias is not None:
            out += bias.data  # in place: the product is a fresh array
        return out

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        x, weight = ctx.saved_tensors
        out_features, in_features = ctx.weight_shape
        # Every row of x (whatever its batch dimensions) met every row of W: flatten the batch.
        rows = reshape(grad_output, (-1, out_features))
        grad_x = grad_output @ weight if ctx.needs_input_grad[0] else None
        grad_weight = None
        if ctx.needs_input_grad[1]:
            grad_weight = transpose(rows, 0, 1) @ reshape(x, (-1, in_features))
        grad_bias = rows.sum(0) if ctx.needs_input_grad[2] else None
        return grad_x, grad_weight, grad_bias

    @staticmethod
    def jvp(
        ctx: BackwardNode, tangent_x: Tensor, tangent_weight: Tensor, tangent_bias: Tensor | None
    ) -> Any:
        x, weight = ctx.saved_tensors
        tangent = tangent_x @ transpose(weight, 0, 1) + x @ transpose(tangent_weight, 0, 1)
        return tangent + tangent_bias if tangent_bias is not None else tangent


def matmul(input: TensorLike, other: TensorLike) -> Tensor:
    """Matrix product with ``np.matmul``'s rules: 1-D, 2-D and batched (broadcast) operands.

    Raises
    ------
    ShapeError
        (a ValueError and RuntimeError) showing both shapes when the inner dimensions differ or
        the batch dimensions do not broadcast.

    Examples
    --------
    >>> import refgrad as rg
    >>> A = rg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> B = rg.tensor([[1.0], [1.0]])
    >>> (A @ B).sum().backward()
    >>> A.grad
    tensor([[1., 1.],
            [1., 1.]])
    >>> rg.matmul(rg.zeros(2, 3), rg.zeros(4, 5))
    Traceback (most recent call last):
    ...
    refgrad.errors.ShapeError: matmul: shapes (2, 3) and (4, 5) cannot be multiplied...
    """
    a, b = pair(input, other)
    if isinstance(input, Tensor) and isinstance(other, Tensor) and input.dtype != other.dtype:
        raise RuntimeError(  # PyTorch does not promote in a matrix product
            f"matmul: expected m1 and m2 to have the same dtype, but got: {input.dtype} != "
            f"{other.dtype} (shapes {input.shape} and {other.shape}); convert one, e.g. "
            "b.to(a.dtype)"
        )
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(
            f"matmul: both operands need at least one dimension, got shapes {a.shape} and "
            f"{b.shape}; use * to multiply by a scalar"
        )
    inner_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if a.shape[-1] != inner_b:
        raise ShapeError(
            f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied: the last dimension "
            f"of the first ({a.shape[-1]}) must equal the "
            f"{'second-to-last' if b.ndim > 1 else 'only'} dimension of the second ({inner_b})"
        )
    if a.ndim > 2 or b.ndim > 2:
        broadcast_shapes(
            f"matmul of {a.shape} and {b.shape}: batch dimensions", a.shape[:-2], b.shape[:-2]
        )
    return MatMul.apply(a, b)
