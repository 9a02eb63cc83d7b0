"""``RMSprop``: gradient steps divided by a running root mean square of the gradient."""

from __future__ import annotations

from collections.abc import Callable

from refgrad.creation import zeros_like
from refgrad.grad_mode import no_grad
from refgrad.optim.optimizer import Optimizer, ParamsT
from refgrad.tensor import Tensor, tensor


class RMSprop(Optimizer):
    r"""RMSprop, with PyTorch's exact update rule (``torch.optim.RMSprop``).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        ``model.parameters()``, or parameter groups.
    lr : float, default 1e-2
        The learning rate :math:`\gamma`.
    alpha : float, default 0.99
        The decay rate of the running mean square :math:`v`.
    eps : float, default 1e-8
        Added to the denominator.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    momentum : float, default 0
        Momentum of the scaled step (state ``momentum_buffer``).
    centered : bool, default False
        Divide by an estimate of the variance, :math:`v - \bar g^2` (state ``grad_avg``).
    maximize : bool, default False
        Ascend instead of descend.

    Notes
    -----
    With :math:`v_t = \alpha v_{t-1} + (1 - \alpha) g_t^2` and :math:`d = \sqrt{v_t} + \epsilon`
    (or :math:`\sqrt{v_t - \bar g_t^2} + \epsilon` if centered), the step is
    :math:`\theta \leftarrow \theta - \gamma g_t / d`, or with momentum
    :math:`b_t = \mu b_{t-1} + g_t / d`, :math:`\theta \leftarrow \theta - \gamma b_t`.

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.tensor([1.0], requires_grad=True)
    >>> optimizer = rg.optim.RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward()
    >>> optimizer.step()
    >>> round(w.item(), 4)  # 1 - 0.01 · 2 / (sqrt(0.01 · 4) + 1e-8)
    0.9
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if alpha < 0.0:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Take one step of the rule in the Notes above for every parameter with a gradient.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.tensor([3.0], requires_grad=True)
        >>> optimizer = rg.optim.RMSprop([w], lr=0.05)
        >>> for _ in range(200):
        ...     optimizer.zero_grad()
        ...     ((w - 1.0) ** 2).sum().backward()
        ...     optimizer.step()
        >>> abs(w.item() - 1.0) < 0.1
        True
        """
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            weight_decay, mu = group["weight_decay"], group["momentum"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                g = -param.grad if group["maximize"] else param.grad
                if weight_decay != 0:
                    g = g + weight_decay * param
                state = self.state.setdefault(param, {})
                if not state:
                    state["step"] = tensor(0.0)
                    state["square_avg"] = zeros_like(param)
                    if mu > 0:
                        state["momentum_buffer"] = zeros_like(param)
                    if group["centered"]:
                        state["grad_avg"] = zeros_like(param)
                state["step"] += 1
                v = state["square_avg"]
                v *= alpha
                v += (1 - alpha) * g * g
                if group["centered"]:
                    mean = state["grad_avg"]
                    mean *= alpha
                    mean += (1 - alpha) * g
                    denominator = (v - mean * mean).sqrt() + eps
                else:
                    denominator = v.sqrt() + eps
                if mu > 0:
                    buffer = state["momentum_buffer"]
                    buffer *= mu
                    buffer += g / denominator
                    param -= lr * buffer
                else:
                    param -= lr * (g / denominator)
        return loss
