"""Pictures of the backward graph: drawn with matplotlib, or exported as Graphviz DOT text.

The graph behind a tensor is what ``backward`` walks: one box per recorded operation (its
:class:`~refgrad.autograd.Function` and the shape of its result) and one oval per leaf tensor
that requires grad, with arrows in the direction data flowed in forward. Constants (tensors that
require no grad) are not part of the graph: backward never visits them.

Nothing here needs a system binary. :func:`draw` needs matplotlib (a dependency of the book,
not of the package); :func:`to_dot` returns text that Graphviz's ``dot`` can render.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from refgrad.autograd.engine import topological_order
from refgrad.autograd.function import BackwardNode
from refgrad.autograd.node import AccumulateGrad, Node
from refgrad.tensor import Tensor

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass
class GraphNode:
    r"""One node of a traced graph, ready to be drawn.

    Attributes
    ----------
    key : str
        A stable identifier (``n0``, ``n1``, ...), inputs before the nodes that use them.
    label : str
        What the picture shows: the op's name or the leaf's name, and the shape.
    kind : {'op', 'leaf', 'parameter'}
        An operation, a leaf tensor, or a leaf that is a model parameter.
    inputs : list of str
        Keys of the nodes whose results this one consumes.
    layer : int
        Distance from the leaves along the longest path (leaves are 0): the column it is drawn in.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor(1.0, requires_grad=True)
    >>> rg.viz.trace(x * 2)[1]
    GraphNode(key='n1', label='Mul\n()', kind='op', inputs=['n0'], layer=1)
    """

    key: str
    label: str
    kind: str
    inputs: list[str] = field(default_factory=list)
    layer: int = 0


def _shape_text(shape: tuple[int, ...]) -> str:
    return "()" if shape == () else "(" + ", ".join(map(str, shape)) + ")"


def _numbers(array: np.ndarray[Any, Any]) -> str:
    values = np.round(np.asarray(array, dtype=float).reshape(-1), 4).tolist()
    return str(values[0]) if array.ndim == 0 else str(values)


def _value_text(tensor: Tensor) -> str:
    """Format the value of a small tensor and, once backward has filled it, its gradient."""
    if tensor.data.size > 4:
        return ""
    text = "\n= " + _numbers(tensor.data)
    if tensor.grad is not None:
        text += "\ngrad " + _numbers(tensor.grad.data)
    return text


def trace(output: Tensor, names: Mapping[str, Tensor] | None = None) -> list[GraphNode]:
    """List the graph behind ``output``, inputs first.

    Parameters
    ----------
    output : Tensor
        A tensor computed from tensors that require grad.
    names : mapping of str to Tensor, optional
        Labels for tensors: leaves are shown by name, and a named intermediate result labels
        the operation that produced it. Small tensors (at most 4 elements) also show values.

    Returns
    -------
    list of GraphNode
        In topological order (the order :func:`~refgrad.autograd.engine.topological_order`
        gives, which is the reverse of the order backward visits them).

    Examples
    --------
    >>> import refgrad as rg
    >>> a = rg.tensor(2.0, requires_grad=True)
    >>> b = rg.tensor(1.0, requires_grad=True)
    >>> e = (a + b) * (b + 1)
    >>> for node in rg.viz.trace(e):
    ...     print(node.key, node.label.split(chr(10))[0], node.inputs)
    n0 a leaf []
    n1 a leaf []
    n2 Add ['n0', 'n1']
    n3 Add ['n1']
    n4 Mul ['n2', 'n3']
    """
    if output.grad_fn is None and not output.requires_grad:
        raise ValueError(
            "viz: this tensor has no graph (it requires no grad); build it from tensors created "
            "with requires_grad=True"
        )
    root = output._edge()[0]
    labels: dict[int, str] = {}
    named_ops: dict[int, Tensor] = {}
    for name, tensor in (names or {}).items():
        if tensor.grad_fn is not None:
            labels[id(tensor.grad_fn)] = name
            named_ops[id(tensor.grad_fn)] = tensor
        else:
            labels[id(tensor)] = name
    order = topological_order([root])
    keys = {node: f"n{i}" for i, node in enumerate(order)}
    layers: dict[Node, int] = {}
    for node in order:
        inputs = [child for child in node.next_nodes if child is not None]
        layers[node] = 1 + max((layers[c] for c in inputs), default=-1)
    # A leaf sits one column before its first consumer, not always in the first column.
    for node in reversed(order):
        for child in node.next_nodes:
            if isinstance(child, AccumulateGrad):
                layers[child] = max(layers[child], layers[node] - 1)
    return [
        _describe(
            node,
            keys,
            [c for c in node.next_nodes if c is not None],
            labels,
            named_ops,
            layers[node],
        )
        for node in order
    ]


def _describe(
    node: Node,
    keys: Mapping[Node, str],
    inputs: list[Node],
    labels: Mapping[int, str],
    named_ops: Mapping[int, Tensor],
    layer: int,
) -> GraphNode:
    if isinstance(node, AccumulateGrad):
        leaf = node.variable
        kind = "parameter" if type(leaf).__name__ == "Parameter" else "leaf"
        name = labels.get(id(leaf), "a leaf" if kind == "leaf" else "parameter")
        label = f"{name}\n{_shape_text(leaf.shape)}{_value_text(leaf)}"
        return GraphNode(keys[node], label, kind, [], layer)
    assert isinstance(node, BackwardNode)
    op = node.function.__name__
    shape = getattr(node, "output_shape", None)
    label = op if shape is None else f"{op}\n{_shape_text(shape)}"
    if id(node) in labels:
        label = f"{op} → {labels[id(node)]}\n{_shape_text(named_ops[id(node)].shape)}"
        label += _value_text(named_ops[id(node)])
    return GraphNode(keys[node], label, "op", [keys[c] for c in inputs], layer)


def to_dot(output: Tensor, names: Mapping[str, Tensor] | None = None) -> str:
    r"""Return the graph behind ``output`` as Graphviz DOT text (render it with ``dot -Tsvg``).

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> print(rg.viz.to_dot((x * x).sum(), names={"x": x}))
    digraph refgrad {
      rankdir=LR;
      node [fontname="Helvetica"];
      n0 [label="x\n(2)\n= [1.0, 2.0]", shape=ellipse, style=filled, fillcolor="#dbeafe"];
      n1 [label="Mul\n(2)", shape=box, style="rounded,filled", fillcolor="#f3f4f6"];
      n2 [label="Sum\n()", shape=box, style="rounded,filled", fillcolor="#f3f4f6"];
      n0 -> n1;
      n1 -> n2;
    }
    """
    styles = {
        "op": 'shape=box, style="rounded,filled", fillcolor="#f3f4f6"',
        "leaf": 'shape=ellipse, style=filled, fillcolor="#dbeafe"',
        "parameter": 'shape=ellipse, style=filled, fillcolor="#fde68a"',
    }
    lines = ["digraph refgrad {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    graph = trace(output, names)
    for node in graph:
        text = node.label.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        lines.append(f'  {node.key} [label="{text}", {styles[node.kind]}];')
    for node in graph:
        # An input used twice by one op (x * x) is one arrow: the picture shows data flow.
        for source in dict.fromkeys(node.inputs):
            lines.append(f"  {source} -> {node.key};")
    lines.append("}")
    return "\n".join(lines)


_ROW_SPACING = 1.4  # vertical distance between nodes of one column, in column widths
_COLORS = {"op": "#f3f4f6", "leaf": "#dbeafe", "parameter": "#fde68a"}


def draw(
    output: Tensor,
    names: Mapping[str, Tensor] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Draw the graph behind ``output`` with matplotlib, data flowing left to right.

    Operations are grey boxes labelled with the op and the shape of its result; leaves are blue
    ovals, model parameters yellow ones. Named tensors (see :func:`trace`) show their names, and
    their values when they have at most 4 elements; after ``backward()``, a named tensor that
    has a ``.grad`` (a leaf, or a result that called ``retain_grad()``) shows it too, so one
    picture carries the forward values and the gradients.

    Parameters
    ----------
    output : Tensor
        The tensor whose graph to draw.
    names : mapping of str to Tensor, optional
        Labels for leaves and intermediate results.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made if omitted.
    title : str, optional
        A title for the axes.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import refgrad as rg
    >>> x = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> ax = rg.viz.draw((x * 3).sum(), names={"x": x})
    >>> [t.get_text().split(chr(10))[0] for t in ax.texts if t.get_text()]
    ['x', 'Mul', 'Sum']
    """
    import matplotlib.pyplot as plt  # the book's dependency, imported only when drawing

    graph = trace(output, names)
    # Columns one unit apart fit labels of about twenty characters; longer ones (values and
    # gradients of 3- or 4-element tensors) widen every column, so that no label is cut off.
    longest = max(len(line) for n in graph for line in n.label.split("\n"))
    column = max(1.0, longest / 22)
    if ax is None:
        width = 2.3 * column * (max(n.layer for n in graph) + 1)
        height = 1.8 * max(sum(1 for n in graph if n.layer == k) for k in {n.layer for n in graph})
        _, ax = plt.subplots(figsize=(max(width, 3.0), max(height, 1.6)))
    rows: dict[int, int] = {}
    position: dict[str, tuple[float, float]] = {}
    for node in graph:
        row = rows.get(node.layer, 0)
        rows[node.layer] = row + 1
        position[node.key] = (column * node.layer, -_ROW_SPACING * row)
    # Centre each column vertically.
    for node in graph:
        x, y = position[node.key]
        position[node.key] = (x, y + _ROW_SPACING * (rows[node.layer] - 1) / 2)
    for node in graph:
        for source in dict.fromkeys(node.inputs):
            ax.annotate(
                "",
                xy=position[node.key],
                xytext=position[source],
                arrowprops={"arrowstyle": "-|>", "color": "#6b7280", "shrinkA": 28, "shrinkB": 28},
            )
    for node in graph:
        shape = "round,pad=0.4" if node.kind == "op" else "ellipse,pad=0.3"
        ax.text(
            *position[node.key],
            node.label,
            ha="center",
            va="center",
            fontsize=9,
            bbox={"boxstyle": shape, "facecolor": _COLORS[node.kind], "edgecolor": "#374151"},
        )
    xs = [p[0] for p in position.values()]
    ys = [p[1] for p in position.values()]
    ax.set_xlim(min(xs) - 0.8 * column, max(xs) + 0.8 * column)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax
