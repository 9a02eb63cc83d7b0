"""Broadcasting and its adjoint ``unbroadcast``, with properties checked on random shapes.

The defining property of ``unbroadcast`` is that it is the adjoint (transpose) of broadcasting:
for every ``x`` of the operand's shape and every ``g`` of the broadcast shape,

    <broadcast(x), g> = <x, unbroadcast(g)>.

That, and the explicit column-by-column construction of the same linear map, pin it down
independently of how it is implemented.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import refgrad as rg
from refgrad.broadcast import broadcast_shapes

Shape = tuple[int, ...]

sizes = st.integers(min_value=0, max_value=4)


@st.composite
def operand_and_target(draw: st.DrawFn, min_size: int = 0) -> tuple[Shape, Shape]:
    """Draw a shape and a shape it broadcasts to: drop leading axes, then set some sizes to 1."""
    target = tuple(draw(st.lists(st.integers(min_size, 4), max_size=4)))
    kept = draw(st.integers(0, len(target)))
    tail = target[len(target) - kept :]
    operand = tuple(1 if draw(st.booleans()) else n for n in tail)
    return operand, target


def broadcasts_to(shape: Shape, target: Shape) -> bool:
    """NumPy's rule, written out: aligned from the right, each size equal or 1."""
    if len(shape) > len(target):
        return False
    return all(s in (t, 1) for s, t in zip(shape[::-1], target[::-1], strict=False))


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail (instead of hanging) if the block runs longer than ``seconds``."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------- unbroadcast


def test_doc_examples() -> None:
    grad = np.ones((2, 3))
    np.testing.assert_array_equal(rg.unbroadcast(grad, (3,)), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(rg.unbroadcast(grad, (2, 1)), [[3.0], [3.0]])
    assert rg.unbroadcast(np.ones((4, 2, 3)), (1, 3), to_keep=1).shape == (1, 3)
    assert rg.unbroadcast(np.ones((4, 2, 3)), (2, 1), to_keep=1).shape == (2, 3)
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        rg.unbroadcast(np.ones(3), (4,))


def test_values_by_hand() -> None:
    g = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(rg.unbroadcast(g, (4,)), g.sum(axis=(0, 1)))
    np.testing.assert_array_equal(rg.unbroadcast(g, (3, 1)), g.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(rg.unbroadcast(g, (1, 1, 1)), [[[g.sum()]]])
    np.testing.assert_array_equal(rg.unbroadcast(g, ()), g.sum())
    np.testing.assert_array_equal(rg.unbroadcast(g, (2, 3, 4)), g)


@given(operand_and_target(), st.integers(0, 2**32 - 1))
def test_unbroadcast_is_the_adjoint_of_broadcasting(shapes: tuple[Shape, Shape], seed: int) -> None:
    shape, target = shapes
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    g = rng.standard_normal(target)
    reduced = rg.unbroadcast(g, shape)
    assert reduced.shape == shape
    lhs = np.sum(np.broadcast_to(x, target) * g)
    rhs = np.sum(x * reduced)
    assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12)


@given(operand_and_target(), st.integers(0, 2**32 - 1))
def test_unbroadcast_sums_the_copies_of_each_element(
    shapes: tuple[Shape, Shape], seed: int
) -> None:
    # Element j of the operand is copied to the positions where broadcasting the unit vector
    # e_j gives 1; its gradient is the sum of g over exactly those positions.
    shape, target = shapes
    g = np.random.default_rng(seed).standard_normal(target)
    reduced = rg.unbroadcast(g, shape)
    size = int(np.prod(shape))
    expected = np.empty(size)
    for j in range(size):
        unit = np.zeros(size)
        unit[j] = 1.0
        copies = np.broadcast_to(unit.reshape(shape), target)
        expected[j] = g[copies == 1].sum()
    np.testing.assert_allclose(reduced.reshape(-1), expected, rtol=1e-12, atol=1e-12)


@given(operand_and_target(), st.data())
def test_to_keep_leaves_the_last_axes_unreduced(
    shapes: tuple[Shape, Shape], data: st.DataObject
) -> None:
    shape, target = shapes
    k = data.draw(st.integers(0, len(shape)), label="to_keep")
    # The last k sizes of `shape` are ignored: make them anything.
    free = tuple(data.draw(st.lists(sizes, min_size=k, max_size=k), label="ignored sizes"))
    given_shape = shape[: len(shape) - k] + free
    g = np.random.default_rng(0).standard_normal(target)
    reduced = rg.unbroadcast(g, given_shape, to_keep=k)
    kept = target[len(target) - k :] if k else ()
    assert reduced.shape == shape[: len(shape) - k] + kept
    # The same as reducing to a shape whose last k sizes are the gradient's own.
    np.testing.assert_allclose(reduced, rg.unbroadcast(g, reduced.shape), rtol=1e-12, atol=1e-12)


@given(
    st.lists(sizes, max_size=4).map(tuple),
    st.lists(sizes, max_size=4).map(tuple),
)
def test_shapes_broadcasting_cannot_produce_raise(shape: Shape, target: Shape) -> None:
    g = np.zeros(target)
    with time_limit(2.0):
        if broadcasts_to(shape, target):
            assert rg.unbroadcast(g, shape).shape == shape
        else:
            with pytest.raises(ValueError) as error:
                rg.unbroadcast(g, shape)
            message = str(error.value)
            assert str(target) in message and str(shape) in message
            assert isinstance(error.value, RuntimeError)  # rg.ShapeError: both bases


def test_to_keep_out_of_range_raises() -> None:
    with pytest.raises(ValueError, match="to_keep"):
        rg.unbroadcast(np.ones((2, 3)), (3,), to_keep=2)
    with pytest.raises(ValueError, match="to_keep"):
        rg.unbroadcast(np.ones((2, 3)), (3,), to_keep=-1)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@given(shapes=operand_and_target())
def test_unbroadcast_keeps_the_dtype(dtype: type, shapes: tuple[Shape, Shape]) -> None:
    shape, target = shapes
    assert rg.unbroadcast(np.ones(target, dtype=dtype), shape).dtype == dtype


# ---------------------------------------------------------------- broadcasting in ops


@st.composite
def broadcastable_pair(draw: st.DrawFn) -> tuple[Shape, Shape]:
    """Two shapes that broadcast together (each derived from a common target), sizes >= 1."""
    a, target = draw(operand_and_target(min_size=1))
    kept = draw(st.integers(0, len(target)))
    b = tuple(1 if draw(st.booleans()) else n for n in target[len(target) - kept :])
    return (a, b) if draw(st.booleans()) else (b, a)


def test_broadcast_shapes() -> None:
    assert broadcast_shapes("add", (2, 1, 3), (4, 1)) == (2, 4, 3)
    assert broadcast_shapes("add", (), (3,)) == (3,)
    with pytest.raises(rg.ShapeError, match=r"add.*\(2, 3\).*\(4,\)"):
        broadcast_shapes("add", (2, 3), (4,))


@given(broadcastable_pair())
def test_broadcast_shapes_agrees_with_numpy(shapes: tuple[Shape, Shape]) -> None:
    assert broadcast_shapes("op", *shapes) == np.broadcast_shapes(*shapes)


@given(broadcastable_pair(), st.sampled_from(["add", "mul", "sub", "div"]), st.integers(0, 2**16))
def test_binary_op_gradients_have_operand_shapes_and_match_finite_differences(
    shapes: tuple[Shape, Shape], name: str, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    a = rg.tensor(rng.uniform(0.5, 2.0, shapes[0]), requires_grad=True)
    b = rg.tensor(rng.uniform(0.5, 2.0, shapes[1]), requires_grad=True)
    op = getattr(rg, name)
    out = op(a, b)
    assert out.shape == np.broadcast_shapes(*shapes)
    out.backward(rg.tensor(rng.standard_normal(out.shape)))
    assert a.grad is not None and a.grad.shape == a.shape
    assert b.grad is not None and b.grad.shape == b.shape
    assert rg.autograd.gradcheck(op, [a, b])


@given(broadcastable_pair(), st.integers(0, 2**16))
def test_add_and_mul_gradients_in_closed_form(shapes: tuple[Shape, Shape], seed: int) -> None:
    rng = np.random.default_rng(seed)
    a_val, b_val = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    target = np.broadcast_shapes(*shapes)
    g = rng.standard_normal(target)

    def reduce_to(value: np.ndarray, shape: Shape) -> np.ndarray:
        # Sum over leading axes, then over axes where the operand had size 1 (written by hand).
        value = value.sum(axis=tuple(range(value.ndim - len(shape))))
        ones = tuple(i for i, n in enumerate(shape) if n == 1)
        return value.sum(axis=ones, keepdims=True)

    a = rg.tensor(a_val, requires_grad=True)
    b = rg.tensor(b_val, requires_grad=True)
    rg.add(a, b).backward(rg.tensor(g))
    np.testing.assert_allclose(a.grad.data, reduce_to(g, shapes[0]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.grad.data, reduce_to(g, shapes[1]), rtol=1e-12, atol=1e-12)

    a.grad = b.grad = None
    rg.mul(a, b).backward(rg.tensor(g))
    expected_a = reduce_to(g * np.broadcast_to(b_val, target), shapes[0])
    expected_b = reduce_to(g * np.broadcast_to(a_val, target), shapes[1])
    np.testing.assert_allclose(a.grad.data, expected_a, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.grad.data, expected_b, rtol=1e-12, atol=1e-12)


def test_sum_to_is_differentiable() -> None:
    x = rg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = rg.sum_to(x, (3,))
    np.testing.assert_array_equal(y.data, [3.0, 5.0, 7.0])
    assert rg.autograd.gradcheck(lambda t: rg.sum_to(t, (1, 3)), [x])
    assert rg.autograd.gradgradcheck(lambda t: rg.sum_to(t * t, (2, 1)), [x])


def test_broadcast_to_and_expand() -> None:
    b = rg.tensor([1.0, 2.0], requires_grad=True)
    y = b.expand(3, -1)
    assert y.shape == (3, 2)
    (y * rg.tensor(np.arange(6.0).reshape(3, 2))).sum().backward()
    np.testing.assert_array_equal(b.grad.data, [6.0, 9.0])
    with pytest.raises(ValueError, match=r"\(2,\).*\(3, 3\)"):
        rg.broadcast_to(b, (3, 3))
