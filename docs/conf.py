"""Sphinx configuration for the refgrad book (MyST-NB; every page is executed)."""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.nodes import make_refnode

import refgrad

HERE = Path(__file__).parent.resolve()

# -- Project --------------------------------------------------------------------------------------

project = "refgrad"
author = "the refgrad authors"
copyright = "refgrad authors"
release = refgrad.__version__  # the one definition; pyproject.toml reads it too
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
    (r"py:.*", r"(numpy|np|npt|typing|typing_extensions|collections\.abc|types)\..*"),
    (r"py:.*", r"(torch|tqdm|contextlib|enum|abc|matplotlib)\..*"),
    (r"py:data", r"Ellipsis"),
    # Private base classes and type variables named by show-inheritance ("Generic[T_co]").
    (r"py:class", r"refgrad\.(\w+\.)*_\w+"),
    (r"py:(class|obj)", r"refgrad\.(\w+\.)*[A-Z](_co|_contra)?"),
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
# Markdown printed by a cell (the op reference's tables) is parsed as MyST, so it may use math
# and cross-reference roles like the pages themselves.
nb_render_markdown_format = "myst"

# The kernel inherits this process's environment. MPLBACKEND=Agg (set by many CI images and by
# the test suite) would make every figure silently vanish from the HTML, so the book always uses
# the notebook's own inline backend.
os.environ.pop("MPLBACKEND", None)
# Every page, wherever it sits under docs/, imports helpers that live in docs/ (for example the
# exercise checks); the kernel runs in the page's own directory, so docs/ goes on its path.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(HERE), os.environ.get("PYTHONPATH", "")) if p
)

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
autodoc_preserve_defaults = True
autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True
# sphinx-autodoc-typehints: type hints go into the parameter list, signatures stay short. A type
# written in the docstring ("Tensor, shape (N, D)") wins over the annotation.
typehints_use_signature = False
typehints_use_signature_return = False
typehints_defaults = "comma"
# Return types come from the numpydoc "Returns" sections. (Injecting :rtype: misplaces it after
# a multi-line "Raises" entry, which napoleon emits as one list item with embedded newlines.)
typehints_document_rtype = False
always_use_bars_union = True
python_use_unqualified_type_names = True


def _type_aliases() -> dict[str, str]:
    """Name the package's type aliases (``X: TypeAlias = ...`` in refgrad._typing).

    Given to autodoc and sphinx-autodoc-typehints, an alias shows as its name (``TensorLike``)
    linked to its entry in the API page, instead of being expanded (or failing to evaluate: the
    aliases are strings that name types imported only for type checking).
    """
    import refgrad._typing as typing_module

    annotations = vars(typing_module).get("__annotations__", {})
    return {
        name: f"refgrad._typing.{name}"
        for name, annotation in annotations.items()
        if "TypeAlias" in str(annotation)
    }


autodoc_type_aliases = _type_aliases()
python_maximum_signature_line_length = 88

viewcode_line_numbers = True


def _viewcode_module(app: Sphinx, modname: str, attribute: str) -> str | None:
    """Choose the module whose source the ``[source]`` link of ``modname.attribute`` shows.

    viewcode keeps one documented module name per source module, and its source page links each
    object back to ``that name + "." + object``. So an object defined in a refgrad module links to
    that module only where it is documented under the module's own name, or under no other name
    (``refgrad.Tensor``, defined in refgrad.tensor); a re-export of an object that is also
    documented under its own module (``refgrad.add`` beside ``refgrad.ops.elementwise.add``)
    gets no source link of its own. Names whose value comes from outside refgrad (the alias
    ``Shape = tuple[int, ...]``, whose ``__module__`` is "builtins") look in the refgrad module that
    defines them. Otherwise viewcode's source pages link to anchors that do not exist, and its
    module index lists foreign modules it has no page for.
    """
    try:
        value: Any = importlib.import_module(modname)
        for part in attribute.split("."):
            value = getattr(value, part)
    except (ImportError, AttributeError):
        return None
    owner = getattr(value, "__module__", None)
    if not (isinstance(owner, str) and (owner == "refgrad" or owner.startswith("refgrad."))):
        return modname
    if owner != modname and f"{owner}.{attribute}" in app.env.get_domain("py").objects:
        return modname  # the source link sits on the entry under the defining module's name
    return owner


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


# -- Cross-references in docstrings ---------------------------------------------------------------

# numpydoc parameter types are prose as much as types: "Tensor, shape (N, C)", "int, optional",
# "{'mean', 'sum'}, default 'mean'", "array-like". The Python domain turns each word into a
# cross-reference; these are the words that name no object, and are not reported as broken links.
_NUMPYDOC_WORDS = {
    "optional",
    "default",
    "sequence",
    "iterable",
    "callable",
    "mapping",
    "number",
    "scalar",
    "array-like",
    "array_like",
    "dtype-like",
    "int-like",
    "path-like",
}


def _source_text(node: nodes.Node) -> str:
    """Return a docstring field's text as written (a pending reference counts as its target)."""
    if isinstance(node, addnodes.pending_xref):
        return str(node.get("reftarget", ""))
    if isinstance(node, nodes.Text):
        return str(node)
    return "".join(_source_text(child) for child in node.children)


def _is_numpydoc_prose(target: str, node: nodes.Element) -> bool:
    target = target.strip()
    if target.lower() in _NUMPYDOC_WORDS:
        return True
    if re.search(r"[\s'\"{}]|^-|-$|^\d", target):  # "default False", "{'mean'", literals
        return True
    if re.fullmatch(r"[a-z]+(-[a-z]+)+", target):  # "array-like", "dtype-like"
        return True
    # A dimension name in a shape: "shape (N, C) or (C,)", "shape (out_features, in_features)".
    field_text = _source_text(node.parent) if node.parent is not None else ""
    if "shape" in field_text:
        for match in re.finditer(r"\(([^()]*)\)", field_text):
            if target in (dim.strip() for dim in match.group(1).split(",")):
                return True
    return False


def _suppress_numpydoc_prose(app: Sphinx, domain: Any, node: nodes.Element) -> bool | None:
    if node.get("refdomain") == "py" and node.get("reftype") in ("class", "obj"):
        if _is_numpydoc_prose(node.get("reftarget", ""), node):
            return True
    return None


def _resolve_alias_as_object(
    app: Sphinx, env: BuildEnvironment, node: nodes.Element, contnode: nodes.Element
) -> nodes.Element | None:
    """Type annotations look names up as classes; let them find a type alias documented as data."""
    if node.get("refdomain") != "py" or node.get("reftype") != "class":
        return None
    target = node["reftarget"]
    if not target.startswith("refgrad."):
        return None
    domain = env.get_domain("py")
    resolved: nodes.Element | None = domain.resolve_xref(
        env, node["refdoc"], app.builder, "obj", target, node, contnode
    )
    return resolved


def _walk(scope: Any, dotted: str) -> Any:
    """``scope.a.b`` for ``dotted = "a.b"``, importing submodules on the way; None if absent."""
    value = scope
    for part in dotted.split("."):
        if not hasattr(value, part) and isinstance(value, type(refgrad)):
            try:
                importlib.import_module(f"{value.__name__}.{part}")
            except ImportError:
                return None
        if not hasattr(value, part):
            return None
        value = getattr(value, part)
    return value


def _resolve_as_in_the_source(
    app: Sphinx, env: BuildEnvironment, node: nodes.Element, contnode: nodes.Element
) -> nodes.Element | None:
    """Resolve a docstring's short name the way a reader of the source would.

    A docstring says ``:func:`fit_to_input``` meaning the function of that name in the module
    the docstring is written in. When the documented object is shown under another module (the
    class ``refgrad.autograd.function.BackwardNode`` is documented as ``refgrad.autograd.
    BackwardNode``), Sphinx looks the name up in the wrong module. This handler finds the Python
    object the name denotes, in the documented class, its module, or the module that defines it,
    and links to wherever that very object is documented. A class attribute that has no entry of
    its own (one described in its class's "Attributes" section) links to its class.
    """
    if node.get("refdomain") != "py" or node.get("refspecific"):
        return None
    target = node["reftarget"].removesuffix("()")
    modname, clsname = node.get("py:module"), node.get("py:class")
    if not target or not modname or not modname.startswith("refgrad"):
        return None
    module = importlib.import_module(modname)
    owner = _walk(module, clsname) if clsname else None
    scopes = [s for s in (owner, module) if s is not None]
    if owner is not None and hasattr(owner, "__module__"):
        scopes.append(importlib.import_module(owner.__module__))
    domain = env.get_domain("py")
    for scope in scopes:
        value = _walk(scope, target)
        if value is None:
            continue
        if isinstance(value, type | type(refgrad)) or callable(value):
            last = target.rsplit(".", 1)[-1]
            for fullname, entry in domain.objects.items():
                if fullname.rsplit(".", 1)[-1] != last or entry.aliased:
                    continue
                head, _, tail = fullname.partition(".")
                if _walk(importlib.import_module(head), tail) is value:
                    return make_refnode(
                        app.builder,
                        node["refdoc"],
                        entry.docname,
                        entry.node_id,
                        contnode,
                        fullname,
                    )
        elif scope is owner and node.get("reftype") == "attr":
            fullname = f"{modname}.{clsname}"
            entry = domain.objects.get(fullname)
            if entry is not None:
                return make_refnode(
                    app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, fullname
                )
        return None
    return None


def setup(app: Sphinx) -> dict[str, Any]:
    """Connect the handlers above to Sphinx's events."""
    app.connect("missing-reference", _resolve_alias_as_object)
    app.connect("missing-reference", _resolve_as_in_the_source)
    app.connect("warn-missing-reference", _suppress_numpydoc_prose)
    app.connect("viewcode-follow-imported", _viewcode_module)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
