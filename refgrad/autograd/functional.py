r"""Jacobians, Hessians and the products that avoid forming them (``torch.autograd.functional``).

Reverse mode computes a **vector-Jacobian product** :math:`v^T J` in one backward pass, whatever
the number of inputs. A whole Jacobian of :math:`f: \mathbb{R}^D \to \mathbb{R}^K` therefore
costs :math:`K` passes (one per row), and has shape :math:`(K, D)`: row :math:`i` is the
derivative of output :math:`i`. A **Jacobian-vector product** :math:`J u` comes from forward
mode (:mod:`refgrad.autograd.forward_ad`): one forward pass with tangent :math:`u`. It could also
be had from reverse mode alone: :math:`v \mapsto J^T v` is linear in :math:`v`, and the VJP of
that map with cotangent :math:`u` is :math:`J u` (the "double-VJP trick").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from refgrad import grad_mode
from refgrad.autograd import forward_ad
from refgrad.autograd.grad import grad
from refgrad.ops.shape import reshape, stack
from refgrad.tensor import Tensor

Inputs = Tensor | Sequence[Tensor]


def _prepare(inputs: Inputs, create_graph: bool) -> tuple[bool, tuple[Tensor, ...]]:
    """Return the inputs as tensors that require grad (new leaves unless building a graph)."""
    is_tuple = not isinstance(inputs, Tensor)
    items = tuple(inputs) if is_tuple else (inputs,)
    prepared = []
    for item in items:
        if not isinstance(item, Tensor):
            raise TypeError(f"expected tensors as inputs, got {type(item).__name__}")
        if create_graph and item.requires_grad:
            prepared.append(item * 1)  # keep the connection to the caller's graph
        else:
            prepared.append(Tensor(item.data, requires_grad=True))
    return is_tuple, tuple(prepared)


def _as_outputs(value: Any, name: str) -> tuple[bool, tuple[Tensor, ...]]:
    is_tuple = not isinstance(value, Tensor)
    items = tuple(value) if is_tuple else (value,)
    if not all(isinstance(o, Tensor) for o in items):
        raise TypeError(f"{name}: the function must return a tensor or a tuple of tensors")
    return is_tuple, items


def _grads_or_zeros(
    outputs: Sequence[Tensor],
    inputs: Sequence[Tensor],
    cotangents: Sequence[Tensor],
    create_graph: bool,
) -> tuple[Tensor, ...]:
    """``grad`` with zeros for inputs that do not influence the outputs."""
    live = [(o, v) for o, v in zip(outputs, cotangents, strict=True) if o.requires_grad]
    if not live:
        return tuple(Tensor(np.zeros(x.shape, dtype=x.dtype)) for x in inputs)
    grads = grad(
        [o for o, _ in live],
        list(inputs),
        [v for _, v in live],
        retain_graph=True,
        create_graph=create_graph,
        allow_unused=True,
    )
    return tuple(
        g if g is not None else Tensor(np.zeros(x.shape, dtype=x.dtype))
        for g, x in zip(grads, inputs, strict=True)
    )


def _finish(value: Tensor, create_graph: bool) -> Tensor:
    return value if create_graph else value.detach()


def jacobian(
    func: Callable[..., Any],
    inputs: Inputs,
    create_graph: bool = False,
    strict: bool = False,
) -> Any:
    r"""Compute the Jacobian of ``func`` at ``inputs``, row by row from vector-Jacobian products.

    For a function :math:`\mathbb{R}^D \to \mathbb{R}^K` the result has shape ``(K, D)``; in
    general ``output.shape + input.shape``. With several inputs (a tuple) or outputs, the result
    is a tuple (over outputs, then inputs), as in PyTorch.

    Parameters
    ----------
    func : callable
        Takes the inputs, returns a tensor or a tuple of tensors.
    inputs : Tensor or tuple of Tensor
        Where to evaluate the Jacobian.
    create_graph : bool, default False
        Make the result differentiable (used by :func:`hessian`).
    strict : bool, default False
        Raise if an output does not depend on the inputs, instead of returning zeros.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.functional import jacobian
    >>> W = rg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> jacobian(lambda x: W @ x, rg.ones(3))        # f: R^3 -> R^2, so J is 2 x 3
    tensor([[1., 2., 3.],
            [4., 5., 6.]])
    """
    inputs_tuple, xs = _prepare(inputs, create_graph)
    with grad_mode.enable_grad():
        outputs_tuple, outs = _as_outputs(func(*xs), "jacobian")
    table: list[list[Tensor]] = []
    for k, out in enumerate(outs):
        if strict and not out.requires_grad:
            raise RuntimeError(f"jacobian: output {k} does not depend on the inputs (strict=True)")
        rows: list[tuple[Tensor, ...]] = []
        for r in range(out.data.size):
            unit = np.zeros(out.data.size, dtype=out.dtype)
            unit[r] = 1
            rows.append(_grads_or_zeros([out], xs, [Tensor(unit.reshape(out.shape))], create_graph))
        per_input = []
        for i, x in enumerate(xs):
            if rows:
                block = reshape(stack([row[i] for row in rows]), out.shape + x.shape)
            else:
                block = Tensor(np.zeros(out.shape + x.shape, dtype=x.dtype))
            per_input.append(_finish(block, create_graph))
        table.append(per_input)
    if not outputs_tuple and not inputs_tuple:
        return table[0][0]
    if not outputs_tuple:
        return tuple(table[0])
    if not inputs_tuple:
        return tuple(row[0] for row in table)
    return tuple(tuple(row) for row in table)


def hessian(
    func: Callable[..., Any],
    inputs: Inputs,
    create_graph: bool = False,
    strict: bool = False,
) -> Any:
    """Compute the Hessian of a scalar function: the Jacobian of its gradient.

    For one input of shape ``S`` the result has shape ``S + S``.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.functional import hessian
    >>> A = rg.tensor([[2.0, 1.0], [1.0, 3.0]])
    >>> hessian(lambda x: 0.5 * x @ A @ x, rg.tensor([1.0, -1.0]))
    tensor([[2., 1.],
            [1., 3.]])
    """
    inputs_tuple = not isinstance(inputs, Tensor)

    def gradient(*xs: Tensor) -> Any:
        out = func(*xs)
        if not isinstance(out, Tensor) or out.data.size != 1:
            raise RuntimeError("hessian: the function must return a single-element tensor")
        seed = Tensor(np.ones(out.shape, dtype=out.dtype))
        first = _grads_or_zeros([out], xs, [seed], create_graph=True)
        return first if inputs_tuple else first[0]

    return jacobian(gradient, inputs, create_graph, strict)


def vjp(
    func: Callable[..., Any],
    inputs: Inputs,
    v: Inputs | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """Compute the vector-Jacobian product :math:`v^T J`: one backward pass.

    Returns
    -------
    (outputs, vjp)
        ``func(inputs)`` and the product, shaped like the inputs.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.functional import vjp
    >>> out, v_J = vjp(lambda x: x ** 2, rg.tensor([1.0, 2.0]), rg.tensor([1.0, 10.0]))
    >>> v_J
    tensor([ 2., 40.])
    """
    inputs_tuple, xs = _prepare(inputs, create_graph)
    with grad_mode.enable_grad():
        outputs_tuple, outs = _as_outputs(func(*xs), "vjp")
    if v is None:
        if any(o.data.size != 1 for o in outs):
            raise RuntimeError("vjp: v can be omitted only when the outputs are single elements")
        vs: tuple[Tensor, ...] = tuple(Tensor(np.ones(o.shape, dtype=o.dtype)) for o in outs)
    else:
        vs = (v,) if isinstance(v, Tensor) else tuple(v)
    if strict and not all(o.requires_grad for o in outs):
        raise RuntimeError("vjp: an output does not depend on the inputs (strict=True)")
    grads = tuple(_finish(g, create_graph) for g in _grads_or_zeros(outs, xs, vs, create_graph))
    outputs = tuple(_finish(o, create_graph) for o in outs)
    return (outputs if outputs_tuple else outputs[0]), (grads if inputs_tuple else grads[0])


def jvp(
    func: Callable[..., Any],
    inputs: Inputs,
    v: Inputs | None = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """Compute the Jacobian-vector product :math:`J v`, the directional derivative along ``v``.

    Computed in forward mode (:mod:`refgrad.autograd.forward_ad`): the inputs are made dual
    tensors with tangents ``v``, and one forward pass carries the tangents to the outputs.

    Returns
    -------
    (outputs, jvp)
        ``func(inputs)`` and the product, shaped like the outputs.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.functional import jvp
    >>> W = rg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> out, J_v = jvp(lambda x: W @ x, rg.zeros(2), rg.tensor([1.0, 0.0]))
    >>> J_v                                      # the first column of W
    tensor([1., 3., 5.])
    """
    _, xs = _prepare(inputs, create_graph)
    if v is None:
        if any(x.data.size != 1 for x in xs):
            raise RuntimeError("jvp: v can be omitted only when the inputs are single elements")
        vs: tuple[Tensor, ...] = tuple(Tensor(np.ones(x.shape, dtype=x.dtype)) for x in xs)
    else:
        vs = (v,) if isinstance(v, Tensor) else tuple(v)
    if len(vs) != len(xs):
        raise RuntimeError(f"jvp: got {len(vs)} tangents for {len(xs)} inputs")
    with forward_ad.dual_level(), grad_mode.enable_grad():
        duals = [forward_ad.make_dual(x, t) for x, t in zip(xs, vs, strict=True)]
        outputs_tuple, outs = _as_outputs(func(*duals), "jvp")
        unpacked = [forward_ad.unpack_dual(o) for o in outs]
    if strict and any(u.tangent is None for u in unpacked):
        raise RuntimeError("jvp: an output does not depend on the inputs (strict=True)")
    products = tuple(
        _finish(u.tangent, create_graph)
        if u.tangent is not None
        else Tensor(np.zeros(u.primal.shape, dtype=u.primal.dtype))
        for u in unpacked
    )
    outputs = tuple(_finish(u.primal, create_graph) for u in unpacked)
    return (outputs if outputs_tuple else outputs[0]), (products if outputs_tuple else products[0])


def hvp(
    func: Callable[..., Any],
    inputs: Inputs,
    v: Inputs,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    r"""Compute the Hessian-vector product :math:`H v` of a scalar function.

    It costs about as much as a gradient (Pearlmutter's trick: the gradient of
    :math:`\langle \nabla f, v \rangle`).

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.functional import hvp
    >>> A = rg.tensor([[2.0, 1.0], [1.0, 3.0]])
    >>> _, Hv = hvp(lambda x: 0.5 * x @ A @ x, rg.tensor([1.0, -1.0]), rg.tensor([1.0, 0.0]))
    >>> Hv
    tensor([2., 1.])
    """
    inputs_tuple, xs = _prepare(inputs, create_graph)
    vs = (v,) if isinstance(v, Tensor) else tuple(v)
    with grad_mode.enable_grad():
        out = func(*xs)
        if not isinstance(out, Tensor) or out.data.size != 1:
            raise RuntimeError("hvp: the function must return a single-element tensor")
        first = _grads_or_zeros([out], xs, [Tensor(np.ones(out.shape, dtype=out.dtype))], True)
        inner = sum(((g * u).sum() for g, u in zip(first, vs, strict=True)), start=Tensor(0.0))
        if inner.requires_grad:
            second = _grads_or_zeros(
                [inner], xs, [Tensor(np.ones((), dtype=inner.dtype))], create_graph
            )
        else:
            second = tuple(Tensor(np.zeros(x.shape, dtype=x.dtype)) for x in xs)
    if strict and not inner.requires_grad:
        raise RuntimeError("hvp: the gradient does not depend on the inputs (strict=True)")
    products = tuple(_finish(s, create_graph) for s in second)
    return _finish(out, create_graph), (products if inputs_tuple else products[0])


def vhp(
    func: Callable[..., Any],
    inputs: Inputs,
    v: Inputs,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """Compute the vector-Hessian product :math:`v^T H`.

    It equals :func:`hvp`, since :math:`H` is symmetric for twice continuously differentiable
    functions.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.functional import vhp
    >>> _, vH = vhp(lambda x: (x ** 3).sum(), rg.tensor([1.0, 2.0]), rg.tensor([1.0, 1.0]))
    >>> vH
    tensor([ 6., 12.])
    """
    return hvp(func, inputs, v, create_graph, strict)
