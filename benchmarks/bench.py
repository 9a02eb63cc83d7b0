"""refgrad against hand-written NumPy and its peers: timings, ratios and memory.

The peers are PyTorch, MyGrad and HIPS autograd; each is optional, and left out if it is not
installed.

Usage::

    python benchmarks/bench.py                # the full run, about four minutes
    python benchmarks/bench.py --quick        # a smoke run: short samples, no 100,000-op chain
    python benchmarks/bench.py --threads 2    # BLAS and PyTorch threads (default 1)

``nox -s bench`` runs the full version in its own virtualenv, with PyTorch 2.13.0, MyGrad and
HIPS autograd.

How it measures
---------------
* Every workload is run by every backend in the same process, interleaved round by round (the
  order rotating each round), so that whatever else the machine is doing slows them all alike.
  A sample is the mean of enough back-to-back calls to last about 0.1 s; the result is the
  median of the samples, and a ratio is the ratio of two medians. A ratio is always of two
  figures from this run: times from different runs, or machines, are not comparable.
* Before any timing, the first result of each backend is checked against the hand-written NumPy
  version (``numpy.testing.assert_allclose``): a fast wrong answer is not a result.
* NumPy's BLAS (through threadpoolctl) and PyTorch use the same number of threads.
* The cyclic garbage collector stays on, as in a user's program, but a collection is forced
  before each sample so that each starts from the same state, and the objects that exist after
  the imports are frozen (``gc.freeze``) so that the collector's work does not depend on which
  libraries are loaded. For the chains, refgrad is also timed with the collector off, to show
  how much of the cost it accounts for.
* Memory is measured with tracemalloc, which sees NumPy's array buffers and every Python object
  but not PyTorch's allocator, so memory compares refgrad with NumPy only.
* The targets of the project's issues are reported as met or not, never asserted: a missed
  target is a result, not a failure of the benchmark.

The results go to ``benchmarks/results/latest.json`` and are printed as a table; the book's
Performance page draws its figures from that file.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import refgrad as rg
from benchmarks import profile_step
from benchmarks.workloads import (
    LABELS,
    PEERS,
    MLPProblem,
    Run,
    import_peers,
    installed_peers,
    make_chain,
    make_diamond,
    make_mlp,
    mlp_problem,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "latest.json"
SAMPLE_SECONDS = 0.1  # --quick: QUICK_SAMPLE_SECONDS, enough for a smoke run
QUICK_SAMPLE_SECONDS = 0.01

# What the project aims for, by issue: key -> (issue, target). Reported against, never asserted.
TARGETS = {
    "per_op_overhead": (5, "refgrad's per-op overhead ≤ 1.0× PyTorch's (1,000-op chain)"),
    "mlp_large": (5, "784→256→256→10 batch 256 float32 step ≤ 1.15× hand-written NumPy"),
    "mlp_small": (5, "64→128→10 batch 64 step ≤ 2× hand-written NumPy"),
    "chain_100k": (5, "100,000-op chain faster than PyTorch's"),
    "chain_growth": (5, "chain time grows linearly: 10× ops → ≈10× time"),
    "memory_peak": (5, "peak memory of a training step ≤ 1.5× NumPy's"),
    "memory_growth": (5, "no memory growth over 200 training steps"),
    "per_op_vs_autograd": (10, "time per op below HIPS autograd's (1,000-op chain)"),
    "per_op_vs_torch": (10, "time per op ≤ 1.5× PyTorch's (1,000-op chain)"),
    "mlp_step_vs_torch": (10, "64→128→10 batch 64 float32 step ≤ 1.0× PyTorch's"),
    "chain_100k_vs_torch": (10, "100,000-op chain ≤ 1.3× PyTorch's"),
}


def pin_threads(threads: int) -> Any:
    """Give NumPy's BLAS and PyTorch the same number of threads; returns what keeps the limit."""
    from threadpoolctl import threadpool_limits

    limiter = threadpool_limits(limits=threads)
    if "torch" in installed_peers():
        import torch

        torch.set_num_threads(threads)
    return limiter


# ---------------------------------------------------------------- timing


def check(name: str, runs: dict[str, Run], rtol: float, atol: float) -> None:
    """Run each backend once and compare what it computed with the hand-written NumPy version."""
    for run in runs.values():
        run.step()
    reference = runs["numpy"].values()
    for backend, run in runs.items():
        got = run.values()
        assert len(got) == len(reference), f"{name}/{backend}: {len(got)} values"
        for i, (value, expected) in enumerate(zip(got, reference, strict=True)):
            np.testing.assert_allclose(
                value, expected, rtol=rtol, atol=atol, err_msg=f"{name}/{backend}, value {i}"
            )


def interleaved(
    steps: dict[str, Callable[[], Any]], rounds: int, sample_seconds: float
) -> dict[str, list[float]]:
    """Seconds per call of each step, ``rounds`` samples each, backends interleaved."""
    number = {}
    for name, step in steps.items():  # calibrate: enough calls for about sample_seconds
        start = time.perf_counter()
        step()
        number[name] = max(1, round(sample_seconds / (time.perf_counter() - start)))
    samples: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            step, n = steps[name], number[name]
            gc.collect()
            start = time.perf_counter()
            for _ in range(n):
                step()
            samples[name].append((time.perf_counter() - start) / n)
    return samples


def without_gc(step: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> None:
        gc.disable()
        try:
            step()
        finally:
            gc.enable()

    return run


def summarize(samples: dict[str, list[float]]) -> dict[str, Any]:
    """Median and quartiles of each backend's samples, and the ratios of the medians: every
    backend to NumPy's and PyTorch's, and refgrad to every other backend.
    """
    seconds: dict[str, dict[str, Any]] = {}
    for name, values in samples.items():
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        seconds[name] = {
            "median": float(median),
            "q1": float(q1),
            "q3": float(q3),
            "samples": [float(f"{v:.4g}") for v in values],
        }
    pairs = [(name, base) for base in ("numpy", "torch") for name in samples]
    pairs += [("refgrad", peer) for peer in PEERS]
    ratios = {
        f"{name}/{base}": seconds[name]["median"] / seconds[base]["median"]
        for name, base in pairs
        if name != base and name in samples and base in samples
    }
    return {"seconds": seconds, "ratios": ratios}


def timed_workload(
    name: str,
    make: Callable[[str], Run],
    backends: list[str],
    rounds: int,
    sample_seconds: float,
    rtol: float,
    atol: float,
    gc_off_variant: bool = False,
    **info: Any,
) -> dict[str, Any]:
    """Check every backend's version of a workload, then time them interleaved."""
    print(f"  {name} ...", end="", flush=True)
    start = time.perf_counter()
    runs = {backend: make(backend) for backend in backends}
    check(name, runs, rtol, atol)
    steps = {backend: run.step for backend, run in runs.items()}
    if gc_off_variant:
        steps["refgrad_gc_off"] = without_gc(runs["refgrad"].step)
    samples = interleaved(steps, rounds, sample_seconds)
    result = {**info, "rounds": rounds, **summarize(samples)}
    print(f" {time.perf_counter() - start:.1f} s", flush=True)
    return result


# ---------------------------------------------------------------- memory


def memory_of_training(problem: MLPProblem, backend: str, steps: int) -> dict[str, Any]:
    """Measure the memory one training step needs, and what stays allocated from step to step.

    The model, the batch and one warm-up step exist before tracing starts. Every tenth step is
    measured on its own: its peak above the memory in use just before it (activations, the
    graph, gradients, temporaries). A full collection before each measured step empties the
    interpreter's free lists, whose blocks tracemalloc would otherwise count as in use. The
    memory in use after step 10 and after the last step shows whether anything accumulates.
    """
    run = make_mlp(backend, problem)
    run.step()
    gc.collect()
    tracemalloc.start()
    try:
        step_peaks = []
        retained = {}
        for step in range(1, steps + 1):
            measured = step % 10 == 0
            if measured:
                gc.collect()
                tracemalloc.reset_peak()
                before = tracemalloc.get_traced_memory()[0]
            run.step()
            if measured:
                step_peaks.append(tracemalloc.get_traced_memory()[1] - before)
            if step in (10, steps):
                gc.collect()
                retained[step] = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return {
        "peak_bytes": max(step_peaks),
        "retained_bytes": retained[steps],
        "growth_bytes": retained[steps] - retained[10],
    }


def memory_workload(problem: MLPProblem, steps: int) -> dict[str, Any]:
    print(f"  memory, {problem.label}, {steps} steps ...", end="", flush=True)
    start = time.perf_counter()
    result: dict[str, Any] = {
        "label": problem.label,
        "steps": steps,
        "parameter_bytes": sum(W.nbytes + b.nbytes for W, b in problem.weights),
        "batch_bytes": problem.x.nbytes + problem.y.nbytes,
    }
    for backend in ("numpy", "refgrad"):
        result[backend] = memory_of_training(problem, backend, steps)
    result["peak_ratio"] = result["refgrad"]["peak_bytes"] / result["numpy"]["peak_bytes"]
    print(f" {time.perf_counter() - start:.1f} s", flush=True)
    return result


# ---------------------------------------------------------------- the run


def machine_info(threads: int) -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "processor": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "refgrad": rg.__version__,
        "refgrad_commit": _git("rev-parse", "--short", "HEAD"),
        "refgrad_tree_dirty": bool(_git("status", "--porcelain", "refgrad")),
        "threads": threads,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    for peer in installed_peers():  # "autograd" is HIPS autograd
        info[peer] = importlib.metadata.version(peer)
    try:
        from threadpoolctl import threadpool_info

        info["blas"] = [
            {k: pool.get(k) for k in ("internal_api", "version", "num_threads")}
            for pool in threadpool_info()
        ]
    except ImportError:
        pass
    return info


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return ""
    return out.stdout.strip()


def growth_exponent(ops: list[int], seconds: list[float]) -> float:
    """Slope of log(time) against log(ops): 1 for linear growth."""
    slope, _ = np.polyfit(np.log(ops), np.log(seconds), 1)
    return float(slope)


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issues #5 and #10 with the measured value and whether it is met.

    A target whose workload or peer was not measured (``--quick``, a peer not installed) has the
    value None and is neither met nor missed.
    """
    w = results["workloads"]
    rows: list[dict[str, Any]] = []

    def ratio(workload: str, pair: str) -> float | None:
        """A ratio that a quick run, or a missing peer, leaves out."""
        value: float | None = w.get(workload, {}).get("ratios", {}).get(pair)
        return value

    def row(key: str, value: float | None, goal: float, unit: str, below: bool = False) -> None:
        """``below``: the value must be strictly below the goal, not merely at most it."""
        issue, target = TARGETS[key]
        met = None if value is None else bool(value < goal if below else value <= goal)
        rows.append(
            {"key": key, "issue": issue, "target": target, "value": value, "goal": goal}
            | {"unit": unit, "met": met}
        )

    per_op = results["per_op"]
    row("per_op_overhead", per_op.get("overhead_ratio_vs_torch"), 1.0, "× PyTorch")
    row("mlp_large", w["mlp_large_float32"]["ratios"]["refgrad/numpy"], 1.15, "× NumPy")
    small = max(w[f"mlp_small_{d}"]["ratios"]["refgrad/numpy"] for d in ("float32", "float64"))
    row("mlp_small", small, 2.0, "× NumPy (worse dtype)")
    row("chain_100k", ratio("chain_100000", "refgrad/torch"), 1.0, "× PyTorch", below=True)
    row("chain_growth", results["chain_growth"]["refgrad"], 1.1, "exponent (1 = linear)")
    memory = results["memory"]
    ratio_peak = max(m["peak_ratio"] for m in memory.values())
    row("memory_peak", ratio_peak, 1.5, "× NumPy (worse MLP)")
    # Growth beyond what the hand-written NumPy loop shows (the measuring itself keeps a few
    # hundred bytes); 1 KiB over 190 steps would be a few bytes a step.
    growth = max(m["refgrad"]["growth_bytes"] - m["numpy"]["growth_bytes"] for m in memory.values())
    row("memory_growth", float(growth), 1024.0, "bytes more than NumPy's")

    row("per_op_vs_autograd", per_op["ratios"].get("refgrad/autograd"), 1.0, "× HIPS", below=True)
    row("per_op_vs_torch", per_op["ratios"].get("refgrad/torch"), 1.5, "× PyTorch")
    row("mlp_step_vs_torch", ratio("mlp_small_float32", "refgrad/torch"), 1.0, "× PyTorch")
    row("chain_100k_vs_torch", ratio("chain_100000", "refgrad/torch"), 1.3, "× PyTorch")
    return rows


def chain_workloads(
    backends: list[str], lengths: list[int], rounds: int, sample_seconds: float
) -> dict[str, Any]:
    """The chains of every length, and the diamond."""
    w = {}
    for ops in lengths:
        w[f"chain_{ops}"] = timed_workload(
            f"chain_{ops}",
            lambda b, ops=ops: make_chain(b, ops),
            backends,
            # The longest chain takes seconds per call for the slowest peers: fewer rounds.
            rounds=rounds if ops < 100_000 else max(3, rounds // 5),
            sample_seconds=sample_seconds,
            # Peers' tanh and its derivative (HIPS autograd's is 1/cosh²) differ from NumPy's in
            # the last bit, and a gradient is a product of ops/3 such factors.
            rtol=1e-9,
            atol=0.0,
            gc_off_variant=True,
            group="chain",
            ops=ops,
            description=f"{ops:,} ops (y*a, y+b, tanh y) on a (10,) float64 tensor, "
            "forward + backward",
        )
    w["diamond_1000"] = timed_workload(
        "diamond_1000",
        lambda b: make_diamond(b, 1_000),
        backends,
        rounds=rounds,
        sample_seconds=sample_seconds,
        rtol=1e-12,
        atol=0.0,
        group="diamond",
        ops=1_000,
        description="1,000 ops, y = (y + y) * 0.5: every node used twice",
    )
    return w


def mlp_workloads(backends: list[str], rounds: int, sample_seconds: float) -> dict[str, Any]:
    """Training steps of a small and a larger MLP, each in float32 and float64."""
    w = {}
    for key, sizes, batch in (
        ("mlp_small", (64, 128, 10), 64),
        ("mlp_large", (784, 256, 256, 10), 256),
    ):
        for dtype in ("float32", "float64"):
            problem = mlp_problem(sizes, batch, dtype)
            tol = 2e-4 if dtype == "float32" else 1e-9
            w[f"{key}_{dtype}"] = timed_workload(
                f"{key}_{dtype}",
                lambda b, p=problem: make_mlp(b, p),
                backends,
                rounds=rounds,
                sample_seconds=sample_seconds,
                rtol=tol,
                atol=tol * 1e-2,
                group="mlp",
                sizes=list(sizes),
                batch=batch,
                dtype=dtype,
                description=f"SGD training step, MLP {problem.label}",
            )
    return w


def per_op_summary(chain: dict[str, Any]) -> dict[str, Any]:
    """A chain's time per op, and its overhead: the time beyond NumPy's kernels, per op."""
    ops = chain["ops"]
    median = {backend: s["median"] for backend, s in chain["seconds"].items()}
    per_op: dict[str, Any] = {
        "ops": ops,
        "us_per_op": {b: t / ops * 1e6 for b, t in median.items()},
        "overhead_us": {b: (t - median["numpy"]) / ops * 1e6 for b, t in median.items()},
        "ratios": {f"refgrad/{p}": median["refgrad"] / median[p] for p in PEERS if p in median},
    }
    if "torch" in median:
        overhead = per_op["overhead_us"]
        per_op["overhead_ratio_vs_torch"] = overhead["refgrad"] / overhead["torch"]
    return per_op


def run_all(quick: bool, threads: int) -> dict[str, Any]:
    """Every workload, the memory, the profiles and the targets: what goes into the JSON."""
    backends = ["refgrad", "numpy", *installed_peers()]
    rounds = 3 if quick else 15
    sample_seconds = QUICK_SAMPLE_SECONDS if quick else SAMPLE_SECONDS
    results: dict[str, Any] = {
        "schema": 2,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", "benchmarks/bench.py", *sys.argv[1:]]),
        "quick": quick,
        "machine": machine_info(threads),
        "backends": backends,
        "labels": {b: LABELS[b] for b in backends},
        "workloads": {},
    }
    w = results["workloads"]
    print(f"backends: {', '.join(backends)}; {threads} thread(s); {rounds} rounds")
    # Two lengths at least, for the growth exponent; the 1,000-op chain gives the per-op costs.
    chain_lengths = [1_000, 3_000] if quick else [1_000, 10_000, 100_000]
    w |= chain_workloads(backends, chain_lengths, rounds, sample_seconds)
    w |= mlp_workloads(backends, rounds, sample_seconds)

    results["per_op"] = per_op_summary(w["chain_1000"])
    growth: dict[str, Any] = {"ops": chain_lengths}
    for backend in w["chain_1000"]["seconds"]:
        times = [w[f"chain_{n}"]["seconds"][backend]["median"] for n in chain_lengths]
        growth[backend] = growth_exponent(chain_lengths, times)
    results["chain_growth"] = growth

    steps = 50 if quick else 200
    results["memory"] = {
        key: memory_workload(mlp_problem(sizes, batch, "float32"), steps)
        for key, sizes, batch in (
            ("mlp_small_float32", (64, 128, 10), 64),
            ("mlp_large_float32", (784, 256, 256, 10), 256),
        )
    }
    print("  profiles ...", flush=True)
    results["profile"] = profile_step.profile_summary(
        "cProfile, cyclic GC off; own time per training step or per 1,000-op chain"
    )
    results["targets"] = targets(results)
    return results


# ---------------------------------------------------------------- the table

# Column headings of the printed table, narrower than LABELS.
SHORT = LABELS | {"numpy": "NumPy", "autograd": "HIPS", "refgrad_gc_off": "rg, GC off"}
COLUMN = 12


def _fmt_time(seconds: float) -> str:
    """``0.0123`` -> ``"12.3 ms"``: three significant digits, in the largest unit that fits."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _grid(title: str, columns: list[str], rows: dict[str, list[str]]) -> list[str]:
    """A fixed-width table: ``title`` over the row names, one column per entry of ``columns``."""
    header = f"{title:<22}" + "".join(f"{SHORT[c]:>{COLUMN}}" for c in columns)
    lines = [header, "-" * len(header)]
    for name, cells in rows.items():
        lines.append(f"{name:<22}" + "".join(f"{cell:>{COLUMN}}" for cell in cells))
    return lines


def _times(results: dict[str, Any]) -> list[str]:
    """Each workload's median time per call, for every backend."""
    backends = [*results["backends"], "refgrad_gc_off"]
    rows = {}
    for name, work in results["workloads"].items():
        sec = work["seconds"]
        rows[name] = [_fmt_time(sec[b]["median"]) if b in sec else "–" for b in backends]
    return _grid("median time per call", backends, rows)


def _ratios(results: dict[str, Any]) -> list[str]:
    """Refgrad's median time over every other backend's, workload by workload."""
    others = [b for b in results["backends"] if b != "refgrad"]
    rows = {}
    for name, work in results["workloads"].items():
        ratios = work["ratios"]
        rows[name] = [
            f"{ratios[f'refgrad/{b}']:.2f}" if f"refgrad/{b}" in ratios else "–" for b in others
        ]
    return _grid("refgrad's time ÷", others, rows)


def _per_op(results: dict[str, Any]) -> list[str]:
    """What one op of the 1,000-op chain costs each backend, and how chains grow."""
    per_op = results["per_op"]
    columns = list(per_op["us_per_op"])
    ratios = per_op["ratios"]
    rows = {
        "time (µs)": [f"{per_op['us_per_op'][b]:.2f}" for b in columns],
        "beyond NumPy's (µs)": [f"{per_op['overhead_us'][b]:.2f}" for b in columns],
        "refgrad's ÷ theirs": [
            f"{ratios[f'refgrad/{b}']:.2f}" if f"refgrad/{b}" in ratios else "" for b in columns
        ],
    }
    growth = results["chain_growth"]
    return [
        *_grid(f"per op, {per_op['ops']:,}-op chain", columns, rows),
        "",
        "chain growth exponent (1 = linear): "
        + ", ".join(f"{SHORT[b]} {v:.2f}" for b, v in growth.items() if b != "ops"),
    ]


def _memory_lines(results: dict[str, Any]) -> list[str]:
    """Peak and growth of a training step's memory, refgrad against NumPy by hand."""
    return [
        f"memory {key}: peak refgrad {m['refgrad']['peak_bytes'] / 1e6:.2f} MB, "
        f"NumPy {m['numpy']['peak_bytes'] / 1e6:.2f} MB ({m['peak_ratio']:.2f}×); "
        f"growth over {m['steps']} steps {m['refgrad']['growth_bytes']} B"
        for key, m in results["memory"].items()
    ]


def _target_lines(results: dict[str, Any]) -> list[str]:
    """The targets, newest issue first, each marked met, NOT met or - (not measured)."""
    lines = []
    for issue in sorted({t["issue"] for t in results["targets"]}, reverse=True):
        lines.append(f"targets of issue #{issue} (reported, not asserted):")
        for t in (t for t in results["targets"] if t["issue"] == issue):
            value = "not measured" if t["value"] is None else f"{t['value']:.3g} {t['unit']}"
            mark = {True: "met", False: "NOT met", None: "-"}[t["met"]]
            lines.append(f"  [{mark:>7}] {t['target']}: {value}")
    return lines


def table(results: dict[str, Any]) -> str:
    """The summary printed after a run: times, ratios, per-op costs, memory and the targets."""
    parts = (_times, _ratios, _per_op, _memory_lines, _target_lines)
    return "\n\n".join("\n".join(part(results)) for part in parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few seconds")
    parser.add_argument("--threads", type=int, default=1, help="BLAS and PyTorch threads")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON")
    args = parser.parse_args(argv)
    limiter = pin_threads(args.threads)
    # Everything imported (PyTorch alone is about 150,000 objects) would otherwise be walked by
    # every full collection of the garbage collector, making refgrad's graphs pay for the peers
    # being loaded in the same process. Frozen objects are never examined again.
    import_peers()
    gc.collect()
    gc.freeze()
    start = time.perf_counter()
    results = run_all(args.quick, args.threads)
    results["wall_seconds"] = time.perf_counter() - start
    del limiter
    print()
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.out} ({results['wall_seconds']:.0f} s)")


if __name__ == "__main__":
    main()
