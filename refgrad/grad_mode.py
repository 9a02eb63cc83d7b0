"""Switching the recording of the graph on and off (``no_grad``, ``enable_grad``).

While recording is off, operations still compute their values but build no graph: nothing is
saved for backward and results do not require grad. That is what evaluation and optimizer
updates want. The flag is a module-level global (PyTorch's is per thread); refgrad is
single-threaded by design.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Generator
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
    """Base of the context managers: set the flag on entry, restore the old value on exit.

    Each also decorates a function, with or without parentheses (``@rg.no_grad`` and
    ``@rg.no_grad()``). A decorated generator function runs with the mode set each time it
    resumes, and the caller's mode is back while it is suspended, as in PyTorch.
    """

    _mode: bool

    def __new__(cls, func: Any = None, *args: Any, **kwargs: Any) -> Any:
        if callable(func):  # used as `@no_grad`, without parentheses
            return cls()(func)
        return super().__new__(cls)

    def __init__(self, func: Any = None) -> None:
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

    def _fresh(self) -> _GradModeContext:
        """A new context with the same settings, for one call of a decorated function."""
        return self.__class__()

    def __call__(self, func: F) -> F:
        """Use the context manager as a decorator."""
        if inspect.isgeneratorfunction(func):
            return _wrap_generator(self._fresh, func)  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _wrap_generator(context: Callable[[], Any], func: Callable[..., Any]) -> Callable[..., Any]:
    """Run each step of the generator inside a fresh ``context()``, the caller's mode outside."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        generator = func(*args, **kwargs)
        try:
            with context():
                request = next(generator)
            while True:
                try:
                    sent = yield request
                except GeneratorExit:
                    with context():
                        generator.close()
                    raise
                except BaseException as error:  # thrown in by the caller: pass it on
                    with context():
                        request = generator.throw(error)
                else:
                    with context():
                        request = generator.send(sent)
        except StopIteration as stop:  # the generator finished: pass on its return value
            return stop.value

    return wrapper


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
        if inspect.isgeneratorfunction(func):
            return _wrap_generator(lambda: set_grad_enabled(mode), func)  # type: ignore[return-value]

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


_inference = False


def is_inference_mode_enabled() -> bool:
    """Return True inside :class:`inference_mode`.

    Examples
    --------
    >>> import refgrad as rg
    >>> with rg.inference_mode():
    ...     rg.is_inference_mode_enabled()
    True
    """
    return _inference


class inference_mode(_GradModeContext):  # noqa: N801 - PyTorch's name
    """Context manager (and decorator) for running a model without any graph: evaluation.

    In refgrad it is :class:`no_grad` that also reports :func:`is_inference_mode_enabled`.
    PyTorch additionally marks the tensors made inside as *inference tensors*, which it then
    refuses to save for backward; refgrad does not mark them (its no-graph path is already
    as cheap as it gets), so code that is correct under PyTorch runs the same here.

    Parameters
    ----------
    mode : bool, default True
        False makes it do nothing (so ``inference_mode(flag)`` can be switched by a flag).

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> with rg.inference_mode():
    ...     y = w * 2
    >>> y.requires_grad
    False
    >>> @rg.inference_mode
    ... def predict(x):
    ...     return (x * w).sum()
    >>> predict(rg.tensor([1.0, 1.0])).requires_grad
    False
    """

    def __init__(self, mode: Any = True) -> None:
        super().__init__()
        self._active = True if callable(mode) else bool(mode)
        self._previous_inference = False

    def _fresh(self) -> _GradModeContext:
        return inference_mode(self._active)

    def __enter__(self) -> None:
        global _enabled, _inference
        self._previous, self._previous_inference = _enabled, _inference
        if self._active:
            _enabled, _inference = False, True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        global _enabled, _inference
        _enabled, _inference = self._previous, self._previous_inference
