"""The nodes of the backward graph, and everything the graph remembers.

Every tensor computed from a tensor that requires grad points, through ``tensor.grad_fn``, at
the node that made it, and knows which of that node's outputs it is (``output_nr``; most ops
have one output). A node holds all the graph's state for its outputs:

* its **edges**, ``next_functions``: for each input of the operation, the node that produced
  that input and which of its outputs it was (``(None, 0)`` where the input needs no grad). The
  graph runs from outputs to inputs, the direction backward walks it;
* the **hooks** registered on its output tensors, and the output tensors that asked to
  ``retain_grad()``;
* the **saved tensors** its backward rule needs, each with the version it had when saved
  (see :class:`SavedTensor`).

Two kinds of node exist:

* :class:`~refgrad.autograd.function.BackwardNode`, made by each call of a
  :class:`~refgrad.autograd.Function`. It is also the ``ctx`` that the Function's ``forward`` and
  ``backward`` receive, which is why a tensor saved on ``ctx`` is kept for backward.
* :class:`AccumulateGrad`, the node of a leaf tensor that requires grad: it adds what reaches it
  into the leaf's ``.grad``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import numpy as np

from refgrad import grad_mode
from refgrad.hooks import HookDict, RemovableHandle
from refgrad.tensor import Tensor, VersionCounter, _type_name

Hook = Callable[[Tensor], Tensor | None]
Edge = tuple["Node | None", int]


class SavedTensor:
    """A tensor saved for backward, with the version its data had when it was saved.

    An in-place write bumps a tensor's version. If the version has moved by the time backward
    unpacks the tensor, the values the backward rule would read are not the values forward
    used, so unpacking raises instead of returning a silently wrong gradient.

    A node's own output is saved differently: holding the output tensor would make a reference
    cycle (output -> grad_fn -> output), so only its data and version counter are kept, and a
    tensor whose ``grad_fn`` is the node is rebuilt on unpacking (double backward flows through it).

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.tensor([3.0, 4.0], requires_grad=True)
    >>> y = (w * w).sum()
    >>> with rg.no_grad():
    ...     w -= 1
    >>> y.backward()
    Traceback (most recent call last):
    ...
    RuntimeError: one of the variables needed for gradient computation has been modified by an
    inplace operation: [refgrad.DoubleTensor [2]] is at version 1; expected version 0 instead. ...
    """

    __slots__ = ("_counter", "_data", "_output_nr", "_tensor", "_version")

    def __init__(self, tensor: Tensor, output_nr: int | None = None) -> None:
        self._counter: VersionCounter = tensor._counter()
        self._version = self._counter.value
        self._output_nr = output_nr
        self._data = tensor.data  # for an output, all that is kept (and the error's shape)
        self._tensor: Tensor | None = tensor if output_nr is None else None

    @property
    def output_nr(self) -> int | None:
        """Which output of its node the saved tensor is, or None for a saved input.

        Examples
        --------
        >>> import refgrad as rg
        >>> y = rg.tensor(1.0, requires_grad=True).exp()   # Exp saves its own result
        >>> [saved.output_nr for saved in y.grad_fn._saved]
        [0]
        """
        return self._output_nr

    @property
    def tensor(self) -> Tensor | None:
        """The saved input itself (None for a saved output, kept only as data).

        Examples
        --------
        >>> import refgrad as rg
        >>> x = rg.tensor(1.0, requires_grad=True)
        >>> [saved.tensor is x for saved in (x * x).grad_fn._saved]
        [True, True]
        """
        return self._tensor

    def unpack(self, node: Node) -> Tensor:
        """Return the saved tensor, or raise if it was modified in place since it was saved.

        Examples
        --------
        See :class:`SavedTensor`.
        """
        if self._counter.value != self._version:
            shape, dtype = list(self._data.shape), self._data.dtype
            op = node.name().removesuffix("Backward")
            whose = (
                "" if self._output_nr is None else f", which is output {self._output_nr} of {op},"
            )
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{_type_name(dtype)} {shape}]{whose} is at version "
                f"{self._counter.value}; expected version {self._version} instead. Hint: "
                "compute the new value out of place (y = y + 1 instead of y += 1), or clone() "
                "the tensor before changing it."
            )
        if self._tensor is not None:
            return self._tensor
        output = Tensor(self._data)
        output._version_counter = self._counter
        output._requires_grad = True
        output._grad_fn = node
        output._output_nr = self._output_nr or 0
        return output


class Node:
    """A node of the backward graph (the type of ``tensor.grad_fn``).

    Attributes
    ----------
    next_functions : tuple of (Node or None, int)
        One edge per input of the operation: the node that produced that input and the index
        of that input among the node's outputs; ``(None, 0)`` where the input needs no grad.

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

    # Class attributes are the defaults: most nodes never get hooks, and setting every field in
    # a constructor would cost each op of a forward pass.
    next_functions: tuple[Edge, ...] = ()
    #: How many outputs the operation had (several for a Function returning a tuple).
    num_outputs = 1
    # Hooks of this node's output tensors, by handle id: (output_nr, hook), in order.
    _hooks: HookDict | None = None
    # The output tensors that called retain_grad(), by output_nr.
    _retained: dict[int, weakref.ref[Tensor]] | None = None

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
    def next_nodes(self) -> tuple[Node | None, ...]:
        """The input nodes alone, without the output indices of :attr:`next_functions`.

        Examples
        --------
        >>> import refgrad as rg
        >>> a = rg.tensor(1.0, requires_grad=True)
        >>> (a + 1.0).grad_fn.next_nodes
        (<AccumulateGrad>, None)
        """
        return tuple(node for node, _ in self.next_functions)

    def add_hook(self, output_nr: int, hook: Hook) -> RemovableHandle:
        """Register ``hook`` on output ``output_nr`` (what ``Tensor.register_hook`` calls).

        Examples
        --------
        >>> import refgrad as rg
        >>> y = rg.tensor(1.0, requires_grad=True) * 2
        >>> _ = y.grad_fn.add_hook(0, lambda g: g * 5)
        >>> y.backward()
        >>> y.grad_fn.next_functions[0][0].variable.grad
        tensor(10.)
        """
        if self._hooks is None:
            self._hooks = HookDict()
        handle = RemovableHandle(self._hooks)
        self._hooks[handle.id] = (output_nr, hook)
        return handle

    def retain(self, tensor: Tensor) -> None:
        """Store the gradient of output ``tensor.output_nr`` in ``tensor.grad`` when it arrives.

        Examples
        --------
        See :meth:`refgrad.Tensor.retain_grad`, which calls it.
        """
        if self._retained is None:
            self._retained = {}
        self._retained[tensor._output_nr] = weakref.ref(tensor)

    def apply_backward(self, *grad_outputs: Tensor | None) -> tuple[Tensor | None, ...]:
        """Given one gradient per output, return one gradient per input (the backward rule).

        Examples
        --------
        See :meth:`refgrad.autograd.BackwardNode.apply_backward`.
        """
        raise NotImplementedError

    def release(self) -> None:
        """Free what backward needed (saved tensors); a no-op for nodes that saved nothing.

        Examples
        --------
        See :meth:`refgrad.autograd.BackwardNode.release`.
        """

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class AccumulateGrad(Node):
    """The node of a leaf tensor that requires grad: it sums gradients into ``leaf.grad``.

    The node holds the leaf; the leaf holds its node only weakly, and keeps the dict of its
    hooks itself (shared with the node), so hooks registered on a leaf serve every graph.

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

    def __init__(self, variable: Tensor) -> None:
        self._variable = variable

    @property
    def variable(self) -> Tensor:
        """The leaf tensor.

        Examples
        --------
        See :class:`AccumulateGrad`.
        """
        return self._variable

    def apply_backward(self, *grad_outputs: Tensor | None) -> tuple[Tensor | None, ...]:
        """Accumulate the gradient into ``.grad``; a leaf has no inputs to pass anything to.

        Examples
        --------
        See :class:`AccumulateGrad`.
        """
        grad = grad_outputs[0]
        if grad is not None:
            # The engine runs with recording on exactly when create_graph=True.
            self.accumulate(grad, create_graph=grad_mode._enabled)
        return ()

    def accumulate(self, grad: Tensor, create_graph: bool) -> None:
        """Add ``grad`` into the leaf's ``.grad`` (PyTorch's AccumulateGrad).

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.tensor([1.0, 2.0], requires_grad=True)
        >>> node, _ = w._edge()
        >>> node.accumulate(rg.tensor([0.5, 0.5]), create_graph=False)
        >>> node.accumulate(rg.tensor([0.5, 0.5]), create_graph=False)
        >>> w.grad
        tensor([1., 1.])
        """
        leaf = self._variable
        if leaf._grad is None:
            # Copy: one gradient tensor may reach several leaves (``a + b``), and later
            # accumulation happens in place.
            leaf._grad = grad if create_graph else Tensor(np.array(grad.data, dtype=leaf.dtype))
        elif create_graph or leaf._grad._requires_grad:
            leaf._grad = leaf._grad + grad
        else:
            leaf._grad.data += grad.data
