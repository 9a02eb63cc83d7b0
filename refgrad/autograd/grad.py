"""``autograd.grad``: gradients returned instead of accumulated into ``.grad``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from refgrad.autograd.engine import (
    as_tuple,
    cycle_collector_paused,
    input_edges,
    root_edges,
    run_backward,
)
from refgrad.tensor import Tensor


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return the gradients of ``outputs`` with respect to ``inputs``; ``.grad`` is untouched.

    Only the part of the graph between ``outputs`` and ``inputs`` runs (and, without
    ``retain_graph``, is freed): the rest stays usable for another backward pass.

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
    allow_unused : bool, optional
        Return None for an input the outputs do not depend on, instead of raising.
        Defaults to ``materialize_grads``.
    materialize_grads : bool, default False
        Return zeros instead of None for unused inputs.

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

    The part of the graph below ``h`` does not run, so it can still be used:

    >>> h = x.exp()
    >>> z = (h * h).sum()
    >>> (dz_dh,) = rg.autograd.grad(z, h)
    >>> h.backward()
    >>> round(x.grad.item(), 4)
    7.3891
    """
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and not allow_unused:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True"
        )
    edges, seeds = root_edges(as_tuple(outputs), grad_outputs)
    wanted = as_tuple(inputs)
    targets = input_edges(wanted, "grad")
    keep = create_graph if retain_graph is None else retain_graph
    with cycle_collector_paused():
        captured = run_backward(edges, seeds, keep, create_graph, inputs=targets)
    results: list[Tensor | None] = []
    for index, (tensor, edge) in enumerate(zip(wanted, targets, strict=True)):
        result = captured.get(edge)
        if result is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {index} appears to not have been used "
                    "in the graph. Set allow_unused=True if this is the desired behavior."
                )
            if materialize_grads:
                result = Tensor(np.zeros_like(tensor.data))
        results.append(result)
    return tuple(results)
