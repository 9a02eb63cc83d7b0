"""``Function``: an operation with its forward and backward rule side by side.

Every differentiable operation in refgrad, built in or written by a user, is a subclass of
:class:`Function` with two static methods:

* ``forward(ctx, *inputs)`` computes the result. It runs with graph recording off, so it may
  use NumPy freely (``a.data``), and it may return a NumPy array or a Tensor, or a tuple of them
  for an operation with several outputs.
* ``backward(ctx, *grad_outputs)`` receives one gradient per output and returns one gradient
  per input of ``forward`` (``None`` where an input needs none). It is written with refgrad
  operations, so when ``create_graph=True`` the backward pass is itself recorded and can be
  differentiated again.

PyTorch 2's other style works too: ``forward(*inputs)`` without ``ctx``, plus
``setup_context(ctx, inputs, output)`` to save what backward needs.

The ``ctx`` is the :class:`BackwardNode` that becomes the results' ``grad_fn``. Its contract, the
same as PyTorch's:

* ``ctx.save_for_backward(*tensors)`` keeps tensors for backward, where ``ctx.saved_tensors``
  returns them. Save tensors this way (not as attributes) so that the engine can free them after
  backward, and so that an in-place change made to them since is detected.
* ``ctx.needs_input_grad`` is a tuple of booleans, one per input, to skip work in backward.
* ``ctx.mark_dirty(x)`` declares that forward changed input ``x`` in place (and returns it),
  ``ctx.mark_non_differentiable(t)`` that an output has no gradient, and
  ``ctx.set_materialize_grads(False)`` that backward accepts ``None`` for unused outputs.
* Anything else (shapes, a ``dim``, NumPy index arrays) may be stored as attributes of ``ctx``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from refgrad import grad_mode
from refgrad._typing import Shape
from refgrad.autograd.node import Edge, Node, SavedTensor
from refgrad.broadcast import broadcast_shapes, sum_axes, unbroadcast
from refgrad.errors import ShapeError
from refgrad.tensor import Tensor

#: Extensions that look at every op after its forward (forward-mode AD and anomaly detection
#: add themselves while they are on): ``plugin(function, ctx, inputs, outputs)``.
after_forward: list[
    Callable[[type[Function], BackwardNode, tuple[Any, ...], tuple[Tensor, ...]], None]
] = []

_NO_EDGE: Edge = (None, 0)


class BackwardNode(Node):
    """The ``ctx`` of one call of a :class:`Function`, which is also the results' ``grad_fn``.

    Examples
    --------
    >>> import refgrad as rg
    >>> class Square(rg.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x.data ** 2
    ...
    ...     @staticmethod
    ...     def backward(ctx, grad_output):
    ...         (x,) = ctx.saved_tensors
    ...         return grad_output * 2 * x
    >>> x = rg.tensor(3.0, requires_grad=True)
    >>> y = Square.apply(x)
    >>> y.grad_fn
    <SquareBackward>
    >>> y.grad_fn.needs_input_grad
    (True,)
    """

    function: type[Function]
    needs_input_grad: tuple[bool, ...]

    # What a call starts with, as class attributes: a node is made for every op, so its
    # constructor sets only what differs from call to call.
    _to_save: tuple[Tensor | None, ...] = ()  # what forward asked to save
    _for_forward: tuple[Tensor | None, ...] | None = None  # ... for jvp, if different
    _saved: tuple[SavedTensor | None, ...] | None = ()  # ... once recorded; None once freed
    _dirty: tuple[Tensor, ...] = ()
    _non_differentiable: tuple[Tensor, ...] = ()
    _materialize_grads = True
    _in_jvp = False  # forward mode sets it while the op's jvp runs
    _input_meta: tuple[tuple[Shape, np.dtype[Any]] | None, ...] = ()
    _output_meta: tuple[tuple[Shape, np.dtype[Any]], ...] = ()

    if TYPE_CHECKING:  # a ctx carries whatever attributes forward stores on it

        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...

    def __init__(self, function: type[Function], needs_input_grad: tuple[bool, ...]) -> None:
        self.function = function
        self.needs_input_grad = needs_input_grad

    @property
    def output_shape(self) -> Shape:
        """The shape of the (first) result, for pictures of the graph (:mod:`refgrad.viz`).

        Examples
        --------
        >>> import refgrad as rg
        >>> (rg.ones(2, 3, requires_grad=True) * 2).grad_fn.output_shape
        (2, 3)
        """
        return self._output_meta[0][0] if self._output_meta else ()

    def name(self) -> str:
        """Return ``"<FunctionName>Backward"``.

        Examples
        --------
        >>> import refgrad as rg
        >>> (rg.tensor(1.0, requires_grad=True) * 2).grad_fn.name()
        'MulBackward'
        """
        return f"{self.function.__name__}Backward"

    # ---------------------------------------------------------------- what forward declares
    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors for ``backward``; call it at most once, in ``forward``.

        Examples
        --------
        See :class:`BackwardNode`.
        """
        self._to_save = tensors

    def save_for_forward(self, *tensors: Tensor | None) -> None:
        """Keep tensors for ``jvp`` (forward mode), where ``ctx.saved_tensors`` returns them.

        Use it when forward mode needs other tensors than backward: an op saves for backward
        only what the gradients asked for need, as PyTorch does, so that an in-place change
        of a tensor no gradient depends on is not an error.

        Examples
        --------
        See :class:`refgrad.ops.elementwise.Mul`, which saves each factor for backward only if
        the *other* factor's gradient is wanted, and both for forward mode.
        """
        self._for_forward = tensors

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Declare that ``forward`` changed these inputs in place (and returns them).

        Each one's version is bumped and, when the graph is recorded, its history is rebased
        onto this node, as for any other in-place write.

        Examples
        --------
        >>> import refgrad as rg
        >>> class Double_(rg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         x.data *= 2
        ...         ctx.mark_dirty(x)
        ...         return x
        ...
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         return grad * 2
        >>> w = rg.tensor([1.0, 2.0], requires_grad=True)
        >>> y = w * 1
        >>> Double_.apply(y) is y, y.grad_fn, y._version
        (True, <Double_Backward>, 1)
        >>> y.sum().backward()
        >>> w.grad
        tensor([2., 2.])
        """
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        """Declare outputs that are not differentiable (an index, a mask): they won't require grad.

        Examples
        --------
        >>> import numpy as np
        >>> import refgrad as rg
        >>> class Sign(rg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         result = rg.tensor(np.sign(x.data))
        ...         ctx.mark_non_differentiable(result)
        ...         return result
        >>> Sign.apply(rg.tensor([-2.0, 3.0], requires_grad=True)).requires_grad
        False
        """
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, ``backward`` receives None (not zeros) for outputs that got no gradient.

        Examples
        --------
        >>> import refgrad as rg
        >>> class Split(rg.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.set_materialize_grads(False)
        ...         return x.data * 2, x.data * 3
        ...
        ...     @staticmethod
        ...     def backward(ctx, grad_a, grad_b):
        ...         print("grad_b is", grad_b)
        ...         return grad_a * 2
        >>> a, b = Split.apply(rg.tensor([1.0], requires_grad=True))
        >>> a.sum().backward()
        grad_b is None
        """
        self._materialize_grads = bool(value)

    @property
    def saved_tensors(self) -> tuple[Tensor, ...]:
        """The tensors given to :meth:`save_for_backward`, in the same order.

        Raises
        ------
        RuntimeError
            If a backward pass without ``retain_graph=True`` has already freed them, or if
            one of them was changed in place after it was saved.

        Examples
        --------
        See :class:`BackwardNode`.
        """
        if self._saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                f"if you need to access saved tensors after calling backward. (The node: "
                f"{self.name()}.)"
            )
        if self._for_forward is not None and self._in_jvp:
            return self._for_forward  # type: ignore[return-value]
        if not self._saved:  # not recorded (no input requires grad): forward's own tensors
            return self._to_save  # type: ignore[return-value]
        return tuple([s.unpack(self) if s is not None else None for s in self._saved])  # type: ignore[misc]

    # ---------------------------------------------------------------- what the engine calls
    def release(self) -> None:
        """Free the saved tensors (called by the engine after backward without retain_graph).

        Examples
        --------
        >>> import refgrad as rg
        >>> x = rg.tensor(3.0, requires_grad=True)
        >>> y = x * x
        >>> y.grad_fn.release()
        >>> y.backward()
        Traceback (most recent call last):
        ...
        RuntimeError: Trying to backward through the graph a second time ...
        """
        if self._saved:
            self._saved = None

    def apply_backward(self, *grad_outputs: Tensor | None) -> tuple[Tensor | None, ...]:
        """Run the Function's backward rule on one gradient per output, and check its answer.

        Outputs that received no gradient get zeros (or None, see
        :meth:`set_materialize_grads`). Each returned gradient is then made to fit its input:
        this is the one place where a gradient is summed back to its input's shape, see
        :func:`fit_to_input`.

        Raises
        ------
        RuntimeError
            If backward returns the wrong number of gradients or a gradient whose shape cannot
            belong to its input; the message names the Function and the input.

        Examples
        --------
        >>> import refgrad as rg
        >>> x = rg.tensor([1.0, 2.0], requires_grad=True)
        >>> y = x * 3.0
        >>> with rg.no_grad():  # as the engine calls it (unless create_graph=True)
        ...     y.grad_fn.apply_backward(rg.tensor([1.0, 1.0]))  # one gradient per input
        (tensor([3., 3.]), None)
        """
        if self.num_outputs > 1 and self._materialize_grads:
            grad_outputs = tuple(
                Tensor(np.zeros(*self._output_meta[i])) if g is None else g
                for i, g in enumerate(grad_outputs)
            )
        rule: Callable[..., Any] = self.function.backward  # one gradient per output
        grads = rule(self, *grad_outputs)
        if not isinstance(grads, tuple):
            grads = (grads,)
        expected = len(self.next_functions)
        if len(grads) != expected:
            if len(grads) > expected and all(g is None for g in grads[expected:]):
                grads = grads[:expected]
            else:
                raise RuntimeError(
                    f"function {self.name()} returned an incorrect number of gradients "
                    f"(expected {expected}, got {len(grads)}): return one gradient (or None) "
                    "per input of forward"
                )
        fitted: list[Tensor | None] = []
        for index, (grad, meta) in enumerate(zip(grads, self._input_meta, strict=True)):
            if grad is None or meta is None:
                fitted.append(None)
            elif type(grad) is Tensor and grad.data.shape == meta[0] and grad.data.dtype == meta[1]:
                fitted.append(grad)  # the common case: nothing to fit
            else:
                fitted.append(fit_to_input(grad, meta, self.name(), index))
        return tuple(fitted)


def fit_to_input(grad: Any, meta: tuple[Shape, np.dtype[Any]], name: str, index: int) -> Tensor:
    """Give a gradient its input's shape and dtype: the one place gradients are reduced.

    Broadcasting copied each input element into several output elements, so a backward rule
    naturally produces a gradient of the *broadcast* shape; the input's gradient is its sum
    over the copies (:func:`refgrad.unbroadcast`). Every rule leaves that sum to this function,
    as PyTorch's engine does. Without ``create_graph`` the sum is plain NumPy; with it, the
    differentiable ``sum`` is used so the reduction is itself recorded.

    Examples
    --------
    >>> import numpy as np
    >>> import refgrad as rg
    >>> from refgrad.autograd.function import fit_to_input
    >>> fit_to_input(rg.ones(4, 3), ((3,), np.dtype("float64")), "AddBackward", 1)
    tensor([4., 4., 4.])
    """
    if not isinstance(grad, Tensor):
        raise TypeError(
            f"{name} returned a {type(grad).__name__} as the gradient of input {index}; return "
            "a refgrad Tensor (wrap arrays with rg.tensor) or None"
        )
    shape, dtype = meta
    if grad.data.shape != shape:
        try:
            if grad._requires_grad and grad_mode._enabled:
                axes = sum_axes(grad.data.shape, shape)
                grad = (
                    grad.sum(dim=axes, keepdim=True).reshape(shape) if axes else grad.reshape(shape)
                )
            else:
                grad = Tensor(unbroadcast(grad.data, shape))
        except ShapeError:
            raise RuntimeError(
                f"function {name} returned an invalid gradient at index {index} - got "
                f"{list(grad.shape)} but expected shape compatible with {list(shape)}"
            ) from None
    fitted: Tensor = grad if grad.data.dtype == dtype else grad.to(dtype)
    return fitted


# -------------------------------------------------------------------- the steps of apply
def _needs_input_grad(args: tuple[Any, ...]) -> tuple[bool, ...]:
    """One flag per input: whether it is a tensor that requires grad."""
    # (The requires_grad property first brings a view up to date with its base's history.)
    return tuple([a.requires_grad if isinstance(a, Tensor) else False for a in args])


def _run_forward(
    cls: type[Function], ctx: BackwardNode, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Call ``forward`` with recording off; re-word errors so they name the op and shapes."""
    previous, grad_mode._enabled = grad_mode._enabled, False
    try:
        if cls._ctx_free:
            return cls.forward(*args, **kwargs)
        return cls.forward(ctx, *args, **kwargs)
    except (ValueError, TypeError, IndexError) as error:
        raise _explained(cls.__name__, args, error) from error
    finally:
        if previous:
            grad_mode._enabled = True


def _as_outputs(
    cls: type[Function], ctx: BackwardNode, raw: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Tensor, ...]:
    """Turn what ``forward`` returned into result tensors (new ones, unless marked dirty)."""
    if type(raw) is np.ndarray:  # the common case: one fresh array
        output = Tensor(raw)
        if raw.base is not None:
            _track_view(cls, output, args, kwargs)
        return (output,)
    items = raw if type(raw) is tuple else (raw,)
    outputs: list[Tensor] = []
    for item in items:
        if type(item) is np.ndarray:
            output = Tensor(item)
        elif isinstance(item, Tensor):
            reused = (
                item._grad_fn is not None or item._requires_grad or any(item is a for a in args)
            )
            dirty = any(item is d for d in ctx._dirty)
            output = Tensor(item.data) if reused and not dirty else item
        elif isinstance(item, np.generic | np.ndarray):
            output = Tensor(np.asarray(item))
        else:
            raise TypeError(
                f"{cls.__name__}.forward returned a {type(item).__name__}; return a Tensor or "
                "NumPy array, or a tuple of them for several outputs"
            )
        outputs.append(output)
    first = outputs[0]
    if (
        first.data.base is not None
        and first._view is None
        and not any(first is d for d in ctx._dirty)
    ):
        _track_view(cls, first, args, kwargs)
    return tuple(outputs)


def _owner(array: np.ndarray[Any, Any]) -> Any:
    """The array that owns the memory ``array`` looks at."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array.base if array.base is not None else array


def _track_view(
    cls: type[Function], output: Tensor, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """If the result shares an input's memory, it is a view: it shares the version counter.

    A view of the first input can be made again by calling the op on a new base, which is
    what an in-place write through the view needs (see :mod:`refgrad.ops.inplace`).
    """
    owner = _owner(output.data)
    for position, arg in enumerate(args):
        if isinstance(arg, Tensor) and _owner(arg.data) is owner:
            output._become_view_of(arg, _replayer(cls, args[1:], kwargs) if position == 0 else None)
            return


def _replayer(
    cls: type[Function], rest: tuple[Any, ...], kwargs: dict[str, Any]
) -> Callable[[Tensor], Tensor]:
    """The view op again, on a new base: ``replay(base) = cls.apply(base, *rest, **kwargs)``."""

    def replay(base: Tensor) -> Tensor:
        return cls.apply(base, *rest, **kwargs)

    return replay


def _record(ctx: BackwardNode, args: tuple[Any, ...], outputs: tuple[Tensor, ...]) -> None:
    """Link the call into the graph: edges to the inputs, outputs to the node, saved tensors."""
    needs = ctx.needs_input_grad
    # For each input: the edge backward follows, and the shape and dtype its gradient must have.
    ctx.next_functions = tuple(
        [a._edge() if n else _NO_EDGE for a, n in zip(args, needs, strict=True)]
    )
    ctx._input_meta = tuple(
        [(a.data.shape, a.data.dtype) if n else None for a, n in zip(args, needs, strict=True)]
    )
    excluded = ctx._non_differentiable
    for output_nr, output in enumerate(outputs):
        if output.data.dtype.kind != "f" or (excluded and any(output is t for t in excluded)):
            continue  # integer results (indices) and declared ones carry no gradient
        if output._view is not None:
            output._view.version = output._counter().value  # its grad_fn is current
        output._grad_fn, output._output_nr, output._requires_grad = ctx, output_nr, True
    ctx._output_meta = tuple([(o.data.shape, o.data.dtype) for o in outputs])
    if len(outputs) > 1:
        ctx.num_outputs = len(outputs)
    if ctx._to_save:
        ctx._saved = tuple([_saved(t, outputs) for t in ctx._to_save])
        ctx._to_save = ()


def _saved(tensor: Tensor | None, outputs: tuple[Tensor, ...]) -> SavedTensor | None:
    if tensor is None:
        return None
    for output_nr, output in enumerate(outputs):
        if tensor is output and output._grad_fn is not None:
            return SavedTensor(output, output_nr)  # a result: held without a reference cycle
    return SavedTensor(tensor)


def _mark_dirty_written(ctx: BackwardNode, recording: bool) -> None:
    """Inputs that forward changed in place: refuse a leaf that requires grad, bump versions."""
    for tensor in ctx._dirty:
        if recording and tensor._grad_fn is None and tensor._requires_grad:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation. "
                f"({ctx.function.__name__} marked it dirty.)"
            )
        tensor._counter().value += 1


def _explained(name: str, args: tuple[Any, ...], error: Exception) -> Exception:
    """Re-word an error raised inside ``forward`` so that it names the op and the shapes.

    Broadcasting is not checked before each op (that would cost every op a Python loop); when
    NumPy refuses to broadcast, the shapes are examined here to say exactly what went wrong.
    """
    if isinstance(error, ValueError) and "broadcast" in str(error):
        try:
            broadcast_shapes(name.lower(), *(a.shape for a in args if isinstance(a, Tensor)))
        except ShapeError as explained:
            return explained
    shapes = ", ".join(str(a.shape) for a in args if isinstance(a, Tensor))
    message = f"{name} (input shapes {shapes}): {error}"
    base: type[Exception] = IndexError if isinstance(error, IndexError) else type(error)
    try:
        return base(message)
    except TypeError:  # an exception type whose constructor wants other arguments
        return ValueError(message) if isinstance(error, ValueError) else RuntimeError(message)


class Function:
    r"""Base class of differentiable operations: subclass it, then call ``.apply``.

    Subclasses define static methods, as in PyTorch:

    ``forward(ctx, *args, **kwargs)``
        Compute the result from the inputs (Tensors and any other arguments), returning a
        Tensor or a NumPy array, or a tuple of them. Runs with graph recording off. Save what
        backward needs with ``ctx.save_for_backward``. (Or ``forward(*args)`` without ``ctx``,
        with a ``setup_context(ctx, inputs, output)`` that does the saving.)
    ``backward(ctx, *grad_outputs)``
        Given the gradient of the loss with respect to each result (Tensors of the results'
        shapes), return one gradient per positional input of ``forward``, of that input's
        shape or of a shape it broadcasts to (the engine sums it down), or ``None`` for inputs
        that need no gradient. Write it with refgrad operations so that it is differentiable
        (``create_graph=True``), or decorate it with :func:`once_differentiable`.
    ``jvp(ctx, *tangents)``, optional
        Forward mode: the tangent of the result from one tangent per positional input.

    Examples
    --------
    The derivative of :math:`\sin` is :math:`\cos`; the derivative of :math:`\cos` is
    :math:`-\sin`, so backward is written with refgrad operations that are themselves
    differentiable:

    >>> import math
    >>> import numpy as np
    >>> import refgrad as rg
    >>> class Sin(rg.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return np.sin(x.data)
    ...
    ...     @staticmethod
    ...     def backward(ctx, grad_output):
    ...         (x,) = ctx.saved_tensors
    ...         return grad_output * Cos.apply(x)
    >>> class Cos(rg.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return np.cos(x.data)
    ...
    ...     @staticmethod
    ...     def backward(ctx, grad_output):
    ...         (x,) = ctx.saved_tensors
    ...         return -grad_output * Sin.apply(x)
    >>> x = rg.tensor(0.5, requires_grad=True)
    >>> y = Sin.apply(x)
    >>> (dy,) = rg.autograd.grad(y, x, create_graph=True)
    >>> abs(dy.item() - math.cos(0.5)) < 1e-12
    True
    >>> (d2y,) = rg.autograd.grad(dy, x)
    >>> abs(d2y.item() + math.sin(0.5)) < 1e-12
    True

    Several outputs, in the ``setup_context`` style:

    >>> class SinCos(rg.autograd.Function):
    ...     @staticmethod
    ...     def forward(x):
    ...         return np.sin(x.data), np.cos(x.data)
    ...
    ...     @staticmethod
    ...     def setup_context(ctx, inputs, output):
    ...         ctx.save_for_backward(*output)  # sin x and cos x: the derivatives of each other
    ...
    ...     @staticmethod
    ...     def backward(ctx, grad_sin, grad_cos):
    ...         sin, cos = ctx.saved_tensors
    ...         return grad_sin * cos - grad_cos * sin
    >>> s, c = SinCos.apply(x)
    >>> (s * c).backward()
    >>> round(x.grad.item(), 6) == round(math.cos(1.0), 6)  # d(sin x cos x)/dx = cos 2x
    True
    """

    # Built-in ops set this to a LaTeX string for the op reference page.
    derivative: ClassVar[str] = ""
    # True for the `forward(*args)` + `setup_context(ctx, inputs, output)` style.
    _ctx_free: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._ctx_free = cls.setup_context is not Function.setup_context

    @staticmethod
    def forward(ctx: BackwardNode, *args: Any, **kwargs: Any) -> Any:
        """Compute the result; see the class docstring for the contract."""
        raise NotImplementedError("subclasses of Function must implement forward(ctx, ...)")

    @staticmethod
    def setup_context(ctx: BackwardNode, inputs: tuple[Any, ...], output: Any) -> None:
        """Save what backward needs, given the inputs and what ``forward(*inputs)`` returned.

        Examples
        --------
        See :class:`Function` (the ``SinCos`` example).
        """
        raise NotImplementedError

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:  # or one per output
        """Return the gradients of the inputs; see the class docstring for the contract."""
        raise NotImplementedError("subclasses of Function must implement backward(ctx, grad)")

    @staticmethod
    def jvp(ctx: BackwardNode, *tangents: Any) -> Tensor:
        """Forward mode: the tangent of the result given one tangent per positional input.

        Tensor inputs without a tangent get zeros; non-tensor inputs get None. The rule runs
        after ``forward``, so it can use what ``forward`` saved on ``ctx``.
        """
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` and, if any input requires grad, record the call in the graph.

        Parameters
        ----------
        *args, **kwargs
            Passed to ``forward``. Tensors among the positional arguments get gradients (in the
            ``setup_context`` style keyword arguments are bound to positions first, so they
            count as inputs too, as in PyTorch).

        Returns
        -------
        Tensor or tuple of Tensor
            The result(s). Their ``grad_fn`` is the call's node if recording was on and an
            input required grad.

        Examples
        --------
        >>> import refgrad as rg
        >>> from refgrad.ops.elementwise import Mul
        >>> a = rg.tensor([1.0, 2.0], requires_grad=True)
        >>> Mul.apply(a, rg.tensor([3.0, 4.0]))
        tensor([3., 8.], grad_fn=<MulBackward>)
        """
        if cls._ctx_free or (kwargs and any(isinstance(v, Tensor) for v in kwargs.values())):
            args, kwargs = _bind(cls, args, kwargs), {}
        ctx = BackwardNode(cls, _needs_input_grad(args))
        raw = _run_forward(cls, ctx, args, kwargs)
        outputs = _as_outputs(cls, ctx, raw, args, kwargs)
        if cls._ctx_free:
            cls.setup_context(ctx, args, outputs if type(raw) is tuple else outputs[0])
            if ctx._dirty:  # declared only now: a returned input is that input, not a copy
                outputs = _as_outputs(cls, ctx, raw, args, kwargs)
        recording = grad_mode._enabled and True in ctx.needs_input_grad
        if ctx._dirty:
            _mark_dirty_written(ctx, grad_mode._enabled)
        if after_forward:
            for plugin in after_forward:
                plugin(cls, ctx, args, outputs)
        if ctx._for_forward is not None:
            ctx._for_forward = None  # jvp has run (in a plugin) if it was going to
        if recording:
            _record(ctx, args, outputs)
        # Typed as a Tensor, the common case; a tuple of them still unpacks as `a, b = ...`.
        return outputs if type(raw) is tuple else outputs[0]  # type: ignore[return-value]


def _bind(cls: type[Function], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Keyword arguments to positions, with defaults filled in (PyTorch's ``bind_default_args``).

    PyTorch does it for the ``setup_context`` style, which must see every input; refgrad also
    does it when a keyword argument is a tensor, so that it gets a gradient. Other keyword
    arguments (a ``dim``, a shape) are passed to ``forward`` as they are.
    """
    signature = cls.__dict__.get("_signature")
    if signature is None:
        signature = inspect.signature(cls.forward)
        cls._signature = signature  # type: ignore[attr-defined]
    if cls._ctx_free:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return bound.args
    bound = signature.bind(None, *args, **kwargs)  # None stands for ctx
    bound.apply_defaults()
    return bound.args[1:]


def once_differentiable(
    backward: Callable[..., Any],
) -> Callable[..., Any]:
    """Decorate a ``backward`` written in NumPy: it runs once, and refuses to be differentiated.

    The rule runs with recording off. If ``create_graph=True`` asked for its result to be
    differentiable, the gradients it returns carry a node that raises when backward reaches
    it, instead of silently giving a wrong second derivative.

    Examples
    --------
    >>> import numpy as np
    >>> import refgrad as rg
    >>> from refgrad.autograd.function import once_differentiable
    >>> class Cube(rg.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x.data ** 3
    ...
    ...     @staticmethod
    ...     @once_differentiable
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return rg.tensor(3 * x.data ** 2 * grad.data)
    >>> x = rg.tensor(2.0, requires_grad=True)
    >>> Cube.apply(x).backward()
    >>> x.grad
    tensor(12.)
    """

    @functools.wraps(backward)
    def wrapper(ctx: BackwardNode, *grad_outputs: Any) -> Any:
        with grad_mode.no_grad():
            grads = backward(ctx, *grad_outputs)
        wanted = grad_mode._enabled and any(
            isinstance(g, Tensor) and g._requires_grad for g in grad_outputs
        )
        if not wanted:
            return grads
        single = not isinstance(grads, tuple)
        marked = tuple(
            _DelayedError.apply(_pretend_requires_grad(g), ctx.name())
            if isinstance(g, Tensor)
            else g
            for g in ((grads,) if single else grads)
        )
        return marked[0] if single else marked

    return wrapper


def _pretend_requires_grad(grad: Tensor) -> Tensor:
    # Computed without recording, the gradient requires no grad; an alias that does gives the
    # error node below an input, so that it is recorded (PyTorch does the same).
    alias = Tensor(grad.data)
    alias._requires_grad = True
    return alias


class _DelayedError(Function):
    """Passes a value through; raises if backward ever reaches it (for once_differentiable)."""

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor, name: str) -> Any:
        ctx.op = name
        return x.data

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        raise RuntimeError(
            f"trying to differentiate twice a function that was marked with "
            f"@once_differentiable ({ctx.op})"
        )
