"""``autograd.grad`` and ``backward(inputs=...)`` run only the nodes on a path to the inputs.

PyTorch marks, before the sweep, the nodes from which a requested input can be reached (its
``exec_info``) and runs only those; the others are neither executed nor freed. Also here:
``Tensor.backward(inputs=...)`` and ``autograd.backward(tensors, grad_tensors, retain_graph,
create_graph, inputs)``. Expected numbers follow from the math and were checked with torch 2.13.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np
import pytest

import refgrad as rg

X = np.array([0.5, -1.0])


def assert_values(t: rg.Tensor | None, expected: Any) -> None:
    assert t is not None
    np.testing.assert_allclose(t.detach().numpy(), expected, rtol=1e-13, atol=1e-13)


class RecordingDouble(rg.autograd.Function):
    """y = 2u; backward records that it ran (and is right, so a test fails on ``calls``)."""

    calls: ClassVar[list[str]] = []

    @staticmethod
    def forward(ctx: Any, u: rg.Tensor) -> Any:
        return u * 2

    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        RecordingDouble.calls.append("backward")
        return grad_output * 2


@pytest.fixture(autouse=True)
def _no_calls_yet() -> None:
    RecordingDouble.calls.clear()


# ---------------------------------------------------------------- autograd.grad


def test_grad_for_an_intermediate_leaves_the_graph_below_it_alone() -> None:
    x = rg.tensor(X, requires_grad=True)
    h = x.exp()
    y = (h * h).sum()
    (g,) = rg.autograd.grad(y, h)
    assert_values(g, 2 * np.exp(X))
    assert x.grad is None
    # ExpBackward did not run, so it was not freed: backward through it still works.
    h.sum().backward()
    assert_values(x.grad, np.exp(X))


def test_a_second_grad_of_another_output() -> None:
    x = rg.tensor(X, requires_grad=True)
    h = x.exp()
    y = (h * h).sum()
    z = (h * x).sum()
    (g_h,) = rg.autograd.grad(y, h)
    (g_x,) = rg.autograd.grad(z, x)
    assert_values(g_h, 2 * np.exp(X))
    assert_values(g_x, np.exp(X) * (X + 1))  # d(x eˣ)/dx


def test_a_second_grad_of_the_same_output_with_retain_graph() -> None:
    x = rg.tensor(X, requires_grad=True)
    h = x.exp()
    y = (h * h).sum()
    (g_h,) = rg.autograd.grad(y, h, retain_graph=True)
    (g_x,) = rg.autograd.grad(y, x)
    assert_values(g_h, 2 * np.exp(X))
    assert_values(g_x, 2 * np.exp(2 * X))  # d(e²ˣ)/dx


def test_the_same_grad_twice_without_retain_graph_raises() -> None:
    x = rg.tensor(X, requires_grad=True)
    h = x.exp()
    y = (h * h).sum()
    rg.autograd.grad(y, h)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        rg.autograd.grad(y, h)


def test_grad_skips_a_branch_to_another_leaf() -> None:
    x = rg.tensor(X, requires_grad=True)
    u = rg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum() + RecordingDouble.apply(u).sum()
    (g,) = rg.autograd.grad(y, x)
    assert_values(g, 2 * X)
    assert RecordingDouble.calls == []
    assert u.grad is None


def test_grad_skips_a_branch_that_does_not_pass_through_the_intermediate() -> None:
    x = rg.tensor(X, requires_grad=True)
    h = x.exp()
    y = (h * h).sum() + RecordingDouble.apply(x).sum()  # this branch goes to x, not to h
    (g,) = rg.autograd.grad(y, h)
    assert_values(g, 2 * np.exp(X))
    assert RecordingDouble.calls == []


def test_grad_runs_a_function_on_the_way() -> None:
    x = rg.tensor(X, requires_grad=True)
    y = (RecordingDouble.apply(x) ** 2).sum()  # 4x²
    (g,) = rg.autograd.grad(y, x)
    assert_values(g, 8 * X)
    assert RecordingDouble.calls == ["backward"]


# ---------------------------------------------------------------- Tensor.backward(inputs=...)


def test_backward_with_inputs_skips_other_branches() -> None:
    x = rg.tensor(X, requires_grad=True)
    u = rg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum() + RecordingDouble.apply(u).sum()
    y.backward(inputs=[x])
    assert_values(x.grad, 2 * X)
    assert u.grad is None
    assert RecordingDouble.calls == []


def test_backward_with_inputs_accumulates_only_into_them() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    w = rg.tensor([3.0, 4.0], requires_grad=True)
    (x * w).sum().backward(inputs=[x])
    assert_values(x.grad, [3.0, 4.0])
    assert w.grad is None
    (x * w * w).sum().backward(inputs=w)  # a tensor, not a list
    assert_values(x.grad, [3.0, 4.0])
    assert_values(w.grad, [6.0, 16.0])  # 2 x w


def test_backward_with_a_non_leaf_input_fills_its_grad() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (h * h).sum().backward(inputs=[h])
    assert h.retains_grad  # torch 2.13 sets it for a non-leaf input
    assert_values(h.grad, [6.0, 12.0])
    assert x.grad is None


def test_backward_with_empty_inputs_raises() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="cannot be empty"):
        (x * x).sum().backward(inputs=[])


# ---------------------------------------------------------------- autograd.backward


def test_autograd_backward_of_one_tensor() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    assert rg.autograd.backward((x * x).sum()) is None
    assert_values(x.grad, [2.0, 4.0])


def test_autograd_backward_of_several_tensors_adds_their_gradients() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    rg.autograd.backward([(x * x).sum(), (x * 3).sum()])
    assert_values(x.grad, [5.0, 7.0])  # 2x + 3
    rg.autograd.backward(((x**3).sum(), (x * x).sum()), [None, None])
    assert_values(x.grad, [5.0 + 5.0, 7.0 + 16.0])  # + 3x² + 2x


def test_autograd_backward_with_grad_tensors() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    rg.autograd.backward(
        [x * x, x * 3], grad_tensors=[rg.tensor([1.0, 10.0]), rg.tensor([100.0, 1000.0])]
    )
    assert_values(x.grad, [2.0 + 300.0, 40.0 + 3000.0])
    x.grad = None
    rg.autograd.backward(x * x, grad_tensors=rg.tensor([1.0, 10.0]))
    assert_values(x.grad, [2.0, 40.0])


def test_autograd_backward_of_a_non_scalar_needs_grad_tensors() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        rg.autograd.backward(x * x)


def test_autograd_backward_with_inputs() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    w = rg.tensor([3.0, 4.0], requires_grad=True)
    rg.autograd.backward([(x * w).sum(), (w * w).sum()], inputs=[w])
    assert x.grad is None
    assert_values(w.grad, [1.0 + 6.0, 2.0 + 8.0])  # x + 2w


def test_autograd_backward_with_retain_graph() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = (x**3).sum()
    rg.autograd.backward(y, retain_graph=True)
    rg.autograd.backward(y)
    assert_values(x.grad, [6.0, 24.0])  # twice 3x²
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        rg.autograd.backward(y)


# torch warns that x.grad and x now form a reference cycle; refgrad need not.
@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
def test_autograd_backward_with_create_graph() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    rg.autograd.backward((x**3).sum(), create_graph=True)
    assert x.grad is not None and x.grad.requires_grad
    assert_values(x.grad, [3.0, 12.0])
    (second,) = rg.autograd.grad(x.grad.sum(), x)
    assert_values(second, [6.0, 12.0])  # 6x


def test_autograd_backward_has_pytorchs_signature() -> None:
    parameters = list(inspect.signature(rg.autograd.backward).parameters)
    expected = ["tensors", "grad_tensors", "retain_graph", "create_graph"]
    assert parameters[:4] == expected
    assert "inputs" in parameters
    assert list(inspect.signature(rg.Tensor.backward).parameters) == [
        "self",
        "gradient",
        "retain_graph",
        "create_graph",
        "inputs",
    ]
