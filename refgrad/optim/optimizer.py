"""``Optimizer``: what every update rule shares (``torch.optim.Optimizer``).

An optimizer holds the parameters in *groups*, each a dict with a ``"params"`` list and the
hyperparameters for those parameters (``lr``, ``momentum``...), and a ``state`` dict with what
the rule remembers per parameter between steps (a momentum buffer, Adam's moment estimates).
A subclass only writes :meth:`Optimizer.step`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

import numpy as np

from refgrad.grad_mode import enable_grad, no_grad
from refgrad.tensor import Tensor

#: What an optimizer accepts: tensors, or dicts that each hold ``"params"`` and settings.
ParamsT: TypeAlias = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """Base class of the optimizers.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        The tensors to optimize (``model.parameters()``), or parameter groups: dicts with a
        ``"params"`` entry and any hyperparameters that should differ from ``defaults``.
    defaults : dict
        The hyperparameters of a group that does not set them.

    Raises
    ------
    ValueError
        If ``params`` is empty, or holds a tensor that is not a leaf or a tensor twice.
    TypeError
        If ``params`` is a single tensor or holds something that is not a tensor.

    Examples
    --------
    >>> import refgrad as rg
    >>> model = rg.nn.Sequential(rg.nn.Linear(2, 2), rg.nn.Linear(2, 1))
    >>> optimizer = rg.optim.SGD(
    ...     [{"params": model[0].parameters(), "lr": 0.1}, {"params": model[1].parameters()}],
    ...     lr=0.01,
    ... )
    >>> [group["lr"] for group in optimizer.param_groups]
    [0.1, 0.01]
    >>> rg.optim.SGD([], lr=0.1)
    Traceback (most recent call last):
    ...
    ValueError: optimizer got an empty parameter list
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                "dicts, but got a Tensor; wrap it in a list: [tensor]"
            )
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups: list[Any] = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, with settings that override the defaults.

        Examples
        --------
        >>> import refgrad as rg
        >>> a, b = rg.zeros(2, requires_grad=True), rg.zeros(3, requires_grad=True)
        >>> optimizer = rg.optim.SGD([a], lr=0.1)
        >>> optimizer.add_param_group({"params": [b], "lr": 0.5})
        >>> [(len(g["params"]), g["lr"]) for g in optimizer.param_groups]
        [(1, 0.1), (1, 0.5)]
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        raw = param_group["params"]
        if isinstance(raw, set):
            raise TypeError(
                "optimizer parameters need to be in an ordered collection (a list), not a set: "
                "the order of a set changes between runs, and the state dict depends on it"
            )
        params = [raw] if isinstance(raw, Tensor) else list(raw)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is "
                    f"{type(param).__name__}"
                )
            if not param.is_leaf:
                raise ValueError(
                    "can't optimize a non-leaf Tensor (one computed from others); optimize "
                    "the leaves it was computed from"
                )
        taken = {id(p) for group in self.param_groups for p in group["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in taken for p in params):
            raise ValueError("some parameters appear more than once in the optimizer's groups")
        self.param_groups.append({**self.defaults, **param_group, "params": params})

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of every parameter (set them to None, PyTorch 2's default).

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.tensor([1.0], requires_grad=True)
        >>> (w * 3).sum().backward()
        >>> optimizer = rg.optim.SGD([w], lr=0.1)
        >>> optimizer.zero_grad()
        >>> w.grad is None
        True
        """
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none:
                    param.grad = None
                elif param.grad is not None:
                    with no_grad():
                        param.grad.zero_()

    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Update every parameter that has a gradient; each optimizer defines it.

        Parameters
        ----------
        closure : callable, optional
            Recomputes the loss (with its backward) and returns it; called before the update.

        Returns
        -------
        Tensor or None
            What ``closure`` returned.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.tensor([1.0], requires_grad=True)
        >>> rg.optim.Optimizer([w], {}).step()
        Traceback (most recent call last):
        ...
        NotImplementedError: Optimizer does not define step(); use a subclass such as SGD
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not define step(); use a subclass such as SGD"
        )

    def _evaluate(self, closure: Callable[[], Tensor] | None) -> Tensor | None:
        """Run ``closure`` with the graph recorded (``step`` itself runs under no_grad)."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ------------------------------------------------------------------ saving and loading
    def state_dict(self) -> dict[str, Any]:
        """Return the optimizer's state and settings, with parameters replaced by their positions.

        Parameters are numbered 0, 1, ... through the groups in order, so the dict can be loaded
        into a new optimizer over a new model built the same way. The tensors in ``"state"`` are
        the optimizer's own (not copies), as in PyTorch: save them, or copy them, to keep them.

        Returns
        -------
        dict
            ``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.tensor([1.0, 2.0], requires_grad=True)
        >>> optimizer = rg.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> (w * w).sum().backward()
        >>> optimizer.step()
        >>> optimizer.state_dict()["state"]
        {0: {'momentum_buffer': tensor([2., 4.])}}
        >>> optimizer.state_dict()["param_groups"][0]["params"]
        [0]
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[id(param)]: dict(values) for param, values in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state and settings saved by :meth:`state_dict`, to resume training.

        Everything is checked before anything changes. The state tensors are copied, and
        floating-point ones converted to their parameter's dtype (except ``step``).

        Raises
        ------
        ValueError
            If the groups differ in number or size from this optimizer's, or a state tensor's
            shape does not fit its parameter.

        Examples
        --------
        >>> import refgrad as rg
        >>> w = rg.tensor([1.0, 2.0], requires_grad=True)
        >>> first = rg.optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> first.step()
        >>> second = rg.optim.Adam([w])
        >>> second.load_state_dict(first.state_dict())
        >>> second.param_groups[0]["lr"], second.state[w]["step"]
        (0.1, tensor(1.))
        """
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has a different number of parameter groups "
                f"({len(saved_groups)}) from the optimizer ({len(self.param_groups)})"
            )
        by_index: dict[int, Tensor] = {}
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of "
                    f"optimizer's group ({len(saved['params'])} parameters, not "
                    f"{len(group['params'])})"
                )
            by_index.update(zip((int(i) for i in saved["params"]), group["params"], strict=True))
        state: dict[Tensor, dict[str, Any]] = {}
        for index, values in state_dict["state"].items():
            if int(index) not in by_index:
                raise ValueError(f"loaded state refers to parameter {index}, which no group holds")
            param = by_index[int(index)]
            state[param] = {
                name: _cast(value, param, f"state[{index}][{name!r}]", keep_dtype=name == "step")
                for name, value in values.items()
            }
        # Every check passed: replace the state and the settings in one go.
        self.state = state
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            group.update({key: value for key, value in saved.items() if key != "params"})

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        return "\n".join([*lines, ")"])


def _cast(value: Any, param: Tensor, where: str, keep_dtype: bool) -> Any:
    """Copy a saved state value, checked against ``param`` and converted to its dtype."""
    if not isinstance(value, Tensor | np.ndarray):
        return value
    array = value.data if isinstance(value, Tensor) else value
    if array.ndim > 0 and array.shape != param.shape:
        raise ValueError(
            f"loaded optimizer {where} has shape {array.shape}, but its parameter has shape "
            f"{param.shape}"
        )
    dtype = param.dtype if array.dtype.kind == "f" and not keep_dtype else array.dtype
    return Tensor(np.array(array, dtype=dtype))
