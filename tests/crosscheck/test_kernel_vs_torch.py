"""The autograd kernel against PyTorch 2.13: in-place writes, versions, pruning, Functions, modes.

Each scenario is written once, as a function of the module ``m`` (refgrad or torch), and returns
what it observed: values, gradients, ``requires_grad``, ``is_leaf``, ``_version``, and for each
step that may fail, an :class:`Outcome` (did it raise, and which expected phrases the message
lacks). ``test_matches_torch`` runs a scenario in both modules and compares the observations;
``test_torch_behaves_as_the_scenario_says`` runs it in torch alone and checks that every step
expected to fail does fail with all its phrases (and every other step does not), so that the
phrases and the programs are PyTorch's and not guesses.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch

import refgrad as rg

pytestmark = [pytest.mark.crosscheck, pytest.mark.usefixtures("torch_float64")]

TOL = {"rtol": 1e-12, "atol": 1e-12}

LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_MESSAGE = (
    "a view of a leaf Variable that requires grad is being used in an in-place operation."
)
MODIFIED = "modified by an inplace operation"
VERSION_1_NOT_0 = "is at version 1; expected version 0 instead"


# ---------------------------------------------------------------- observing


@dataclass(frozen=True)
class Outcome:
    """What running one step did."""

    error: str | None  # "RuntimeError" (or a subclass of it), another type's name, or None
    missing: tuple[str, ...]  # expected phrases the message does not contain
    expected_error: bool  # phrases were given: the step is expected to raise


def outcome(step: Callable[[], object], *phrases: str) -> Outcome:
    """Run ``step``; record whether it raised and which of ``phrases`` its message lacks."""
    try:
        step()
    except Exception as error:  # what was raised is the observation
        kind = "RuntimeError" if isinstance(error, RuntimeError) else type(error).__name__
        message = str(error)
        return Outcome(kind, tuple(p for p in phrases if p not in message), bool(phrases))
    return Outcome(None, tuple(phrases), bool(phrases))


def value(t: Any) -> np.ndarray | None:
    """A tensor's values as a NumPy array (a copy), or None."""
    return None if t is None else np.array(t.detach().numpy(), copy=True)


def tensor_facts(t: Any) -> dict[str, Any]:
    return {
        "value": value(t),
        "requires_grad": t.requires_grad,
        "is_leaf": t.is_leaf,
        "has grad_fn": t.grad_fn is not None,
        "_version": t._version,
    }


def assert_same(ours: Any, theirs: Any, where: str = "") -> None:
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), where
        assert list(ours) == list(theirs), where
        for key in theirs:
            assert_same(ours[key], theirs[key], f"{where}/{key}")
    elif isinstance(theirs, list | tuple):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), f"{where}: {ours!r}"
        for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_same(a, b, f"{where}[{index}]")
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray), f"{where}: {ours!r}, torch gives {theirs!r}"
        assert ours.shape == theirs.shape, f"{where}: shape {ours.shape} != {theirs.shape}"
        np.testing.assert_allclose(ours, theirs, **TOL, err_msg=where)
    else:
        assert ours == theirs, f"{where}: refgrad {ours!r}, torch {theirs!r}"


def outcomes(observed: Any) -> Iterator[tuple[str, Outcome]]:
    if isinstance(observed, Outcome):
        yield "", observed
    elif isinstance(observed, dict):
        for key, item in observed.items():
            for where, found in outcomes(item):
                yield f"{key}{where}", found
    elif isinstance(observed, list | tuple):
        for index, item in enumerate(observed):
            for where, found in outcomes(item):
                yield f"[{index}]{where}", found


Scenario = Callable[[Any], dict[str, Any]]
SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str) -> Callable[[Scenario], Scenario]:
    def register(run: Scenario) -> Scenario:
        assert name not in SCENARIOS, name
        SCENARIOS[name] = run
        return run

    return register


# ---------------------------------------------------------------- running totals


@scenario("running total: acc += w * 3, four times")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor([2.0], requires_grad=True)
    acc = m.zeros(1)
    for _ in range(4):
        acc += w * 3
    facts = tensor_facts(acc)
    (acc + w).sum().backward()
    return {"acc": facts, "w.grad": value(w.grad)}


@scenario("running total: x[i] = w * (i + 1)")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor(2.0, requires_grad=True)
    x = m.zeros(4)
    for i in range(4):
        x[i] = w * (i + 1)
    facts = tensor_facts(x)
    (x.sum() + w).backward()
    return {"x": facts, "w.grad": value(w.grad)}


@scenario("x[0] = w, w of shape [1] into one element")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor([2.0], requires_grad=True)
    x = m.zeros(3)
    x[0] = w
    facts = tensor_facts(x)
    (x * x).sum().backward()
    return {"x": facts, "w.grad": value(w.grad)}


@scenario("x.copy_(w) into a plain tensor")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor([2.0, -3.0], requires_grad=True)
    x = m.zeros(2)
    returned = x.copy_(w)
    facts = tensor_facts(x)
    (x * x).sum().backward()
    return {"returns x": returned is x, "x": facts, "w.grad": value(w.grad)}


@scenario("x.copy_(w) broadcasts w")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor([1.0, 2.0], requires_grad=True)
    x = m.zeros(2, 2)
    x.copy_(w)
    facts = tensor_facts(x)
    (x * m.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    return {"x": facts, "w.grad": value(w.grad)}


# ---------------------------------------------------------------- stale saved tensors


@scenario("stale: a saved leaf changed under no_grad")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor([3.0, 4.0], requires_grad=True)
    y = (w * w).sum()
    with m.no_grad():
        w -= 1
    return {
        "w._version": w._version,
        "backward": outcome(y.backward, MODIFIED, VERSION_1_NOT_0),
        "w.grad": value(w.grad),
    }


@scenario("stale: a saved plain input changed by a[0] = 100.")
def _(m: Any) -> dict[str, Any]:
    a = m.tensor([1.0, 2.0])
    w = m.tensor([3.0, 4.0], requires_grad=True)
    y = (w * a).sum()
    a[0] = 100.0
    return {
        "a._version": a._version,
        "backward": outcome(y.backward, MODIFIED, VERSION_1_NOT_0),
    }


@scenario("stale: a saved output changed by y.add_(1)")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.add_(1)
    return {
        "y": tensor_facts(y),
        "backward": outcome(
            lambda: y.sum().backward(), MODIFIED, "output 0 of Exp", VERSION_1_NOT_0
        ),
    }


@scenario("stale: changed between two backward passes (retain_graph)")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor([3.0, 4.0], requires_grad=True)
    y = (w * w).sum()
    y.backward(retain_graph=True)
    first = value(w.grad)
    with m.no_grad():
        w.mul_(2)
    return {"first w.grad": first, "second backward": outcome(y.backward, MODIFIED)}


@scenario("stale: changed through a view, w[0] = 5.")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor([3.0, 4.0], requires_grad=True)
    y = (w * w).sum()
    with m.no_grad():
        w[0] = 5.0
    return {"w": tensor_facts(w), "backward": outcome(y.backward, MODIFIED, VERSION_1_NOT_0)}


@scenario("stale: changed through detach(), which shares the version counter")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor([3.0, 4.0], requires_grad=True)
    y = (w * w).sum()
    w.detach().zero_()
    return {"w": tensor_facts(w), "backward": outcome(y.backward, MODIFIED, VERSION_1_NOT_0)}


@scenario("not stale: the changed tensor was not saved (w + 1)")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor([3.0, 4.0], requires_grad=True)
    y = (w + 1).sum()
    with m.no_grad():
        w -= 1
    return {"backward": outcome(y.backward), "w.grad": value(w.grad)}


# ---------------------------------------------------------------- leaves that require grad

# Each in-place operation refgrad supports, as a function of the tensor it changes.


def _iadd(t: Any) -> Any:
    t += 1
    return t


def _isub(t: Any) -> Any:
    t -= 1
    return t


def _imul(t: Any) -> Any:
    t *= 2
    return t


def _idiv(t: Any) -> Any:
    t /= 2
    return t


def _setitem_int(t: Any) -> Any:
    t[0] = 5.0
    return t


def _setitem_all(t: Any) -> Any:
    t[:] = 5.0
    return t


def _setitem_mask(t: Any) -> Any:
    t[t > 1.5] = 0.0
    return t


def _setitem_list(t: Any) -> Any:
    t[[0, 1]] = 7.0
    return t


def _setitem_ellipsis(t: Any) -> Any:
    t[...] = t * 2
    return t


METHODS: dict[str, Callable[[Any, Any], Any]] = {
    "add_": lambda m, t: t.add_(1),
    "add_ tensor": lambda m, t: t.add_(m.tensor([1.0, 2.0])),
    "sub_": lambda m, t: t.sub_(1),
    "mul_": lambda m, t: t.mul_(2),
    "div_": lambda m, t: t.div_(2),
    "zero_": lambda m, t: t.zero_(),
    "fill_": lambda m, t: t.fill_(3.0),
    "copy_": lambda m, t: t.copy_(m.tensor([5.0, 6.0])),
    "clamp_": lambda m, t: t.clamp_(1.2, 1.8),
    "clamp_ min only": lambda m, t: t.clamp_(min=1.5),
    "neg_": lambda m, t: t.neg_(),
}
OPERATORS: dict[str, Callable[[Any], Any]] = {
    "+=": _iadd,
    "-=": _isub,
    "*=": _imul,
    "/=": _idiv,
}
SETITEMS: dict[str, Callable[[Any], Any]] = {
    "t[0] = 5.": _setitem_int,
    "t[:] = 5.": _setitem_all,
    "t[t > 1.5] = 0.": _setitem_mask,
    "t[[0, 1]] = 7.": _setitem_list,
    "t[...] = t * 2": _setitem_ellipsis,
}


def in_place(name: str) -> Callable[[Any, Any], Any]:
    if name in METHODS:
        return METHODS[name]
    single = {**OPERATORS, **SETITEMS}[name]
    return lambda m, t: single(t)


IN_PLACE = [*METHODS, *OPERATORS, *SETITEMS]
# torch's message for t[0] = 5. is VIEW_OF_LEAF_MESSAGE (t[0] is a view), for t[:] = 5. it is
# LEAF_MESSAGE (t[:] is t itself); the first contains the second.


def _leaf_scenario(name: str) -> Scenario:
    def run(m: Any) -> dict[str, Any]:
        w = m.tensor([1.0, 2.0], requires_grad=True)
        raised = outcome(lambda: in_place(name)(m, w), LEAF_MESSAGE)
        return {"in-place": raised, "w": tensor_facts(w)}  # refused: w unchanged

    return run


for _name in IN_PLACE:
    scenario(f"leaf requiring grad, grad mode on: {_name}")(_leaf_scenario(_name))


VIEW_WRITES: dict[str, Callable[[Any], Any]] = {
    "w[0:1].mul_(2)": lambda w: w[0:1].mul_(2),
    "w[0] = 1.": lambda w: w.__setitem__(0, 1.0),
    "w[:1].zero_()": lambda w: w[:1].zero_(),
    "w[1:] += 1": lambda w: w.__setitem__(slice(1, None), _iadd(w[1:])),
    "w.view(2).add_(1)": lambda w: w.view(2).add_(1),
    "w.unsqueeze(0).add_(1)": lambda w: w.unsqueeze(0).add_(1),
}


def _view_of_leaf_scenario(name: str) -> Scenario:
    def run(m: Any) -> dict[str, Any]:
        w = m.tensor([1.0, 2.0], requires_grad=True)
        raised = outcome(lambda: VIEW_WRITES[name](w), VIEW_OF_LEAF_MESSAGE)
        return {"in-place": raised, "w": tensor_facts(w)}

    return run


for _name in VIEW_WRITES:
    scenario(f"view of a leaf requiring grad, grad mode on: {_name}")(_view_of_leaf_scenario(_name))


def _leaf_under_no_grad_scenario(name: str) -> Scenario:
    def run(m: Any) -> dict[str, Any]:
        w = m.tensor([1.0, 2.0], requires_grad=True)
        with m.no_grad():
            if name in VIEW_WRITES:
                VIEW_WRITES[name](w)
            else:
                in_place(name)(m, w)
        return {"w": tensor_facts(w), "w.grad": value(w.grad)}

    return run


for _name in [*IN_PLACE, *VIEW_WRITES]:
    scenario(f"leaf requiring grad, under no_grad: {_name}")(_leaf_under_no_grad_scenario(_name))


@scenario("in place on a leaf that does not require grad: it stays a leaf")
def _(m: Any) -> dict[str, Any]:
    x = m.zeros(2)
    x.add_(1)
    x[0] = 3.0
    return {"x": tensor_facts(x)}


# ---------------------------------------------------------------- recorded in-place writes


@scenario("y = x * 2; y[0] = 0")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y[0] = 0
    facts = tensor_facts(y)
    y.sum().backward()
    return {"y": facts, "x.grad": value(x.grad)}


@scenario("x = zeros(2); x += w")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor([1.0, 2.0], requires_grad=True)
    x = m.zeros(2)
    before = x
    x += w
    facts = tensor_facts(x)
    (x * 3).sum().backward()
    return {"same object": x is before, "x": facts, "w.grad": value(w.grad)}


@scenario("x = zeros(3); x[0] = w")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor(2.0, requires_grad=True)
    x = m.zeros(3)
    x[0] = w
    facts = tensor_facts(x)
    (x * x).sum().backward()
    return {"x": facts, "w.grad": value(w.grad)}


@scenario("x = zeros(3); x[0] = w under no_grad is not recorded")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor(2.0, requires_grad=True)
    x = m.zeros(3)
    with m.no_grad():
        x[0] = w
    return {"x": tensor_facts(x)}


@scenario("through a view of a non-leaf: y[1:].mul_(2)")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    y[1:].mul_(2)
    facts = tensor_facts(y)
    y.sum().backward()
    return {"y": facts, "x.grad": value(x.grad)}


@scenario("through a view of a plain tensor with a value that requires grad")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor([1.0, 2.0], requires_grad=True)
    x = m.zeros(3)
    x[1:].add_(w)
    facts = tensor_facts(x)
    (x * m.tensor([1.0, 2.0, 3.0])).sum().backward()
    return {"x": facts, "w.grad": value(w.grad)}


@scenario("a chain of in-place ops on a non-leaf")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x * 1
    y.mul_(3)
    y.add_(x)
    y.sub_(1)
    y.div_(2)
    y.neg_()
    y.clamp_(-1.5, 0.5)
    y.mul_(x)
    facts = tensor_facts(y)
    (y * m.tensor([1.0, 2.0, 3.0])).sum().backward()
    return {"y": facts, "x.grad": value(x.grad)}


@scenario("in-place ops whose operands require grad")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    w = m.tensor([3.0, -0.5], requires_grad=True)
    y = x * 1
    y.mul_(x)  # x² (mul_ needs the value y had before it)
    y.mul_(w)
    y.div_(x + 2)
    y.sub_(w)
    y += w * w
    y *= x
    y /= w
    facts = tensor_facts(y)
    (y * m.tensor([1.0, 10.0])).sum().backward()
    return {"y": facts, "x.grad": value(x.grad), "w.grad": value(w.grad)}


@scenario("in place on a non-leaf under no_grad is not recorded")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with m.no_grad():
        y += 1
    facts = tensor_facts(y)
    y.sum().backward()
    return {"y": facts, "x.grad": value(x.grad)}


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
    "boolean mask": "mask",
    "integer tensor": "index tensor",
}


def _index(m: Any, key: str) -> Any:
    index = INDICES[key]
    if index == "mask":
        return m.tensor(MASK)
    if index == "index tensor":
        return m.tensor([2, 0])
    return index


def _setitem_scenario(key: str, broadcast: bool) -> Scenario:
    def run(m: Any) -> dict[str, Any]:
        x = m.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
        y = x * 1
        index = _index(m, key)
        shape = () if broadcast else tuple(y[index].shape)
        v = m.tensor(10.0 + np.arange(float(np.prod(shape))).reshape(shape), requires_grad=True)
        y[index] = v
        facts = tensor_facts(y)
        (y * y * m.tensor(np.arange(1.0, 13.0).reshape(3, 4))).sum().backward()
        return {"y": facts, "x.grad": value(x.grad), "v.grad": value(v.grad)}

    return run


for _key in INDICES:
    scenario(f"y[{_key}] = v, v requiring grad")(_setitem_scenario(_key, broadcast=False))
    scenario(f"y[{_key}] = v, v 0-d requiring grad")(_setitem_scenario(_key, broadcast=True))


@scenario("in place on a view, then read the base")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    v = y[0:2]
    v.mul_(3)
    facts = {"y": tensor_facts(y), "v": tensor_facts(v)}
    y.sum().backward()
    return {**facts, "x.grad": value(x.grad)}


@scenario("an existing view read after its base changed")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = m.tensor(10.0, requires_grad=True)
    y = x * 1
    v = y[:2]
    y[0] = w
    facts = tensor_facts(v)
    (v * m.tensor([1.0, 5.0])).sum().backward()
    return {"v": facts, "x.grad": value(x.grad), "w.grad": value(w.grad)}


@scenario("double backward through y.mul_(x)")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.mul_(x)
    (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
    first = tensor_facts(g)
    g.sum().backward()
    return {"first": first, "x.grad": value(x.grad)}


@scenario("double backward through setitem")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp() * 1
    y[0] = x[1] ** 2
    (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
    first = value(g)
    g.sum().backward()
    return {"first": first, "x.grad": value(x.grad)}


# ---------------------------------------------------------------- version counters


@scenario("versions start at 0")
def _(m: Any) -> dict[str, Any]:
    changed = m.zeros(2)
    changed.add_(1)
    fresh = [
        m.tensor([1.0]),
        m.tensor([1.0], requires_grad=True),
        m.zeros(2),
        m.ones(2),
        m.arange(3.0),
        m.zeros(2) + 1,
        m.tensor([1.0], requires_grad=True) * 2,
        changed.clone(),
    ]
    return {"versions": [t._version for t in fresh], "changed": changed._version}


def _bump_scenario(name: str) -> Scenario:
    def run(m: Any) -> dict[str, Any]:
        t = m.tensor([1.0, 2.0])
        result = in_place(name)(m, t)
        return {"returns t": result is t, "t": tensor_facts(t)}

    return run


for _name in IN_PLACE:
    scenario(f"{_name} bumps the version by one")(_bump_scenario(_name))


@scenario("two in-place writes bump the version twice")
def _(m: Any) -> dict[str, Any]:
    t = m.tensor([1.0, 2.0])
    t.add_(1)
    t[1] = 0.0
    return {"t": tensor_facts(t)}


OPTIMIZERS: dict[str, Callable[[Any, Any], Any]] = {
    "SGD": lambda m, w: m.optim.SGD([w], lr=0.1),
    "SGD with momentum": lambda m, w: m.optim.SGD([w], lr=0.1, momentum=0.9),
    "SGD with weight decay": lambda m, w: m.optim.SGD([w], lr=0.1, weight_decay=0.1),
    "Adam": lambda m, w: m.optim.Adam([w], lr=0.1),
}


def _optimizer_scenario(name: str) -> Scenario:
    def run(m: Any) -> dict[str, Any]:
        w = m.tensor([1.0, 2.0], requires_grad=True)
        optimizer = OPTIMIZERS[name](m, w)
        (w * w).sum().backward()
        before = w._version
        optimizer.step()
        facts = tensor_facts(w)
        if name != "SGD":  # how many writes a step makes is the optimizer's business
            facts["_version"] = facts["_version"] > before
        return {"before step": before, "w": facts}

    return run


for _name in OPTIMIZERS:
    scenario(f"{_name}.step() bumps the parameter's version")(_optimizer_scenario(_name))


VIEWS: dict[str, Callable[[Any], Any]] = {
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


def _view_scenario(name: str, requires_grad: bool) -> Scenario:
    def run(m: Any) -> dict[str, Any]:
        x = m.zeros(2, 3, requires_grad=requires_grad)
        v = VIEWS[name](x)
        start = v._version
        with m.no_grad():
            v.add_(1)
            after_view_write = (x._version, v._version, value(x))
            x.mul_(2)
        return {
            "view starts at": start,
            "after v.add_(1): x._version, v._version, x": after_view_write,
            "after x.mul_(2)": tensor_facts(v),
        }

    return run


for _name in VIEWS:
    scenario(f"{_name} shares the version counter")(_view_scenario(_name, False))
    scenario(f"{_name} of a leaf requiring grad shares it")(_view_scenario(_name, True))


COPIES: dict[str, Callable[[Any, Any], Any]] = {
    "x.clone()": lambda m, x: x.clone(),
    "x[[0, 1]]": lambda m, x: x[[0, 1]],
    "x[tensor([0])]": lambda m, x: x[m.tensor([0])],
    "x[x == 0]": lambda m, x: x[x == 0],
    "x.t().reshape(6)": lambda m, x: x.t().reshape(6),
    "x.t().flatten()": lambda m, x: x.t().flatten(),
    "x.float() of float64": lambda m, x: x.float(),
}


def _copy_scenario(name: str) -> Scenario:
    def run(m: Any) -> dict[str, Any]:
        x = m.zeros(2, 3)
        c = COPIES[name](m, x)
        c.add_(1)
        return {"x": tensor_facts(x), "copy._version": c._version}

    return run


for _name in COPIES:
    scenario(f"{_name} is a copy: its own version counter")(_copy_scenario(_name))


# ---------------------------------------------------------------- autograd.grad runs what it needs


def _recording_double(m: Any, calls: list[str]) -> Any:
    """A Function y = 2u whose backward records that it ran (and is right, to fail clearly)."""

    class RecordingDouble(m.autograd.Function):
        @staticmethod
        def forward(ctx: Any, u: Any) -> Any:
            return u * 2

        @staticmethod
        def backward(ctx: Any, grad_output: Any) -> Any:
            calls.append("RecordingDouble.backward")
            return grad_output * 2

    return RecordingDouble


@scenario("grad(y, h) for an intermediate h leaves the path below h unrun")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([0.5, -1.0], requires_grad=True)
    h = x.exp()
    y = (h * h).sum()
    (g,) = m.autograd.grad(y, h)
    return {
        "g": value(g),
        "x.grad after grad": value(x.grad),
        "h.sum().backward()": outcome(lambda: h.sum().backward()),
        "x.grad": value(x.grad),
    }


@scenario("a second grad, of another output, after grad(y, h)")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([0.5, -1.0], requires_grad=True)
    h = x.exp()
    y = (h * h).sum()
    z = (h * x).sum()
    (g_h,) = m.autograd.grad(y, h)
    (g_x,) = m.autograd.grad(z, x)
    return {"dy/dh": value(g_h), "dz/dx": value(g_x)}


@scenario("a second grad of the same output, for another input, with retain_graph")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([0.5, -1.0], requires_grad=True)
    h = x.exp()
    y = (h * h).sum()
    (g_h,) = m.autograd.grad(y, h, retain_graph=True)
    (g_x,) = m.autograd.grad(y, x)
    return {"dy/dh": value(g_h), "dy/dx": value(g_x)}


@scenario("grad of the same output again without retain_graph raises")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([0.5, -1.0], requires_grad=True)
    h = x.exp()
    y = (h * h).sum()
    m.autograd.grad(y, h)
    again = outcome(lambda: m.autograd.grad(y, h), "backward through the graph a second time")
    return {"again": again}


@scenario("grad(y, x) does not run a Function on a branch to another leaf")
def _(m: Any) -> dict[str, Any]:
    calls: list[str] = []
    x = m.tensor([0.5, -1.0], requires_grad=True)
    u = m.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum() + _recording_double(m, calls).apply(u).sum()
    (g,) = m.autograd.grad(y, x)
    return {"g": value(g), "calls": calls, "u.grad": value(u.grad)}


@scenario("grad(y, h) does not run a Function on a branch that skips h")
def _(m: Any) -> dict[str, Any]:
    calls: list[str] = []
    x = m.tensor([0.5, -1.0], requires_grad=True)
    h = x.exp()
    y = (h * h).sum() + _recording_double(m, calls).apply(x).sum()
    (g,) = m.autograd.grad(y, h)
    return {"g": value(g), "calls": calls}


@scenario("grad(y, x) runs the Function when it is on the way to x")
def _(m: Any) -> dict[str, Any]:
    calls: list[str] = []
    x = m.tensor([0.5, -1.0], requires_grad=True)
    y = (_recording_double(m, calls).apply(x) ** 2).sum()
    (g,) = m.autograd.grad(y, x)
    return {"g": value(g), "calls": calls}


@scenario("backward(inputs=[x]) does not run a Function on a branch to another leaf")
def _(m: Any) -> dict[str, Any]:
    calls: list[str] = []
    x = m.tensor([0.5, -1.0], requires_grad=True)
    u = m.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum() + _recording_double(m, calls).apply(u).sum()
    y.backward(inputs=[x])
    return {"x.grad": value(x.grad), "u.grad": value(u.grad), "calls": calls}


@scenario("backward(inputs=...) accumulates into the given tensors only")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    w = m.tensor([3.0, 4.0], requires_grad=True)
    (x * w).sum().backward(inputs=[x])
    first = {"x.grad": value(x.grad), "w.grad": value(w.grad)}
    (x * w * w).sum().backward(inputs=w)  # one tensor, not a list
    then = {"x.grad": value(x.grad), "w.grad": value(w.grad)}
    return {"inputs=[x]": first, "then inputs=w": then}


@scenario("backward(inputs=[h]) for a non-leaf h")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (h * h).sum().backward(inputs=[h])
    return {"h.retains_grad": h.retains_grad, "h.grad": value(h.grad), "x.grad": value(x.grad)}


@scenario("backward(inputs=[]) raises")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    return {"empty": outcome(lambda: (x * x).sum().backward(inputs=[]), "cannot be empty")}


@scenario("autograd.backward of one tensor")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    returned = m.autograd.backward((x * x).sum())
    return {"returned": returned, "x.grad": value(x.grad)}


@scenario("autograd.backward of several tensors")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    m.autograd.backward([(x * x).sum(), (x * 3).sum()])
    first = value(x.grad)
    m.autograd.backward(((x**3).sum(), (x * x).sum()), [None, None])
    return {"list": first, "tuple, grad_tensors None": value(x.grad)}


@scenario("autograd.backward with grad_tensors")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    m.autograd.backward(
        [x * x, x * 3], grad_tensors=[m.tensor([1.0, 10.0]), m.tensor([100.0, 1000.0])]
    )
    several = value(x.grad)
    x.grad = None
    m.autograd.backward(x * x, grad_tensors=m.tensor([1.0, 10.0]))
    return {"several": several, "one": value(x.grad)}


@scenario("autograd.backward of a non-scalar without grad_tensors raises")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    return {
        "backward": outcome(
            lambda: m.autograd.backward(x * x), "grad can be implicitly created only for scalar"
        )
    }


@scenario("autograd.backward with inputs")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    w = m.tensor([3.0, 4.0], requires_grad=True)
    m.autograd.backward([(x * w).sum(), (w * w).sum()], inputs=[w])
    return {"x.grad": value(x.grad), "w.grad": value(w.grad)}


@scenario("autograd.backward with retain_graph, twice")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = (x**3).sum()
    m.autograd.backward(y, retain_graph=True)
    m.autograd.backward(y)
    third = outcome(lambda: m.autograd.backward(y), "backward through the graph a second time")
    return {"x.grad": value(x.grad), "third": third}


@scenario("autograd.backward with create_graph")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = (x**3).sum()
    with warnings.catch_warnings():  # torch warns of the cycle between x and x.grad
        warnings.filterwarnings("ignore", "Using backward\\(\\) with create_graph=True")
        m.autograd.backward(y, create_graph=True)
    first = x.grad
    (second,) = m.autograd.grad(first.sum(), x)
    return {
        "x.grad": value(first),
        "x.grad.requires_grad": first.requires_grad,
        "d(sum x.grad)/dx": value(second),
    }


# ---------------------------------------------------------------- Functions as in PyTorch 2.x


def _two_outputs(m: Any, seen: list[Any], materialize: bool = True) -> Any:
    """(a, b) = (x y, x + y²); backward records the gradients it receives."""

    class TwoOutputs(m.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any, y: Any) -> Any:
            if not materialize:
                ctx.set_materialize_grads(False)
            ctx.save_for_backward(x, y)
            return x * y, x + y * y

        @staticmethod
        def backward(ctx: Any, grad_a: Any, grad_b: Any) -> Any:
            seen.append([None if g is None else value(g) for g in (grad_a, grad_b)])
            x, y = ctx.saved_tensors
            grad_x, grad_y = m.zeros_like(x), m.zeros_like(y)
            if grad_a is not None:
                grad_x, grad_y = grad_x + grad_a * y, grad_y + grad_a * x
            if grad_b is not None:
                grad_x, grad_y = grad_x + grad_b, grad_y + grad_b * 2 * y
            return grad_x, grad_y

    return TwoOutputs


def _two_leaves(m: Any) -> tuple[Any, Any]:
    return m.tensor([1.0, 2.0], requires_grad=True), m.tensor([3.0, -1.0], requires_grad=True)


@scenario("Function with two outputs, both used")
def _(m: Any) -> dict[str, Any]:
    seen: list[Any] = []
    x, y = _two_leaves(m)
    result = _two_outputs(m, seen).apply(x, y)
    a, b = result
    facts = {
        "a tuple": isinstance(result, tuple),
        "a": tensor_facts(a),
        "b": tensor_facts(b),
        "one node": a.grad_fn is b.grad_fn,
    }
    (a.sum() + 10 * b.sum()).backward()
    return {**facts, "seen": seen, "x.grad": value(x.grad), "y.grad": value(y.grad)}


@scenario("Function with two outputs, one used: zeros for the other")
def _(m: Any) -> dict[str, Any]:
    seen: list[Any] = []
    x, y = _two_leaves(m)
    a, _ = _two_outputs(m, seen).apply(x, y)
    a.sum().backward()
    return {"seen": seen, "x.grad": value(x.grad), "y.grad": value(y.grad)}


@scenario("Function with two outputs, set_materialize_grads(False): None for the unused one")
def _(m: Any) -> dict[str, Any]:
    seen: list[Any] = []
    x, y = _two_leaves(m)
    _, b = _two_outputs(m, seen, materialize=False).apply(x, y)
    b.sum().backward()
    return {"seen": seen, "x.grad": value(x.grad), "y.grad": value(y.grad)}


@scenario("gradcheck of the two-output Function")
def _(m: Any) -> dict[str, Any]:
    x, y = _two_leaves(m)
    function = _two_outputs(m, [])
    return {"gradcheck": m.autograd.gradcheck(function.apply, (x, y), raise_exception=False)}


def _scaled_product(m: Any, seen: list[Any]) -> Any:
    """forward(x, y, scale=1.0) = scale x y, in the setup_context style."""

    class ScaledProduct(m.autograd.Function):
        @staticmethod
        def forward(x: Any, y: Any, scale: float = 1.0) -> Any:
            return x * y * scale

        @staticmethod
        def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
            seen.append([i if not isinstance(i, m.Tensor) else "tensor" for i in inputs])
            seen.append(isinstance(output, m.Tensor))
            x, y, scale = inputs
            ctx.save_for_backward(x, y)
            ctx.scale = scale

        @staticmethod
        def backward(ctx: Any, grad_output: Any) -> Any:
            x, y = ctx.saved_tensors
            return grad_output * y * ctx.scale, grad_output * x * ctx.scale, None

    return ScaledProduct


@scenario("setup_context style")
def _(m: Any) -> dict[str, Any]:
    seen: list[Any] = []
    x, y = _two_leaves(m)
    out = _scaled_product(m, seen).apply(x, y, 2.0)
    facts = tensor_facts(out)
    out.sum().backward()
    return {"out": facts, "seen": seen, "x.grad": value(x.grad), "y.grad": value(y.grad)}


@scenario("setup_context sees keyword and default arguments as positional inputs")
def _(m: Any) -> dict[str, Any]:
    seen: list[Any] = []
    x, y = _two_leaves(m)
    function = _scaled_product(m, seen)
    keyword = function.apply(x, y, scale=3.0)
    default = function.apply(x, y)
    (keyword.sum() + default.sum()).backward()
    return {
        "keyword": value(keyword),
        "default": value(default),
        "seen": seen,
        "x.grad": value(x.grad),
    }


@scenario("gradcheck of the setup_context Function")
def _(m: Any) -> dict[str, Any]:
    x, y = _two_leaves(m)
    function = _scaled_product(m, [])
    check = m.autograd.gradcheck(lambda a, b: function.apply(a, b, scale=-1.5), (x, y))
    return {"gradcheck": check}


def _scale(m: Any) -> Any:
    class Scale(m.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any, scale: float = 1.0) -> Any:
            ctx.scale = scale
            return x * scale

        @staticmethod
        def backward(ctx: Any, grad_output: Any) -> Any:
            return grad_output * ctx.scale, None

    return Scale


@scenario("keyword arguments to apply (forward with ctx)")
def _(m: Any) -> dict[str, Any]:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    out = _scale(m).apply(x, scale=3.0)
    facts = tensor_facts(out)
    out.sum().backward()
    return {"out": facts, "x.grad": value(x.grad)}


@scenario("a tensor passed to apply by keyword gets its gradient")
def _(m: Any) -> dict[str, Any]:
    class Product(m.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any, other: Any = None) -> Any:
            ctx.save_for_backward(x, other)
            return x * other

        @staticmethod
        def backward(ctx: Any, grad_output: Any) -> Any:
            x, other = ctx.saved_tensors
            return grad_output * other, grad_output * x

    x, w = _two_leaves(m)
    out = Product.apply(x, other=w)
    out.sum().backward()
    return {"out": tensor_facts(out), "x.grad": value(x.grad), "w.grad": value(w.grad)}


def _once_cube(m: Any, seen: list[Any]) -> Any:
    class OnceCube(m.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        @m.autograd.function.once_differentiable
        def backward(ctx: Any, grad_output: Any) -> Any:
            seen.append(m.is_grad_enabled())
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x * x

    return OnceCube


@scenario("once_differentiable: first order works")
def _(m: Any) -> dict[str, Any]:
    seen: list[Any] = []
    x = m.tensor([1.0, 2.0], requires_grad=True)
    _once_cube(m, seen).apply(x).sum().backward()
    return {"x.grad": value(x.grad), "grad mode inside backward": seen}


@scenario("once_differentiable: double backward raises")
def _(m: Any) -> dict[str, Any]:
    seen: list[Any] = []
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = (_once_cube(m, seen).apply(x) ** 2).sum()
    (g,) = m.autograd.grad(y, x, create_graph=True)
    return {
        "g": value(g),
        "g.requires_grad": g.requires_grad,
        "grad mode inside backward": seen,
        "g.sum().backward()": outcome(lambda: g.sum().backward(), "once_differentiable"),
    }


def _double_in_place(m: Any) -> Any:
    class DoubleInPlace(m.autograd.Function):
        @staticmethod
        def forward(ctx: Any, t: Any) -> Any:
            t.mul_(2)
            ctx.mark_dirty(t)
            return t

        @staticmethod
        def backward(ctx: Any, grad_output: Any) -> Any:
            return grad_output * 2

    return DoubleInPlace


@scenario("mark_dirty: a Function that doubles its input in place")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor([1.0, 2.0], requires_grad=True)
    a = w * 1
    out = _double_in_place(m).apply(a)
    facts = tensor_facts(a)
    facts["_version"] = facts["_version"] > 0  # torch counts 2: mul_ and mark_dirty
    (out * out).sum().backward()
    return {"returns a": out is a, "a": facts, "w.grad": value(w.grad)}


@scenario("mark_dirty on a plain tensor")
def _(m: Any) -> dict[str, Any]:
    p = m.tensor([1.0, 3.0])
    out = _double_in_place(m).apply(p)
    return {"returns p": out is p, "p": value(p), "requires_grad": out.requires_grad}


@scenario("mark_dirty on a leaf requiring grad raises")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor([1.0, 2.0], requires_grad=True)
    return {
        "apply": outcome(lambda: _double_in_place(m).apply(w), "a leaf Variable that requires grad")
    }


@scenario("mark_dirty on a saved output: backward sees the change")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor([1.0, 2.0], requires_grad=True)
    a = w.exp()
    out = _double_in_place(m).apply(a)
    return {"backward": outcome(lambda: out.sum().backward(), MODIFIED, "output 0 of Exp")}


@scenario("mark_non_differentiable on one of two outputs")
def _(m: Any) -> dict[str, Any]:
    seen: list[Any] = []

    class SortWithIndices(m.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            order = np.argsort(x.detach().numpy())
            indices = m.tensor(order)
            ctx.mark_non_differentiable(indices)
            ctx.save_for_backward(indices)
            return x[indices], indices

        @staticmethod
        def backward(ctx: Any, grad_values: Any, grad_indices: Any) -> Any:
            seen.append(None if grad_indices is None else value(grad_indices))
            (indices,) = ctx.saved_tensors
            grad_x = m.zeros_like(grad_values)
            grad_x[indices] = grad_values
            return grad_x

    x = m.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, indices = SortWithIndices.apply(x)
    facts = {"values": tensor_facts(values), "indices": tensor_facts(indices)}
    (values * m.tensor([1.0, 10.0, 100.0])).sum().backward()
    return {**facts, "grad for indices": seen, "x.grad": value(x.grad)}


@scenario("mark_non_differentiable on the only output")
def _(m: Any) -> dict[str, Any]:
    class Half(m.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            out = x * 0.5
            ctx.mark_non_differentiable(out)
            return out

        @staticmethod
        def backward(ctx: Any, grad_output: Any) -> Any:
            return grad_output

    x = m.tensor([1.0, 2.0], requires_grad=True)
    out = Half.apply(x)
    return {
        "out": tensor_facts(out),
        "backward": outcome(lambda: out.sum().backward(), "does not require grad"),
    }


# ---------------------------------------------------------------- grad modes


def _modes(m: Any, inference: bool) -> tuple[bool, ...]:
    if inference:
        return m.is_grad_enabled(), m.is_inference_mode_enabled()
    return (m.is_grad_enabled(),)


def _decorator_scenario(mode: str, parentheses: bool) -> Scenario:
    inference = mode == "inference_mode"

    def run(m: Any) -> dict[str, Any]:
        decorator = getattr(m, mode)() if parentheses else getattr(m, mode)
        w = m.tensor([1.0, 2.0], requires_grad=True)

        @decorator
        def function(a: Any, b: float = 1.0) -> Any:
            """The docstring."""
            return _modes(m, inference), (w * a + b).requires_grad

        @decorator
        def generator(n: int) -> Iterator[Any]:
            for _ in range(n):
                yield _modes(m, inference), (w * 2).requires_grad

        calls = [function(2.0, b=3.0)]
        with m.no_grad():
            calls.append(function(2.0))
        steps = generator(3)
        resumed = [next(steps), ("between", _modes(m, inference))]
        with m.no_grad():
            resumed += [next(steps), ("between", _modes(m, inference))]
        resumed.append(next(steps))
        return {
            "names": (function.__name__, function.__doc__, generator.__name__),
            "calls": calls,
            "generator": resumed,
            "after": _modes(m, inference),
        }

    return run


for _mode in ["no_grad", "enable_grad", "inference_mode"]:
    for _parentheses in [False, True]:
        _spelled = f"@{_mode}()" if _parentheses else f"@{_mode}"
        scenario(f"{_spelled} on a function and a generator")(
            _decorator_scenario(_mode, _parentheses)
        )


@scenario("@set_grad_enabled(False) on a generator")
def _(m: Any) -> dict[str, Any]:
    @m.set_grad_enabled(False)
    def generator() -> Iterator[bool]:
        yield m.is_grad_enabled()
        yield m.is_grad_enabled()

    steps = generator()
    return {"steps": [next(steps), m.is_grad_enabled(), next(steps)]}


@scenario("no_grad and enable_grad as context managers")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor([1.0, 2.0], requires_grad=True)
    seen: dict[str, Any] = {}
    with m.no_grad():
        seen["no_grad"] = (m.is_grad_enabled(), (w * 2).requires_grad)
        with m.enable_grad():
            seen["enable_grad inside"] = (m.is_grad_enabled(), (w * 2).requires_grad)
        seen["back in no_grad"] = m.is_grad_enabled()
    seen["after"] = m.is_grad_enabled()
    return seen


@scenario("inference_mode as a context manager")
def _(m: Any) -> dict[str, Any]:
    w = m.tensor([1.0, 2.0], requires_grad=True)
    seen: dict[str, Any] = {"before": _modes(m, True)}
    with m.inference_mode():
        y = w * 2
        seen["inside"] = (_modes(m, True), y.requires_grad, y.grad_fn is None)
    with m.inference_mode(False):
        seen["inference_mode(False)"] = _modes(m, True)
    with m.inference_mode(mode=True):
        seen["mode=True"] = _modes(m, True)
    seen["after"] = _modes(m, True)
    return seen


@scenario("grad modes are restored after an exception")
def _(m: Any) -> dict[str, Any]:
    def fail() -> None:
        raise ValueError("inside")

    seen = []
    for mode in [m.no_grad, m.enable_grad, m.inference_mode]:
        with m.no_grad():  # so that enable_grad changes something too
            with pytest.raises(ValueError):
                mode()(fail)()
            seen.append(("decorator", m.is_grad_enabled()))
            with pytest.raises(ValueError), mode():
                fail()
            seen.append(("context", m.is_grad_enabled()))
        seen.append(("outside", m.is_grad_enabled()))
    return {"seen": seen}


# ---------------------------------------------------------------- shared constants


@scenario("a Function writing into its saved second input leaves t * 2.0 alone")
def _(m: Any) -> dict[str, Any]:
    class Scribble(m.autograd.Function):
        """x * c that, if c is a tensor, writes into it (forward) and into the saved c."""

        @staticmethod
        def forward(ctx: Any, x: Any, c: Any) -> Any:
            ctx.c = c
            result = x * c
            if isinstance(c, m.Tensor):
                c.add_(1000)
            return result

        @staticmethod
        def backward(ctx: Any, grad_output: Any) -> Any:
            grad = grad_output * ctx.c
            if isinstance(ctx.c, m.Tensor):
                with m.no_grad():
                    ctx.c.mul_(-1)
            return grad, None

    t = m.tensor([1.0, 2.0], requires_grad=True)
    before = t * 2.0
    out = Scribble.apply(t, 2.0)
    out.sum().backward()
    scribble_grad = value(t.grad)
    t.grad = None
    before.sum().backward()
    return {
        "Scribble": value(out),
        "its grad": scribble_grad,
        "earlier t * 2.0, grad": value(t.grad),
        "later t * 2.0": value(t * 2.0),
        "later t + 2.0": value(t + 2.0),
    }


# ---------------------------------------------------------------- hook handles


def _hook_scenario(leaf: bool) -> Scenario:
    def run(m: Any) -> dict[str, Any]:
        calls: list[Any] = []

        def hook(grad: Any) -> None:
            calls.append(value(grad))

        x = m.tensor([1.0, 2.0], requires_grad=True)
        t = x if leaf else x * 3
        loss = (t * t).sum()
        first = t.register_hook(hook)
        second = t.register_hook(hook)
        first.remove()
        first.remove()
        loss.backward(retain_graph=True)
        after_first_removed = list(calls)
        second.remove()
        calls.clear()
        loss.backward()
        return {"after first.remove() twice": after_first_removed, "after both": calls}

    return run


scenario("the same hook twice on a leaf, first handle removed twice")(_hook_scenario(True))
scenario("the same hook twice on a non-leaf, first handle removed twice")(_hook_scenario(False))


@scenario("three doubling hooks, the middle one removed twice")
def _(m: Any) -> dict[str, Any]:
    def double(grad: Any) -> Any:
        return grad * 2

    x = m.tensor([1.0, 2.0], requires_grad=True)
    handles = [x.register_hook(double) for _ in range(3)]
    handles[1].remove()
    handles[1].remove()
    x.sum().backward()
    return {"x.grad": value(x.grad)}


# ---------------------------------------------------------------- the tests

NAMES = list(SCENARIOS)


@pytest.mark.parametrize("name", NAMES)
def test_matches_torch(name: str) -> None:
    theirs = SCENARIOS[name](torch)
    ours = SCENARIOS[name](rg)
    assert_same(ours, theirs, name)


@pytest.mark.parametrize("name", NAMES)
def test_torch_behaves_as_the_scenario_says(name: str) -> None:
    """The torch side alone: each expected error is raised with its phrases, and no other."""
    observed = SCENARIOS[name](torch)
    assert observed
    for where, found in outcomes(observed):
        if found.expected_error:
            assert found.error == "RuntimeError", f"{where}: torch raised {found.error}"
            assert not found.missing, f"{where}: torch's message lacks {found.missing}"
        else:
            assert found.error is None, f"{where}: torch raised {found.error}"
