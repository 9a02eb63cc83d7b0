"""Run the book's pages as tests (sybil).

Each Markdown page under docs/ becomes one pytest module whose examples run in page order in a
single namespace, as the notebook kernel runs them when the book is built:

* ``{code-cell} ipython3`` (or ``python``) blocks run as Python code. A cell tagged
  ``raises-exception`` must raise, and fails the test if it does not; a cell tagged
  ``skip-execution`` is skipped, as MyST-NB skips it.
* ``>>>`` examples in ``python`` or ``pycon`` fences (static text in the HTML, so nothing else
  checks them) run as doctests against the same namespace, with the flags the package's doctests
  use.

Warnings are errors here as in the whole suite (``filterwarnings = error`` in pyproject.toml), so
a NumPy RuntimeWarning in a cell fails its test. Figures use matplotlib's Agg backend in the tests
only; the book build keeps the inline backend (see conf.py).
"""

from __future__ import annotations

import doctest
import re
import sys
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import matplotlib
from sybil import Document, Example, Region, Sybil
from sybil.evaluators.doctest import NUMBER, DocTestEvaluator
from sybil.evaluators.python import PythonEvaluator
from sybil.parsers.abstract.doctest import DocTestStringParser
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer
from sybil.parsers.myst.lexers import DirectiveLexer
from sybil.region import Lexeme

matplotlib.use("Agg")

# The pages import their exercise checks from docs/exercise_checks/.
sys.path.insert(0, str(Path(__file__).parent))

collect_ignore = ["_build", "conf.py", ".jupyter_cache"]
collect_ignore_glob = ["**/.ipynb_checkpoints"]

DOCTEST_FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS | NUMBER
CELL_LANGUAGES = frozenset({"ipython3", "ipython", "python", "python3"})
# Cell magics whose body is plain Python: the magic line is dropped and the body runs.
PYTHON_BODY_CELL_MAGICS = frozenset({"time", "timeit", "capture"})


def _tags(options: dict[str, Any]) -> set[str]:
    """Read the ``tags`` of a cell, from either ``:tags: [a, b]`` or a YAML options block."""
    tags = options.get("tags", [])
    if isinstance(tags, str):
        tags = [t.strip().strip("'\"") for t in tags.strip().strip("[]").split(",")]
    return {t for t in tags if t}


def _without_magics(source: Lexeme) -> Lexeme:
    """Replace IPython magics (``%line``, ``!shell``) by ``pass``, keeping line numbers."""
    lines = source.splitlines(keepends=True)
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split()[0]
        if magic not in PYTHON_BODY_CELL_MAGICS:
            raise ValueError(f"cell magic %%{magic} cannot run outside IPython")
        lines[0] = "\n"
    for i, line in enumerate(lines):
        match = re.match(r"([ \t]*)[%!]", line)
        if match:
            lines[i] = f"{match.group(1)}pass\n"
    return Lexeme("".join(lines), source.offset, source.line_offset)


class ExpectException:
    """Evaluator for a cell tagged ``raises-exception``: the cell must raise."""

    def __init__(self) -> None:
        self.python = PythonEvaluator()

    def __call__(self, example: Example) -> str | None:
        """Run the cell; fail unless it raises."""
        try:
            self.python(example)
        except Exception:
            example.namespace.pop("__builtins__", None)
            return None
        return "cell is tagged raises-exception but raised nothing"


class CodeCellParser:
    """``{code-cell}`` blocks in the kernel's language, evaluated as Python."""

    def __init__(self) -> None:
        self.lexer = DirectiveLexer(directive="code-cell", arguments=r".*")
        self.run = PythonEvaluator()
        self.run_expecting_exception = ExpectException()

    def __call__(self, document: Document) -> Iterable[Region]:
        """Yield a region to run for each code cell of ``document``."""
        for region in self.lexer(document):
            if region.lexemes["arguments"].strip() not in CELL_LANGUAGES:
                continue
            tags = _tags(region.lexemes["options"])
            if "skip-execution" in tags:
                continue
            region.parsed = _without_magics(region.lexemes["source"])
            if "raises-exception" in tags:
                region.evaluator = self.run_expecting_exception
            else:
                region.evaluator = self.run
            yield region


class DocTestBlockParser:
    """``>>>`` examples in ``python``/``pycon`` fences or ``{code-block}`` directives."""

    languages = r"(python|python3|py|pycon)"

    def __init__(self) -> None:
        self.lexers = [
            FencedCodeBlockLexer(
                language=self.languages,
                mapping={"language": "arguments", "source": "source"},
            ),
            DirectiveLexer(directive=r"(code-block|sourcecode|code)", arguments=self.languages),
        ]
        self.doctests = DocTestStringParser(DocTestEvaluator(DOCTEST_FLAGS))

    def __call__(self, document: Document) -> Iterable[Region]:
        """Yield a doctest region for each ``>>>`` example in a fence of ``document``."""
        for lexer in self.lexers:
            for region in lexer(document):
                source = region.lexemes["source"]
                if not source.lstrip().startswith(">>>"):
                    continue  # illustrative code, shown but not run (as in the HTML)
                for example in self.doctests(source, document.path):
                    example.adjust(region, source)
                    yield example


def _glue_outside_a_kernel() -> None:
    """Let ``from myst_nb import glue`` work where MyST-NB is not installed (the tests venv).

    glue only hands a value to the HTML; outside a kernel it has nothing to display.
    """
    try:
        import myst_nb  # noqa: F401
    except ImportError:
        module = types.ModuleType("myst_nb")

        def glue(name: str, variable: object, display: bool = True) -> None:
            del name, variable, display

        module.glue = glue  # type: ignore[attr-defined]
        sys.modules["myst_nb"] = module


def _setup(namespace: dict[str, Any]) -> None:
    _glue_outside_a_kernel()
    namespace["__name__"] = "__main__"  # as in the notebook kernel


def _teardown(namespace: dict[str, Any]) -> None:
    import matplotlib.pyplot as plt

    plt.close("all")
    namespace.clear()


pytest_collect_file = Sybil(
    parsers=[CodeCellParser(), DocTestBlockParser()],
    patterns=["*.md"],
    setup=_setup,
    teardown=_teardown,
).pytest()
