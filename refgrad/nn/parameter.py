"""``Parameter``: the tensor type that marks a value a model learns.

A :class:`~refgrad.nn.Module` finds its parameters by type: every attribute holding a
``Parameter`` is registered, a plain :class:`~refgrad.Tensor` is not. That one distinction is how
``model.parameters()`` knows what to hand to an optimizer.
"""

from __future__ import annotations

import numpy as np

from refgrad import dtypes
from refgrad._typing import Array
from refgrad.tensor import Tensor


class Parameter(Tensor):
    """A tensor that modules register, requiring grad by default (``torch.nn.Parameter``).

    Parameters
    ----------
    data : Tensor or numpy.ndarray, optional
        The initial values, shared rather than copied (as in PyTorch). An empty float tensor
        of the default dtype when omitted.
    requires_grad : bool, default True

    Raises
    ------
    RuntimeError
        If ``requires_grad`` is True and ``data`` is not floating point.

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.nn.Parameter(rg.zeros(2))
    >>> w
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
    >>> isinstance(w, rg.Tensor), w.is_leaf
    (True, True)
    """

    # Tensor uses __slots__; an empty tuple here keeps Parameter free of a per-instance __dict__.
    __slots__ = ()

    def __init__(self, data: Tensor | Array | None = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.empty(0, dtype=dtypes.get_default_dtype())
        elif isinstance(data, Tensor):
            array = data.data
        else:
            array = np.asarray(data)
        super().__init__(array, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
