r"""Functions of one variable: trigonometric, hyperbolic, other logarithms, rounding.

These are the functions of one variable beyond exp, log, tanh, sigmoid, sqrt and abs (in
:mod:`refgrad.ops.elementwise`).

Every function here has a *local derivative* :math:`f'(x)`. Backward multiplies the incoming
gradient by it (:math:`\bar x = \bar y\, f'(x)`), forward mode multiplies the incoming tangent by
it (:math:`\dot y = f'(x)\, \dot x`): one formula serves both, so each op below only says how to
compute :math:`f` and :math:`f'`. The derivative is written with refgrad ops on the saved input
(or the saved result, when :math:`f'` is cheapest in terms of it, as for :math:`\tan`), so
second derivatives come for free.

The rounding functions (``floor``, ``ceil``, ``round``, ``trunc``, ``sign``) are constant between
their jumps; their derivative is zero wherever it exists, and PyTorch's gradient is zero
everywhere. ``frac`` (:math:`x - \operatorname{trunc} x`) has derivative 1.

Integer inputs of the transcendental functions become the default float dtype, as in PyTorch;
``square`` and the rounding functions keep an integer dtype.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from refgrad.autograd.function import BackwardNode, Function
from refgrad.ops.elementwise import _floating, sigmoid
from refgrad.tensor import Tensor

LN2 = math.log(2.0)
LN10 = math.log(10.0)


class _WithLocalDerivative(Function):
    """A function of one variable whose backward and jvp both multiply by :math:`f'(x)`."""

    #: Whether ``_local_derivative`` needs the input ``x`` or the result ``y``.
    saves = "x"

    @staticmethod
    def _compute(x: Tensor) -> Any:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    @staticmethod
    def _local_derivative(saved: Tensor) -> Tensor:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx: BackwardNode, x: Tensor) -> Any:
        # inf and nan outside the domain (log2(-1), 1/0) are silent, as in PyTorch.
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            result = Tensor(np.asarray(cls._compute(x), dtype=x.data.dtype))
        ctx.save_for_backward(result if cls.saves == "result" else x)
        return result

    @classmethod
    def backward(cls, ctx: BackwardNode, grad_output: Tensor) -> Any:
        (saved,) = ctx.saved_tensors
        return grad_output * cls._local_derivative(saved)

    @classmethod
    def jvp(cls, ctx: BackwardNode, tangent: Tensor) -> Any:
        (saved,) = ctx.saved_tensors
        return tangent * cls._local_derivative(saved)


class Sin(_WithLocalDerivative):
    r""":math:`y = \sin x`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([0.0], requires_grad=True)
    >>> rg.sin(x).sum().backward()
    >>> x.grad
    tensor([1.])
    """

    derivative = r"\bar x = \bar y \cos x"
    saves = "x"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.sin(x.data)

    @staticmethod
    def _local_derivative(x: Tensor) -> Tensor:
        return cos(x)


class Cos(_WithLocalDerivative):
    r""":math:`y = \cos x`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([0.0], requires_grad=True)
    >>> rg.cos(x).sum().backward()
    >>> x.grad
    tensor([-0.])
    """

    derivative = r"\bar x = -\bar y \sin x"
    saves = "x"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.cos(x.data)

    @staticmethod
    def _local_derivative(x: Tensor) -> Tensor:
        return -sin(x)


class Tan(_WithLocalDerivative):
    r""":math:`y = \tan x`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([0.0], requires_grad=True)
    >>> rg.tan(x).sum().backward()
    >>> x.grad
    tensor([1.])
    """

    derivative = r"\bar x = \bar y\,(1 + y^2)"
    saves = "result"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.tan(x.data)

    @staticmethod
    def _local_derivative(result: Tensor) -> Tensor:
        return 1 + result * result


class Sinh(_WithLocalDerivative):
    r""":math:`y = \sinh x`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([0.0], requires_grad=True)
    >>> rg.sinh(x).sum().backward()
    >>> x.grad
    tensor([1.])
    """

    derivative = r"\bar x = \bar y \cosh x"
    saves = "x"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.sinh(x.data)

    @staticmethod
    def _local_derivative(x: Tensor) -> Tensor:
        return cosh(x)


class Cosh(_WithLocalDerivative):
    r""":math:`y = \cosh x`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([0.0], requires_grad=True)
    >>> rg.cosh(x).sum().backward()
    >>> x.grad
    tensor([0.])
    """

    derivative = r"\bar x = \bar y \sinh x"
    saves = "x"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.cosh(x.data)

    @staticmethod
    def _local_derivative(x: Tensor) -> Tensor:
        return sinh(x)


class Asin(_WithLocalDerivative):
    r""":math:`y = \arcsin x`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([0.0], requires_grad=True)
    >>> rg.asin(x).sum().backward()
    >>> x.grad
    tensor([1.])
    """

    derivative = r"\bar x = \bar y / \sqrt{1 - x^2}"
    saves = "x"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.arcsin(x.data)

    @staticmethod
    def _local_derivative(x: Tensor) -> Tensor:
        return rsqrt(1 - x * x)


class Acos(_WithLocalDerivative):
    r""":math:`y = \arccos x`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0], requires_grad=True)
    >>> rg.acos(x).sum().backward()
    >>> x.grad
    tensor([-inf])
    """

    derivative = r"\bar x = -\bar y / \sqrt{1 - x^2}"
    saves = "x"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.arccos(x.data)

    @staticmethod
    def _local_derivative(x: Tensor) -> Tensor:
        return -rsqrt(1 - x * x)


class Atan(_WithLocalDerivative):
    r""":math:`y = \arctan x`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([0.0], requires_grad=True)
    >>> rg.atan(x).sum().backward()
    >>> x.grad
    tensor([1.])
    """

    derivative = r"\bar x = \bar y / (1 + x^2)"
    saves = "x"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.arctan(x.data)

    @staticmethod
    def _local_derivative(x: Tensor) -> Tensor:
        return 1 / (1 + x * x)


class Log1p(_WithLocalDerivative):
    r""":math:`y = \ln(1 + x)`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([0.0], requires_grad=True)
    >>> rg.log1p(x).sum().backward()
    >>> x.grad
    tensor([1.])
    """

    derivative = r"\bar x = \bar y / (1 + x)"
    saves = "x"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.log1p(x.data)

    @staticmethod
    def _local_derivative(x: Tensor) -> Tensor:
        return 1 / (1 + x)


class Expm1(_WithLocalDerivative):
    r""":math:`y = e^x - 1`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([0.0], requires_grad=True)
    >>> rg.expm1(x).sum().backward()
    >>> x.grad
    tensor([1.])
    """

    derivative = r"\bar x = \bar y\, e^x = \bar y\,(y + 1)"
    saves = "result"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.expm1(x.data)

    @staticmethod
    def _local_derivative(result: Tensor) -> Tensor:
        return result + 1


class Log2(_WithLocalDerivative):
    r""":math:`y = \log_2 x`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([8.0], requires_grad=True)
    >>> rg.log2(x).sum().backward()
    >>> x.grad
    tensor([0.18033688])
    """

    derivative = r"\bar x = \bar y / (x \ln 2)"
    saves = "x"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.log2(x.data)

    @staticmethod
    def _local_derivative(x: Tensor) -> Tensor:
        return 1 / (x * LN2)


class Log10(_WithLocalDerivative):
    r""":math:`y = \log_{10} x`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([100.0], requires_grad=True)
    >>> rg.log10(x).sum().backward()
    >>> x.grad
    tensor([0.00434294])
    """

    derivative = r"\bar x = \bar y / (x \ln 10)"
    saves = "x"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.log10(x.data)

    @staticmethod
    def _local_derivative(x: Tensor) -> Tensor:
        return 1 / (x * LN10)


class Exp2(_WithLocalDerivative):
    r""":math:`y = 2^x`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([3.0], requires_grad=True)
    >>> rg.exp2(x).sum().backward()
    >>> x.grad
    tensor([5.54517744])
    """

    derivative = r"\bar x = \bar y\, 2^x \ln 2 = \bar y\, y \ln 2"
    saves = "result"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.exp2(x.data)

    @staticmethod
    def _local_derivative(result: Tensor) -> Tensor:
        return result * LN2


class Reciprocal(_WithLocalDerivative):
    r""":math:`y = 1/x`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([4.0], requires_grad=True)
    >>> rg.reciprocal(x).sum().backward()
    >>> x.grad
    tensor([-0.0625])
    """

    derivative = r"\bar x = -\bar y / x^2 = -\bar y\, y^2"
    saves = "result"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.reciprocal(x.data)

    @staticmethod
    def _local_derivative(result: Tensor) -> Tensor:
        return -(result * result)


class Rsqrt(_WithLocalDerivative):
    r""":math:`y = 1/\sqrt{x}`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([4.0], requires_grad=True)
    >>> rg.rsqrt(x).sum().backward()
    >>> x.grad
    tensor([-0.0625])
    """

    derivative = r"\bar x = -\tfrac12 \bar y\, x^{-3/2} = -\tfrac12 \bar y\, y^3"
    saves = "result"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return 1 / np.sqrt(x.data)

    @staticmethod
    def _local_derivative(result: Tensor) -> Tensor:
        return -0.5 * result * result * result


class Square(_WithLocalDerivative):
    r""":math:`y = x^2`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([3.0], requires_grad=True)
    >>> rg.square(x).sum().backward()
    >>> x.grad
    tensor([6.])
    """

    derivative = r"\bar x = 2 \bar y\, x"
    saves = "x"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.square(x.data)

    @staticmethod
    def _local_derivative(x: Tensor) -> Tensor:
        return 2 * x


class Softplus(_WithLocalDerivative):
    r""":math:`y = \ln(1 + e^x)`, a smooth ReLU; its derivative is :math:`\sigma(x)`.

    Computed as ``np.logaddexp(0, x)``, which never overflows: for large ``x`` it is ``x``.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([0.0], requires_grad=True)
    >>> rg.nn.functional.softplus(x).sum().backward()
    >>> x.grad
    tensor([0.5])
    """

    derivative = r"\bar x = \bar y\, \sigma(x)"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.logaddexp(0, x.data)

    @staticmethod
    def _local_derivative(x: Tensor) -> Tensor:
        return sigmoid(x)


class _Step(Function):
    """A piecewise-constant function: its gradient is zero (as PyTorch's is, even at the jumps)."""

    @staticmethod
    def _compute(x: Tensor) -> Any:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx: BackwardNode, x: Tensor) -> Any:
        return np.asarray(cls._compute(x), dtype=x.data.dtype)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return grad_output * 0

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        return tangent * 0


class Sign(_Step):
    r""":math:`y = \operatorname{sign} x`; the gradient is zero.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.sign(rg.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """

    derivative = r"\bar x = 0"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        # np.sign(nan) is nan; PyTorch's sign(nan) is 0.
        return np.where(np.isnan(x.data), 0, np.sign(x.data))


class Floor(_Step):
    r""":math:`y = \lfloor x \rfloor`; the gradient is zero.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.floor(rg.tensor([-1.5, 1.5]))
    tensor([-2.,  1.])
    """

    derivative = r"\bar x = 0"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.floor(x.data)


class Ceil(_Step):
    r""":math:`y = \lceil x \rceil`; the gradient is zero.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.ceil(rg.tensor([-1.5, 1.5]))
    tensor([-1.,  2.])
    """

    derivative = r"\bar x = 0"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.ceil(x.data)


class Trunc(_Step):
    r""":math:`y = \operatorname{trunc} x \text{ (toward zero)}`; the gradient is zero.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.trunc(rg.tensor([-1.5, 1.5]))
    tensor([-1.,  1.])
    """

    derivative = r"\bar x = 0"

    @staticmethod
    def _compute(x: Tensor) -> Any:
        return np.trunc(x.data)


class Round(Function):
    r""":math:`y` = ``x`` rounded to ``decimals`` places, halves to even (as PyTorch and NumPy).

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.round(rg.tensor([0.5, 1.5, 2.25]))
    tensor([0., 2., 2.])
    """

    derivative = r"\bar x = 0"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor, decimals: int = 0) -> Any:
        with np.errstate(over="ignore", invalid="ignore"):
            return np.round(x.data, decimals)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return grad_output * 0, None  # nothing flows to ``decimals``

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor, decimals: Any = None) -> Any:
        return tangent * 0


class Frac(Function):
    r""":math:`y = x - \operatorname{trunc} x`, the fractional part (sign of ``x``); derivative 1.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([-1.25, 2.5], requires_grad=True)
    >>> rg.frac(x).sum().backward()
    >>> x.grad
    tensor([1., 1.])
    """

    derivative = r"\bar x = \bar y"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor) -> Any:
        with np.errstate(invalid="ignore"):
            return x.data - np.trunc(x.data)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return grad_output

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        return tangent


# ================================================================ public functions


def sin(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = \sin x`. An integer tensor gives the default float dtype.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.sin(rg.tensor([0.0]))
    tensor([0.])
    """
    return Sin.apply(_floating(input))


def cos(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = \cos x`. An integer tensor gives the default float dtype.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.cos(rg.tensor([0.0]))
    tensor([1.])
    """
    return Cos.apply(_floating(input))


def tan(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = \tan x`. An integer tensor gives the default float dtype.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.tan(rg.tensor([0.0]))
    tensor([0.])
    """
    return Tan.apply(_floating(input))


def sinh(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = \sinh x`. An integer tensor gives the default float dtype.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.sinh(rg.tensor([0.0]))
    tensor([0.])
    """
    return Sinh.apply(_floating(input))


def cosh(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = \cosh x`. An integer tensor gives the default float dtype.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.cosh(rg.tensor([0.0]))
    tensor([1.])
    """
    return Cosh.apply(_floating(input))


def asin(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = \arcsin x`. An integer tensor gives the default float dtype.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.asin(rg.tensor([0.0]))
    tensor([0.])
    """
    return Asin.apply(_floating(input))


def acos(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = \arccos x`. An integer tensor gives the default float dtype.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.acos(rg.tensor([1.0]))
    tensor([0.])
    """
    return Acos.apply(_floating(input))


def atan(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = \arctan x`. An integer tensor gives the default float dtype.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.atan(rg.tensor([0.0]))
    tensor([0.])
    """
    return Atan.apply(_floating(input))


def log1p(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = \ln(1 + x)`. An integer tensor gives the default float dtype.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.log1p(rg.tensor([0.0]))
    tensor([0.])
    """
    return Log1p.apply(_floating(input))


def expm1(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = e^x - 1`. An integer tensor gives the default float dtype.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.expm1(rg.tensor([0.0]))
    tensor([0.])
    """
    return Expm1.apply(_floating(input))


def log2(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = \log_2 x`. An integer tensor gives the default float dtype.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.log2(rg.tensor([8.0]))
    tensor([3.])
    """
    return Log2.apply(_floating(input))


def log10(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = \log_{10} x`. An integer tensor gives the default float dtype.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.log10(rg.tensor([100.0]))
    tensor([2.])
    """
    return Log10.apply(_floating(input))


def exp2(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = 2^x`. An integer tensor gives the default float dtype.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.exp2(rg.tensor([3.0]))
    tensor([8.])
    """
    return Exp2.apply(_floating(input))


def reciprocal(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = 1/x`. An integer tensor gives the default float dtype.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.reciprocal(rg.tensor([4.0]))
    tensor([0.25])
    """
    return Reciprocal.apply(_floating(input))


def rsqrt(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = 1/\sqrt{x}`. An integer tensor gives the default float dtype.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.rsqrt(rg.tensor([4.0]))
    tensor([0.5])
    """
    return Rsqrt.apply(_floating(input))


def square(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = x^2`. An integer tensor stays integer.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.square(rg.tensor([3.0]))
    tensor([9.])
    """
    return Square.apply(input)


def sign(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = \operatorname{sign} x`, of the input's dtype; its gradient is zero.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.sign(rg.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    return Sign.apply(input)


def floor(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = \lfloor x \rfloor`, of the input's dtype; its gradient is zero.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.floor(rg.tensor([-1.5, 1.5]))
    tensor([-2.,  1.])
    """
    return Floor.apply(input)


def ceil(input: Tensor) -> Tensor:
    r"""Element-wise :math:`y = \lceil x \rceil`, of the input's dtype; its gradient is zero.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.ceil(rg.tensor([-1.5, 1.5]))
    tensor([-1.,  2.])
    """
    return Ceil.apply(input)


def trunc(input: Tensor) -> Tensor:
    r"""Element-wise rounding toward zero, of the input's dtype; its gradient is zero.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.trunc(rg.tensor([-1.5, 1.5]))
    tensor([-1.,  1.])
    """
    return Trunc.apply(input)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Element-wise rounding to ``decimals`` places, halves to even; its gradient is zero.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.round(rg.tensor([1.234, -2.5]), decimals=1)
    tensor([ 1.2, -2.5])
    """
    return Round.apply(input, decimals)


def frac(input: Tensor) -> Tensor:
    """Element-wise fractional part ``x - trunc(x)``; floating tensors only, as in PyTorch.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.frac(rg.tensor([-1.25, 2.5]))
    tensor([-0.25,  0.5 ])
    """
    if input.data.dtype.kind != "f":
        raise TypeError(
            f"frac: expected a floating-point tensor, got {input.data.dtype}; "
            "convert it first, e.g. x.double()"
        )
    return Frac.apply(input)
