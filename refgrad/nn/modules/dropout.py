"""``Dropout``: the module form of :func:`refgrad.nn.functional.dropout`, off in ``eval()``."""

from __future__ import annotations

from refgrad.nn._dropout import _check_p, dropout
from refgrad.nn.modules.module import Module
from refgrad.tensor import Tensor


class Dropout(Module):
    """In training mode, zero each entry with probability ``p`` and scale the rest by 1/(1-p).

    Parameters
    ----------
    p : float, default 0.5
        The probability of zeroing an entry.
    inplace : bool, default False
        Write the result into the input.

    Examples
    --------
    >>> import refgrad as rg
    >>> layer = rg.nn.Dropout(p=0.5)
    >>> layer
    Dropout(p=0.5, inplace=False)
    >>> layer.eval()(rg.ones(3))  # evaluation mode: the identity
    tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        _check_p("Dropout", p)
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply :func:`refgrad.nn.functional.dropout` with ``training=self.training``.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.Dropout(p=0.0)(rg.ones(2))
        tensor([1., 1.])
        """
        return dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        """Show ``p`` and ``inplace`` as PyTorch does.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.Dropout(0.1).extra_repr()
        'p=0.1, inplace=False'
        """
        return f"p={self.p}, inplace={self.inplace}"
