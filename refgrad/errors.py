"""Exception types with PyTorch-compatible bases.

PyTorch reports shape problems as ``RuntimeError`` where NumPy would say ``ValueError``. The
classes here derive from both, so ``except RuntimeError`` (code written for PyTorch) and
``except ValueError`` (code written for NumPy) both catch them, the way NumPy's ``AxisError`` is
both a ``ValueError`` and an ``IndexError``.
"""

from __future__ import annotations


class ShapeError(ValueError, RuntimeError):
    """Operand shapes that do not fit together (broadcasting, matmul, a gradient's shape).

    Examples
    --------
    >>> import refgrad as rg
    >>> try:
    ...     rg.zeros(2, 3) + rg.zeros(4)
    ... except RuntimeError as error:
    ...     print(type(error).__name__)
    ShapeError
    """


class TargetError(IndexError, ValueError):
    """A class target outside ``[0, C)`` given to a loss.

    Examples
    --------
    >>> import refgrad as rg
    >>> import refgrad.nn.functional as F
    >>> try:
    ...     F.cross_entropy(rg.zeros(1, 3), rg.tensor([3]))
    ... except IndexError as error:
    ...     print(type(error).__name__)
    TargetError
    """
