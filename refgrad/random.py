"""Seeded random numbers: one global generator, and ``Generator`` objects for local streams.

refgrad draws from NumPy's PCG64 generator. ``rg.manual_seed(0)`` makes every later draw
reproducible, as ``torch.manual_seed`` does; the numbers differ from PyTorch's (a different
algorithm), so code that must match PyTorch bit for bit should copy weights across instead.
"""

from __future__ import annotations

import numpy as np


class Generator:
    """A source of random numbers with its own state (like ``torch.Generator``).

    Parameters
    ----------
    seed : int, optional
        Initial seed; without one the generator is seeded from the operating system.

    Examples
    --------
    >>> import refgrad as rg
    >>> g = rg.Generator().manual_seed(3)
    >>> a = rg.randn(2, generator=g)
    >>> b = rg.randn(2, generator=rg.Generator().manual_seed(3))
    >>> bool((a == b).all())
    True
    """

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed
        self.numpy = np.random.default_rng(seed)

    def manual_seed(self, seed: int) -> Generator:
        """Reset the state from ``seed`` and return the generator.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.Generator().manual_seed(0).initial_seed()
        0
        """
        self._seed = int(seed)
        self.numpy = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int | None:
        """Return the seed last given, or None if seeded from the operating system.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.Generator(7).initial_seed()
        7
        """
        return self._seed

    def get_state(self) -> dict[str, object]:
        """Return the generator's state, to restore later with :meth:`set_state`.

        Examples
        --------
        >>> import refgrad as rg
        >>> g = rg.Generator(1)
        >>> state = g.get_state()
        >>> first = rg.randn(3, generator=g)
        >>> g.set_state(state)
        >>> bool((rg.randn(3, generator=g) == first).all())
        True
        """
        return dict(self.numpy.bit_generator.state)

    def set_state(self, state: dict[str, object]) -> None:
        """Restore a state returned by :meth:`get_state`.

        Examples
        --------
        See :meth:`get_state`.
        """
        self.numpy.bit_generator.state = state


default_generator = Generator(0)


def manual_seed(seed: int) -> Generator:
    """Seed the global generator, so that later draws repeat exactly; return it.

    Examples
    --------
    >>> import refgrad as rg
    >>> _ = rg.manual_seed(0)
    >>> a = rg.randn(3)
    >>> _ = rg.manual_seed(0)
    >>> bool((rg.randn(3) == a).all())
    True
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the global generator from the operating system's entropy and return the seed.

    Examples
    --------
    >>> import refgrad as rg
    >>> isinstance(rg.seed(), int)
    True
    """
    value = int(np.random.SeedSequence().entropy % (2**63))  # type: ignore[operator]
    default_generator.manual_seed(value)
    return value


def get_generator(generator: Generator | None) -> np.random.Generator:
    """Return the NumPy generator behind ``generator``, or behind the global one.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.random import get_generator
    >>> get_generator(rg.Generator(0)).integers(10) == get_generator(rg.Generator(0)).integers(10)
    np.True_
    """
    return (generator or default_generator).numpy
