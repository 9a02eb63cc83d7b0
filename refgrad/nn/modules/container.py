"""``Sequential``: layers applied one after another, the usual shape of a small network."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, overload

from refgrad.nn.modules.module import Module, _indent


class Sequential(Module):
    """A chain of modules: the output of each is the input of the next.

    Parameters
    ----------
    *args : Module, or one mapping of names to modules
        The modules in order. Given positionally they are named ``'0'``, ``'1'``, ...; a
        single dict gives them its keys as names.

    Examples
    --------
    >>> import refgrad as rg
    >>> model = rg.nn.Sequential(rg.nn.Linear(64, 128), rg.nn.ReLU(), rg.nn.Linear(128, 10))
    >>> model(rg.zeros(5, 64)).shape
    (5, 10)
    >>> len(model), model[1], model[-1]
    (3, ReLU(), Linear(in_features=128, out_features=10, bias=True))
    >>> model[:2]
    Sequential(
      (0): Linear(in_features=64, out_features=128, bias=True)
      (1): ReLU()
    )
    """

    def __init__(self, *args: Module | Mapping[str, Module]) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], Mapping):
            for name, module in args[0].items():
                self._add(name, module)
        else:
            for index, arg in enumerate(args):
                self._add(str(index), arg)

    def _add(self, name: str, module: Any) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"Sequential: {type(module).__name__} is not a Module subclass")
        setattr(self, name, module)

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end and return the container.

        Examples
        --------
        >>> import refgrad as rg
        >>> len(rg.nn.Sequential().append(rg.nn.ReLU()))
        1
        """
        self._add(str(len(self)), module)
        return self

    def _entries(self) -> list[tuple[str, Module]]:
        # Not named_children(): a module placed twice in the chain runs twice, so no de-duplication.
        return [(name, value) for name, value in vars(self).items() if isinstance(value, Module)]

    def __len__(self) -> int:
        return len(self._entries())

    def __iter__(self) -> Iterator[Module]:
        return iter([module for _, module in self._entries()])

    @overload
    def __getitem__(self, index: int) -> Module: ...
    @overload
    def __getitem__(self, index: slice) -> Sequential: ...
    def __getitem__(self, index: int | slice) -> Module | Sequential:
        items = self._entries()
        if isinstance(index, slice):
            return Sequential(dict(items[index]))
        if not -len(items) <= index < len(items):
            raise IndexError(f"index {index} is out of range for a Sequential of {len(items)}")
        return items[index][1]

    def forward(self, input: Any) -> Any:
        """Pass ``input`` through every module in turn.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.Sequential(rg.nn.Tanh(), rg.nn.ReLU()).forward(rg.tensor([-1.0, 0.0]))
        tensor([0., 0.])
        """
        for module in self:
            input = module(input)
        return input


class ModuleList(Module):
    """A list of modules whose parameters the parent module sees (``torch.nn.ModuleList``).

    Parameters
    ----------
    modules : iterable of Module, optional
        The initial entries, named ``'0'``, ``'1'``, ...

    Examples
    --------
    >>> import refgrad as rg
    >>> layers = rg.nn.ModuleList([rg.nn.Linear(2, 2) for _ in range(3)])
    >>> layers.append(rg.nn.ReLU())
    ModuleList(
      (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)
      (3): ReLU()
    )
    >>> len(layers), len(list(layers.parameters()))
    (4, 6)
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _entries(self) -> list[Module]:
        return [value for value in vars(self).values() if isinstance(value, Module)]

    def _renumber(self, modules: list[Module]) -> None:
        for name in [n for n, v in vars(self).items() if isinstance(v, Module)]:
            del self.__dict__[name]
        for index, module in enumerate(modules):
            self.add_module(str(index), module)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end and return the list.

        Examples
        --------
        >>> import refgrad as rg
        >>> len(rg.nn.ModuleList().append(rg.nn.ReLU()))
        1
        """
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Add every module of ``modules`` at the end and return the list.

        Examples
        --------
        >>> import refgrad as rg
        >>> len(rg.nn.ModuleList().extend([rg.nn.ReLU(), rg.nn.Tanh()]))
        2
        """
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``.

        Examples
        --------
        >>> import refgrad as rg
        >>> layers = rg.nn.ModuleList([rg.nn.ReLU()])
        >>> layers.insert(0, rg.nn.Tanh())
        >>> layers[0]
        Tanh()
        """
        entries = self._entries()
        entries.insert(index, module)
        self._renumber(entries)

    def __len__(self) -> int:
        return len(self._entries())

    def __iter__(self) -> Iterator[Module]:
        return iter(self._entries())

    @overload
    def __getitem__(self, index: int) -> Module: ...
    @overload
    def __getitem__(self, index: slice) -> ModuleList: ...
    def __getitem__(self, index: int | slice) -> Module | ModuleList:
        entries = self._entries()
        if isinstance(index, slice):
            return ModuleList(entries[index])
        if not -len(entries) <= index < len(entries):
            raise IndexError(f"index {index} is out of range")
        return entries[index]

    def __setitem__(self, index: int, module: Module) -> None:
        entries = self._entries()
        entries[index] = module
        self._renumber(entries)

    def __delitem__(self, index: int | slice) -> None:
        entries = self._entries()
        del entries[index]
        self._renumber(entries)

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __repr__(self) -> str:
        # PyTorch folds runs of identical reprs into '(0-2): 3 x Linear(...)'.
        entries = [repr(m) for m in self._entries()]
        if not entries:
            return "ModuleList()"
        lines: list[str] = []
        start = 0
        while start < len(entries):
            end = start
            while end + 1 < len(entries) and entries[end + 1] == entries[start]:
                end += 1
            text = _indent(entries[start], 2)
            if end == start:
                lines.append(f"({start}): {text}")
            else:
                lines.append(f"({start}-{end}): {end - start + 1} x {text}")
            start = end + 1
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """A ModuleList has no forward: iterate over it in the parent's forward instead.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.ModuleList()(1)
        Traceback (most recent call last):
        ...
        NotImplementedError: Module [ModuleList] is missing the required "forward" function
        """
        return super().forward(*args, **kwargs)


class ModuleDict(Module):
    """A dict of modules whose parameters the parent module sees (``torch.nn.ModuleDict``).

    Parameters
    ----------
    modules : dict or list, optional
        A mapping from names to modules, or a list of (name, module) pairs.
        The initial entries, in order.

    Examples
    --------
    >>> import refgrad as rg
    >>> heads = rg.nn.ModuleDict({"a": rg.nn.Linear(2, 1), "b": rg.nn.Linear(2, 3)})
    >>> list(heads.keys()), heads["b"].out_features
    (['a', 'b'], 3)
    """

    def __init__(
        self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None
    ) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def _items(self) -> list[tuple[str, Module]]:
        return [(k, v) for k, v in vars(self).items() if isinstance(v, Module)]

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace entries from a mapping or from (name, module) pairs.

        Examples
        --------
        >>> import refgrad as rg
        >>> d = rg.nn.ModuleDict()
        >>> d.update([("act", rg.nn.ReLU())])
        >>> list(d)
        ['act']
        """
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for name, module in pairs:
            self[name] = module

    def __getitem__(self, key: str) -> Module:
        value = self.__dict__.get(key)
        if not isinstance(value, Module):
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        self[key]  # KeyError for a missing key
        del self.__dict__[key]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and isinstance(self.__dict__.get(key), Module)

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self) -> Iterator[str]:
        return iter([k for k, _ in self._items()])

    def keys(self) -> list[str]:
        """Return the names, in insertion order.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.ModuleDict({"x": rg.nn.ReLU()}).keys()
        ['x']
        """
        return [k for k, _ in self._items()]

    def values(self) -> list[Module]:
        """Return the modules, in insertion order.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.ModuleDict({"x": rg.nn.ReLU()}).values()
        [ReLU()]
        """
        return [v for _, v in self._items()]

    def items(self) -> list[tuple[str, Module]]:
        """Return the (name, module) pairs, in insertion order.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.ModuleDict({"x": rg.nn.ReLU()}).items()
        [('x', ReLU())]
        """
        return self._items()

    def pop(self, key: str) -> Module:
        """Remove the entry ``key`` and return its module.

        Examples
        --------
        >>> import refgrad as rg
        >>> d = rg.nn.ModuleDict({"x": rg.nn.ReLU()})
        >>> d.pop("x"), len(d)
        (ReLU(), 0)
        """
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        """Remove every entry.

        Examples
        --------
        >>> import refgrad as rg
        >>> d = rg.nn.ModuleDict({"x": rg.nn.ReLU()})
        >>> d.clear()
        >>> len(d)
        0
        """
        for key in self.keys():
            del self[key]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """A ModuleDict has no forward: pick entries in the parent's forward instead.

        Examples
        --------
        >>> import refgrad as rg
        >>> rg.nn.ModuleDict()(1)
        Traceback (most recent call last):
        ...
        NotImplementedError: Module [ModuleDict] is missing the required "forward" function
        """
        return super().forward(*args, **kwargs)
