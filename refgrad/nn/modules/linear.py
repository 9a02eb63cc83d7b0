"""``Linear``, the affine layer :math:`y = x W^T + b`, and ``Identity``, which does nothing."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from refgrad import dtypes
from refgrad._typing import DTypeLike
from refgrad.nn import init
from refgrad.nn.functional import linear
from refgrad.nn.modules.module import Module
from refgrad.nn.parameter import Parameter
from refgrad.tensor import Tensor


class Identity(Module):
    """Return the input unchanged (a placeholder, e.g. for a layer switched off).

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 2.0])
    >>> rg.nn.Identity()(x) is x
    True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Extra arguments are accepted and ignored, as PyTorch's Identity does, so that it can
        # replace any layer without changing the call that builds it.
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """Return ``input``.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.Identity().forward(rg.tensor(3.0))
        tensor(3.)
        """
        return input


class Linear(Module):
    r"""The affine map :math:`y = x W^T + b`, with ``weight`` of shape ``(out, in)`` as in PyTorch.

    Parameters
    ----------
    in_features : int
        Size of each input sample (the last dimension of the input).
    out_features : int
        Size of each output sample.
    bias : bool, default True
        Whether to add the learned bias :math:`b`.
    dtype : dtype-like, optional
        Of the parameters; the default dtype (float64) when omitted.

    Attributes
    ----------
    weight : Parameter, shape (out_features, in_features)
    bias : Parameter, shape (out_features,), or None

    Notes
    -----
    Both parameters start uniform on :math:`\pm 1/\sqrt{\text{in\_features}}`, drawn from
    refgrad's seeded generator: the weight through :func:`~refgrad.nn.init.kaiming_uniform_`
    with :math:`a = \sqrt 5`, as PyTorch's ``reset_parameters`` does, which gives that bound.

    Examples
    --------
    >>> import refgrad as rg
    >>> _ = rg.manual_seed(0)
    >>> layer = rg.nn.Linear(3, 2)
    >>> layer
    Linear(in_features=3, out_features=2, bias=True)
    >>> layer(rg.zeros(4, 3)).shape
    (4, 2)
    >>> layer(rg.zeros(4, 5))
    Traceback (most recent call last):
    ...
    refgrad.errors.ShapeError: linear: the input has 5 features ... expects 3
    """

    weight: Parameter
    bias: Parameter | None

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, dtype: DTypeLike | None = None
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        float_dtype = np.dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
        self.weight = Parameter(np.empty((out_features, in_features), dtype=float_dtype))
        self.bias = Parameter(np.empty(out_features, dtype=float_dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw new initial values for the weight and the bias (in that order).

        Examples
        --------
        >>> import refgrad as rg
        >>> layer = rg.nn.Linear(4, 2)
        >>> _ = rg.manual_seed(1)
        >>> layer.reset_parameters()
        >>> first = layer.weight.detach().clone()
        >>> _ = rg.manual_seed(1)
        >>> layer.reset_parameters()
        >>> bool((layer.weight == first).all())
        True
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        """Apply the layer to ``input`` of shape ``(..., in_features)``.

        Examples
        --------
        >>> import refgrad as rg
        >>> layer = rg.nn.Linear(2, 1)
        >>> with rg.no_grad():
        ...     _ = layer.weight.copy_(rg.tensor([[1.0, 2.0]]))
        ...     _ = layer.bias.fill_(0.5)
        >>> layer.forward(rg.tensor([[1.0, 1.0]]))
        tensor([[3.5]], grad_fn=<LinearBackward>)
        """
        return linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        """``in_features``, ``out_features`` and whether there is a bias.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.Linear(2, 3, bias=False).extra_repr()
        'in_features=2, out_features=3, bias=False'
        """
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
