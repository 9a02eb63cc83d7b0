"""``refgrad.autograd.functional``: Jacobians, Hessians and the products that avoid them.

Every result is compared with finite differences or with a closed form, and the products are
compared with the explicit matrices they stand for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import refgrad as rg
from refgrad.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp


def numerical_jacobian(f: Callable[[rg.Tensor], rg.Tensor], x: np.ndarray) -> np.ndarray:
    """Central differences, shape output.shape + input.shape."""
    h = 1e-6
    out_shape = f(rg.tensor(x)).shape
    columns = []
    for j in range(x.size):
        step = np.zeros(x.size)
        step[j] = h
        step = step.reshape(x.shape)
        columns.append((f(rg.tensor(x + step)).data - f(rg.tensor(x - step)).data) / (2 * h))
    return np.stack(columns, axis=-1).reshape(out_shape + x.shape)


W = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 1.5, -1.0, 2.0], [2.0, 0.3, 0.7, -0.4]])


def f_rd_to_rk(x: rg.Tensor) -> rg.Tensor:
    """R^4 -> R^3, nonlinear."""
    return (rg.tensor(W) @ x).tanh() * x[:3].exp()


def test_jacobian_shape_is_k_by_d_and_matches_finite_differences(
    rng: np.random.Generator,
) -> None:
    x = rng.standard_normal(4)
    J = jacobian(f_rd_to_rk, rg.tensor(x))
    assert J.shape == (3, 4)
    np.testing.assert_allclose(J.data, numerical_jacobian(f_rd_to_rk, x), rtol=1e-7, atol=1e-9)


def test_jacobian_of_a_linear_map_is_its_matrix() -> None:
    J = jacobian(lambda x: rg.tensor(W) @ x, rg.ones(4))
    np.testing.assert_array_equal(J.data, W)


def test_jacobian_of_matrix_input_and_output(rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3))
    f = lambda t: (t * t).sum(0) + t[0]  # noqa: E731 - (2, 3) -> (3,)
    J = jacobian(f, rg.tensor(x))
    assert J.shape == (3, 2, 3)
    np.testing.assert_allclose(J.data, numerical_jacobian(f, x), rtol=1e-7, atol=1e-9)


def test_jacobian_does_not_touch_grad() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    jacobian(lambda t: t * t, x)
    assert x.grad is None


def test_jacobian_with_tuple_inputs_and_outputs(rng: np.random.Generator) -> None:
    a, b = rng.standard_normal(3), rng.standard_normal(2)

    def f(x: rg.Tensor, y: rg.Tensor) -> tuple[rg.Tensor, rg.Tensor]:
        return x * y.sum(), (x.exp() * 2).sum() + y * 0

    J = jacobian(f, (rg.tensor(a), rg.tensor(b)))
    assert isinstance(J, tuple) and len(J) == 2
    assert all(isinstance(row, tuple) and len(row) == 2 for row in J)
    assert [[block.shape for block in row] for row in J] == [[(3, 3), (3, 2)], [(2, 3), (2, 2)]]
    np.testing.assert_allclose(J[0][0].data, np.eye(3) * b.sum())
    np.testing.assert_allclose(J[0][1].data, np.outer(a, np.ones(2)))
    np.testing.assert_allclose(J[1][0].data, np.tile(2 * np.exp(a), (2, 1)))
    np.testing.assert_array_equal(J[1][1].data, np.zeros((2, 2)))


def test_jacobian_tuple_structure_for_one_input_or_one_output() -> None:
    x = rg.tensor([1.0, 2.0])
    single_in_tuple = jacobian(lambda t: t * 2, (x,))
    assert isinstance(single_in_tuple, tuple) and len(single_in_tuple) == 1
    two_outputs = jacobian(lambda t: (t * 2, t.sum()), x)
    assert isinstance(two_outputs, tuple) and [j.shape for j in two_outputs] == [(2, 2), (2,)]


def test_jacobian_strict() -> None:
    x = rg.tensor([1.0, 2.0])
    constant = jacobian(lambda t: rg.ones(3), x)
    np.testing.assert_array_equal(constant.data, np.zeros((3, 2)))
    with pytest.raises(RuntimeError, match="does not depend"):
        jacobian(lambda t: rg.ones(3), x, strict=True)


# ---------------------------------------------------------------- Hessians


def test_hessian_of_a_quadratic_form(rng: np.random.Generator) -> None:
    A = rng.standard_normal((4, 4))  # not symmetric
    x = rng.standard_normal(4)
    H = hessian(lambda t: t @ rg.tensor(A) @ t, rg.tensor(x))
    assert H.shape == (4, 4)
    np.testing.assert_allclose(H.data, A + A.T, rtol=1e-14, atol=1e-14)


def test_hessian_of_a_matrix_input(rng: np.random.Generator) -> None:
    x = rng.standard_normal((2, 3))
    H = hessian(lambda t: (t**3).sum(), rg.tensor(x))
    assert H.shape == (2, 3, 2, 3)
    expected = np.diag(6 * x.reshape(-1)).reshape(2, 3, 2, 3)
    np.testing.assert_allclose(H.data, expected, rtol=1e-14)


def test_hessian_matches_finite_differences_of_the_gradient(rng: np.random.Generator) -> None:
    def f(t: rg.Tensor) -> rg.Tensor:
        return (t.sigmoid() * t.tanh()).sum() + (t[0] * t[1]).exp()

    def gradient(t: rg.Tensor) -> rg.Tensor:
        t = rg.tensor(t.data, requires_grad=True)
        (g,) = rg.autograd.grad(f(t), t)
        return g

    x = rng.standard_normal(3) * 0.5
    H = hessian(f, rg.tensor(x))
    np.testing.assert_allclose(H.data, numerical_jacobian(gradient, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(H.data, H.data.T, rtol=1e-12)


def test_hessian_with_tuple_inputs(rng: np.random.Generator) -> None:
    a, b = rng.standard_normal(2), rng.standard_normal(3)
    H = hessian(lambda x, y: (x.sum() ** 2) * y.sum(), (rg.tensor(a), rg.tensor(b)))
    assert [[block.shape for block in row] for row in H] == [[(2, 2), (2, 3)], [(3, 2), (3, 3)]]
    np.testing.assert_allclose(H[0][0].data, np.full((2, 2), 2 * b.sum()))
    np.testing.assert_allclose(H[0][1].data, np.full((2, 3), 2 * a.sum()))
    np.testing.assert_allclose(H[1][0].data, np.full((3, 2), 2 * a.sum()))
    np.testing.assert_array_equal(H[1][1].data, np.zeros((3, 3)))


# ---------------------------------------------------------------- products


def test_vjp_is_v_transpose_j(rng: np.random.Generator) -> None:
    x, v = rng.standard_normal(4), rng.standard_normal(3)
    out, v_J = vjp(f_rd_to_rk, rg.tensor(x), rg.tensor(v))
    np.testing.assert_allclose(out.data, f_rd_to_rk(rg.tensor(x)).data)
    J = numerical_jacobian(f_rd_to_rk, x)
    assert v_J.shape == (4,)
    np.testing.assert_allclose(v_J.data, v @ J, rtol=1e-7, atol=1e-9)


def test_vjp_of_a_scalar_function_is_the_gradient() -> None:
    x = rg.tensor([1.0, -2.0])
    _, g = vjp(lambda t: (t**2).sum(), x)
    np.testing.assert_array_equal(g.data, 2 * x.data)


def test_jvp_is_a_combination_of_columns(rng: np.random.Generator) -> None:
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    out, J_v = jvp(f_rd_to_rk, rg.tensor(x), rg.tensor(v))
    J = jacobian(f_rd_to_rk, rg.tensor(x)).data
    assert J_v.shape == (3,)
    np.testing.assert_allclose(J_v.data, sum(v[j] * J[:, j] for j in range(4)), rtol=1e-13)
    np.testing.assert_allclose(out.data, f_rd_to_rk(rg.tensor(x)).data)
    # The directional derivative, by finite differences along v.
    h = 1e-6
    directional = (
        f_rd_to_rk(rg.tensor(x + h * v)).data - f_rd_to_rk(rg.tensor(x - h * v)).data
    ) / (2 * h)
    np.testing.assert_allclose(J_v.data, directional, rtol=1e-7, atol=1e-9)


def test_jvp_and_vjp_are_adjoint(rng: np.random.Generator) -> None:
    x, u, v = rng.standard_normal(4), rng.standard_normal(3), rng.standard_normal(4)
    _, J_v = jvp(f_rd_to_rk, rg.tensor(x), rg.tensor(v))
    _, Jt_u = vjp(f_rd_to_rk, rg.tensor(x), rg.tensor(u))
    assert float(u @ J_v.data) == pytest.approx(float(Jt_u.data @ v), rel=1e-13)


def test_jvp_and_vjp_with_tuples(rng: np.random.Generator) -> None:
    a, b = rng.standard_normal(3), rng.standard_normal(3)

    def f(x: rg.Tensor, y: rg.Tensor) -> tuple[rg.Tensor, rg.Tensor]:
        return x * y, (x + y).sum()

    inputs = (rg.tensor(a), rg.tensor(b))
    da, db = rng.standard_normal(3), rng.standard_normal(3)
    outs, tangents = jvp(f, inputs, (rg.tensor(da), rg.tensor(db)))
    assert isinstance(outs, tuple) and isinstance(tangents, tuple)
    np.testing.assert_allclose(tangents[0].data, da * b + a * db, rtol=1e-14)
    assert tangents[1].item() == pytest.approx(da.sum() + db.sum(), rel=1e-14)

    u0, u1 = rng.standard_normal(3), 0.7
    outs, cotangents = vjp(f, inputs, (rg.tensor(u0), rg.tensor(u1)))
    assert isinstance(cotangents, tuple) and len(cotangents) == 2
    np.testing.assert_allclose(cotangents[0].data, u0 * b + u1, rtol=1e-14)
    np.testing.assert_allclose(cotangents[1].data, u0 * a + u1, rtol=1e-14)


def test_hvp_and_vhp_are_hessian_times_v(rng: np.random.Generator) -> None:
    def f(t: rg.Tensor) -> rg.Tensor:
        return (t.tanh() * t.exp()).sum() + (t[0] * t[2]) ** 2

    x, v = rng.standard_normal(3), rng.standard_normal(3)
    H = hessian(f, rg.tensor(x)).data
    value, Hv = hvp(f, rg.tensor(x), rg.tensor(v))
    assert value.item() == pytest.approx(f(rg.tensor(x)).item(), rel=1e-15)
    np.testing.assert_allclose(Hv.data, H @ v, rtol=1e-13)
    _, vH = vhp(f, rg.tensor(x), rg.tensor(v))
    np.testing.assert_allclose(vH.data, v @ H, rtol=1e-13)


def test_hvp_of_a_linear_function_is_zero() -> None:
    _, Hv = hvp(lambda t: (t * 3).sum(), rg.tensor([1.0, 2.0]), rg.tensor([1.0, 1.0]))
    np.testing.assert_array_equal(Hv.data, [0.0, 0.0])


def test_create_graph_makes_results_differentiable() -> None:
    x = rg.tensor([0.5, -1.0], requires_grad=True)
    J = jacobian(lambda t: t**3, x, create_graph=True)
    assert J.requires_grad
    # d/dx of trace(J) = d/dx sum 3 x^2 = 6 x
    (g,) = rg.autograd.grad((J * rg.eye(2)).sum(), x)
    np.testing.assert_allclose(g.data, 6 * x.data, rtol=1e-15)
    _, v_J = vjp(lambda t: t**3, x, rg.ones(2), create_graph=True)
    (g2,) = rg.autograd.grad(v_J.sum(), x)
    np.testing.assert_allclose(g2.data, 6 * x.data, rtol=1e-15)


def test_results_are_detached_by_default() -> None:
    x = rg.tensor([0.5, -1.0], requires_grad=True)
    results: list[Any] = [
        jacobian(lambda t: t**3, x),
        hessian(lambda t: (t**3).sum(), x),
        *vjp(lambda t: t**3, x, rg.ones(2)),
        *jvp(lambda t: t**3, x, rg.ones(2)),
        *hvp(lambda t: (t**3).sum(), x, rg.ones(2)),
    ]
    assert not any(r.requires_grad for r in results)
