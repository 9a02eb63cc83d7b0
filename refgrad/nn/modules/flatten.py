"""``Flatten``: turn each sample into a vector, e.g. 8×8 images into 64 features."""

from __future__ import annotations

from refgrad.nn.modules.module import Module
from refgrad.tensor import Tensor


class Flatten(Module):
    """Merge dimensions ``start_dim`` to ``end_dim`` into one (by default all but the batch).

    Parameters
    ----------
    start_dim : int, default 1
    end_dim : int, default -1

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.nn.Flatten()(rg.zeros(32, 8, 8)).shape
    (32, 64)
    >>> rg.nn.Flatten()
    Flatten(start_dim=1, end_dim=-1)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        """Flatten ``input``; see :func:`refgrad.flatten`.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.Flatten(0).forward(rg.zeros(2, 3)).shape
        (6,)
        """
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        """``start_dim`` and ``end_dim``.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.Flatten(0, 1).extra_repr()
        'start_dim=0, end_dim=1'
        """
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
