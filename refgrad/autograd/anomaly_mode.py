"""Anomaly detection: find the op that first produced a NaN or an infinity.

A diverging model usually shows up as ``loss = nan`` many ops after the real culprit (a
``log(0)``, an overflowing ``exp``, a division by a vanishing norm). Inside
:func:`detect_anomaly`, every op checks its result in forward, and every backward rule checks
the gradients it returns; the first non-finite value raises :class:`AnomalyError` naming the op,
its input shapes, and the line of *your* code that created the op. It costs a check per op, so
it is for debugging, not for training runs.
"""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

import numpy as np

from refgrad.autograd import engine, function
from refgrad.autograd.node import Node
from refgrad.tensor import Tensor

_enabled = False
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

F = TypeVar("F", bound=Callable[..., Any])


class AnomalyError(RuntimeError):
    """A NaN or infinity was produced by an op while anomaly detection was on.

    Examples
    --------
    >>> import refgrad as rg
    >>> issubclass(rg.autograd.AnomalyError, RuntimeError)
    True
    """


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.autograd.is_anomaly_enabled()
    False
    """
    return _enabled


def set_detect_anomaly(mode: bool) -> None:
    """Turn anomaly detection on or off globally (prefer the :func:`detect_anomaly` context).

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.autograd.set_detect_anomaly(True)
    >>> rg.autograd.is_anomaly_enabled()
    True
    >>> rg.autograd.set_detect_anomaly(False)
    """
    _set(bool(mode))


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Context manager (and decorator) that makes the first NaN or infinity raise.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 0.0], requires_grad=True)
    >>> with rg.autograd.detect_anomaly():
    ...     y = x.log()
    Traceback (most recent call last):
    ...
    refgrad.autograd.anomaly_mode.AnomalyError: Log produced -inf in forward ...
    """

    def __init__(self, check_nan: bool = True) -> None:
        self._mode = check_nan
        self._previous = False

    def __enter__(self) -> None:
        self._previous = _enabled
        _set(self._mode)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _set(self._previous)

    def __call__(self, func: F) -> F:
        """Use it as a decorator."""

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(self._mode):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def user_frame() -> str:
    """Where in the user's code (the innermost frame outside refgrad) the current op was called.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.anomaly_mode import user_frame
    >>> 'line' in user_frame()
    True
    """
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR):
            code = f": {frame.line.strip()}" if frame.line else ""
            return f"{frame.filename}, line {frame.lineno}, in {frame.name}{code}"
    return "(unknown location)"


def describe_non_finite(values: np.ndarray[Any, Any]) -> str | None:
    """``'nan'``, ``'inf'`` or ``'-inf'`` for the first non-finite value, or None if all finite.

    Examples
    --------
    >>> import refgrad as rg
    >>> import numpy as np
    >>> from refgrad.autograd.anomaly_mode import describe_non_finite
    >>> describe_non_finite(np.array([1.0, -np.inf])), describe_non_finite(np.array([1.0]))
    ('-inf', None)
    """
    if values.dtype.kind != "f" or np.isfinite(values).all():
        return None
    bad = values[~np.isfinite(values)].reshape(-1)[0]
    return "nan" if np.isnan(bad) else ("inf" if bad > 0 else "-inf")


def _set(mode: bool) -> None:
    """Switch anomaly detection, plugging its two checks into the kernel or unplugging them."""
    global _enabled
    _enabled = mode
    plugged = check_forward in function.after_forward
    if mode and not plugged:
        function.after_forward.append(check_forward)
    elif not mode and plugged:
        function.after_forward.remove(check_forward)
    engine.rule_runner = checked_backward if mode else None


def check_forward(
    cls: type[function.Function],
    ctx: function.BackwardNode,
    args: tuple[Any, ...],
    outputs: tuple[Tensor, ...],
) -> None:
    """After an op's forward: raise if it made a NaN or infinity; remember where it was called.

    Examples
    --------
    See :class:`detect_anomaly`, which plugs it into the kernel.
    """
    ctx.creation_site = user_frame()
    name = cls.__name__
    for output in outputs:
        problem = describe_non_finite(output.data)
        if problem is None:
            continue
        shapes = ", ".join(str(a.shape) for a in args if isinstance(a, Tensor))
        inputs_ok = all(describe_non_finite(a.data) is None for a in args if isinstance(a, Tensor))
        raise AnomalyError(
            f"{name} produced {problem} in forward (input shapes {shapes}; the inputs were "
            f"{'all finite' if inputs_ok else 'already non-finite'}). The op was called at "
            f"{ctx.creation_site}"
        )


def checked_backward(node: Node, grads: list[Tensor | None]) -> tuple[Tensor | None, ...]:
    """Run a backward rule, then raise if it returned a NaN or an infinity.

    The ops inside the rule are not checked one by one (that would blame ``Div`` for what
    ``SqrtBackward`` did): the rule's results are checked as a whole and blamed on the node.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([0.0, 1.0], requires_grad=True)
    >>> y = x.sqrt().sum()             # finite in forward; d sqrt(x)/dx is inf at 0
    >>> with rg.autograd.detect_anomaly():
    ...     y.backward()
    Traceback (most recent call last):
    ...
    refgrad.autograd.anomaly_mode.AnomalyError: SqrtBackward returned inf in its gradient ...
    """
    function.after_forward.remove(check_forward)
    try:
        input_grads: tuple[Tensor | None, ...] = node.apply_backward(*grads)
    finally:
        function.after_forward.append(check_forward)
    for index, input_grad in enumerate(input_grads):
        if input_grad is None:
            continue
        problem = describe_non_finite(input_grad.data)
        if problem is not None:
            site = getattr(node, "creation_site", "(created before anomaly detection was on)")
            raise AnomalyError(
                f"{node.name()} returned {problem} in its gradient for input {index} (shape "
                f"{input_grad.shape}). The op was called at {site}"
            )
    return input_grads
