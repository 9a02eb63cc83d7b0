"""``Adam``: gradient steps scaled by running estimates of the gradient's mean and spread."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from refgrad.creation import zeros_like
from refgrad.grad_mode import no_grad
from refgrad.optim.optimizer import Optimizer, ParamsT
from refgrad.tensor import Tensor, tensor


class Adam(Optimizer):
    r"""Adam, with PyTorch's exact update rule (``torch.optim.Adam``).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        ``model.parameters()``, or parameter groups (see :class:`Optimizer`).
    lr : float, default 1e-3
        The learning rate :math:`\gamma`.
    betas : (float, float), default (0.9, 0.999)
        The decay rates :math:`\beta_1, \beta_2` of the two running averages.
    eps : float, default 1e-8
        Added to the denominator so that it is never zero.
    weight_decay : float, default 0
        The L2 penalty :math:`\lambda`, added to the gradient (Adam's original form, not AdamW).
    amsgrad : bool, default False
        Divide by the largest :math:`v` seen so far (state ``max_exp_avg_sq``) instead of by
        the current one.
    maximize : bool, default False
        Ascend: step along the gradient instead of against it.
    decoupled_weight_decay : bool, default False
        Shrink the parameter by :math:`1 - \gamma\lambda` before the step instead of adding
        :math:`\lambda\theta` to the gradient (what :class:`AdamW` does).

    Raises
    ------
    ValueError
        For a negative ``lr``, ``eps`` or ``weight_decay``, a beta outside :math:`[0, 1)`, or
        an empty parameter list.

    Notes
    -----
    For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t = 1, 2, \dots`,
    starting from :math:`m_0 = v_0 = 0`:

    .. math::

        g_t &\leftarrow g_t + \lambda\, \theta_{t-1} && \text{if } \lambda \ne 0 \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 \\
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t} \cdot
            \frac{m_t}{\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    :math:`m_t` and :math:`v_t` start at zero, which biases them towards zero early on; the
    factors :math:`1 - \beta^t` undo that bias. The state of a parameter is ``step`` (a 0-d
    tensor), ``exp_avg`` (:math:`m`) and ``exp_avg_sq`` (:math:`v`), as in PyTorch.

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.tensor([1.0, -2.0], requires_grad=True)
    >>> optimizer = rg.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> optimizer.step()
    >>> w  # the first step moves every weight by about lr, whatever its gradient's size
    tensor([ 0.9, -1.9], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Take one step of the rule in the Notes above for every parameter with a gradient.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.tensor([3.0], requires_grad=True)
        >>> optimizer = rg.optim.Adam([w], lr=0.5)
        >>> for _ in range(100):
        ...     optimizer.zero_grad()
        ...     ((w - 1.0) ** 2).sum().backward()
        ...     optimizer.step()
        >>> abs(w.item() - 1.0) < 0.05
        True
        """
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2) = group["lr"], group["betas"]
            eps, weight_decay = group["eps"], group["weight_decay"]
            amsgrad = group.get("amsgrad", False)
            decoupled = group.get("decoupled_weight_decay", False)
            for param in group["params"]:
                if param.grad is None:
                    continue
                g = -param.grad if group.get("maximize", False) else param.grad
                if weight_decay != 0 and decoupled:
                    param *= 1 - lr * weight_decay
                elif weight_decay != 0:
                    g = g + weight_decay * param
                state = self.state.setdefault(param, {})
                if not state:
                    state["step"] = tensor(0.0)
                    state["exp_avg"] = zeros_like(param)
                    state["exp_avg_sq"] = zeros_like(param)
                    if amsgrad:
                        state["max_exp_avg_sq"] = zeros_like(param)
                m, v = state["exp_avg"], state["exp_avg_sq"]
                state["step"] += 1
                t = state["step"].item()
                m *= beta1
                m += (1 - beta1) * g
                v *= beta2
                v += (1 - beta2) * g * g
                step_size = lr / (1 - beta1**t)
                if amsgrad:
                    # The running maximum, updated in place so the state keeps its tensor.
                    v = state["max_exp_avg_sq"]
                    np.maximum(v.data, state["exp_avg_sq"].data, out=v.data)
                denominator = v.sqrt() / math.sqrt(1 - beta2**t) + eps
                param -= step_size * (m / denominator)
        return loss


class AdamW(Adam):
    r"""Adam with decoupled weight decay (``torch.optim.AdamW``).

    The same as :class:`Adam` with ``decoupled_weight_decay=True``: each step first shrinks the
    parameter by :math:`1 - \gamma\lambda`, and the gradient itself carries no penalty.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        ``model.parameters()``, or parameter groups.
    lr : float, default 1e-3
        The learning rate :math:`\gamma`.
    betas : (float, float), default (0.9, 0.999)
        The decay rates of the two running averages.
    eps : float, default 1e-8
        Added to the denominator.
    weight_decay : float, default 1e-2
        The decay :math:`\lambda`.
    amsgrad : bool, default False
        As in :class:`Adam`.
    maximize : bool, default False
        Ascend instead of descend.

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.tensor([1.0], requires_grad=True)
    >>> optimizer = rg.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * 0.0).sum().backward()  # a zero gradient: only the decay acts
    >>> optimizer.step()
    >>> w
    tensor([0.95], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
