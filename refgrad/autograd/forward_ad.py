r"""Forward-mode automatic differentiation with dual tensors (``torch.autograd.forward_ad``).

Reverse mode pulls a covector back through the graph (:math:`u \mapsto u^T J`, a VJP) after the
forward pass. Forward mode pushes a direction forward *during* the forward pass: each tensor
carries a **tangent** :math:`\dot x` beside its value, and every op maps its inputs' tangents to
its result's tangent with its **JVP rule** (:math:`\dot y = J \dot x`), written beside its
backward rule in :mod:`refgrad.ops`. The two rules are transposes of each other:
:math:`\langle u, J v \rangle = \langle J^T u, v \rangle`.

One forward pass gives the derivative along one input direction, whatever the number of
outputs; one backward pass gives the derivative of one output direction, whatever the number
of inputs. So a Jacobian :math:`K \times D` costs :math:`D` JVPs (columns) or :math:`K` VJPs
(rows).

Examples
--------
>>> import refgrad as rg
>>> import refgrad.autograd.forward_ad as fwAD
>>> x = rg.tensor([1.0, 2.0])
>>> with fwAD.dual_level():
...     dual = fwAD.make_dual(x, rg.tensor([1.0, 0.0]))   # direction: d/dx0
...     y = dual * dual * 3
...     primal, tangent = fwAD.unpack_dual(y)
>>> tangent
tensor([6., 0.])
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, NamedTuple

import numpy as np

from refgrad.autograd import function
from refgrad.tensor import Tensor

#: The active dual level, or -1 outside ``dual_level()``. A tangent is valid only at the level
#: it was made in, so leaving the context invalidates every dual tensor made inside it.
_level = -1
_next_level = 0


class UnpackedDualTensor(NamedTuple):
    """What :func:`unpack_dual` returns: the value and its tangent (None if it has none).

    Examples
    --------
    >>> import refgrad as rg
    >>> import refgrad.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     fwAD.unpack_dual(rg.tensor(1.0)).tangent is None
    True
    """

    primal: Tensor
    tangent: Tensor | None


class dual_level:  # noqa: N801 - PyTorch's name
    """Context manager inside which dual tensors live; tangents made inside are dropped on exit.

    Examples
    --------
    >>> import refgrad as rg
    >>> import refgrad.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     y = fwAD.make_dual(rg.tensor(2.0), rg.tensor(1.0)).exp()
    ...     round(fwAD.unpack_dual(y).tangent.item(), 6)
    7.389056
    >>> fwAD.unpack_dual(y).tangent is None
    True
    """

    def __enter__(self) -> int:
        global _level, _next_level
        if _level >= 0:
            raise RuntimeError("dual_level: nested forward-AD levels are not supported")
        _level = _next_level
        _next_level += 1
        function.after_forward.append(push_tangents)
        return _level

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        global _level
        _level = -1
        function.after_forward.remove(push_tangents)


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    r"""Return a tensor with the values of ``tensor`` that carries ``tangent`` as its direction.

    Parameters
    ----------
    tensor : Tensor
        The primal values (floating point).
    tangent : Tensor
        The direction :math:`\dot x`, of the same shape.

    Raises
    ------
    RuntimeError
        Outside ``dual_level()``, or if the shapes differ.

    Examples
    --------
    >>> import refgrad as rg
    >>> import refgrad.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     d = fwAD.make_dual(rg.tensor([1.0, 2.0]), rg.tensor([0.5, 0.5]))
    ...     fwAD.unpack_dual(d.sum()).tangent
    tensor(1.)
    """
    if _level < 0:
        raise RuntimeError("make_dual: call it inside `with forward_ad.dual_level():`")
    if level is not None and level != _level:
        raise RuntimeError(f"make_dual: level {level} is not the active level {_level}")
    if tangent.shape != tensor.shape:
        raise RuntimeError(
            f"make_dual: the tangent has shape {tangent.shape} but the tensor has shape "
            f"{tensor.shape}; they must be equal"
        )
    if tensor.dtype.kind != "f":
        raise RuntimeError(
            f"make_dual: only floating-point tensors have tangents, got {tensor.dtype}"
        )
    dual = tensor.clone() if tensor.requires_grad else Tensor(tensor.data)
    dual._tangent = (_level, tangent.to(tensor.dtype))
    return dual


def tangent_of(tensor: object) -> Tensor | None:
    """Return the tangent a tensor carries at the active level, or None.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.forward_ad import tangent_of
    >>> tangent_of(rg.tensor(1.0)) is None
    True
    """
    if not isinstance(tensor, Tensor) or tensor._tangent is None:
        return None
    level, tangent = tensor._tangent
    return tangent if level == _level else None


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """Split a dual tensor into its value and its tangent.

    Examples
    --------
    >>> import refgrad as rg
    >>> import refgrad.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     d = fwAD.make_dual(rg.tensor(3.0), rg.tensor(1.0))
    ...     fwAD.unpack_dual(d * d)
    UnpackedDualTensor(primal=tensor(9.), tangent=tensor(6.))
    """
    primal = Tensor(tensor.data)
    if tensor.requires_grad:
        primal = tensor * 1  # keep the primal in the reverse-mode graph
        primal._tangent = None
    return UnpackedDualTensor(primal, tangent_of(tensor))


def push_tangents(
    cls: type[function.Function],
    ctx: function.BackwardNode,
    args: tuple[Any, ...],
    outputs: tuple[Tensor, ...],
) -> None:
    """After an op's forward, give its results their tangents by the op's JVP rule.

    This is how forward mode plugs into :meth:`Function.apply
    <refgrad.autograd.Function.apply>`: ``dual_level()`` adds it to the kernel's list of
    ``after_forward`` extensions, and removes it on exit.

    Examples
    --------
    See the module's example: every op inside ``dual_level()`` passes through it.
    """
    global _level
    if _level < 0 or not any(tangent_of(a) is not None for a in args):
        return
    tangents = []
    for arg in args:
        tangent = tangent_of(arg)
        if tangent is None and isinstance(arg, Tensor) and arg.dtype.kind == "f":
            tangent = Tensor(np.zeros(arg.shape, dtype=arg.dtype))  # a constant: no change
        tangents.append(tangent)
    # The rule's own ops must not carry tangents (that would be a second-order forward pass).
    level, _level = _level, -1
    ctx._in_jvp = True
    try:
        result: Any = cls.jvp(ctx, *tangents)  # a tuple, for several outputs
    except NotImplementedError:
        raise NotImplementedError(
            f"{cls.__name__} has no forward-mode rule: define a static method "
            f"jvp(ctx, *tangents) returning the tangent of the result"
        ) from None
    finally:
        _level = level
        ctx._in_jvp = False
    results = result if isinstance(result, tuple) else (result,)
    for output, tangent in zip(outputs, results, strict=False):
        if tangent is None or output.dtype.kind != "f":
            continue
        if tangent.shape != output.shape:
            from refgrad.ops.shape import broadcast_to

            tangent = broadcast_to(tangent, output.shape)
        output._tangent = (
            level,
            tangent if tangent.dtype == output.dtype else tangent.to(output.dtype),
        )
