"""``Sequential``: layers applied one after another, the usual shape of a small network."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, overload

from refgrad.nn.modules.module import Module


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
