"""rg.save / rg.load: round trips of state dicts, and refusing damaged or foreign files."""

from __future__ import annotations

import builtins
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import refgrad as rg
from refgrad import nn, optim


def round_trip(obj: Any, tmp_path: Path) -> Any:
    path = tmp_path / "checkpoint.npz"
    rg.save(obj, path)
    return rg.load(path)


def test_module_state_dict_round_trip(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2, dtype=rg.float32))
    loaded = round_trip(model.state_dict(), tmp_path)
    assert list(loaded) == list(model.state_dict())
    for name, tensor in model.state_dict().items():
        assert isinstance(loaded[name], rg.Tensor)
        assert loaded[name].dtype == tensor.dtype
        np.testing.assert_array_equal(loaded[name].data, tensor.data)
    fresh = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2, dtype=rg.float32))
    fresh.load_state_dict(loaded)
    x = rg.randn(5, 3)
    np.testing.assert_array_equal(fresh[0](x).data, model[0](x).data)


def test_optimizer_state_dict_round_trip_keeps_types(tmp_path: Path) -> None:
    w = rg.tensor([1.0, 2.0], requires_grad=True)
    optimizer = optim.Adam([w], lr=0.01)
    (w * w).sum().backward()
    optimizer.step()
    saved = optimizer.state_dict()
    loaded = round_trip(saved, tmp_path)
    assert list(loaded["state"]) == [0]  # int keys stay ints
    assert loaded["param_groups"][0]["betas"] == (0.9, 0.999)  # tuples stay tuples
    assert loaded["param_groups"][0]["params"] == [0]
    assert loaded["state"][0]["step"].item() == 1.0
    np.testing.assert_array_equal(
        loaded["state"][0]["exp_avg"].data, saved["state"][0]["exp_avg"].data
    )


def test_every_supported_leaf_type(tmp_path: Path) -> None:
    obj: dict[Any, Any] = {
        "none": None,
        "bool": True,
        "int": 3,
        "float": 0.25,
        "nan": float("nan"),
        "str": "adam",
        "list": [1, [2.0, "x"]],
        "empty": {},
        "array": np.arange(6, dtype=np.int32).reshape(2, 3),
        "scalar": np.float32(1.5),
        "float64": np.float64(0.5),
        "param": nn.Parameter(rg.ones(2)),
        "bools": rg.tensor([True, False]),
        7: "int key",
    }
    loaded = round_trip(obj, tmp_path)
    assert list(loaded) == list(obj)
    assert loaded["none"] is None and loaded["bool"] is True and loaded["int"] == 3
    assert type(loaded["int"]) is int and type(loaded["float"]) is float
    assert np.isnan(loaded["nan"])
    assert loaded["list"] == [1, [2.0, "x"]] and loaded["empty"] == {}
    assert loaded["array"].dtype == np.int32 and loaded["array"].shape == (2, 3)
    assert type(loaded["scalar"]) is np.float32 and loaded["scalar"] == 1.5
    assert type(loaded["float64"]) is np.float64 and loaded["float64"] == 0.5
    assert loaded["param"].requires_grad and loaded["param"].tolist() == [1.0, 1.0]
    assert loaded["bools"].dtype == np.bool_
    assert loaded[7] == "int key"


def test_the_file_has_exactly_the_given_name(tmp_path: Path) -> None:
    rg.save({"a": 1}, tmp_path / "model.pt")
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]
    assert rg.load(str(tmp_path / "model.pt")) == {"a": 1}


def test_the_file_holds_json_and_arrays_only(tmp_path: Path) -> None:
    path = tmp_path / "c.npz"
    rg.save({"w": rg.ones(2)}, path)
    with np.load(path, allow_pickle=False) as archive:
        structure = json.loads(str(archive["__refgrad_structure__"]))
        assert structure["format"] == "refgrad.save"
        assert all(archive[name].dtype != object for name in archive.files)


@pytest.mark.parametrize(
    ("obj", "where"),
    [
        ({"a": [1, object()]}, r"obj\['a'\]\[1\] is a object"),
        ({"f": len}, r"obj\['f'\] is a builtin_function_or_method"),
        ({(1, 2): 3}, "keys must be str or int"),
        ({"s": np.array(["x"])}, "dtype <U1; only numbers"),
        ({"s": np.str_("x")}, "dtype <U1; only numbers"),
    ],
)
def test_unsupported_objects_are_refused(obj: Any, where: str, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=where):
        rg.save(obj, tmp_path / "x.npz")


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        rg.load(tmp_path / "missing.npz")


def test_a_text_file_is_not_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "notes.npz"
    path.write_text("hello")
    with pytest.raises(
        ValueError, match=re.escape(str(path)) + " is not a refgrad checkpoint.*not an .npz"
    ):
        rg.load(path)


def test_a_truncated_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "c.npz"
    rg.save({"w": rg.ones(100)}, path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match=re.escape(str(path))):
        rg.load(path)


def test_a_foreign_npz_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "plain.npz"
    np.savez(path, w=np.ones(2))
    with pytest.raises(ValueError, match=r"not one written by refgrad\.save"):
        rg.load(path)


def test_a_bad_structure_record_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "c.npz"
    np.savez(path, __refgrad_structure__=np.array("{not json"))
    with pytest.raises(
        ValueError, match=re.escape(f"{path} is damaged or not a refgrad checkpoint")
    ):
        rg.load(path)
    document = {"format": "refgrad.save", "version": 99, "root": None}
    np.savez(path, __refgrad_structure__=np.array(json.dumps(document)))
    with pytest.raises(ValueError, match="version 99"):
        rg.load(path)
    document = {"format": "refgrad.save", "version": 1, "root": {"type": "tensor", "array": "a9"}}
    np.savez(path, __refgrad_structure__=np.array(json.dumps(document)))
    with pytest.raises(ValueError, match="lacks the array 'a9'"):
        rg.load(path)


class _Payload:
    """Unpickling this runs code: what a malicious checkpoint would contain."""

    def __reduce__(self) -> Any:
        return (exec, ("import builtins; builtins._refgrad_was_attacked = True",))


def test_loading_never_unpickles(tmp_path: Path) -> None:
    # A checkpoint whose tensor is a pickled object array, as an attacker could write it.
    evil = np.empty(1, dtype=object)
    evil[0] = _Payload()
    document = {
        "format": "refgrad.save",
        "version": 1,
        "root": {"type": "tensor", "array": "a0", "requires_grad": False},
    }
    path = tmp_path / "evil.npz"
    np.savez(path, a0=evil, __refgrad_structure__=np.array(json.dumps(document)))
    with pytest.raises(
        ValueError, match=re.escape(f"{path} is damaged or not a refgrad checkpoint")
    ):
        rg.load(path)
    assert not hasattr(builtins, "_refgrad_was_attacked")
    # The payload is live: a loader that allowed pickle would have run it.
    try:
        with np.load(path, allow_pickle=True) as archive:
            archive["a0"]
        assert builtins._refgrad_was_attacked  # type: ignore[attr-defined]
    finally:
        if hasattr(builtins, "_refgrad_was_attacked"):
            delattr(builtins, "_refgrad_was_attacked")
