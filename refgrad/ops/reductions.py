"""Reductions: sum, mean and max over some or all dimensions.

In backward the gradient of the (smaller) result is spread back over the input: a sum copies
it to every element that was added, a mean copies it divided by the count, and a max routes it
to the elements that were the maximum.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refgrad._typing import Dims
from refgrad.autograd.function import BackwardNode, Function
from refgrad.ops._util import keepdim_shape, normalize_dims
from refgrad.ops.extrema import maximum, minimum
from refgrad.ops.shape import broadcast_to, getitem, reshape, unsqueeze
from refgrad.tensor import MaxResult, Tensor, _dim


def _spread(grad_output: Tensor, input_shape: tuple[int, ...], axes: tuple[int, ...]) -> Tensor:
    """Put the reduced axes back as size 1, then broadcast to the input's shape."""
    return broadcast_to(reshape(grad_output, keepdim_shape(input_shape, axes)), input_shape)


class Sum(Function):
    r""":math:`y = \sum_{i \in \text{dims}} x_i`: each element gets the gradient of its sum.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> x.sum(dim=1).backward(gradient=rg.tensor([1.0, 10.0]))
    >>> x.grad
    tensor([[ 1.,  1.],
            [10., 10.]])
    """

    derivative = r"\bar x = \operatorname{broadcast}(\bar y)"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor, axes: tuple[int, ...], keepdim: bool) -> Any:
        ctx.input_shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        # inf + -inf is nan and a sum of huge values overflows to inf, silently as in PyTorch.
        with np.errstate(invalid="ignore", over="ignore"):
            return np.sum(x.data, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return _spread(grad_output, ctx.input_shape, ctx.axes)

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        return Sum.apply(tangent, axes=ctx.axes, keepdim=ctx.keepdim)


class Mean(Function):
    r""":math:`y = \frac{1}{n}\sum_{i \in \text{dims}} x_i`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    >>> x.mean().backward()
    >>> x.grad
    tensor([0.25, 0.25, 0.25, 0.25])
    """

    derivative = r"\bar x = \operatorname{broadcast}(\bar y) / n"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor, axes: tuple[int, ...], keepdim: bool) -> Any:
        ctx.input_shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.count = int(np.prod([x.shape[a] for a in axes]))
        with np.errstate(invalid="ignore", divide="ignore"):  # the mean of nothing is nan
            return np.sum(x.data, axis=axes, keepdims=keepdim) / x.data.dtype.type(ctx.count)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return _spread(grad_output, ctx.input_shape, ctx.axes) / ctx.count

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        return Mean.apply(tangent, axes=ctx.axes, keepdim=ctx.keepdim)


class Amax(Function):
    r""":math:`y = \max_{i \in \text{dims}} x_i`; tied maxima share the gradient evenly.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 3.0, 3.0], requires_grad=True)
    >>> x.max().backward()
    >>> x.grad
    tensor([0. , 0.5, 0.5])
    """

    derivative = r"\bar x = \operatorname{broadcast}(\bar y)\, [x = y] / \#\{x = y\}"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor, axes: tuple[int, ...], keepdim: bool) -> Any:
        if x.data.size == 0:
            raise RuntimeError(
                "max(): cannot take the maximum of an empty tensor; it has no identity element"
            )
        kept = np.max(x.data, axis=axes, keepdims=True)
        # A NaN is the maximum (np.max propagates it, as PyTorch's max does), and NaN != NaN:
        # count the NaNs as the winners where the maximum is NaN.
        winners = (x.data == kept) | (np.isnan(x.data) & np.isnan(kept))
        # Ties split the gradient evenly (PyTorch's rule for a full max() and for amax).
        ctx.weights = winners / np.sum(winners, axis=axes, keepdims=True).astype(x.dtype)
        ctx.input_shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return kept if keepdim else np.squeeze(kept, axis=axes)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return _spread(grad_output, ctx.input_shape, ctx.axes) * Tensor(ctx.weights)

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        # The transpose of backward's spread-and-weight: a weighted sum over the tied winners.
        return Sum.apply(tangent * Tensor(ctx.weights), axes=ctx.axes, keepdim=ctx.keepdim)


# ================================================================ public functions


def sum(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Sum over ``dim`` (an int, a tuple of ints, or None for all; negatives allowed).

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> rg.sum(x), rg.sum(x, dim=0), rg.sum(x, dim=-1, keepdim=True).shape
    (tensor(10.), tensor([4., 6.]), (2, 1))
    """
    return Sum.apply(input, axes=normalize_dims(dim, input.ndim, "sum"), keepdim=keepdim)


def mean(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Mean over ``dim`` (an int, a tuple of ints, or None for all); floating point only.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> rg.mean(x, dim=(0, 1)).backward()
    >>> x.grad
    tensor([[0.25, 0.25],
            [0.25, 0.25]])
    """
    if input.dtype.kind != "f":
        raise RuntimeError(
            f"mean(): the input has dtype {input.dtype}; mean needs a floating-point tensor "
            "(convert with .double() or .float())"
        )
    return Mean.apply(input, axes=normalize_dims(dim, input.ndim, "mean"), keepdim=keepdim)


def amax(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Maximum over ``dim`` (an int, a tuple, or None for all); ties share the gradient.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([[1.0, 3.0], [3.0, 2.0]], requires_grad=True)
    >>> rg.amax(x).backward()
    >>> x.grad
    tensor([[0. , 0.5],
            [0.5, 0. ]])
    """
    return Amax.apply(input, axes=normalize_dims(dim, input.ndim, "amax"), keepdim=keepdim)


def max(input: Tensor, dim: Dims | Tensor = None, keepdim: bool = False) -> Tensor | MaxResult:
    """Maximum of all elements, or ``(values, indices)`` along one dimension, as ``torch.max``.

    * ``max(x)``: a 0-d tensor. Tied maxima share the gradient evenly (PyTorch's rule).
    * ``max(a, b)`` with a tensor ``b``: the element-wise :func:`~refgrad.ops.extrema.maximum`.
    * ``max(x, dim)`` with an int ``dim``: a :class:`~refgrad.tensor.MaxResult`
      ``(values, indices)``; the gradient goes to the first maximal index along ``dim``.
    * ``max(x, dim)`` with a tuple ``dim``: the maxima over those dimensions, like
      :func:`amax`. (``torch.max`` rejects a tuple; use ``torch.amax`` there.)

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([[2.0, 2.0], [1.0, 5.0]], requires_grad=True)
    >>> values, indices = rg.max(x, dim=1)
    >>> values, indices
    (tensor([2., 5.], grad_fn=<IndexBackward>), tensor([0, 1]))
    >>> values.sum().backward()
    >>> x.grad
    tensor([[1., 0.],
            [0., 1.]])
    """
    if isinstance(dim, Tensor):  # max(a, b): element-wise, as torch.max(a, b)
        return maximum(input, dim)
    if dim is None or not isinstance(dim, int | np.integer):
        return amax(input, dim, keepdim)
    axis = _dim(int(dim), input.ndim, "max")
    if input.ndim == 0:
        return MaxResult(input.clone(), Tensor(np.zeros((), dtype=np.int64)))
    if input.shape[axis] == 0:
        raise IndexError(f"max(): dimension {dim} has size 0, so it has no maximum")
    indices = np.argmax(input.data, axis=axis)
    # Gather the maxima at their (first) indices; indexing routes the gradient back to them.
    grid: list[Any] = list(np.indices(indices.shape, sparse=True))
    grid.insert(axis, indices)
    values = getitem(input, tuple(grid))
    if keepdim:
        values = unsqueeze(values, axis)
        indices = np.expand_dims(indices, axis)
    return MaxResult(values, Tensor(indices.astype(np.int64)))


def min(input: Tensor, dim: Dims | Tensor = None, keepdim: bool = False) -> Tensor | MaxResult:
    r"""Minimum of all elements, or ``(values, indices)`` along one dimension, as ``torch.min``.

    Written as :math:`\min x = -\max(-x)`, so the gradient follows :func:`max`'s rules: tied
    minima share it for a full ``min()``, and ``min(dim)`` sends it to the first minimal index.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([3.0, 1.0, 1.0], requires_grad=True)
    >>> rg.min(x).backward()
    >>> x.grad
    tensor([0. , 0.5, 0.5])
    """
    if isinstance(dim, Tensor):  # min(a, b): element-wise, as torch.min(a, b)
        return minimum(input, dim)
    result = max(-input, dim, keepdim)
    if isinstance(result, MaxResult):
        return MaxResult(-result.values, result.indices)
    return -result


def amin(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Minimum over ``dim`` (an int, a tuple, or None for all); ties share the gradient.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.amin(rg.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=0)
    tensor([1., 2.])
    """
    return -amax(-input, dim, keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the first minimum, over the flattened tensor or along ``dim`` (int64, no grad).

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.argmin(rg.tensor([[1.0, 9.0], [7.0, 2.0]]), dim=1)
    tensor([0, 1])
    """
    if dim is None:
        index = np.asarray(np.argmin(input.data), dtype=np.int64)
        return Tensor(index.reshape((1,) * input.ndim) if keepdim else index)
    axis = _dim(dim, input.ndim, "argmin")
    return Tensor(np.argmin(input.data, axis=axis, keepdims=keepdim).astype(np.int64))


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the first maximum, over the flattened tensor or along ``dim`` (int64, no grad).

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.argmax(rg.tensor([[1.0, 9.0], [7.0, 2.0]]), dim=1)
    tensor([1, 0])
    """
    if dim is None:
        index = np.asarray(np.argmax(input.data), dtype=np.int64)
        return Tensor(index.reshape((1,) * input.ndim) if keepdim else index)
    axis = _dim(dim, input.ndim, "argmax")
    return Tensor(np.argmax(input.data, axis=axis, keepdims=keepdim).astype(np.int64))
