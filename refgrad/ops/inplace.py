"""In-place writes, and how the graph records them.

``y += x``, ``y.mul_(2)``, ``y[0] = w`` and ``y.copy_(x)`` change the values of an existing
tensor. Two things must stay right when they do.

1. **Saved tensors.** A node may have saved ``y`` for backward. Its backward rule would read
   the new values and return a wrong gradient, so every write bumps ``y``'s *version counter*
   (shared with every view of ``y``), and backward refuses a saved tensor whose version moved.
2. **The history of** ``y``. After the write, ``y`` holds ``f(old y, x)``, so its ``grad_fn`` must
   be the node of ``f``. :func:`write` computes ``f`` out of place on a snapshot of the old
   value (recorded as usual), copies the result into ``y``'s memory, and *rebases* ``y`` onto
   the new node. A write through a view ``v = y[1:]`` also changes ``y``: ``y`` is rebased onto
   a :class:`CopySlices` node, whose backward sends the gradient of the written region to the
   new values and the rest to ``y``'s old history, and ``v`` is made again from the new ``y``.

Two writes are refused while the graph is recorded, as in PyTorch: into a leaf that requires
grad (its ``.grad`` is about the values the user created; an optimizer changes it under
``no_grad()``), and into a view of such a leaf.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from refgrad import grad_mode
from refgrad._typing import Shape, TensorLike
from refgrad.autograd.function import BackwardNode, Function
from refgrad.dtypes import get_default_dtype
from refgrad.ops.elementwise import where
from refgrad.ops.shape import Index, _normalize_index, broadcast_to, reshape, sum_to
from refgrad.promotion import category, result_type
from refgrad.tensor import Tensor
from refgrad.tensor import _type_name as _tensor_type_name


def _type_name(dtype: np.dtype[Any]) -> str:
    return _tensor_type_name(dtype).removeprefix("refgrad.").removesuffix("Tensor")


def write(
    target: Tensor,
    op: str,
    compute: Callable[..., Tensor],
    *operands: Any,
    **options: Any,
) -> Tensor:
    """Replace ``target``'s values by ``compute(target, *operands, **options)``, in place.

    Parameters
    ----------
    target : Tensor
        The tensor written to.
    op : str
        The in-place method's name, for error messages (``"add_"``).
    compute : callable
        The out-of-place form of the operation, made of refgrad ops.
    *operands, **options
        Passed to ``compute`` after the old value of ``target``.

    Returns
    -------
    Tensor
        ``target`` itself.

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.tensor([2.0], requires_grad=True)
    >>> total = rg.zeros(1)
    >>> for _ in range(3):
    ...     total += w * 3          # recorded: total's history is rebased each time
    >>> total.grad_fn, total._version
    (<AddBackward>, 3)
    >>> total.sum().backward()
    >>> w.grad
    tensor([9.])
    """
    recording = grad_mode._enabled
    if recording:
        _refuse_leaf_writes(target, op, _writes_through_a_view(op, options))
    if not target.data.flags.writeable:
        raise RuntimeError(
            f"{op}: unsupported operation: more than one element of the written-to tensor "
            "refers to a single memory location (it was made by expand or broadcast_to). "
            "Please clone() the tensor before performing the operation."
        )
    for operand in operands if op in _IN_PLACE_UFUNCS else ():
        if isinstance(operand, Tensor) and _partly_overlapping(operand.data, target.data):
            raise RuntimeError(
                f"{op}: unsupported operation: some elements of the input tensor and the "
                "written-to tensor refer to a single memory location. Please clone() the "
                "tensor before performing the operation."
            )
    needs_graph = recording and (
        target.requires_grad or any(isinstance(o, Tensor) and o.requires_grad for o in operands)
    )
    if not needs_graph:
        ufunc = _IN_PLACE_UFUNCS.get(op)
        if ufunc is not None and _plain(target, operands):
            # Nothing to record and no tangent to carry: NumPy's own in-place loop, with no
            # temporary (an optimizer step on a large weight would otherwise allocate one).
            _ufunc_in_place(ufunc, target, operands[0], op)
            target._counter().value += 1
            return target
        result = _castable(target, compute(target, *operands, **options), op)
        _store(target, result)
        target._counter().value += 1
        _carry_tangent(target, result)
        return target

    # Compute on a snapshot, so that what the new node saves is the old value, not `target`
    # (whose memory is about to change).
    old = Tensor(np.array(target.data))
    old._grad_fn, old._output_nr = target._grad_fn, target._output_nr
    old._requires_grad = target._requires_grad
    old._tangent = target._tangent
    result = _castable(target, compute(old, *operands, **options), op)
    _store(target, result)
    target._counter().value += 1
    _carry_tangent(target, result)
    view = target._view
    if view is None:
        target._rebase(result)
        return target
    if view.replay is None:
        raise RuntimeError(
            f"{op}: this tensor is a view whose relation to its base refgrad cannot replay, "
            "so the write cannot be recorded. Write into a clone() instead."
        )
    base = view.base
    # The base's old history, under a new name (its memory already holds the new values).
    base_before = Tensor(base.data)
    base_before._grad_fn, base_before._output_nr = base._grad_fn, base._output_nr
    base_before._requires_grad = base._requires_grad
    tangent = base._tangent
    base._rebase(CopySlices.apply(base_before, result, view.replay))
    base._tangent = tangent  # (_carry_tangent has already updated it)
    view.version = base._counter().value
    target._rebase(view.replay(base))
    return target


def _carry_tangent(target: Tensor, result: Tensor) -> None:
    """Forward mode: the written tensor (and, through a view, its base) takes the new tangent."""
    if result._tangent is None:
        return
    level, tangent = result._tangent
    target._tangent = result._tangent
    view = target._view
    if view is None or view.replay is None:
        return
    base = view.base
    old = base._tangent[1].data if base._tangent is not None and base._tangent[0] == level else None
    merged = np.zeros_like(base.data) if old is None else np.array(old)
    with grad_mode.no_grad():
        view.replay(Tensor(merged)).data[...] = tangent.data
    base._tangent = (level, Tensor(merged))


_IN_PLACE_UFUNCS = {"add_": np.add, "sub_": np.subtract, "mul_": np.multiply, "div_": np.divide}


def _plain(target: Tensor, operands: tuple[Any, ...]) -> bool:
    """No forward-mode tangent is involved, and the one operand is a tensor or a number."""
    if len(operands) != 1 or target._tangent is not None:
        return False
    other = operands[0]
    if isinstance(other, Tensor):
        return other._tangent is None
    return type(other) in (int, float, bool)


def _ufunc_in_place(ufunc: np.ufunc, target: Tensor, other: Any, op: str) -> None:
    """``target op= other`` by NumPy in place, with PyTorch's rules for shapes and dtypes."""
    value = other.data if isinstance(other, Tensor) else other
    dtype = result_type(target, other)  # what the out-of-place op would give
    if ufunc is np.divide and dtype.kind != "f":
        dtype = get_default_dtype()  # true division makes floats
    try:
        shape = np.broadcast_shapes(target.shape, np.shape(value))
    except ValueError:
        shape = np.shape(value)  # does not broadcast at all: refused below all the same
    _refuse_unfit(target, shape, dtype, op)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ufunc(target.data, value, out=target.data, casting="unsafe")


def _partly_overlapping(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> bool:
    """Whether two arrays share some memory without being the same view of it.

    ``x += x`` reads each element before writing it; ``y[1:] *= y[:-1]`` would read elements
    the same call has already overwritten, so PyTorch refuses it, and so does refgrad.
    """
    if not np.may_share_memory(a, b):
        return False
    same = (
        a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
        and a.shape == b.shape
        and a.strides == b.strides
    )
    return not same and bool(np.shares_memory(a, b))


def _refuse_leaf_writes(target: Tensor, op: str, through_view: bool = False) -> None:
    """PyTorch's two refusals, while the graph is recorded."""
    if target._view is None and target._grad_fn is None and target._requires_grad:
        if through_view:  # `w[0] = v` writes through the view w[0], as PyTorch words it
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place "
                f"operation. ({op}: change the leaf under `with rg.no_grad():`, or write into "
                "a clone().)"
            )
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation. "
            f"({op}: change it under `with rg.no_grad():`, as optimizers do, or compute a new "
            "tensor out of place.)"
        )
    view = target._view
    if view is not None and view.base._grad_fn is None and view.base._requires_grad:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place "
            f"operation. ({op}: change the leaf under `with rg.no_grad():`, or write into a "
            "clone().)"
        )


def _writes_through_a_view(op: str, options: dict[str, Any]) -> bool:
    """Whether ``t[index] = v`` is, in PyTorch's terms, a write into the view ``t[index]``.

    PyTorch turns a basic index (integers and slices) into a view and copies into it, and
    refuses that on a leaf with the message for views; an index of arrays, masks, or a plain
    ``[:]``/``[...]`` writes into the tensor itself.
    """
    if op != "index_put_":
        return False
    index = options["index"]
    items = index if isinstance(index, tuple) else (index,)
    if not all(isinstance(i, int | slice | type(None) | type(Ellipsis)) for i in items):
        return False
    return not all(i == slice(None) or i is Ellipsis for i in items)


def _castable(target: Tensor, result: Tensor, op: str) -> Tensor:
    """Check that ``result`` fits ``target`` (shape, dtype category) and cast it to its dtype."""
    _refuse_unfit(target, result.shape, result.dtype, op)
    return result if result.dtype == target.dtype else result.to(target.dtype)


def _refuse_unfit(target: Tensor, shape: Shape, dtype: np.dtype[Any], op: str) -> None:
    """PyTorch's refusals of a new value that does not fit the tensor it is written into.

    The shape must be the tensor's own (a write never broadcasts the tensor itself), and the
    dtype may not be of a higher category: a float result does not go into an integer tensor.
    A narrower dtype of the same category is cast, as PyTorch casts float64 into float32.
    """
    if shape != target.shape:
        raise RuntimeError(
            f"{op}: output with shape {list(target.shape)} doesn't match the broadcast shape "
            f"{list(shape)}"
        )
    if category(dtype) > category(target.dtype):
        raise RuntimeError(
            f"result type {_type_name(dtype)} can't be cast to the desired output type "
            f"{_type_name(target.dtype)} ({op}: {dtype} into {target.dtype}; convert "
            "the tensor first, e.g. t = t.to(rg.float64), or compute out of place)"
        )


def _store(target: Tensor, result: Tensor) -> None:
    """Copy the new values into ``target``'s own memory, which its views share."""
    np.copyto(target.data, result.data, casting="unsafe")


# ---------------------------------------------------------------- the out-of-place forms


def filled(input: Tensor, value: TensorLike) -> Tensor:
    """``input``'s shape and dtype, every element ``value`` (broadcast): ``copy_`` and ``fill_``.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.ops.inplace import filled
    >>> filled(rg.zeros(2, 2), rg.tensor([1.0, 2.0]))
    tensor([[1., 2.],
            [1., 2.]])
    """
    if not isinstance(value, Tensor):
        return Tensor(np.full(input.shape, value, dtype=input.dtype))
    if value.dtype != input.dtype:
        value = value.to(input.dtype)
    return broadcast_to(value, input.shape) * 1  # `* 1`: a new tensor, not a view of `value`


def index_put(input: Tensor, value: TensorLike, index: Any) -> Tensor:
    """``input`` with ``input[index]`` replaced by ``value``: ``input[index] = value``.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.ops.inplace import index_put
    >>> w = rg.tensor(5.0, requires_grad=True)
    >>> y = index_put(rg.zeros(3), w, 1)
    >>> y
    tensor([0., 5., 0.], grad_fn=<IndexPutBackward>)
    >>> y.sum().backward()
    >>> w.grad
    tensor(1.)
    """
    if not isinstance(value, Tensor):
        value = Tensor(np.asarray(value, dtype=input.dtype))
    return IndexPut.apply(input, value, _normalize_index(index))


class IndexPut(Function):
    """:math:`y = x` with :math:`y[i] = v`: the out-of-place form of ``x[i] = v``.

    The gradient of the overwritten positions goes to ``v`` (summed where ``v`` was broadcast);
    ``x`` gets the gradient everywhere else, zero where its old values were overwritten.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = x * 2
    >>> y[0] = 0.0
    >>> y.grad_fn
    <IndexPutBackward>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0., 2., 2.])
    """

    derivative = r"\bar x = \bar y \text{ with } \bar x[i] = 0,\quad \bar v = \bar y[i]"

    @staticmethod
    def forward(ctx: BackwardNode, x: Tensor, value: Tensor, index: tuple[Any, ...]) -> Any:
        ctx.index = index
        ctx.value_shape = value.shape
        out = np.array(x.data)
        region = np.shape(x.data[index])
        data = value.data
        # Like PyTorch (and unlike NumPy), a value may have extra leading axes of size 1.
        while data.ndim > len(region) and data.shape[0] == 1:
            data = data[0]
        ctx.squeezed_shape = data.shape
        try:
            out[index] = data.astype(x.dtype, copy=False)
        except ValueError as error:
            raise RuntimeError(
                f"index_put_: a value of shape {value.shape} cannot be written into the "
                f"indexed region of shape {np.shape(x.data[index])} of a tensor of shape "
                f"{x.shape}: {error}"
            ) from None
        return out

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        zero = Tensor(np.zeros((), dtype=grad_output.dtype))
        grad_x = IndexPut.apply(grad_output, zero, ctx.index) if ctx.needs_input_grad[0] else None
        grad_value = None
        if ctx.needs_input_grad[1]:
            grad_value = sum_to(Index.apply(grad_output, index=ctx.index), ctx.squeezed_shape)
            grad_value = reshape(grad_value, ctx.value_shape)
        return grad_x, grad_value, None

    @staticmethod
    def jvp(ctx: BackwardNode, tangent_x: Tensor, tangent_value: Tensor, _: None) -> Any:
        return IndexPut.apply(tangent_x, tangent_value, ctx.index)


class CopySlices(Function):
    """A base after a write through one of its views: the view's region holds ``value``.

    ``replay(base)`` is the view (``base[1:]``, ``base.t()``, ...). Backward splits the
    gradient by region: inside the view it goes to ``value``, outside it to the old base.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = x * 1
    >>> _ = y[1:].mul_(2)          # a write through a view of y
    >>> y.grad_fn
    <CopySlicesBackward>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1., 2., 2.])
    """

    derivative = (
        r"\bar b = \bar y \text{ outside the view},\quad \bar v = \operatorname{view}(\bar y)"
    )

    @staticmethod
    def forward(
        ctx: BackwardNode, base: Tensor, value: Tensor, replay: Callable[[Tensor], Tensor]
    ) -> Any:
        ctx.replay = replay
        # Which elements of the base the view covers: write True through the view of a mask
        # laid out like the base.
        mask = np.zeros_like(base.data, dtype=np.bool_)
        with grad_mode.no_grad():
            region = replay(Tensor(mask)).data
        region[...] = True
        if int(mask.sum()) != region.size:
            raise RuntimeError(
                "an in-place write through a view could not be recorded: the view does not map "
                "onto distinct elements of its base. Write into a clone() instead."
            )
        ctx.mask = mask
        return base.data  # already the new values: the write went through the view's memory

    @staticmethod
    def backward(ctx: BackwardNode, grad_output: Tensor) -> Any:
        grad_base = where(Tensor(ctx.mask), 0.0, grad_output) if ctx.needs_input_grad[0] else None
        grad_value = ctx.replay(grad_output) if ctx.needs_input_grad[1] else None
        return grad_base, grad_value, None

    @staticmethod
    def jvp(ctx: BackwardNode, tangent_base: Tensor, tangent_value: Tensor, _: None) -> Any:
        tangent = tangent_base * 1
        with grad_mode.no_grad():
            ctx.replay(tangent).data[...] = tangent_value.data
        return tangent
