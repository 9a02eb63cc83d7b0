"""refgrad.ops.unary against torch 2.13 at the awkward values: NaN, ±inf, ±0, huge, integers.

The registry's samples (test_ops_vs_torch.py) check values and gradients where each function is
smooth; here every function meets the values where formulas break down, in float32, float64 and
integer dtypes, and must give torch's values, dtypes and gradients (NaN where torch has NaN).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import refgrad as rg

torch = pytest.importorskip("torch")

NAMES = (
    "sin cos tan sinh cosh asin acos atan log1p expm1 log2 log10 exp2 reciprocal rsqrt square "
    "sign floor ceil trunc round frac"
).split()

AWKWARD = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 1e300, -1e300, np.inf, -np.inf, np.nan, 1e-310, 710.0]


def _same(ours: Any, theirs: Any, rtol: float) -> None:
    expected = theirs.detach().numpy()
    assert ours.dtype == expected.dtype
    np.testing.assert_allclose(ours, expected, rtol=rtol, atol=0, equal_nan=True)
    # the sign of zero too: 1/(-0) is -inf in both
    zeros = expected == 0
    assert (np.signbit(ours[zeros]) == np.signbit(expected[zeros])).all()


# Known open item: a product or sum that overflows (the chain rule's grad * f'(x) at 1e300)
# prints NumPy's RuntimeWarning where torch is silent. The values are still torch's.
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", NAMES)
def test_values_and_gradients_at_awkward_points(name: str, dtype: str) -> None:
    with np.errstate(over="ignore"):  # 1e300 is inf in float32, in both libraries
        values = np.array(AWKWARD, dtype=dtype)
    ours = rg.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    y_ours = getattr(rg, name)(ours)
    y_theirs = getattr(torch, name)(theirs)
    rtol = 1e-12 if dtype == "float64" else 2e-6
    _same(y_ours.detach().numpy(), y_theirs, rtol)
    y_ours.sum().backward()
    y_theirs.sum().backward()
    assert ours.grad is not None
    _same(ours.grad.numpy(), theirs.grad, rtol)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "frac"])
def test_integer_inputs_get_torchs_dtype(name: str, torch_float64: Any) -> None:
    values = np.array([-3, 0, 2, 5], dtype=np.int64)
    ours = getattr(rg, name)(rg.tensor(values)).numpy()
    theirs = getattr(torch, name)(torch.tensor(values))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), name
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-6, equal_nan=True)


def test_frac_refuses_integers_as_torch_does() -> None:
    with pytest.raises(RuntimeError):
        torch.frac(torch.tensor([1, 2]))
    with pytest.raises(TypeError, match="frac"):
        rg.frac(rg.tensor([1, 2]))


@pytest.mark.parametrize("decimals", [-1, 0, 1, 3])
def test_round_with_decimals(decimals: int) -> None:
    values = np.array([1.23456, -2.5, 0.05, 125.0, -0.0])
    ours = rg.round(rg.tensor(values), decimals=decimals).numpy()
    theirs = torch.round(torch.tensor(values), decimals=decimals).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-15)


@pytest.mark.parametrize("name", ["sin", "tan", "asin", "reciprocal", "rsqrt", "log2", "square"])
def test_second_derivatives_match(name: str, torch_float64: Any) -> None:
    values = np.array([0.3, -0.6, 0.9])
    ours = rg.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    (g_ours,) = rg.autograd.grad(getattr(rg, name)(ours).sum(), ours, create_graph=True)
    (g_theirs,) = torch.autograd.grad(getattr(torch, name)(theirs).sum(), theirs, create_graph=True)
    (h_ours,) = rg.autograd.grad(g_ours.sum(), ours)
    (h_theirs,) = torch.autograd.grad(g_theirs.sum(), theirs)
    np.testing.assert_allclose(h_ours.numpy(), h_theirs.numpy(), rtol=1e-12, equal_nan=True)


def test_methods_exist_with_torchs_names(torch_float64: Any) -> None:
    x = rg.tensor([0.25])
    for name in NAMES:
        assert hasattr(torch.Tensor, name)
        np.testing.assert_allclose(
            getattr(x, name)().numpy(),
            getattr(torch.tensor([0.25]), name)().numpy(),
            rtol=1e-15,
        )


@pytest.mark.parametrize("values", [[np.inf, -np.inf], [1e308, 1e308], [np.nan, 1.0]])
def test_sum_of_infinities_is_silent_and_matches(values: list[float]) -> None:
    ours = rg.tensor(values).sum().item()  # warnings are errors in this suite
    theirs = torch.tensor(values, dtype=torch.float64).sum().item()
    np.testing.assert_equal(ours, theirs)


@pytest.mark.parametrize("logit", [0.0, -0.0, 3.0, -40.0, 40.0])
@pytest.mark.parametrize("target", [0.0, 0.3, 1.0])
def test_bce_with_logits_gradient_at_and_away_from_zero(
    logit: float, target: float, torch_float64: Any
) -> None:
    """A model initialised with zero logits must get -1/2 per positive example, not 0."""
    ours = rg.tensor([logit], requires_grad=True)
    theirs = torch.tensor([logit], requires_grad=True)
    rg.nn.functional.binary_cross_entropy_with_logits(ours, rg.tensor([target])).backward()
    torch.nn.functional.binary_cross_entropy_with_logits(theirs, torch.tensor([target])).backward()
    assert ours.grad is not None
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize(("beta", "threshold"), [(1.0, 20.0), (2.0, 5.0), (0.5, 20.0)])
def test_softplus_matches(beta: float, threshold: float, torch_float64: Any) -> None:
    values = np.array([-800.0, -3.0, 0.0, 2.4, 2.6, 9.0, 800.0])
    ours = rg.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    y_ours = rg.nn.functional.softplus(ours, beta, threshold)
    y_theirs = torch.nn.functional.softplus(theirs, beta, threshold)
    np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(), rtol=1e-14)
    y_ours.sum().backward()
    y_theirs.sum().backward()
    assert ours.grad is not None
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-14)
