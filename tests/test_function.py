"""Custom ``Function``s: the ``ctx`` contract, ``apply``, and gradcheck catching wrong rules."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest

import refgrad as rg
from refgrad.autograd import Function, GradcheckError

# ---------------------------------------------------------------- a correct Function


class MulAdd(Function):
    """y = a * b + c, recording which gradients backward was asked for."""

    calls: ClassVar[list[tuple[bool, ...]]] = []

    @staticmethod
    def forward(ctx: Any, a: rg.Tensor, b: rg.Tensor, c: rg.Tensor, scale: float = 1.0) -> Any:
        assert not rg.is_grad_enabled()  # forward is never recorded
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return scale * (a.data * b.data + c.data)

    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        MulAdd.calls.append(ctx.needs_input_grad)
        a, b = ctx.saved_tensors
        grad_a = grad_output * b * ctx.scale if ctx.needs_input_grad[0] else None
        grad_b = grad_output * a * ctx.scale if ctx.needs_input_grad[1] else None
        grad_c = grad_output * ctx.scale if ctx.needs_input_grad[2] else None
        return grad_a, grad_b, grad_c


def test_apply_forward_and_backward(rng: np.random.Generator) -> None:
    a, b, c = (rg.tensor(rng.standard_normal(3), requires_grad=True) for _ in range(3))
    y = MulAdd.apply(a, b, c, scale=2.0)
    np.testing.assert_allclose(y.data, 2.0 * (a.data * b.data + c.data))
    assert y.grad_fn is not None and y.grad_fn.name() == "MulAddBackward"
    assert y.requires_grad and not y.is_leaf
    y.sum().backward()
    np.testing.assert_allclose(a.grad.data, 2.0 * b.data)
    np.testing.assert_allclose(b.grad.data, 2.0 * a.data)
    np.testing.assert_allclose(c.grad.data, np.full(3, 2.0))


def test_gradcheck_and_gradgradcheck_pass(rng: np.random.Generator) -> None:
    xs = [rg.tensor(rng.standard_normal((2, 3)), requires_grad=True) for _ in range(3)]
    assert rg.autograd.gradcheck(lambda a, b, c: MulAdd.apply(a, b, c, scale=-1.5), xs)
    assert rg.autograd.gradgradcheck(lambda a, b, c: MulAdd.apply(a, b, c, scale=-1.5), xs)


def test_needs_input_grad() -> None:
    MulAdd.calls.clear()
    a = rg.tensor([1.0, 2.0], requires_grad=True)
    b = rg.tensor([3.0, 4.0])
    c = rg.tensor([5.0, 6.0], requires_grad=True)
    y = MulAdd.apply(a, b, c)
    assert y.grad_fn.needs_input_grad == (True, False, True)
    y.sum().backward()
    assert MulAdd.calls == [(True, False, True)]
    assert b.grad is None
    np.testing.assert_array_equal(a.grad.data, b.data)


def test_no_input_requires_grad_means_no_graph() -> None:
    y = MulAdd.apply(rg.ones(2), rg.ones(2), rg.ones(2))
    assert not y.requires_grad and y.grad_fn is None
    with rg.no_grad():
        z = MulAdd.apply(rg.ones(2, requires_grad=True), rg.ones(2), rg.ones(2))
    assert not z.requires_grad and z.grad_fn is None


def test_saved_tensors_are_the_inputs() -> None:
    a = rg.tensor([1.0], requires_grad=True)
    b = rg.tensor([2.0])
    y = MulAdd.apply(a, b, rg.zeros(1))
    saved = y.grad_fn.saved_tensors
    assert saved[0] is a and saved[1] is b


# ---------------------------------------------------------------- saving the output


class Exp(Function):
    @staticmethod
    def forward(ctx: Any, x: rg.Tensor) -> Any:
        result = rg.tensor(np.exp(x.data))
        ctx.save_for_backward(result)  # the output itself: no reference cycle is made
        return result

    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        (result,) = ctx.saved_tensors
        return grad_output * result


def test_function_saving_its_output_supports_higher_derivatives() -> None:
    x = rg.tensor([0.3, -0.8], requires_grad=True)
    assert rg.autograd.gradcheck(Exp.apply, x)
    assert rg.autograd.gradgradcheck(Exp.apply, x)
    (g,) = rg.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
    (h,) = rg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.data, np.exp(x.data), rtol=1e-15)


class Identity(Function):
    @staticmethod
    def forward(ctx: Any, x: rg.Tensor) -> Any:
        return x  # returning an input: apply makes a new tensor for the result

    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        return grad_output


def test_returning_an_input_gives_a_new_tensor() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = Identity.apply(x)
    assert y is not x and x.is_leaf and x.grad_fn is None
    assert y.grad_fn is not None
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


# ---------------------------------------------------------------- lenient returns


class BroadcastGrad(Function):
    """Returns the gradient for a (1, 3) input at the output's broadcast shape (2, 3)."""

    @staticmethod
    def forward(ctx: Any, bias: rg.Tensor) -> Any:
        return np.broadcast_to(bias.data, (2, 3)).copy()

    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        return grad_output, None  # a trailing None for a non-existent input is allowed


def test_broadcast_gradient_is_summed_to_the_input_shape() -> None:
    bias = rg.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    BroadcastGrad.apply(bias).backward(rg.tensor(np.arange(6.0).reshape(2, 3)))
    np.testing.assert_array_equal(bias.grad.data, [[3.0, 5.0, 7.0]])


class Float64Grad(Function):
    @staticmethod
    def forward(ctx: Any, x: rg.Tensor) -> Any:
        return x.data * 2

    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        return rg.tensor(np.full(grad_output.shape, 2.0))  # float64, whatever the input


def test_gradient_is_cast_to_the_input_dtype() -> None:
    x = rg.tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    Float64Grad.apply(x).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


# ---------------------------------------------------------------- wrong rules are caught


class WrongSquare(Function):
    """Forward x**2, backward 3x: a wrong derivative."""

    @staticmethod
    def forward(ctx: Any, x: rg.Tensor) -> Any:
        ctx.save_for_backward(x)
        return x.data**2

    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x


class DetachedCube(Function):
    """Forward x**3 with a correct first derivative computed outside the graph.

    Its backward uses ``x.data``, so the gradient is a constant to autograd: first order is
    right, second order is wrong (zero instead of 6x). Only gradgradcheck can see that.
    """

    @staticmethod
    def forward(ctx: Any, x: rg.Tensor) -> Any:
        ctx.save_for_backward(x)
        return x.data**3

    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        (x,) = ctx.saved_tensors
        return grad_output * rg.tensor(3 * x.data**2)


def test_gradcheck_catches_a_wrong_backward() -> None:
    x = rg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    with pytest.raises(GradcheckError, match="Jacobian mismatch") as error:
        rg.autograd.gradcheck(WrongSquare.apply, x)
    assert isinstance(error.value, RuntimeError)
    assert rg.autograd.gradcheck(WrongSquare.apply, x, raise_exception=False) is False


def test_gradgradcheck_catches_a_non_differentiable_backward() -> None:
    x = rg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    assert rg.autograd.gradcheck(DetachedCube.apply, x)
    assert rg.autograd.gradgradcheck(DetachedCube.apply, x, raise_exception=False) is False
    with pytest.raises(GradcheckError):
        rg.autograd.gradgradcheck(DetachedCube.apply, x)


def test_gradcheck_is_sensitive_to_small_errors() -> None:
    class SlightlyOff(Function):
        @staticmethod
        def forward(ctx: Any, x: rg.Tensor) -> Any:
            ctx.save_for_backward(x)
            return np.sin(x.data)

        @staticmethod
        def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
            (x,) = ctx.saved_tensors
            return grad_output * rg.tensor(np.cos(x.data) * 1.01)

    x = rg.tensor([0.2, 1.1], requires_grad=True)
    assert rg.autograd.gradcheck(SlightlyOff.apply, x, raise_exception=False) is False
