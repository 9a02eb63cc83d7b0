"""``Tensor`` and the functions that make and combine tensors: dtypes, attributes, operators."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import refgrad as rg

# ---------------------------------------------------------------- dtype rules


def test_python_floats_give_float64_by_default() -> None:
    assert rg.get_default_dtype() == np.float64
    assert rg.tensor(1.5).dtype == np.float64
    assert rg.tensor([1.0, 2.0]).dtype == np.float64
    assert rg.tensor([1, 2.5]).dtype == np.float64
    assert rg.zeros(2).dtype == rg.ones(2).dtype == rg.randn(2).dtype == np.float64


def test_set_default_dtype_changes_new_float_tensors() -> None:
    # conftest restores the default after each test, even if this one fails.
    rg.set_default_dtype(rg.float32)
    assert rg.get_default_dtype() == np.float32
    assert rg.tensor([1.0, 2.0]).dtype == np.float32
    assert rg.zeros(2).dtype == np.float32
    assert rg.randn(3).dtype == np.float32
    assert rg.tensor([1, 2]).dtype == np.int64  # integers are not affected
    assert rg.tensor(np.ones(2)).dtype == np.float64  # arrays keep their dtype
    with pytest.raises(TypeError, match="floating-point"):
        rg.set_default_dtype(rg.int64)


def test_float32_arrays_stay_float32_and_so_do_their_gradients() -> None:
    x = rg.tensor(np.array([1.0, -2.0], dtype=np.float32), requires_grad=True)
    y = (x * x + x.exp()).sum()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad is not None and x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, 2 * x.data + np.exp(x.data), rtol=1e-6)


def test_ints_stay_int64_and_cannot_require_grad() -> None:
    assert rg.tensor([1, 2]).dtype == np.int64
    assert rg.tensor(3).dtype == np.int64
    assert rg.arange(3).dtype == np.int64
    with pytest.raises(RuntimeError, match="only floating point tensors can require gradients"):
        rg.tensor([1, 2], requires_grad=True)
    t = rg.tensor([1, 2])
    with pytest.raises(RuntimeError, match="only floating point tensors can require gradients"):
        t.requires_grad = True
    assert not t.requires_grad


def test_bool_data() -> None:
    assert rg.tensor([True, False]).dtype == np.bool_


def test_explicit_dtype() -> None:
    assert rg.tensor([1, 2], dtype=rg.float32).dtype == np.float32
    assert rg.tensor([1.7], dtype=rg.int64).dtype == np.int64
    assert rg.zeros(2, dtype=rg.float32).dtype == np.float32


def test_tensor_copies_its_data() -> None:
    a = np.array([1.0, 2.0])
    t = rg.tensor(a)
    a[0] = 100.0
    assert t.data[0] == 1.0


# ---------------------------------------------------------------- attributes


def test_data_is_a_writable_numpy_array() -> None:
    w = rg.tensor([1.0, 2.0], requires_grad=True)
    assert isinstance(w.data, np.ndarray)
    w.data -= 0.5  # a hand-written SGD step
    w.data[1] = 7.0
    np.testing.assert_array_equal(w.data, [0.5, 7.0])
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [1.0, 14.0])


def test_numpy_and_item() -> None:
    t = rg.tensor([[1.0, 2.0]])
    assert isinstance(t.numpy(), np.ndarray)
    np.testing.assert_array_equal(t.numpy(), [[1.0, 2.0]])
    assert rg.tensor([[2.5]]).item() == 2.5
    assert isinstance(rg.tensor(3).item(), int)
    assert isinstance(rg.tensor(3.0).item(), float)
    with pytest.raises(RuntimeError, match="detach"):
        rg.tensor([1.0], requires_grad=True).numpy()
    with pytest.raises(RuntimeError, match="3 elements"):
        rg.tensor([1.0, 2.0, 3.0]).item()


def test_shape_dtype_ndim_is_leaf_grad_fn() -> None:
    x = rg.tensor(np.zeros((2, 3, 4)), requires_grad=True)
    assert x.shape == (2, 3, 4) and x.ndim == 3 and x.dim() == 3 and x.numel() == 24
    assert x.size() == (2, 3, 4) and x.size(-1) == 4
    assert x.dtype == np.float64
    assert x.is_leaf and x.grad_fn is None and x.grad is None
    y = x.sum()
    assert not y.is_leaf
    assert y.grad_fn is not None and y.grad_fn.name() == "SumBackward"
    assert y.shape == () and y.ndim == 0


def test_transpose_property() -> None:
    a = np.arange(6.0).reshape(2, 3)
    x = rg.tensor(a, requires_grad=True)
    assert x.T.shape == (3, 2)
    np.testing.assert_array_equal(x.T.data, a.T)
    g = np.arange(6.0).reshape(3, 2)
    x.T.backward(rg.tensor(g))
    np.testing.assert_array_equal(x.grad.data, g.T)
    b = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(rg.tensor(b).T.data, b.transpose(2, 1, 0))


def test_len_and_iteration() -> None:
    x = rg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert len(x) == 3
    rows = list(x)
    assert len(rows) == 3 and rows[2].tolist() == [5.0, 6.0]


# ---------------------------------------------------------------- operators


SCALAR_EXPRESSIONS: dict[str, Any] = {
    "x + 2": lambda x: x + 2,
    "2 + x": lambda x: 2 + x,
    "x - 1.5": lambda x: x - 1.5,
    "1.5 - x": lambda x: 1.5 - x,
    "x * 3": lambda x: x * 3,
    "3.0 * x": lambda x: 3.0 * x,
    "x / 2": lambda x: x / 2,
    "2 / x": lambda x: 2 / x,
    "x ** 2": lambda x: x**2,
    "2 ** x": lambda x: 2**x,
    "-x": lambda x: -x,
}


@pytest.mark.parametrize("expression", list(SCALAR_EXPRESSIONS))
def test_python_scalars_keep_float32(expression: str) -> None:
    f = SCALAR_EXPRESSIONS[expression]
    a = np.array([0.5, 1.5], dtype=np.float32)
    x = rg.tensor(a, requires_grad=True)
    y = f(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, f(a.astype(np.float64)), rtol=1e-6)
    y.sum().backward()
    assert x.grad is not None and x.grad.dtype == np.float32


def test_comparisons_give_bool_tensors_without_grad() -> None:
    x = rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in [
        (x > 2.0, [False, False, True]),
        (x >= 2.0, [False, True, True]),
        (x < 2.0, [True, False, False]),
        (x <= 2.0, [True, True, False]),
        (x == 2.0, [False, True, False]),
        (x != 2.0, [True, False, True]),
        (x > rg.tensor([0.0, 5.0, 3.0]), [True, False, False]),
    ]:
        assert result.dtype == np.bool_
        assert not result.requires_grad and result.grad_fn is None
        np.testing.assert_array_equal(result.data, expected)


def test_matmul_operator() -> None:
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal((rg.tensor(a) @ rg.tensor(b)).data, a @ b)


# ---------------------------------------------------------------- indexing


def test_index_with_slices() -> None:
    a = np.arange(12.0).reshape(3, 4)
    x = rg.tensor(a, requires_grad=True)
    y = x[1:, ::2]
    np.testing.assert_array_equal(y.data, a[1:, ::2])
    y.sum().backward()
    expected = np.zeros((3, 4))
    expected[1:, ::2] = 1
    np.testing.assert_array_equal(x.grad.data, expected)


def test_repeated_indices_accumulate() -> None:
    x = rg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    x[[0, 0, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 1.0, 0.0, 0.0])


def test_index_with_integer_tensor_and_mask() -> None:
    a = np.arange(5.0)
    x = rg.tensor(a, requires_grad=True)
    idx = rg.tensor([4, 1, 4])
    np.testing.assert_array_equal(x[idx].data, a[[4, 1, 4]])
    mask = x > 2.0
    selected = x[mask]
    np.testing.assert_array_equal(selected.data, [3.0, 4.0])
    (x[idx].sum() + selected.sum()).backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0, 1.0, 3.0])


def test_integer_and_array_separated_by_slice_follow_pytorch() -> None:
    # PyTorch applies the integer first: x[1, :, [0, 1, 1]] is x[1][:, [0, 1, 1]], shape (3, 3)
    # with the sliced axis first (NumPy alone would put the array's axis first).
    a = np.arange(12.0).reshape(2, 3, 2)
    x = rg.tensor(a, requires_grad=True)
    y = x[1, :, [0, 1, 1]]
    np.testing.assert_array_equal(y.data, a[1][:, [0, 1, 1]])
    y.sum().backward()
    expected = np.zeros((2, 3, 2))
    expected[1, :, 0] = 1
    expected[1, :, 1] = 2
    np.testing.assert_array_equal(x.grad.data, expected)


# ---------------------------------------------------------------- joining, choosing, making


def test_cat() -> None:
    a, b = np.ones((2, 3)), np.arange(3.0).reshape(1, 3)
    x, y = rg.tensor(a, requires_grad=True), rg.tensor(b, requires_grad=True)
    out = rg.cat([x, y], dim=0)
    np.testing.assert_array_equal(out.data, np.concatenate([a, b]))
    weights = np.arange(9.0).reshape(3, 3)
    (out * rg.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, weights[:2])
    np.testing.assert_array_equal(y.grad.data, weights[2:])
    assert rg.cat([x, x], dim=-1).shape == (2, 6)


def test_stack() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = rg.tensor([3.0, 4.0], requires_grad=True)
    out = rg.stack([x, y], dim=1)
    np.testing.assert_array_equal(out.data, [[1.0, 3.0], [2.0, 4.0]])
    (out * rg.tensor([[1.0, 10.0], [2.0, 20.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 2.0])
    np.testing.assert_array_equal(y.grad.data, [10.0, 20.0])


def test_where() -> None:
    x = rg.tensor([-1.0, 2.0, -3.0], requires_grad=True)
    y = rg.tensor([10.0, 20.0, 30.0], requires_grad=True)
    out = rg.where(x > 0, x, y)
    np.testing.assert_array_equal(out.data, [10.0, 2.0, 30.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(y.grad.data, [1.0, 0.0, 1.0])


def test_where_broadcasts_a_scalar_and_sums_its_gradient() -> None:
    b = rg.tensor(5.0, requires_grad=True)
    out = rg.where(rg.tensor([True, False, False]), rg.tensor([1.0, 2.0, 3.0]), b)
    out.sum().backward()
    assert b.grad is not None and b.grad.shape == () and b.grad.item() == 2.0


def test_factories() -> None:
    assert rg.zeros(2, 3).shape == (2, 3) and not rg.zeros(2, 3).data.any()
    assert rg.zeros((2, 3)).shape == (2, 3)
    assert (rg.ones(4).data == 1).all()
    assert rg.zeros(2, requires_grad=True).requires_grad
    assert rg.randn(3, 4).shape == (3, 4)


def test_manual_seed_makes_draws_reproducible() -> None:
    rg.manual_seed(0)
    a = rg.randn(5)
    b = rg.randn(5)
    rg.manual_seed(0)
    np.testing.assert_array_equal(rg.randn(5).data, a.data)
    np.testing.assert_array_equal(rg.randn(5).data, b.data)
    assert not np.array_equal(a.data, b.data)
    rg.manual_seed(1)
    assert not np.array_equal(rg.randn(5).data, a.data)


def test_randn_looks_standard_normal() -> None:
    rg.manual_seed(3)
    x = rg.randn(100_000).data
    assert abs(x.mean()) < 0.02 and abs(x.std() - 1) < 0.02


def test_no_grad_in_tensor_code() -> None:
    w = rg.tensor([1.0, 2.0], requires_grad=True)
    with rg.no_grad():
        w -= 0.5 * w  # in-place update of a leaf: allowed under no_grad
    np.testing.assert_array_equal(w.data, [0.5, 1.0])
    assert w.is_leaf and w.requires_grad
    with pytest.raises(RuntimeError, match="no_grad"):
        w += 1.0


# ---------------------------------------------------------------- reductions and shapes


REDUCTIONS: list[tuple[str, Any, Any]] = [
    ("sum", lambda x, **kw: x.sum(**kw), np.sum),
    ("mean", lambda x, **kw: x.mean(**kw), np.mean),
    ("max", lambda x, **kw: x.amax(**kw), np.max),
]


@pytest.mark.parametrize(("name", "ours", "numpy_reduction"), REDUCTIONS, ids=lambda v: str(v))
@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 2), (-1, 0), (0, 1, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_reduction_dims(
    name: str, ours: Any, numpy_reduction: Any, dim: Any, keepdim: bool, rng: np.random.Generator
) -> None:
    a = rng.standard_normal((2, 3, 4))
    x = rg.tensor(a, requires_grad=True)
    kwargs = {} if dim is None and not keepdim else {"dim": dim, "keepdim": keepdim}
    out = ours(x, **kwargs)
    axis = tuple(d % 3 for d in dim) if isinstance(dim, tuple) else dim
    expected = numpy_reduction(a, axis=axis, keepdims=keepdim)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-14)
    out.sum().backward()
    assert x.grad is not None and x.grad.shape == a.shape
    if name == "sum":
        np.testing.assert_array_equal(x.grad.data, np.ones_like(a))
    elif name == "mean":
        np.testing.assert_allclose(x.grad.data, np.full_like(a, expected.size / a.size))
    else:  # distinct values: one winner per reduced group
        winners = a == numpy_reduction(a, axis=axis, keepdims=True)
        np.testing.assert_array_equal(x.grad.data, winners.astype(float))


def test_max_forms() -> None:
    a = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    x = rg.tensor(a)
    assert x.max().item() == 7.0
    values, indices = x.max(dim=1)
    np.testing.assert_array_equal(values.data, [5.0, 7.0])
    np.testing.assert_array_equal(indices.data, [1, 0])
    assert indices.dtype == np.int64
    assert x.max(dim=-1, keepdim=True).values.shape == (2, 1)
    # A tuple dim is refgrad's documented extension (torch.max rejects it; use amax there).
    np.testing.assert_array_equal(x.max(dim=(0, 1)).data, 7.0)


def test_reshape_and_transpose() -> None:
    a = np.arange(24.0).reshape(2, 3, 4)
    x = rg.tensor(a, requires_grad=True)
    np.testing.assert_array_equal(x.reshape(6, 4).data, a.reshape(6, 4))
    np.testing.assert_array_equal(x.reshape((4, -1)).data, a.reshape(4, -1))
    np.testing.assert_array_equal(x.transpose(0, 2).data, a.transpose(2, 1, 0))
    np.testing.assert_array_equal(x.transpose(-1, 1).data, np.swapaxes(a, -1, 1))
    g = np.arange(24.0).reshape(4, 3, 2)
    (x.transpose(0, 2) * rg.tensor(g)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, g.transpose(2, 1, 0))
    x.grad = None
    (x.reshape(4, 6) * rg.tensor(g.reshape(4, 6))).sum().backward()
    np.testing.assert_array_equal(x.grad.data, g.reshape(2, 3, 4))


def test_repr() -> None:
    assert repr(rg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert "requires_grad=True" in repr(rg.tensor([1.0], requires_grad=True))
    assert "grad_fn=<MulBackward>" in repr(rg.tensor([1.0], requires_grad=True) * 2)
    assert "dtype=float32" in repr(rg.tensor(np.ones(1, dtype=np.float32)))
