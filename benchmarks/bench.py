"""refgrad against hand-written NumPy and PyTorch: timings, ratios and memory.

Usage::

    python benchmarks/bench.py                # the full run, about two minutes
    python benchmarks/bench.py --quick        # fewer rounds and no 100,000-op chain
    python benchmarks/bench.py --threads 2    # BLAS and PyTorch threads (default 1)

``nox -s bench`` runs the full version in its own virtualenv, with PyTorch 2.13.0.

How it measures
---------------
* Every workload is run by every backend in the same process, interleaved round by round (the
  order rotating each round), so that whatever else the machine is doing slows them all alike.
  A sample is the mean of enough back-to-back calls to last about 0.1 s; the result is the
  median of the samples, and a ratio is the ratio of two medians.
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

The results go to ``benchmarks/results/latest.json`` and are printed as a table; the book's
Performance page draws its figures from that file.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import math
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
from benchmarks.workloads import MLPProblem, Run, make_chain, make_diamond, make_mlp, mlp_problem

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "latest.json"
SAMPLE_SECONDS = 0.1

# What the project aims for (issue #5). Reported against, never asserted.
TARGETS = {
    "per_op_overhead": "refgrad's per-op overhead ≤ 1.0× PyTorch's (1,000-op chain)",
    "mlp_large": "784→256→256→10 batch 256 float32 step ≤ 1.15× hand-written NumPy",
    "mlp_small": "64→128→10 batch 64 step ≤ 2× hand-written NumPy",
    "chain_100k": "100,000-op chain faster than PyTorch's",
    "chain_growth": "chain time grows linearly: 10× ops → ≈10× time",
    "memory_peak": "peak memory of a training step ≤ 1.5× NumPy's",
    "memory_growth": "no memory growth over 200 training steps",
}


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def pin_threads(threads: int) -> Any:
    """Give NumPy's BLAS and PyTorch the same number of threads; returns what keeps the limit."""
    from threadpoolctl import threadpool_limits

    limiter = threadpool_limits(limits=threads)
    if torch_available():
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


def interleaved(steps: dict[str, Callable[[], Any]], rounds: int) -> dict[str, list[float]]:
    """Seconds per call of each step, ``rounds`` samples each, backends interleaved."""
    number = {}
    for name, step in steps.items():  # calibrate: enough calls for about SAMPLE_SECONDS
        start = time.perf_counter()
        step()
        number[name] = max(1, round(SAMPLE_SECONDS / (time.perf_counter() - start)))
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
    seconds = {}
    for name, values in samples.items():
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        seconds[name] = {
            "median": float(median),
            "q1": float(q1),
            "q3": float(q3),
            "samples": [float(f"{v:.4g}") for v in values],
        }
    ratios = {}
    for name in samples:
        for base in ("numpy", "torch"):
            if name != base and base in samples:
                ratios[f"{name}/{base}"] = seconds[name]["median"] / seconds[base]["median"]
    return {"seconds": seconds, "ratios": ratios}


def timed_workload(
    name: str,
    make: Callable[[str], Run],
    backends: list[str],
    rounds: int,
    rtol: float,
    atol: float,
    gc_off_variant: bool = False,
    **info: Any,
) -> dict[str, Any]:
    print(f"  {name} ...", end="", flush=True)
    start = time.perf_counter()
    runs = {backend: make(backend) for backend in backends}
    check(name, runs, rtol, atol)
    steps = {backend: run.step for backend, run in runs.items()}
    if gc_off_variant:
        steps["refgrad_gc_off"] = without_gc(runs["refgrad"].step)
    result = {**info, "rounds": rounds, **summarize(interleaved(steps, rounds))}
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
    if torch_available():
        import torch

        info["torch"] = torch.__version__
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
    """Each target of issue #5 with the measured value and whether it is met."""
    w = results["workloads"]
    rows: list[dict[str, Any]] = []

    def row(key: str, value: float | None, goal: float, met: bool | None, unit: str) -> None:
        rows.append(
            {"key": key, "target": TARGETS[key], "value": value, "goal": goal, "unit": unit}
            | {"met": met}
        )

    per_op = results["per_op"]
    if "torch" in per_op["overhead_us"]:
        ratio = per_op["overhead_ratio_vs_torch"]
        row("per_op_overhead", ratio, 1.0, ratio <= 1.0, "× PyTorch")
    else:
        row("per_op_overhead", None, 1.0, None, "× PyTorch")
    ratio = w["mlp_large_float32"]["ratios"]["refgrad/numpy"]
    row("mlp_large", ratio, 1.15, ratio <= 1.15, "× NumPy")
    ratio = max(w[f"mlp_small_{d}"]["ratios"]["refgrad/numpy"] for d in ("float32", "float64"))
    row("mlp_small", ratio, 2.0, ratio <= 2.0, "× NumPy (worse dtype)")
    if "chain_100000" in w and "refgrad/torch" in w["chain_100000"]["ratios"]:
        ratio = w["chain_100000"]["ratios"]["refgrad/torch"]
        row("chain_100k", ratio, 1.0, ratio < 1.0, "× PyTorch")
    else:
        row("chain_100k", None, 1.0, None, "× PyTorch")
    slope = results["chain_growth"]["refgrad"]
    row("chain_growth", slope, 1.1, slope <= 1.1, "exponent (1 = linear)")
    memory = results["memory"]
    ratio = max(m["peak_ratio"] for m in memory.values())
    row("memory_peak", ratio, 1.5, ratio <= 1.5, "× NumPy (worse MLP)")
    # Growth beyond what the hand-written NumPy loop shows (the measuring itself keeps a few
    # hundred bytes); 1 KiB over 190 steps would be a few bytes a step.
    growth = max(m["refgrad"]["growth_bytes"] - m["numpy"]["growth_bytes"] for m in memory.values())
    row("memory_growth", float(growth), 1024.0, growth <= 1024, "bytes more than NumPy's")
    return rows


def run_all(quick: bool, threads: int) -> dict[str, Any]:
    backends = ["refgrad", "numpy", *(["torch"] if torch_available() else [])]
    rounds = 5 if quick else 15
    results: dict[str, Any] = {
        "schema": 1,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", "benchmarks/bench.py", *sys.argv[1:]]),
        "quick": quick,
        "machine": machine_info(threads),
        "backends": backends,
        "workloads": {},
    }
    w = results["workloads"]
    print(f"backends: {', '.join(backends)}; {threads} thread(s); {rounds} rounds")

    chain_lengths = [1_000, 10_000] + ([] if quick else [100_000])
    for ops in chain_lengths:
        w[f"chain_{ops}"] = timed_workload(
            f"chain_{ops}",
            lambda b, ops=ops: make_chain(b, ops),
            backends,
            rounds=rounds if ops < 100_000 else max(3, rounds // 3),
            rtol=1e-12,
            atol=0.0,
            gc_off_variant=True,
            group="chain",
            ops=ops,
            description=f"{ops:,} ops (y*a, y+b) on a (10,) float64 tensor, forward + backward",
        )
    w["diamond_1000"] = timed_workload(
        "diamond_1000",
        lambda b: make_diamond(b, 1_000),
        backends,
        rounds=rounds,
        rtol=1e-12,
        atol=0.0,
        group="diamond",
        ops=1_000,
        description="1,000 ops, y = (y + y) * 0.5: every node used twice",
    )
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
                rtol=tol,
                atol=tol * 1e-2,
                group="mlp",
                sizes=list(sizes),
                batch=batch,
                dtype=dtype,
                description=f"SGD training step, MLP {problem.label}",
            )

    chain = w["chain_1000"]["seconds"]
    numpy_s = chain["numpy"]["median"]
    per_op: dict[str, Any] = {
        "ops": 1_000,
        "seconds_per_op": {b: chain[b]["median"] / 1_000 for b in chain},
        "overhead_us": {b: (chain[b]["median"] - numpy_s) / 1_000 * 1e6 for b in chain},
    }
    if "torch" in chain:
        per_op["overhead_ratio_vs_torch"] = (
            per_op["overhead_us"]["refgrad"] / per_op["overhead_us"]["torch"]
        )
    results["per_op"] = per_op
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


def _fmt_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def table(results: dict[str, Any]) -> str:
    backends = [*results["backends"], "refgrad_gc_off"]
    lines = []
    header = f"{'workload':<22}" + "".join(f"{b:>15}" for b in backends)
    header += f"{'rg/numpy':>10}{'rg/torch':>10}"
    lines += [header, "-" * len(header)]
    for name, work in results["workloads"].items():
        sec, ratios = work["seconds"], work["ratios"]
        cells = "".join(f"{_fmt_time(sec[b]['median']) if b in sec else '':>15}" for b in backends)
        rn, rt = ratios.get("refgrad/numpy", math.nan), ratios.get("refgrad/torch", math.nan)
        lines.append(f"{name:<22}{cells}{rn:>10.2f}{rt:>10.2f}")
    per_op = results["per_op"]["overhead_us"]
    lines.append("")
    lines.append(
        "per-op overhead (time − NumPy's) / 1,000 ops: "
        + ", ".join(f"{b} {v:.2f} µs" for b, v in per_op.items() if b != "numpy")
    )
    lines.append(
        "chain growth exponent (1 = linear): "
        + ", ".join(f"{b} {v:.2f}" for b, v in results["chain_growth"].items() if b != "ops")
    )
    for key, m in results["memory"].items():
        lines.append(
            f"memory {key}: peak refgrad {m['refgrad']['peak_bytes'] / 1e6:.2f} MB, "
            f"NumPy {m['numpy']['peak_bytes'] / 1e6:.2f} MB ({m['peak_ratio']:.2f}×); "
            f"growth over {m['steps']} steps {m['refgrad']['growth_bytes']} B"
        )
    lines.append("")
    lines.append("targets (reported, not asserted):")
    for t in results["targets"]:
        value = "not measured" if t["value"] is None else f"{t['value']:.3g} {t['unit']}"
        mark = {True: "met", False: "NOT met", None: "-"}[t["met"]]
        lines.append(f"  [{mark:>7}] {t['target']}: {value}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, no 100k chain")
    parser.add_argument("--threads", type=int, default=1, help="BLAS and PyTorch threads")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON")
    args = parser.parse_args(argv)
    limiter = pin_threads(args.threads)
    # Everything imported so far (PyTorch alone is about 150,000 objects) would otherwise be
    # walked by every full collection of the garbage collector, making refgrad's graphs pay for
    # PyTorch being loaded in the same process. Frozen objects are never examined again.
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
