"""The backward pass: a topological order from depth-first search, then one sweep.

Backward is two steps.

1. :func:`topological_order` walks the graph from the outputs to the leaves, depth first, and
   lists each node *after* every node it depends on (DFS post-order). The walk keeps its own
   stack instead of recursing, so a chain of a million operations does not hit Python's
   recursion limit, and it visits each node once, so shared subexpressions cost nothing extra.
2. :func:`run_backward` takes the nodes in the reverse of that order, from the outputs down.
   When it reaches a node, every consumer of the node's results has already passed its
   gradient contribution, so the sum is complete; the node's backward rule then passes
   contributions on to its own inputs, and the node's saved tensors are freed.

When only some inputs are wanted (``autograd.grad``, ``backward(inputs=...)``), a pass over the
same order first marks the nodes that lie on a path to them (:func:`nodes_to_run`), and only
those run.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from refgrad import grad_mode
from refgrad.autograd.node import Edge, Node
from refgrad.tensor import Tensor

#: Anomaly detection replaces this while it is on: ``rule_runner(node, grads)`` must return
#: what ``node.apply_backward(*grads)`` returns.
rule_runner: Callable[[Node, list[Tensor | None]], tuple[Tensor | None, ...]] | None = None


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
        stack = [(root, iter(root.next_functions))]
        while stack:
            node, inputs = stack[-1]
            for child, _ in inputs:
                if child is not None and child not in visited:
                    visited.add(child)
                    stack.append((child, iter(child.next_functions)))
                    break
            else:  # every input of `node` is already listed: list it and go back up
                stack.pop()
                order.append(node)  # the line that orders the graph
    return order


def nodes_to_run(order: Sequence[Node], targets: set[Node]) -> set[Node]:
    """The nodes whose backward rule must run to bring gradients to the ``targets``.

    In the topological order each node comes after its inputs, so one pass decides: a node
    *leads to* a target if it is one or if one of its inputs leads to one, and it must *run*
    if one of its inputs leads to a target. A target itself runs only if it also lies on the
    way to another target; so ``autograd.grad(y, h)`` never runs (nor frees) ``h``'s own node.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.engine import nodes_to_run, topological_order
    >>> x = rg.tensor(1.0, requires_grad=True)
    >>> h = x.exp()
    >>> y = h * h
    >>> order = topological_order([y.grad_fn])
    >>> order
    [<AccumulateGrad>, <ExpBackward>, <MulBackward>]
    >>> nodes_to_run(order, {h.grad_fn})
    {<MulBackward>}
    """
    leads: set[Node] = set()
    runs: set[Node] = set()
    for node in order:
        if any(child in leads for child, _ in node.next_functions if child is not None):
            runs.add(node)
            leads.add(node)
        elif node in targets:
            leads.add(node)
    return runs


def run_backward(
    roots: Sequence[Edge],
    root_grads: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Edge] | None = None,
) -> dict[Edge, Tensor]:
    """Propagate ``root_grads`` from ``roots`` to the leaves.

    Parameters
    ----------
    roots : sequence of (Node, int)
        The outputs to differentiate, as graph edges ``(grad_fn, output_nr)``.
    root_grads : sequence of Tensor
        The gradient of each root (ones for a scalar loss).
    retain_graph : bool
        If False, each node's saved tensors are freed once it has run.
    create_graph : bool
        If True, the backward rules run with graph recording on, so the gradients they return
        are themselves differentiable.
    inputs : sequence of (Node, int), optional
        If given, run only the nodes on a path to these edges and return the gradients that
        reach them, instead of accumulating into every leaf's ``.grad``.

    Returns
    -------
    dict
        The gradients reaching ``inputs``, by edge (empty when ``inputs`` is None).

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.engine import run_backward
    >>> x = rg.tensor(3.0, requires_grad=True)
    >>> y = x * x
    >>> run_backward([(y.grad_fn, 0)], [rg.tensor(1.0)], retain_graph=False, create_graph=False)
    {}
    >>> x.grad
    tensor(6.)
    """
    # One slot per output of each node, filled as its consumers pass gradients back.
    buffers: dict[Node, list[Tensor | None]] = {}
    for edge, grad in zip(roots, root_grads, strict=True):
        _add(buffers, edge, grad)
    order = topological_order(list(buffers))
    wanted: dict[Node, list[int]] | None = None
    runs: set[Node] = set()
    if inputs is not None:
        wanted = {}
        for node, output_nr in inputs:
            assert node is not None
            wanted.setdefault(node, []).append(output_nr)
        runs = nodes_to_run(order, set(wanted))
    captured: dict[Edge, Tensor] = {}

    previous, grad_mode._enabled = grad_mode._enabled, create_graph
    try:
        for node in reversed(order):
            grads = buffers.pop(node, None)
            if grads is None:  # no path from the roots brought a gradient here
                continue
            if node._hooks:
                _run_hooks(node, grads)
            if node._retained:
                _retain(node, grads, create_graph)
            if wanted is not None:
                for output_nr in wanted.get(node, ()):
                    reached = grads[output_nr]
                    if reached is not None:
                        captured[(node, output_nr)] = reached
                if node not in runs:
                    continue
            if rule_runner is None:
                input_grads = node.apply_backward(*grads)
            else:
                input_grads = rule_runner(node, grads)
            if not retain_graph:
                node.release()  # the line that frees saved tensors
            for edge, input_grad in zip(node.next_functions, input_grads, strict=True):
                child = edge[0]
                if child is None or input_grad is None:
                    continue
                if wanted is not None and child not in runs and child not in wanted:
                    continue  # pruned: no path from this input to a wanted one
                _add(buffers, edge, input_grad)
    finally:
        grad_mode._enabled = previous
    return captured


def _add(buffers: dict[Node, list[Tensor | None]], edge: Edge, grad: Tensor) -> None:
    """Pass ``grad`` to output ``edge[1]`` of node ``edge[0]``, adding to what is there."""
    node, output_nr = edge
    assert node is not None
    slots = buffers.get(node)
    if slots is None:
        slots = buffers[node] = [None] * node.num_outputs
    current = slots[output_nr]
    # A value used by several operations receives one gradient from each of them: the
    # multivariable chain rule sums over every path, so contributions add up.
    slots[output_nr] = grad if current is None else current + grad  # the line that sums


def _run_hooks(node: Node, grads: list[Tensor | None]) -> None:
    """Call the hooks of the node's outputs in order; a hook's tensor replaces the gradient."""
    assert node._hooks is not None
    for output_nr, hook in list(node._hooks.values()):
        grad = grads[output_nr]
        if grad is None:
            continue
        replacement = hook(grad)
        if replacement is not None:
            if not isinstance(replacement, Tensor) or replacement.shape != grad.shape:
                raise RuntimeError(
                    f"hook {getattr(hook, '__name__', hook)!r} returned "
                    f"{getattr(replacement, 'shape', type(replacement).__name__)}; a hook must "
                    f"return None or a Tensor of the gradient's shape {grad.shape}"
                )
            grads[output_nr] = replacement


def _retain(node: Node, grads: list[Tensor | None], create_graph: bool) -> None:
    """``retain_grad()``: store a non-leaf's gradient in its ``.grad``, accumulating."""
    assert node._retained is not None
    for output_nr, ref in node._retained.items():
        tensor, grad = ref(), grads[output_nr]
        if tensor is None or grad is None or tensor._grad_fn is not node:
            continue
        _accumulate_into(tensor, grad, create_graph)


def _accumulate_into(tensor: Tensor, grad: Tensor, create_graph: bool) -> None:
    if tensor._grad is None:
        tensor._grad = grad if create_graph else Tensor(np.array(grad.data))
    else:
        tensor._grad = tensor._grad + grad


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


def as_tuple(value: Any) -> tuple[Any, ...]:
    """A tensor (or None) as a 1-tuple; a sequence as a tuple.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.engine import as_tuple
    >>> len(as_tuple(rg.zeros(3))), len(as_tuple([rg.zeros(3), rg.ones(2)]))
    (1, 2)
    """
    return (value,) if value is None or isinstance(value, Tensor) else tuple(value)


def seed_gradient(output: Tensor, gradient: Any, index: int) -> Tensor:
    """The gradient to start from: 1 for a scalar, else the one given (checked).

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.engine import seed_gradient
    >>> seed_gradient(rg.tensor(2.0), None, 0)
    tensor(1.)
    >>> seed_gradient(rg.zeros(2), None, 0)
    Traceback (most recent call last):
    ...
    RuntimeError: grad can be implicitly created only for scalar outputs, ...
    """
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


def root_edges(outputs: tuple[Tensor, ...], grad_outputs: Any) -> tuple[list[Edge], list[Tensor]]:
    """Check the outputs, and pair each one's edge with the gradient it starts from.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.engine import root_edges
    >>> y = rg.tensor(2.0, requires_grad=True).exp()
    >>> root_edges((y,), None)
    ([(<ExpBackward>, 0)], [tensor(1.)])
    """
    given = (None,) * len(outputs) if grad_outputs is None else as_tuple(grad_outputs)
    if len(given) != len(outputs):
        raise RuntimeError(
            f"got {len(given)} gradients for {len(outputs)} outputs; give one per output "
            "(None for a scalar output)"
        )
    edges: list[Edge] = []
    grads: list[Tensor] = []
    for index, (output, gradient) in enumerate(zip(outputs, given, strict=True)):
        if not isinstance(output, Tensor) or not output.requires_grad:
            raise RuntimeError(
                f"element {index} of tensors does not require grad and does not have a "
                "grad_fn, so there is nothing to differentiate: make sure an input has "
                "requires_grad=True and that the output was not computed inside `no_grad()` "
                "or from .detach()ed values"
            )
        edges.append(output._edge())
        grads.append(seed_gradient(output, gradient, index))
    return edges, grads


def input_edges(inputs: tuple[Tensor, ...], where: str) -> list[Edge]:
    """The edges of the tensors whose gradients are wanted; each must require grad.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.engine import input_edges
    >>> x = rg.tensor(2.0, requires_grad=True)
    >>> input_edges((x, x * 3), "grad")
    [(<AccumulateGrad>, 0), (<MulBackward>, 0)]
    """
    edges: list[Edge] = []
    for index, tensor in enumerate(inputs):
        if not isinstance(tensor, Tensor) or not tensor.requires_grad:
            raise RuntimeError(
                f"{where}: one of the differentiated Tensors (input {index}) does not require "
                "grad, so no gradient can be computed with respect to it; create it with "
                "requires_grad=True"
            )
        edges.append(tensor._edge())
    return edges


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Tensor | Sequence[Tensor] | None = None,
) -> None:
    """Accumulate into the leaves' ``.grad`` the gradient of ``tensors`` (``autograd.backward``).

    Parameters
    ----------
    tensors : Tensor or sequence of Tensor
        The outputs to differentiate; the result is the sum of their vector-Jacobian products.
    grad_tensors : Tensor or sequence, optional
        One gradient per output (None for a scalar output, which starts from 1).
    retain_graph : bool, optional
        Keep the saved tensors for another pass; defaults to ``create_graph``.
    create_graph : bool, default False
        Record the backward pass, so the gradients can be differentiated again.
    inputs : Tensor or sequence of Tensor, optional
        Accumulate only into these tensors' ``.grad`` and run only what leads to them.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> w = rg.tensor(3.0, requires_grad=True)
    >>> rg.autograd.backward([(x * w).sum(), x.sum()], inputs=[x])
    >>> x.grad, w.grad
    (tensor([4., 4.]), None)
    """
    edges, seeds = root_edges(as_tuple(tensors), grad_tensors)
    keep = create_graph if retain_graph is None else retain_graph
    wanted: tuple[Tensor, ...] | None = None
    if inputs is not None:
        wanted = as_tuple(inputs)
        if not wanted:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    with cycle_collector_paused():
        if wanted is None:
            run_backward(edges, seeds, keep, create_graph)
            return
        for tensor in wanted:
            if isinstance(tensor, Tensor) and tensor._grad_fn is not None:
                tensor.retain_grad()  # a non-leaf input's .grad is filled on the way, as in PyTorch
        targets = input_edges(wanted, "backward")
        captured = run_backward(edges, seeds, keep, create_graph, inputs=targets)
    previous, grad_mode._enabled = grad_mode._enabled, create_graph
    try:
        for tensor, (node, _) in zip(wanted, targets, strict=True):
            grad = captured.get((node, 0))
            if grad is not None and tensor._grad_fn is None:  # a leaf: its AccumulateGrad
                node.accumulate(grad, create_graph)  # type: ignore[union-attr]
    finally:
        grad_mode._enabled = previous
