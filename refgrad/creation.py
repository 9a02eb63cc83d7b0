"""Functions that make new tensors: constants, ranges and random draws."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from refgrad import dtypes
from refgrad._typing import Array, DTypeLike
from refgrad.devices import DeviceLike, as_device
from refgrad.random import Generator, get_generator
from refgrad.tensor import Tensor, _shape_args


def _float_dtype(dtype: DTypeLike | None) -> np.dtype[np.generic]:
    return np.dtype(dtype) if dtype is not None else dtypes.get_default_dtype()


def _make(data: Array, requires_grad: bool) -> Tensor:
    return Tensor(data, requires_grad=requires_grad)


def zeros(
    *size: int | Sequence[int],
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Return a tensor of zeros; ``size`` is given as ``zeros(2, 3)`` or ``zeros((2, 3))``.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.zeros(2, 3).shape, rg.zeros((2,), dtype=rg.int64)
    ((2, 3), tensor([0, 0]))
    """
    as_device(device, "zeros")
    return _make(np.zeros(_shape_args(size), dtype=_float_dtype(dtype)), requires_grad)


def ones(
    *size: int | Sequence[int],
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Return a tensor of ones.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.ones(3)
    tensor([1., 1., 1.])
    """
    as_device(device, "ones")
    return _make(np.ones(_shape_args(size), dtype=_float_dtype(dtype)), requires_grad)


def full(
    size: Sequence[int],
    fill_value: float,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Return a tensor of ``size`` filled with ``fill_value``.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.full((2,), 7.0)
    tensor([7., 7.])
    """
    as_device(device, "full")
    array = np.full(tuple(size), fill_value, dtype=dtype)
    if dtype is None and array.dtype.kind == "f":
        array = array.astype(dtypes.get_default_dtype())
    return _make(array, requires_grad)


def zeros_like(
    input: Tensor,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Zeros with the shape (and, by default, the dtype) of ``input``.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.zeros_like(rg.ones(2, dtype=rg.float32))
    tensor([0., 0.], dtype=float32)
    """
    as_device(device, "zeros_like")
    return _make(np.zeros(input.shape, dtype=dtype or input.dtype), requires_grad)


def ones_like(
    input: Tensor,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Ones with the shape (and, by default, the dtype) of ``input``.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.ones_like(rg.zeros(2))
    tensor([1., 1.])
    """
    as_device(device, "ones_like")
    return _make(np.ones(input.shape, dtype=dtype or input.dtype), requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` (inclusive) to ``end`` (exclusive) in steps of ``step``.

    As in PyTorch, ``arange(n)`` counts from 0, and integer arguments give int64.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.arange(4), rg.arange(0.0, 1.0, 0.25)
    (tensor([0, 1, 2, 3]), tensor([0.  , 0.25, 0.5 , 0.75]))
    """
    as_device(device, "arange")
    if end is None:
        start, end = 0, start
    array = np.arange(start, end, step, dtype=dtype)
    if dtype is None and array.dtype.kind == "f":
        array = array.astype(dtypes.get_default_dtype())
    elif dtype is None and array.dtype.kind in "iu":
        array = array.astype(np.int64)
    return _make(array, requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Return ``steps`` evenly spaced values from ``start`` to ``end``, both included.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.linspace(0, 1, 5)
    tensor([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    as_device(device, "linspace")
    return _make(np.linspace(start, end, steps, dtype=_float_dtype(dtype)), requires_grad)


def eye(
    n: int,
    m: int | None = None,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Return the identity matrix (``n`` by ``m``).

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    as_device(device, "eye")
    return _make(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def randn(
    *size: int | Sequence[int],
    generator: Generator | None = None,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Draw samples from the standard normal distribution, from the seeded generator.

    Examples
    --------
    >>> import refgrad as rg
    >>> _ = rg.manual_seed(0)
    >>> x = rg.randn(2, 3)
    >>> x.shape, x.dtype
    ((2, 3), dtype('float64'))
    """
    as_device(device, "randn")
    rng = get_generator(generator)
    return _make(rng.standard_normal(_shape_args(size)).astype(_float_dtype(dtype)), requires_grad)


def rand(
    *size: int | Sequence[int],
    generator: Generator | None = None,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Draw samples from the uniform distribution on :math:`[0, 1)`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.rand(1000)
    >>> bool((x >= 0).all() and (x < 1).all())
    True
    """
    as_device(device, "rand")
    rng = get_generator(generator)
    return _make(rng.random(_shape_args(size)).astype(_float_dtype(dtype)), requires_grad)


def randint(
    low: int,
    high: int,
    size: Sequence[int],
    generator: Generator | None = None,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
) -> Tensor:
    """Random integers from ``low`` (inclusive) to ``high`` (exclusive), int64 by default.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.randint(0, 3, (10,))
    >>> x.dtype, bool(((x >= 0) & (x < 3)).all())
    (dtype('int64'), True)
    """
    as_device(device, "randint")
    rng = get_generator(generator)
    return _make(rng.integers(low, high, tuple(size)).astype(dtype or np.int64), False)


def randperm(
    n: int,
    generator: Generator | None = None,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
) -> Tensor:
    """Return a random permutation of ``0 .. n-1`` (int64).

    Examples
    --------
    >>> import refgrad as rg
    >>> sorted(rg.randperm(4).tolist())
    [0, 1, 2, 3]
    """
    as_device(device, "randperm")
    permutation = get_generator(generator).permutation(n)
    return _make(permutation.astype(np.int64 if dtype is None else np.dtype(dtype)), False)
