"""``Function``: an operation with its forward and backward rule side by side.

Every differentiable operation in refgrad, built in or written by a user, is a subclass of
:class:`Function` with two static methods:

* ``forward(ctx, *inputs)`` computes the result. It runs with graph recording off, so it may
  use NumPy freely (``a.data``), and it may return a NumPy array or a Tensor.
* ``backward(ctx, grad_output)`` receives the gradient of the loss with respect to the result and
  returns one gradient per input of ``forward`` (``None`` where an input needs none). It is written
  with refgrad operations, so when ``create_graph=True`` the backward pass is itself recorded and
  can be differentiated again.

The ``ctx`` both methods receive is the :class:`BackwardNode` that becomes the result's
``grad_fn``. Its contract, the same as PyTorch's:

* ``ctx.save_for_backward(*tensors)`` in forward keeps tensors for backward, where
  ``ctx.saved_tensors`` returns them. Save tensors this way (not as attributes) so that the
  engine can free them after backward and detect a second backward through a freed graph.
* ``ctx.needs_input_grad`` is a tuple of booleans, one per input, to skip work in backward.
* Anything else (shapes, a ``dim``, NumPy index arrays) may be stored as attributes of ``ctx``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from refgrad import grad_mode
from refgrad._typing import Shape
from refgrad.autograd import anomaly_mode, forward_ad
from refgrad.autograd.node import Node
from refgrad.broadcast import broadcast_shapes
from refgrad.errors import ShapeError
from refgrad.tensor import Tensor


class _SavedOutput:
    """Placeholder for a saved tensor that is the Function's own result.

    Saving the result object itself would make a reference cycle (result -> grad_fn -> saved
    result), so the node keeps the result's array and rebuilds a tensor on access, with the node
    as its ``grad_fn`` so that double backward still flows through it.
    """

    __slots__ = ("data",)

    def __init__(self, data: np.ndarray[Any, Any]) -> None:
        self.data = data


class BackwardNode(Node):
    """The ``ctx`` of one call of a :class:`Function`, which is also the result's ``grad_fn``.

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

    if TYPE_CHECKING:  # a ctx carries whatever attributes forward stores on it

        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...

    def __init__(self, function: type[Function], needs_input_grad: tuple[bool, ...]) -> None:
        super().__init__()
        self.function = function
        self.needs_input_grad = needs_input_grad
        self._saved: tuple[Tensor | _SavedOutput | None, ...] | None = ()
        self._saves_output = False
        self._input_meta: tuple[tuple[Shape, np.dtype[Any]] | None, ...] = ()

    def name(self) -> str:
        """Return ``"<FunctionName>Backward"``.

        Examples
        --------
        >>> import refgrad as rg
        >>> (rg.tensor(1.0, requires_grad=True) * 2).grad_fn.name()
        'MulBackward'
        """
        return f"{self.function.__name__}Backward"

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors for ``backward``; call it at most once, in ``forward``.

        Examples
        --------
        See :class:`BackwardNode`.
        """
        self._saved = tensors

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        """Declare the result not differentiable (an index, a mask): it will not require grad.

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
        """Accepted for PyTorch compatibility; refgrad always passes ``backward`` a tensor.

        Examples
        --------
        See :class:`BackwardNode`.
        """

    @property
    def saved_tensors(self) -> tuple[Tensor, ...]:
        """The tensors given to :meth:`save_for_backward`, in the same order.

        Raises
        ------
        RuntimeError
            If a backward pass without ``retain_graph=True`` has already freed them.

        Examples
        --------
        See :class:`BackwardNode`.
        """
        if self._saved is None:
            raise RuntimeError(
                f"{self.name()}: trying to backward through the graph a second time, but its "
                "saved tensors were freed by the first backward pass. Pass retain_graph=True to "
                "the first backward() (or autograd.grad) if you need to backpropagate through "
                "the same graph twice."
            )
        if not self._saves_output:
            return self._saved  # type: ignore[return-value]
        unpacked: list[Any] = []
        for item in self._saved:
            if isinstance(item, _SavedOutput):
                result = Tensor(item.data)
                result._requires_grad = True
                result.grad_fn = self
                unpacked.append(result)
            else:
                unpacked.append(item)
        return tuple(unpacked)

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
        RuntimeError: MulBackward: trying to backward through the graph a second time, ...
        """
        if self._saved:
            self._saved = None

    def apply_backward(self, grad_output: Tensor) -> tuple[Tensor | None, ...]:
        """Run the Function's backward rule and check what it returns.

        Each gradient must be a Tensor of its input's shape; one that only broadcasts to it is
        summed down (as PyTorch does), and its dtype is cast to the input's.

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
        name = self.function.__name__
        grads = self.function.backward(self, grad_output)
        if not isinstance(grads, tuple):
            grads = (grads,)
        expected = len(self.next_nodes)
        if len(grads) != expected:
            if len(grads) > expected and all(g is None for g in grads[expected:]):
                grads = grads[:expected]
            else:
                raise RuntimeError(
                    f"{name}.backward returned {len(grads)} gradient(s), but {name}.forward "
                    f"took {expected} input(s): return one gradient (or None) per input"
                )
        checked: list[Tensor | None] = []
        for index, grad in enumerate(grads):
            meta = self._input_meta[index]
            if grad is None or meta is None:  # no gradient, or the input does not want one
                checked.append(None)
                continue
            if not isinstance(grad, Tensor):
                raise TypeError(
                    f"{name}.backward returned a {type(grad).__name__} as the gradient of input "
                    f"{index}; return a refgrad Tensor (wrap arrays with rg.tensor) or None"
                )
            shape, dtype = meta
            if grad.data.shape != shape:
                grad = _reduce_to_input(grad, shape, name, index)
            if grad.data.dtype != dtype:
                grad = grad.to(dtype)
            checked.append(grad)
        return tuple(checked)


def _reduce_to_input(grad: Tensor, shape: Shape, name: str, index: int) -> Tensor:
    """Sum a gradient that has its input's shape broadcast back to that shape, or raise."""
    from refgrad.ops.shape import sum_to

    try:
        return sum_to(grad, shape)
    except ValueError:
        raise RuntimeError(
            f"{name}.backward returned a gradient of shape {grad.shape} for input {index}, "
            f"whose shape is {shape}: a gradient must have the shape of its input"
        ) from None


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


def _check_forward(name: str, args: tuple[Any, ...], result: Tensor, ctx: BackwardNode) -> None:
    """Anomaly mode: raise if this op made a NaN or infinity; remember where it was created."""
    ctx.creation_site = anomaly_mode.user_frame()
    problem = anomaly_mode.describe_non_finite(result.data)
    if problem is None:
        return
    shapes = ", ".join(str(a.shape) for a in args if isinstance(a, Tensor))
    inputs_ok = all(
        anomaly_mode.describe_non_finite(a.data) is None for a in args if isinstance(a, Tensor)
    )
    raise anomaly_mode.AnomalyError(
        f"{name} produced {problem} in forward (input shapes {shapes}; the inputs were "
        f"{'all finite' if inputs_ok else 'already non-finite'}). The op was called at "
        f"{ctx.creation_site}"
    )


def _result_tangent(
    cls: type[Function], ctx: BackwardNode, args: tuple[Any, ...], result: Tensor
) -> Tensor:
    """Forward mode: push the inputs' tangents through the op's JVP rule."""
    tangents = []
    for arg in args:
        tangent = forward_ad.tangent_of(arg)
        if tangent is None and isinstance(arg, Tensor) and arg.dtype.kind == "f":
            tangent = Tensor(np.zeros(arg.shape, dtype=arg.dtype))  # a constant: no change
        tangents.append(tangent)
    # The rule's own ops must not carry tangents (that would be a second-order forward pass).
    level, forward_ad._level = forward_ad._level, -1
    try:
        tangent = cls.jvp(ctx, *tangents)
    except NotImplementedError:
        raise NotImplementedError(
            f"{cls.__name__} has no forward-mode rule: define a static method "
            f"jvp(ctx, *tangents) returning the tangent of the result"
        ) from None
    finally:
        forward_ad._level = level
    if tangent.shape != result.shape:
        from refgrad.ops.shape import broadcast_to

        tangent = broadcast_to(tangent, result.shape)
    return tangent if tangent.dtype == result.dtype else tangent.to(result.dtype)


class Function:
    """Base class of differentiable operations: subclass it, then call ``.apply``.

    Subclasses define two static methods, as in PyTorch:

    ``forward(ctx, *args, **kwargs)``
        Compute the result from the inputs (Tensors and any other arguments), returning a Tensor
        or a NumPy array. Runs with graph recording off. Save what backward needs with
        ``ctx.save_for_backward``.
    ``backward(ctx, grad_output)``
        Given the gradient of the loss with respect to the result (a Tensor of the result's
        shape), return one gradient per positional input of ``forward``, each of that input's
        shape, or ``None`` for inputs that need no gradient. Write it with refgrad operations
        so that it is differentiable (``create_graph=True``).

    A Function returns exactly one tensor (PyTorch also allows several; refgrad keeps the
    engine simpler). Only positional arguments receive gradients.

    Examples
    --------
    The derivative of :math:`\\sin` is :math:`\\cos`; the derivative of :math:`\\cos` is
    :math:`-\\sin`, so backward is written with refgrad operations that are themselves
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
    """

    # Built-in ops set this to a LaTeX string for the op reference page.
    derivative: ClassVar[str] = ""

    @staticmethod
    def forward(ctx: BackwardNode, *args: Any, **kwargs: Any) -> Any:
        """Compute the result; see the class docstring for the contract."""
        raise NotImplementedError("subclasses of Function must implement forward(ctx, ...)")

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
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
            Passed to ``forward``. Tensors among the positional arguments get gradients.

        Returns
        -------
        Tensor
            The result. Its ``grad_fn`` is the call's node if recording was on and an input
            required grad.

        Examples
        --------
        >>> import refgrad as rg
        >>> from refgrad.ops.elementwise import Mul
        >>> a = rg.tensor([1.0, 2.0], requires_grad=True)
        >>> Mul.apply(a, rg.tensor([3.0, 4.0]))
        tensor([3., 8.], grad_fn=<MulBackward>)
        """
        needs_input_grad = tuple([isinstance(a, Tensor) and a._requires_grad for a in args])
        record = grad_mode._enabled and True in needs_input_grad
        ctx = BackwardNode(cls, needs_input_grad)
        previous, grad_mode._enabled = grad_mode._enabled, False
        try:
            raw = cls.forward(ctx, *args, **kwargs)
        except (ValueError, TypeError, IndexError) as error:
            raise _explained(cls.__name__, args, error) from error
        finally:
            grad_mode._enabled = previous
        if type(raw) is np.ndarray:
            result = Tensor(raw)
        elif isinstance(raw, Tensor):
            # A result must be a new tensor: never re-label an input or a recorded tensor.
            reused = raw.grad_fn is not None or raw._requires_grad or any(raw is a for a in args)
            result = Tensor(raw.data) if reused else raw
        elif isinstance(raw, np.ndarray | np.generic):
            result = Tensor(np.asarray(raw))
        else:
            raise TypeError(
                f"{cls.__name__}.forward returned a {type(raw).__name__}; return one Tensor or "
                "NumPy array (refgrad Functions have a single output)"
            )
        if anomaly_mode._enabled:
            _check_forward(cls.__name__, args, result, ctx)
        if forward_ad._level >= 0 and any(forward_ad.tangent_of(a) is not None for a in args):
            result._tangent = (forward_ad._level, _result_tangent(cls, ctx, args, result))
        if not record or (
            ctx.__dict__.get("_non_differentiable")
            and any(raw is t for t in ctx._non_differentiable)
        ):
            return result
        # For each input: the node backward must visit next, and the shape and dtype its
        # gradient must have (None for inputs that want no gradient).
        next_nodes: list[Node | None] = []
        input_meta: list[tuple[Shape, np.dtype[Any]] | None] = []
        for arg, needed in zip(args, needs_input_grad, strict=True):
            if needed:
                next_nodes.append(arg.grad_fn or arg._accumulate_grad_node())
                input_meta.append((arg.data.shape, arg.data.dtype))
            else:
                next_nodes.append(None)
                input_meta.append(None)
        ctx.next_nodes = tuple(next_nodes)
        ctx._input_meta = tuple(input_meta)
        saved = ctx._saved
        if saved and isinstance(raw, Tensor) and any(item is raw for item in saved):
            # Saving the result itself would make a cycle (result -> grad_fn -> result).
            ctx._saved = tuple(_SavedOutput(result.data) if item is raw else item for item in saved)
            ctx._saves_output = True
        ctx.output_shape = result.shape  # for pictures of the graph (refgrad.viz)
        result._requires_grad = True
        result.grad_fn = ctx
        return result
