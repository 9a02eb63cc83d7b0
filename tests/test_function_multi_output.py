"""Custom Functions as in PyTorch 2.x: several outputs, setup_context, keywords, ctx's marks.

* ``forward`` may return a tuple; ``backward`` then gets one gradient per output: zeros for an
  output that was not used, or None after ``ctx.set_materialize_grads(False)``.
* ``forward(*args)`` with ``@staticmethod setup_context(ctx, inputs, output)``; ``apply`` takes
  keyword arguments (torch binds them, and defaults, to positions: ``inputs`` has them all).
* ``@once_differentiable`` on ``backward``; ``ctx.mark_dirty`` for a Function that changes its
  input in place; ``ctx.mark_non_differentiable``.
* A Python number given to an op never becomes a tensor that other code can change.

Expected numbers follow from the math and were checked with torch 2.13 on the same programs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
import pytest

import refgrad as rg


def assert_values(t: rg.Tensor | None, expected: Any) -> None:
    assert t is not None
    np.testing.assert_allclose(t.detach().numpy(), expected, rtol=1e-13, atol=1e-13)


X = np.array([1.0, 2.0])
Y = np.array([3.0, -1.0])


def leaves() -> tuple[rg.Tensor, rg.Tensor]:
    return rg.tensor(X, requires_grad=True), rg.tensor(Y, requires_grad=True)


# ---------------------------------------------------------------- several outputs


class ProductAndSum(rg.autograd.Function):
    """(a, b) = (x y, x + y²); backward records the gradients it was given."""

    seen: ClassVar[list[tuple[Any, Any]]] = []
    materialize: ClassVar[bool] = True

    @staticmethod
    def forward(ctx: Any, x: rg.Tensor, y: rg.Tensor) -> Any:
        ctx.set_materialize_grads(ProductAndSum.materialize)
        ctx.save_for_backward(x, y)
        return x * y, x + y * y

    @staticmethod
    def backward(ctx: Any, grad_a: rg.Tensor | None, grad_b: rg.Tensor | None) -> Any:
        ProductAndSum.seen.append((grad_a, grad_b))
        x, y = ctx.saved_tensors
        grad_x, grad_y = rg.zeros_like(x), rg.zeros_like(y)
        if grad_a is not None:
            grad_x, grad_y = grad_x + grad_a * y, grad_y + grad_a * x
        if grad_b is not None:
            grad_x, grad_y = grad_x + grad_b, grad_y + grad_b * 2 * y
        return grad_x, grad_y


@pytest.fixture(autouse=True)
def _fresh_records() -> Iterator[None]:
    ProductAndSum.seen.clear()
    yield
    ProductAndSum.materialize = True


def test_two_outputs_both_used() -> None:
    x, y = leaves()
    result = ProductAndSum.apply(x, y)
    assert isinstance(result, tuple) and len(result) == 2
    a, b = result
    assert_values(a, X * Y)
    assert_values(b, X + Y**2)
    assert a.requires_grad and b.requires_grad and a.grad_fn is b.grad_fn
    (a.sum() + 10 * b.sum()).backward()
    ((grad_a, grad_b),) = ProductAndSum.seen
    assert_values(grad_a, [1.0, 1.0])
    assert_values(grad_b, [10.0, 10.0])
    assert_values(x.grad, Y + 10)  # d/dx (x y + 10 (x + y²))
    assert_values(y.grad, X + 20 * Y)


def test_an_unused_output_gets_zeros() -> None:
    x, y = leaves()
    a, _ = ProductAndSum.apply(x, y)
    a.sum().backward()
    ((grad_a, grad_b),) = ProductAndSum.seen
    assert_values(grad_a, [1.0, 1.0])
    assert isinstance(grad_b, rg.Tensor)
    assert_values(grad_b, [0.0, 0.0])
    assert_values(x.grad, Y)
    assert_values(y.grad, X)


def test_an_unused_output_gets_none_without_materialized_grads() -> None:
    ProductAndSum.materialize = False
    x, y = leaves()
    _, b = ProductAndSum.apply(x, y)
    b.sum().backward()
    ((grad_a, grad_b),) = ProductAndSum.seen
    assert grad_a is None
    assert_values(grad_b, [1.0, 1.0])
    assert_values(x.grad, [1.0, 1.0])
    assert_values(y.grad, 2 * Y)


def test_gradcheck_of_a_two_output_function() -> None:
    assert rg.autograd.gradcheck(ProductAndSum.apply, leaves())


def test_a_non_differentiable_output() -> None:
    class SortWithIndices(rg.autograd.Function):
        seen: ClassVar[list[Any]] = []

        @staticmethod
        def forward(ctx: Any, x: rg.Tensor) -> Any:
            indices = rg.tensor(np.argsort(x.detach().numpy()))
            ctx.mark_non_differentiable(indices)
            ctx.save_for_backward(indices)
            return x[indices], indices

        @staticmethod
        def backward(ctx: Any, grad_values: rg.Tensor, grad_indices: Any) -> Any:
            SortWithIndices.seen.append(grad_indices)
            (indices,) = ctx.saved_tensors
            grad_x = rg.zeros_like(grad_values)
            grad_x[indices] = grad_values
            return grad_x

    x = rg.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, indices = SortWithIndices.apply(x)
    assert values.requires_grad and values.grad_fn is not None
    assert not indices.requires_grad and indices.grad_fn is None
    assert indices.tolist() == [1, 2, 0]
    (values * rg.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert_values(x.grad, [100.0, 1.0, 10.0])  # x[0] = 3 is the largest, weighted by 100
    (grad_indices,) = SortWithIndices.seen
    assert_values(grad_indices, [0, 0, 0])  # materialized, as torch does


def test_the_only_output_non_differentiable() -> None:
    class Half(rg.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: rg.Tensor) -> Any:
            out = x * 0.5
            ctx.mark_non_differentiable(out)
            return out

        @staticmethod
        def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
            return grad_output

    out = Half.apply(rg.tensor(X, requires_grad=True))
    assert not out.requires_grad and out.grad_fn is None and out.is_leaf
    with pytest.raises(RuntimeError, match="does not require grad"):
        out.sum().backward()


# ---------------------------------------------------------------- setup_context and keywords


class ScaledProduct(rg.autograd.Function):
    """forward(x, y, scale=1.0) = scale x y, in the setup_context style."""

    inputs_seen: ClassVar[list[tuple[Any, ...]]] = []

    @staticmethod
    def forward(x: rg.Tensor, y: rg.Tensor, scale: float = 1.0) -> Any:
        return x * y * scale

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        ScaledProduct.inputs_seen.append(inputs)
        assert isinstance(output, rg.Tensor)
        x, y, scale = inputs
        ctx.save_for_backward(x, y)
        ctx.scale = scale

    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        x, y = ctx.saved_tensors
        return grad_output * y * ctx.scale, grad_output * x * ctx.scale, None


def test_setup_context_style() -> None:
    ScaledProduct.inputs_seen.clear()
    x, y = leaves()
    out = ScaledProduct.apply(x, y, 2.0)
    assert_values(out, 2 * X * Y)
    assert out.grad_fn is not None
    out.sum().backward()
    assert_values(x.grad, 2 * Y)
    assert_values(y.grad, 2 * X)
    ((seen_x, seen_y, seen_scale),) = ScaledProduct.inputs_seen
    assert seen_x is x and seen_y is y and seen_scale == 2.0


def test_setup_context_gets_keyword_and_default_arguments_in_place() -> None:
    ScaledProduct.inputs_seen.clear()
    x, y = leaves()
    keyword = ScaledProduct.apply(x, y, scale=3.0)
    default = ScaledProduct.apply(x, y)
    assert_values(keyword, 3 * X * Y)
    assert_values(default, X * Y)
    assert [inputs[2] for inputs in ScaledProduct.inputs_seen] == [3.0, 1.0]
    (keyword.sum() + default.sum()).backward()
    assert_values(x.grad, 4 * Y)


def test_gradcheck_of_a_setup_context_function() -> None:
    assert rg.autograd.gradcheck(lambda a, b: ScaledProduct.apply(a, b, scale=-1.5), leaves())


def test_keyword_arguments_with_ctx_in_forward() -> None:
    class Scale(rg.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: rg.Tensor, scale: float = 1.0) -> Any:
            ctx.scale = scale
            return x * scale

        @staticmethod
        def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
            return grad_output * ctx.scale, None  # one gradient per input, keywords included

    x = rg.tensor(X, requires_grad=True)
    out = Scale.apply(x, scale=3.0)
    assert_values(out, 3 * X)
    out.sum().backward()
    assert_values(x.grad, [3.0, 3.0])


def test_a_tensor_given_by_keyword_gets_its_gradient() -> None:
    class Product(rg.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: rg.Tensor, other: rg.Tensor | None = None) -> Any:
            ctx.save_for_backward(x, other)
            return x * other

        @staticmethod
        def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
            x, other = ctx.saved_tensors
            return grad_output * other, grad_output * x

    x, w = leaves()
    out = Product.apply(x, other=w)
    assert out.grad_fn is not None
    out.sum().backward()
    assert_values(x.grad, Y)
    assert_values(w.grad, X)


# ---------------------------------------------------------------- once_differentiable


def once_cube(grad_mode_in_backward: list[bool]) -> Any:
    """x³ with a first-order-only backward (built in the test: the decorator may be missing)."""

    class OnceCube(rg.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: rg.Tensor) -> Any:
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        @rg.autograd.function.once_differentiable
        def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
            grad_mode_in_backward.append(rg.is_grad_enabled())
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x * x

    return OnceCube


def test_once_differentiable_first_order() -> None:
    grad_mode: list[bool] = []
    x = rg.tensor(X, requires_grad=True)
    once_cube(grad_mode).apply(x).sum().backward()
    assert_values(x.grad, 3 * X**2)
    assert grad_mode == [False]


def test_once_differentiable_refuses_double_backward() -> None:
    grad_mode: list[bool] = []
    x = rg.tensor(X, requires_grad=True)
    y = (once_cube(grad_mode).apply(x) ** 2).sum()  # the gradient reaching it requires grad
    (g,) = rg.autograd.grad(y, x, create_graph=True)
    assert_values(g, 6 * X**5)  # 2 x³ · 3x²
    assert g.requires_grad
    assert grad_mode == [False]  # even with create_graph
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()


# ---------------------------------------------------------------- mark_dirty


class DoubleInPlace(rg.autograd.Function):
    @staticmethod
    def forward(ctx: Any, t: rg.Tensor) -> Any:
        t.mul_(2)
        ctx.mark_dirty(t)
        return t

    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        return grad_output * 2


def test_mark_dirty_on_a_non_leaf() -> None:
    w = rg.tensor(X, requires_grad=True)
    a = w * 1
    out = DoubleInPlace.apply(a)
    assert out is a  # the changed input is the output
    assert_values(a, 2 * X)
    assert a.grad_fn is not None and not a.is_leaf and a._version > 0
    (out * out).sum().backward()
    assert_values(w.grad, 8 * X)  # d(4 w²)/dw


def test_mark_dirty_on_a_plain_tensor() -> None:
    p = rg.tensor([1.0, 3.0])
    out = DoubleInPlace.apply(p)
    assert out is p and not out.requires_grad
    assert_values(p, [2.0, 6.0])


def test_mark_dirty_on_a_leaf_that_requires_grad_raises() -> None:
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        DoubleInPlace.apply(rg.tensor(X, requires_grad=True))


def test_mark_dirty_on_a_saved_output_is_caught_in_backward() -> None:
    a = rg.tensor(X, requires_grad=True).exp()  # Exp saves its output a
    out = DoubleInPlace.apply(a)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


# ---------------------------------------------------------------- numbers stay numbers


class Scribble(rg.autograd.Function):
    """x * c; if c arrives as a tensor, forward and backward write into it."""

    @staticmethod
    def forward(ctx: Any, x: rg.Tensor, c: Any) -> Any:
        ctx.c = c
        result = x * c
        if isinstance(c, rg.Tensor):
            c.add_(1000)
        return result

    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        grad = grad_output * ctx.c
        if isinstance(ctx.c, rg.Tensor):
            with rg.no_grad():
                ctx.c.mul_(-1)
        return grad, None


def test_a_function_writing_into_its_second_input_leaves_constants_alone() -> None:
    t = rg.tensor(X, requires_grad=True)
    before = t * 2.0
    out = Scribble.apply(t, 2.0)
    out.sum().backward()
    assert_values(out, 2 * X)
    assert_values(t.grad, [2.0, 2.0])
    t.grad = None
    before.sum().backward()  # the 2.0 saved by this multiplication is still 2
    assert_values(t.grad, [2.0, 2.0])
    assert_values(t * 2.0, 2 * X)
    assert_values(t + 2.0, X + 2)
