"""Learning-rate schedules (``torch.optim.lr_scheduler``), stepped once per epoch.

Each scheduler changes ``group['lr']`` of its optimizer's parameter groups in place when
:meth:`LRScheduler.step` is called, with PyTorch's recursive formulas (each rate computed from
the previous one), so the rates agree with PyTorch's to the last bit or nearly.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from refgrad.optim.optimizer import Optimizer


class LRScheduler:
    """Base class of the schedulers: ``last_epoch``, ``base_lrs``, ``step()``, ``get_last_lr()``.

    Creating a scheduler takes its first step: ``last_epoch`` becomes 0 and every group's rate
    is the one of epoch 0. A subclass writes :meth:`get_lr`.

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.zeros(1, requires_grad=True)
    >>> scheduler = rg.optim.lr_scheduler.StepLR(rg.optim.SGD([w], lr=1.0), step_size=2)
    >>> scheduler.last_epoch, scheduler.get_last_lr()
    (0, [1.0])
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                    "scheduler with last_epoch >= 0.\nThis typically happens when:\n1. You're "
                    "trying to resume training from a checkpoint but haven't properly loaded "
                    "the optimizer state\n2. You're using a scheduler with a custom last_epoch "
                    "value without first loading the optimizer state"
                )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        """Return each group's rate for epoch ``last_epoch`` (from the current rates); see step().

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.zeros(1, requires_grad=True)
        >>> rg.optim.lr_scheduler.ExponentialLR(rg.optim.SGD([w], lr=1.0), 0.5).get_last_lr()
        [1.0]
        """
        raise NotImplementedError

    def _current(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self) -> None:
        """Advance one epoch and set each group's rate.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.zeros(1, requires_grad=True)
        >>> scheduler = rg.optim.lr_scheduler.ExponentialLR(rg.optim.SGD([w], lr=1.0), 0.5)
        >>> scheduler.step()
        >>> scheduler.get_last_lr()
        [0.5]
        """
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = self._current()

    def get_last_lr(self) -> list[float]:
        """Return the rates set by the last :meth:`step`, one per group.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.zeros(1, requires_grad=True)
        >>> rg.optim.lr_scheduler.StepLR(rg.optim.SGD([w], lr=0.1), 3).get_last_lr()
        [0.1]
        """
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Return the scheduler's state (everything but the optimizer), as PyTorch does.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.zeros(1, requires_grad=True)
        >>> rg.optim.lr_scheduler.StepLR(rg.optim.SGD([w], lr=0.1), 3).state_dict()["last_epoch"]
        0
        """
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from :meth:`state_dict`.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.zeros(1, requires_grad=True)
        >>> a = rg.optim.lr_scheduler.StepLR(rg.optim.SGD([w], lr=0.1), 3)
        >>> a.step()
        >>> b = rg.optim.lr_scheduler.StepLR(rg.optim.SGD([w], lr=0.1), 3)
        >>> b.load_state_dict(a.state_dict())
        >>> b.last_epoch
        1
        """
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs.

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.zeros(1, requires_grad=True)
    >>> scheduler = rg.optim.lr_scheduler.StepLR(rg.optim.SGD([w], lr=1.0), 2, gamma=0.5)
    >>> rates = []
    >>> for _ in range(5):
    ...     rates.append(scheduler.get_last_lr()[0])
    ...     scheduler.step()
    >>> rates
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Return the rates of epoch ``last_epoch``.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.zeros(1, requires_grad=True)
        >>> rg.optim.lr_scheduler.StepLR(rg.optim.SGD([w], lr=1.0), 1).get_last_lr()
        [1.0]
        """
        if self._is_initial or self.last_epoch % self.step_size != 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class MultiStepLR(LRScheduler):
    """Multiply the rate by ``gamma`` at each epoch listed in ``milestones``.

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.zeros(1, requires_grad=True)
    >>> optimizer = rg.optim.SGD([w], lr=1.0)
    >>> scheduler = rg.optim.lr_scheduler.MultiStepLR(optimizer, [1, 3], gamma=0.5)
    >>> for _ in range(3):
    ...     scheduler.step()
    >>> scheduler.get_last_lr()
    [0.25]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Return the rates of epoch ``last_epoch``.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.zeros(1, requires_grad=True)
        >>> rg.optim.lr_scheduler.MultiStepLR(rg.optim.SGD([w], lr=1.0), [2]).get_lr()
        [1.0]
        """
        if self.last_epoch not in self.milestones:
            return self._current()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._current()]


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every epoch.

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.zeros(1, requires_grad=True)
    >>> scheduler = rg.optim.lr_scheduler.ExponentialLR(rg.optim.SGD([w], lr=1.0), 0.5)
    >>> scheduler.step(); scheduler.step()
    >>> scheduler.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Return the rates of epoch ``last_epoch``.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.zeros(1, requires_grad=True)
        >>> rg.optim.lr_scheduler.ExponentialLR(rg.optim.SGD([w], lr=2.0), 0.5).get_last_lr()
        [2.0]
        """
        if self._is_initial:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


class CosineAnnealingLR(LRScheduler):
    r"""Anneal the rate from its initial value to ``eta_min`` along a cosine over ``T_max`` epochs.

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.zeros(1, requires_grad=True)
    >>> scheduler = rg.optim.lr_scheduler.CosineAnnealingLR(rg.optim.SGD([w], lr=1.0), T_max=2)
    >>> scheduler.step()
    >>> [round(lr, 12) for lr in scheduler.get_last_lr()]
    [0.5]
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Return the rates of epoch ``last_epoch`` (PyTorch's recursive form).

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.zeros(1, requires_grad=True)
        >>> rg.optim.lr_scheduler.CosineAnnealingLR(rg.optim.SGD([w], lr=1.0), 4).get_last_lr()
        [1.0]
        """
        t, period, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current()
        if self._step_count == 1 and t > 0:
            return [
                low + (base - low) * (1 + math.cos(t * math.pi / period)) / 2
                for base in self.base_lrs
            ]
        if (t - 1 - period) % (2 * period) == 0:
            return [
                lr + (base - low) * (1 - math.cos(math.pi / period)) / 2
                for base, lr in zip(self.base_lrs, self._current(), strict=True)
            ]
        return [
            (1 + math.cos(math.pi * t / period))
            / (1 + math.cos(math.pi * (t - 1) / period))
            * (lr - low)
            + low
            for lr in self._current()
        ]


class LambdaLR(LRScheduler):
    """Set the rate to the initial rate times ``lr_lambda(epoch)`` (one function or one per group).

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.zeros(1, requires_grad=True)
    >>> optimizer = rg.optim.SGD([w], lr=1.0)
    >>> scheduler = rg.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: 1 / (epoch + 1))
    >>> scheduler.step(); scheduler.step()
    >>> scheduler.get_last_lr()
    [0.3333333333333333]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, list | tuple):
            if len(lr_lambda) != groups:
                raise ValueError(f"Expected {groups} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * groups
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Return the rates of epoch ``last_epoch``.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.zeros(1, requires_grad=True)
        >>> rg.optim.lr_scheduler.LambdaLR(rg.optim.SGD([w], lr=2.0), lambda e: 0.5).get_lr()
        [1.0]
        """
        return [
            base * fn(self.last_epoch)
            for base, fn in zip(self.base_lrs, self.lr_lambdas, strict=True)
        ]

    def state_dict(self) -> dict[str, Any]:
        """Return the state without the functions (they cannot be saved), as PyTorch does.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.zeros(1, requires_grad=True)
        >>> s = rg.optim.lr_scheduler.LambdaLR(rg.optim.SGD([w], lr=2.0), lambda e: 1.0)
        >>> s.state_dict()["lr_lambdas"]
        [None]
        """
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None] * len(self.lr_lambdas)
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from :meth:`state_dict`, keeping this scheduler's functions.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.zeros(1, requires_grad=True)
        >>> s = rg.optim.lr_scheduler.LambdaLR(rg.optim.SGD([w], lr=2.0), lambda e: 1.0)
        >>> s.load_state_dict({"last_epoch": 4, "lr_lambdas": [None]})
        >>> s.last_epoch
        4
        """
        state = {k: v for k, v in state_dict.items() if k != "lr_lambdas"}
        self.__dict__.update(state)


class ReduceLROnPlateau:
    """Multiply the rate by ``factor`` when a metric has stopped improving for ``patience`` epochs.

    Parameters
    ----------
    optimizer : Optimizer
        Whose groups' rates to lower.
    mode : {'min', 'max'}, default 'min'
        Whether the metric should fall or rise.
    factor : float, default 0.1
        The multiplier, below 1.
    patience : int, default 10
        Epochs without improvement tolerated before lowering the rate.
    threshold : float, default 1e-4
        How much better a value must be to count as an improvement.
    threshold_mode : {'rel', 'abs'}, default 'rel'
        Whether ``threshold`` is relative to the best value or absolute.
    cooldown : int, default 0
        Epochs to wait after a reduction before counting bad epochs again.
    min_lr : float or list of float, default 0
        The lowest rate of each group.
    eps : float, default 1e-8
        A reduction smaller than this is skipped.

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.zeros(1, requires_grad=True)
    >>> scheduler = rg.optim.lr_scheduler.ReduceLROnPlateau(rg.optim.SGD([w], lr=1.0), patience=1)
    >>> for loss in [1.0, 1.0, 1.0]:
    ...     scheduler.step(loss)
    >>> scheduler.get_last_lr()
    [0.1]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        if mode not in ("min", "max"):
            raise ValueError("mode " + mode + " is unknown!")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError("threshold mode " + threshold_mode + " is unknown!")
        groups = len(optimizer.param_groups)
        if isinstance(min_lr, list | tuple):
            if len(min_lr) != groups:
                raise ValueError(f"expected {groups} min_lrs, got {len(min_lr)}")
            self.min_lrs = list(min_lr)
        else:
            self.min_lrs = [min_lr] * groups
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.cooldown_counter = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def _is_better(self, value: float) -> bool:
        if self.mode == "min":
            bound = (
                self.best * (1.0 - self.threshold)
                if self.threshold_mode == "rel"
                else self.best - self.threshold
            )
            return value < bound
        bound = (
            self.best * (self.threshold + 1.0)
            if self.threshold_mode == "rel"
            else self.best + self.threshold
        )
        return value > bound

    def step(self, metrics: float) -> None:
        """Record this epoch's metric and lower the rates if it has plateaued.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.zeros(1, requires_grad=True)
        >>> s = rg.optim.lr_scheduler.ReduceLROnPlateau(rg.optim.SGD([w], lr=1.0), patience=0)
        >>> s.step(2.0); s.step(3.0)
        >>> s.get_last_lr()
        [0.1]
        """
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, low in zip(self.optimizer.param_groups, self.min_lrs, strict=True):
                old = float(group["lr"])
                new = max(old * self.factor, low)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """Return the rates after the last :meth:`step`.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.zeros(1, requires_grad=True)
        >>> rg.optim.lr_scheduler.ReduceLROnPlateau(rg.optim.SGD([w], lr=0.5)).get_last_lr()
        [0.5]
        """
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Return the scheduler's state (everything but the optimizer).

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.zeros(1, requires_grad=True)
        >>> rg.optim.lr_scheduler.ReduceLROnPlateau(rg.optim.SGD([w])).state_dict()["best"]
        inf
        """
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from :meth:`state_dict`.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.zeros(1, requires_grad=True)
        >>> s = rg.optim.lr_scheduler.ReduceLROnPlateau(rg.optim.SGD([w]))
        >>> s.load_state_dict({"best": 0.5})
        >>> s.best
        0.5
        """
        self.__dict__.update(state_dict)
