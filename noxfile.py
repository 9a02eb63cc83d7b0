"""Developer and CI tasks for refgrad.

Bare ``nox`` runs the check the README asks for: lint, typecheck, tests and docs.
``nox -s crosscheck`` compares against PyTorch, ``nox -s browser`` opens the built book in
headless Chromium.

Environment:

``REFGRAD_DOCS_EXECUTION``
    MyST-NB execution mode for ``nox -s docs``: ``force`` (re-run every page) or ``cache``
    (re-run only changed pages). Defaults to ``force`` when ``CI`` is set, else ``cache``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

ROOT = Path(__file__).parent
DOCS = ROOT / "docs"
BUILD = DOCS / "_build"
HTML = BUILD / "html"

nox.options.sessions = ["lint", "typecheck", "tests", "docs"]
nox.options.reuse_existing_virtualenvs = True
# pip, not uv: `pip install torch==2.13.0` finds the wheel on this machine's disk; uv would
# download a CUDA build of several GB.
nox.options.default_venv_backend = "virtualenv"

PYTHON = "3.11"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def _existing(*paths: str) -> list[str]:
    return [p for p in paths if (ROOT / p).exists()]


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff lint and format check."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """Run mypy --strict over the package."""
    session.install("-e", ".[lint]")
    session.run("mypy", "--strict", "refgrad")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit tests, every docstring in refgrad/ as a doctest, and the book's pages via sybil.

    Extra arguments go to pytest and replace the default paths, e.g. ``nox -s tests -- docs``.
    """
    session.install("-e", ".[tests]")
    args = session.posargs or _existing("tests", "refgrad", "docs")
    session.run(
        "pytest",
        "--ignore=tests/browser",
        "--ignore=tests/crosscheck",
        *args,
    )


def _build_docs(session: nox.Session, *extra: str) -> None:
    session.install("-e", ".[docs]")
    mode = os.environ.get("REFGRAD_DOCS_EXECUTION") or ("force" if _in_ci() else "cache")
    # Start from an empty build directory so every page is read (and, in force mode, executed).
    # The execution cache lives in docs/.jupyter_cache and survives this.
    shutil.rmtree(HTML, ignore_errors=True)
    shutil.rmtree(BUILD / "doctrees", ignore_errors=True)
    session.run(
        "sphinx-build",
        "-b",
        "html",
        "-W",  # warnings are errors ...
        "--keep-going",  # ... but report all of them
        "-n",  # nitpicky: every cross-reference must resolve
        "-E",  # read every source file
        "-T",  # full tracebacks (a failing cell's traceback only shows with -T)
        "-d",
        str(BUILD / "doctrees"),
        str(DOCS),
        str(HTML),
        *extra,
        env={
            "REFGRAD_DOCS_EXECUTION": mode,
            # With MPLBACKEND=Agg the kernel inherits it and figures silently vanish.
            "MPLBACKEND": None,
        },
    )


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the book into docs/_build/html, executing every page; any warning fails."""
    _build_docs(session, *session.posargs)


@nox.session(python=PYTHON, venv_backend="virtualenv")
def crosscheck(session: nox.Session) -> None:
    """Compare refgrad's values and gradients against PyTorch 2.13.0."""
    if not (ROOT / "tests" / "crosscheck").is_dir():
        session.skip("tests/crosscheck/ does not exist yet")
    session.install("-e", ".[crosscheck]")
    # Exactly this version, with pip: it installs from a wheel on this machine's disk.
    session.install("torch==2.13.0")
    session.run("pytest", "tests/crosscheck", *session.posargs)


@nox.session(python=PYTHON, venv_backend="virtualenv")
def fuzz(session: nox.Session) -> None:
    """Run the differential fuzzer against PyTorch 2.13.0 on any seed and number of programs.

    Extra arguments go to tests/crosscheck/fuzzer.py, e.g.
    ``nox -s fuzz -- --programs 20000 --seed 123``.
    """
    session.install("-e", ".[crosscheck]")
    session.install("torch==2.13.0")
    session.run("python", "tests/crosscheck/fuzzer.py", *session.posargs)


@nox.session(python=PYTHON)
def browser(session: nox.Session) -> None:
    """Open the built book in headless Chromium: no network, no 404, math typeset, images."""
    if shutil.which("chromium") is None:
        session.error("chromium is not installed (apt-get install -y chromium)")
    if not (HTML / "index.html").is_file():
        session.log("docs/_build/html is missing: building it first")
        _build_docs(session)
    session.install("-e", ".[browser]")
    session.run(
        "pytest",
        "tests/browser",
        *session.posargs,
        env={"REFGRAD_REQUIRE_BROWSER": "1"},
    )


@nox.session(python=PYTHON, venv_backend="virtualenv")
def bench(session: nox.Session) -> None:
    """Time refgrad against NumPy, PyTorch, MyGrad and HIPS autograd, interleaved.

    The results go to benchmarks/results/latest.json.

    Extra arguments go to benchmarks/bench.py, e.g. ``nox -s bench -- --quick``.
    """
    session.install("-e", ".", "threadpoolctl>=3.5")
    # Exactly this version, with pip: it installs from a wheel on this machine's disk.
    session.install("torch==2.13.0")
    # The peers written in Python on NumPy, as refgrad is; the benchmark's only, not refgrad's.
    session.install("mygrad==2.5.0", "autograd==1.9.1")  # autograd is HIPS autograd
    session.run("python", "benchmarks/bench.py", *session.posargs)
