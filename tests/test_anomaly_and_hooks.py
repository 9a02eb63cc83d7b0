"""Anomaly detection, tensor hooks and retain_grad."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import refgrad as rg


def test_anomaly_names_the_op_the_shapes_and_the_line_in_forward() -> None:
    x = rg.tensor([1.0, 0.0, 2.0], requires_grad=True)
    with rg.autograd.detect_anomaly(), pytest.raises(rg.autograd.AnomalyError) as info:
        y = x * 2
        z = y.log()  # the culprit: log(0)
        z.sum()
    message = str(info.value)
    assert "Log produced -inf in forward" in message
    assert "(3,)" in message
    assert "test_anomaly_and_hooks.py" in message and "z = y.log()" in message


def test_anomaly_in_backward_names_the_op() -> None:
    x = rg.tensor([0.0, 4.0], requires_grad=True)
    y = x.sqrt()  # forward is finite; backward divides by 2 * sqrt(0)
    with rg.autograd.detect_anomaly():
        y = x.sqrt()
        with pytest.raises(rg.autograd.AnomalyError) as info:
            y.sum().backward()
    message = str(info.value)
    assert "SqrtBackward returned inf" in message and "input 0" in message
    assert "y = x.sqrt()" in message


def test_without_anomaly_mode_nan_is_silent_as_in_pytorch() -> None:
    y = rg.tensor([-1.0]).log()
    assert np.isnan(y.item())
    assert not rg.autograd.is_anomaly_enabled()


def test_anomaly_mode_is_restored_after_an_error() -> None:
    with pytest.raises(rg.autograd.AnomalyError), rg.autograd.detect_anomaly():
        rg.tensor([0.0]).log()
    assert not rg.autograd.is_anomaly_enabled()


def test_hooks_see_and_replace_gradients_in_order() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    calls: list[tuple[str, list[float]]] = []
    y.register_hook(lambda g: calls.append(("first", g.tolist())))
    y.register_hook(lambda g: g * 2)
    y.register_hook(lambda g: calls.append(("third", g.tolist())))
    (y * rg.tensor([1.0, 10.0])).sum().backward()
    assert calls == [("first", [1.0, 10.0]), ("third", [2.0, 20.0])]
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 60.0])


def test_leaf_hook_runs_before_accumulation_and_can_be_removed() -> None:
    w = rg.tensor([1.0, -1.0], requires_grad=True)
    handle = w.register_hook(lambda g: g.clone() * 0 + 5)
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [5.0, 5.0])
    handle.remove()
    w.grad = None
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [2.0, -2.0])


def test_leaf_hook_registered_after_the_graph_was_built_still_runs() -> None:
    w = rg.tensor(2.0, requires_grad=True)
    loss = w * w
    w.register_hook(lambda g: g * 0)
    loss.backward()
    assert w.grad.item() == 0.0


def test_hook_with_the_wrong_shape_is_an_error() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y.register_hook(lambda g: rg.zeros(3))
    with pytest.raises(RuntimeError, match=r"gradient's shape \(2,\)"):
        y.sum().backward()


def test_hook_on_a_tensor_without_grad_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        rg.tensor(1.0).register_hook(lambda g: None)


def test_retain_grad_keeps_and_accumulates_a_non_leaf_gradient() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    assert h.grad is None and not h.retains_grad
    h.retain_grad()
    out = (h * rg.tensor([3.0, 4.0])).sum()
    out.backward(retain_graph=True)
    np.testing.assert_allclose(h.grad.numpy(), [3.0, 4.0])
    out.backward()
    np.testing.assert_allclose(h.grad.numpy(), [6.0, 8.0])


def test_retained_gradient_is_the_one_after_hooks() -> None:
    x = rg.tensor(1.0, requires_grad=True)
    h = x * 2
    h.retain_grad()
    h.register_hook(lambda g: g * 10)
    h.backward()
    assert h.grad.item() == 10.0
    assert x.grad.item() == 20.0


def test_hooks_apply_to_autograd_grad_too() -> None:
    x = rg.tensor(3.0, requires_grad=True)
    y = x * x
    y.register_hook(lambda g: g * 0.5)
    (dx,) = rg.autograd.grad(y, x)
    assert dx.item() == pytest.approx(3.0)


def test_hooks_in_a_custom_function_graph() -> None:
    class Double(rg.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: rg.Tensor) -> Any:
            return x.data * 2

        @staticmethod
        def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
            return grad_output * 2

    x = rg.tensor([1.0], requires_grad=True)
    y = Double.apply(x)
    seen: list[float] = []
    y.register_hook(lambda g: seen.append(g.item()))
    y.sum().backward()
    assert seen == [1.0] and x.grad.item() == 2.0
