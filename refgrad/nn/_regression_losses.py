"""``l1_loss``, ``smooth_l1_loss``, ``huber_loss`` and ``binary_cross_entropy_with_logits``.

Each is written with refgrad's differentiable ops, so gradients of every order come from theirs.
"""

from __future__ import annotations

from refgrad._typing import TensorLike
from refgrad.errors import ShapeError
from refgrad.ops._util import constant
from refgrad.ops.elementwise import where
from refgrad.ops.unary import Softplus
from refgrad.tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _prepare(op: str, input: Tensor, target: TensorLike, reduction: str) -> Tensor:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction")
    target_t = target if isinstance(target, Tensor) else constant(target, input)
    if target_t.shape != input.shape:
        raise ShapeError(
            f"{op}: input shape {input.shape} and target shape {target_t.shape} differ; "
            "give a target of the input's shape"
        )
    return target_t


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def l1_loss(input: Tensor, target: TensorLike, reduction: str = "mean") -> Tensor:
    r"""Mean absolute error :math:`\frac1n\sum_i |x_i - t_i|` (or its sum, or per element).

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.nn.functional.l1_loss(rg.tensor([1.0, 2.0]), rg.tensor([0.0, 4.0]))
    tensor(1.5)
    """
    target_t = _prepare("l1_loss", input, target, reduction)
    return _reduce((input - target_t).abs(), reduction)


def huber_loss(
    input: Tensor, target: TensorLike, reduction: str = "mean", delta: float = 1.0
) -> Tensor:
    r"""Squared error below ``delta``, linear above it (Huber's loss).

    Per element, :math:`\frac12 d^2` if :math:`|d| < \delta`, else
    :math:`\delta(|d| - \frac12\delta)`, with :math:`d = x - t`.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.nn.functional.huber_loss(rg.tensor([0.5, 3.0]), rg.zeros(2), reduction="none")
    tensor([0.125, 2.5  ])
    """
    target_t = _prepare("huber_loss", input, target, reduction)
    if delta <= 0:
        raise RuntimeError(
            f"huber_loss does not support non-positive values for delta, got {delta}"
        )
    d = input - target_t
    a = d.abs()
    return _reduce(where(a.data < delta, 0.5 * d * d, delta * (a - 0.5 * delta)), reduction)


def smooth_l1_loss(
    input: Tensor, target: TensorLike, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    r"""Huber's loss divided by ``beta``; ``beta = 0`` is the L1 loss.

    Per element, :math:`\frac{d^2}{2\beta}` if :math:`|d| < \beta`, else
    :math:`|d| - \frac\beta2`.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.nn.functional.smooth_l1_loss(rg.tensor([0.5, 3.0]), rg.zeros(2), reduction="none")
    tensor([0.125, 2.5  ])
    """
    target_t = _prepare("smooth_l1_loss", input, target, reduction)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    d = input - target_t
    a = d.abs()
    if beta == 0:
        return _reduce(a, reduction)
    return _reduce(where(a.data < beta, 0.5 * d * d / beta, a - 0.5 * beta), reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: TensorLike,
    weight: Tensor | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    r"""Binary cross-entropy of ``sigmoid(input)`` against ``target``, computed stably.

    :math:`-w\,[p\,t \log\sigma(x) + (1 - t)\log(1 - \sigma(x))]` with ``pos_weight`` :math:`p`,
    written as :math:`(1 - t)x + (1 + (p - 1)t)\,\operatorname{softplus}(-x)` with a softplus
    that never overflows (:class:`refgrad.ops.unary.Softplus`), whose gradient is right at
    :math:`x = 0` too (``log(1 + exp(-|x|)) + relu(-x)`` would give 0 there instead of -1/2).

    Examples
    --------
    >>> import refgrad as rg
    >>> F = rg.nn.functional
    >>> round(F.binary_cross_entropy_with_logits(rg.tensor([0.0]), rg.tensor([1.0])).item(), 6)
    0.693147
    >>> F.binary_cross_entropy_with_logits(rg.tensor([1000.0]), rg.tensor([0.0]))
    tensor(1000.)
    """
    target_t = _prepare("binary_cross_entropy_with_logits", input, target, reduction)
    softplus_neg = Softplus.apply(-input)
    if pos_weight is None:
        loss = (1 - target_t) * input + softplus_neg
    else:
        loss = (1 - target_t) * input + (1 + (pos_weight - 1) * target_t) * softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)
