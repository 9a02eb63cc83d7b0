"""Activation layers: the functions of :mod:`refgrad.nn.functional` as modules.

They hold no parameters; they exist so that an activation can sit in a
:class:`~refgrad.nn.Sequential` between two layers.
"""

from __future__ import annotations

from refgrad.nn.functional import relu, sigmoid, tanh
from refgrad.nn.modules.module import Module
from refgrad.tensor import Tensor


class ReLU(Module):
    r""":math:`\max(x, 0)` element-wise.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.nn.ReLU()(rg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply :func:`refgrad.nn.functional.relu`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.ReLU().forward(rg.tensor([-3.0, 0.5]))
        tensor([0. , 0.5])
        """
        return relu(input)


class Sigmoid(Module):
    """The logistic function :math:`1 / (1 + e^{-x})` element-wise.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.nn.Sigmoid()(rg.tensor([0.0]))
    tensor([0.5])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply :func:`refgrad.nn.functional.sigmoid`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.Sigmoid().forward(rg.tensor(0.0))
        tensor(0.5)
        """
        return sigmoid(input)


class Tanh(Module):
    """The hyperbolic tangent element-wise.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.nn.Tanh()(rg.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply :func:`refgrad.nn.functional.tanh`.

        Examples
        --------
        >>> import refgrad as rg
        >>> float(rg.nn.Tanh().forward(rg.tensor(100.0)))
        1.0
        """
        return tanh(input)
