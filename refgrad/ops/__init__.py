"""The differentiable operations, grouped by family.

Each module pairs every :class:`~refgrad.autograd.Function` (forward and backward side by side)
with the typed public function that calls it:

* :mod:`refgrad.ops.elementwise`: arithmetic and functions of one variable;
* :mod:`refgrad.ops.reductions`: sum, mean, max;
* :mod:`refgrad.ops.shape`: reshaping, transposing, broadcasting, indexing, joining;
* :mod:`refgrad.ops.linalg`: matrix multiplication;
* :mod:`refgrad.ops.softmax_family`: softmax and log-softmax.
"""

from refgrad.ops.elementwise import (
    abs,
    add,
    clamp,
    div,
    exp,
    log,
    mul,
    neg,
    pow,
    relu,
    sigmoid,
    sqrt,
    sub,
    tanh,
    where,
)
from refgrad.ops.linalg import matmul
from refgrad.ops.reductions import amax, amin, argmax, argmin, max, mean, min, sum
from refgrad.ops.shape import (
    broadcast_to,
    cat,
    clone,
    flatten,
    getitem,
    permute,
    reshape,
    squeeze,
    stack,
    sum_to,
    to_dtype,
    transpose,
    unsqueeze,
)
from refgrad.ops.softmax_family import log_softmax, softmax

from refgrad.ops.extrema import maximum, minimum  # isort: skip
from refgrad.ops.products import bmm, dot, mv, outer  # isort: skip
from refgrad.ops.unary import (  # isort: skip
    acos,
    asin,
    atan,
    ceil,
    cos,
    cosh,
    exp2,
    expm1,
    floor,
    frac,
    log10,
    log1p,
    log2,
    reciprocal,
    round,
    rsqrt,
    sign,
    sin,
    sinh,
    square,
    tan,
    trunc,
)

from refgrad.ops import inplace  # noqa: F401  # isort: skip  (it builds on the ops above)

__all__ = [
    "abs",
    "acos",
    "add",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "asin",
    "atan",
    "bmm",
    "broadcast_to",
    "cat",
    "ceil",
    "clamp",
    "clone",
    "cos",
    "cosh",
    "div",
    "dot",
    "exp",
    "exp2",
    "expm1",
    "flatten",
    "floor",
    "frac",
    "getitem",
    "log",
    "log1p",
    "log2",
    "log10",
    "log_softmax",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mul",
    "mv",
    "neg",
    "outer",
    "permute",
    "pow",
    "reciprocal",
    "relu",
    "reshape",
    "round",
    "rsqrt",
    "sigmoid",
    "sign",
    "sin",
    "sinh",
    "softmax",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "sub",
    "sum",
    "sum_to",
    "tan",
    "tanh",
    "to_dtype",
    "transpose",
    "trunc",
    "unsqueeze",
    "where",
]
