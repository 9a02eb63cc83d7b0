"""Checks for the exercises of "From recursion to backward" (docs/backward.md).

Each check raises AssertionError with a hint when the answer is wrong, and returns None otherwise.
The reference gradients come from refgrad's own engine (``rg.autograd.grad``).
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

import refgrad as rg
from refgrad.autograd.function import BackwardNode
from refgrad.autograd.node import AccumulateGrad, Node

# -- Exercise 1: total derivatives by hand -----------------------------------------------------


def exercise_1(df_du: float, df_dx: float) -> None:
    """Check the total df/du and df/dx of f = u * v with u = x**2 and v = u + x, at x = 3."""
    x = 3.0
    u = x * x
    v = u + x
    want_du = v + u  # f's own use of u, plus u's path through v
    want_dx = want_du * 2 * x + u  # through u (both of u's uses), plus x's direct use by v
    if math.isclose(df_du, v):
        raise AssertionError(
            f"df/du = {df_du} is only the partial of f = u*v holding v fixed; v depends on u too, "
            "so add the path f -> v -> u"
        )
    assert math.isclose(df_du, want_du), (
        f"df/du = {df_du} is not right: sum the contributions of both uses of u (by f and by v)"
    )
    if math.isclose(df_dx, want_du * 2 * x):
        raise AssertionError(
            f"df/dx = {df_dx} misses the path f -> v -> x: x is also used directly by v = u + x"
        )
    assert math.isclose(df_dx, want_dx), (
        f"df/dx = {df_dx} is not right: it is (df/du)(du/dx) plus the path through v's direct use "
        "of x; check it with a central difference of f(x) = x**2 * (x**2 + x)"
    )


# -- Exercise 2: counting paths ------------------------------------------------------------------


def _paths_by_walking(node: Node | None, counts: dict[Node, int]) -> None:
    """Enumerate every path (exponential: only for small graphs)."""
    if node is None:
        return
    if isinstance(node, AccumulateGrad):
        counts[node] = counts.get(node, 0) + 1
        return
    for child in node.next_nodes:
        _paths_by_walking(child, counts)


def _graphs_for_paths() -> Iterator[tuple[str, rg.Tensor, dict[rg.Tensor, int] | None]]:
    a = rg.tensor(2.0, requires_grad=True)
    b = rg.tensor(1.0, requires_grad=True)
    yield "e = (a + b)(b + 1)", (a + b) * (b + 1), {a: 1, b: 2}

    x = rg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(40):
        y = y + y
    yield "40 stacked diamonds (y = y + y)", y, {x: 2**40}

    x = rg.tensor(0.5, requires_grad=True)
    w = rg.tensor([1.0, -2.0], requires_grad=True)
    s = (x * x + w).exp()  # x*x is two edges to x
    yield "exp(x*x + w), reused", (s * s + s.sum() * w).sum(), None


class _TooSlowError(Exception):
    pass


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (where SIGALRM exists and this is the main thread)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise _TooSlowError

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def exercise_2(count_paths: Callable[[rg.Tensor], dict[rg.Tensor, int]]) -> None:
    """Check ``count_paths(output) -> {leaf: number of paths from output to leaf}``."""
    for name, output, known in _graphs_for_paths():
        if known is None:
            walked: dict[Node, int] = {}
            assert output.grad_fn is not None
            _paths_by_walking(output.grad_fn, walked)
            known = {
                node.variable: n for node, n in walked.items() if isinstance(node, AccumulateGrad)
            }
        try:
            with _time_limit(10.0):
                got = count_paths(output)
        except _TooSlowError:
            raise AssertionError(
                f"{name}: count_paths took over 10 s. Walking the paths one by one cannot "
                "finish on 2^40 of them: count them in one sweep over the nodes in reverse "
                "topological order"
            ) from None
        assert isinstance(got, dict), f"count_paths returned a {type(got).__name__}, not a dict"
        for leaf, want in known.items():
            assert leaf in got, f"{name}: a leaf of shape {leaf.shape} is missing from the result"
            assert int(got[leaf]) == want, (
                f"{name}: {got[leaf]} paths reported for a leaf, the graph has {want}. An input "
                "used twice by one op (y + y) is two edges; paths from different consumers add up"
            )
        assert len(got) == len(known), f"{name}: the result has entries that are not leaves"


# -- Exercise 3: the per-path bug ----------------------------------------------------------------


@contextmanager
def _counting_rule_calls() -> Iterator[dict[BackwardNode, int]]:
    """Count calls of each node's backward rule while the block runs."""
    calls: dict[BackwardNode, int] = {}
    original = BackwardNode.apply_backward

    def counted(
        self: BackwardNode, *grad_outputs: rg.Tensor | None
    ) -> tuple[rg.Tensor | None, ...]:
        calls[self] = calls.get(self, 0) + 1
        return original(self, *grad_outputs)

    BackwardNode.apply_backward = counted  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        BackwardNode.apply_backward = original  # type: ignore[method-assign]


def _graphs_for_backward() -> Iterator[tuple[str, rg.Tensor, list[rg.Tensor]]]:
    a = rg.tensor(2.0, requires_grad=True)
    b = rg.tensor(1.0, requires_grad=True)
    yield "e = (a + b)(b + 1)", (a + b) * (b + 1), [a, b]

    x = rg.tensor(1.5, requires_grad=True)
    s = x * 2.0
    yield "s = 2x; s * s (a reused intermediate)", s * s, [x]

    x = rg.tensor([0.5, -1.0], requires_grad=True)
    u = (x * x).exp()
    v = u * 3.0 + u
    yield "u = exp(x*x); v = 3u + u; sum(v * u)", (v * u).sum(), [x]

    rng = np.random.default_rng(0)
    w = rg.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    bias = rg.tensor(rng.standard_normal(3), requires_grad=True)
    inputs = rg.tensor(rng.standard_normal((4, 2)))
    yield "tanh layer", (inputs @ w.T + bias).tanh().mean(), [w, bias]

    x = rg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(12):
        y = y + y
    yield "12 stacked diamonds", y, [x]


def exercise_3(fixed_backward: Callable[[rg.Tensor], dict[rg.Tensor, rg.Tensor]]) -> None:
    """Check ``fixed_backward(output) -> {leaf: gradient}``: right, each rule run at most once."""
    for name, output, leaves in _graphs_for_backward():
        expected = rg.autograd.grad(output, leaves, retain_graph=True)
        with _counting_rule_calls() as calls:
            got = fixed_backward(output)
        for index, (leaf, want) in enumerate(zip(leaves, expected, strict=True)):
            assert leaf in got, f"{name}: no gradient returned for leaf {index}"
            assert want is not None  # every leaf here is used by the output
            assert np.allclose(np.asarray(got[leaf].data), want.data, rtol=1e-10, atol=1e-12), (
                f"{name}: gradient of leaf {index} is {np.asarray(got[leaf].data)}, refgrad gives "
                f"{want.data}. Is a node's rule run before all of its consumers have contributed, "
                "or is a running total pushed down more than once?"
            )
        most = max(calls.values(), default=0)
        assert most <= 1, (
            f"{name}: one node's backward rule ran {most} times. The gradients may be right, but "
            "following every path costs one run per path (2^k on k stacked diamonds): visit the "
            "nodes once, in reverse topological order"
        )


# -- Exercise 4: gradients kept on every node ----------------------------------------------------


def exercise_4(after_two: float, after_three: float) -> None:
    """Check x's gradient after two and three calls: four multiplications by 1.0, sticky engine."""
    # With every node's gradient kept, call n adds to each node what its consumer holds after
    # call n. Tabulate it: the output is reset to 1 on each call (micrograd's `self.grad = 1`).
    held = [0.0] * 5  # output (Mul 4), Mul 3, Mul 2, Mul 1, then the leaf x
    answers = []
    for _ in range(3):
        held[0] = 1.0
        for i in range(1, 5):
            held[i] += held[i - 1]
        answers.append(held[4])
    if math.isclose(after_two, 2.0) or math.isclose(after_three, 3.0):
        raise AssertionError(
            "2 after two calls (3 after three) is what refgrad gives, because it keeps the "
            "intermediate gradients per call; the sticky engine keeps them across calls"
        )
    assert math.isclose(after_two, answers[1]), (
        f"after two calls: {after_two} is not right. Follow the second call node by node: each "
        "intermediate node still holds 1 from the first call when the new contribution arrives"
    )
    assert math.isclose(after_three, answers[2]), (
        f"after three calls: {after_three} is not right. Tabulate what each of the five nodes "
        "holds after each call; a node adds what its consumer holds *after* the same call"
    )
