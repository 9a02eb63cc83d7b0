"""``Tensor``: a NumPy array plus what backward needs to know about it.

A tensor holds

* ``data``: the NumPy array with the values;
* ``requires_grad``: whether gradients with respect to it are wanted;
* ``grad_fn``: the graph node that produced it (None for a *leaf*, a tensor made by the user);
* ``grad``: for a leaf that requires grad, the sum of the gradients that backward passes
  delivered to it.

The arithmetic methods only dispatch to the operations in :mod:`refgrad.ops`, where each
operation's forward and backward rule live together.
"""

from __future__ import annotations

import builtins
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, overload

import numpy as np

from refgrad import dtypes, grad_mode
from refgrad._typing import Array, ArrayLike, Dims, DTypeLike, Shape, TensorLike
from refgrad.devices import CPU, DeviceLike, as_device, device

if TYPE_CHECKING:
    from refgrad.autograd.node import AccumulateGrad, Node
    from refgrad.hooks import HookDict, RemovableHandle


def _to_array(data: Any, dtype: DTypeLike | None, copy: bool) -> Array:
    """Convert ``data`` to an array following PyTorch's dtype rules (floats get the default)."""
    if isinstance(data, Tensor):
        data = data.data
    keeps_dtype = isinstance(data, np.ndarray | np.generic)
    if dtype is not None:
        array = np.array(data, dtype=dtype, copy=copy)
    else:
        if keeps_dtype:
            array = np.array(data, copy=True) if copy else np.asarray(data)
        else:
            array = np.array(data)
        if not keeps_dtype and array.dtype.kind == "f":
            array = array.astype(dtypes.get_default_dtype(), copy=False)
    if array.dtype.kind not in "fiub":
        raise TypeError(
            f"tensor: cannot make a tensor from data of NumPy dtype {array.dtype}; "
            "give numbers (float, int or bool), nested lists of them, or a numeric array"
        )
    return array


class MaxResult(NamedTuple):
    """What ``max(dim=int)`` returns: the maxima and their indices, like ``torch.return_types.max``.

    Examples
    --------
    >>> import refgrad as rg
    >>> values, indices = rg.tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=1)
    >>> values, indices
    (tensor([5., 7.]), tensor([1, 0]))
    """

    values: Tensor
    indices: Tensor


class VersionCounter:
    """How many times a tensor's memory has been written in place.

    A tensor and its views share one counter (they share the memory), and every in-place write
    through any of them bumps it. A node saving a tensor for backward records the count, and
    backward refuses to use the tensor if the count has moved
    (:class:`~refgrad.autograd.node.SavedTensor`).

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.zeros(3)
    >>> row = x[1:]
    >>> row += 1
    >>> x._version, row._version
    (1, 1)
    """

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


class ViewInfo:
    """What a view remembers: the tensor whose memory it shares, and how to make it again.

    ``replay(base)`` applies the view operations that made this view from ``base`` (a slice, a
    reshape, a transpose, ...), recorded in the graph. After an in-place write changes the
    base's history, the view's ``grad_fn`` is made again by replaying it on the new base.

    Examples
    --------
    >>> import refgrad as rg
    >>> y = rg.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1
    >>> tail = y[1:]
    >>> tail._view.base is y, tail._view.replay(y)
    (True, tensor([2., 3.], grad_fn=<IndexBackward>))
    """

    __slots__ = ("base", "replay", "version")

    def __init__(
        self, base: Tensor, replay: Callable[[Tensor], Tensor] | None, version: int
    ) -> None:
        self.base = base
        self.replay = replay
        self.version = version  # the base's version when this view's grad_fn was made


class Tensor:
    """A multi-dimensional array that records the operations applied to it.

    Create tensors with :func:`refgrad.tensor` (or the factories such as :func:`refgrad.zeros`);
    ``Tensor(data)`` is the low-level constructor and behaves like ``rg.tensor(data)`` without a
    copy of arrays.

    Parameters
    ----------
    data : array-like
        Values. Python floats become the default dtype (float64); NumPy arrays keep theirs.
    requires_grad : bool, default False
        Whether backward should compute gradients with respect to this tensor.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> x.shape, x.dtype, x.is_leaf
    ((2, 2), dtype('float64'), True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([[2., 4.],
            [6., 8.]])
    """

    __slots__ = (
        "__weakref__",
        "_grad",
        "_grad_fn",
        "_leaf_hooks",
        "_node",
        "_output_nr",
        "_requires_grad",
        "_retains_grad",
        "_tangent",
        "_version_counter",
        "_view",
        "data",
    )

    # Make ``ndarray * tensor`` call Tensor.__rmul__ instead of NumPy's element-wise loop.
    __array_ufunc__ = None

    data: Array

    def __init__(self, data: ArrayLike, requires_grad: bool = False) -> None:
        self.data = data if type(data) is np.ndarray else _to_array(data, None, copy=False)
        self._grad_fn: Node | None = None
        self._output_nr = 0  # which output of grad_fn this tensor is
        self._grad: Tensor | None = None
        self._requires_grad = False
        # A leaf's node, made when first needed and held weakly (the graphs using it hold it),
        # and the hooks registered on the leaf, which outlive any one graph.
        self._node: weakref.ref[AccumulateGrad] | None = None
        self._leaf_hooks: HookDict | None = None
        self._tangent: tuple[int, Tensor] | None = None  # forward mode: (level, tangent)
        self._retains_grad = False
        self._version_counter: VersionCounter | None = None  # made on first need: _counter()
        self._view: ViewInfo | None = None
        if requires_grad:
            self.requires_grad = True

    # ------------------------------------------------------------------ autograd attributes
    @property
    def grad_fn(self) -> Node | None:
        """The node of the backward graph that produced this tensor (None for a leaf).

        Examples
        --------
        >>> import refgrad as rg
        >>> x = rg.tensor([1.0, 2.0], requires_grad=True)
        >>> x.grad_fn is None, (x * 2).grad_fn
        (True, <MulBackward>)
        """
        if self._view is not None:
            self._sync_view()
        return self._grad_fn

    @property
    def output_nr(self) -> int:
        """Which output of :attr:`grad_fn` this tensor is (0 unless the op had several).

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor(1.0, requires_grad=True).exp().output_nr
        0
        """
        return self._output_nr

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's memory has had (shared with its views).

        Examples
        --------
        >>> import refgrad as rg
        >>> x = rg.zeros(2)
        >>> x.add_(1)._version
        1
        """
        return 0 if self._version_counter is None else self._version_counter.value

    def _counter(self) -> VersionCounter:
        """The version counter of this tensor, made when first needed (most never need one)."""
        if self._version_counter is None:
            self._version_counter = VersionCounter()
        return self._version_counter

    @property
    def requires_grad(self) -> bool:
        """Whether gradients with respect to this tensor are computed.

        Only floating-point tensors can require grad, and only a leaf's flag can be changed.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.tensor([1.0, 2.0])
        >>> w.requires_grad = True
        >>> (w * 2).requires_grad
        True
        """
        if self._view is not None:
            self._sync_view()
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self.data.dtype.kind != "f":
            raise RuntimeError(
                f"only floating point tensors can require gradients, but this tensor has dtype "
                f"{self.data.dtype}; convert it first, e.g. rg.tensor(data, dtype=rg.float64)"
            )
        if self._grad_fn is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set :attr:`requires_grad` in place and return the tensor.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.zeros(2).requires_grad_().requires_grad
        True
        """
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient of a leaf tensor, or None before any backward pass.

        Backward adds into ``.grad`` rather than overwriting it (call ``zero_grad()`` or set it
        to None between steps). Non-leaf tensors keep no ``.grad`` unless they ask to with
        :meth:`retain_grad`, as in PyTorch.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.tensor(3.0, requires_grad=True)
        >>> (w * w).backward()
        >>> w.grad
        tensor(6.)
        >>> (w * w).backward()
        >>> w.grad
        tensor(12.)
        """
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad must be a Tensor or None, got {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(
                    f"assigned grad has shape {value.shape}, but the tensor has shape {self.shape}"
                )
        self._grad = value

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded operation.

        Examples
        --------
        >>> import refgrad as rg
        >>> x = rg.tensor(1.0, requires_grad=True)
        >>> x.is_leaf, (x * 2).is_leaf
        (True, False)
        """
        return self.grad_fn is None

    def _edge(self) -> tuple[Node, int]:
        """The graph edge to this tensor: its ``(grad_fn, output_nr)``, or its leaf node.

        A leaf that requires grad gets its :class:`~refgrad.autograd.node.AccumulateGrad` node
        on first use. As in PyTorch the node holds the leaf and the leaf holds the node only
        weakly: while any graph uses the leaf they share one node, and no cycle keeps them.
        """
        if self._grad_fn is not None:
            return self._grad_fn, self._output_nr
        node = self._node() if self._node is not None else None
        if node is None:
            from refgrad.autograd.node import AccumulateGrad

            node = AccumulateGrad(self)
            node._hooks = self._leaf_hooks  # the leaf's hooks, shared, not copied
            self._node = weakref.ref(node)
        return node, 0

    def backward(
        self,
        gradient: Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Tensor | Sequence[Tensor] | None = None,
    ) -> None:
        """Compute the gradient of this tensor with respect to the leaves of its graph.

        The results are **added** into the ``.grad`` of every leaf that requires grad (or,
        with ``inputs``, only into the ``.grad`` of those tensors).

        Parameters
        ----------
        gradient : Tensor, optional
            The vector :math:`v` in the vector-Jacobian product :math:`v^T J` that backward
            computes. Required when the tensor is not a scalar; defaults to 1 for a scalar.
        retain_graph : bool, optional
            Keep the saved tensors so that backward can run through the graph again.
            Defaults to ``create_graph``.
        create_graph : bool, default False
            Record the backward pass itself, so the gradients can be differentiated again.
        inputs : Tensor or sequence of Tensor, optional
            Accumulate only into these tensors' ``.grad`` (leaves or not), and run only the
            part of the graph that leads to them.

        Raises
        ------
        RuntimeError
            If the tensor does not require grad, if it is not a scalar and no ``gradient`` is
            given, or if ``gradient`` has the wrong shape.

        Examples
        --------
        >>> import refgrad as rg
        >>> x = rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> y = x * x
        >>> y.backward(gradient=rg.tensor([1.0, 0.0, 0.5]))
        >>> x.grad
        tensor([2., 0., 3.])
        """
        from refgrad.autograd.engine import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` whenever the gradient with respect to this tensor is computed.

        The hook may return a tensor of the same shape to replace the gradient (that is what
        flows on, and, for a leaf, what is accumulated into ``.grad``), or None to leave it.
        Hooks run in the order they were registered, as in PyTorch.

        Returns
        -------
        RemovableHandle
            Call its ``remove()`` to unregister this registration.

        Examples
        --------
        >>> import refgrad as rg
        >>> x = rg.tensor([1.0, 2.0], requires_grad=True)
        >>> y = x * 3
        >>> seen = []
        >>> handle = y.register_hook(lambda g: seen.append(g.tolist()))
        >>> _ = x.register_hook(lambda g: g * 10)      # replace the leaf's gradient
        >>> y.sum().backward()
        >>> seen, x.grad
        ([[1.0, 1.0]], tensor([30., 30.]))
        >>> handle.remove()
        """
        if not self.requires_grad:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require gradient: no gradient "
                "will ever reach it; set requires_grad=True on the leaves it is computed from"
            )
        if self._grad_fn is not None:
            return self._grad_fn.add_hook(self._output_nr, hook)
        node, _ = self._edge()
        handle = node.add_hook(0, hook)
        self._leaf_hooks = node._hooks  # kept by the leaf for the graphs to come
        return handle

    def retain_grad(self) -> None:
        """Keep the gradient of a non-leaf tensor in its ``.grad`` (leaves always get one).

        Like a leaf's, the retained gradient accumulates over backward passes, and it is the
        gradient after this tensor's hooks have run.

        Examples
        --------
        >>> import refgrad as rg
        >>> x = rg.tensor([1.0, 2.0], requires_grad=True)
        >>> h = x * x
        >>> h.retain_grad()
        >>> (h * 5).sum().backward()
        >>> h.grad, h.retains_grad
        (tensor([5., 5.]), True)
        """
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self._retains_grad:
            return
        self._grad_fn.retain(self)
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor after :meth:`retain_grad`.

        Examples
        --------
        >>> import refgrad as rg
        >>> (rg.tensor(1.0, requires_grad=True) * 2).retains_grad
        False
        """
        return self._retains_grad

    def detach(self) -> Tensor:
        """Return a tensor sharing this one's data (and version counter), cut off from the graph.

        Examples
        --------
        >>> import refgrad as rg
        >>> x = rg.tensor([1.0, 2.0], requires_grad=True)
        >>> d = (x * 2).detach()
        >>> d.requires_grad, d.grad_fn
        (False, None)
        """
        detached = Tensor(self.data)
        detached._version_counter = self._counter()  # same memory, same writes
        return detached

    def detach_(self) -> Tensor:
        """Cut this tensor off from the graph, in place.

        Examples
        --------
        >>> import refgrad as rg
        >>> y = rg.tensor(1.0, requires_grad=True) * 2
        >>> y.detach_().is_leaf
        True
        """
        self._grad_fn = None
        self._output_nr = 0
        self._requires_grad = False
        self._view = None
        return self

    # ------------------------------------------------------------------ graph surgery
    def _rebase(self, new: Tensor) -> None:
        """Give this tensor the history of ``new``: the graph's view of an in-place write.

        After ``y += x`` the tensor object ``y`` holds new values, so it must also point at the
        node that computed them. ``retain_grad()`` follows the tensor to its new node; hooks
        stay where they were registered (on the old value), as in PyTorch.
        """
        self._grad_fn, self._output_nr = new._grad_fn, new._output_nr
        self._requires_grad = new._requires_grad
        if self._retains_grad and self._grad_fn is not None:
            self._grad_fn.retain(self)

    def _become_view_of(self, base: Tensor, replay: Callable[[Tensor], Tensor] | None) -> None:
        """Record that this tensor shares ``base``'s memory and is made from it by ``replay``."""
        if base._view is not None:  # a view of a view: remember the root and the whole path
            root, first, last = base._view.base, base._view.replay, replay
            if first is None or last is None:
                path = None
            else:

                def path(tensor: Tensor) -> Tensor:
                    return last(first(tensor))

            base, replay = root, path
        self._version_counter = counter = base._counter()
        self._view = ViewInfo(base, replay, counter.value)

    def _sync_view(self) -> None:
        """Make this view's ``grad_fn`` again if its base's history changed since it was made.

        An in-place write through the base (or through another view of it) gives the base a new
        ``grad_fn``; a view made earlier still points at the old one. Replaying the view
        operations on the base, as PyTorch does, points it at the new one.
        """
        view = self._view
        assert view is not None
        counter = view.base._counter().value
        if counter == view.version or not grad_mode._enabled:
            return
        view.version = counter
        if view.base._requires_grad and view.replay is not None:
            fresh = view.replay(view.base)
            self._grad_fn, self._output_nr = fresh._grad_fn, fresh._output_nr
            self._requires_grad = fresh._requires_grad

    # ------------------------------------------------------------------ array attributes
    @property
    def shape(self) -> Shape:
        """The shape, a tuple of ints (PyTorch returns a ``torch.Size``, a tuple subclass).

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.zeros(2, 3).shape
        (2, 3)
        """
        return self.data.shape

    def size(self, dim: int | None = None) -> Any:
        """Return the shape, or the size of one dimension, as PyTorch's ``Tensor.size``.

        Examples
        --------
        >>> import refgrad as rg
        >>> x = rg.zeros(2, 3)
        >>> x.size(), x.size(-1)
        ((2, 3), 3)
        """
        if dim is None:
            return self.data.shape
        return self.data.shape[_dim(dim, self.ndim, "size")]

    @property
    def dtype(self) -> np.dtype[Any]:
        """The NumPy dtype of the data.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1, 2]).dtype, rg.tensor([1.0]).dtype
        (dtype('int64'), dtype('float64'))
        """
        return self.data.dtype

    @property
    def ndim(self) -> int:
        """The number of dimensions.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.zeros(2, 3).ndim
        2
        """
        return self.data.ndim

    def dim(self) -> int:
        """The number of dimensions (PyTorch's method form of :attr:`ndim`).

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.zeros(4).dim()
        1
        """
        return self.data.ndim

    def numel(self) -> int:
        """The number of elements.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.zeros(2, 3).numel()
        6
        """
        return int(self.data.size)

    def item(self) -> Any:
        """Return the value of a one-element tensor as a Python number.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([2.5]).item()
        2.5
        """
        if self.data.size != 1:
            raise RuntimeError(
                f"item(): a tensor with {self.data.size} elements cannot be converted to a "
                "Python number; only one-element tensors can"
            )
        return self.data.item()

    def tolist(self) -> Any:
        """Return the data as (nested) Python lists.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([[1, 2], [3, 4]]).tolist()
        [[1, 2], [3, 4]]
        """
        return self.data.tolist()

    def numpy(self) -> Array:
        """Return the data as a NumPy array (shared, not copied).

        Raises
        ------
        RuntimeError
            If the tensor requires grad (as in PyTorch, call ``.detach().numpy()``).

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.0, 2.0]).numpy()
        array([1., 2.])
        """
        if self._requires_grad:
            raise RuntimeError(
                "numpy(): this tensor requires grad; call tensor.detach().numpy() to get its "
                "values without the graph"
            )
        return self.data

    def __array__(self, dtype: DTypeLike | None = None, copy: bool | None = None) -> Array:
        if self._requires_grad:
            raise RuntimeError(
                "cannot convert a tensor that requires grad to a NumPy array; call "
                "tensor.detach() first"
            )
        return np.array(self.data, dtype=dtype, copy=copy if copy is not None else False)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.data.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.data.item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extras = []
        default = dtypes.get_default_dtype()
        if self.data.size == 0 or (self.dtype.kind == "f" and self.dtype != default):
            extras.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    def all(self) -> Tensor:
        """True (as a 0-d bool tensor) if every element is non-zero.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.0, 2.0]).all()
        tensor(True)
        """
        return Tensor(np.asarray(self.data.all()))

    def any(self) -> Tensor:
        """True (as a 0-d bool tensor) if some element is non-zero.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([0.0, 2.0]).any()
        tensor(True)
        """
        return Tensor(np.asarray(self.data.any()))

    # ------------------------------------------------------------------ conversions
    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Return the tensor with another dtype (differentiable between float dtypes), as PyTorch.

        Accepts PyTorch's forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``,
        ``to(other)`` (other's dtype), with keywords ``dtype=``, ``device=``, ``non_blocking=``
        (ignored: there is no transfer) and ``copy=``. The tensor itself is returned when nothing
        changes and ``copy`` is False. Only the CPU exists here; see :mod:`refgrad.devices`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.5, 2.5]).to(rg.float32)
        tensor([1.5, 2.5], dtype=float32)
        >>> x = rg.tensor([1.0])
        >>> x.to("cpu") is x, x.to(rg.device("cpu"), rg.int64)
        (True, tensor([1]))
        """
        dtype = kwargs.pop("dtype", None)
        target = kwargs.pop("device", None)
        copy = bool(kwargs.pop("copy", False))
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.data.dtype
            elif isinstance(arg, str | device | int) and not isinstance(arg, bool):
                target = arg
            elif arg is not None:
                dtype = arg
        as_device(target, "to")
        if dtype is None or np.dtype(dtype) == self.data.dtype:
            return _ops.clone(self) if copy else self
        return _ops.to_dtype(self, dtype)

    @property
    def device(self) -> device:
        """The device holding the tensor: always the CPU in refgrad.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.zeros(2).device
        device(type='cpu')
        """
        return CPU

    @property
    def is_cuda(self) -> bool:
        """Whether the tensor is on a GPU: never, since refgrad tensors live on the CPU.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.zeros(2).is_cuda
        False
        """
        return False

    def cpu(self) -> Tensor:
        """Return the tensor itself: it is already on the CPU (as PyTorch does for CPU tensors).

        Examples
        --------
        >>> import refgrad as rg
        >>> x = rg.zeros(2)
        >>> x.cpu() is x
        True
        """
        return self

    def cuda(self, device: DeviceLike = None, non_blocking: bool = False) -> Tensor:
        """Raise: refgrad has no GPU. Check ``rg.cuda.is_available()`` first, as PyTorch code does.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.zeros(2).cuda()
        Traceback (most recent call last):
        ...
        RuntimeError: cuda: refgrad runs on the CPU only, ...
        """
        as_device("cuda" if device is None else device, "cuda")
        return self

    def type(self, dtype: DTypeLike | str | None = None) -> Any:
        """With no argument, the type's name (``'refgrad.DoubleTensor'``); else ``to(dtype)``.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1, 2]).type()
        'refgrad.LongTensor'
        >>> rg.tensor([1, 2]).type(rg.float32)
        tensor([1., 2.], dtype=float32)
        """
        if dtype is None:
            return _type_name(self.data.dtype)
        if isinstance(dtype, str):
            wanted = dtype.rpartition(".")[2]
            for candidate in _TYPE_NAMES:
                if _TYPE_NAMES[candidate] == wanted:
                    return self.to(candidate)
            raise ValueError(f"type(): unknown tensor type {dtype!r}")
        return self.to(dtype)

    def float(self) -> Tensor:
        """Return the tensor as float32 (PyTorch's ``float`` is 32-bit).

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1, 2]).float().dtype
        dtype('float32')
        """
        return _ops.to_dtype(self, dtypes.float32)

    def double(self) -> Tensor:
        """Return the tensor as float64.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1, 2]).double().dtype
        dtype('float64')
        """
        return _ops.to_dtype(self, dtypes.float64)

    def long(self) -> Tensor:
        """Return the tensor as int64 (not differentiable).

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.7, -1.7]).long()
        tensor([ 1, -1])
        """
        return Tensor(self.data.astype(np.int64))

    def clone(self) -> Tensor:
        """Return a copy of the data that stays in the graph (gradients flow through it).

        Examples
        --------
        >>> import refgrad as rg
        >>> x = rg.tensor([1.0], requires_grad=True)
        >>> x.clone()
        tensor([1.], grad_fn=<CloneBackward>)
        """
        return _ops.clone(self)

    # ------------------------------------------------------------------ in place
    # Every in-place write goes through refgrad.ops.inplace.write, which bumps the version
    # counter and, while the graph is recorded, rebases the tensor's history onto the write.
    def __iadd__(self, other: TensorLike) -> Tensor:
        return _ops.inplace.write(self, "add_", _ops.add, other)

    def __isub__(self, other: TensorLike) -> Tensor:
        return _ops.inplace.write(self, "sub_", _ops.sub, other)

    def __imul__(self, other: TensorLike) -> Tensor:
        return _ops.inplace.write(self, "mul_", _ops.mul, other)

    def __itruediv__(self, other: TensorLike) -> Tensor:
        return _ops.inplace.write(self, "div_", _ops.div, other)

    def add_(self, other: TensorLike, *, alpha: builtins.float = 1) -> Tensor:
        """``self += alpha * other``, in place; returns ``self``.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.ones(2).add_(rg.tensor([1.0, 2.0]), alpha=10)
        tensor([11., 21.])
        """
        operand = other if alpha == 1 else _ops.mul(other, alpha)
        return _ops.inplace.write(self, "add_", _ops.add, operand)

    def sub_(self, other: TensorLike, *, alpha: builtins.float = 1) -> Tensor:
        """``self -= alpha * other``, in place; returns ``self``.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.ones(2).sub_(1.0)
        tensor([0., 0.])
        """
        operand = other if alpha == 1 else _ops.mul(other, alpha)
        return _ops.inplace.write(self, "sub_", _ops.sub, operand)

    def mul_(self, other: TensorLike) -> Tensor:
        """``self *= other``, in place; returns ``self``.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.0, 2.0]).mul_(3.0)
        tensor([3., 6.])
        """
        return _ops.inplace.write(self, "mul_", _ops.mul, other)

    def div_(self, other: TensorLike) -> Tensor:
        """``self /= other``, in place; returns ``self``.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.0, 2.0]).div_(2.0)
        tensor([0.5, 1. ])
        """
        return _ops.inplace.write(self, "div_", _ops.div, other)

    def neg_(self) -> Tensor:
        """``self = -self``, in place; returns ``self``.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.0, -2.0]).neg_()
        tensor([-1.,  2.])
        """
        return _ops.inplace.write(self, "neg_", _ops.neg)

    def clamp_(
        self, min: builtins.float | None = None, max: builtins.float | None = None
    ) -> Tensor:
        """Clamp into ``[min, max]``, in place; returns ``self``.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([-1.0, 0.5, 2.0]).clamp_(0.0, 1.0)
        tensor([0. , 0.5, 1. ])
        """
        return _ops.inplace.write(self, "clamp_", lambda t: _ops.clamp(t, min, max))

    def zero_(self) -> Tensor:
        """Fill with zeros, in place; returns ``self``.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.ones(2).zero_()
        tensor([0., 0.])
        """
        return self.fill_(0)

    def fill_(self, value: TensorLike) -> Tensor:
        """Fill with ``value`` (a number or a 0-d tensor), in place; returns ``self``.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.zeros(2).fill_(3.0)
        tensor([3., 3.])
        """
        return _ops.inplace.write(self, "fill_", _ops.inplace.filled, value)

    def copy_(self, src: TensorLike) -> Tensor:
        """Copy the values of ``src`` (broadcast to this shape) into this tensor, in place.

        Gradients flow to ``src`` if it requires grad, as in PyTorch.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.zeros(2).copy_(rg.tensor([1.0, 2.0]))
        tensor([1., 2.])
        """
        return _ops.inplace.write(self, "copy_", _ops.inplace.filled, src)

    # ------------------------------------------------------------------ operators
    def __add__(self, other: TensorLike) -> Tensor:
        return _ops.add(self, other)

    def __radd__(self, other: TensorLike) -> Tensor:
        return _ops.add(other, self)

    def __sub__(self, other: TensorLike) -> Tensor:
        return _ops.sub(self, other)

    def __rsub__(self, other: TensorLike) -> Tensor:
        return _ops.sub(other, self)

    def __mul__(self, other: TensorLike) -> Tensor:
        return _ops.mul(self, other)

    def __rmul__(self, other: TensorLike) -> Tensor:
        return _ops.mul(other, self)

    def __truediv__(self, other: TensorLike) -> Tensor:
        return _ops.div(self, other)

    def __rtruediv__(self, other: TensorLike) -> Tensor:
        return _ops.div(other, self)

    def __pow__(self, exponent: TensorLike) -> Tensor:
        return _ops.pow(self, exponent)

    def __rpow__(self, base: TensorLike) -> Tensor:
        return _ops.pow(base, self)

    def __matmul__(self, other: TensorLike) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: TensorLike) -> Tensor:
        return _ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.abs(self)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index)

    def __setitem__(self, index: Any, value: TensorLike) -> None:
        """Assign in place, ``t[index] = value``.

        While the graph is recorded the write is part of it, as in PyTorch: after
        ``y = x * 2; y[0] = 0`` the gradient of ``y`` reaches ``x`` except at index 0, and if
        ``value`` requires grad it receives the gradient of the positions it was written to.
        Inside a custom Function's ``backward`` (recording off) this is the idiom PyTorch's
        tutorials use: ``grad_input = grad_output.clone()``, then ``grad_input[input < 0] = 0``.
        """
        _ops.inplace.write(self, "index_put_", _ops.inplace.index_put, value, index=index)

    # Comparisons give boolean tensors outside the graph: they have no useful derivative.
    def _compare(self, other: object, ufunc: np.ufunc) -> Tensor:
        value = other.data if isinstance(other, Tensor) else other
        return Tensor(np.asarray(ufunc(self.data, value)))

    # Bitwise on integers, logical on bools, as in PyTorch (NumPy's bitwise ufuncs do both).
    def __and__(self, other: object) -> Tensor:
        return self._bitwise(other, np.bitwise_and, "bitwise_and (&)")

    def __or__(self, other: object) -> Tensor:
        return self._bitwise(other, np.bitwise_or, "bitwise_or (|)")

    def __xor__(self, other: object) -> Tensor:
        return self._bitwise(other, np.bitwise_xor, "bitwise_xor (^)")

    def _bitwise(self, other: object, ufunc: np.ufunc, op: str) -> Tensor:
        value = other.data if isinstance(other, Tensor) else other
        kinds = {self.data.dtype.kind, np.asarray(value).dtype.kind}
        if not kinds <= {"b", "i", "u"}:
            raise TypeError(
                f"{op} is defined for integer and bool tensors, not for dtypes "
                f"{self.dtype} and {np.asarray(value).dtype}; compare first (x > 0) to get bools"
            )
        return Tensor(np.asarray(ufunc(self.data, value)))

    def __invert__(self) -> Tensor:
        return Tensor(np.asarray(~self.data))

    def __lt__(self, other: object) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: object) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: object) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: object) -> Tensor:
        return self._compare(other, np.greater_equal)

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        if other is None:  # as in PyTorch: `t == None` is False, not a tensor
            return False  # type: ignore[return-value]
        return self._compare(other, np.equal)

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        if other is None:
            return True  # type: ignore[return-value]
        return self._compare(other, np.not_equal)

    # ------------------------------------------------------------------ methods
    def add(self, other: TensorLike) -> Tensor:
        """``self + other``; see :func:`refgrad.add`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.0, 2.0]).add(1.0)
        tensor([2., 3.])
        """
        return _ops.add(self, other)

    def sub(self, other: TensorLike) -> Tensor:
        """``self - other``; see :func:`refgrad.sub`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.0, 2.0]).sub(rg.tensor([1.0, 1.0]))
        tensor([0., 1.])
        """
        return _ops.sub(self, other)

    def mul(self, other: TensorLike) -> Tensor:
        """``self * other``; see :func:`refgrad.mul`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.0, 2.0]).mul(3.0)
        tensor([3., 6.])
        """
        return _ops.mul(self, other)

    def div(self, other: TensorLike) -> Tensor:
        """``self / other``; see :func:`refgrad.div`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.0, 2.0]).div(2.0)
        tensor([0.5, 1. ])
        """
        return _ops.div(self, other)

    def pow(self, exponent: TensorLike) -> Tensor:
        """``self ** exponent``; see :func:`refgrad.pow`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.0, 2.0]).pow(2)
        tensor([1., 4.])
        """
        return _ops.pow(self, exponent)

    def matmul(self, other: TensorLike) -> Tensor:
        """``self @ other``; see :func:`refgrad.matmul`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([[1.0, 2.0]]).matmul(rg.tensor([[3.0], [4.0]]))
        tensor([[11.]])
        """
        return _ops.matmul(self, other)

    def neg(self) -> Tensor:
        """``-self``; see :func:`refgrad.neg`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.0, -2.0]).neg()
        tensor([-1.,  2.])
        """
        return _ops.neg(self)

    def exp(self) -> Tensor:
        """Element-wise :math:`e^x`; see :func:`refgrad.exp`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([0.0]).exp()
        tensor([1.])
        """
        return _ops.exp(self)

    def log(self) -> Tensor:
        """Element-wise natural logarithm; see :func:`refgrad.log`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.0]).log()
        tensor([0.])
        """
        return _ops.log(self)

    def tanh(self) -> Tensor:
        """Element-wise hyperbolic tangent; see :func:`refgrad.tanh`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([0.0]).tanh()
        tensor([0.])
        """
        return _ops.tanh(self)

    def sigmoid(self) -> Tensor:
        """Element-wise logistic sigmoid; see :func:`refgrad.sigmoid`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([0.0]).sigmoid()
        tensor([0.5])
        """
        return _ops.sigmoid(self)

    def relu(self) -> Tensor:
        r"""Element-wise :math:`\max(x, 0)`; see :func:`refgrad.relu`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([-1.0, 2.0]).relu()
        tensor([0., 2.])
        """
        return _ops.relu(self)

    def abs(self) -> Tensor:
        """Element-wise absolute value; see :func:`refgrad.abs`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([-1.5, 2.0]).abs()
        tensor([1.5, 2. ])
        """
        return _ops.abs(self)

    def sqrt(self) -> Tensor:
        """Element-wise square root; see :func:`refgrad.sqrt`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([4.0]).sqrt()
        tensor([2.])
        """
        return _ops.sqrt(self)

    def sum(self, dim: Dims = None, keepdim: bool = False) -> Tensor:
        """Sum over ``dim``; see :func:`refgrad.sum`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0)
        tensor([4., 6.])
        """
        return _ops.sum(self, dim, keepdim)

    def mean(self, dim: Dims = None, keepdim: bool = False) -> Tensor:
        """Mean over ``dim``; see :func:`refgrad.mean`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([[1.0, 2.0], [3.0, 4.0]]).mean(dim=1, keepdim=True)
        tensor([[1.5],
                [3.5]])
        """
        return _ops.mean(self, dim, keepdim)

    @overload
    def max(self) -> Tensor: ...
    @overload
    def max(self, dim: int, keepdim: bool = False) -> MaxResult: ...
    @overload
    def max(self, dim: Sequence[int], keepdim: bool = False) -> Tensor: ...
    @overload
    def max(self, dim: Tensor) -> Tensor: ...
    def max(self, dim: Dims | Tensor = None, keepdim: bool = False) -> Tensor | MaxResult:
        """Maximum over all elements or along ``dim``; see :func:`refgrad.max`.

        Examples
        --------
        >>> import refgrad as rg
        >>> x = rg.tensor([[1.0, 5.0], [7.0, 2.0]])
        >>> x.max()
        tensor(7.)
        >>> x.max(dim=0)
        MaxResult(values=tensor([7., 5.]), indices=tensor([1, 0]))
        """
        return _ops.max(self, dim, keepdim)

    @overload
    def min(self) -> Tensor: ...
    @overload
    def min(self, dim: int, keepdim: bool = False) -> MaxResult: ...
    @overload
    def min(self, dim: Sequence[int], keepdim: bool = False) -> Tensor: ...
    @overload
    def min(self, dim: Tensor) -> Tensor: ...
    def min(self, dim: Dims | Tensor = None, keepdim: bool = False) -> Tensor | MaxResult:
        """Minimum over all elements or along ``dim``; see :func:`refgrad.min`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([[1.0, 5.0], [7.0, 2.0]]).min(dim=1)
        MaxResult(values=tensor([1., 2.]), indices=tensor([0, 1]))
        """
        return _ops.min(self, dim, keepdim)

    def clamp(self, min: builtins.float | None = None, max: builtins.float | None = None) -> Tensor:
        """Limit every element to ``[min, max]``; see :func:`refgrad.clamp`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([-2.0, 0.5, 3.0]).clamp(min=0.0, max=1.0)
        tensor([0. , 0.5, 1. ])
        """
        return _ops.clamp(self, min, max)

    def masked_fill(self, mask: TensorLike, value: builtins.float) -> Tensor:
        """Replace the elements where ``mask`` is true by ``value`` (out of place).

        Examples
        --------
        >>> import refgrad as rg
        >>> x = rg.tensor([1.0, -2.0, 3.0])
        >>> x.masked_fill(x < 0, 0.0)
        tensor([1., 0., 3.])
        """
        return _ops.where(mask, value, self)

    def mm(self, mat2: TensorLike) -> Tensor:
        """Matrix product of two 2-D tensors (PyTorch's ``mm``); see :func:`refgrad.matmul`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.ones(2, 3).mm(rg.ones(3, 4)).shape
        (2, 4)
        """
        if self.ndim != 2 or getattr(mat2, "ndim", 0) != 2:
            raise RuntimeError("mm: both operands must be 2-D matrices; use matmul otherwise")
        return _ops.matmul(self, mat2)

    def expand_as(self, other: Tensor) -> Tensor:
        """Broadcast to ``other``'s shape.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.0, 2.0]).expand_as(rg.zeros(3, 2)).shape
        (3, 2)
        """
        if other.shape == self.shape:
            return _ops.shape.BroadcastTo.apply(self, shape=self.shape)  # a new tensor, as PyTorch
        return _ops.broadcast_to(self, other.shape)

    def view_as(self, other: Tensor) -> Tensor:
        """Reshape to ``other``'s shape.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.arange(6).view_as(rg.zeros(2, 3)).shape
        (2, 3)
        """
        return _ops.reshape(self, other.shape)

    reshape_as = view_as

    def amax(self, dim: Dims = None, keepdim: bool = False) -> Tensor:
        """Maximum values over ``dim``; see :func:`refgrad.amax`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([[1.0, 5.0], [7.0, 2.0]]).amax(dim=(0, 1))
        tensor(7.)
        """
        return _ops.amax(self, dim, keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the first maximum; see :func:`refgrad.argmax`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([[1.0, 5.0], [7.0, 2.0]]).argmax(dim=1)
        tensor([1, 0])
        """
        return _ops.argmax(self, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the first minimum; see :func:`refgrad.argmin`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([[1.0, 5.0], [7.0, 2.0]]).argmin(dim=1)
        tensor([0, 1])
        """
        return _ops.argmin(self, dim, keepdim)

    def softmax(self, dim: int) -> Tensor:
        """Softmax along ``dim``; see :func:`refgrad.nn.functional.softmax`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([0.0, 0.0]).softmax(dim=0)
        tensor([0.5, 0.5])
        """
        return _ops.softmax(self, dim)

    def log_softmax(self, dim: int) -> Tensor:
        """Log-softmax along ``dim``; see :func:`refgrad.nn.functional.log_softmax`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([0.0, 0.0]).log_softmax(dim=0).exp()
        tensor([0.5, 0.5])
        """
        return _ops.log_softmax(self, dim)

    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """Same data, new shape (one size may be -1); see :func:`refgrad.reshape`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.arange(6).reshape(2, 3).shape, rg.arange(6).reshape((3, -1)).shape
        ((2, 3), (3, 2))
        """
        return _ops.reshape(self, _shape_args(shape))

    def view(self, *shape: int | Sequence[int]) -> Tensor:
        """Alias of :meth:`reshape` (refgrad has no separate notion of views).

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.arange(6).view(3, 2).shape
        (3, 2)
        """
        return _ops.reshape(self, _shape_args(shape))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dimensions ``start_dim..end_dim`` into one; see :func:`refgrad.flatten`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.zeros(2, 3, 4).flatten().shape
        (24,)
        """
        return _ops.flatten(self, start_dim, end_dim)

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a dimension of size 1 at ``dim``; see :func:`refgrad.unsqueeze`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.zeros(3).unsqueeze(0).shape
        (1, 3)
        """
        return _ops.unsqueeze(self, dim)

    def squeeze(self, dim: Dims = None) -> Tensor:
        """Remove dimensions of size 1; see :func:`refgrad.squeeze`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.zeros(1, 3, 1).squeeze().shape
        (3,)
        """
        return _ops.squeeze(self, dim)

    def expand(self, *shape: int | Sequence[int]) -> Tensor:
        """Broadcast to ``shape`` (-1 keeps a size); see :func:`refgrad.broadcast_to`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([[1.0], [2.0]]).expand(2, 3)
        tensor([[1., 1., 1.],
                [2., 2., 2.]])
        """
        sizes = _shape_args(shape)
        offset = len(sizes) - self.ndim
        target = tuple(
            self.shape[i - offset] if n == -1 and i >= offset else n for i, n in enumerate(sizes)
        )
        return _ops.broadcast_to(self, target)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions; see :func:`refgrad.transpose`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.zeros(2, 3).transpose(0, 1).shape
        (3, 2)
        """
        return _ops.transpose(self, dim0, dim1)

    def permute(self, *dims: int | Sequence[int]) -> Tensor:
        """Reorder the dimensions; see :func:`refgrad.permute`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.zeros(2, 3, 4).permute(2, 0, 1).shape
        (4, 2, 3)
        """
        return _ops.permute(self, _shape_args(dims))

    def t(self) -> Tensor:
        """Transpose a tensor of at most 2 dimensions, as ``torch.Tensor.t``.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([[1, 2, 3]]).t().shape
        (3, 1)
        """
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, got {self.ndim}")
        return _ops.transpose(self, 0, 1) if self.ndim == 2 else self

    @property
    def T(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The tensor with its dimensions reversed (the matrix transpose for 2-D).

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([[1.0, 2.0, 3.0]]).T.shape
        (3, 1)
        """
        return _ops.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:  # noqa: N802 - PyTorch's name
        """The tensor with its last two dimensions swapped (a batch of transposes).

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.zeros(5, 2, 3).mT.shape
        (5, 3, 2)
        """
        return _ops.transpose(self, -2, -1)

    def dot(self, tensor: Tensor) -> Tensor:
        """``dot``; see :func:`refgrad.dot`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.0, 2.0]).dot(rg.tensor([3.0, 4.0]))
        tensor(11.)
        """
        return _products.dot(self, tensor)

    def mv(self, vec: Tensor) -> Tensor:
        """``mv``; see :func:`refgrad.mv`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.eye(2).mv(rg.tensor([3.0, 4.0]))
        tensor([3., 4.])
        """
        return _products.mv(self, vec)

    def outer(self, vec2: Tensor) -> Tensor:
        """``outer``; see :func:`refgrad.outer`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.0, 2.0]).outer(rg.tensor([3.0]))
        tensor([[3.],
                [6.]])
        """
        return _products.outer(self, vec2)

    def bmm(self, mat2: Tensor) -> Tensor:
        """``bmm``; see :func:`refgrad.bmm`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.ones(4, 2, 3).bmm(rg.ones(4, 3, 5)).shape
        (4, 2, 5)
        """
        return _products.bmm(self, mat2)

    def maximum(self, other: Tensor) -> Tensor:
        """``maximum``; see :func:`refgrad.maximum`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.0, 4.0]).maximum(rg.tensor([3.0, 2.0]))
        tensor([3., 4.])
        """
        return _extrema.maximum(self, other)

    def minimum(self, other: Tensor) -> Tensor:
        """``minimum``; see :func:`refgrad.minimum`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([1.0, 4.0]).minimum(rg.tensor([3.0, 2.0]))
        tensor([1., 2.])
        """
        return _extrema.minimum(self, other)

    # ---- functions of one variable (refgrad.ops.unary) as methods

    def acos(self) -> Tensor:
        """Element-wise ``acos``; see :func:`refgrad.acos`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([0.5]).acos()
        tensor([1.04719755])
        """
        return _unary.acos(self)

    def asin(self) -> Tensor:
        """Element-wise ``asin``; see :func:`refgrad.asin`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([0.5]).asin()
        tensor([0.52359878])
        """
        return _unary.asin(self)

    def atan(self) -> Tensor:
        """Element-wise ``atan``; see :func:`refgrad.atan`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([0.0]).atan()
        tensor([0.])
        """
        return _unary.atan(self)

    def ceil(self) -> Tensor:
        """Element-wise ``ceil``; see :func:`refgrad.ceil`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([-1.5]).ceil()
        tensor([-1.])
        """
        return _unary.ceil(self)

    def cos(self) -> Tensor:
        """Element-wise ``cos``; see :func:`refgrad.cos`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([0.0]).cos()
        tensor([1.])
        """
        return _unary.cos(self)

    def cosh(self) -> Tensor:
        """Element-wise ``cosh``; see :func:`refgrad.cosh`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([0.0]).cosh()
        tensor([1.])
        """
        return _unary.cosh(self)

    def exp2(self) -> Tensor:
        """Element-wise ``exp2``; see :func:`refgrad.exp2`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([3.0]).exp2()
        tensor([8.])
        """
        return _unary.exp2(self)

    def expm1(self) -> Tensor:
        """Element-wise ``expm1``; see :func:`refgrad.expm1`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([0.0]).expm1()
        tensor([0.])
        """
        return _unary.expm1(self)

    def floor(self) -> Tensor:
        """Element-wise ``floor``; see :func:`refgrad.floor`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([-1.5]).floor()
        tensor([-2.])
        """
        return _unary.floor(self)

    def frac(self) -> Tensor:
        """Element-wise ``frac``; see :func:`refgrad.frac`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([-1.25]).frac()
        tensor([-0.25])
        """
        return _unary.frac(self)

    def log10(self) -> Tensor:
        """Element-wise ``log10``; see :func:`refgrad.log10`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([100.0]).log10()
        tensor([2.])
        """
        return _unary.log10(self)

    def log1p(self) -> Tensor:
        """Element-wise ``log1p``; see :func:`refgrad.log1p`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([0.0]).log1p()
        tensor([0.])
        """
        return _unary.log1p(self)

    def log2(self) -> Tensor:
        """Element-wise ``log2``; see :func:`refgrad.log2`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([8.0]).log2()
        tensor([3.])
        """
        return _unary.log2(self)

    def reciprocal(self) -> Tensor:
        """Element-wise ``reciprocal``; see :func:`refgrad.reciprocal`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([4.0]).reciprocal()
        tensor([0.25])
        """
        return _unary.reciprocal(self)

    def rsqrt(self) -> Tensor:
        """Element-wise ``rsqrt``; see :func:`refgrad.rsqrt`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([4.0]).rsqrt()
        tensor([0.5])
        """
        return _unary.rsqrt(self)

    def sign(self) -> Tensor:
        """Element-wise ``sign``; see :func:`refgrad.sign`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([-2.0]).sign()
        tensor([-1.])
        """
        return _unary.sign(self)

    def sin(self) -> Tensor:
        """Element-wise ``sin``; see :func:`refgrad.sin`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([0.0]).sin()
        tensor([0.])
        """
        return _unary.sin(self)

    def sinh(self) -> Tensor:
        """Element-wise ``sinh``; see :func:`refgrad.sinh`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([0.0]).sinh()
        tensor([0.])
        """
        return _unary.sinh(self)

    def square(self) -> Tensor:
        """Element-wise ``square``; see :func:`refgrad.square`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([3.0]).square()
        tensor([9.])
        """
        return _unary.square(self)

    def tan(self) -> Tensor:
        """Element-wise ``tan``; see :func:`refgrad.tan`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([0.0]).tan()
        tensor([0.])
        """
        return _unary.tan(self)

    def trunc(self) -> Tensor:
        """Element-wise ``trunc``; see :func:`refgrad.trunc`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([-1.5]).trunc()
        tensor([-1.])
        """
        return _unary.trunc(self)

    def round(self, *, decimals: int = 0) -> Tensor:
        """Element-wise rounding, halves to even; see :func:`refgrad.round`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.tensor([2.5, -0.5]).round()
        tensor([ 2., -0.])
        """
        return _unary.round(self, decimals=decimals)


#: PyTorch's legacy type names (``x.type()``), by dtype.
_TYPE_NAMES: dict[np.dtype[Any], str] = {
    np.dtype(name): f"{legacy}Tensor"
    for name, legacy in (
        ("float64", "Double"),
        ("float32", "Float"),
        ("float16", "Half"),
        ("int64", "Long"),
        ("int32", "Int"),
        ("int16", "Short"),
        ("int8", "Char"),
        ("uint8", "Byte"),
        ("bool", "Bool"),
    )
}


def _type_name(dtype: np.dtype[Any]) -> str:
    return "refgrad." + _TYPE_NAMES.get(dtype, f"{dtype}Tensor")


def _shape_args(args: tuple[int | Sequence[int], ...]) -> tuple[int, ...]:
    """Accept both ``f(2, 3)`` and ``f((2, 3))``, as PyTorch does."""
    if len(args) == 1 and not isinstance(args[0], int | np.integer):
        return tuple(int(n) for n in args[0])
    return tuple(int(n) for n in args)  # type: ignore[arg-type]


def _dim(dim: int, ndim: int, op: str) -> int:
    """Normalise a possibly negative dimension, with PyTorch's error when it is out of range."""
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-bound}, {bound - 1}], "
            f"but got {dim})"
        )
    return dim % bound


def tensor(
    data: ArrayLike,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Make a tensor from data, copying it (like :func:`torch.tensor`).

    Parameters
    ----------
    data : array-like
        A number, nested lists of numbers, a NumPy array or a tensor.
    dtype : dtype-like, optional
        The dtype. By default Python floats give the default dtype (float64, see
        :func:`refgrad.set_default_dtype`), Python ints give int64, and NumPy arrays keep their
        dtype (so float32 in gives float32 out).
    requires_grad : bool, default False
        Whether to compute gradients with respect to this tensor (floating point only).

    Returns
    -------
    Tensor
        A leaf tensor.

    Raises
    ------
    RuntimeError
        If ``requires_grad`` is True for a non-floating-point dtype.

    Examples
    --------
    >>> import numpy as np
    >>> import refgrad as rg
    >>> rg.tensor([1.0, 2.0], requires_grad=True)
    tensor([1., 2.], requires_grad=True)
    >>> rg.tensor(np.array([1.0], dtype=np.float32)).dtype
    dtype('float32')
    >>> rg.tensor([1, 2], requires_grad=True)
    Traceback (most recent call last):
    ...
    RuntimeError: only floating point tensors can require gradients, ...
    """
    as_device(device, "tensor")
    return Tensor(_to_array(data, dtype, copy=True), requires_grad=requires_grad)


from refgrad import ops as _ops  # noqa: E402 - the ops import Tensor, so they come after it
from refgrad.ops import extrema as _extrema  # noqa: E402
from refgrad.ops import products as _products  # noqa: E402
from refgrad.ops import unary as _unary  # noqa: E402
