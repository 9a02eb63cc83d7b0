"""The nodes of the backward graph.

Every tensor that was computed from a tensor requiring grad remembers the node that made it in
``tensor.grad_fn``. A node knows what to do with the gradient of its output (its backward rule)
and, through ``next_functions``, the nodes of its inputs. The graph runs from outputs to inputs,
the direction backward walks it.

Two kinds of node exist:

* :class:`~refgrad.autograd.function.BackwardNode`, made by each call of a
  :class:`~refgrad.autograd.Function`. It is also the ``ctx`` the Function's ``forward`` and
  ``backward`` receive, which is why saving a tensor on ``ctx`` keeps it for backward.
* :class:`AccumulateGrad`, the node of a leaf tensor that requires grad: it adds what reaches it
  into the leaf's ``.grad``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from refgrad.tensor import Tensor


class Node:
    """A node of the backward graph (the type of ``tensor.grad_fn``).

    Attributes
    ----------
    next_nodes : tuple of (Node or None)
        One entry per input of the operation: the node of that input, or None where the input
        does not require grad.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> y = (x * 3).sum()
    >>> y.grad_fn
    <SumBackward>
    >>> y.grad_fn.next_functions
    ((<MulBackward>, 0),)
    """

    __slots__ = ("__weakref__", "_hooks", "_retained", "next_nodes")

    def __init__(self) -> None:
        self.next_nodes: tuple[Node | None, ...] = ()
        # Hooks of the tensor this node produced, and that tensor if it asked to retain_grad().
        self._hooks: list[Callable[[Tensor], Tensor | None]] | None = None
        self._retained: weakref.ref[Tensor] | None = None

    def name(self) -> str:
        """Return the node's name, as PyTorch's ``grad_fn.name()`` does.

        Examples
        --------
        >>> import refgrad as rg
        >>> x = rg.tensor(2.0, requires_grad=True)
        >>> x.exp().grad_fn.name()
        'ExpBackward'
        """
        return type(self).__name__

    @property
    def next_functions(self) -> tuple[tuple[Node | None, int], ...]:
        """The input nodes, as ``(node, 0)`` pairs in the layout PyTorch uses.

        Examples
        --------
        >>> import refgrad as rg
        >>> a = rg.tensor(1.0, requires_grad=True)
        >>> (a + 1.0).grad_fn.next_functions
        ((<AccumulateGrad>, 0), (None, 0))
        """
        return tuple((node, 0) for node in self.next_nodes)

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class AccumulateGrad(Node):
    """The node of a leaf tensor that requires grad: it sums gradients into ``leaf.grad``.

    Parameters
    ----------
    variable : Tensor
        The leaf tensor.

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> node = (w * w).grad_fn.next_functions[0][0]
    >>> node
    <AccumulateGrad>
    >>> node.variable is w
    True
    """

    __slots__ = ("variable",)

    def __init__(self, variable: Tensor) -> None:
        super().__init__()
        self.variable = variable
        self._hooks = variable._hooks  # a leaf's hooks live on the tensor, shared with its node
