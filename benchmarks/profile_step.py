"""Where refgrad's time goes: cProfile of a chain of small ops and of one MLP training step.

Run it directly to print the profiles (``python benchmarks/profile_step.py``); ``bench.py`` calls
:func:`profile_summary` to store a short summary beside the timings.

The cyclic garbage collector is switched off while profiling: a collection runs whenever enough
objects have been allocated, and its time would be charged to whichever function happened to be
running, not to the code that caused it. (``bench.py`` times with the collector on, as users run.)

cProfile times Python functions and C functions called by name (``np.sum``, ``ndarray.reshape``),
but not ufuncs or operators on arrays (``np.matmul(a, b)``, ``a * b``): those kernels are charged
to the Python function that calls them, so ``MatMul.forward``'s own time is mostly BLAS.
"""

from __future__ import annotations

import cProfile
import gc
import pstats
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import refgrad as rg
from benchmarks.workloads import MLPProblem, make_chain, make_mlp, mlp_problem
from refgrad.autograd.engine import topological_order
from refgrad.autograd.function import BackwardNode


def _profile(step: Any, repeat: int) -> pstats.Stats:
    step()  # warm up: first-call costs (imports, caches) are not what we are after
    was_enabled = gc.isenabled()
    gc.disable()
    profiler = cProfile.Profile()
    try:
        profiler.enable()
        for _ in range(repeat):
            step()
        profiler.disable()
    finally:
        if was_enabled:
            gc.enable()
    return pstats.Stats(profiler)


def _qualnames() -> dict[tuple[str, int], str]:
    """``(file, first line) -> "Class.method"`` for every function in refgrad's modules.

    cProfile names a function by file, line and bare name (``forward``); the class makes the
    name readable (``MatMul.forward``).
    """
    names: dict[tuple[str, int], str] = {}
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("refgrad"):
            continue
        for owner in vars(module).values():
            members = vars(owner).values() if isinstance(owner, type) else [owner]
            for member in members:
                function = getattr(member, "__func__", member)
                code = getattr(function, "__code__", None)
                if code is not None:
                    key = (code.co_filename, code.co_firstlineno)
                    names[key] = getattr(function, "__qualname__", code.co_name)
    return names


def _label(filename: str, line: int, name: str, qualnames: dict[tuple[str, int], str]) -> str:
    """``function.py: Function.apply``, or a built-in's own name."""
    if filename == "~":  # a C function: cProfile names it like "<built-in method ...>"
        return name
    return f"{Path(filename).name}: {qualnames.get((filename, line), name)}"


def top_functions(stats: pstats.Stats, repeat: int, count: int = 12) -> list[dict[str, Any]]:
    """List the functions with the most *own* time (excluding callees), per repeat."""
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values())
    qualnames = _qualnames()
    rows = []
    for (filename, line, name), (_, ncalls, tottime, _, _) in raw.items():
        rows.append(
            {
                "function": _label(filename, line, name, qualnames),
                "calls": ncalls / repeat,
                "own_us": tottime / repeat * 1e6,
                "share": tottime / total,
            }
        )
    rows.sort(key=lambda row: -row["own_us"])
    return rows[:count]


def graph_size(problem: MLPProblem) -> dict[str, int]:
    """Count the ops one training step records and the ``Function.apply`` calls it makes.

    The calls are the forward ops plus the ops that backward rules run.
    """
    run = make_mlp("refgrad", problem)
    calls = 0
    original = rg.autograd.Function.apply.__func__  # type: ignore[attr-defined]

    def counting(cls: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return original(cls, *args, **kwargs)

    rg.autograd.Function.apply = classmethod(counting)  # type: ignore[method-assign,assignment]
    try:
        run.step()
    finally:
        rg.autograd.Function.apply = classmethod(original)  # type: ignore[method-assign,assignment]
    # The recorded graph of one forward pass (built again, outside the counting).
    model_x = rg.tensor(problem.x)
    weights = [
        (rg.tensor(W, requires_grad=True), rg.tensor(b, requires_grad=True))
        for W, b in problem.weights
    ]
    h = model_x
    for i, (W, b) in enumerate(weights):
        h = rg.nn.functional.linear(h, W, b)
        if i < len(weights) - 1:
            h = rg.nn.functional.relu(h)
    loss = rg.nn.functional.cross_entropy(h, rg.tensor(problem.y))
    assert loss.grad_fn is not None
    nodes = [n for n in topological_order([loss.grad_fn]) if isinstance(n, BackwardNode)]
    return {"recorded_ops": len(nodes), "apply_calls": calls}


def profile_summary(threads_note: str = "") -> dict[str, Any]:
    """Profiles stored in the results file: a chain of small ops and two training steps."""
    summary: dict[str, Any] = {"note": threads_note}
    chain = make_chain("refgrad", 1000)
    summary["chain_1000"] = top_functions(_profile(chain.step, 20), 20)
    for key, sizes, batch, repeat in (
        ("mlp_small_float32", (64, 128, 10), 64, 200),
        ("mlp_large_float32", (784, 256, 256, 10), 256, 10),
    ):
        problem = mlp_problem(sizes, batch, "float32")
        run = make_mlp("refgrad", problem)
        summary[key] = {
            "top": top_functions(_profile(run.step, repeat), repeat),
            **graph_size(problem),
        }
    return summary


def main() -> None:
    problem = mlp_problem((64, 128, 10), 64, "float32")
    for title, step, repeat in (
        ("1,000-op chain, forward and backward", make_chain("refgrad", 1000).step, 20),
        (f"training step, MLP {problem.label}", make_mlp("refgrad", problem).step, 200),
    ):
        print(f"\n=== {title} (x{repeat}, cyclic GC off) ===")
        _profile(step, repeat).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
