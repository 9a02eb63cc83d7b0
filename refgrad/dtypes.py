"""Dtypes, and the default floating-point dtype.

refgrad stores NumPy arrays, so its dtypes *are* NumPy dtypes: ``rg.float32`` is
``np.dtype("float32")``. The names mirror PyTorch's (``torch.float32``), so ``dtype=rg.float32``
becomes ``dtype=torch.float32`` when a snippet moves to PyTorch.

The one deliberate difference from PyTorch: floating-point data created from Python numbers
defaults to **float64** (NumPy's default), because this is a teaching library whose gradients are
checked against finite differences, which need double precision. :func:`set_default_dtype`
switches to float32.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from refgrad._typing import DTypeLike

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
uint8 = np.dtype(np.uint8)

# PyTorch's other names for the same dtypes: ``torch.float`` is 32-bit, ``torch.int`` 32-bit.
double = float64
long = int64
half = float16
short = int16
float = float32
int = int32
bool = bool_

_default_dtype: np.dtype[Any] = float64


def get_default_dtype() -> np.dtype[Any]:
    """Return the dtype given to floating-point data that does not carry a dtype of its own.

    Returns
    -------
    numpy.dtype
        ``float64`` unless :func:`set_default_dtype` changed it.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.get_default_dtype()
    dtype('float64')
    """
    return _default_dtype


def set_default_dtype(dtype: DTypeLike) -> None:
    """Set the dtype of floating-point tensors made from Python numbers or lists.

    Like :func:`torch.set_default_dtype`, it accepts only floating-point dtypes. Arrays that
    already have a dtype (a float32 NumPy array, say) keep it.

    Parameters
    ----------
    dtype : dtype-like
        ``rg.float32`` or ``rg.float64`` (or ``float16``).

    Raises
    ------
    TypeError
        If ``dtype`` is not a floating-point dtype.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.set_default_dtype(rg.float32)
    >>> rg.tensor([1.0, 2.0]).dtype
    dtype('float32')
    >>> rg.set_default_dtype(rg.float64)
    >>> rg.tensor([1.0, 2.0]).dtype
    dtype('float64')
    """
    global _default_dtype
    resolved = np.dtype(dtype)
    if resolved.kind != "f":
        raise TypeError(
            f"set_default_dtype: only floating-point dtypes can be the default, got {resolved}; "
            "use rg.float32 or rg.float64"
        )
    _default_dtype = resolved


def is_floating_point(dtype: np.dtype[np.generic]) -> builtins.bool:
    """Return True if ``dtype`` is a floating-point dtype (the only kind that can require grad).

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.dtypes.is_floating_point(rg.float32), rg.dtypes.is_floating_point(rg.int64)
    (True, False)
    """
    return dtype.kind == "f"
