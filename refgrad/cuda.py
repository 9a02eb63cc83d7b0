"""``torch.cuda`` as seen from a CPU-only library: nothing is available.

Code that asks ``torch.cuda.is_available()`` before choosing a device runs unchanged and picks
the CPU. Seeding CUDA is a no-op, as in PyTorch on a machine without a GPU.
"""

from __future__ import annotations


def is_available() -> bool:
    """Return False: refgrad has no GPU backend.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.cuda.is_available()
    False
    """
    return False


def device_count() -> int:
    """Return 0, the number of GPUs refgrad can use.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.cuda.device_count()
    0
    """
    return 0


def manual_seed(seed: int) -> None:
    """Do nothing: there is no GPU generator to seed (use :func:`refgrad.manual_seed`).

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.cuda.manual_seed(0)
    """


def manual_seed_all(seed: int) -> None:
    """Do nothing, as :func:`manual_seed`.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.cuda.manual_seed_all(0)
    """
