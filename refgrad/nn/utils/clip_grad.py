"""Gradient clipping, as ``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_`` do it."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from refgrad.tensor import Tensor


def _as_list(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale the gradients in place so that their joint norm is at most ``max_norm``.

    The norm is taken over all gradients together, as if concatenated into one vector. Each
    gradient is multiplied by ``min(1, max_norm / (total_norm + 1e-6))``.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Those whose ``.grad`` to clip (the ones without a gradient are skipped).
    max_norm : float
        The largest norm allowed.
    norm_type : float, default 2.0
        The p of the p-norm; ``float('inf')`` for the largest absolute value.
    error_if_nonfinite : bool, default False
        Raise if the total norm is NaN or infinite.

    Returns
    -------
    Tensor
        The total norm before clipping (0-d).

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.tensor([3.0, 4.0], requires_grad=True)
    >>> (w * w).sum().backward()
    >>> rg.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    tensor(10.)
    >>> round(float((w.grad * w.grad).sum().sqrt()), 4)
    1.0
    """
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return Tensor(np.asarray(0.0))
    norm_type = float(norm_type)
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(g.data), initial=0.0)) for g in grads)
    else:
        parts = [np.sum(np.abs(g.data.astype(np.float64)) ** norm_type) for g in grads]
        total = float(np.sum(parts)) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    coefficient = min(max_norm / (total + 1e-6), 1.0) if math.isfinite(total) else math.nan
    for g in grads:
        with np.errstate(invalid="ignore"):
            g.data *= np.asarray(coefficient, dtype=g.dtype)
    return Tensor(np.asarray(total, dtype=grads[0].dtype))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient entry in place to ``[-clip_value, clip_value]``.

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.tensor([3.0, -4.0], requires_grad=True)
    >>> (w * w).sum().backward()
    >>> rg.nn.utils.clip_grad_value_(w, 1.5)
    >>> w.grad
    tensor([ 1.5, -1.5])
    """
    for p in _as_list(parameters):
        if p.grad is not None:
            np.clip(p.grad.data, -clip_value, clip_value, out=p.grad.data)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Concatenate the parameters, flattened, into one 1-D tensor (differentiable).

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.nn.utils.parameters_to_vector([rg.ones(2, 2), rg.zeros(1)])
    tensor([1., 1., 1., 1., 0.])
    """
    from refgrad import cat  # refgrad's top level imports nn, so not at module level

    return cat([p.reshape(-1) for p in parameters])
