"""Helpers shared by the op modules: turning constants into tensors, normalising dims."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from refgrad._typing import Dims, TensorLike
from refgrad.promotion import result_type
from refgrad.tensor import Tensor, _dim, _to_array


def constant(value: TensorLike, like: Tensor) -> Tensor:
    """Turn a non-tensor operand into a tensor that requires no grad, of the op's dtype.

    The dtype is the one PyTorch's promotion gives ``like`` and ``value`` together
    (:func:`refgrad.promotion.result_type`): a float next to a float32 tensor stays float32, a
    float next to an integer tensor takes the default dtype. A new tensor every time, never a
    shared one: a backward rule or a user's Function may get it from ``ctx.saved_tensors`` and
    write into it.
    """
    if isinstance(value, Tensor):
        return value
    if type(value) is float and like.data.dtype.kind == "f":  # the common case: `x * 2.0`
        return Tensor(np.array(value, dtype=like.data.dtype))
    return as_dtype(value, result_type(like, _operand(value)))


def _operand(value: Any) -> Any:
    """A number as it is; anything else (a list, an array) as an array."""
    if isinstance(value, bool | int | float | np.number | np.bool_ | Tensor):
        return value
    return _to_array(value, None, copy=False)


def as_dtype(value: Any, dtype: np.dtype[Any]) -> Tensor:
    """``value`` (a tensor, array, list or number) as a tensor of ``dtype``.

    A tensor is cast with the differentiable ``to``; a number is converted as PyTorch does,
    wrapping around where it does not fit (``uint8`` 300 is 44).
    """
    if isinstance(value, Tensor):
        return value if value.data.dtype == dtype else value.to(dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        return Tensor(np.asarray(_operand(value)).astype(dtype, copy=False))


def pair(a: TensorLike, b: TensorLike) -> tuple[Tensor, Tensor]:
    """Make both operands of a binary op tensors of the dtype PyTorch's promotion gives them.

    At least one must already be a tensor. See :mod:`refgrad.promotion` for the rules.
    """
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a.data.dtype == b.data.dtype:  # the common cases first
                return a, b
        elif type(b) is float and a.data.dtype.kind == "f":
            return a, Tensor(np.array(b, dtype=a.data.dtype))
    elif isinstance(b, Tensor) and type(a) is float and b.data.dtype.kind == "f":
        return Tensor(np.array(a, dtype=b.data.dtype)), b
    a, b = _operand(a), _operand(b)
    dtype = result_type(a, b)
    return as_dtype(a, dtype), as_dtype(b, dtype)


def normalize_dims(dim: Dims, ndim: int, op: str) -> tuple[int, ...]:
    """Turn ``dim`` (None, an int or a sequence, negatives allowed) into sorted axes.

    ``None`` (and, as in PyTorch, an empty sequence) means every axis. A 0-d tensor accepts
    dim 0 or -1, as PyTorch allows.
    """
    if dim is None:
        return tuple(range(ndim))
    dims: Sequence[int] = (dim,) if isinstance(dim, int | np.integer) else tuple(dim)
    if len(dims) == 0:
        return tuple(range(ndim))
    axes = tuple(sorted({_dim(int(d), ndim, op) for d in dims}))
    if len(axes) != len(dims):
        raise RuntimeError(f"{op}: dim {tuple(dims)} names the same dimension more than once")
    return axes if ndim > 0 else ()


def keepdim_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape a reduction over ``axes`` has with ``keepdim=True``."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))
