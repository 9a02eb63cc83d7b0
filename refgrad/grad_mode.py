"""Switching the recording of the graph on and off (``no_grad``, ``enable_grad``).

While recording is off, operations still compute their values but build no graph: nothing is
saved for backward and results do not require grad. That is what evaluation and optimizer
updates want. The flag is a module-level global (PyTorch's is per thread); refgrad is
single-threaded by design.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

_enabled = True

F = TypeVar("F", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """Return True if operations are currently recorded for backward.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.is_grad_enabled()
    True
    >>> with rg.no_grad():
    ...     rg.is_grad_enabled()
    False
    """
    return _enabled


class _GradModeContext:
    """Base of the context managers: set the flag on entry, restore the old value on exit."""

    _mode: bool

    def __init__(self) -> None:
        self._previous = True

    def __enter__(self) -> None:
        global _enabled
        self._previous = _enabled
        _enabled = self._mode

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        global _enabled
        _enabled = self._previous

    def __call__(self, func: F) -> F:
        """Use the context manager as a decorator."""

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Context manager (and decorator) that turns off graph recording.

    Use it for evaluation and for updating parameters by hand.

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> with rg.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    >>> @rg.no_grad()
    ... def evaluate(x):
    ...     return (x * w).sum()
    >>> evaluate(rg.tensor([1.0, 1.0])).requires_grad
    False
    """

    _mode = False


class enable_grad(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Context manager (and decorator) that turns graph recording back on inside ``no_grad``.

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.tensor(3.0, requires_grad=True)
    >>> with rg.no_grad():
    ...     with rg.enable_grad():
    ...         y = w * w
    >>> y.requires_grad
    True
    """

    _mode = True


class set_grad_enabled:  # noqa: N801 - PyTorch's name
    """Set graph recording on or off, as a function call, a context manager or a decorator.

    Parameters
    ----------
    mode : bool
        True to record operations, False not to.

    Examples
    --------
    >>> import refgrad as rg
    >>> with rg.set_grad_enabled(False):
    ...     rg.is_grad_enabled()
    False
    >>> rg.is_grad_enabled()
    True
    >>> @rg.set_grad_enabled(False)
    ... def recording():
    ...     return rg.is_grad_enabled()
    >>> recording(), rg.is_grad_enabled()
    (False, True)
    """

    def __init__(self, mode: bool) -> None:
        global _enabled
        self._previous = _enabled
        self._mode = bool(mode)
        _enabled = self._mode

    def __enter__(self) -> None:
        global _enabled
        _enabled = self._mode

    def __call__(self, func: F) -> F:
        """Use it as a decorator: the mode holds inside each call, not from the decoration on."""
        global _enabled
        _enabled = self._previous  # undo the switch that __init__ made
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        global _enabled
        _enabled = self._previous
