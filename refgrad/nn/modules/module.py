"""``Module``: the base class of layers and models (``torch.nn.Module``).

A module is an object whose attributes may hold :class:`~refgrad.nn.Parameter` objects and other
modules. It needs no registration calls: the parameters of a module are simply the attributes
that hold a ``Parameter``, and its children the attributes that hold a ``Module``, in the order
they were assigned. Everything else (``parameters()``, ``state_dict()``, ``train()``, the
``repr``) is a walk over that tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple, Self

import numpy as np

from refgrad import dtypes
from refgrad.grad_mode import no_grad
from refgrad.nn.parameter import Parameter
from refgrad.tensor import Tensor


class IncompatibleKeys(NamedTuple):
    """What :meth:`Module.load_state_dict` reports: names it did not find, names it did not use.

    Examples
    --------
    >>> import refgrad as rg
    >>> layer = rg.nn.Linear(2, 1)
    >>> layer.load_state_dict({"weight": rg.zeros(1, 2)}, strict=False)
    IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])
    """

    missing_keys: list[str]
    unexpected_keys: list[str]


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _indent(text: str, spaces: int) -> str:
    """Indent every line of ``text`` but the first (a child's repr continues its ``(name): ``)."""
    return text.replace("\n", "\n" + " " * spaces)


class Module:
    """Base class of every layer and model.

    Subclass it, call ``super().__init__()``, assign parameters and sub-modules as attributes,
    and write :meth:`forward`. Calling the module calls ``forward``.

    Attributes
    ----------
    training : bool
        True in training mode (the default), False after :meth:`eval`.

    Examples
    --------
    >>> import refgrad as rg
    >>> class TwoLayer(rg.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = rg.nn.Linear(4, 8)
    ...         self.out = rg.nn.Linear(8, 2)
    ...
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x).relu())
    >>> model = TwoLayer()
    >>> model(rg.zeros(5, 4)).shape
    (5, 2)
    >>> [name for name, _ in model.named_parameters()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    >>> model
    TwoLayer(
      (hidden): Linear(in_features=4, out_features=8, bias=True)
      (out): Linear(in_features=8, out_features=2, bias=True)
    )
    """

    training: bool

    def __init__(self) -> None:
        self.training = True
        # Buffers are plain attributes too; this table only remembers which names are buffers
        # and whether state_dict() saves them (``persistent``), in registration order.
        self._buffer_persistent: dict[str, bool] = {}

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output; every subclass defines it.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.Module()(rg.zeros(1))
        Traceback (most recent call last):
        ...
        NotImplementedError: Module [Module] is missing the required "forward" function
        """
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run :meth:`forward`: call the module, ``model(x)``, rather than ``forward`` itself."""
        return self.forward(*args, **kwargs)

    def __setattr__(self, name: str, value: Any) -> None:
        # `model.w = model.w - lr * model.w.grad` would swap the Parameter for a computed tensor
        # and silently drop it from parameters(); PyTorch refuses the assignment, and so do we.
        if isinstance(self.__dict__.get(name), Parameter) and not (
            value is None or isinstance(value, Parameter)
        ):
            raise TypeError(
                f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                "(refgrad.nn.Parameter or None expected); to change its values, update "
                f"'{name}' in place under rg.no_grad()"
            )
        super().__setattr__(name, value)

    # ------------------------------------------------------------------ registration
    def _buffer_table(self) -> dict[str, bool]:
        # A subclass that forgot super().__init__() still gets an (empty) table.
        table: dict[str, bool] | None = self.__dict__.get("_buffer_persistent")
        if table is None:
            table = {}
            object.__setattr__(self, "_buffer_persistent", table)
        return table

    def _check_name(self, what: str, name: object) -> str:
        if not isinstance(name, str):
            raise TypeError(f"{what} name should be a string. Got {type(name).__name__}")
        if name == "":
            raise KeyError(f'{what} name can\'t be empty string ""')
        if "." in name:
            raise KeyError(f'{what} name can\'t contain ".", got: {name}')
        return name

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is part of the module's state but not learned (e.g. running means).

        Parameters
        ----------
        name : str
            The attribute name.
        tensor : Tensor or None
            The buffer's value; None registers the name without a value.
        persistent : bool, default True
            Whether :meth:`state_dict` includes it.

        Examples
        --------
        >>> import refgrad as rg
        >>> m = rg.nn.Module()
        >>> m.register_buffer("count", rg.zeros(1))
        >>> m.register_buffer("scratch", rg.ones(2), persistent=False)
        >>> [name for name, _ in m.named_buffers()], list(m.state_dict())
        (['count', 'scratch'], ['count'])
        """
        self._check_name("buffer", name)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                "(refgrad Tensor or None required)"
            )
        if name in self.__dict__ and name not in self._buffer_table():
            raise KeyError(f"attribute '{name}' already exists")
        object.__setattr__(self, name, tensor)
        self._buffer_table()[name] = persistent

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add ``param`` as a parameter named ``name`` (same as assigning the attribute).

        Examples
        --------
        >>> import refgrad as rg
        >>> m = rg.nn.Module()
        >>> m.register_parameter("scale", rg.nn.Parameter(rg.ones(1)))
        >>> [name for name, _ in m.named_parameters()]
        ['scale']
        """
        self._check_name("parameter", name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(refgrad.nn.Parameter or None required)"
            )
        if name in self.__dict__ and not isinstance(self.__dict__[name], Parameter | None):
            raise KeyError(f"attribute '{name}' already exists")
        setattr(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add ``module`` as a child named ``name`` (same as assigning the attribute).

        Examples
        --------
        >>> import refgrad as rg
        >>> m = rg.nn.Module()
        >>> m.add_module("act", rg.nn.ReLU())
        >>> m
        Module(
          (act): ReLU()
        )
        """
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_name("module", name)
        if hasattr(self, name) and name not in self.__dict__:
            raise KeyError(f"attribute '{name}' already exists")
        setattr(self, name, module)

    def register_module(self, name: str, module: Module | None) -> None:
        """Alias of :meth:`add_module`.

        Examples
        --------
        >>> import refgrad as rg
        >>> m = rg.nn.Module()
        >>> m.register_module("act", rg.nn.ReLU())
        >>> list(m.children())
        [ReLU()]
        """
        self.add_module(name, module)

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """Iterate over the buffers with their dotted names, module by module.

        Examples
        --------
        >>> import refgrad as rg
        >>> m = rg.nn.Sequential(rg.nn.Module())
        >>> m[0].register_buffer("mean", rg.zeros(2))
        >>> [name for name, _ in m.named_buffers()]
        ['0.mean']
        """
        seen: set[int] = set()
        modules = self.named_modules(prefix, remove_duplicate) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name in module._buffer_table():
                value = module.__dict__.get(name)
                if not isinstance(value, Tensor):
                    continue
                if remove_duplicate and id(value) in seen:
                    continue
                seen.add(id(value))
                yield _join(module_name, name), value

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Iterate over the buffers.

        Examples
        --------
        >>> import refgrad as rg
        >>> m = rg.nn.Module()
        >>> m.register_buffer("mean", rg.zeros(2))
        >>> list(m.buffers())
        [tensor([0., 0.])]
        """
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ------------------------------------------------------------------ dtype and device
    def _apply_to_tensors(self, convert: Callable[[np.ndarray[Any, Any]], Any]) -> Self:
        # Convert in place, keeping every Parameter object (optimizers hold references to them).
        for module in self.modules():
            for name, value in list(vars(module).items()):
                if isinstance(value, Parameter):
                    value.data = convert(value.data)
                    if value.grad is not None:
                        value.grad.data = convert(value.grad.data)
                elif name in module._buffer_table() and isinstance(value, Tensor):
                    object.__setattr__(module, name, Tensor(convert(value.data)))
        return self

    def to(self, *args: Any, **kwargs: Any) -> Self:
        """Convert the floating-point parameters and buffers to a dtype, in place.

        Accepts ``to(dtype)``, ``to(device)``, ``to(device, dtype)`` and the keywords
        ``dtype=`` and ``device=``. refgrad runs on the CPU only: a device is accepted if it is
        ``'cpu'`` or an object whose ``.type`` is ``'cpu'``.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.Linear(2, 1).to(rg.float16).weight.dtype
        dtype('float16')
        >>> rg.nn.Linear(2, 1).to("cpu", rg.float32).weight.dtype
        dtype('float32')
        """
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"Module.to() got unexpected keyword arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif _is_device(arg):
                device = arg
            else:
                dtype = arg
        if device is not None:
            kind = device if isinstance(device, str) else getattr(device, "type", None)
            if not isinstance(kind, str) or kind.split(":")[0] != "cpu":
                raise RuntimeError(
                    f"Module.to(): refgrad runs on the CPU only, got device {device!r}"
                )
        if dtype is None:
            return self
        target = np.dtype(dtype)
        if not dtypes.is_floating_point(target):
            raise TypeError(
                f"nn.Module.to only accepts floating point dtypes, but got desired dtype={target}"
            )
        return self._apply_to_tensors(
            lambda a: a.astype(target) if dtypes.is_floating_point(a.dtype) else a
        )

    def double(self) -> Self:
        """Convert the floating-point parameters and buffers to float64.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.Linear(2, 1).double().bias.dtype
        dtype('float64')
        """
        return self.to(dtypes.float64)

    def float(self) -> Self:
        """Convert the floating-point parameters and buffers to float32.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.Linear(2, 1).double().float().bias.dtype
        dtype('float32')
        """
        return self.to(dtypes.float32)

    def half(self) -> Self:
        """Convert the floating-point parameters and buffers to float16.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.Linear(2, 1).half().bias.dtype
        dtype('float16')
        """
        return self.to(dtypes.float16)

    def cpu(self) -> Self:
        """Return the module: refgrad keeps everything on the CPU already.

        Examples
        --------
        >>> import refgrad as rg
        >>> layer = rg.nn.Linear(2, 1)
        >>> layer.cpu() is layer
        True
        """
        return self

    # ------------------------------------------------------------------ the module tree
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Iterate over the direct sub-modules with their attribute names, in assignment order.

        Examples
        --------
        >>> import refgrad as rg
        >>> model = rg.nn.Sequential(rg.nn.Linear(2, 2), rg.nn.ReLU())
        >>> [name for name, _ in model.named_children()]
        ['0', '1']
        """
        seen: set[int] = set()
        for name, value in vars(self).items():
            if isinstance(value, Module) and id(value) not in seen:
                seen.add(id(value))
                yield name, value

    def children(self) -> Iterator[Module]:
        """Iterate over the direct sub-modules.

        Examples
        --------
        >>> import refgrad as rg
        >>> list(rg.nn.Sequential(rg.nn.ReLU(), rg.nn.Tanh()).children())
        [ReLU(), Tanh()]
        """
        for _, child in self.named_children():
            yield child

    def named_modules(
        self, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Iterate over this module and all below it, depth first, with their dotted names.

        The module itself is named ``''``. A module reachable by two paths is listed once unless
        ``remove_duplicate`` is False.

        Examples
        --------
        >>> import refgrad as rg
        >>> model = rg.nn.Sequential(rg.nn.Sequential(rg.nn.ReLU()))
        >>> [name for name, _ in model.named_modules()]
        ['', '0', '0.0']
        """
        seen: set[int] = set()

        def walk(name: str, module: Module) -> Iterator[tuple[str, Module]]:
            if remove_duplicate and id(module) in seen:
                return
            seen.add(id(module))
            yield name, module
            for child_name, child in vars(module).items():
                if isinstance(child, Module):
                    yield from walk(_join(name, child_name), child)

        return walk(prefix, self)

    def modules(self) -> Iterator[Module]:
        """Iterate over this module and all below it.

        Examples
        --------
        >>> import refgrad as rg
        >>> len(list(rg.nn.Sequential(rg.nn.Linear(2, 2), rg.nn.ReLU()).modules()))
        3
        """
        for _, module in self.named_modules():
            yield module

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Iterate over the parameters with their dotted names (``'0.weight'``), module by module.

        Parameters
        ----------
        prefix : str, default ''
            Put in front of every name.
        recurse : bool, default True
            Include the parameters of sub-modules; if False, only this module's own.
        remove_duplicate : bool, default True
            List a parameter shared by several modules once.

        Examples
        --------
        >>> import refgrad as rg
        >>> [(name, p.shape) for name, p in rg.nn.Linear(3, 2).named_parameters()]
        [('weight', (2, 3)), ('bias', (2,))]
        """
        seen: set[int] = set()
        modules = self.named_modules(prefix, remove_duplicate) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, value in vars(module).items():
                if not isinstance(value, Parameter):
                    continue
                if remove_duplicate and id(value) in seen:
                    continue
                seen.add(id(value))
                yield _join(module_name, name), value

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Iterate over the parameters: what an optimizer is given.

        Examples
        --------
        >>> import refgrad as rg
        >>> model = rg.nn.Sequential(rg.nn.Linear(64, 128), rg.nn.ReLU(), rg.nn.Linear(128, 10))
        >>> sum(p.numel() for p in model.parameters())
        9610
        """
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def apply(self, fn: Callable[[Module], None]) -> Self:
        """Call ``fn`` on every sub-module and then on this one (e.g. to initialise weights).

        Examples
        --------
        >>> import refgrad as rg
        >>> def zero_biases(m):
        ...     if isinstance(m, rg.nn.Linear):
        ...         rg.nn.init.zeros_(m.bias)
        >>> model = rg.nn.Sequential(rg.nn.Linear(2, 3)).apply(zero_biases)
        >>> model[0].bias
        Parameter containing:
        tensor([0., 0., 0.], requires_grad=True)
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ training helpers
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of every parameter, by setting them to None (PyTorch 2's default).

        With ``set_to_none=False`` the gradients are filled with zeros instead.

        Examples
        --------
        >>> import refgrad as rg
        >>> layer = rg.nn.Linear(2, 1)
        >>> layer(rg.ones(1, 2)).sum().backward()
        >>> layer.weight.grad
        tensor([[1., 1.]])
        >>> layer.zero_grad()
        >>> layer.weight.grad is None
        True
        """
        for param in self.parameters():
            if set_to_none:
                param.grad = None
            elif param.grad is not None:
                with no_grad():
                    param.grad.zero_()

    def train(self, mode: bool = True) -> Self:
        """Put this module and all below it in training mode (or evaluation mode if False).

        Examples
        --------
        >>> import refgrad as rg
        >>> model = rg.nn.Sequential(rg.nn.Linear(2, 2))
        >>> model.train(False)[0].training
        False
        """
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Self:
        """Put this module and all below it in evaluation mode; same as ``train(False)``.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.ReLU().eval().training
        False
        """
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Self:
        """Set ``requires_grad`` of every parameter (False freezes the module).

        Examples
        --------
        >>> import refgrad as rg
        >>> layer = rg.nn.Linear(2, 2).requires_grad_(False)
        >>> layer.weight.requires_grad
        False
        """
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    # ------------------------------------------------------------------ saving and loading
    def _state_entries(self) -> dict[str, Tensor]:
        # Module by module, parameters then persistent buffers, as PyTorch orders them.
        entries: dict[str, Tensor] = {}
        for module_name, module in self.named_modules(remove_duplicate=False):
            for name, value in vars(module).items():
                if isinstance(value, Parameter):
                    entries[_join(module_name, name)] = value
            for name, persistent in module._buffer_table().items():
                value = module.__dict__.get(name)
                if persistent and isinstance(value, Tensor):
                    entries[_join(module_name, name)] = value
        return entries

    def state_dict(self) -> dict[str, Tensor]:
        """Return parameters and persistent buffers by dotted name, detached (sharing memory).

        Examples
        --------
        >>> import refgrad as rg
        >>> state = rg.nn.Linear(3, 2).state_dict()
        >>> list(state), state["weight"].requires_grad
        (['weight', 'bias'], False)
        """
        return {name: value.detach() for name, value in self._state_entries().items()}

    def load_state_dict(
        self, state_dict: Mapping[str, Tensor | np.ndarray[Any, Any]], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy values from ``state_dict`` into the parameters of the same name.

        Every entry is checked before any is copied, so a failed load leaves the module as it
        was. Unlike PyTorch, a dtype that differs from the parameter's is an error rather than
        a silent conversion.

        Parameters
        ----------
        state_dict : mapping of str to Tensor or numpy.ndarray
            For example from :meth:`state_dict` or :func:`refgrad.load`.
        strict : bool, default True
            Require the keys to match this module's exactly. Shapes and dtypes must match
            either way.

        Returns
        -------
        IncompatibleKeys
            The missing and unexpected keys (both empty after a strict load).

        Raises
        ------
        RuntimeError
            Listing every missing or unexpected key (if ``strict``) and every key whose shape
            or dtype does not fit.

        Examples
        --------
        >>> import refgrad as rg
        >>> source, target = rg.nn.Linear(2, 1), rg.nn.Linear(2, 1)
        >>> target.load_state_dict(source.state_dict())
        IncompatibleKeys(missing_keys=[], unexpected_keys=[])
        >>> bool((target.weight == source.weight).all())
        True
        >>> target.load_state_dict({"weight": rg.zeros(1, 3), "bias": rg.zeros(1)})
        Traceback (most recent call last):
        ...
        RuntimeError: Error(s) in loading state_dict for Linear:
            size mismatch for weight: copying a param with shape (1, 3) from checkpoint, the
            shape in current model is (1, 2).
        """
        own = self._state_entries()
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        errors: list[str] = []
        if strict and unexpected:
            errors.append(
                "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + "."
            )
        if strict and missing:
            errors.append(
                "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + "."
            )
        for name, param in own.items():
            if name in state_dict:
                problem = _mismatch(name, state_dict[name], param)
                if problem:
                    errors.append(problem)
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        # Only now, with every entry checked, copy: a failure above has changed nothing.
        with no_grad():
            for name, param in own.items():
                if name in state_dict:
                    param.copy_(_values(state_dict[name]))
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """Describe the module's settings, shown inside the parentheses of its repr; override it.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.Linear(2, 3).extra_repr()
        'in_features=2, out_features=3, bias=True'
        """
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        children = [f"({name}): {_indent(repr(child), 2)}" for name, child in self.named_children()]
        if not children and "\n" not in extra:
            return f"{type(self).__name__}({extra})"
        lines = (extra.split("\n") if extra else []) + children
        return type(self).__name__ + "(\n  " + "\n  ".join(lines) + "\n)"


def _is_device(value: object) -> bool:
    if isinstance(value, str):
        return value.split(":")[0] in {"cpu", "cuda", "mps", "meta", "xpu"}
    return not isinstance(value, np.dtype | type) and isinstance(getattr(value, "type", None), str)


def _values(value: Tensor | np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def _mismatch(name: str, value: object, param: Tensor) -> str | None:
    """Describe why ``value`` cannot be loaded into ``param``, or return None if it can."""
    if not isinstance(value, Tensor | np.ndarray):
        return f"type mismatch for {name}: expected a Tensor, got {type(value).__name__}."
    array = _values(value)
    if array.shape != param.shape:
        return (
            f"size mismatch for {name}: copying a param with shape {array.shape} from "
            f"checkpoint, the shape in current model is {param.shape}."
        )
    if array.dtype != param.dtype:
        return (
            f"dtype mismatch for {name}: the checkpoint has {array.dtype}, the model has "
            f"{param.dtype}; convert one of them first."
        )
    return None
