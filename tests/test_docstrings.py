"""Every public object of refgrad has a numpydoc docstring with an Examples section.

The examples themselves run as doctests (``pytest --doctest-modules refgrad``); this test makes
sure none is missing. "Public" means reachable from a public module's ``__all__`` (or, for
modules without one, a name not starting with an underscore that the module defines), and the
public methods and properties of public classes.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest

import refgrad

# A Function's forward, backward and jvp rules are documented by the class docstring (its
# derivative and example); dunder methods are documented by the operator they implement.
RULES = {"forward", "backward", "jvp"}


def _public_modules() -> Iterator[Any]:
    for info in pkgutil.walk_packages(refgrad.__path__, "refgrad."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        yield importlib.import_module(info.name)


def _public_objects() -> Iterator[tuple[str, Any]]:
    seen: set[int] = set()
    for module in [refgrad, *_public_modules()]:
        names = getattr(module, "__all__", None)
        if names is None:
            names = [
                n
                for n, v in vars(module).items()
                if not n.startswith("_") and getattr(v, "__module__", None) == module.__name__
            ]
        for name in names:
            obj = getattr(module, name)
            if inspect.ismodule(obj) or id(obj) in seen:
                continue
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            if not getattr(obj, "__module__", "").startswith("refgrad"):
                continue
            seen.add(id(obj))
            yield f"{obj.__module__}.{obj.__qualname__}", obj
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    if attr in RULES and issubclass(obj, refgrad.autograd.Function):
                        continue
                    if isinstance(member, staticmethod | classmethod):
                        member = member.__func__
                    if isinstance(member, property) or inspect.isfunction(member):
                        yield f"{obj.__module__}.{obj.__qualname__}.{attr}", member


OBJECTS = sorted(_public_objects(), key=lambda item: item[0])


def test_the_public_api_was_found() -> None:
    names = {name for name, _ in OBJECTS}
    assert "refgrad.tensor.Tensor.backward" in names
    assert "refgrad.broadcast.unbroadcast" in names
    assert len(OBJECTS) > 150


@pytest.mark.parametrize(("name", "obj"), OBJECTS, ids=[name for name, _ in OBJECTS])
def test_public_object_has_examples(name: str, obj: Any) -> None:
    doc = inspect.getdoc(obj) or ""
    assert doc.strip(), f"{name} has no docstring"
    assert "Examples\n--------" in doc or "See :class:" in doc or ">>>" in doc, (
        f"{name} has no Examples section"
    )
