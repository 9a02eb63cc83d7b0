"""Shape operations: they move or copy values without changing them.

Their backward rules only move the gradient back: a reshape is undone by a reshape, a transpose
by the same transpose, indexing by adding the gradient into a zero tensor at the same index, and
broadcasting by a sum (:func:`refgrad.unbroadcast`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from refgrad._typing import Dims, DTypeLike, Shape
from refgrad.autograd.function import BackwardNode, Function
from refgrad.broadcast import unbroadcast
from refgrad.errors import ShapeError
from refgrad.ops._util import normalize_dims
from refgrad.tensor import Tensor, _dim

# ---------------------------------------------------------------- reshaping and transposing


class Reshape(Function):
    """Same values, new shape.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    >>> y = x.reshape(2, 2)
    >>> y.grad_fn
    <ReshapeBackward>
    >>> (y * rg.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    >>> x.grad
    tensor([1., 2., 3., 4.])
    """

    derivative = r"\bar x = \operatorname{reshape}(\bar y,\ \operatorname{shape}(x))"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor, shape: Shape) -> Any:
        ctx.input_shape, ctx.shape = x.shape, shape
        return x.data.reshape(shape)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return reshape(grad_output, ctx.input_shape)

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        return reshape(tangent, ctx.shape)


class Transpose(Function):
    """Swap two dimensions.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([[1.0, 2.0]], requires_grad=True)
    >>> (x.transpose(0, 1) * rg.tensor([[3.0], [4.0]])).sum().backward()
    >>> x.grad
    tensor([[3., 4.]])
    """

    derivative = r"\bar x = \operatorname{transpose}(\bar y,\ d_0, d_1)"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor, dim0: int, dim1: int) -> Any:
        ctx.dims = (dim0, dim1)
        return np.swapaxes(x.data, dim0, dim1)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return transpose(grad_output, *ctx.dims)

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        return transpose(tangent, *ctx.dims)


class Permute(Function):
    """Reorder all dimensions.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.zeros(2, 3, requires_grad=True)
    >>> x.permute(1, 0).sum().backward()
    >>> x.grad.shape
    (2, 3)
    """

    derivative = r"\bar x = \operatorname{permute}(\bar y,\ \pi^{-1})"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor, dims: tuple[int, ...]) -> Any:
        ctx.dims = dims
        ctx.inverse = tuple(int(i) for i in np.argsort(dims))
        return np.transpose(x.data, dims)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return permute(grad_output, ctx.inverse)

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        return permute(tangent, ctx.dims)


# ---------------------------------------------------------------- broadcasting and its adjoint


class BroadcastTo(Function):
    """Repeat ``x`` along new leading axes and along its size-1 axes.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> x.expand(3, 2).sum().backward()
    >>> x.grad
    tensor([3., 3.])
    """

    derivative = r"\bar x = \operatorname{unbroadcast}(\bar y,\ \operatorname{shape}(x))"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor, shape: Shape) -> Any:
        ctx.input_shape, ctx.shape = x.shape, shape
        return np.broadcast_to(x.data, shape)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return sum_to(grad_output, ctx.input_shape)

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        return broadcast_to(tangent, ctx.shape)


class SumTo(Function):
    """Sum ``x`` down to a shape it was broadcast from: :func:`refgrad.unbroadcast` as an op.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.ops.shape import sum_to
    >>> x = rg.ones(3, 2, requires_grad=True)
    >>> sum_to(x, (2,)).backward(gradient=rg.tensor([1.0, 2.0]))
    >>> x.grad
    tensor([[1., 2.],
            [1., 2.],
            [1., 2.]])
    """

    derivative = r"\bar x = \operatorname{broadcast\_to}(\bar y,\ \operatorname{shape}(x))"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor, shape: Shape) -> Any:
        ctx.input_shape, ctx.shape = x.shape, shape
        return unbroadcast(x.data, shape)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return broadcast_to(grad_output, ctx.input_shape)

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        return sum_to(tangent, ctx.shape)


# ---------------------------------------------------------------- indexing


def _is_advanced(index: tuple[Any, ...]) -> bool:
    """True if the index uses arrays (NumPy's advanced indexing), where positions can repeat."""
    return any(isinstance(i, np.ndarray | list) for i in index)


class Index(Function):
    """``x[index]`` with slices, integers, ``None``, ``...`` and integer or boolean arrays.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> x[[0, 0, 2]].sum().backward()
    >>> x.grad
    tensor([2., 0., 1.])
    """

    derivative = r"\bar x = \operatorname{index\_add}(0_{\operatorname{shape}(x)},\ i,\ \bar y)"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor, index: tuple[Any, ...]) -> Any:
        ctx.index = index
        ctx.input_shape = x.shape
        return x.data[index]

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return IndexAdd.apply(grad_output, index=ctx.index, shape=ctx.input_shape)

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        return Index.apply(tangent, index=ctx.index)


class IndexAdd(Function):
    """Add ``x`` into a zero tensor of ``shape`` at ``index``: the adjoint of indexing.

    Repeated indices accumulate (``np.add.at``), which is what the chain rule asks for: an
    element read twice receives both gradients.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.ops.shape import IndexAdd
    >>> IndexAdd.apply(rg.tensor([1.0, 2.0, 3.0]), index=([0, 0, 2],), shape=(4,))
    tensor([3., 0., 3., 0.])
    """

    derivative = r"\bar x = \bar y[i]"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor, index: tuple[Any, ...], shape: Shape) -> Any:
        ctx.index, ctx.shape = index, shape
        out = np.zeros(shape, dtype=x.dtype)
        if _is_advanced(index):
            np.add.at(out, index, x.data)
        else:  # basic indexing never repeats a position, so assignment is enough
            out[index] = x.data
        return out

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return Index.apply(grad_output, index=ctx.index)

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        return IndexAdd.apply(tangent, index=ctx.index, shape=ctx.shape)


def _normalize_index(index: Any) -> tuple[Any, ...]:
    """Turn tensors in an index into arrays and boolean masks into integer arrays."""
    items = index if isinstance(index, tuple) else (index,)
    normalized: list[Any] = []
    for item in items:
        if isinstance(item, Tensor):
            item = item.data
        if isinstance(item, list):
            item = np.asarray(item)
        if isinstance(item, np.ndarray) and item.dtype == np.bool_:
            normalized.extend(np.nonzero(item))
        elif isinstance(item, np.ndarray) and item.dtype.kind not in "iu":
            raise IndexError(
                f"tensors used as indices must be integer or boolean, got dtype {item.dtype}"
            )
        else:
            normalized.append(item)
    return tuple(normalized)


# ---------------------------------------------------------------- joining


class Cat(Function):
    """Concatenate tensors along an existing dimension.

    Examples
    --------
    >>> import refgrad as rg
    >>> a = rg.tensor([1.0], requires_grad=True)
    >>> b = rg.tensor([2.0, 3.0], requires_grad=True)
    >>> (rg.cat([a, b]) * rg.tensor([1.0, 2.0, 3.0])).sum().backward()
    >>> a.grad, b.grad
    (tensor([1.]), tensor([2., 3.]))
    """

    derivative = r"\bar x_k = \bar y[\ldots, o_k : o_k + n_k, \ldots]"

    @staticmethod
    def forward(ctx: BackwardNode, *tensors: Tensor, dim: int) -> Any:
        ctx.dim = dim
        ctx.sizes = [t.shape[dim] for t in tensors]
        return np.concatenate([t.data for t in tensors], axis=dim)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        grads = []
        start = 0
        lead = (slice(None),) * ctx.dim
        for size in ctx.sizes:
            grads.append(grad_output[(*lead, slice(start, start + size))])
            start += size
        return tuple(grads)

    @staticmethod
    def jvp(ctx: BackwardNode, *tangents: Tensor) -> Any:
        return Cat.apply(*tangents, dim=ctx.dim)


class Stack(Function):
    """Stack same-shaped tensors along a new dimension.

    Examples
    --------
    >>> import refgrad as rg
    >>> a = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> b = rg.tensor([3.0, 4.0], requires_grad=True)
    >>> rg.stack([a, b])[1].sum().backward()
    >>> a.grad, b.grad
    (tensor([0., 0.]), tensor([1., 1.]))
    """

    derivative = r"\bar x_k = \bar y[\ldots, k, \ldots]"

    @staticmethod
    def forward(ctx: BackwardNode, *tensors: Tensor, dim: int) -> Any:
        ctx.dim = dim
        return np.stack([t.data for t in tensors], axis=dim)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        lead = (slice(None),) * ctx.dim
        count = grad_output.shape[ctx.dim]
        return tuple(grad_output[(*lead, k)] for k in range(count))

    @staticmethod
    def jvp(ctx: BackwardNode, *tangents: Tensor) -> Any:
        return Stack.apply(*tangents, dim=ctx.dim)


# ---------------------------------------------------------------- dtype and copies


class ToDtype(Function):
    """Convert to another dtype; the gradient is converted back.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x.to(rg.float32)
    >>> y.sum().backward()
    >>> y.dtype, x.grad.dtype
    (dtype('float32'), dtype('float64'))
    """

    derivative = r"\bar x = \operatorname{cast}(\bar y,\ \operatorname{dtype}(x))"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor, dtype: np.dtype[Any]) -> Any:
        ctx.input_dtype, ctx.dtype = x.dtype, dtype
        return x.data.astype(dtype)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return to_dtype(grad_output, ctx.input_dtype)

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        return to_dtype(tangent, ctx.dtype)


class Clone(Function):
    """A copy that stays in the graph.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> x.clone().sum().backward()
    >>> x.grad
    tensor([1., 1.])
    """

    derivative = r"\bar x = \bar y"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor) -> Any:
        return x.data.copy()

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return grad_output

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        return clone(tangent)


# ================================================================ public functions


def reshape(input: Tensor, shape: Sequence[int]) -> Tensor:
    """Return the values of ``input`` in a new shape (one entry may be -1).

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.reshape(rg.arange(6), (2, -1))
    tensor([[0, 1, 2],
            [3, 4, 5]])
    """
    shape = tuple(int(n) for n in shape)
    if shape != input.shape:
        size = input.data.size
        known = int(np.prod([n for n in shape if n != -1]))
        fits = size % known == 0 if -1 in shape and known else size == known
        if shape.count(-1) > 1 or min(shape, default=0) < -1 or not fits:
            raise ShapeError(
                f"reshape: shape {shape} is invalid for an input of shape {input.shape} "
                f"({size} elements)"
            )
        if -1 in shape:  # resolved, so that a reshape to the same shape is seen as one
            shape = tuple(size // known if n == -1 else n for n in shape)
    if shape == input.shape and not input.requires_grad:
        return input  # nothing to record and nothing to change (backward rules reshape a lot)
    return Reshape.apply(input, shape=shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge the dimensions from ``start_dim`` to ``end_dim`` into one.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.flatten(rg.zeros(2, 3, 4), start_dim=1).shape
    (2, 12)
    """
    if input.ndim == 0:
        return reshape(input, (1,))
    start = _dim(start_dim, input.ndim, "flatten")
    end = _dim(end_dim, input.ndim, "flatten")
    if start > end:
        raise RuntimeError(
            f"flatten() has invalid args: start_dim ({start_dim}) cannot come after end_dim "
            f"({end_dim}) for a tensor of shape {input.shape}"
        )
    merged = int(np.prod(input.shape[start : end + 1]))
    return reshape(input, (*input.shape[:start], merged, *input.shape[end + 1 :]))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at position ``dim``.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.unsqueeze(rg.zeros(3), 0).shape, rg.unsqueeze(rg.zeros(3), -1).shape
    ((1, 3), (3, 1))
    """
    position = _dim(dim, input.ndim + 1, "unsqueeze")
    return reshape(input, (*input.shape[:position], 1, *input.shape[position:]))


def squeeze(input: Tensor, dim: Dims = None) -> Tensor:
    """Remove dimensions of size 1 (all of them, or those in ``dim``).

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.squeeze(rg.zeros(1, 3, 1)).shape, rg.squeeze(rg.zeros(1, 3, 1), 0).shape
    ((3,), (3, 1))
    """
    if isinstance(dim, tuple | list) and len(dim) == 0:
        return reshape(input, input.shape)  # squeeze(()) names no dimension, as in PyTorch
    axes = normalize_dims(dim, input.ndim, "squeeze") if dim is not None else None
    shape = tuple(
        n for i, n in enumerate(input.shape) if n != 1 or (axes is not None and i not in axes)
    )
    return reshape(input, shape)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dimensions ``dim0`` and ``dim1``.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.transpose(rg.zeros(2, 3, 4), 0, -1).shape
    (4, 3, 2)
    """
    return Transpose.apply(
        input, dim0=_dim(dim0, input.ndim, "transpose"), dim1=_dim(dim1, input.ndim, "transpose")
    )


def permute(input: Tensor, dims: Sequence[int]) -> Tensor:
    """Reorder the dimensions: result dimension ``i`` is input dimension ``dims[i]``.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.permute(rg.zeros(2, 3, 4), (2, 0, 1)).shape
    (4, 2, 3)
    """
    axes = tuple(_dim(int(d), input.ndim, "permute") for d in dims)
    if sorted(axes) != list(range(input.ndim)):
        raise RuntimeError(
            f"permute: dims {tuple(dims)} must name each of the {input.ndim} dimensions once"
        )
    return Permute.apply(input, dims=axes)


def broadcast_to(input: Tensor, shape: Sequence[int]) -> Tensor:
    """Broadcast ``input`` to ``shape`` (PyTorch's ``expand``); the gradient is summed back.

    Examples
    --------
    >>> import refgrad as rg
    >>> b = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> rg.broadcast_to(b, (3, 2)).sum().backward()
    >>> b.grad
    tensor([3., 3.])
    """
    shape = tuple(int(n) for n in shape)
    if shape == input.shape and not input.requires_grad:
        return input  # nothing to record (backward rules broadcast a lot); PyTorch returns a view
    if len(shape) < input.ndim or any(
        n != m and n != 1 for n, m in zip(input.shape[::-1], shape[::-1], strict=False)
    ):
        raise ShapeError(f"broadcast_to: a tensor of shape {input.shape} cannot expand to {shape}")
    return BroadcastTo.apply(input, shape=shape)


def sum_to(input: Tensor, shape: Sequence[int]) -> Tensor:
    """Sum ``input`` down to ``shape``: the differentiable form of :func:`refgrad.unbroadcast`.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.sum_to(rg.ones(4, 3), (3,))
    tensor([4., 4., 4.])
    """
    if tuple(shape) == input.data.shape:  # the common case in backward: nothing was broadcast
        return input
    return SumTo.apply(input, shape=tuple(int(n) for n in shape))


def getitem(input: Tensor, index: Any) -> Tensor:
    """``input[index]``: basic and advanced indexing, with PyTorch's semantics.

    These are NumPy's, except that integers always act as basic indices (as in PyTorch), so
    ``x[1, :, [0, 1]]`` keeps the sliced axis first.

    In backward, the gradient is added into a zero tensor at the same index, so an element
    selected twice receives both gradients.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> x[[0, 0, 2]].sum().backward()
    >>> x.grad
    tensor([2., 0., 1.])
    """
    items = _normalize_index(index)
    if _is_advanced(items) and any(isinstance(i, int | np.integer) for i in items):
        # PyTorch applies integers as plain (basic) indices before the index arrays; NumPy counts
        # them among the arrays, which moves the result's axes when a slice separates an integer
        # from an array (x[1, :, [0, 1]]). Select with the integers first, as PyTorch does.
        basic = tuple(slice(None) if isinstance(i, np.ndarray) else i for i in items)
        rest = tuple(
            slice(None) if i is None or isinstance(i, slice) else i
            for i in items
            if not isinstance(i, int | np.integer)
        )
        return Index.apply(Index.apply(input, index=basic), index=rest)
    return Index.apply(input, index=items)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Concatenate tensors along dimension ``dim``.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.cat([rg.zeros(2, 3), rg.ones(1, 3)]).shape
    (3, 3)
    """
    if len(tensors) == 0:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    axis = _dim(dim, tensors[0].ndim, "cat")
    shapes = [t.shape for t in tensors]
    others = {(len(s), s[:axis] + s[axis + 1 :]) for s in shapes}  # all but the joined size
    if len(others) > 1:
        raise ShapeError(
            f"cat: shapes {' and '.join(map(str, shapes))} must be equal except in dimension {dim}"
        )
    return Cat.apply(*tensors, dim=axis)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Stack same-shaped tensors along a new dimension ``dim``.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.stack([rg.zeros(3), rg.ones(3)], dim=1).shape
    (3, 2)
    """
    if len(tensors) == 0:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ShapeError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    return Stack.apply(*tensors, dim=_dim(dim, tensors[0].ndim + 1, "stack"))


def to_dtype(input: Tensor, dtype: DTypeLike) -> Tensor:
    """Return ``input`` converted to ``dtype``; differentiable between floating dtypes.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.ops import to_dtype
    >>> to_dtype(rg.tensor([1.0]), rg.float32).dtype
    dtype('float32')
    """
    target = np.dtype(dtype)
    if target == input.dtype:
        return input
    if target.kind != "f":
        return Tensor(input.data.astype(target))
    return ToDtype.apply(input, dtype=target)


def clone(input: Tensor) -> Tensor:
    """Return a copy of ``input`` that gradients flow through.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.clone(rg.tensor([1.0, 2.0]))
    tensor([1., 2.])
    """
    return Clone.apply(input)
