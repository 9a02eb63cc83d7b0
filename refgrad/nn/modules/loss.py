"""Loss functions as modules: ``MSELoss``, ``CrossEntropyLoss`` and ``NLLLoss``.

Each stores its settings (``reduction`` and the like) and calls the function of the same name in
:mod:`refgrad.nn.functional`, where the math lives.
"""

from __future__ import annotations

from refgrad._typing import TensorLike
from refgrad.nn.functional import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from refgrad.nn.modules.module import Module
from refgrad.tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    """Base of the losses: holds and checks ``reduction``."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: {reduction!r} is not a valid value for reduction; "
                "use 'mean', 'sum' or 'none'"
            )
        self.reduction = reduction


class MSELoss(_Loss):
    r"""Mean squared error :math:`\frac1n \sum_i (x_i - t_i)^2`.

    See :func:`~refgrad.nn.functional.mse_loss`.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, default 'mean'
        Average the squared errors, add them up, or return them element by element.

    Examples
    --------
    >>> import refgrad as rg
    >>> loss_fn = rg.nn.MSELoss()
    >>> loss_fn(rg.tensor([1.0, 2.0]), rg.tensor([0.0, 4.0]))
    tensor(2.5)
    >>> rg.nn.MSELoss(reduction="sum")(rg.tensor([1.0, 2.0]), rg.tensor([0.0, 4.0]))
    tensor(5.)
    """

    def forward(self, input: Tensor, target: TensorLike) -> Tensor:
        """Compute the loss of predictions ``input`` against ``target`` of the same shape.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.MSELoss(reduction="none").forward(rg.tensor([1.0, 2.0]), rg.tensor([0.0, 4.0]))
        tensor([1., 4.])
        """
        return mse_loss(input, target, reduction=self.reduction)


class NLLLoss(_Loss):
    """Negative log-likelihood of class indices given log-probabilities.

    See :func:`~refgrad.nn.functional.nll_loss` for the parameters.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.nn.NLLLoss()(rg.tensor([[-0.5, -1.0], [-2.0, -0.1]]), rg.tensor([0, 1]))
    tensor(0.3)
    """

    def __init__(
        self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        super().__init__(reduction)
        self.weight = weight
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: TensorLike) -> Tensor:
        """Compute the loss of log-probabilities ``input`` (N, C) against classes ``target`` (N,).

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.NLLLoss(reduction="sum").forward(rg.tensor([[-1.0, -2.0]]), rg.tensor([1]))
        tensor(2.)
        """
        return nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class CrossEntropyLoss(_Loss):
    r"""Cross-entropy of logits against class indices: :math:`-\log \operatorname{softmax}(z)_y`.

    The usual loss for classification; it takes raw scores (logits), not probabilities. See
    :func:`~refgrad.nn.functional.cross_entropy`.

    Parameters
    ----------
    weight : Tensor, shape (C,), optional
        A weight per class.
    ignore_index : int, default -100
        Targets equal to it contribute nothing.
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Raises
    ------
    TypeError
        (when called) If the targets are floats of a shape that is not the logits' shape:
        class indices must be integers.
    IndexError
        (when called) If a target lies outside ``[0, C)``.

    Examples
    --------
    >>> import refgrad as rg
    >>> loss_fn = rg.nn.CrossEntropyLoss()
    >>> logits = rg.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> round(loss_fn(logits, rg.tensor([0, 1])).item(), 4)
    0.6691
    >>> loss_fn(logits, rg.tensor([0, 3]))
    Traceback (most recent call last):
    ...
    refgrad.errors.TargetError: ...target 3 is out of bounds: ...
    """

    def __init__(
        self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        super().__init__(reduction)
        self.weight = weight
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: TensorLike) -> Tensor:
        """Compute the loss of logits ``input`` (N, C) against class indices ``target`` (N,).

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.CrossEntropyLoss().forward(rg.tensor([[0.0, 0.0]]), rg.tensor([1])).item()
        0.693...
        """
        return cross_entropy(input, target, self.weight, self.ignore_index, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error; see :func:`~refgrad.nn.functional.l1_loss`.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.nn.L1Loss()(rg.tensor([1.0, 2.0]), rg.tensor([0.0, 4.0]))
    tensor(1.5)
    """

    def forward(self, input: Tensor, target: TensorLike) -> Tensor:
        """Compute the loss.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.L1Loss(reduction="sum").forward(rg.tensor([1.0]), rg.tensor([3.0]))
        tensor(2.)
        """
        return l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Huber's loss; see :func:`~refgrad.nn.functional.huber_loss`.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.nn.HuberLoss(delta=2.0)
    HuberLoss()
    >>> rg.nn.HuberLoss()(rg.tensor([3.0]), rg.tensor([0.0]))
    tensor(2.5)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: TensorLike) -> Tensor:
        """Compute the loss.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.HuberLoss().forward(rg.tensor([0.5]), rg.tensor([0.0]))
        tensor(0.125)
        """
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """Huber's loss divided by ``beta``; see :func:`~refgrad.nn.functional.smooth_l1_loss`.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.nn.SmoothL1Loss(beta=0.5)(rg.tensor([3.0]), rg.tensor([0.0]))
    tensor(2.75)
    """

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: TensorLike) -> Tensor:
        """Compute the loss.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.SmoothL1Loss().forward(rg.tensor([0.5]), rg.tensor([0.0]))
        tensor(0.125)
        """
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits.

    See :func:`~refgrad.nn.functional.binary_cross_entropy_with_logits`.

    Examples
    --------
    >>> import refgrad as rg
    >>> loss = rg.nn.BCEWithLogitsLoss(pos_weight=rg.tensor([2.0]))
    >>> round(loss(rg.tensor([0.0]), rg.tensor([1.0])).item(), 6)
    1.386294
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)
        self.weight: Tensor | None
        self.pos_weight: Tensor | None

    def forward(self, input: Tensor, target: TensorLike) -> Tensor:
        """Compute the loss.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.BCEWithLogitsLoss().forward(rg.tensor([1000.0]), rg.tensor([0.0]))
        tensor(1000.)
        """
        return binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )
