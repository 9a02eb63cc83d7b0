"""Sphinx configuration for the refgrad book (MyST-NB; every page is executed)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from pathlib import Path

HERE = Path(__file__).parent.resolve()

# -- Project --------------------------------------------------------------------------------------

project = "refgrad"
author = "the refgrad authors"
copyright = "refgrad authors"
release = importlib.metadata.version("refgrad")
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_nb",  # brings myst_parser with it; do not list myst_parser as well
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",  # before sphinx_autodoc_typehints, as that extension asks
    "sphinx_autodoc_typehints",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinx_copybutton",
    "sphinx_design",
]

exclude_patterns = [
    "_build",
    ".jupyter_cache",
    "conftest.py",
    "**.ipynb_checkpoints",
    "Thumbs.db",
    ".DS_Store",
]

numfig = True
nitpicky = True  # as `sphinx-build -n`: a cross-reference that does not resolve is a warning
# Without intersphinx (it needs the network) references into other projects cannot resolve.
nitpick_ignore_regex = [
    (r"py:.*", r"(numpy|np|npt|numpy\.typing|collections\.abc|types|typing_extensions)\..*"),
    (r"py:.*", r"(tqdm|contextlib|enum)\..*"),
]

# -- MyST and MyST-NB -----------------------------------------------------------------------------

myst_enable_extensions = [
    "amsmath",
    "colon_fence",
    "deflist",
    "dollarmath",
]
myst_heading_anchors = 3


def _in_ci() -> bool:
    return any(
        os.environ.get(name, "").lower() not in ("", "0", "false", "no")
        for name in ("CI", "READTHEDOCS")
    )


# force: run every page (CI, Read the Docs); cache: run only pages whose code changed (local).
nb_execution_mode = os.environ.get("REFGRAD_DOCS_EXECUTION") or ("force" if _in_ci() else "cache")
nb_execution_cache_path = str(HERE / ".jupyter_cache")
nb_execution_raise_on_error = True  # a cell that raises (untagged) fails the build
nb_execution_show_tb = True
nb_execution_timeout = 300
nb_output_stderr = "warn"  # anything a cell prints to stderr (e.g. a NumPy RuntimeWarning) warns
nb_merge_streams = True

# The kernel inherits this process's environment. MPLBACKEND=Agg (set by many CI images and by
# the test suite) would make every figure silently vanish from the HTML, so the book always uses
# the notebook's own inline backend.
os.environ.pop("MPLBACKEND", None)

# -- Math: MathJax served by the site itself ------------------------------------------------------
#
# Sphinx loads MathJax from a CDN by default, which shows raw TeX offline. We ship MathJax 3.2.2's
# single-file "tex-svg-full.js" (every TeX extension built in, so it never fetches another file;
# SVG output, so it needs no web fonts) from the PyPI package django-static-mathjax.


def _mathjax_file() -> Path:
    spec = importlib.util.find_spec("mathjax")
    if spec is None or spec.origin is None:
        raise RuntimeError("MathJax not found: pip install -e '.[docs]' (django-static-mathjax)")
    path = Path(spec.origin).parent / "static" / "mathjax" / "es5" / "tex-svg-full.js"
    if not path.is_file():
        raise RuntimeError(f"MathJax file not found at {path}: is django-static-mathjax installed?")
    return path


_MATHJAX = _mathjax_file()
mathjax_path = _MATHJAX.name  # relative: resolved against the built site's _static/
mathjax3_config = {
    "tex": {"tags": "ams"},
    "svg": {"fontCache": "global"},
}

# -- API reference (autodoc) ----------------------------------------------------------------------

autodoc_member_order = "bysource"
autodoc_class_signature = "separated"
autodoc_preserve_defaults = True
autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True
# sphinx-autodoc-typehints: type hints go into the parameter list, signatures stay short.
typehints_use_signature = False
typehints_use_signature_return = False
typehints_defaults = "comma"
typehints_document_rtype = True
always_use_bars_union = True
python_use_unqualified_type_names = True
python_maximum_signature_line_length = 88

viewcode_line_numbers = True

# -- Copy button: copy the code, never the prompts or the output ----------------------------------

copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_remove_prompts = True
copybutton_exclude = ".linenos, .gp, .go"

# -- HTML -----------------------------------------------------------------------------------------

html_theme = "furo"
html_title = "refgrad"
html_static_path = ["_static", str(_MATHJAX)]
html_css_files = ["refgrad.css"]
html_theme_options = {
    "navigation_with_keys": True,
}
html_show_sourcelink = True
