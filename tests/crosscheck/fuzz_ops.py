"""The fuzzer's op table: one :class:`FuzzOp` per public op, called the same way on both modules.

An entry says how many tensors the op takes, which of them it accepts (``accepts`` sees the
dtype and shape of each candidate operand), how to draw its extra arguments from a hypothesis
``draw`` and the operands' shapes, and how to call it as ``call(m, *tensors, **kw)`` with
``m`` = ``refgrad`` or ``torch``. To cover a new op, append one entry to :data:`OPS`.

Keyword values that are NumPy arrays (index arrays, masks, targets) are turned into tensors of
the module by :func:`to_module` just before the call, so a drawn program holds no tensors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

Shape = tuple[int, ...]
Draw = Callable[[st.SearchStrategy[Any]], Any]

FLOATS = ("float16", "float32", "float64")
INTS = ("int32", "int64")
NUMERIC = (*FLOATS, *INTS)
ALL = (*NUMERIC, "bool")


@dataclass(frozen=True)
class Operand:
    """What an op's ``accepts`` and ``draw_kwargs`` see of an operand: its dtype and shape."""

    dtype: str
    shape: Shape


@dataclass(frozen=True)
class FuzzOp:
    """One op of the fuzzer.

    ``dtypes`` filters each operand by dtype name; ``accepts`` may refuse a whole tuple of
    operands (most ops accept anything and leave mismatched shapes to raise on both sides);
    ``draw_kwargs(draw, operands)`` returns the keywords; ``call(m, *tensors, **kw)`` runs it.
    """

    name: str
    arity: int
    call: Callable[..., Any]
    dtypes: tuple[str, ...] = ALL
    draw_kwargs: Callable[[Draw, tuple[Operand, ...]], dict[str, Any]] = lambda draw, ops: {}
    accepts: Callable[[tuple[Operand, ...]], bool] = lambda ops: True


def to_module(m: Any, value: Any) -> Any:
    """Turn the NumPy arrays inside an index or keyword into tensors of ``m``."""
    if isinstance(value, np.ndarray):
        return m.tensor(value)
    if isinstance(value, tuple):
        return tuple(to_module(m, v) for v in value)
    if isinstance(value, list):
        return [to_module(m, v) for v in value]
    return value


# ---------------------------------------------------------------- argument strategies


def _dim(draw: Draw, ndim: int) -> int:
    """A dim in range, negative as often as not, and now and then one out of range."""
    if draw(st.integers(0, 19)) == 0:
        return draw(st.sampled_from([ndim, -ndim - 1]))
    span = max(ndim, 1)
    return int(draw(st.integers(-span, span - 1)))


def _dims(draw: Draw, ndim: int) -> int | tuple[int, ...] | None:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return None
    if kind == 1 or ndim == 0:
        return _dim(draw, ndim)
    axes = draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim))
    return tuple(axes)


def _reduce_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    dim = _dims(draw, len(ops[0].shape))
    kw: dict[str, Any] = {}
    if dim is not None:
        kw["dim"] = dim
        if draw(st.booleans()):
            kw["keepdim"] = True
    return kw


def _one_dim_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if draw(st.integers(0, 3)):
        kw["dim"] = _dim(draw, len(ops[0].shape))
        if draw(st.booleans()):
            kw["keepdim"] = True
    return kw


def _softmax_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    return {"dim": _dim(draw, len(ops[0].shape))}


def _scalar(draw: Draw) -> Any:
    return draw(
        st.sampled_from([0, 1, -2, 3, 0.5, -1.5, 2.0, True, float("inf"), float("nan"), -0.0])
    )


def _index(draw: Draw, shape: Shape) -> tuple[Any, ...]:
    """A random index: ints, slices with steps, None, Ellipsis, boolean masks, int arrays."""
    parts: list[Any] = []
    axis = 0
    used_ellipsis = False
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.integers(0, 6))
        size = shape[axis] if axis < len(shape) else 0
        if kind == 0 and axis < len(shape):
            parts.append(draw(st.integers(-size - 1, size)))
            axis += 1
        elif kind == 1 and axis < len(shape):
            start = draw(st.none() | st.integers(-size - 2, size + 2))
            stop = draw(st.none() | st.integers(-size - 2, size + 2))
            step = draw(st.sampled_from([None, 1, 2, 3, 1, 2, -1])) if axis < 9 else None
            parts.append(slice(start, stop, step))
            axis += 1
        elif kind == 2:
            parts.append(None)
        elif kind == 3 and not used_ellipsis:
            parts.append(Ellipsis)
            used_ellipsis = True
            axis = len(shape)
        elif kind == 4 and axis < len(shape):
            mask = draw(st.lists(st.booleans(), min_size=size, max_size=size))
            parts.append(np.array(mask, dtype=bool))
            axis += 1
        elif kind == 5 and axis < len(shape):
            values = draw(st.lists(st.integers(-size, max(size - 1, 0)), min_size=0, max_size=4))
            parts.append(np.array(values, dtype=np.int64))
            axis += 1
        elif kind == 6 and shape:
            # A mask over every axis at once.
            flat = draw(
                st.lists(st.booleans(), min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))
            )
            return (np.array(flat, dtype=bool).reshape(shape),)
    return tuple(parts)


def _index_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    return {"key": _index(draw, ops[0].shape)}


def _setitem_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    return {"key": _index(draw, ops[0].shape)}


def _setitem(m: Any, x: Any, v: Any, *, key: Any) -> Any:
    y = x.clone()
    y[to_module(m, key)] = v
    return y


def _setitem_scalar(m: Any, x: Any, *, key: Any, value: Any) -> Any:
    y = x.clone()
    y[to_module(m, key)] = value
    return y


def _setitem_scalar_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    return {"key": _index(draw, ops[0].shape), "value": _scalar(draw)}


def _permutation_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    n = len(ops[0].shape)
    perm = list(draw(st.permutations(list(range(n)))))
    if perm and draw(st.booleans()):
        perm[0] -= n
    return {"dims": tuple(perm)}


def _transpose_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    n = len(ops[0].shape)
    return {"dim0": _dim(draw, n), "dim1": _dim(draw, n)}


def _reshape_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    size = int(np.prod(ops[0].shape))
    divisors = [d for d in range(1, size + 1) if size % d == 0] or [1]
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return {"shape": (-1,)}
    if kind == 1:
        return {"shape": ()}
    first = draw(st.sampled_from(divisors))
    rest = size // first if first else 0
    shape: tuple[int, ...] = (first, -1) if kind == 2 else (first, rest, 1)
    if size == 0:
        shape = (0, draw(st.integers(1, 3)))
    return {"shape": shape}


def _flatten_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    n = len(ops[0].shape)
    start = _dim(draw, n)
    end = draw(st.sampled_from([-1, start, max(n - 1, 0)]))
    return {"start_dim": start, "end_dim": end}


def _squeeze_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    kind = draw(st.integers(0, 2))
    n = len(ops[0].shape)
    if kind == 0:
        return {}
    if kind == 1:
        return {"dim": _dim(draw, n)}
    return {"dim": tuple(sorted({_dim(draw, n) for _ in range(2)}))}


def _unsqueeze_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    return {"dim": _dim(draw, len(ops[0].shape) + 1)}


def _expand_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    shape = list(ops[0].shape)
    out = [s if s != 1 else draw(st.sampled_from([1, 2, 3])) for s in shape]
    if draw(st.booleans()):
        out = [draw(st.integers(0, 2)), *out]
    if out and draw(st.booleans()):
        out[-1] = -1
    return {"size": tuple(out)}


def _clamp_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    low = draw(st.none() | st.sampled_from([-1.0, 0.0, 0.5, -2, 1]))
    high = draw(st.none() | st.sampled_from([1.0, 0.0, 2.0, -1, 3]))
    if low is None and high is None:
        low = 0.0
    return {"min": low, "max": high}


def _stack_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    return {"dim": _dim(draw, len(ops[0].shape) + 1)}


def _cat_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    return {"dim": _dim(draw, len(ops[0].shape))}


def _masked_fill_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    shape = ops[0].shape
    sub = shape[draw(st.integers(0, len(shape))) :]
    n = int(np.prod(sub))
    mask = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return {"mask": np.array(mask, dtype=bool).reshape(sub), "value": _scalar(draw)}


def _where_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    shape = ops[0].shape
    sub = shape[draw(st.integers(0, len(shape))) :]
    n = int(np.prod(sub))
    cond = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return {"condition": np.array(cond, dtype=bool).reshape(sub)}


def _targets_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    shape = ops[0].shape
    classes = shape[1] if len(shape) >= 2 else (shape[0] if shape else 1)
    target_shape = (shape[0], *shape[2:]) if len(shape) >= 2 else ()
    n = int(np.prod(target_shape))
    values = draw(st.lists(st.integers(0, max(classes - 1, 0)), min_size=n, max_size=n))
    kw: dict[str, Any] = {"target": np.array(values, dtype=np.int64).reshape(target_shape)}
    kw["reduction"] = draw(st.sampled_from(["mean", "sum", "none"]))
    return kw


def _mse_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    return {"reduction": draw(st.sampled_from(["mean", "sum", "none"]))}


def _inplace(method: str) -> Callable[..., Any]:
    def call(m: Any, x: Any, y: Any) -> Any:
        out = x.clone()
        getattr(out, method)(y)
        return out

    return call


def _inplace_scalar_kw(draw: Draw, ops: tuple[Operand, ...]) -> dict[str, Any]:
    return {"other": _scalar(draw)}


def _same_float(ops: tuple[Operand, ...]) -> bool:
    return len({o.dtype for o in ops}) == 1 and ops[0].dtype in FLOATS


def _method(name: str) -> Callable[..., Any]:
    return lambda m, x, **kw: getattr(x, name)(**kw)


def _fn(name: str) -> Callable[..., Any]:
    def call(m: Any, *xs: Any, **kw: Any) -> Any:
        target: Any = m
        for part in name.split("."):
            target = getattr(target, part)
        return target(*xs, **kw)

    return call


# ---------------------------------------------------------------- the table

_UNARY_FLOAT = ("exp", "log", "sqrt", "tanh", "sigmoid")
_BINARY = ("add", "sub", "mul", "div", "pow")
_COMPARE = ("lt", "le", "gt", "ge", "eq", "ne")

OPS: tuple[FuzzOp, ...] = (
    # Element-wise, unary.
    *(FuzzOp(n, 1, _fn(n)) for n in _UNARY_FLOAT),
    FuzzOp("abs", 1, _fn("abs"), dtypes=NUMERIC),
    FuzzOp("neg", 1, _fn("neg"), dtypes=NUMERIC),
    FuzzOp("relu", 1, _fn("relu"), dtypes=NUMERIC),
    FuzzOp("clamp", 1, _fn("clamp"), dtypes=NUMERIC, draw_kwargs=_clamp_kw),
    FuzzOp("clone", 1, _fn("clone")),
    FuzzOp("Tensor.__invert__", 1, lambda m, x: ~x, dtypes=(*INTS, "bool")),
    FuzzOp("Tensor.__pos__", 1, lambda m, x: +x, dtypes=NUMERIC),
    FuzzOp("Tensor.float", 1, _method("float")),
    FuzzOp("Tensor.double", 1, _method("double")),
    FuzzOp("Tensor.long", 1, _method("long")),
    # Element-wise, binary (tensor-tensor and tensor-scalar, both orders).
    *(FuzzOp(n, 2, _fn(n)) for n in _BINARY),
    FuzzOp("Tensor.__rsub__", 1, lambda m, x, other: other - x, draw_kwargs=_inplace_scalar_kw),
    FuzzOp("Tensor.__rtruediv__", 1, lambda m, x, other: other / x, draw_kwargs=_inplace_scalar_kw),
    FuzzOp("Tensor.__rpow__", 1, lambda m, x, other: other**x, draw_kwargs=_inplace_scalar_kw),
    FuzzOp(
        "Tensor.__mul__(scalar)", 1, lambda m, x, other: x * other, draw_kwargs=_inplace_scalar_kw
    ),
    FuzzOp(
        "Tensor.__pow__(scalar)", 1, lambda m, x, other: x**other, draw_kwargs=_inplace_scalar_kw
    ),
    *(
        FuzzOp(f"Tensor.__{n}__", 2, lambda m, x, y, n=n: getattr(x, f"__{n}__")(y))
        for n in _COMPARE
    ),
    *(
        FuzzOp(
            f"Tensor.__{n}__",
            2,
            lambda m, x, y, n=n: getattr(x, f"__{n}__")(y),
            dtypes=(*INTS, "bool"),
        )
        for n in ("and", "or", "xor")
    ),
    FuzzOp(
        "where",
        2,
        lambda m, x, y, condition: m.where(to_module(m, condition), x, y),
        draw_kwargs=_where_kw,
    ),
    FuzzOp(
        "Tensor.masked_fill",
        1,
        lambda m, x, mask, value: x.masked_fill(to_module(m, mask), value),
        draw_kwargs=_masked_fill_kw,
    ),
    # In place, on a clone.
    *(
        FuzzOp(f"Tensor.{n}", 2, _inplace(n), dtypes=NUMERIC)
        for n in ("add_", "sub_", "mul_", "div_")
    ),
    # Reductions.
    FuzzOp("sum", 1, _fn("sum"), draw_kwargs=_reduce_kw),
    FuzzOp("mean", 1, _fn("mean"), draw_kwargs=_reduce_kw),
    FuzzOp("amax", 1, _fn("amax"), draw_kwargs=_reduce_kw),
    FuzzOp("amin", 1, _fn("amin"), draw_kwargs=_reduce_kw),
    FuzzOp("max", 1, _fn("max"), draw_kwargs=_one_dim_kw),
    FuzzOp("min", 1, _fn("min"), draw_kwargs=_one_dim_kw),
    FuzzOp("argmax", 1, _fn("argmax"), dtypes=NUMERIC, draw_kwargs=_one_dim_kw),
    FuzzOp("argmin", 1, _fn("argmin"), dtypes=NUMERIC, draw_kwargs=_one_dim_kw),
    FuzzOp("Tensor.all", 1, _method("all")),
    FuzzOp("Tensor.any", 1, _method("any")),
    FuzzOp("softmax", 1, _fn("softmax"), dtypes=FLOATS, draw_kwargs=_softmax_kw),
    FuzzOp("log_softmax", 1, _fn("log_softmax"), dtypes=FLOATS, draw_kwargs=_softmax_kw),
    # Shape.
    FuzzOp("reshape", 1, _fn("reshape"), draw_kwargs=_reshape_kw),
    FuzzOp("Tensor.view", 1, lambda m, x, shape: x.view(shape), draw_kwargs=_reshape_kw),
    FuzzOp("flatten", 1, _fn("flatten"), draw_kwargs=_flatten_kw),
    FuzzOp("squeeze", 1, _fn("squeeze"), draw_kwargs=_squeeze_kw),
    FuzzOp("unsqueeze", 1, _fn("unsqueeze"), draw_kwargs=_unsqueeze_kw),
    FuzzOp("permute", 1, _fn("permute"), draw_kwargs=_permutation_kw),
    FuzzOp("transpose", 1, _fn("transpose"), draw_kwargs=_transpose_kw),
    FuzzOp("Tensor.t", 1, _method("t"), accepts=lambda ops: len(ops[0].shape) <= 2),
    FuzzOp("Tensor.mT", 1, lambda m, x: x.mT),
    FuzzOp("Tensor.expand", 1, lambda m, x, size: x.expand(*size), draw_kwargs=_expand_kw),
    FuzzOp("broadcast_to", 1, lambda m, x, size: m.broadcast_to(x, size), draw_kwargs=_expand_kw),
    FuzzOp("Tensor.expand_as", 2, lambda m, x, y: x.expand_as(y)),
    FuzzOp("Tensor.view_as", 2, lambda m, x, y: x.view_as(y)),
    FuzzOp("cat", 2, lambda m, x, y, dim: m.cat([x, y], dim=dim), draw_kwargs=_cat_kw),
    FuzzOp("stack", 2, lambda m, x, y, dim: m.stack([x, y], dim=dim), draw_kwargs=_stack_kw),
    # Indexing.
    FuzzOp("Tensor.__getitem__", 1, lambda m, x, key: x[to_module(m, key)], draw_kwargs=_index_kw),
    FuzzOp("Tensor.__setitem__", 2, _setitem, draw_kwargs=_setitem_kw),
    FuzzOp("Tensor.__setitem__(scalar)", 1, _setitem_scalar, draw_kwargs=_setitem_scalar_kw),
    # Linear algebra.
    FuzzOp("matmul", 2, _fn("matmul")),
    FuzzOp("Tensor.mm", 2, lambda m, x, y: x.mm(y)),
    FuzzOp("nn.functional.linear", 2, _fn("nn.functional.linear"), accepts=_same_float),
    FuzzOp(
        "nn.functional.linear(bias)",
        3,
        lambda m, x, w, b: m.nn.functional.linear(x, w, b),
        accepts=_same_float,
    ),
    # nn.functional.
    FuzzOp("nn.functional.relu", 1, _fn("nn.functional.relu"), dtypes=NUMERIC),
    FuzzOp("nn.functional.sigmoid", 1, _fn("nn.functional.sigmoid")),
    FuzzOp("nn.functional.tanh", 1, _fn("nn.functional.tanh")),
    FuzzOp(
        "nn.functional.softmax",
        1,
        _fn("nn.functional.softmax"),
        dtypes=FLOATS,
        draw_kwargs=_softmax_kw,
    ),
    FuzzOp(
        "nn.functional.log_softmax",
        1,
        _fn("nn.functional.log_softmax"),
        dtypes=FLOATS,
        draw_kwargs=_softmax_kw,
    ),
    FuzzOp(
        "nn.functional.mse_loss",
        2,
        _fn("nn.functional.mse_loss"),
        accepts=_same_float,
        draw_kwargs=_mse_kw,
    ),
    FuzzOp(
        "nn.functional.cross_entropy",
        1,
        lambda m, x, target, reduction: m.nn.functional.cross_entropy(
            x, to_module(m, target), reduction=reduction
        ),
        dtypes=FLOATS,
        draw_kwargs=_targets_kw,
    ),
    FuzzOp(
        "nn.functional.nll_loss",
        1,
        lambda m, x, target, reduction: m.nn.functional.nll_loss(
            x, to_module(m, target), reduction=reduction
        ),
        dtypes=FLOATS,
        draw_kwargs=_targets_kw,
    ),
)
