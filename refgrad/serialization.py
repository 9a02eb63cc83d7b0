"""``save`` and ``load``: state dicts to and from ``.npz`` files, without pickle.

A checkpoint is a nested structure (dicts, lists, tuples) whose leaves are tensors, arrays,
numbers, strings or None: a model's ``state_dict()``, an optimizer's, or a dict holding both
and an epoch number. :func:`save` writes it as a NumPy ``.npz`` archive: every tensor or array
becomes one ``.npy`` member, and the structure around them is one JSON document in a member of
its own, in which each tensor appears as the name of its member.

:func:`load` reads the archive with ``allow_pickle=False`` and rebuilds the structure from the
JSON, so opening a file never runs code from it, unlike ``pickle`` (what ``torch.load`` reads
without ``weights_only=True``).
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Any

import numpy as np

from refgrad.tensor import Tensor

_STRUCTURE = "__refgrad_structure__"
_FORMAT = "refgrad.save"
_VERSION = 1


class _Writer:
    """Turn an object into JSON-ready nodes, collecting its arrays on the way."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray[Any, Any]] = {}

    def _array(self, array: np.ndarray[Any, Any], where: str) -> str:
        if array.dtype.kind not in "biufc":
            raise TypeError(f"save: {where} is an array of dtype {array.dtype}; only numbers")
        name = f"a{len(self.arrays)}"
        self.arrays[name] = array
        return name

    def encode(self, obj: Any, where: str) -> dict[str, Any]:
        if obj is None:
            return {"type": "none"}
        # The exact types only: NumPy's float64 (a float subclass) is stored below as an
        # array, so that it comes back as a float64 rather than a Python float.
        if type(obj) in (bool, int, float, str):
            return {"type": type(obj).__name__, "value": obj}
        if isinstance(obj, Tensor):
            name = self._array(obj.data, where)
            return {"type": "tensor", "array": name, "requires_grad": obj.requires_grad}
        if isinstance(obj, np.ndarray | np.generic):
            name = self._array(np.asarray(obj), where)
            return {"type": "ndarray" if isinstance(obj, np.ndarray) else "scalar", "array": name}
        if isinstance(obj, list | tuple):
            items = [self.encode(item, f"{where}[{i}]") for i, item in enumerate(obj)]
            return {"type": type(obj).__name__, "items": items}
        if isinstance(obj, dict):
            pairs = []
            for key, value in obj.items():
                if not isinstance(key, str | int) or isinstance(key, bool):
                    raise TypeError(f"save: {where} has a key {key!r}; keys must be str or int")
                pairs.append([key, self.encode(value, f"{where}[{key!r}]")])
            return {"type": "dict", "items": pairs}
        raise TypeError(
            f"save: {where} is a {type(obj).__name__}; a checkpoint may hold only dicts, lists, "
            "tuples, tensors, NumPy arrays, numbers, strings and None"
        )


def save(obj: Any, f: str | os.PathLike[str]) -> None:
    """Write ``obj`` (e.g. a state dict) to the file ``f`` as an ``.npz`` archive.

    The file is written under exactly the name given (NumPy's ``savez`` would add ``.npz``).

    Parameters
    ----------
    obj : dict, list, tuple, Tensor, numpy.ndarray, number, str or None
        Nested as deeply as needed. Dict keys must be strings or ints (an optimizer's state
        is keyed by ints), and come back as the same type.
    f : str or path-like
        Where to write.

    Raises
    ------
    TypeError
        If ``obj`` holds anything else, naming where in ``obj`` it is.

    Examples
    --------
    >>> import os, tempfile
    >>> import refgrad as rg
    >>> model = rg.nn.Linear(3, 2)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
    >>> rg.save({"model": model.state_dict(), "epoch": 7}, path)
    >>> checkpoint = rg.load(path)
    >>> checkpoint["epoch"], bool((checkpoint["model"]["weight"] == model.weight).all())
    (7, True)
    """
    # Encode everything before opening the file: an object that cannot be saved leaves an
    # existing checkpoint of the same name intact.
    writer = _Writer()
    root = writer.encode(obj, "obj")
    document = json.dumps({"format": _FORMAT, "version": _VERSION, "root": root})
    with open(f, "wb") as file:
        members: dict[str, Any] = {**writer.arrays, _STRUCTURE: np.array(document)}
        np.savez(file, **members)


class _Reader:
    """Rebuild an object from JSON nodes and the archive's arrays."""

    def __init__(self, archive: Any) -> None:
        self.archive = archive

    def _array(self, node: dict[str, Any]) -> np.ndarray[Any, Any]:
        name = node["array"]
        if name not in self.archive.files:
            raise ValueError(f"it lacks the array {name!r}")
        array: np.ndarray[Any, Any] = self.archive[name]
        return array

    def decode(self, node: dict[str, Any]) -> Any:
        kind = node["type"]
        if kind == "none":
            return None
        if kind in ("bool", "int", "float", "str"):
            return node["value"]
        if kind == "tensor":
            return Tensor(self._array(node), requires_grad=bool(node["requires_grad"]))
        if kind == "ndarray":
            return self._array(node)
        if kind == "scalar":
            return self._array(node)[()]
        if kind in ("list", "tuple"):
            items = [self.decode(item) for item in node["items"]]
            return items if kind == "list" else tuple(items)
        if kind == "dict":
            return {key: self.decode(value) for key, value in node["items"]}
        raise ValueError(f"its structure has an entry of unknown type {kind!r}")


def load(f: str | os.PathLike[str]) -> Any:
    """Read an object written by :func:`save`.

    Only data is read: arrays with ``allow_pickle=False`` and the structure as JSON, so a
    file cannot run code when loaded.

    Parameters
    ----------
    f : str or path-like

    Returns
    -------
    object
        What was saved: tensors come back as :class:`~refgrad.Tensor` (with their
        ``requires_grad``), arrays as arrays, tuples as tuples, int keys as ints.

    Raises
    ------
    FileNotFoundError
        If there is no file ``f``.
    ValueError
        Naming the file, if it is not an archive written by :func:`save` or is damaged.

    Examples
    --------
    >>> import os, tempfile
    >>> import refgrad as rg
    >>> path = os.path.join(tempfile.mkdtemp(), "state.npz")
    >>> rg.save({"state": {0: {"step": rg.tensor(3.0)}}, "betas": (0.9, 0.999)}, path)
    >>> rg.load(path)
    {'state': {0: {'step': tensor(3.)}}, 'betas': (0.9, 0.999)}
    >>> with open(path, "w") as file:
    ...     _ = file.write("not a checkpoint")
    >>> rg.load(path)
    Traceback (most recent call last):
    ...
    ValueError: load: .../state.npz is not a refgrad checkpoint: it is not an .npz (zip) ...
    """
    path = os.fspath(f)
    with open(path, "rb") as file:  # a missing file raises FileNotFoundError here
        is_archive = zipfile.is_zipfile(file)
    if not is_archive:
        raise ValueError(
            f"load: {path} is not a refgrad checkpoint: it is not an .npz (zip) archive, so it "
            "is damaged or another kind of file; refgrad.load reads files written by refgrad.save"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            if _STRUCTURE not in archive.files:
                raise ValueError("it is an .npz archive, but not one written by refgrad.save")
            header = json.loads(str(archive[_STRUCTURE]))
            if header.get("format") != _FORMAT or header.get("version") != _VERSION:
                raise ValueError(
                    f"its structure record names format {header.get('format')!r} version "
                    f"{header.get('version')!r}, not {_FORMAT!r} version {_VERSION}"
                )
            return _Reader(archive).decode(header["root"])
    # Whatever a damaged or foreign archive trips over, report it as one error naming the file.
    except (
        OSError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        RuntimeError,
        zipfile.BadZipFile,
    ) as error:
        raise ValueError(f"load: {path} is damaged or not a refgrad checkpoint: {error}") from error
