"""``Adagrad``: steps divided by the root of the sum of all past squared gradients."""

from __future__ import annotations

from collections.abc import Callable

from refgrad.creation import zeros_like
from refgrad.grad_mode import no_grad
from refgrad.optim.optimizer import Optimizer, ParamsT
from refgrad.tensor import Tensor, tensor


class Adagrad(Optimizer):
    r"""Adagrad, with PyTorch's exact update rule (``torch.optim.Adagrad``).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        ``model.parameters()``, or parameter groups.
    lr : float, default 1e-2
        The learning rate :math:`\gamma`.
    lr_decay : float, default 0
        The rate :math:`\eta` is :math:`\gamma / (1 + (t - 1)\,\text{lr\_decay})` at step t.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    initial_accumulator_value : float, default 0
        The starting value of the sum of squares (state ``sum``).
    eps : float, default 1e-10
        Added to the denominator.
    maximize : bool, default False
        Ascend instead of descend.

    Notes
    -----
    :math:`s_t = s_{t-1} + g_t^2`, :math:`\theta \leftarrow \theta - \eta\, g_t / (\sqrt{s_t} +
    \epsilon)`.

    Examples
    --------
    >>> import refgrad as rg
    >>> w = rg.tensor([1.0], requires_grad=True)
    >>> optimizer = rg.optim.Adagrad([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> optimizer.step()
    >>> round(w.item(), 6)  # the first step is lr · g / |g|
    0.9
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if lr_decay < 0.0:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if initial_accumulator_value < 0.0:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        # PyTorch creates the state up front, not at the first step.
        for group in self.param_groups:
            for param in group["params"]:
                self.state[param] = {
                    "step": tensor(0.0),
                    "sum": zeros_like(param) + initial_accumulator_value,
                }

    @no_grad()
    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Take one step of the rule in the Notes above for every parameter with a gradient.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.tensor([3.0], requires_grad=True)
        >>> optimizer = rg.optim.Adagrad([w], lr=0.5)
        >>> for _ in range(200):
        ...     optimizer.zero_grad()
        ...     ((w - 1.0) ** 2).sum().backward()
        ...     optimizer.step()
        >>> abs(w.item() - 1.0) < 0.05
        True
        """
        loss = self._evaluate(closure)
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                g = -param.grad if group["maximize"] else param.grad
                if group["weight_decay"] != 0:
                    g = g + group["weight_decay"] * param
                state = self.state.setdefault(param, {})
                if not state:
                    state["step"] = tensor(0.0)
                    state["sum"] = zeros_like(param) + group["initial_accumulator_value"]
                state["step"] += 1
                t = state["step"].item()
                rate = group["lr"] / (1 + (t - 1) * group["lr_decay"])
                total = state["sum"]
                total += g * g
                param -= rate * (g / (total.sqrt() + group["eps"]))
        return loss
