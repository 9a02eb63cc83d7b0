"""``dropout``: zero random entries during training and rescale the rest (``F.dropout``).

The mask is drawn from refgrad's global generator, so ``rg.manual_seed`` makes it repeat; the
masks differ from PyTorch's (another random algorithm). The op is a product with a constant
mask, so its gradients (of every order) are those of a multiplication.
"""

from __future__ import annotations

import numpy as np

from refgrad import dtypes
from refgrad.random import get_generator
from refgrad.tensor import Tensor


def _check_p(op: str, p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    r"""Zero each entry with probability ``p`` and scale the rest by :math:`1 / (1 - p)`.

    Parameters
    ----------
    input : Tensor
        A floating-point tensor.
    p : float, default 0.5
        The probability that an entry is zeroed, in :math:`[0, 1]`; ``p = 1`` gives zeros.
    training : bool, default True
        If False, return ``input`` unchanged (evaluation mode).
    inplace : bool, default False
        Write the result into ``input``.

    Examples
    --------
    >>> import refgrad as rg
    >>> _ = rg.manual_seed(0)
    >>> y = rg.nn.functional.dropout(rg.ones(1000), p=0.25)
    >>> sorted(set(y.tolist()))  # the survivors are scaled by 1 / (1 - 0.25)
    [0.0, 1.3333333333333333]
    >>> rg.nn.functional.dropout(rg.ones(3), p=0.25, training=False)
    tensor([1., 1., 1.])
    """
    _check_p("dropout", p)
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout(): input must be a Tensor, got {type(input).__name__}")
    if not training or p == 0.0:
        return input
    if not dtypes.is_floating_point(input.dtype):
        raise RuntimeError(f"dropout: expected a floating-point input, got {input.dtype}")
    keep = get_generator(None).random(input.shape) >= p
    # p = 1 keeps nothing: the scale is then 0, not 1 / 0 (PyTorch gives zeros, not NaNs).
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    mask = Tensor(np.where(keep, scale, 0.0).astype(input.dtype))
    return input.mul_(mask) if inplace else input * mask
