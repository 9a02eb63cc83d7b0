"""Helpers shared by the op modules: turning constants into tensors, normalising dims."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from refgrad._typing import Dims, TensorLike
from refgrad.tensor import Tensor, _dim, _to_array


def constant(value: TensorLike, like: Tensor) -> Tensor:
    """Turn a non-tensor operand into a tensor that requires no grad.

    A Python number takes the dtype NumPy 2 would give it next to ``like`` (a float next to a
    float32 tensor stays float32), as PyTorch's scalars do.
    """
    if isinstance(value, Tensor):
        return value
    if type(value) is float and like.data.dtype.kind == "f":  # the common case: `x * 2.0`
        return Tensor(np.array(value, dtype=like.data.dtype))
    # NumPy scalars (np.float64(2.0)) count as numbers too, as PyTorch treats them.
    if isinstance(value, bool | int | float | np.number | np.bool_):
        kind = like.data.dtype.kind
        if kind == "f" or (kind in "iu" and not isinstance(value, float | np.floating)):
            dtype = like.data.dtype  # the common case
        else:
            dtype = np.result_type(like.data, value)
        # A new tensor each time, never a shared one: a backward rule or a user's Function may
        # receive it from ctx.saved_tensors and write into it.
        return Tensor(np.asarray(value, dtype=dtype))
    return Tensor(_to_array(value, None, copy=False))


def pair(a: TensorLike, b: TensorLike) -> tuple[Tensor, Tensor]:
    """Make both operands of a binary op tensors; at least one must already be one."""
    if isinstance(a, Tensor):
        return a, constant(b, a)
    if isinstance(b, Tensor):
        return constant(a, b), b
    return Tensor(_to_array(a, None, copy=False)), Tensor(_to_array(b, None, copy=False))


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
