"""``autograd.grad``: gradients returned instead of accumulated into ``.grad``."""

from __future__ import annotations

from collections.abc import Sequence

from refgrad.autograd.engine import (
    _check_differentiable,
    _seed_gradient,
    cycle_collector_paused,
    run_backward,
)
from refgrad.autograd.node import Node
from refgrad.tensor import Tensor


def _as_tuple(value: Tensor | Sequence[Tensor]) -> tuple[Tensor, ...]:
    return (value,) if isinstance(value, Tensor) else tuple(value)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return the gradients of ``outputs`` with respect to ``inputs``; ``.grad`` is untouched.

    Parameters
    ----------
    outputs : Tensor or sequence of Tensor
        What to differentiate.
    inputs : Tensor or sequence of Tensor
        With respect to what; leaves or intermediate tensors, each requiring grad.
    grad_outputs : Tensor or sequence, optional
        The vector :math:`v` of the vector-Jacobian product for each output; may be omitted
        (or None) for scalar outputs.
    retain_graph : bool, optional
        Keep saved tensors for another pass; defaults to ``create_graph``.
    create_graph : bool, default False
        Record the computation of the gradients so they can be differentiated again.
    allow_unused : bool, default False
        Return None for an input the outputs do not depend on, instead of raising.

    Returns
    -------
    tuple of Tensor
        One gradient per input, each of the input's shape.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor(2.0, requires_grad=True)
    >>> y = x ** 3
    >>> (dy,) = rg.autograd.grad(y, x, create_graph=True)
    >>> dy
    tensor(12., grad_fn=<MulBackward>)
    >>> rg.autograd.grad(dy, x)
    (tensor(12.),)
    >>> x.grad is None
    True
    """
    outputs_t = _as_tuple(outputs)
    inputs_t = _as_tuple(inputs)
    if grad_outputs is None:
        given: tuple[Tensor | None, ...] = (None,) * len(outputs_t)
    else:
        given = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(grad_outputs)
    if len(given) != len(outputs_t):
        raise RuntimeError(
            f"grad: got {len(given)} grad_outputs for {len(outputs_t)} outputs; give one per output"
        )
    for index, output in enumerate(outputs_t):
        _check_differentiable(output, index)
    seeds = [_seed_gradient(o, g, i) for i, (o, g) in enumerate(zip(outputs_t, given, strict=True))]

    nodes: list[Node] = []
    for index, tensor in enumerate(inputs_t):
        if not isinstance(tensor, Tensor) or not tensor._requires_grad:
            raise RuntimeError(
                f"grad: input {index} does not require grad, so no gradient can be computed "
                "with respect to it; create it with requires_grad=True"
            )
        node = tensor.grad_fn if tensor.grad_fn is not None else tensor._accumulate_grad_node()
        nodes.append(node)

    keep = create_graph if retain_graph is None else retain_graph
    with cycle_collector_paused():
        captured = run_backward(outputs_t, seeds, keep, create_graph, capture=nodes)
    results: list[Tensor | None] = []
    for index, node in enumerate(nodes):
        if node not in captured and not allow_unused:
            raise RuntimeError(
                f"grad: input {index} was not used to compute the outputs, so its gradient is "
                "undefined; pass allow_unused=True to get None for it"
            )
        results.append(captured.get(node))
    return tuple(results)
