r"""Softmax and log-softmax, computed stably.

Both subtract the maximum first: :math:`\operatorname{softmax}(z) = \operatorname{softmax}(z - c)`
for any constant :math:`c`, and with :math:`c = \max z` every exponent is at most 0, so ``exp``
cannot overflow (it would above about 709.78 in float64 and 88.72 in float32).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refgrad._typing import Array
from refgrad.autograd.function import BackwardNode, Function
from refgrad.ops.elementwise import exp
from refgrad.tensor import Tensor, _dim


def stable_log_softmax(z: Array, axis: int) -> Array:
    r""":math:`z - m - \ln\sum_j e^{z_j - m}` with :math:`m = \max_j z_j` (log-sum-exp).

    Examples
    --------
    >>> import refgrad as rg
    >>> import numpy as np
    >>> from refgrad.ops.softmax_family import stable_log_softmax
    >>> stable_log_softmax(np.array([1000.0, 1000.0]), axis=0)
    array([-0.69314718, -0.69314718])
    """
    with np.errstate(invalid="ignore", over="ignore"):
        shifted = z - np.max(z, axis=axis, keepdims=True)
        result: Array = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        return result


class Softmax(Function):
    r""":math:`p_i = e^{z_i} / \sum_j e^{z_j}` along ``dim``.

    Its Jacobian is :math:`\operatorname{diag}(p) - pp^T`; backward never forms it and
    computes the vector-Jacobian product :math:`p \odot (g - \langle g, p\rangle)` in
    :math:`O(C)`.

    Examples
    --------
    >>> import refgrad as rg
    >>> z = rg.tensor([0.0, 0.0], requires_grad=True)
    >>> p = rg.softmax(z, dim=0)
    >>> p[0].backward()
    >>> z.grad               # p0 (1 - p0) and -p0 p1
    tensor([ 0.25, -0.25])
    """

    derivative = r"\bar z = p \odot (\bar p - \textstyle\sum_j \bar p_j p_j)"

    @staticmethod
    def forward(ctx: BackwardNode, z: Tensor, dim: int) -> Any:
        ctx.dim = dim
        result = Tensor(np.exp(stable_log_softmax(z.data, dim)))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        (p,) = ctx.saved_tensors
        return p * (grad_output - (grad_output * p).sum(ctx.dim, keepdim=True))

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        (p,) = ctx.saved_tensors
        return p * (tangent - (tangent * p).sum(ctx.dim, keepdim=True))


class LogSoftmax(Function):
    r""":math:`y_i = z_i - \ln\sum_j e^{z_j}` along ``dim``, via log-sum-exp.

    Examples
    --------
    >>> import refgrad as rg
    >>> z = rg.tensor([0.0, 0.0], requires_grad=True)
    >>> rg.log_softmax(z, dim=0)[0].backward()
    >>> z.grad               # onehot(0) - softmax(z)
    tensor([ 0.5, -0.5])
    """

    derivative = r"\bar z = \bar y - e^{y} \textstyle\sum_j \bar y_j"

    @staticmethod
    def forward(ctx: BackwardNode, z: Tensor, dim: int) -> Any:
        ctx.dim = dim
        result = Tensor(stable_log_softmax(z.data, dim))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        (log_p,) = ctx.saved_tensors
        return grad_output - exp(log_p) * grad_output.sum(ctx.dim, keepdim=True)

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        (log_p,) = ctx.saved_tensors
        return tangent - (exp(log_p) * tangent).sum(ctx.dim, keepdim=True)


def _float_input(op: str, input: Tensor) -> None:
    if input.dtype.kind != "f":
        raise TypeError(
            f"{op}: the input has dtype {input.dtype}; it must be floating point "
            "(convert with .double() or .float())"
        )


def softmax(input: Tensor, dim: int) -> Tensor:
    """Softmax along ``dim``: non-negative values that sum to 1, computed stably.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.softmax(rg.tensor([0.0, 0.0, 0.0, 0.0]), dim=0)
    tensor([0.25, 0.25, 0.25, 0.25])
    >>> rg.softmax(rg.tensor([1e300, 0.0]), dim=0)
    tensor([1., 0.])
    """
    _float_input("softmax", input)
    return Softmax.apply(input, dim=_dim(dim, input.ndim, "softmax"))


def log_softmax(input: Tensor, dim: int) -> Tensor:
    """Logarithm of the softmax along ``dim``, computed with the log-sum-exp trick.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.log_softmax(rg.tensor([1e4, 0.0, -1e4]), dim=0)
    tensor([     0., -10000., -20000.])
    """
    _float_input("log_softmax", input)
    return LogSoftmax.apply(input, dim=_dim(dim, input.ndim, "log_softmax"))
