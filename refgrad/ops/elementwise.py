"""Element-wise operations and their derivatives.

Binary operations broadcast their operands as NumPy does, so a backward rule naturally computes
each operand's gradient in the broadcast shape. The rules here stop there: the engine sums every
gradient back to its operand's own shape in one place
(:func:`~refgrad.autograd.function.fit_to_input`; the adjoint of broadcasting is a sum).

Operations whose NumPy form can produce ``inf`` or ``nan`` (``log(0)``, ``1/0``, ``sqrt(-1)``)
compute it silently, as PyTorch does, instead of printing a NumPy RuntimeWarning.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refgrad._typing import Array, TensorLike
from refgrad.autograd.function import BackwardNode, Function
from refgrad.broadcast import broadcast_shapes
from refgrad.ops._util import constant, pair
from refgrad.tensor import Tensor

# ---------------------------------------------------------------- arithmetic


class Add(Function):
    """:math:`y = a + b`.

    Examples
    --------
    >>> import refgrad as rg
    >>> a = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> b = rg.tensor(10.0, requires_grad=True)
    >>> (a + b).sum().backward()
    >>> a.grad, b.grad     # b was broadcast over 2 elements: its gradient sums them
    (tensor([1., 1.]), tensor(2.))
    """

    derivative = r"\bar a = \bar y,\quad \bar b = \bar y"

    @staticmethod
    def forward(ctx: BackwardNode, a: Tensor, b: Tensor) -> Any:
        return a.data + b.data

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return grad_output, grad_output

    @staticmethod
    def jvp(ctx: BackwardNode, tangent_a: Tensor, tangent_b: Tensor) -> Any:
        return tangent_a + tangent_b


class Sub(Function):
    """:math:`y = a - b`, that is :math:`a + (-b)`.

    Examples
    --------
    >>> import refgrad as rg
    >>> a = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> b = rg.tensor([3.0, 4.0], requires_grad=True)
    >>> (a - b).sum().backward()
    >>> a.grad, b.grad
    (tensor([1., 1.]), tensor([-1., -1.]))
    """

    derivative = r"\bar a = \bar y,\quad \bar b = -\bar y"

    @staticmethod
    def forward(ctx: BackwardNode, a: Tensor, b: Tensor) -> Any:
        return a.data - b.data

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return grad_output, -grad_output if ctx.needs_input_grad[1] else None

    @staticmethod
    def jvp(ctx: BackwardNode, tangent_a: Tensor, tangent_b: Tensor) -> Any:
        return tangent_a - tangent_b


class Mul(Function):
    """:math:`y = a b` (product rule: each input's gradient is scaled by the other input).

    Examples
    --------
    >>> import refgrad as rg
    >>> a = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> b = rg.tensor([3.0, 4.0], requires_grad=True)
    >>> (a * b).sum().backward()
    >>> a.grad, b.grad
    (tensor([3., 4.]), tensor([1., 2.]))
    """

    derivative = r"\bar a = \bar y\, b,\quad \bar b = \bar y\, a"

    @staticmethod
    def forward(ctx: BackwardNode, a: Tensor, b: Tensor) -> Any:
        # Each factor is needed only for the other one's gradient (as PyTorch saves them).
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.save_for_forward(a, b)
        return a.data * b.data

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        a, b = ctx.saved_tensors
        grad_a = grad_output * b if ctx.needs_input_grad[0] else None
        grad_b = grad_output * a if ctx.needs_input_grad[1] else None
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx: BackwardNode, tangent_a: Tensor, tangent_b: Tensor) -> Any:
        a, b = ctx.saved_tensors
        return tangent_a * b + a * tangent_b


class Div(Function):
    """:math:`y = a / b` (quotient rule).

    Examples
    --------
    >>> import refgrad as rg
    >>> a = rg.tensor(6.0, requires_grad=True)
    >>> b = rg.tensor(2.0, requires_grad=True)
    >>> (a / b).backward()
    >>> a.grad, b.grad     # 1/b and -a/b**2
    (tensor(0.5), tensor(-1.5))
    """

    derivative = r"\bar a = \bar y / b,\quad \bar b = -\bar y\, a / b^2"

    @staticmethod
    def forward(ctx: BackwardNode, a: Tensor, b: Tensor) -> Any:
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)  # a only for b's gradient
        ctx.save_for_forward(a, b)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return a.data / b.data

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        a, b = ctx.saved_tensors
        grad_a = grad_output / b if ctx.needs_input_grad[0] else None
        grad_b = -grad_output * a / (b * b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx: BackwardNode, tangent_a: Tensor, tangent_b: Tensor) -> Any:
        a, b = ctx.saved_tensors
        return tangent_a / b - a * tangent_b / (b * b)


class Neg(Function):
    """:math:`y = -x`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> (-x).sum().backward()
    >>> x.grad
    tensor([-1., -1.])
    """

    derivative = r"\bar x = -\bar y"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor) -> Any:
        return -x.data

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        return -grad_output

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        return -tangent


class Pow(Function):
    """:math:`y = a^b`, for a tensor or number exponent ``b``.

    Examples
    --------
    >>> import refgrad as rg
    >>> a = rg.tensor(2.0, requires_grad=True)
    >>> b = rg.tensor(3.0, requires_grad=True)
    >>> (a ** b).backward()
    >>> a.grad, round(b.grad.item(), 6)     # 3 * 2**2 and 2**3 * ln 2
    (tensor(12.), 5.545177)
    """

    derivative = (
        r"\bar a = \bar y\, b\, a^{b-1},\quad \bar b = \bar y\, a^b \ln a"
        r"\ (\text{taken as } 0 \text{ where } a = 0,\ b \ge 0)"
    )

    @staticmethod
    def forward(ctx: BackwardNode, a: Tensor, b: Tensor | float) -> Any:
        exponent = b.data if isinstance(b, Tensor) else b
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            result = Tensor(np.power(a.data, exponent))
        ctx.exponent = b
        ctx.save_for_backward(a, result, *((b,) if isinstance(b, Tensor) else ()))
        return result

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        a, result, *tensor_exponent = ctx.saved_tensors
        b = tensor_exponent[0] if tensor_exponent else ctx.exponent
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = grad_output * _pow_local_base(a, b)
        if isinstance(b, Tensor) and ctx.needs_input_grad[1]:
            grad_b = grad_output * _pow_local_exponent(a, b, result)
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx: BackwardNode, tangent_a: Tensor, tangent_b: Tensor | None) -> Any:
        a, result, *tensor_exponent = ctx.saved_tensors
        b = tensor_exponent[0] if tensor_exponent else ctx.exponent
        tangent = tangent_a * _pow_local_base(a, b)
        if isinstance(b, Tensor) and tangent_b is not None:
            tangent = tangent + tangent_b * _pow_local_exponent(a, b, result)
        return tangent


def _pow_local_base(a: Tensor, b: Tensor | float) -> Tensor:
    r""":math:`\partial a^b / \partial a = b a^{b-1}`, taken as 0 where b = 0.

    That is PyTorch's rule, and it holds even at a = 0.
    """
    if isinstance(b, Tensor):
        return where(b.data == 0, 0.0, b * a ** (b - 1))
    return b * a ** (b - 1) if b != 0 else constant(0.0, a)


def _pow_local_exponent(a: Tensor, b: Tensor, result: Tensor) -> Tensor:
    r""":math:`\partial a^b / \partial b = a^b \ln a`, taken as 0 at a = 0 with b >= 0.

    That is its limit there; PyTorch masks it the same way.
    """
    at_zero = (a.data == 0) & (b.data >= 0)
    return where(at_zero, 0.0, result * log(where(at_zero, 1.0, a)))


# ---------------------------------------------------------------- functions of one variable


class Exp(Function):
    """:math:`y = e^x`; its derivative is itself, so the result is saved.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor(0.0, requires_grad=True)
    >>> x.exp().backward()
    >>> x.grad
    tensor(1.)
    """

    derivative = r"\bar x = \bar y\, e^x = \bar y\, y"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor) -> Any:
        with np.errstate(over="ignore"):
            result = Tensor(np.exp(x.data))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        (result,) = ctx.saved_tensors
        return grad_output * result

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        (result,) = ctx.saved_tensors
        return tangent * result


class Log(Function):
    r""":math:`y = \ln x`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor(4.0, requires_grad=True)
    >>> x.log().backward()
    >>> x.grad
    tensor(0.25)
    """

    derivative = r"\bar x = \bar y / x"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.log(x.data)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        (x,) = ctx.saved_tensors
        return grad_output / x

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        (x,) = ctx.saved_tensors
        return tangent / x


class Tanh(Function):
    r""":math:`y = \tanh x`; :math:`\tanh' = 1 - \tanh^2 \le 1`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor(0.0, requires_grad=True)
    >>> x.tanh().backward()
    >>> x.grad
    tensor(1.)
    """

    derivative = r"\bar x = \bar y\,(1 - y^2)"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor) -> Any:
        result = Tensor(np.tanh(x.data))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        (result,) = ctx.saved_tensors
        return TanhGrad.apply(grad_output, result)  # grad_output * (1 - result**2), as one op

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        (result,) = ctx.saved_tensors
        return tangent * (1 - result * result)


class TanhGrad(Function):
    r""":math:`z = g\,(1 - y^2)`: tanh's backward rule as one op (PyTorch's ``tanh_backward``).

    Written with three ops (``g * (1 - y * y)``) the rule would cost three calls; as one op it
    costs one, and it is still differentiable, so second derivatives of ``tanh`` flow through
    its own backward rule below.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.ops.elementwise import TanhGrad
    >>> TanhGrad.apply(rg.tensor([1.0, 2.0]), rg.tensor([0.0, 0.5]))
    tensor([1. , 1.5])
    """

    derivative = r"\bar g = \bar z\,(1 - y^2),\quad \bar y = -2\,\bar z\, g\, y"

    @staticmethod
    def forward(ctx: BackwardNode, g: Tensor, y: Tensor) -> Any:
        # g is needed only for y's gradient; y for both.
        ctx.save_for_backward(g if ctx.needs_input_grad[1] else None, y)
        ctx.save_for_forward(g, y)
        return g.data * (1 - y.data * y.data)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        g, y = ctx.saved_tensors
        grad_g = TanhGrad.apply(grad_output, y) if ctx.needs_input_grad[0] else None
        grad_y = -2 * grad_output * g * y if ctx.needs_input_grad[1] else None
        return grad_g, grad_y

    @staticmethod
    def jvp(ctx: BackwardNode, tangent_g: Tensor, tangent_y: Tensor) -> Any:
        g, y = ctx.saved_tensors
        return TanhGrad.apply(tangent_g, y) - 2 * g * y * tangent_y


class SigmoidGrad(Function):
    r""":math:`z = g\,y (1 - y)`: sigmoid's backward rule as one op (``sigmoid_backward``).

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.ops.elementwise import SigmoidGrad
    >>> SigmoidGrad.apply(rg.tensor([1.0, 2.0]), rg.tensor([0.5, 0.25]))
    tensor([0.25 , 0.375])
    """

    derivative = r"\bar g = \bar z\, y (1 - y),\quad \bar y = \bar z\, g\, (1 - 2y)"

    @staticmethod
    def forward(ctx: BackwardNode, g: Tensor, y: Tensor) -> Any:
        ctx.save_for_backward(g if ctx.needs_input_grad[1] else None, y)
        ctx.save_for_forward(g, y)
        return g.data * y.data * (1 - y.data)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        g, y = ctx.saved_tensors
        grad_g = SigmoidGrad.apply(grad_output, y) if ctx.needs_input_grad[0] else None
        grad_y = grad_output * g * (1 - 2 * y) if ctx.needs_input_grad[1] else None
        return grad_g, grad_y

    @staticmethod
    def jvp(ctx: BackwardNode, tangent_g: Tensor, tangent_y: Tensor) -> Any:
        g, y = ctx.saved_tensors
        return SigmoidGrad.apply(tangent_g, y) + g * (1 - 2 * y) * tangent_y


def stable_sigmoid(x: Array) -> Array:
    r""":math:`1 / (1 + e^{-x})` without overflow: ``exp`` only ever sees :math:`-|x| \le 0`.

    Examples
    --------
    >>> import refgrad as rg
    >>> import numpy as np
    >>> from refgrad.ops.elementwise import stable_sigmoid
    >>> stable_sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


class Sigmoid(Function):
    r""":math:`y = \sigma(x) = 1 / (1 + e^{-x})`.

    Its derivative :math:`\sigma' = \sigma(1 - \sigma)` is at most 1/4 (at 0).

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor(0.0, requires_grad=True)
    >>> x.sigmoid().backward()
    >>> x.grad                 # σ'(0) = 1/4, the largest it gets
    tensor(0.25)
    """

    derivative = r"\bar x = \bar y\, y (1 - y)"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor) -> Any:
        result = Tensor(stable_sigmoid(x.data))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        (result,) = ctx.saved_tensors
        return SigmoidGrad.apply(grad_output, result)  # grad_output * y (1 - y), as one op

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        (result,) = ctx.saved_tensors
        return tangent * result * (1 - result)


class ReLU(Function):
    r""":math:`y = \max(x, 0)`; at the kink PyTorch takes :math:`\operatorname{relu}'(0) = 0`.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([-1.0, 0.0, 3.0], requires_grad=True)
    >>> x.relu().sum().backward()
    >>> x.grad
    tensor([0., 0., 1.])
    """

    derivative = r"\bar x = \bar y\, [x > 0]"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor) -> Any:
        result = Tensor(np.maximum(x.data, 0))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        (result,) = ctx.saved_tensors
        # Select, never multiply by a 0/1 mask: an infinite gradient times 0 would be NaN.
        # At NaN the gradient passes (NaN <= 0 is false), as PyTorch's threshold_backward does.
        return where(result.data <= 0, 0.0, grad_output)

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        (result,) = ctx.saved_tensors
        return where(result.data <= 0, 0.0, tangent)


class Abs(Function):
    r""":math:`y = |x|`; :math:`\operatorname{abs}'(0) = 0`, as in PyTorch.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([-2.0, 0.0, 2.0], requires_grad=True)
    >>> x.abs().sum().backward()
    >>> x.grad
    tensor([-1.,  0.,  1.])
    """

    derivative = r"\bar x = \bar y\, \operatorname{sign}(x)"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        return np.abs(x.data)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        (x,) = ctx.saved_tensors
        return grad_output * Tensor(_sign(x.data))

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        (x,) = ctx.saved_tensors
        return tangent * Tensor(_sign(x.data))


def _sign(x: Array) -> Array:
    """``sign(x)`` with 0 at NaN, as PyTorch's ``sgn`` in abs's rule (NumPy gives NaN)."""
    return np.where(np.isnan(x), 0, np.sign(x)).astype(x.dtype, copy=False)


class Sqrt(Function):
    r""":math:`y = \sqrt{x}`; the derivative at 0 is infinite.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor(4.0, requires_grad=True)
    >>> x.sqrt().backward()
    >>> x.grad
    tensor(0.25)
    """

    derivative = r"\bar x = \bar y / (2 y)"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor) -> Any:
        with np.errstate(invalid="ignore"):
            result = Tensor(np.sqrt(x.data))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        (result,) = ctx.saved_tensors
        return grad_output / (2 * result)

    @staticmethod
    def jvp(ctx: BackwardNode, tangent: Tensor) -> Any:
        (result,) = ctx.saved_tensors
        return tangent / (2 * result)


class Where(Function):
    r""":math:`y = c\ ?\ a : b`, element-wise, with a constant boolean condition.

    Examples
    --------
    >>> import refgrad as rg
    >>> a = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> b = rg.tensor([3.0, 4.0], requires_grad=True)
    >>> rg.where(rg.tensor([True, False]), a, b).sum().backward()
    >>> a.grad, b.grad
    (tensor([1., 0.]), tensor([0., 1.]))
    """

    derivative = r"\bar a = [c]\,\bar y,\quad \bar b = [\lnot c]\,\bar y"

    @staticmethod
    def forward(ctx: BackwardNode, condition: Array, a: Tensor, b: Tensor) -> Any:
        ctx.condition = condition
        return np.where(condition, a.data, b.data)

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        zero = constant(0.0, grad_output)
        grad_a = grad_b = None
        if ctx.needs_input_grad[1]:
            grad_a = Where.apply(ctx.condition, grad_output, zero)
        if ctx.needs_input_grad[2]:
            grad_b = Where.apply(ctx.condition, zero, grad_output)
        return None, grad_a, grad_b

    @staticmethod
    def jvp(
        ctx: BackwardNode, tangent_condition: None, tangent_a: Tensor, tangent_b: Tensor
    ) -> Any:
        return Where.apply(ctx.condition, tangent_a, tangent_b)


# ================================================================ public functions


def _floating(input: Tensor) -> Tensor:
    """An integer or bool tensor as the default floating dtype, as PyTorch's float ops take it.

    ``rg.tensor([1, 2]).sigmoid()`` is a float tensor in PyTorch, not integer zeros.
    """
    if input.data.dtype.kind == "f":
        return input
    from refgrad.dtypes import get_default_dtype

    return input.to(get_default_dtype())


def add(input: TensorLike, other: TensorLike) -> Tensor:
    """Element-wise ``input + other``, with broadcasting.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.add(rg.tensor([[1.0], [2.0]]), rg.tensor([10.0, 20.0]))
    tensor([[11., 21.],
            [12., 22.]])
    """
    a, b = pair(input, other)
    return Add.apply(a, b)


def sub(input: TensorLike, other: TensorLike) -> Tensor:
    """Element-wise ``input - other``, with broadcasting.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.sub(rg.tensor([3.0, 4.0]), 1.0)
    tensor([2., 3.])
    """
    a, b = pair(input, other)
    return Sub.apply(a, b)


def mul(input: TensorLike, other: TensorLike) -> Tensor:
    """Element-wise ``input * other``, with broadcasting.

    Examples
    --------
    >>> import refgrad as rg
    >>> a = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> rg.mul(a, rg.tensor([3.0, 4.0])).sum().backward()
    >>> a.grad
    tensor([3., 4.])
    """
    a, b = pair(input, other)
    return Mul.apply(a, b)


def div(input: TensorLike, other: TensorLike) -> Tensor:
    """Element-wise true division ``input / other``, with broadcasting.

    Integer inputs give a floating-point result of the default dtype, as in PyTorch.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.div(rg.tensor([1.0, 3.0]), 2.0)
    tensor([0.5, 1.5])
    >>> rg.div(rg.tensor([1, 3]), 2).dtype
    dtype('float64')
    """
    a, b = pair(input, other)
    if a.dtype.kind != "f":  # true division: integers (of one dtype, after pair) make floats
        a, b = _floating(a), _floating(b)
    return Div.apply(a, b)


def neg(input: Tensor) -> Tensor:
    """Element-wise ``-input``.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.neg(rg.tensor([1.0, -2.0]))
    tensor([-1.,  2.])
    """
    return Neg.apply(input)


def pow(input: TensorLike, exponent: TensorLike) -> Tensor:
    r"""Element-wise ``input ** exponent``; the exponent may be a number or a tensor.

    The derivative with respect to the base follows the power rule; with respect to a tensor
    exponent it is :math:`a^b \ln a`, taken as 0 where :math:`a = 0` and :math:`b \ge 0`
    (PyTorch's convention).

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> rg.pow(x, 3).sum().backward()
    >>> x.grad
    tensor([ 3., 12., 27.])
    """
    if (
        isinstance(input, Tensor)
        and isinstance(exponent, int | float)
        and not isinstance(exponent, bool)
    ):
        return Pow.apply(input, exponent)
    a, b = pair(input, exponent)
    return Pow.apply(a, b)


def exp(input: Tensor) -> Tensor:
    """Element-wise :math:`e^x`.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.exp(rg.tensor([0.0, 1.0]))
    tensor([1.        , 2.71828183])
    """
    return Exp.apply(_floating(input))


def log(input: Tensor) -> Tensor:
    """Element-wise natural logarithm (``-inf`` at 0 and ``nan`` below, silently, as PyTorch).

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.log(rg.tensor([1.0, 0.0]))
    tensor([  0., -inf])
    """
    return Log.apply(_floating(input))


def tanh(input: Tensor) -> Tensor:
    """Element-wise hyperbolic tangent.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.tanh(rg.tensor([0.0]))
    tensor([0.])
    """
    return Tanh.apply(_floating(input))


def sigmoid(input: Tensor) -> Tensor:
    """Element-wise logistic sigmoid :math:`1/(1+e^{-x})`, stable for any input.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.sigmoid(rg.tensor([-1e300, 0.0, 1e300]))
    tensor([0. , 0.5, 1. ])
    """
    return Sigmoid.apply(_floating(input))


def relu(input: Tensor) -> Tensor:
    r"""Element-wise :math:`\max(x, 0)`, with derivative 0 at 0 (PyTorch's choice).

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> rg.relu(x).sum().backward()
    >>> x.grad
    tensor([0., 0., 1.])
    """
    return ReLU.apply(input)


def abs(input: Tensor) -> Tensor:
    """Element-wise absolute value, with derivative 0 at 0 (PyTorch's choice).

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    >>> rg.abs(x).sum().backward()
    >>> x.grad
    tensor([-1.,  0.,  1.])
    """
    return Abs.apply(input)


def sqrt(input: Tensor) -> Tensor:
    """Element-wise square root.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.sqrt(rg.tensor([4.0, 9.0]))
    tensor([2., 3.])
    """
    return Sqrt.apply(_floating(input))


def clamp(input: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """Limit every element to ``[min, max]`` (either bound may be None), as ``torch.clamp``.

    The gradient passes where the input lies inside the bounds, boundaries included, and is 0
    where it was clipped (PyTorch's rule).

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([-2.0, 0.0, 0.5, 1.0, 3.0], requires_grad=True)
    >>> rg.clamp(x, min=0.0, max=1.0).sum().backward()
    >>> x.grad
    tensor([0., 1., 1., 1., 0.])
    """
    if min is None and max is None:
        raise ValueError("clamp: give at least one of min and max")
    # PyTorch's rule: the value is min(max(x, min), max), so max wins when min > max and NaN
    # stays NaN; the gradient passes where min <= x <= max, bounds included, NaN excluded.
    with np.errstate(invalid="ignore"):
        inside = np.ones(input.shape, dtype=bool)
        values = input.data
        if min is not None:
            inside &= input.data >= min
            values = np.maximum(values, min)
        if max is not None:
            inside &= input.data <= max
            values = np.minimum(values, max)
    return where(inside, input, Tensor(np.asarray(values, dtype=input.dtype)))


def where(condition: TensorLike, input: TensorLike, other: TensorLike) -> Tensor:
    """Choose ``input`` where ``condition`` is true and ``other`` elsewhere, with broadcasting.

    The gradient flows to ``input`` where the condition holds and to ``other`` elsewhere.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([-1.0, 2.0], requires_grad=True)
    >>> y = rg.where(x > 0, x, 0.0)
    >>> y
    tensor([0., 2.], grad_fn=<WhereBackward>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([0., 1.])
    """
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
    a, b = pair(input, other)
    broadcast_shapes("where", cond.shape, a.shape, b.shape)
    return Where.apply(cond, a, b)
