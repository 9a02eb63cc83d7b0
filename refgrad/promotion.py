"""Type promotion: the dtype of ``a + b``, by PyTorch's rules (``torch.result_type``).

NumPy and PyTorch agree on two tensors of the same kind (``int32 + int64`` is int64, ``float16 +
float32`` is float32) and disagree elsewhere, in ways that silently change results:

* **Integers meet floats.** PyTorch gives the floating operand's dtype (``int64 + float32`` is
  float32); NumPy gives a float wide enough for every int64 (float64).
* **Operands are ranked.** PyTorch ranks tensors with dimensions above 0-d tensors, and both above
  Python numbers. A lower-ranked operand changes the result's dtype only if it is of a higher
  *category* (bool < integer < floating) than every higher-ranked one: ``float32 tensor * 0-d
  float64 tensor`` stays float32, ``int32 tensor + 0-d int64 tensor`` stays int32, but ``int64
  tensor * 0-d float64 tensor`` is float64. NumPy 2 treats a 0-d array as any other array.
* **Numbers take the default dtype.** A Python float next to integer tensors gives the default
  floating dtype; a Python int never widens an integer tensor (``uint8 + 300`` is uint8, and wraps).

:func:`result_type` follows PyTorch's algorithm (``combine_categories`` in its source): one
promoted dtype per rank, then the ranks combined from the lowest up.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refgrad import dtypes

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def category(dtype: np.dtype[Any]) -> int:
    """0 for bool, 1 for integers, 2 for floating point.

    Examples
    --------
    >>> import numpy as np
    >>> from refgrad.promotion import category
    >>> category(np.dtype("bool")), category(np.dtype("int32")), category(np.dtype("float16"))
    (0, 1, 2)
    """
    return _CATEGORY[dtype.kind]


def promote_types(a: np.dtype[Any], b: np.dtype[Any]) -> np.dtype[Any]:
    """The dtype two tensors of the same rank promote to (``torch.promote_types``).

    Examples
    --------
    >>> import numpy as np
    >>> from refgrad.promotion import promote_types
    >>> promote_types(np.dtype("int64"), np.dtype("float32"))  # NumPy would say float64
    dtype('float32')
    >>> promote_types(np.dtype("uint8"), np.dtype("int8"))
    dtype('int16')
    """
    if a == b:
        return a
    ca, cb = category(a), category(b)
    if ca != cb:  # the higher category's dtype: an integer never widens a float
        return a if ca > cb else b
    return np.promote_types(a, b)  # within a category NumPy's lattice is PyTorch's


def _number_dtype(value: Any) -> np.dtype[Any]:
    """The dtype PyTorch gives a Python number in promotion."""
    if isinstance(value, bool | np.bool_):
        return dtypes.bool_
    if isinstance(value, int | np.integer):
        return dtypes.int64
    return dtypes.get_default_dtype()


def _combine(higher: np.dtype[Any] | None, lower: np.dtype[Any] | None) -> np.dtype[Any] | None:
    """Combine a higher rank's dtype with a lower rank's, as PyTorch's ``combine_categories``."""
    if higher is None:
        return lower
    if lower is None or higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return promote_types(higher, lower)
    return higher


def result_type(*operands: Any) -> np.dtype[Any]:
    """The dtype of an element-wise op on ``operands`` (tensors, arrays, numbers).

    Parameters
    ----------
    *operands : Tensor, numpy.ndarray or number
        A tensor or array with at least one dimension ranks first, a 0-d one second, and a
        Python number last.

    Returns
    -------
    numpy.dtype

    Examples
    --------
    >>> import numpy as np
    >>> import refgrad as rg
    >>> from refgrad.promotion import result_type
    >>> result_type(rg.ones(2, dtype=rg.float32), rg.tensor(0.5))   # a 0-d float64
    dtype('float32')
    >>> result_type(rg.tensor([1, 2]), rg.tensor(0.5))
    dtype('float64')
    >>> result_type(rg.tensor([1, 2], dtype=rg.int32), rg.tensor(7))
    dtype('int32')
    >>> result_type(rg.tensor([1, 2]), 0.5)   # a Python float: the default dtype
    dtype('float64')
    """
    ranked: list[np.dtype[Any] | None] = [None, None, None]  # dimensioned, 0-d, numbers
    for operand in operands:
        data = getattr(operand, "data", operand)
        if isinstance(data, np.ndarray):
            rank, dtype = (0 if data.ndim > 0 else 1), data.dtype
        else:  # a Python or NumPy number (PyTorch treats np.float32(1.0) as a number too)
            rank, dtype = 2, _number_dtype(data)
        current = ranked[rank]
        ranked[rank] = dtype if current is None else promote_types(current, dtype)
    dimensioned, zero_dim, numbers = ranked
    result = _combine(dimensioned, _combine(zero_dim, numbers))
    assert result is not None, "result_type needs at least one operand"
    return result
