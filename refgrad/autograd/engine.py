"""The backward pass: a topological order from depth-first search, then one sweep.

Backward is two steps.

1. :func:`topological_order` walks the graph from the output to the leaves, depth first, and
   lists each node *after* every node it depends on (DFS post-order). The walk keeps its own
   stack instead of recursing, so a chain of a million operations does not hit Python's
   recursion limit, and it visits each node once, so shared subexpressions cost nothing extra.
2. :func:`run_backward` takes the nodes in the reverse of that order, from the output down. When
   it reaches a node, every consumer of the node's result has already passed its gradient
   contribution, so the sum is complete; the node's backward rule then passes contributions on
   to its own inputs.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from refgrad import grad_mode
from refgrad.autograd import anomaly_mode
from refgrad.autograd.function import BackwardNode
from refgrad.autograd.node import AccumulateGrad, Node
from refgrad.tensor import Tensor


def topological_order(roots: Sequence[Node]) -> list[Node]:
    """List the nodes reachable from ``roots`` so that each comes after all of its inputs.

    This is the depth-first search a recursive function would do, with the call stack made
    explicit: each stack entry is a node and an iterator over the inputs it has yet to visit.

    Parameters
    ----------
    roots : sequence of Node
        Where the walk starts (the ``grad_fn`` of the outputs).

    Returns
    -------
    list of Node
        Post-order: inputs before the nodes that use them; ``roots`` come last.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.engine import topological_order
    >>> x = rg.tensor(2.0, requires_grad=True)
    >>> y = (x * x).exp().log()
    >>> topological_order([y.grad_fn])
    [<AccumulateGrad>, <MulBackward>, <ExpBackward>, <LogBackward>]
    """
    order: list[Node] = []
    visited: set[Node] = set()
    for root in roots:
        if root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root.next_nodes))]
        while stack:
            node, inputs = stack[-1]
            for child in inputs:
                if child is not None and child not in visited:
                    visited.add(child)
                    stack.append((child, iter(child.next_nodes)))
                    break
            else:  # every input of `node` is already listed: list it and go back up
                stack.pop()
                order.append(node)
    return order


def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    capture: Sequence[Node] | None = None,
) -> dict[Node, Tensor]:
    """Propagate ``root_grads`` from ``roots`` to the leaves.

    Parameters
    ----------
    roots : sequence of Tensor
        Outputs to differentiate, each with a ``grad_fn`` (or a leaf requiring grad).
    root_grads : sequence of Tensor
        The gradient of each root (ones for a scalar loss).
    retain_graph : bool
        If False, each node's saved tensors are freed once it has run.
    create_graph : bool
        If True, the backward rules run with graph recording on, so the gradients they return
        are themselves differentiable.
    capture : sequence of Node, optional
        If given (``autograd.grad``), return the gradients reaching these nodes instead of
        accumulating into the leaves' ``.grad``.

    Returns
    -------
    dict
        The captured gradients, by node (empty when ``capture`` is None).

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.engine import run_backward
    >>> x = rg.tensor(3.0, requires_grad=True)
    >>> y = x * x
    >>> run_backward([y], [rg.tensor(1.0)], retain_graph=False, create_graph=False)
    {}
    >>> x.grad
    tensor(6.)
    """
    grads: dict[Node, Tensor] = {}
    for root, grad in zip(roots, root_grads, strict=True):
        node = root.grad_fn if root.grad_fn is not None else root._accumulate_grad_node()
        grads[node] = grads[node] + grad if node in grads else grad
    order = topological_order(list(grads))
    wanted = set(capture) if capture is not None else None
    captured: dict[Node, Tensor] = {}

    previous, grad_mode._enabled = grad_mode._enabled, create_graph
    try:
        for node in reversed(order):
            if node not in grads:  # no path from the roots brought a gradient here
                continue
            grad = grads.pop(node)
            if node._hooks:
                grad = _run_hooks(node._hooks, grad)
            if node._retained is not None:
                _retain(node._retained, grad, create_graph)
            if wanted is not None and node in wanted:
                captured[node] = grad
            if isinstance(node, AccumulateGrad):
                if wanted is None:
                    _accumulate(node.variable, grad, create_graph)
                continue
            assert isinstance(node, BackwardNode)
            if anomaly_mode._enabled:
                input_grads = _checked_backward(node, grad)
            else:
                input_grads = node.apply_backward(grad)
            if not retain_graph:
                node.release()
            for child, child_grad in zip(node.next_nodes, input_grads, strict=True):
                if child is None or child_grad is None:
                    continue
                # A value used by several operations receives one gradient from each of them:
                # the multivariable chain rule sums over every path, so contributions add up.
                if child in grads:
                    grads[child] = grads[child] + child_grad
                else:
                    grads[child] = child_grad
    finally:
        grad_mode._enabled = previous
    return captured


def _run_hooks(hooks: list[Callable[[Tensor], Tensor | None]], grad: Tensor) -> Tensor:
    """Call a tensor's hooks in order; a hook that returns a tensor replaces the gradient."""
    for hook in list(hooks):
        replacement = hook(grad)
        if replacement is not None:
            if not isinstance(replacement, Tensor) or replacement.shape != grad.shape:
                raise RuntimeError(
                    f"hook {getattr(hook, '__name__', hook)!r} returned "
                    f"{getattr(replacement, 'shape', type(replacement).__name__)}; a hook must "
                    f"return None or a Tensor of the gradient's shape {grad.shape}"
                )
            grad = replacement
    return grad


def _retain(ref: weakref.ref[Tensor], grad: Tensor, create_graph: bool) -> None:
    """``retain_grad()``: store a non-leaf's gradient in its ``.grad``, accumulating."""
    tensor = ref()
    if tensor is None:
        return
    if tensor._grad is None:
        tensor._grad = grad if create_graph else Tensor(np.array(grad.data))
    else:
        tensor._grad = tensor._grad + grad


def _checked_backward(node: BackwardNode, grad: Tensor) -> tuple[Tensor | None, ...]:
    """Anomaly mode: run a backward rule, then raise if it returned a NaN or an infinity.

    The ops inside the rule are not checked one by one (that would blame ``Div`` for what
    ``SqrtBackward`` did): the rule's results are checked as a whole and blamed on the node.
    """
    anomaly_mode._enabled = False
    try:
        input_grads = node.apply_backward(grad)
    finally:
        anomaly_mode._enabled = True
    for index, input_grad in enumerate(input_grads):
        if input_grad is None:
            continue
        problem = anomaly_mode.describe_non_finite(input_grad.data)
        if problem is not None:
            site = getattr(node, "creation_site", "(created before anomaly detection was on)")
            raise anomaly_mode.AnomalyError(
                f"{node.name()} returned {problem} in its gradient for input {index} (shape "
                f"{input_grad.shape}). The op was called at {site}"
            )
    return input_grads


def _accumulate(leaf: Tensor, grad: Tensor, create_graph: bool) -> None:
    """Add ``grad`` into ``leaf.grad`` (PyTorch's AccumulateGrad)."""
    if leaf._grad is None:
        # Copy: the same gradient tensor may be handed to several leaves (``a + b``), and
        # later accumulation happens in place.
        leaf._grad = grad if create_graph else Tensor(np.array(grad.data, dtype=leaf.dtype))
    elif create_graph or leaf._grad._requires_grad:
        leaf._grad = leaf._grad + grad
    else:
        leaf._grad.data += grad.data


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Switch off Python's cyclic garbage collector for the duration of a backward pass.

    The collector starts a collection whenever enough new container objects have survived, and
    a collection of the oldest generation walks every object alive. During backward the whole
    graph is alive while the sweep allocates a gradient for every node, so on a large graph the
    collector walks the graph again and again, looking for reference cycles it does not have:
    the graph is freed by reference counting as the sweep releases it. On a chain of 100,000
    operations that was a fifth of the time of forward and backward together. The collector is
    switched back on afterwards if it was on before.

    Examples
    --------
    >>> import gc
    >>> from refgrad.autograd.engine import cycle_collector_paused
    >>> collecting = gc.isenabled()
    >>> with cycle_collector_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled() == collecting
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _seed_gradient(output: Tensor, gradient: Any, index: int) -> Tensor:
    """The gradient to start from: 1 for a scalar, else the one given (checked)."""
    if gradient is None:
        if output.data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs, but output {index} has "
                f"shape {output.shape}. Reduce it to a scalar first (e.g. .sum() or .mean()), or "
                "pass a gradient of the output's shape: backward(gradient=v) computes v^T J"
            )
        return Tensor(np.ones(output.shape, dtype=output.dtype))
    if not isinstance(gradient, Tensor):
        gradient = Tensor(np.asarray(gradient, dtype=output.dtype))
    assert isinstance(gradient, Tensor)
    if gradient.shape != output.shape:
        raise RuntimeError(
            f"mismatch in shape: the gradient for output {index} has shape {gradient.shape}, but "
            f"the output has shape {output.shape}; they must be equal"
        )
    return gradient


def _check_differentiable(output: Tensor, index: int) -> None:
    if not output._requires_grad:
        raise RuntimeError(
            f"output {index} does not require grad and has no grad_fn, so there is nothing to "
            "differentiate: make sure an input has requires_grad=True and that the output was "
            "not computed inside `no_grad()` or from .detach()ed values"
        )


def backward(
    tensor: Tensor,
    gradient: Tensor | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate into the leaves' ``.grad`` the gradient of ``tensor``; see ``Tensor.backward``.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.engine import backward
    >>> x = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> backward((x * x).sum())
    >>> x.grad
    tensor([2., 4.])
    """
    _check_differentiable(tensor, 0)
    seed = _seed_gradient(tensor, gradient, 0)
    keep = create_graph if retain_graph is None else retain_graph
    with cycle_collector_paused():
        run_backward([tensor], [seed], retain_graph=keep, create_graph=create_graph)
