r"""Forward mode: every op's JVP rule against finite differences and against its VJP rule.

For each op and sample of the registry, with random directions ``v`` (one per input) and a
random cotangent ``u`` of the output's shape:

* the tangent forward mode carries out equals :math:`J v` from central differences;
* :math:`\langle u, J v \rangle = \langle J^T u, v \rangle`: the JVP rule is the transpose of
  the backward rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import refgrad as rg
import refgrad.autograd.forward_ad as fwAD
from refgrad.testing.opinfo import OP_REGISTRY, OpInfo, Sample

CASES = [
    pytest.param(op, sample, id=f"{op.name}-{sample.describe()}")
    for op in OP_REGISTRY
    for sample in op.sample_inputs()
]


def _tangent(
    op: OpInfo, sample: Sample, directions: list[np.ndarray[Any, Any]]
) -> np.ndarray[Any, Any]:
    with fwAD.dual_level():
        duals = [
            fwAD.make_dual(rg.tensor(a), rg.tensor(v))
            for a, v in zip(sample.inputs, directions, strict=True)
        ]
        primal, tangent = fwAD.unpack_dual(op.call(rg, *duals, **sample.kwargs))
    return np.zeros(primal.shape) if tangent is None else tangent.numpy()


@pytest.mark.parametrize(("op", "sample"), CASES)
def test_jvp_matches_finite_differences(op: OpInfo, sample: Sample) -> None:
    rng = np.random.default_rng(7)
    directions = [rng.standard_normal(a.shape) for a in sample.inputs]
    eps = 1e-6
    plus = op.call(
        rg,
        *[rg.tensor(a + eps * v) for a, v in zip(sample.inputs, directions, strict=False)],
        **sample.kwargs,
    ).numpy()
    minus = op.call(
        rg,
        *[rg.tensor(a - eps * v) for a, v in zip(sample.inputs, directions, strict=False)],
        **sample.kwargs,
    ).numpy()
    np.testing.assert_allclose(
        _tangent(op, sample, directions), (plus - minus) / (2 * eps), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize(("op", "sample"), CASES)
def test_jvp_is_the_transpose_of_vjp(op: OpInfo, sample: Sample) -> None:
    rng = np.random.default_rng(11)
    directions = [rng.standard_normal(a.shape) for a in sample.inputs]
    jv = _tangent(op, sample, directions)
    inputs = [rg.tensor(a, requires_grad=True) for a in sample.inputs]
    output = op.call(rg, *inputs, **sample.kwargs)
    u = rng.standard_normal(output.shape)
    grads = rg.autograd.grad(output, inputs, rg.tensor(u), allow_unused=True)
    lhs = float(np.sum(u * jv))
    rhs = sum(
        float(np.sum(g.numpy() * v))
        for g, v in zip(grads, directions, strict=False)
        if g is not None
    )
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10)


def test_jacobian_by_columns_equals_jacobian_by_rows() -> None:
    def f(x: rg.Tensor) -> rg.Tensor:
        return rg.stack([(x * x).sum(), x[0].exp() * x[2], (x[1] - x[2]).tanh()])

    x = rg.tensor([0.3, -1.2, 0.8])
    columns = [rg.autograd.functional.jvp(f, x, rg.tensor(np.eye(3)[j]))[1] for j in range(3)]
    by_columns = np.stack([c.numpy() for c in columns], axis=1)
    by_rows = rg.autograd.functional.jacobian(f, x).numpy()
    np.testing.assert_allclose(by_columns, by_rows, rtol=1e-12, atol=1e-12)


def test_make_dual_needs_a_level_and_matching_shapes() -> None:
    with pytest.raises(RuntimeError, match="dual_level"):
        fwAD.make_dual(rg.tensor(1.0), rg.tensor(1.0))
    with fwAD.dual_level(), pytest.raises(RuntimeError, match=r"shape \(2,\).*shape \(3,\)"):
        fwAD.make_dual(rg.zeros(3), rg.zeros(2))


def test_tangents_do_not_outlive_their_level() -> None:
    with fwAD.dual_level():
        y = fwAD.make_dual(rg.tensor(2.0), rg.tensor(1.0)) ** 3
        assert fwAD.unpack_dual(y).tangent.item() == pytest.approx(12.0)
    with fwAD.dual_level():
        assert fwAD.unpack_dual(y).tangent is None


def test_forward_mode_composes_with_reverse_mode() -> None:
    """A JVP computed from inputs that require grad can itself be differentiated."""
    x = rg.tensor([0.5, 1.5], requires_grad=True)
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, rg.tensor([1.0, 0.0]))
        _, tangent = fwAD.unpack_dual((dual**3).sum())
    # d/dx0 of x0**3 is 3 x0**2; its gradient with respect to x is (6 x0, 0).
    assert tangent.item() == pytest.approx(3 * 0.5**2)
    tangent.backward()
    np.testing.assert_allclose(x.grad.numpy(), [6 * 0.5, 0.0])


def test_a_custom_function_without_a_jvp_rule_says_so() -> None:
    class Square(rg.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: rg.Tensor) -> Any:
            return x.data**2

        @staticmethod
        def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
            raise AssertionError("not reached")

    with fwAD.dual_level(), pytest.raises(NotImplementedError, match="Square has no forward-mode"):
        Square.apply(fwAD.make_dual(rg.tensor(2.0), rg.tensor(1.0)))
