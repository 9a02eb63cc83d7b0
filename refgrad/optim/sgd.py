"""``SGD``: stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Callable

from refgrad.grad_mode import no_grad
from refgrad.optim.optimizer import Optimizer, ParamsT
from refgrad.tensor import Tensor


class SGD(Optimizer):
    r"""Stochastic gradient descent, with PyTorch's exact update rule (``torch.optim.SGD``).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        ``model.parameters()``, or parameter groups (see :class:`Optimizer`).
    lr : float, default 1e-3
        The learning rate :math:`\gamma`.
    momentum : float, default 0
        The momentum factor :math:`\mu`.
    dampening : float, default 0
        The dampening :math:`\tau` of the gradient added to the momentum buffer.
    weight_decay : float, default 0
        The L2 penalty :math:`\lambda`.
    nesterov : bool, default False
        Use Nesterov momentum (needs :math:`\mu > 0` and :math:`\tau = 0`).
    maximize : bool, default False
        Ascend: step along the gradient instead of against it.

    Raises
    ------
    ValueError
        For a negative ``lr``, ``momentum`` or ``weight_decay``, for Nesterov without momentum
        or with dampening, and for an empty parameter list.

    Notes
    -----
    For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t`:

    .. math::

        g_t &\leftarrow g_t + \lambda\, \theta_{t-1}
            && \text{if } \lambda \ne 0 \\
        b_t &= \begin{cases} g_t & t = 1 \\ \mu\, b_{t-1} + (1 - \tau)\, g_t & t > 1 \end{cases}
            && \text{if } \mu \ne 0 \\
        g_t &\leftarrow \begin{cases} g_t + \mu\, b_t & \text{Nesterov} \\ b_t & \text{otherwise}
            \end{cases}
            && \text{if } \mu \ne 0 \\
        \theta_t &= \theta_{t-1} - \gamma\, g_t

    The buffer starts as the first gradient itself (not as zero, and without dampening). A
    parameter whose ``.grad`` is None is left alone.

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.tensor([1.0, -2.0], requires_grad=True)
    >>> optimizer = rg.optim.SGD([w], lr=0.1)
    >>> loss = (w * w).sum()
    >>> loss.backward()
    >>> optimizer.step()
    >>> w
    tensor([ 0.8, -1.6], requires_grad=True)
    >>> rg.optim.SGD([w], lr=-0.1)
    Traceback (most recent call last):
    ...
    ValueError: Invalid learning rate: -0.1
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Take one step of the rule in the Notes above for every parameter with a gradient.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.tensor([1.0], requires_grad=True)
        >>> optimizer = rg.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     optimizer.zero_grad()
        ...     (w * w).sum().backward()
        ...     optimizer.step()
        >>> w  # 1 - 0.1·2 = 0.8, then b = 0.9·2 + 1.6 = 3.4 and 0.8 - 0.34
        tensor([0.46], requires_grad=True)
        """
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, mu, tau = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov = group["weight_decay"], group["nesterov"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                g = -param.grad if group.get("maximize", False) else param.grad
                if weight_decay != 0:
                    g = g + weight_decay * param
                if mu != 0:
                    state = self.state.setdefault(param, {})
                    buffer = state.get("momentum_buffer")
                    if buffer is None:
                        # A copy, not the gradient itself: zero_grad(set_to_none=False) would
                        # otherwise wipe the buffer along with the gradient.
                        buffer = state["momentum_buffer"] = g.clone()
                    else:
                        buffer *= mu
                        buffer += (1 - tau) * g
                    g = g + mu * buffer if nesterov else buffer
                param -= lr * g
        return loss
