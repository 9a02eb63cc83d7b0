"""Broadcasting and its adjoint, ``unbroadcast``.

When NumPy broadcasts an operand of shape ``(3, 1)`` against one of shape ``(2, 3, 4)`` it does two
things: it prepends axes (``(1, 3, 1)``) and it repeats size-1 axes (``(2, 3, 4)``). Each input
element is *copied* into several output elements, so in backward each input element receives
the **sum** of the gradients of its copies: the adjoint of broadcasting is a sum, never a mean.
"""

from __future__ import annotations

from collections.abc import Sequence

from refgrad._typing import Array, Shape
from refgrad.errors import ShapeError


def unbroadcast(grad: Array, shape: Sequence[int], to_keep: int = 0) -> Array:
    r"""Sum ``grad`` back down to ``shape``, undoing what broadcasting did in forward.

    First the leading axes that broadcasting prepended are summed away, then every axis where
    ``shape`` has size 1 but ``grad`` does not is summed with ``keepdims=True``. The last
    ``to_keep`` axes are left as they are, even where they differ from ``shape``.

    Parameters
    ----------
    grad : numpy.ndarray
        The gradient with respect to a broadcast result.
    shape : sequence of int
        The shape of the operand before broadcasting.
    to_keep : int, default 0
        How many trailing axes to leave unreduced.

    Returns
    -------
    numpy.ndarray
        ``grad`` summed over the broadcast axes; its shape is ``shape`` when ``to_keep`` is 0.

    Raises
    ------
    ShapeError
        A ValueError (and RuntimeError): if broadcasting ``shape`` could never have produced
        ``grad.shape`` (for example ``(3,)``
        into ``(4,)``), or if ``to_keep`` is not between 0 and ``len(shape)``.

    Notes
    -----
    If ``y = broadcast(x)`` copies ``x[j]`` into the outputs ``y[i]`` for ``i`` in a set
    :math:`S_j`, then
    :math:`\partial L/\partial x_j = \sum_{i \in S_j} \partial L/\partial y_i`.
    This function is that sum. It works on NumPy arrays and adds nothing to the graph; the
    differentiable version used inside backward formulas is :func:`refgrad.sum_to`.

    Examples
    --------
    >>> import numpy as np
    >>> import refgrad as rg
    >>> grad = np.ones((2, 3))
    >>> rg.unbroadcast(grad, (3,))         # a bias of shape (3,) was added to every row
    array([2., 2., 2.])
    >>> rg.unbroadcast(grad, (2, 1))       # a column was repeated across 3 columns
    array([[3.],
           [3.]])
    >>> rg.unbroadcast(np.ones((4, 2, 3)), (1, 3), to_keep=1).shape
    (1, 3)
    >>> rg.unbroadcast(np.ones((4, 2, 3)), (2, 1), to_keep=1).shape
    (2, 3)
    >>> rg.unbroadcast(np.ones(3), (4,))
    Traceback (most recent call last):
    ...
    refgrad.errors.ShapeError: unbroadcast: a gradient of shape (3,) cannot come from ...
    """
    shape = tuple(int(n) for n in shape)
    if not 0 <= to_keep <= len(shape):
        raise ValueError(
            f"unbroadcast: to_keep must be between 0 and len(shape) = {len(shape)}, got {to_keep}"
        )
    if grad.ndim < len(shape):
        raise ShapeError(
            f"unbroadcast: a gradient of shape {grad.shape} cannot come from broadcasting shape "
            f"{shape}: broadcasting never removes axes"
        )
    # Broadcasting prepends axes on the left: sum them away.
    given = grad.shape
    leading = grad.ndim - len(shape)
    if leading:
        grad = grad.sum(axis=tuple(range(leading)))
    # Then each size-1 axis that was stretched is summed back to size 1.
    stretched = []
    for axis in range(len(shape) - to_keep):
        if grad.shape[axis] == shape[axis]:
            continue
        if shape[axis] != 1:
            raise ShapeError(
                f"unbroadcast: a gradient of shape {given} cannot come from broadcasting "
                f"shape {shape}: the operand's axis {axis} has size {shape[axis]}, not 1, and "
                f"the gradient's matching axis has size {grad.shape[axis]}"
            )
        stretched.append(axis)
    if stretched:
        grad = grad.sum(axis=tuple(stretched), keepdims=True)
    return grad


def sum_axes(grad_shape: Shape, shape: Sequence[int]) -> tuple[int, ...]:
    """The axes of a gradient to sum (keeping dims) so that it reshapes to ``shape``.

    The same reduction as :func:`unbroadcast`, given as axes so that a caller can perform it
    with a differentiable ``sum`` (the engine does, when the backward pass is recorded).

    Raises
    ------
    ShapeError
        If broadcasting ``shape`` could never have produced ``grad_shape``.

    Examples
    --------
    >>> from refgrad.broadcast import sum_axes
    >>> sum_axes((4, 2, 3), (2, 1))     # the prepended axis 0, and axis 2 stretched from 1
    (0, 2)
    """
    leading = len(grad_shape) - len(shape)
    if leading < 0:
        raise ShapeError(
            f"unbroadcast: a gradient of shape {grad_shape} cannot come from broadcasting shape "
            f"{tuple(shape)}: broadcasting never removes axes"
        )
    axes = list(range(leading))
    for axis, size in enumerate(shape):
        if grad_shape[leading + axis] == size:
            continue
        if size != 1:
            raise ShapeError(
                f"unbroadcast: a gradient of shape {grad_shape} cannot come from broadcasting "
                f"shape {tuple(shape)}: the operand's axis {axis} has size {size}, not 1"
            )
        axes.append(leading + axis)
    return tuple(axes)


def broadcast_shapes(op: str, *shapes: Shape) -> Shape:
    """Return the shape that broadcasting ``shapes`` together gives, or raise a clear error.

    Parameters
    ----------
    op : str
        The name of the operation, used in the error message.
    *shapes : tuple of int
        The operands' shapes.

    Raises
    ------
    ValueError
        Naming the op and every shape, if the shapes do not broadcast.

    Examples
    --------
    >>> from refgrad.broadcast import broadcast_shapes
    >>> broadcast_shapes("add", (2, 1, 3), (4, 1))
    (2, 4, 3)
    >>> broadcast_shapes("add", (2, 3), (4,))
    Traceback (most recent call last):
    ...
    refgrad.errors.ShapeError: add: shapes (2, 3) and (4,) cannot be broadcast together...
    """
    result: list[int] = []
    for sizes in zip(
        *(((1,) * (max(map(len, shapes)) - len(s)) + s) for s in shapes), strict=False
    ):
        others = {n for n in sizes if n != 1}
        if len(others) > 1:
            listed = " and ".join(str(s) for s in shapes)
            raise ShapeError(
                f"{op}: shapes {listed} cannot be broadcast together: aligned from the right, "
                "each pair of sizes must be equal or one of them 1"
            )
        result.append(others.pop() if others else 1)
    return tuple(result)
