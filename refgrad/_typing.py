"""Type aliases shared by the whole package.

They live in one module so that a signature such as ``def mul(a: TensorLike, b: TensorLike)``
reads the same everywhere, and so that ``mypy --strict`` has one place to look.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from refgrad.tensor import Tensor

#: A NumPy array of any dtype, as a :class:`~refgrad.Tensor` stores in ``.data``.
Array: TypeAlias = npt.NDArray[Any]

#: A Python or NumPy number.
Scalar: TypeAlias = int | float | bool | np.number[Any] | np.bool_

#: Anything :func:`refgrad.tensor` accepts (a tensor, an array, a number or nested sequences).
ArrayLike: TypeAlias = "Tensor | npt.ArrayLike"

#: An operand of an arithmetic operator (a tensor, or a constant that is turned into one).
TensorLike: TypeAlias = "Tensor | Scalar | Array"

#: A dimension argument of a reduction (one axis, several axes, or ``None`` for all of them).
Dims: TypeAlias = int | Sequence[int] | None

#: A shape, as NumPy reports it.
Shape: TypeAlias = tuple[int, ...]

#: Something that names a dtype, such as ``rg.float32``, ``np.float64`` or ``"float32"``.
DTypeLike: TypeAlias = npt.DTypeLike
