"""Count the machine instructions one op of the 1,000-op chain costs, with callgrind.

Wall-clock times on a shared machine move by tens of percent from run to run; the number of
instructions a program executes does not. ``valgrind --tool=callgrind`` counts them. This script
runs the chain of ``benchmarks/workloads.py`` (mul, add, tanh on a (10,) float64 tensor, then
``sum().backward()``) once and four times under callgrind, and divides the difference by the
3,000 extra ops, so start-up and imports cancel out.

Usage (valgrind is Debian's ``valgrind`` package)::

    python benchmarks/instructions.py refgrad torch autograd mygrad
    python benchmarks/instructions.py refgrad --path /some/other/checkout

``--path`` puts another checkout of refgrad first on ``sys.path`` (for a before/after count);
run it with a Python where refgrad is not installed in editable mode, whose import hook would
win over the path.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys

PROGRAM = r"""
import sys
import numpy as np
if sys.argv[2]:
    sys.path.insert(0, sys.argv[2])
name = sys.argv[1]
if name == "autograd":
    import autograd.numpy as anp
    from autograd import grad

    def chain(x):
        y = x
        for i in range(1000):
            y = y * 1.01 if i % 3 == 0 else (y + 0.01 if i % 3 == 1 else anp.tanh(y))
        return anp.sum(y)

    def run():
        grad(chain)(np.linspace(-1.0, 1.0, 10))
else:
    m = __import__(name)
    if name == "torch":
        m.set_default_dtype(m.float64)
        m.set_num_threads(1)

    def run():
        start = np.linspace(-1.0, 1.0, 10)
        x = m.tensor(start) if name == "mygrad" else m.tensor(start, requires_grad=True)
        y = x
        for i in range(1000):
            y = y * 1.01 if i % 3 == 0 else (y + 0.01 if i % 3 == 1 else m.tanh(y))
        m.sum(y).backward()
for _ in range(int(sys.argv[3])):
    run()
"""


def instructions(library: str, repeats: int, path: str) -> int:
    """Instructions executed by the program running the chain ``repeats`` times."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    command += [sys.executable, "-c", PROGRAM, library, path, str(repeats)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    match = re.search(r"refs:\s+([\d,]+)", done.stderr)
    if match is None:
        raise RuntimeError(f"callgrind printed no instruction count:\n{done.stderr[-2000:]}")
    return int(match.group(1).replace(",", ""))


def main() -> None:
    """Print the instructions per op for each library named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("libraries", nargs="+", help="refgrad, torch, autograd or mygrad")
    parser.add_argument("--path", default="", help="a checkout of refgrad to import first")
    args = parser.parse_args()
    for library in args.libraries:
        extra = instructions(library, 4, args.path) - instructions(library, 1, args.path)
        print(f"{library:10s} {extra / 3000:10,.0f} instructions per op")


if __name__ == "__main__":
    main()
