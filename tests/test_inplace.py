"""In-place writes: recorded in the graph, refused on leaves, checked by version counters.

PyTorch's rules (measured with torch 2.13; tests/crosscheck/test_kernel_vs_torch.py runs the
same programs in refgrad and in torch):

* every in-place write (``add_``, ``+=``, ``t[i] = v``, ``copy_``, an optimizer step ...) bumps
  the tensor's ``_version``, a counter shared by all views of the same storage;
* a node remembers the version of each tensor it saved, and backward refuses a saved tensor whose
  version moved;
* while grad mode is on, an in-place write on a leaf that requires grad (or on a view of one) is
  refused; under ``no_grad`` it is allowed;
* any other in-place write is recorded: the tensor gets a new ``grad_fn`` and gradients flow
  through the write.

Expected numbers follow from the math (the derivation is in a comment) and were checked with
torch 2.13 on the same program.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import refgrad as rg

LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_MESSAGE = (
    "a view of a leaf Variable that requires grad is being used in an in-place operation."
)


def assert_values(t: rg.Tensor | None, expected: Any) -> None:
    assert t is not None
    np.testing.assert_allclose(t.detach().numpy(), expected, rtol=1e-13, atol=1e-13)


# ---------------------------------------------------------------- running totals


def test_running_total_with_iadd_gets_the_full_gradient() -> None:
    w = rg.tensor([2.0], requires_grad=True)
    acc = rg.zeros(1)
    for _ in range(4):
        acc += w * 3
    assert acc.requires_grad and not acc.is_leaf and acc.grad_fn is not None
    assert acc._version == 4
    assert_values(acc, [24.0])
    (acc + w).sum().backward()
    assert_values(w.grad, [13.0])  # 4 × 3 from the total, 1 from "+ w"


def test_running_total_with_setitem() -> None:
    w = rg.tensor(2.0, requires_grad=True)
    x = rg.zeros(4)
    for i in range(4):
        x[i] = w * (i + 1)
    assert x.requires_grad and not x.is_leaf and x.grad_fn is not None
    assert x._version == 4
    (x.sum() + w).backward()
    assert_values(w.grad, 11.0)  # 1 + 2 + 3 + 4, and 1


def test_setitem_of_a_one_element_tensor_into_one_element() -> None:
    # torch accepts a value of shape [1] for the 0-d slot x[0].
    w = rg.tensor([2.0], requires_grad=True)
    x = rg.zeros(3)
    x[0] = w
    assert x.grad_fn is not None and x._version == 1
    (x * x).sum().backward()
    assert_values(w.grad, [4.0])  # d(w²)/dw


def test_copy_from_a_tensor_that_requires_grad() -> None:
    w = rg.tensor([2.0, -3.0], requires_grad=True)
    x = rg.zeros(2)
    assert x.copy_(w) is x
    assert x.requires_grad and not x.is_leaf and x.grad_fn is not None and x._version == 1
    (x * x).sum().backward()
    assert_values(w.grad, [4.0, -6.0])


def test_copy_broadcasts_and_sums_the_gradient_back() -> None:
    w = rg.tensor([1.0, 2.0], requires_grad=True)
    x = rg.zeros(2, 2)
    x.copy_(w)
    assert_values(x, [[1.0, 2.0], [1.0, 2.0]])
    (x * rg.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    assert_values(w.grad, [4.0, 6.0])  # column sums


# ---------------------------------------------------------------- stale saved tensors

STALE = "modified by an inplace operation"
VERSION_1 = "is at version 1; expected version 0 instead"


def test_a_saved_leaf_changed_under_no_grad() -> None:
    w = rg.tensor([3.0, 4.0], requires_grad=True)
    y = (w * w).sum()
    with rg.no_grad():
        w -= 1
    assert w._version == 1
    with pytest.raises(RuntimeError, match=STALE) as info:
        y.backward()
    assert VERSION_1 in str(info.value)
    assert w.grad is None


def test_a_saved_plain_input_changed_by_setitem() -> None:
    a = rg.tensor([1.0, 2.0])
    w = rg.tensor([3.0, 4.0], requires_grad=True)
    y = (w * a).sum()
    a[0] = 100.0
    assert a._version == 1
    with pytest.raises(RuntimeError, match=STALE) as info:
        y.backward()
    assert VERSION_1 in str(info.value)


def test_a_saved_output_changed_in_place() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.add_(1)  # allowed (y is not a leaf) and recorded; but Exp saved y for its backward
    with pytest.raises(RuntimeError, match=STALE) as info:
        y.sum().backward()
    message = str(info.value)
    assert "output 0 of" in message and "Exp" in message and VERSION_1 in message


def test_a_change_between_two_backward_passes() -> None:
    w = rg.tensor([3.0, 4.0], requires_grad=True)
    y = (w * w).sum()
    y.backward(retain_graph=True)
    assert_values(w.grad, [6.0, 8.0])
    with rg.no_grad():
        w.mul_(2)
    with pytest.raises(RuntimeError, match=STALE):
        y.backward()


@pytest.mark.parametrize(
    "change",
    [lambda w: w.__setitem__(0, 5.0), lambda w: w[1:].zero_(), lambda w: w.detach().zero_()],
    ids=["w[0] = 5.", "w[1:].zero_()", "w.detach().zero_()"],
)
def test_a_change_through_a_view_or_detach_is_seen(change: Callable[[rg.Tensor], Any]) -> None:
    w = rg.tensor([3.0, 4.0], requires_grad=True)
    y = (w * w).sum()
    with rg.no_grad():
        change(w)
    assert w._version == 1
    with pytest.raises(RuntimeError, match=VERSION_1):
        y.backward()


def test_a_change_to_a_tensor_nobody_saved_is_fine() -> None:
    w = rg.tensor([3.0, 4.0], requires_grad=True)
    y = (w + 1).sum()  # the gradient of + needs no values
    with rg.no_grad():
        w -= 1
    y.backward()
    assert_values(w.grad, [1.0, 1.0])


# ---------------------------------------------------------------- the in-place operations


def _iadd(t: rg.Tensor) -> rg.Tensor:
    t += 1
    return t


def _isub(t: rg.Tensor) -> rg.Tensor:
    t -= 1
    return t


def _imul(t: rg.Tensor) -> rg.Tensor:
    t *= 2
    return t


def _idiv(t: rg.Tensor) -> rg.Tensor:
    t /= 2
    return t


def _setitem(index: Any, value: Any) -> Callable[[rg.Tensor], rg.Tensor]:
    def write(t: rg.Tensor) -> rg.Tensor:
        t[index] = value
        return t

    return write


# Each operation on t = [1., 2.], and t's values afterwards.
IN_PLACE: dict[str, tuple[Callable[[rg.Tensor], rg.Tensor], list[float]]] = {
    "add_": (lambda t: t.add_(1), [2.0, 3.0]),
    "add_ tensor": (lambda t: t.add_(rg.tensor([1.0, 2.0])), [2.0, 4.0]),
    "sub_": (lambda t: t.sub_(1), [0.0, 1.0]),
    "mul_": (lambda t: t.mul_(2), [2.0, 4.0]),
    "div_": (lambda t: t.div_(2), [0.5, 1.0]),
    "zero_": (lambda t: t.zero_(), [0.0, 0.0]),
    "fill_": (lambda t: t.fill_(3.0), [3.0, 3.0]),
    "copy_": (lambda t: t.copy_(rg.tensor([5.0, 6.0])), [5.0, 6.0]),
    "clamp_": (lambda t: t.clamp_(1.2, 1.8), [1.2, 1.8]),
    "clamp_ min only": (lambda t: t.clamp_(min=1.5), [1.5, 2.0]),
    "neg_": (lambda t: t.neg_(), [-1.0, -2.0]),
    "+=": (_iadd, [2.0, 3.0]),
    "-=": (_isub, [0.0, 1.0]),
    "*=": (_imul, [2.0, 4.0]),
    "/=": (_idiv, [0.5, 1.0]),
    "t[0] = 5.": (_setitem(0, 5.0), [5.0, 2.0]),
    "t[:] = 5.": (_setitem(slice(None), 5.0), [5.0, 5.0]),
    "t[[0, 1]] = 7.": (_setitem([0, 1], 7.0), [7.0, 7.0]),
    "t[mask] = 0.": (_setitem(rg.tensor([False, True]), 0.0), [1.0, 0.0]),
    "t[...] = 4.": (_setitem(Ellipsis, 4.0), [4.0, 4.0]),
}


@pytest.mark.parametrize("name", list(IN_PLACE))
def test_each_in_place_op_bumps_the_version_once(name: str) -> None:
    op, expected = IN_PLACE[name]
    t = rg.tensor([1.0, 2.0])
    assert t._version == 0
    assert op(t) is t
    assert_values(t, expected)
    assert t._version == 1
    assert t.is_leaf and not t.requires_grad and t.grad_fn is None


@pytest.mark.parametrize("name", list(IN_PLACE))
def test_in_place_on_a_leaf_that_requires_grad_is_refused(name: str) -> None:
    op, _ = IN_PLACE[name]
    w = rg.tensor([1.0, 2.0], requires_grad=True)
    # t[0] = 5. writes through the view t[0]: torch then says "a view of a leaf Variable ...",
    # which contains LEAF_MESSAGE too.
    with pytest.raises(RuntimeError, match=LEAF_MESSAGE.replace(".", r"\.")):
        op(w)
    assert_values(w, [1.0, 2.0])  # refused before anything was written
    assert w._version == 0


@pytest.mark.parametrize("name", list(IN_PLACE))
def test_in_place_on_a_leaf_that_requires_grad_is_allowed_under_no_grad(name: str) -> None:
    op, expected = IN_PLACE[name]
    w = rg.tensor([1.0, 2.0], requires_grad=True)
    with rg.no_grad():
        op(w)
    assert_values(w, expected)
    assert w._version == 1
    assert w.is_leaf and w.requires_grad and w.grad_fn is None


VIEW_WRITES: dict[str, tuple[Callable[[rg.Tensor], Any], list[float], int]] = {
    # the write, w's values afterwards, and w's version afterwards
    "w[0:1].mul_(2)": (lambda w: w[0:1].mul_(2), [2.0, 2.0], 1),
    "w[0] = 1.5": (_setitem(0, 1.5), [1.5, 2.0], 1),
    "w[:1].zero_()": (lambda w: w[:1].zero_(), [0.0, 2.0], 1),
    "w.view(2).add_(1)": (lambda w: w.view(2).add_(1), [2.0, 3.0], 1),
    "w.unsqueeze(0).add_(1)": (lambda w: w.unsqueeze(0).add_(1), [2.0, 3.0], 1),
    # Python runs w[1:] += 1 as v = w[1:]; v += 1; w[1:] = v: two writes.
    "w[1:] += 1": (lambda w: w.__setitem__(slice(1, None), _iadd(w[1:])), [1.0, 3.0], 2),
}


@pytest.mark.parametrize("name", list(VIEW_WRITES))
def test_in_place_on_a_view_of_a_leaf_that_requires_grad_is_refused(name: str) -> None:
    write, _, _ = VIEW_WRITES[name]
    w = rg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=VIEW_OF_LEAF_MESSAGE.replace(".", r"\.")):
        write(w)
    assert_values(w, [1.0, 2.0])
    assert w._version == 0


@pytest.mark.parametrize("name", list(VIEW_WRITES))
def test_in_place_on_a_view_of_a_leaf_is_allowed_under_no_grad(name: str) -> None:
    write, expected, version = VIEW_WRITES[name]
    w = rg.tensor([1.0, 2.0], requires_grad=True)
    with rg.no_grad():
        write(w)
    assert_values(w, expected)
    assert w._version == version
    assert w.is_leaf and w.requires_grad and w.grad_fn is None


def test_a_plain_leaf_stays_a_plain_leaf() -> None:
    x = rg.zeros(2)
    x.add_(1)
    x[0] = 3.0
    assert_values(x, [3.0, 1.0])
    assert x.is_leaf and not x.requires_grad and x.grad_fn is None and x._version == 2


# ---------------------------------------------------------------- recorded in-place writes


def test_setitem_on_a_non_leaf() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y[0] = 0
    assert y.grad_fn is not None and not y.is_leaf and y._version == 1
    y.sum().backward()
    assert_values(x.grad, [0.0, 2.0])  # the overwritten element no longer depends on x


def test_iadd_of_a_tensor_that_requires_grad_into_a_plain_tensor() -> None:
    w = rg.tensor([1.0, 2.0], requires_grad=True)
    x = rg.zeros(2)
    before = x
    x += w
    assert x is before  # the same tensor, now with a history
    assert not x.is_leaf and x.requires_grad and x.grad_fn is not None and x._version == 1
    (x * 3).sum().backward()
    assert_values(w.grad, [3.0, 3.0])


def test_setitem_of_a_tensor_that_requires_grad_into_a_plain_tensor() -> None:
    w = rg.tensor(2.0, requires_grad=True)
    x = rg.zeros(3)
    x[0] = w
    assert x._version == 1 and x.grad_fn is not None and x.requires_grad
    (x * x).sum().backward()
    assert_values(w.grad, 4.0)


def test_setitem_under_no_grad_is_not_recorded() -> None:
    w = rg.tensor(2.0, requires_grad=True)
    x = rg.zeros(3)
    with rg.no_grad():
        x[0] = w
    assert_values(x, [2.0, 0.0, 0.0])
    assert x.is_leaf and not x.requires_grad and x.grad_fn is None and x._version == 1


def test_in_place_through_a_view_of_a_non_leaf_rebases_the_base() -> None:
    x = rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    y[1:].mul_(2)
    assert_values(y, [1.0, 4.0, 6.0])
    assert y._version == 1 and y.grad_fn is not None
    y.sum().backward()
    assert_values(x.grad, [1.0, 2.0, 2.0])


def test_in_place_through_a_view_of_a_plain_tensor_with_a_value_that_requires_grad() -> None:
    w = rg.tensor([1.0, 2.0], requires_grad=True)
    x = rg.zeros(3)
    x[1:].add_(w)
    assert x.requires_grad and not x.is_leaf and x._version == 1
    (x * rg.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert_values(w.grad, [2.0, 3.0])


def test_a_chain_of_in_place_ops() -> None:
    x = rg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x * 1
    y.mul_(3)
    y.add_(x)  # 4x
    y.sub_(1)
    y.div_(2)
    y.neg_()  # (1 - 4x) / 2 = [-0.5, 2.5, -3.5]
    y.clamp_(-1.5, 0.5)  # [-0.5, 0.5, -1.5]: the last two are clamped
    y.mul_(x)
    assert y._version == 7
    assert_values(y, [-0.25, -0.5, -3.0])
    (y * rg.tensor([1.0, 2.0, 3.0])).sum().backward()
    # element 0: d/dx [x (1 - 4x) / 2] = (1 - 8x) / 2 = -1.5; elements 1 and 2 are a constant
    # times x: 0.5 · 2 = 1 and -1.5 · 3 = -4.5.
    assert_values(x.grad, [-1.5, 1.0, -4.5])


def test_in_place_ops_whose_operands_require_grad() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    w = rg.tensor([3.0, -0.5], requires_grad=True)
    y = x * 1
    y.mul_(x)
    y.mul_(w)
    y.div_(x + 2)
    y.sub_(w)
    y += w * w
    y *= x
    y /= w
    assert y._version == 7
    # y = (x² w / (x + 2) - w + w²) x / w = x³ / (x + 2) + x (w - 1)
    xs, ws = np.array([1.0, 2.0]), np.array([3.0, -0.5])
    assert_values(y, xs**3 / (xs + 2) + xs * (ws - 1))
    (y * rg.tensor([1.0, 10.0])).sum().backward()
    dy_dx = (3 * xs**2 * (xs + 2) - xs**3) / (xs + 2) ** 2 + (ws - 1)
    assert_values(x.grad, dy_dx * [1.0, 10.0])  # [2.8889, 10.]
    assert_values(w.grad, xs * [1.0, 10.0])  # dy/dw = x


def test_in_place_on_a_non_leaf_under_no_grad_is_not_recorded() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with rg.no_grad():
        y += 1
    assert_values(y, [3.0, 5.0])
    assert y._version == 1 and y.requires_grad and y.grad_fn is not None
    y.sum().backward()
    assert_values(x.grad, [2.0, 2.0])


MASK = np.array([[True, False, True, False]] * 3)
INDICES: dict[str, Any] = {
    "int": 1,
    "negative int": -1,
    "slice": slice(1, None),
    "slice with a step": slice(None, None, 2),
    "(slice, int)": (slice(None), 0),
    "(int, slice)": (0, slice(1, 3)),
    "list": [0, 2],
    "(list, int)": ([0, 2], 3),
    "Ellipsis": Ellipsis,
    "(Ellipsis, int)": (Ellipsis, 1),
    "boolean mask": MASK,
    "integer tensor": np.array([2, 0]),
}


@pytest.mark.parametrize("broadcast", [False, True], ids=["v of y[index]'s shape", "v 0-d"])
@pytest.mark.parametrize("key", list(INDICES))
def test_setitem_of_a_value_that_requires_grad(key: str, broadcast: bool) -> None:
    # L = Σ W y², y = x with y[index] = v: dL/dx = 2 W x where not overwritten, 0 where it was;
    # dL/dv = 2 W v at the overwritten places (summed over them if v was broadcast).
    index = INDICES[key]
    rg_index = rg.tensor(index) if isinstance(index, np.ndarray) else index
    X = np.arange(12.0).reshape(3, 4)
    W = np.arange(1.0, 13.0).reshape(3, 4)
    shape = () if broadcast else X[index].shape
    V = 10.0 + np.arange(float(np.prod(shape))).reshape(shape)

    x = rg.tensor(X, requires_grad=True)
    v = rg.tensor(V, requires_grad=True)
    y = x * 1
    y[rg_index] = v
    assert y._version == 1 and y.grad_fn is not None
    (y * y * rg.tensor(W)).sum().backward()

    Y = X.copy()
    Y[index] = V
    written = np.zeros(X.shape, dtype=bool)
    written[index] = True
    assert_values(y, Y)
    assert_values(x.grad, np.where(written, 0.0, 2 * W * X))
    expected_v = (2 * W * Y)[index]
    assert_values(v.grad, expected_v.sum() if broadcast else expected_v)


def test_in_place_on_a_view_then_read_the_base() -> None:
    x = rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    v = y[0:2]
    v.mul_(3)
    assert_values(y, [3.0, 6.0, 3.0])
    assert y._version == 1 and v._version == 1
    y.sum().backward()
    assert_values(x.grad, [3.0, 3.0, 1.0])


def test_an_existing_view_sees_a_later_write_to_its_base() -> None:
    x = rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = rg.tensor(10.0, requires_grad=True)
    y = x * 1
    v = y[:2]
    y[0] = w
    assert_values(v, [10.0, 2.0])
    assert v._version == 1
    (v * rg.tensor([1.0, 5.0])).sum().backward()
    assert_values(x.grad, [0.0, 5.0, 0.0])  # v[0] is w now; v[1] is still x[1]
    assert_values(w.grad, 1.0)


def test_double_backward_through_an_in_place_multiplication() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.mul_(x)  # x³
    (g,) = rg.autograd.grad(y.sum(), x, create_graph=True)
    assert_values(g, [3.0, 12.0])  # 3x²
    assert g.requires_grad
    g.sum().backward()
    assert_values(x.grad, [6.0, 12.0])  # 6x


def test_double_backward_through_setitem() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp() * 1
    y[0] = x[1] ** 2  # y = [x1², exp(x1)]
    (g,) = rg.autograd.grad(y.sum(), x, create_graph=True)
    assert_values(g, [0.0, 4.0 + np.exp(2.0)])  # [0, 2 x1 + exp(x1)]
    g.sum().backward()
    assert_values(x.grad, [0.0, 2.0 + np.exp(2.0)])


# ---------------------------------------------------------------- version counters


def test_versions_start_at_zero() -> None:
    changed = rg.zeros(2)
    changed.add_(1)
    fresh = [
        rg.tensor([1.0]),
        rg.tensor([1.0], requires_grad=True),
        rg.zeros(2),
        rg.ones(2),
        rg.arange(3.0),
        rg.zeros(2) + 1,
        rg.tensor([1.0], requires_grad=True) * 2,
        changed.clone(),  # a copy starts its own count
    ]
    assert [t._version for t in fresh] == [0] * len(fresh)
    assert changed._version == 1


def test_optimizer_steps_bump_the_version() -> None:
    w = rg.tensor([1.0, 2.0], requires_grad=True)
    optimizer = rg.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    assert w._version == 0
    optimizer.step()
    assert w._version == 1  # torch 2.13: one write per step
    assert_values(w, [0.8, 1.6])  # w - 0.1 · 2w
    assert w.is_leaf and w.grad_fn is None


@pytest.mark.parametrize(
    "make",
    [
        lambda w: rg.optim.SGD([w], lr=0.1, momentum=0.9),
        lambda w: rg.optim.SGD([w], lr=0.1, weight_decay=0.1),
        lambda w: rg.optim.Adam([w], lr=0.1),
    ],
    ids=["SGD with momentum", "SGD with weight decay", "Adam"],
)
def test_other_optimizer_steps_bump_the_version(make: Callable[[rg.Tensor], Any]) -> None:
    w = rg.tensor([1.0, 2.0], requires_grad=True)
    optimizer = make(w)
    (w * w).sum().backward()
    optimizer.step()
    assert w._version > 0


VIEWS: dict[str, Callable[[rg.Tensor], rg.Tensor]] = {
    "x[0]": lambda x: x[0],
    "x[-1]": lambda x: x[-1],
    "x[:, 1:]": lambda x: x[:, 1:],
    "x[...]": lambda x: x[...],
    "x[None]": lambda x: x[None],
    "x.view(6)": lambda x: x.view(6),
    "x.view(3, 2)": lambda x: x.view(3, 2),
    "x.reshape(3, 2)": lambda x: x.reshape(3, 2),
    "x.flatten()": lambda x: x.flatten(),
    "x.view_as(x)": lambda x: x.view_as(x),
    "x.transpose(0, 1)": lambda x: x.transpose(0, 1),
    "x.t()": lambda x: x.t(),
    "x.T": lambda x: x.T,
    "x.permute(1, 0)": lambda x: x.permute(1, 0),
    "x.unsqueeze(0)": lambda x: x.unsqueeze(0),
    "x.unsqueeze(0).squeeze(0)": lambda x: x.unsqueeze(0).squeeze(0),
    "x.detach()": lambda x: x.detach(),
}


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("name", list(VIEWS))
def test_views_share_the_version_counter_and_the_values(name: str, requires_grad: bool) -> None:
    x = rg.zeros(2, 3, requires_grad=requires_grad)
    v = VIEWS[name](x)
    assert v._version == 0
    with rg.no_grad():
        v.add_(1)
        assert x._version == 1 and v._version == 1
        assert x.sum().item() == v.numel()  # the view's elements are x's elements
        x.mul_(2)
    assert v._version == 2 and x._version == 2
    assert_values(v, np.full(v.shape, 2.0))


COPIES: dict[str, Callable[[rg.Tensor], rg.Tensor]] = {
    "x.clone()": lambda x: x.clone(),
    "x[[0, 1]]": lambda x: x[[0, 1]],
    "x[tensor([0])]": lambda x: x[rg.tensor([0])],
    "x[x == 0]": lambda x: x[x == 0],
    "x.t().reshape(6)": lambda x: x.t().reshape(6),  # not contiguous: reshape copies
    "x.t().flatten()": lambda x: x.t().flatten(),
    "x.float() of float64": lambda x: x.float(),
}


@pytest.mark.parametrize("name", list(COPIES))
def test_copies_have_their_own_version_counter(name: str) -> None:
    x = rg.zeros(2, 3)
    c = COPIES[name](x)
    c.add_(1)
    assert c._version == 1
    assert x._version == 0
    assert_values(x, np.zeros((2, 3)))
