"""Functions of neural networks: activations, ``linear`` and losses (``torch.nn.functional``).

Import it as PyTorch users do::

    import refgrad.nn.functional as F
"""

from __future__ import annotations

import numpy as np

from refgrad._typing import Array, TensorLike
from refgrad.errors import ShapeError, TargetError
from refgrad.nn._dropout import dropout
from refgrad.nn._regression_losses import (
    binary_cross_entropy_with_logits,
    huber_loss,
    l1_loss,
    smooth_l1_loss,
)
from refgrad.ops._util import constant
from refgrad.ops.elementwise import _floating, relu, sigmoid, tanh, where
from refgrad.ops.linalg import Linear
from refgrad.ops.softmax_family import log_softmax, softmax
from refgrad.ops.unary import Softplus
from refgrad.tensor import Tensor

__all__ = [
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "huber_loss",
    "l1_loss",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "relu",
    "sigmoid",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "tanh",
]

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(op: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    r"""Element-wise :math:`\frac{1}{\beta}\ln(1 + e^{\beta x})`, as PyTorch's ``F.softplus``.

    Where :math:`\beta x` exceeds ``threshold`` the result is ``x`` itself (gradient 1), as in
    PyTorch.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.nn.functional.softplus(rg.tensor([0.0, 30.0]))
    tensor([ 0.69314718, 30.        ])
    """
    scaled = input if beta == 1 else input * beta
    smooth = Softplus.apply(_floating(scaled))
    if beta != 1:
        smooth = smooth / beta
    return where(scaled > threshold, input, smooth)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""Apply the affine map :math:`y = x W^T + b`, PyTorch's layout: ``weight`` is ``(out, in)``.

    Parameters
    ----------
    input : Tensor, shape (..., in_features)
    weight : Tensor, shape (out_features, in_features)
    bias : Tensor, shape (out_features,), optional

    Returns
    -------
    Tensor, shape (..., out_features)

    Notes
    -----
    One op, :class:`~refgrad.ops.linalg.Linear`. With upstream gradient :math:`G` of shape
    ``(N, out)``: :math:`\bar x = G W`, :math:`\bar W = G^T x` and :math:`\bar b = \sum_n G_n`
    (the bias was broadcast over the batch, so its gradient is summed over it).

    Examples
    --------
    >>> import refgrad as rg
    >>> import refgrad.nn.functional as F
    >>> x = rg.tensor([[1.0, 2.0]])
    >>> W = rg.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> F.linear(x, W, rg.tensor([0.0, 0.0, 10.0]))
    tensor([[ 1.,  2., 13.]])
    """
    if input.shape[-1:] != weight.shape[-1:]:
        raise ShapeError(
            f"linear: the input has {input.shape[-1] if input.ndim else 0} features (shape "
            f"{input.shape}) but the weight of shape {weight.shape} expects {weight.shape[-1]}"
        )
    if bias is not None and bias.shape != weight.shape[:1]:
        raise ShapeError(
            f"linear: the bias has shape {bias.shape} but the weight of shape {weight.shape} "
            f"needs one of shape ({weight.shape[0]},)"
        )
    return Linear.apply(input, weight, bias)


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def mse_loss(input: Tensor, target: TensorLike, reduction: str = "mean") -> Tensor:
    r"""Mean squared error :math:`\frac{1}{n}\sum_i (x_i - t_i)^2` (or its sum, or per element).

    Examples
    --------
    >>> import refgrad as rg
    >>> import refgrad.nn.functional as F
    >>> F.mse_loss(rg.tensor([1.0, 2.0]), rg.tensor([0.0, 4.0]))
    tensor(2.5)
    """
    _check_reduction("mse_loss", reduction)
    target_t = constant(target, input)
    if target_t.shape != input.shape:
        raise ShapeError(
            f"mse_loss: input shape {input.shape} and target shape {target_t.shape} differ; "
            "give a target of the input's shape"
        )
    diff = input - target_t
    return _reduce(diff * diff, reduction)


def _class_targets(op: str, input: Tensor, target: TensorLike) -> Array:
    """Check class-index targets and return them as an int64 array."""
    values = target.data if isinstance(target, Tensor) else np.asarray(target)
    if values.dtype.kind not in "iu":
        raise TypeError(
            f"{op}: class targets must be integers (dtype int64), got dtype {values.dtype}. "
            "Give class indices, e.g. rg.tensor([0, 2, 1]); for class probabilities give a "
            "float target of the input's shape to cross_entropy"
        )
    batch_shape = input.shape[:1] + input.shape[2:] if input.ndim >= 2 else ()
    if values.shape != batch_shape:
        raise ShapeError(
            f"{op}: input of shape {input.shape} needs a target of shape {batch_shape}, "
            f"got {values.shape}"
        )
    return values.astype(np.int64, copy=False)


def nll_loss(
    input: Tensor,
    target: TensorLike,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class targets, given log-probabilities ``input``.

    Parameters
    ----------
    input : Tensor, shape (N, C) or (C,)
        Log-probabilities (e.g. from :func:`log_softmax`).
    target : Tensor of int, shape (N,) or ()
        Class indices in ``[0, C)``; entries equal to ``ignore_index`` are skipped.
    weight : Tensor, shape (C,), optional
        A weight per class. The ``'mean'`` reduction divides by the total weight of the
        targets used, as PyTorch does.
    ignore_index : int, default -100
    reduction : {'mean', 'sum', 'none'}

    Examples
    --------
    >>> import refgrad as rg
    >>> import refgrad.nn.functional as F
    >>> F.nll_loss(rg.tensor([[-0.5, -1.0], [-2.0, -0.1]]), rg.tensor([0, 1]))
    tensor(0.3)
    """
    return _nll_loss("nll_loss", input, target, weight, ignore_index, reduction)


def _nll_loss(
    op: str,
    input: Tensor,
    target: TensorLike,
    weight: Tensor | None,
    ignore_index: int,
    reduction: str,
) -> Tensor:
    """``nll_loss``, with errors that name the function the user called (``op``)."""
    _check_reduction(op, reduction)
    if input.ndim not in (1, 2):
        raise ShapeError(f"{op}: input must have shape (N, C) or (C,), got {input.shape}")
    classes = input.shape[-1]
    targets = _class_targets(op, input, target)
    used = targets != ignore_index
    bad = used & ((targets < 0) | (targets >= classes))
    if bad.any():
        raise TargetError(
            f"{op}: target {int(targets[bad].reshape(-1)[0])} is out of bounds: class "
            f"indices must lie in [0, {classes}) for an input with {classes} classes"
        )
    safe = np.where(used, targets, 0)
    picked = input[np.arange(len(safe)), safe] if input.ndim == 2 else input[int(safe)]
    if weight is None and used.all():  # the common case, kept simple: -log p[y], averaged
        return _reduce(-picked, reduction)
    w = np.ones(classes, dtype=input.dtype) if weight is None else weight.data
    sample_weight = Tensor(np.where(used, w[safe], 0).astype(input.dtype))
    losses = -picked * sample_weight
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / Tensor(np.asarray(sample_weight.data.sum(), dtype=input.dtype))


def cross_entropy(
    input: Tensor,
    target: TensorLike,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    r"""Cross-entropy between the softmax of logits and the targets.

    With class-index targets this is :math:`-\log \operatorname{softmax}(z)_y`, computed as
    ``nll_loss(log_softmax(input, 1), target)`` so that it is stable for any logits. A float
    ``target`` of the input's shape is taken as class probabilities, as in PyTorch.

    Parameters
    ----------
    input : Tensor, shape (N, C) or (C,)
        Unnormalised scores (logits).
    target : Tensor, shape (N,) of int, or shape (N, C) of float
        Class indices in ``[0, C)``, or class probabilities.
    weight, ignore_index, reduction
        As in :func:`nll_loss`.

    Notes
    -----
    For the mean over :math:`N` rows, the gradient with respect to the logits is
    :math:`(\operatorname{softmax}(z) - \operatorname{onehot}(y)) / N`.

    Examples
    --------
    >>> import refgrad as rg
    >>> import refgrad.nn.functional as F
    >>> logits = rg.tensor([[1e4, 0.0, -1e4]], requires_grad=True)
    >>> loss = F.cross_entropy(logits, rg.tensor([2]))
    >>> loss
    tensor(20000., grad_fn=<MeanBackward>)
    >>> loss.backward()
    >>> logits.grad
    tensor([[ 1.,  0., -1.]])
    """
    _check_reduction("cross_entropy", reduction)
    if input.ndim not in (1, 2):
        raise ShapeError(f"cross_entropy: input must have shape (N, C) or (C,), got {input.shape}")
    log_p = log_softmax(input, -1)
    target_values = target.data if isinstance(target, Tensor) else np.asarray(target)
    if target_values.dtype.kind == "f" and target_values.shape == input.shape:
        probabilities = constant(target, input)
        if weight is not None:
            probabilities = probabilities * weight
        losses = -(log_p * probabilities).sum(-1)
        return _reduce(losses, reduction)
    return _nll_loss("cross_entropy", log_p, target, weight, ignore_index, reduction)
