"""The backward engine: deep and shared graphs, accumulation, freeing, higher order, grad modes.

Each test computes a gradient that is known another way (a closed form or finite differences)
or counts what the engine did, so that a wrong engine fails it.
"""

from __future__ import annotations

import gc
import math
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import refgrad as rg
from refgrad.autograd.engine import topological_order
from refgrad.ops import elementwise as E


def central_difference(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


# ---------------------------------------------------------------- deep graphs


# The 1,000,000 case takes about 20 s of CPU time on one core: it stays in the default run.
@pytest.mark.parametrize("length", [100_000, 1_000_000])
def test_long_chain(length: int) -> None:
    # y = c (... c (c x + 1) + 1 ...) + 1: dy/dx = c ** (length / 2). A recursive topological
    # sort would exceed Python's recursion limit long before this depth.
    c = 1.0 + 1e-7
    factor, one = rg.tensor(c), rg.tensor(1.0)  # tensors: no constant to make at every step
    x = rg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(length // 2):
        y = y * factor
        y = y + one
    y.backward()
    assert x.grad is not None
    assert x.grad.item() == pytest.approx(c ** (length // 2), rel=1e-9)
    assert x.grad.item() != pytest.approx(1.0, rel=1e-4)  # the chain really multiplied


@pytest.fixture
def add_backward_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Count the calls of Add.backward."""
    calls: list[int] = []
    original = E.Add.backward

    def counting(ctx: Any, grad_output: rg.Tensor) -> Any:
        calls.append(1)
        return original(ctx, grad_output)

    monkeypatch.setattr(E.Add, "backward", staticmethod(counting))
    yield calls


def test_shared_nodes_are_visited_once(add_backward_calls: list[int]) -> None:
    # y = y + y, 60 times: 2**60 paths from y to x, 60 nodes. Walking paths instead of nodes
    # would never finish; the engine runs each node's backward exactly once.
    depth = 60
    x = rg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(depth):
        y = y + y
    assert len(topological_order([y.grad_fn])) == depth + 1  # 60 Adds and the leaf
    y.backward()
    assert len(add_backward_calls) == depth
    assert x.grad is not None
    assert x.grad.item() == 2.0**depth  # exact: every step doubles, a power of two


def test_two_consumers_per_node_sixty_deep() -> None:
    # y = 0.5 y + 0.5 y keeps the value; each level has 3 nodes, each read twice downstream.
    depth = 60
    x = rg.tensor(3.0, requires_grad=True)
    y = x
    for _ in range(depth):
        y = y * 0.5 + y * 0.5
    assert len(topological_order([y.grad_fn])) == 3 * depth + 1
    y.backward()
    assert y.item() == 3.0
    assert x.grad is not None and x.grad.item() == 1.0


# ---------------------------------------------------------------- summing and accumulating


def test_shared_subexpression_sums_its_gradients() -> None:
    x = rg.tensor([0.5, -1.5, 2.0], requires_grad=True)
    (x + x * x + x.exp()).sum().backward()  # x is read three times (four, counting x * x)
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 1 + 2 * x.data + np.exp(x.data), rtol=1e-15)


def test_value_used_three_times() -> None:
    x = rg.tensor(1.5, requires_grad=True)
    (x * x * x).backward()
    assert x.grad is not None and x.grad.item() == pytest.approx(3 * 1.5**2, rel=1e-15)


def test_intermediate_used_by_several_ops() -> None:
    x = rg.tensor(0.7, requires_grad=True)
    h = x.tanh()
    y = h * h + h.exp() + 3 * h
    y.backward()
    t = math.tanh(0.7)
    expected = (2 * t + math.exp(t) + 3) * (1 - t * t)
    assert x.grad is not None and x.grad.item() == pytest.approx(expected, rel=1e-14)


def test_grad_accumulates_across_backward_calls() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (3 * x).sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, 2 * x.data + 3)
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, 2 * x.data)


def test_first_gradient_is_a_copy() -> None:
    # a + b hands the same gradient tensor to both leaves; accumulating into one must not
    # change the other.
    a = rg.tensor([1.0, 2.0], requires_grad=True)
    b = rg.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    (a * 2).sum().backward()
    assert a.grad is not None and b.grad is not None
    np.testing.assert_array_equal(a.grad.data, [3.0, 3.0])
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])


def test_retain_graph_allows_a_second_backward() -> None:
    x = rg.tensor([0.3, -1.2], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    assert x.grad is not None
    first = x.grad.data.copy()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, 2 * first)
    np.testing.assert_allclose(first, np.exp(x.data) * (1 + x.data), rtol=1e-15)


def test_second_backward_through_freed_graph_raises() -> None:
    x = rg.tensor([0.3, -1.2], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        y.backward()


def test_saved_tensors_are_released_after_backward() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    saved = weakref.ref(h)
    y = (h * x).sum()  # MulBackward saves h
    del h
    gc.collect()
    assert saved() is not None  # kept alive by the graph, for backward
    mul = y.grad_fn.next_functions[0][0]
    assert mul is not None and mul._saved is not None
    y.backward()
    assert mul._saved is None
    gc.collect()
    assert saved() is None


def test_retain_graph_keeps_saved_tensors() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    mul = y.grad_fn.next_functions[0][0]
    assert mul._saved is not None and len(mul.saved_tensors) == 2


def test_graph_is_freed_without_the_cycle_collector() -> None:
    # No reference cycles: the graph goes away as soon as the output does, even with gc off.
    # (A Function saving its own output would make one; refgrad stores that output's array.)
    x = rg.tensor([0.5, 1.0], requires_grad=True)
    gc.collect()
    gc.disable()
    try:
        y = (x.exp().tanh().sigmoid() * x).sum()  # Exp, Tanh, Sigmoid save their results
        nodes = [weakref.ref(n) for n in topological_order([y.grad_fn])[1:]]
        del y
        assert all(n() is None for n in nodes)
    finally:
        gc.enable()


def test_only_leaves_get_grad() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    y.backward()
    assert x.is_leaf and not h.is_leaf and not y.is_leaf
    assert h.grad is None and y.grad is None
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, 8 * x.data)


def test_leaf_without_requires_grad_gets_nothing() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    c = rg.tensor([5.0, 6.0])
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad.data, c.data)


def test_backward_with_an_explicit_gradient() -> None:
    x = rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = np.array([1.0, -2.0, 0.5])
    (x * x).backward(rg.tensor(v))
    np.testing.assert_array_equal(x.grad.data, v * 2 * x.data)


def test_backward_of_a_leaf() -> None:
    x = rg.tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad is not None and x.grad.item() == 1.0


# ---------------------------------------------------------------- higher order


def test_second_derivative_of_cube() -> None:
    x = rg.tensor([-1.5, 0.5, 2.0], requires_grad=True)
    (dy,) = rg.autograd.grad((x**3).sum(), x, create_graph=True)
    assert dy.requires_grad
    np.testing.assert_allclose(dy.data, 3 * x.data**2, rtol=1e-15)
    (d2y,) = rg.autograd.grad(dy.sum(), x)
    np.testing.assert_allclose(d2y.data, 6 * x.data, rtol=1e-15)


def test_backward_with_create_graph_makes_grad_differentiable() -> None:
    x = rg.tensor(1.3, requires_grad=True)
    (x**3).backward(create_graph=True)
    assert x.grad is not None and x.grad.requires_grad
    first = x.grad
    x.grad = None
    first.backward()
    assert x.grad is not None and x.grad.item() == pytest.approx(6 * 1.3, rel=1e-15)


def _composite(x: rg.Tensor) -> rg.Tensor:
    return (x.tanh() * x.sigmoid() + (x * x + 1.0).log() * x.exp()).sum()


@pytest.mark.parametrize("point", [-1.3, 0.2, 0.9])
def test_second_and_third_derivatives_match_finite_differences(point: float) -> None:
    def derivative(order: int, at: float) -> float:
        x = rg.tensor(at, requires_grad=True)
        y = _composite(x)
        for _ in range(order):
            (y,) = rg.autograd.grad(y, x, create_graph=True)
        return y.item()

    for order in (1, 2, 3):
        numerical = central_difference(lambda t, k=order: derivative(k - 1, t), point)
        assert derivative(order, point) == pytest.approx(numerical, rel=1e-6, abs=1e-8)


def test_grad_with_respect_to_a_non_leaf() -> None:
    x = rg.tensor([1.0, -2.0], requires_grad=True)
    h = x * 3.0
    y = (h**2).sum()
    dh, dx = rg.autograd.grad(y, [h, x])
    np.testing.assert_allclose(dh.data, 2 * h.data)
    np.testing.assert_allclose(dx.data, 18 * x.data)
    assert x.grad is None  # grad returns, it does not accumulate


def test_backward_through_grad_of_a_non_leaf() -> None:
    # d/dx of |dy/dh|^2 where y = sum(h^3), h = 2x: dy/dh = 3h^2, |.|^2 = 9 sum h^4,
    # d/dx = 9 * 4 h^3 * 2.
    x = rg.tensor([0.5, -1.0], requires_grad=True)
    h = 2 * x
    (dh,) = rg.autograd.grad((h**3).sum(), h, create_graph=True)
    (dh * dh).sum().backward()
    np.testing.assert_allclose(x.grad.data, 72 * h.data**3, rtol=1e-14)


def test_allow_unused() -> None:
    x = rg.tensor(1.0, requires_grad=True)
    unused = rg.tensor(2.0, requires_grad=True)
    gx, gu = rg.autograd.grad(x * 4, [x, unused], allow_unused=True)
    assert gx.item() == 4.0
    assert gu is None
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        rg.autograd.grad(x * 4, [x, unused])


def test_grad_with_several_outputs_sums_them() -> None:
    x = rg.tensor(2.0, requires_grad=True)
    (g,) = rg.autograd.grad([x * x, x * 3.0], x)
    assert g.item() == 7.0


# ---------------------------------------------------------------- grad modes


def test_no_grad_stops_recording() -> None:
    x = rg.tensor([1.0], requires_grad=True)
    with rg.no_grad():
        assert not rg.is_grad_enabled()
        y = x * 2
    assert rg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_restores_on_exception() -> None:
    with pytest.raises(ValueError, match="inside"), rg.no_grad():
        raise ValueError("inside")
    assert rg.is_grad_enabled()


def test_enable_grad_inside_no_grad() -> None:
    x = rg.tensor([1.0], requires_grad=True)
    with rg.no_grad():
        with rg.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and not z.requires_grad


def test_grad_mode_decorators() -> None:
    x = rg.tensor([1.0], requires_grad=True)

    @rg.no_grad()
    def off() -> rg.Tensor:
        return x * 2

    @rg.enable_grad()
    def on() -> rg.Tensor:
        return x * 2

    @rg.set_grad_enabled(False)
    def off_too() -> rg.Tensor:
        return x * 2

    assert rg.is_grad_enabled()  # decorating changes nothing by itself
    assert not off().requires_grad
    assert not off_too().requires_grad
    with rg.no_grad():
        assert on().requires_grad
    assert rg.is_grad_enabled()
    assert off.__name__ == "off"


def test_set_grad_enabled_as_function_and_context() -> None:
    x = rg.tensor([1.0], requires_grad=True)
    rg.set_grad_enabled(False)
    assert not (x * 2).requires_grad
    rg.set_grad_enabled(True)
    assert (x * 2).requires_grad
    with rg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert rg.is_grad_enabled()
    with rg.no_grad(), rg.set_grad_enabled(True):
        assert (x * 2).requires_grad
    assert rg.is_grad_enabled()


def test_backward_inside_no_grad_still_computes_gradients() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with rg.no_grad():
        y.backward()
    np.testing.assert_array_equal(x.grad.data, 2 * x.data)


def test_detach() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    y = (x * d).sum()  # d is a constant: dy/dx = d
    y.backward()
    np.testing.assert_array_equal(x.grad.data, 2 * x.data)
    e = x.detach()
    e.data[0] = 10.0  # detach shares the data
    assert x.data[0] == 10.0


def test_requires_grad_propagation() -> None:
    a = rg.tensor([1.0], requires_grad=True)
    b = rg.tensor([2.0])
    assert (a * b).requires_grad
    assert (b * a).requires_grad
    assert not (b * b).requires_grad
    assert (b * b).grad_fn is None
    assert (a * b).grad_fn is not None
    b.requires_grad_()
    assert (b * 3).requires_grad
    assert (a.detach() + 1).requires_grad is False


# ---------------------------------------------------------------- PyTorch's conventions


def _grad(f: Callable[[rg.Tensor], rg.Tensor], values: list[float]) -> np.ndarray:
    x = rg.tensor(values, requires_grad=True)
    f(x).sum().backward()
    assert x.grad is not None
    return x.grad.data


def test_relu_derivative_at_zero_is_zero() -> None:
    np.testing.assert_array_equal(_grad(rg.relu, [-1.0, 0.0, 2.0]), [0.0, 0.0, 1.0])


def test_abs_derivative_at_zero_is_zero() -> None:
    np.testing.assert_array_equal(_grad(rg.abs, [-1.0, 0.0, 2.0]), [-1.0, 0.0, 1.0])


def test_full_max_splits_ties_evenly() -> None:
    np.testing.assert_array_equal(_grad(lambda x: x.max(), [1.0, 3.0, 3.0]), [0.0, 0.5, 0.5])
    np.testing.assert_array_equal(
        _grad(lambda x: x.max(), [3.0, 3.0, 3.0, 3.0]), [0.25, 0.25, 0.25, 0.25]
    )


def test_max_along_dim_picks_the_first_maximum() -> None:
    np.testing.assert_array_equal(
        _grad(lambda x: x.max(dim=0).values, [1.0, 3.0, 3.0]), [0.0, 1.0, 0.0]
    )
    x = rg.tensor([[2.0, 2.0], [5.0, 5.0]], requires_grad=True)
    values, indices = x.max(dim=1)
    values.sum().backward()
    np.testing.assert_array_equal(indices.data, [0, 0])
    np.testing.assert_array_equal(x.grad.data, [[1.0, 0.0], [1.0, 0.0]])


def test_sqrt_derivative_at_zero_is_infinite() -> None:
    g = _grad(rg.sqrt, [0.0, 4.0])
    assert g[0] == np.inf
    assert g[1] == 0.25
