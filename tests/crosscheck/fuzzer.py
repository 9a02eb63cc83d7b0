"""Differential fuzzer: random programs of 3 to 8 ops, run in refgrad and in PyTorch.

A program is a pool of leaf tensors (random broadcastable shapes with 0-d, size-0 and size-1
axes; float16/32/64, int32/64 and bool; values with NaN, +-inf, +-0 and huge magnitudes) and a
list of steps, each an entry of :data:`fuzz_ops.OPS` applied to tensors of the pool, its
output(s) joining the pool. The program is drawn step by step while it runs in PyTorch (so each
step's arguments can fit the shapes it sees), then replayed in refgrad and compared: whether
each step raises, the values (NaN positions equal; tolerance by dtype), dtypes and shapes,
gradients of a random weighted sum of the outputs, second-order gradients and forward-mode
tangents.

A mismatch that is one of refgrad's documented differences (docs/pytorch.md, "Where refgrad
differs on purpose") is named by :data:`KNOWN_DIFFERENCES`; anything else fails.

Run ``python tests/crosscheck/fuzzer.py --programs 20000 --seed 123`` (``nox -s fuzz``).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.autograd.forward_ad as torch_fwad
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hyp_seed
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
import fuzz_ops
from fuzz_ops import ALL, FLOATS, FuzzOp, Operand

import refgrad as rg
import refgrad.autograd.forward_ad as rg_fwad

OPS_BY_NAME = {op.name: op for op in fuzz_ops.OPS}
TOLERANCE = {"float16": (2e-2, 1e-2), "float32": (1e-4, 1e-5), "float64": (1e-8, 1e-10)}


@dataclass
class Program:
    leaves: list[np.ndarray]
    steps: list[tuple[str, tuple[int, ...], dict[str, Any]]] = field(default_factory=list)

    def code(self) -> str:
        """The program as Python a person can paste (with ``m`` = refgrad or torch)."""
        lines = ["import numpy as np", "nan, inf = np.nan, np.inf"]
        for i, a in enumerate(self.leaves):
            lines.append(f"t{i} = m.tensor(np.array({a.tolist()!r}, dtype=np.{a.dtype}))")
        n = len(self.leaves)
        for name, args, kw in self.steps:
            names = ", ".join(f"t{a}" for a in args)
            lines.append(f"t{n}... = {name}({names}, **{kw!r})")
            n += 1
        return "\n".join(lines)


@dataclass(frozen=True)
class Mismatch:
    kind: str  # error, value, dtype, shape, grad, grad2, tangent
    op: str
    detail: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.op}"


@dataclass(frozen=True)
class KnownDifference:
    name: str
    description: str
    matches: Callable[[Mismatch, Program], bool]


def _max_tuple_dims(m: Mismatch, p: Program) -> bool:
    return (
        m.kind == "error"
        and m.op in ("max", "min")
        and "torch raised" in m.detail
        and any(isinstance(kw.get("dim"), tuple) for _, _, kw in p.steps)
    )


KNOWN_DIFFERENCES: tuple[KnownDifference, ...] = (
    KnownDifference(
        "max-over-several-dims",
        "refgrad's max/min accept a tuple of dims, where PyTorch needs amax/amin",
        _max_tuple_dims,
    ),
)


def classify(m: Mismatch, p: Program) -> str | None:
    for known in KNOWN_DIFFERENCES:
        if known.matches(m, p):
            return known.name
    return None


# ---------------------------------------------------------------- drawing


def _values(draw: Any, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    n = int(np.prod(shape))
    if dtype == "bool":
        return np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool).reshape(shape)
    if dtype in ("int32", "int64"):
        ints = st.integers(-4, 4) | st.sampled_from([0, 7, -9, 1000])
        return np.array(draw(st.lists(ints, min_size=n, max_size=n)), dtype).reshape(shape)
    big = float(np.finfo(dtype).max) / 4
    special = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, big, -big, 1.0, -1.0])
    plain = st.floats(-3, 3, allow_nan=False, width=16 if dtype == "float16" else 32)
    values = st.one_of(plain, plain, plain, plain, special)
    return np.array(draw(st.lists(values, min_size=n, max_size=n)), dtype).reshape(shape)


def _leaves(draw: Any) -> list[np.ndarray]:
    ndim = draw(st.integers(0, 3))
    base = tuple(draw(st.lists(st.sampled_from([0, 1, 2, 3, 2, 3]), min_size=ndim, max_size=ndim)))
    leaves = []
    for _ in range(draw(st.integers(1, 3))):
        keep = draw(st.integers(0, ndim))
        shape = tuple(s if draw(st.integers(0, 3)) else 1 for s in base[ndim - keep :])
        dtype = draw(st.sampled_from([*FLOATS, "float64", "float64", "float32", *ALL[3:]]))
        leaves.append(_values(draw, dtype, shape))
    return leaves


def _operand(t: torch.Tensor) -> Operand:
    return Operand(str(t.dtype).removeprefix("torch.").replace("bool", "bool"), tuple(t.shape))


def _leaf(m: Any, a: np.ndarray) -> Any:
    t = m.tensor(a)
    if a.dtype.kind == "f":
        t.requires_grad_(True)
    return t


def _flatten_out(out: Any) -> list[Any]:
    if isinstance(out, tuple):
        return list(out)
    return [out]


def draw_program(draw: Any) -> Program:
    program = Program(_leaves(draw))
    pool = [_leaf(torch, a) for a in program.leaves]
    for _ in range(draw(st.integers(3, 8))):
        op: FuzzOp = draw(st.sampled_from(fuzz_ops.OPS))
        picks = tuple(draw(st.integers(0, len(pool) - 1)) for _ in range(op.arity))
        operands = tuple(_operand(pool[i]) for i in picks)
        if not all(o.dtype in op.dtypes for o in operands) or not op.accepts(operands):
            continue
        kw = op.draw_kwargs(draw, operands)
        program.steps.append((op.name, picks, kw))
        try:
            out = op.call(torch, *[pool[i] for i in picks], **kw)
        except Exception:
            break
        pool.extend(_flatten_out(out))
    return program


# ---------------------------------------------------------------- running and comparing


def _np(t: Any) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().numpy(force=True).copy()
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") else t).copy()


def _dtype_name(t: Any) -> str:
    if isinstance(t, torch.Tensor):
        return str(t.dtype).removeprefix("torch.")
    return str(np.dtype(t.dtype))


def _close(a: np.ndarray, b: np.ndarray, dtype: str) -> str | None:
    if a.shape != b.shape:
        return f"shape {a.shape} vs {b.shape}"
    if dtype not in TOLERANCE:
        return None if np.array_equal(a, b) else f"{a.tolist()} vs torch {b.tolist()}"
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    if not np.array_equal(np.isnan(a64), np.isnan(b64)):
        return f"NaN positions: {a.tolist()} vs torch {b.tolist()}"
    finite = np.isfinite(a64) & np.isfinite(b64)
    if not np.array_equal(a64[~finite & ~np.isnan(a64)], b64[~finite & ~np.isnan(b64)]):
        return f"infinities: {a.tolist()} vs torch {b.tolist()}"
    rtol, atol = TOLERANCE[dtype]
    if not np.allclose(a64[finite], b64[finite], rtol=rtol, atol=atol):
        return f"{a.tolist()} vs torch {b.tolist()}"
    return None


def _execute(m: Any, p: Program, leaves: list[Any]) -> tuple[list[Any], list[str], int, str]:
    """Run the steps; return the pool, each entry's producing op, the failing step and error."""
    pool = list(leaves)
    made_by = ["leaf"] * len(pool)
    for k, (name, picks, kw) in enumerate(p.steps):
        try:
            out = OPS_BY_NAME[name].call(m, *[pool[i] for i in picks], **kw)
        except Exception as error:
            return pool, made_by, k, f"{type(error).__name__}: {error}"
        outs = _flatten_out(out)
        pool.extend(outs)
        made_by.extend([name] * len(outs))
    return pool, made_by, len(p.steps), ""


def _weights(p: Program, pool: list[torch.Tensor]) -> list[np.ndarray]:
    rng = np.random.default_rng(len(p.steps) * 7919 + len(pool))
    return [rng.uniform(-1, 1, size=tuple(t.shape)) for t in pool]


def _grads(m: Any, leaves: list[Any], pool: list[Any], w: list[np.ndarray]) -> Any:
    floats = [i for i, t in enumerate(leaves) if t.requires_grad]
    outs = [i for i in range(len(leaves), len(pool)) if pool[i].requires_grad]
    if not floats or not outs:
        return None, None
    total = sum((pool[i] * m.tensor(w[i]).to(pool[i].dtype)).sum() for i in outs)
    inputs = [leaves[i] for i in floats]
    g1 = m.autograd.grad(total, inputs, allow_unused=True, create_graph=True)
    second = [g for g in g1 if g is not None and g.requires_grad]
    g2: Any = [None] * len(inputs)
    if second:
        s = sum((g * g.detach()).sum() for g in second)
        g2 = m.autograd.grad(s, inputs, allow_unused=True)
    return g1, g2


def _tangents(m: Any, fw: Any, p: Program, n: int) -> list[Any]:
    rng = np.random.default_rng(11)
    with fw.dual_level():
        leaves = []
        for a in p.leaves:
            t = m.tensor(a)
            if a.dtype.kind == "f":
                t = fw.make_dual(t, m.tensor(rng.standard_normal(a.shape).astype(a.dtype)))
            leaves.append(t)
        short = Program(p.leaves, p.steps[:n])
        pool, _, failed, error = _execute(m, short, leaves)
        if failed < n:
            raise RuntimeError(f"step {failed} raised under forward mode: {error}")
        return [
            None if fw.unpack_dual(t).tangent is None else _np(fw.unpack_dual(t).tangent)
            for t in pool
        ]


def compare(p: Program) -> list[Mismatch]:
    """Run ``p`` in both libraries and list every way they differ."""
    try:
        return _compare(p)
    except Exception as error:
        return [Mismatch("crash", p.steps[-1][0] if p.steps else "leaf", repr(error))]


def _compare(p: Program) -> list[Mismatch]:
    found: list[Mismatch] = []
    t_leaves = [_leaf(torch, a) for a in p.leaves]
    r_leaves = [_leaf(rg, a) for a in p.leaves]
    t_pool, made_by, t_fail, t_err = _execute(torch, p, t_leaves)
    r_pool, _, r_fail, r_err = _execute(rg, p, r_leaves)
    if t_fail != r_fail:
        k = min(t_fail, r_fail)
        who = "torch raised" if t_fail < r_fail else "refgrad raised"
        said = t_err if t_fail < r_fail else r_err
        found.append(Mismatch("error", p.steps[k][0], f"{who}: {said}"))
        return found
    for i in range(len(t_leaves), len(t_pool)):
        ours, theirs = r_pool[i], t_pool[i]
        op = made_by[i]
        if _dtype_name(ours) != _dtype_name(theirs):
            found.append(Mismatch("dtype", op, f"{_dtype_name(ours)} vs {_dtype_name(theirs)}"))
            return found
        if tuple(ours.shape) != tuple(theirs.shape):
            found.append(Mismatch("shape", op, f"{tuple(ours.shape)} vs {tuple(theirs.shape)}"))
            return found
        bad = _close(_np(ours), _np(theirs), _dtype_name(theirs))
        if bad:
            found.append(Mismatch("value", op, bad))
            return found
        if bool(ours.requires_grad) != bool(theirs.requires_grad):
            found.append(Mismatch("requires_grad", op, f"{ours.requires_grad}"))
            return found
    last = p.steps[-1][0] if p.steps else "leaf"
    w = _weights(p, t_pool)
    try:
        t1, t2 = _grads(torch, t_leaves, t_pool, w)
    except Exception:
        return found
    try:
        r1, r2 = _grads(rg, r_leaves, r_pool, w)
    except Exception as error:
        found.append(Mismatch("grad", last, f"refgrad raised {type(error).__name__}: {error}"))
        return found
    floats = [a for a in p.leaves if a.dtype.kind == "f"]
    for kind, ours_all, theirs_all in (("grad", r1, t1), ("grad2", r2, t2)):
        for a, ours, theirs in zip(floats, ours_all or [], theirs_all or [], strict=False):
            o = np.zeros(a.shape, a.dtype) if ours is None else _np(ours)
            t = np.zeros(a.shape, a.dtype) if theirs is None else _np(theirs)
            bad = _close(o, t, str(a.dtype))
            if bad:
                found.append(Mismatch(kind, last, bad))
                return found
    try:
        theirs_tan = _tangents(torch, torch_fwad, p, t_fail)
    except Exception:
        return found
    try:
        ours_tan = _tangents(rg, rg_fwad, p, t_fail)
    except Exception as error:
        found.append(Mismatch("tangent", last, f"refgrad raised {type(error).__name__}: {error}"))
        return found
    for i in range(len(t_leaves), len(t_pool)):
        shape = tuple(t_pool[i].shape)
        dt = _dtype_name(t_pool[i])
        if dt not in TOLERANCE:
            continue
        o = np.zeros(shape) if ours_tan[i] is None else ours_tan[i]
        t = np.zeros(shape) if theirs_tan[i] is None else theirs_tan[i]
        bad = _close(np.asarray(o, np.float64), np.asarray(t, np.float64), dt)
        if bad:
            found.append(Mismatch("tangent", made_by[i], bad))
            return found
    return found


# ---------------------------------------------------------------- driver


@dataclass
class Tally:
    programs: int = 0
    clean: int = 0
    known: dict[str, int] = field(default_factory=dict)
    classes: dict[str, tuple[int, Program, Mismatch]] = field(default_factory=dict)

    def add(self, p: Program, found: list[Mismatch]) -> list[Mismatch]:
        """Count ``p``; return its mismatches that no documented difference explains."""
        self.programs += 1
        unknown = []
        for m in found:
            name = classify(m, p)
            if name:
                self.known[name] = self.known.get(name, 0) + 1
            else:
                unknown.append(m)
                count, best, first = self.classes.get(m.key, (0, p, m))
                if len(p.code()) < len(best.code()):
                    best, first = p, m
                self.classes[m.key] = (count + 1, best, first)
        if not found:
            self.clean += 1
        return unknown

    def report(self) -> str:
        lines = [f"programs run: {self.programs}", f"clean: {self.clean}"]
        for name, count in sorted(self.known.items()):
            lines.append(f"documented difference {name}: {count}")
        for key, (count, p, m) in sorted(self.classes.items(), key=lambda kv: -kv[1][0]):
            lines.append(f"\nMISMATCH {key}: {count} program(s); smallest:\n{m.detail}")
            lines.append(p.code())
        return "\n".join(lines)


def run(programs: int, seed: int, tally: Tally) -> Tally:
    """Run ``programs`` programs drawn by hypothesis from ``seed``, counting into ``tally``."""

    @hyp_seed(seed)
    @settings(
        max_examples=programs,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def one(data: st.DataObject) -> None:
        p = draw_program(data.draw)
        tally.add(p, compare(p))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one()
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=123)
    args = parser.parse_args(argv)
    torch.set_default_dtype(torch.float64)
    tally = run(args.programs, args.seed, Tally())
    print(tally.report())
    return 1 if tally.classes else 0


if __name__ == "__main__":
    raise SystemExit(main())
