"""The op registry: every differentiable op, with sample inputs, in one table.

Each :class:`OpInfo` names an op, says how to call it, lists the :class:`~refgrad.autograd.Function`
classes that implement it, and generates sample inputs: 0-d, empty where allowed, every
broadcasting pairing of scalar, vector, matrix, row ``(1, n)`` and column ``(n, 1)`` operands,
negative dims, and every axis subset of a rank-3 reduction.

One table drives

* the first- and second-order gradient checks in float64 (``tests/test_opinfo_gradcheck.py``),
* the comparison with PyTorch (``tests/crosscheck``), and
* the book's op reference page,

so none of them can drift from the others. An op is written as ``call(m, *tensors, **kwargs)``
where ``m`` is a module: ``refgrad`` here, ``torch`` in the cross-check. That the same ``call``
works for both is the promise that a snippet moves to PyTorch by changing the import.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from refgrad.autograd.function import Function
from refgrad.ops import elementwise as E
from refgrad.ops import extrema as X
from refgrad.ops import inplace as IP
from refgrad.ops import linalg as L
from refgrad.ops import reductions as R
from refgrad.ops import shape as S
from refgrad.ops import softmax_family as SM
from refgrad.ops import unary as U

Array = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True)
class Sample:
    """One way to call an op: float64 arrays for the differentiable inputs, plus keywords.

    Keyword values are passed to ``call`` unchanged; an op whose keywords hold arrays (integer
    targets, boolean conditions, class weights) converts them with ``m.tensor`` itself, so the
    same ``call`` works for refgrad and PyTorch. Keywords are never differentiated.

    Examples
    --------
    >>> from refgrad.testing.opinfo import Sample
    >>> import numpy as np
    >>> Sample((np.ones(3),), {"dim": 0}).describe()
    '(3,) dim=0'
    """

    inputs: tuple[Array, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """Label the sample for test ids: the shapes, then the keywords.

        Examples
        --------
        >>> from refgrad.testing.opinfo import Sample
        >>> import numpy as np
        >>> Sample((np.ones((2, 1)), np.ones(()))).describe()
        '(2,1),()'
        """
        shapes = ",".join(str(a.shape).replace(" ", "") for a in self.inputs)
        words = [
            f"{k}={v.tolist() if isinstance(v, np.ndarray) else v}" for k, v in self.kwargs.items()
        ]
        return " ".join([shapes, *words])


@dataclass(frozen=True)
class OpInfo:
    """An entry of the registry.

    Attributes
    ----------
    name : str
        The op as a user writes it, e.g. ``"matmul"`` or ``"nn.functional.softmax"``.
    call : callable
        ``call(m, *tensors, **kwargs)``; ``m`` is ``refgrad`` or ``torch``.
    functions : tuple of Function subclasses
        The refgrad Functions that implement it (for the op reference).
    samples : callable
        Returns the sample inputs.
    smooth : bool
        Whether second derivatives exist at the samples (checked by gradgradcheck).
    broadcasting : str
        How the op's operands broadcast, for the reference page.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.testing.opinfo import OP_REGISTRY
    >>> info = next(op for op in OP_REGISTRY if op.name == "mul")
    >>> sample = next(info.sample_inputs())
    >>> info.call(rg, *[rg.tensor(a) for a in sample.inputs], **sample.kwargs).shape
    ()
    """

    name: str
    call: Callable[..., Any]
    functions: tuple[type[Function], ...]
    samples: Callable[[np.random.Generator], list[Sample]]
    smooth: bool = True
    broadcasting: str = "none"

    def sample_inputs(self, seed: int = 0) -> Iterator[Sample]:
        """Draw the samples from a generator seeded with ``seed``.

        Examples
        --------
        >>> from refgrad.testing.opinfo import OP_REGISTRY
        >>> sum(1 for _ in OP_REGISTRY[0].sample_inputs()) > 0
        True
        """
        yield from self.samples(np.random.default_rng(seed))


# ---------------------------------------------------------------- sample generators

#: How the binary element-wise ops broadcast, for the op reference.
BROADCASTS = "NumPy's rules; each gradient is summed back to its operand's shape"

#: Shapes whose every pairing broadcasts: scalar, vector, matrix, row and column.
BROADCAST_SHAPES: tuple[tuple[int, ...], ...] = ((), (3,), (2, 3), (1, 3), (2, 1))
UNARY_SHAPES: tuple[tuple[int, ...], ...] = ((), (3,), (2, 3), (0, 3), (2, 3, 2))


def _real(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    return rng.uniform(-2.0, 2.0, size=shape)


def _positive(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    return rng.uniform(0.5, 2.5, size=shape)


def _away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    """Values at least 0.2 from 0, so a finite difference never straddles a kink."""
    magnitude = rng.uniform(0.2, 2.0, size=shape)
    signs: Array = rng.choice([-1.0, 1.0], size=shape)
    return magnitude * signs


def _small(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    """Values in (-1, 1), away from the domain edges of asin/acos and the poles of tan."""
    return rng.uniform(-0.8, 0.8, size=shape)


def _distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    """Values 0.1 apart, so that a max has a unique winner even after a finite-difference nudge."""
    size = int(np.prod(shape))
    return (rng.permutation(size) * 0.1 - 0.05 * size).reshape(shape).astype(np.float64)


Draw = Callable[[np.random.Generator, tuple[int, ...]], Array]


def _unary(draw: Draw, shapes: tuple[tuple[int, ...], ...] = UNARY_SHAPES) -> Any:
    def samples(rng: np.random.Generator) -> list[Sample]:
        return [Sample((draw(rng, shape),)) for shape in shapes]

    return samples


def _binary(draw_a: Draw, draw_b: Draw) -> Any:
    def samples(rng: np.random.Generator) -> list[Sample]:
        pairs = itertools.product(BROADCAST_SHAPES, BROADCAST_SHAPES)
        result = [Sample((draw_a(rng, a), draw_b(rng, b))) for a, b in pairs]
        result.append(Sample((draw_a(rng, (0, 3)), draw_b(rng, (3,)))))  # empty
        return result

    return samples


def _with_constant(draw: Draw, constants: tuple[float, ...]) -> Any:
    def samples(rng: np.random.Generator) -> list[Sample]:
        return [Sample((draw(rng, (2, 3)),), {"c": c}) for c in constants] + [
            Sample((draw(rng, ()),), {"c": constants[0]})
        ]

    return samples


#: Every subset of the axes of a rank-3 tensor, written with negative dims too.
RANK3_DIMS: tuple[Any, ...] = (None, 0, 1, 2, -1, (0, 1), (0, 2), (1, 2), (-1, -3), (0, 1, 2))


def _reduction(draw: Draw, allow_empty: bool = True) -> Any:
    def samples(rng: np.random.Generator) -> list[Sample]:
        result = [Sample((draw(rng, ()),), {"dim": None, "keepdim": False})]
        for dim, keepdim in itertools.product(RANK3_DIMS, (False, True)):
            result.append(Sample((draw(rng, (2, 3, 4)),), {"dim": dim, "keepdim": keepdim}))
        result.append(Sample((draw(rng, (3,)),), {"dim": -1, "keepdim": False}))
        if allow_empty:
            result.append(Sample((draw(rng, (0, 3)),), {"dim": 1, "keepdim": False}))
        return result

    return samples


def _max_dim(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample((_distinct(rng, (2, 3, 4)),), {"dim": d, "keepdim": k})
        for d, k in itertools.product((0, 1, 2, -1, -2), (False, True))
    ] + [Sample((_distinct(rng, (5,)),), {"dim": 0, "keepdim": False})]


def _softmax_samples(rng: np.random.Generator) -> list[Sample]:
    result = [Sample((_real(rng, (3,)),), {"dim": 0}), Sample((_real(rng, (3,)),), {"dim": -1})]
    result += [Sample((_real(rng, (2, 3)),), {"dim": d}) for d in (0, 1, -1)]
    result += [Sample((_real(rng, (2, 3, 4)),), {"dim": d}) for d in (0, 1, 2, -2)]
    return result


def _matmul_samples(rng: np.random.Generator) -> list[Sample]:
    pairs = [
        ((3,), (3,)),
        ((3,), (3, 2)),
        ((2, 3), (3,)),
        ((2, 3), (3, 4)),
        ((1, 3), (3, 1)),
        ((4, 2, 3), (3, 2)),
        ((2, 3), (4, 3, 2)),
        ((4, 2, 3), (4, 3, 2)),
        ((2, 1, 2, 3), (3, 3, 2)),
        ((4, 2, 3), (3,)),
        ((3,), (4, 3, 2)),
        ((0, 3), (3, 2)),
    ]
    return [Sample((_real(rng, a), _real(rng, b))) for a, b in pairs]


def _index_samples(rng: np.random.Generator) -> list[Sample]:
    x = _real(rng, (4, 3))
    indices: list[Any] = [
        1,
        -1,
        (slice(1, 3),),
        (slice(None), 0),
        (slice(None, None, 2), slice(1, None)),
        ([0, 0, 3],),  # a repeated index accumulates in backward
        ([2, 0], [1, 1]),
        (slice(None), [2, 2, 0]),
        (None, 1),
        (Ellipsis, 1),
    ]
    result = [Sample((x,), {"index": i}) for i in indices]
    result.append(Sample((_real(rng, (3,)),), {"index": ([True, False, True],)}))
    result.append(Sample((_real(rng, (2, 3, 2)),), {"index": (1, slice(None), [0, 1, 1])}))
    return result


def _index(m: ModuleType, x: Any, index: Any) -> Any:
    if isinstance(index, tuple) and any(
        isinstance(i, list) and i and isinstance(i[0], bool) for i in index
    ):
        index = tuple(m.tensor(i) if isinstance(i, list) else i for i in index)
    return x[index]


def _backward_op(m: ModuleType, name: str, function: type[Function], g: Any, y: Any) -> Any:
    """A backward rule as an op of its own: PyTorch's is ``torch.ops.aten.<name>``."""
    if m.__name__ == "torch":
        return getattr(m.ops.aten, name)(g, y)
    return function.apply(g, y)


def _index_put_samples(rng: np.random.Generator) -> list[Sample]:
    x = _real(rng, (4, 3))
    cases: list[tuple[Any, tuple[int, ...]]] = [
        (1, (3,)),
        (1, ()),  # a scalar broadcast over the row: its gradient sums the row's
        ((slice(1, 3),), (2, 3)),
        ((slice(None), 0), (4,)),
        ((slice(None, None, 2), slice(1, None)), (1, 2)),
        (([2, 0],), (2, 3)),
        (([2, 0], [1, 1]), (2,)),
    ]
    return [Sample((x, _real(rng, shape)), {"index": index}) for index, shape in cases]


def _index_put(m: ModuleType, x: Any, value: Any, index: Any) -> Any:
    y = x * 1  # a non-leaf: writing into it is recorded (CopySlices / IndexPut)
    y[index] = value
    return y


def _write_through_view_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample((_real(rng, (3, 2)), _real(rng, (3,)))),
        Sample((_real(rng, (3, 2)), _real(rng, ()))),
    ]


def _write_through_view(m: ModuleType, x: Any, value: Any) -> Any:
    y = x * 1
    y.t()[0].mul_(value)  # the first column of y, through a view of a view
    return y


def _cat_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample((_real(rng, (2, 3)), _real(rng, (1, 3)), _real(rng, (4, 3))), {"dim": 0}),
        Sample((_real(rng, (2, 3)), _real(rng, (2, 1))), {"dim": 1}),
        Sample((_real(rng, (2, 3)), _real(rng, (2, 2))), {"dim": -1}),
        Sample((_real(rng, (3,)), _real(rng, (0,))), {"dim": 0}),
    ]


def _stack_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample((_real(rng, (2, 3)), _real(rng, (2, 3))), {"dim": d}) for d in (0, 1, 2, -1)] + [
        Sample((_real(rng, ()), _real(rng, ()), _real(rng, ())), {"dim": 0})
    ]


def _where_samples(rng: np.random.Generator) -> list[Sample]:
    result = []
    for a, b in itertools.product(BROADCAST_SHAPES, BROADCAST_SHAPES):
        cond = rng.random((2, 3)) > 0.5
        result.append(Sample((_real(rng, a), _real(rng, b)), {"condition": cond}))
    return result


def _shape_samples(
    rng: np.random.Generator, shape: tuple[int, ...], options: list[dict[str, Any]]
) -> list[Sample]:
    return [Sample((_real(rng, shape),), kw) for kw in options]


def _linear_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample((_real(rng, (4, 3)), _real(rng, (2, 3)), _real(rng, (2,)))),
        Sample((_real(rng, (3,)), _real(rng, (2, 3)), _real(rng, (2,)))),
        Sample((_real(rng, (5, 4, 3)), _real(rng, (2, 3)), _real(rng, (2,)))),
    ]


def _ce_samples(rng: np.random.Generator) -> list[Sample]:
    target = np.array([0, 2, 1, 2])
    result = [
        Sample((_real(rng, (4, 3)),), {"target": target, "reduction": r})
        for r in ("mean", "sum", "none")
    ]
    result.append(Sample((_real(rng, (3,)),), {"target": np.array(1)}))
    result.append(Sample((_real(rng, (4, 3)) * 50,), {"target": target}))
    result.append(
        Sample((_real(rng, (4, 3)),), {"target": np.array([0, -100, 1, 2]), "ignore_index": -100})
    )
    return result


def _ce_weighted(rng: np.random.Generator) -> list[Sample]:
    target = np.array([0, 2, 1, 2])
    return [
        Sample(
            (_real(rng, (4, 3)),),
            {"target": target, "weight": _positive(rng, (3,)), "reduction": r},
        )
        for r in ("mean", "sum", "none")
    ]


def _ce_probabilities(rng: np.random.Generator) -> list[Sample]:
    probabilities = rng.dirichlet(np.ones(3), size=4)
    return [
        Sample((_real(rng, (4, 3)), probabilities)),
        Sample((_real(rng, (3,)), probabilities[0])),
    ]


def _nll_samples(rng: np.random.Generator) -> list[Sample]:
    # nll_loss takes log-probabilities, but it is linear in them: any real input checks it.
    return _ce_samples(rng) + _ce_weighted(rng)


def _mse_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample((_real(rng, s), _real(rng, s)), {"reduction": r})
        for s, r in itertools.product([(), (4, 3)], ("mean", "sum", "none"))
    ]


def _sum_to_samples(rng: np.random.Generator) -> list[Sample]:
    pairs = [
        ((2, 3), (3,)),
        ((2, 3), (1, 3)),
        ((2, 3), (2, 1)),
        ((2, 3), ()),
        ((4, 2, 3), (2, 3)),
        ((4, 2, 3), (4, 1, 1)),
        ((0, 3), (3,)),
    ]
    return [Sample((_real(rng, a),), {"shape": b}) for a, b in pairs]


def _sum_to(m: ModuleType, x: Any, shape: tuple[int, ...]) -> Any:
    # PyTorch has the op as a method only, Tensor.sum_to_size.
    return m.sum_to(x, shape) if hasattr(m, "sum_to") else x.sum_to_size(shape)


def _keywords(names: tuple[str, ...], kwargs: dict[str, Any], m: ModuleType) -> dict[str, Any]:
    """Convert array keywords (targets, conditions) to ``m``'s tensors."""
    return {
        k: m.tensor(v) if isinstance(v, np.ndarray) and k in names else v for k, v in kwargs.items()
    }


# ---------------------------------------------------------------- the registry

#: Every differentiable op of refgrad, with its sample inputs, in the order the op reference
#: lists them.
OP_REGISTRY: tuple[OpInfo, ...] = (
    # Arithmetic
    OpInfo("add", lambda m, a, b: m.add(a, b), (E.Add,), _binary(_real, _real), True, BROADCASTS),
    OpInfo("sub", lambda m, a, b: a - b, (E.Sub,), _binary(_real, _real), True, BROADCASTS),
    OpInfo("mul", lambda m, a, b: a * b, (E.Mul,), _binary(_real, _real), True, BROADCASTS),
    OpInfo(
        "div", lambda m, a, b: a / b, (E.Div,), _binary(_real, _away_from_zero), True, BROADCASTS
    ),
    OpInfo(
        "pow", lambda m, a, b: m.pow(a, b), (E.Pow,), _binary(_positive, _real), True, BROADCASTS
    ),
    OpInfo(
        "pow (number exponent)",
        lambda m, a, c: a**c,
        (E.Pow,),
        _with_constant(_positive, (3.0, 0.5, -1.5, 1.0, 0.0)),
        True,
        "none",
    ),
    OpInfo(
        "rpow (number base)",
        lambda m, a, c: c**a,
        (E.Pow,),
        _with_constant(_real, (2.0, 0.5)),
        True,
        "none",
    ),
    OpInfo(
        "mul (number)",
        lambda m, a, c: a * c,
        (E.Mul,),
        _with_constant(_real, (2.5, -1.0)),
        True,
        "none",
    ),
    OpInfo(
        "rsub (number)",
        lambda m, a, c: c - a,
        (E.Sub,),
        _with_constant(_real, (1.0,)),
        True,
        "none",
    ),
    OpInfo(
        "rdiv (number)",
        lambda m, a, c: c / a,
        (E.Div,),
        _with_constant(_away_from_zero, (1.0, -3.0)),
        True,
        "none",
    ),
    OpInfo("neg", lambda m, x: -x, (E.Neg,), _unary(_real), True),
    # Functions of one variable
    OpInfo("exp", lambda m, x: m.exp(x), (E.Exp,), _unary(_real), True),
    OpInfo("log", lambda m, x: m.log(x), (E.Log,), _unary(_positive), True),
    OpInfo("tanh", lambda m, x: m.tanh(x), (E.Tanh,), _unary(_real), True),
    OpInfo("sigmoid", lambda m, x: m.sigmoid(x), (E.Sigmoid,), _unary(_real), True),
    OpInfo("relu", lambda m, x: m.relu(x), (E.ReLU,), _unary(_away_from_zero), True),
    OpInfo("abs", lambda m, x: m.abs(x), (E.Abs,), _unary(_away_from_zero), True),
    OpInfo("sqrt", lambda m, x: m.sqrt(x), (E.Sqrt,), _unary(_positive), True),
    OpInfo("sin", lambda m, x: m.sin(x), (U.Sin,), _unary(_real), True),
    OpInfo("cos", lambda m, x: m.cos(x), (U.Cos,), _unary(_real), True),
    OpInfo("tan", lambda m, x: m.tan(x), (U.Tan,), _unary(_small), True),
    OpInfo("sinh", lambda m, x: m.sinh(x), (U.Sinh,), _unary(_real), True),
    OpInfo("cosh", lambda m, x: m.cosh(x), (U.Cosh,), _unary(_real), True),
    OpInfo("asin", lambda m, x: m.asin(x), (U.Asin,), _unary(_small), True),
    OpInfo("acos", lambda m, x: m.acos(x), (U.Acos,), _unary(_small), True),
    OpInfo("atan", lambda m, x: m.atan(x), (U.Atan,), _unary(_real), True),
    OpInfo("log1p", lambda m, x: m.log1p(x), (U.Log1p,), _unary(_positive), True),
    OpInfo("expm1", lambda m, x: m.expm1(x), (U.Expm1,), _unary(_real), True),
    OpInfo("log2", lambda m, x: m.log2(x), (U.Log2,), _unary(_positive), True),
    OpInfo("log10", lambda m, x: m.log10(x), (U.Log10,), _unary(_positive), True),
    OpInfo("exp2", lambda m, x: m.exp2(x), (U.Exp2,), _unary(_real), True),
    OpInfo(
        "reciprocal", lambda m, x: m.reciprocal(x), (U.Reciprocal,), _unary(_away_from_zero), True
    ),
    OpInfo("rsqrt", lambda m, x: m.rsqrt(x), (U.Rsqrt,), _unary(_positive), True),
    OpInfo("square", lambda m, x: m.square(x), (U.Square,), _unary(_real), True),
    OpInfo("sign", lambda m, x: m.sign(x), (U.Sign,), _unary(_away_from_zero), True),
    OpInfo("floor", lambda m, x: m.floor(x), (U.Floor,), _unary(_real), True),
    OpInfo("ceil", lambda m, x: m.ceil(x), (U.Ceil,), _unary(_real), True),
    OpInfo("trunc", lambda m, x: m.trunc(x), (U.Trunc,), _unary(_real), True),
    OpInfo("round", lambda m, x: m.round(x), (U.Round,), _unary(_real), True),
    OpInfo("frac", lambda m, x: m.frac(x), (U.Frac,), _unary(_real), True),
    OpInfo(
        "maximum",
        lambda m, a, b: m.maximum(a, b),
        (X.Maximum,),
        _binary(_real, _real),
        True,
        BROADCASTS,
    ),
    OpInfo(
        "minimum",
        lambda m, a, b: m.minimum(a, b),
        (X.Minimum,),
        _binary(_real, _real),
        True,
        BROADCASTS,
    ),
    OpInfo(
        "max (two tensors)",
        lambda m, a, b: m.max(a, b),
        (X.Maximum,),
        _binary(_real, _real),
        True,
        BROADCASTS,
    ),
    OpInfo(
        "min (two tensors)",
        lambda m, a, b: a.min(b),
        (X.Minimum,),
        _binary(_real, _real),
        True,
        BROADCASTS,
    ),
    OpInfo(
        "dot",
        lambda m, a, b: m.dot(a, b),
        (L.MatMul,),
        lambda rng: [Sample((_real(rng, (n,)), _real(rng, (n,)))) for n in (1, 4, 0)],
        True,
    ),
    OpInfo(
        "mv",
        lambda m, a, b: m.mv(a, b),
        (L.MatMul,),
        lambda rng: [
            Sample((_real(rng, (2, 3)), _real(rng, (3,)))),
            Sample((_real(rng, (0, 3)), _real(rng, (3,)))),
        ],
        True,
    ),
    OpInfo(
        "outer",
        lambda m, a, b: m.outer(a, b),
        (S.Reshape, E.Mul),
        lambda rng: [
            Sample((_real(rng, (2,)), _real(rng, (3,)))),
            Sample((_real(rng, (1,)), _real(rng, (0,)))),
        ],
        True,
    ),
    OpInfo(
        "bmm",
        lambda m, a, b: m.bmm(a, b),
        (L.MatMul,),
        lambda rng: [
            Sample((_real(rng, (2, 2, 3)), _real(rng, (2, 3, 4)))),
            Sample((_real(rng, (1, 1, 1)), _real(rng, (1, 1, 2)))),
        ],
        True,
    ),
    OpInfo(
        "nn.functional.softplus",
        lambda m, x, beta, threshold: m.nn.functional.softplus(x, beta, threshold),
        (U.Softplus, E.Where),
        lambda rng: [
            Sample((rng.uniform(-3, 3, size=(2, 3)),), {"beta": beta, "threshold": threshold})
            for beta, threshold in ((1.0, 20.0), (2.0, 3.0), (0.5, 20.0))
        ],
        True,
    ),
    OpInfo(
        "round (decimals)",
        lambda m, x: m.round(x, decimals=1),
        (U.Round,),
        _unary(_real, ((3,), (2, 3))),
        True,
    ),
    OpInfo(
        "where",
        lambda m, a, b, condition: m.where(m.tensor(condition), a, b),
        (E.Where,),
        _where_samples,
        True,
        BROADCASTS + " (the condition broadcasts too)",
    ),
    # Reductions
    OpInfo(
        "sum",
        lambda m, x, dim, keepdim: x.sum() if dim is None else x.sum(dim, keepdim),
        (R.Sum,),
        _reduction(_real),
        True,
    ),
    OpInfo(
        "mean",
        lambda m, x, dim, keepdim: x.mean() if dim is None else x.mean(dim, keepdim),
        (R.Mean,),
        _reduction(_real, allow_empty=False),
        True,
    ),
    OpInfo(
        "amax",
        lambda m, x, dim, keepdim: m.amax(x, () if dim is None else dim, keepdim),
        (R.Amax,),
        _reduction(_distinct, allow_empty=False),
        True,
    ),
    OpInfo("max", lambda m, x: x.max(), (R.Amax,), _unary(_distinct, ((), (3,), (2, 3, 2))), True),
    OpInfo(
        "max (dim)",
        lambda m, x, dim, keepdim: m.max(x, dim, keepdim).values,
        (S.Index,),
        _max_dim,
        True,
    ),
    OpInfo("min", lambda m, x: x.min(), (R.Amax, E.Neg), _unary(_distinct, ((), (3,), (2, 3, 2)))),
    OpInfo(
        "min (dim)",
        lambda m, x, dim, keepdim: m.min(x, dim, keepdim).values,
        (S.Index, E.Neg),
        _max_dim,
    ),
    OpInfo(
        "amin",
        lambda m, x, dim, keepdim: m.amin(x, () if dim is None else dim, keepdim),
        (R.Amax, E.Neg),
        _reduction(_distinct, allow_empty=False),
    ),
    OpInfo(
        "clamp",
        lambda m, x, low, high: m.clamp(x, min=low, max=high),
        (E.Where,),
        lambda rng: [
            Sample((_real(rng, s),), {"low": lo, "high": hi})
            for s in ((), (2, 3))
            for lo, hi in ((-0.5, 0.5), (None, 0.3), (-0.3, None))
        ],
    ),
    OpInfo(
        "masked_fill",
        lambda m, x, mask: x.masked_fill(m.tensor(mask), 0.5),
        (E.Where,),
        lambda rng: [Sample((_real(rng, (2, 3)),), {"mask": rng.random((2, 3)) > 0.5})],
    ),
    # Shape
    OpInfo(
        "reshape",
        lambda m, x, shape: x.reshape(shape),
        (S.Reshape,),
        lambda rng: _shape_samples(
            rng, (2, 3, 2), [{"shape": s} for s in [(12,), (3, -1), (2, 1, 6), (-1,)]]
        ),
        True,
    ),
    OpInfo(
        "transpose",
        lambda m, x, d0, d1: x.transpose(d0, d1),
        (S.Transpose,),
        lambda rng: _shape_samples(
            rng, (2, 3, 4), [{"d0": a, "d1": b} for a, b in [(0, 1), (0, 2), (-1, -2), (1, 1)]]
        ),
        True,
    ),
    OpInfo(
        "permute",
        lambda m, x, dims: x.permute(*dims),
        (S.Permute,),
        lambda rng: _shape_samples(
            rng, (2, 3, 4), [{"dims": d} for d in [(2, 0, 1), (1, 2, 0), (-1, 0, 1)]]
        ),
        True,
    ),
    OpInfo(".T", lambda m, x: x.T, (S.Permute,), _unary(_real, ((3,), (2, 3))), True),
    OpInfo(
        "flatten",
        lambda m, x: m.flatten(x, 1),
        (S.Reshape,),
        lambda rng: [Sample((_real(rng, (2, 3, 2)),))],
        True,
    ),
    OpInfo(
        "unsqueeze",
        lambda m, x, dim: x.unsqueeze(dim),
        (S.Reshape,),
        lambda rng: _shape_samples(rng, (2, 3), [{"dim": d} for d in (0, 1, 2, -1, -3)]),
        True,
    ),
    OpInfo(
        "squeeze",
        lambda m, x: x.squeeze(),
        (S.Reshape,),
        lambda rng: [Sample((_real(rng, (1, 3, 1)),))],
        True,
    ),
    OpInfo(
        "expand",
        lambda m, x, shape: x.expand(*shape),
        (S.BroadcastTo,),
        lambda rng: [
            Sample((_real(rng, (3,)),), {"shape": (2, 3)}),
            Sample((_real(rng, (2, 1)),), {"shape": (4, 2, 3)}),
            Sample((_real(rng, (1, 3)),), {"shape": (-1, 3)}),
            Sample((_real(rng, ()),), {"shape": (2, 2)}),
        ],
        True,
        "to the shape",
    ),
    OpInfo(
        "broadcast_to",
        lambda m, x, shape: m.broadcast_to(x, shape),
        (S.BroadcastTo,),
        lambda rng: [
            Sample((_real(rng, (3,)),), {"shape": (2, 3)}),
            Sample((_real(rng, (2, 1)),), {"shape": (4, 2, 3)}),
            Sample((_real(rng, ()),), {"shape": (2, 2)}),
        ],
        True,
        "to the shape",
    ),
    OpInfo("sum_to", _sum_to, (S.SumTo,), _sum_to_samples, True),
    OpInfo(
        "tanh_backward",
        lambda m, g, y: _backward_op(m, "tanh_backward", E.TanhGrad, g, y),
        (E.TanhGrad,),
        lambda rng: [Sample((_real(rng, s), np.tanh(_real(rng, s)))) for s in UNARY_SHAPES],
        True,
    ),
    OpInfo(
        "sigmoid_backward",
        lambda m, g, y: _backward_op(m, "sigmoid_backward", E.SigmoidGrad, g, y),
        (E.SigmoidGrad,),
        lambda rng: [Sample((_real(rng, s), rng.uniform(0.05, 0.95, s))) for s in UNARY_SHAPES],
        True,
    ),
    OpInfo("index", _index, (S.Index, S.IndexAdd), _index_samples, True),
    OpInfo("index_put (t[i] = v)", _index_put, (IP.IndexPut,), _index_put_samples, True),
    OpInfo(
        "mul_ through a view (CopySlices)",
        _write_through_view,
        (IP.CopySlices, E.Mul),
        _write_through_view_samples,
        True,
    ),
    OpInfo("cat", lambda m, *xs, dim: m.cat(xs, dim), (S.Cat,), _cat_samples, True),
    OpInfo("stack", lambda m, *xs, dim: m.stack(xs, dim), (S.Stack,), _stack_samples, True),
    OpInfo("clone", lambda m, x: x.clone(), (S.Clone,), _unary(_real), True),
    # Linear algebra
    OpInfo(
        "matmul",
        lambda m, a, b: m.matmul(a, b),
        (L.MatMul,),
        _matmul_samples,
        True,
        "batch dimensions, as np.matmul",
    ),
    OpInfo(
        "nn.functional.linear",
        lambda m, x, w, b: m.nn.functional.linear(x, w, b),
        (L.Linear,),
        _linear_samples,
        True,
        "the bias, over the batch (its gradient sums the rows)",
    ),
    OpInfo(
        "nn.functional.linear (no bias)",
        lambda m, x, w: m.nn.functional.linear(x, w),
        (L.Linear,),
        lambda rng: [
            Sample((_real(rng, (4, 3)), _real(rng, (2, 3)))),
            Sample((_real(rng, (3,)), _real(rng, (2, 3)))),
        ],
        True,
    ),
    # Softmax family and losses
    OpInfo(
        "nn.functional.softmax",
        lambda m, x, dim: m.nn.functional.softmax(x, dim=dim),
        (SM.Softmax,),
        _softmax_samples,
        True,
    ),
    OpInfo(
        "nn.functional.log_softmax",
        lambda m, x, dim: m.nn.functional.log_softmax(x, dim=dim),
        (SM.LogSoftmax,),
        _softmax_samples,
        True,
    ),
    OpInfo(
        "nn.functional.cross_entropy",
        lambda m, x, **kw: m.nn.functional.cross_entropy(x, **_keywords(("target",), kw, m)),
        (SM.LogSoftmax, S.Index),
        _ce_samples,
        True,
    ),
    OpInfo(
        "nn.functional.cross_entropy (class weights)",
        lambda m, x, **kw: m.nn.functional.cross_entropy(
            x, **_keywords(("target", "weight"), kw, m)
        ),
        (SM.LogSoftmax, S.Index),
        _ce_weighted,
        True,
    ),
    OpInfo(
        "nn.functional.cross_entropy (probabilities)",
        lambda m, x, p: m.nn.functional.cross_entropy(x, p),
        (SM.LogSoftmax,),
        _ce_probabilities,
        True,
    ),
    OpInfo(
        "nn.functional.nll_loss",
        lambda m, x, **kw: m.nn.functional.nll_loss(x, **_keywords(("target", "weight"), kw, m)),
        (S.Index, E.Neg),
        _nll_samples,
        True,
    ),
    OpInfo(
        "nn.functional.mse_loss",
        lambda m, x, t, reduction: m.nn.functional.mse_loss(x, t, reduction=reduction),
        (E.Sub, E.Mul, R.Mean),
        _mse_samples,
        True,
    ),
)


#: How a reader writes each op (shown by the op reference page; ``rg`` is ``refgrad``).
USAGE: dict[str, str] = {
    "add": "rg.add(a, b) or a + b",
    "sub": "a - b",
    "mul": "a * b",
    "div": "a / b",
    "pow": "rg.pow(a, b) or a ** b",
    "pow (number exponent)": "a ** 3",
    "rpow (number base)": "2.0 ** a",
    "mul (number)": "a * 2.5",
    "rsub (number)": "1.0 - a",
    "rdiv (number)": "1.0 / a",
    "neg": "-x",
    "exp": "rg.exp(x) or x.exp()",
    "log": "rg.log(x) or x.log()",
    "tanh": "rg.tanh(x) or x.tanh()",
    "sigmoid": "rg.sigmoid(x) or x.sigmoid()",
    "relu": "rg.relu(x) or x.relu()",
    "abs": "rg.abs(x) or abs(x)",
    "sqrt": "rg.sqrt(x) or x.sqrt()",
    "maximum": "rg.maximum(a, b)",
    "minimum": "rg.minimum(a, b)",
    "max (two tensors)": "rg.max(a, b) or a.max(b)",
    "min (two tensors)": "rg.min(a, b) or a.min(b)",
    "dot": "rg.dot(a, b) or a.dot(b)",
    "mv": "rg.mv(A, v) or A.mv(v)",
    "outer": "rg.outer(a, b) or a.outer(b)",
    "bmm": "rg.bmm(A, B) or A.bmm(B)",
    "sin": "rg.sin(x) or x.sin()",
    "cos": "rg.cos(x) or x.cos()",
    "tan": "rg.tan(x) or x.tan()",
    "sinh": "rg.sinh(x) or x.sinh()",
    "cosh": "rg.cosh(x) or x.cosh()",
    "asin": "rg.asin(x) or x.asin()",
    "acos": "rg.acos(x) or x.acos()",
    "atan": "rg.atan(x) or x.atan()",
    "log1p": "rg.log1p(x) or x.log1p()",
    "expm1": "rg.expm1(x) or x.expm1()",
    "log2": "rg.log2(x) or x.log2()",
    "log10": "rg.log10(x) or x.log10()",
    "exp2": "rg.exp2(x) or x.exp2()",
    "reciprocal": "rg.reciprocal(x) or x.reciprocal()",
    "rsqrt": "rg.rsqrt(x) or x.rsqrt()",
    "square": "rg.square(x) or x.square()",
    "sign": "rg.sign(x) or x.sign()",
    "floor": "rg.floor(x) or x.floor()",
    "ceil": "rg.ceil(x) or x.ceil()",
    "trunc": "rg.trunc(x) or x.trunc()",
    "round": "rg.round(x) or x.round()",
    "frac": "rg.frac(x) or x.frac()",
    "round (decimals)": "rg.round(x, decimals=1)",
    "nn.functional.softplus": "F.softplus(x, beta=1.0, threshold=20.0)",
    "where": "rg.where(condition, a, b)",
    "sum": "x.sum(dim=None, keepdim=False)",
    "mean": "x.mean(dim=None, keepdim=False)",
    "amax": "rg.amax(x, dim, keepdim=False)",
    "max": "x.max()",
    "max (dim)": "x.max(dim, keepdim=False).values",
    "min": "x.min()",
    "min (dim)": "x.min(dim, keepdim=False).values",
    "amin": "rg.amin(x, dim, keepdim=False)",
    "clamp": "rg.clamp(x, min, max) or x.clamp(min, max)",
    "masked_fill": "x.masked_fill(mask, value)",
    "reshape": "x.reshape(shape)",
    "transpose": "x.transpose(dim0, dim1)",
    "permute": "x.permute(*dims)",
    ".T": "x.T",
    "flatten": "rg.flatten(x, start_dim=1)",
    "unsqueeze": "x.unsqueeze(dim)",
    "squeeze": "x.squeeze()",
    "expand": "x.expand(*shape)",
    "broadcast_to": "rg.broadcast_to(x, shape)",
    "sum_to": "rg.sum_to(x, shape)",
    "index": "x[index]",
    "tanh_backward": "(internal) the backward rule of tanh, g * (1 - y**2), as one op",
    "sigmoid_backward": "(internal) the backward rule of sigmoid, g * y * (1 - y), as one op",
    "index_put (t[i] = v)": "t[index] = v (on a tensor in the graph: recorded, not refused)",
    "mul_ through a view (CopySlices)": "y[1:].mul_(v), y.t()[0] += v: a write into a view of y",
    "cat": "rg.cat(tensors, dim)",
    "stack": "rg.stack(tensors, dim)",
    "clone": "x.clone()",
    "matmul": "rg.matmul(a, b) or a @ b",
    "nn.functional.linear": "F.linear(x, weight, bias)",
    "nn.functional.linear (no bias)": "F.linear(x, weight)",
    "nn.functional.softmax": "F.softmax(x, dim)",
    "nn.functional.log_softmax": "F.log_softmax(x, dim)",
    "nn.functional.cross_entropy": "F.cross_entropy(logits, target)",
    "nn.functional.cross_entropy (class weights)": "F.cross_entropy(logits, target, weight=w)",
    "nn.functional.cross_entropy (probabilities)": "F.cross_entropy(logits, probabilities)",
    "nn.functional.nll_loss": "F.nll_loss(log_probabilities, target)",
    "nn.functional.mse_loss": "F.mse_loss(input, target, reduction='mean')",
}


def saved_for_backward(info: OpInfo) -> list[str]:
    """List what each of the op's Functions keeps for backward, found by running the op once.

    The first sample is run with every input requiring grad; for each node of the resulting
    graph made by one of ``info.functions``, the tensors it saved are identified (an input, its
    own result, or another tensor) and the attributes it stored on ``ctx`` are listed.

    Returns
    -------
    list of str
        One line per Function, e.g. ``"Mul: inputs 1 and 2"``.

    Examples
    --------
    >>> from refgrad.testing.opinfo import OP_REGISTRY, saved_for_backward
    >>> ops = {op.name: op for op in OP_REGISTRY}
    >>> saved_for_backward(ops["mul"])
    ['Mul: the inputs a and b']
    >>> saved_for_backward(ops["exp"])
    ['Exp: its result']
    >>> saved_for_backward(ops["sum"])
    ['Sum: no tensors; on ctx: axes, input_shape, keepdim']
    """
    import refgrad
    from refgrad.autograd.engine import topological_order
    from refgrad.autograd.function import BackwardNode

    sample = next(info.sample_inputs())
    inputs = [refgrad.tensor(a, requires_grad=True) for a in sample.inputs]
    output = info.call(refgrad, *inputs, **sample.kwargs)
    names = ["a", "b", "c", "d"] if len(inputs) > 1 else ["x"]
    lines: dict[str, str] = {}
    for node in topological_order([output.grad_fn]):
        if not isinstance(node, BackwardNode) or node.function not in info.functions:
            continue
        described = []
        for saved in node._saved or ():
            item = None if saved is None else saved.tensor
            if saved is not None and saved.output_nr is not None:
                described.append("its result")
            elif item is None:
                continue
            elif any(item is x for x in inputs):
                index = next(i for i, x in enumerate(inputs) if item is x)
                described.append(f"input {names[index] if index < len(names) else index}")
            elif item.grad_fn is not None:
                described.append("an input computed by an earlier op")
            else:
                described.append("a constant operand")
        if len(described) == 2 and all(d.startswith("input ") for d in described):
            described = [f"the inputs {described[0][6:]} and {described[1][6:]}"]
        attributes = sorted(
            k for k in vars(node) if not k.startswith("_") and k not in _NODE_FIELDS
        )
        text = ", ".join(dict.fromkeys(described)) or "no tensors"
        if attributes:
            text += "; on ctx: " + ", ".join(attributes)
        lines.setdefault(node.function.__name__, f"{node.function.__name__}: {text}")
    return list(lines.values())


_NODE_FIELDS = {
    "function",
    "needs_input_grad",
    "output_shape",
    "next_nodes",
    "creation_site",
    "num_outputs",
    "next_functions",
}


# ---------------------------------------------------------------- entries kept in other modules
# Imported last: each of these modules imports OpInfo and Sample from this one.
from refgrad.testing import opinfo_nnoptim  # noqa: E402

OP_REGISTRY = (*OP_REGISTRY, *opinfo_nnoptim.OPS)
USAGE.update(opinfo_nnoptim.USAGE)
