"""refgrad.viz: the traced graph, the DOT export and the matplotlib drawing."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

import refgrad as rg


def _running_example() -> dict[str, rg.Tensor]:
    a = rg.tensor(2.0, requires_grad=True)
    b = rg.tensor(1.0, requires_grad=True)
    c = a + b
    d = b + 1
    e = c * d
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def test_trace_lists_inputs_before_the_ops_that_use_them() -> None:
    t = _running_example()
    graph = rg.viz.trace(t["e"], names=t)
    position = {node.key: i for i, node in enumerate(graph)}
    for node in graph:
        assert all(position[k] < position[node.key] for k in node.inputs)
    kinds = [node.kind for node in graph]
    assert kinds.count("leaf") == 2 and kinds.count("op") == 3
    assert graph[-1].label.startswith("Mul → e")


def test_trace_shows_values_and_gradients_after_backward() -> None:
    t = _running_example()
    for name in ("c", "d", "e"):
        t[name].retain_grad()
    t["e"].backward()
    labels = {n.label.split("\n")[0]: n.label for n in rg.viz.trace(t["e"], names=t)}
    assert "= 2.0" in labels["a"] and "grad 2.0" in labels["a"]  # de/da = b + 1
    assert "grad 5.0" in labels["b"]  # de/db = (b + 1) + (a + b)
    assert "grad 3.0" in labels["Add → d"]


def test_dot_has_one_node_per_graph_node_and_one_edge_per_input() -> None:
    t = _running_example()
    dot = rg.viz.to_dot(t["e"], names=t)
    assert dot.startswith("digraph refgrad {") and dot.endswith("}")
    assert dot.count("[label=") == 5
    assert dot.count(" -> ") == 5  # a->c, b->c, b->d, c->e, d->e


def test_parameters_are_marked() -> None:
    layer = rg.nn.Linear(3, 2)
    out = layer(rg.ones(4, 3)).sum()
    kinds = {node.kind for node in rg.viz.trace(out)}
    assert "parameter" in kinds


def test_draw_returns_axes_with_every_label() -> None:
    t = _running_example()
    ax = rg.viz.draw(t["e"], names=t, title="e")
    texts = [x.get_text() for x in ax.texts if x.get_text()]
    assert len(texts) == 5 and ax.get_title() == "e"
    plt.close(ax.figure)


def test_a_tensor_without_a_graph_is_an_error() -> None:
    with pytest.raises(ValueError, match="no graph"):
        rg.viz.trace(rg.tensor(1.0))
