"""refgrad: reverse-mode automatic differentiation on NumPy, written to be read.

The public API follows PyTorch's names and signatures for the part it implements, so a snippet
moves to PyTorch by changing ``import refgrad as rg`` to ``import torch``.

Examples
--------
>>> import refgrad as rg
>>> x = rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> loss = (x ** 2).sum()
>>> loss.backward()
>>> x.grad
tensor([2., 4., 6.])
"""

from refgrad.broadcast import unbroadcast
from refgrad.creation import (
    arange,
    eye,
    full,
    linspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    zeros,
    zeros_like,
)
from refgrad.dtypes import (
    bool_,
    double,
    float16,
    float32,
    float64,
    get_default_dtype,
    int32,
    int64,
    long,
    set_default_dtype,
)
from refgrad.errors import ShapeError, TargetError
from refgrad.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from refgrad.hooks import RemovableHandle
from refgrad.random import Generator, manual_seed, seed
from refgrad.tensor import MaxResult, Tensor, tensor

from refgrad.ops import (  # isort: skip  (ops need Tensor first)
    abs,
    add,
    amax,
    amin,
    argmax,
    argmin,
    broadcast_to,
    cat,
    clamp,
    clone,
    div,
    exp,
    flatten,
    log,
    log_softmax,
    matmul,
    max,
    mean,
    min,
    mul,
    neg,
    permute,
    pow,
    relu,
    reshape,
    sigmoid,
    softmax,
    sqrt,
    squeeze,
    stack,
    sub,
    sum,
    sum_to,
    tanh,
    transpose,
    unsqueeze,
    where,
)
from refgrad import autograd, nn, optim, utils, viz
from refgrad.serialization import load, save

# The version, defined here only: pyproject.toml and the book's conf.py both read this line.
__version__ = "0.2.0"

__all__ = [
    "Generator",
    "MaxResult",
    "RemovableHandle",
    "ShapeError",
    "TargetError",
    "Tensor",
    "abs",
    "add",
    "amax",
    "amin",
    "arange",
    "argmax",
    "argmin",
    "autograd",
    "bool_",
    "broadcast_to",
    "cat",
    "clamp",
    "clone",
    "div",
    "double",
    "enable_grad",
    "exp",
    "eye",
    "flatten",
    "float16",
    "float32",
    "float64",
    "full",
    "get_default_dtype",
    "inference_mode",
    "int32",
    "int64",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "linspace",
    "load",
    "log",
    "log_softmax",
    "long",
    "manual_seed",
    "matmul",
    "max",
    "mean",
    "min",
    "mul",
    "neg",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "permute",
    "pow",
    "rand",
    "randint",
    "randn",
    "randperm",
    "relu",
    "reshape",
    "save",
    "seed",
    "set_default_dtype",
    "set_grad_enabled",
    "sigmoid",
    "softmax",
    "sqrt",
    "squeeze",
    "stack",
    "sub",
    "sum",
    "sum_to",
    "tanh",
    "tensor",
    "transpose",
    "unbroadcast",
    "unsqueeze",
    "utils",
    "viz",
    "where",
    "zeros",
    "zeros_like",
]
