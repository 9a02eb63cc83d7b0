r"""Checking analytical gradients against central finite differences.

For a function :math:`f` and input element :math:`x_j`, the central difference

.. math:: \frac{f(x + h e_j) - f(x - h e_j)}{2h}

approximates column :math:`j` of the Jacobian with error :math:`O(h^2)` (the one-sided
difference has error :math:`O(h)`). Backward gives the Jacobian row by row, as vector-Jacobian
products with unit vectors. The two must agree to within ``atol + rtol * |numerical|``.

Use float64: in float32 the rounding error of the differences swamps the comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from refgrad import grad_mode
from refgrad._typing import Array
from refgrad.autograd.grad import grad
from refgrad.tensor import Tensor


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` when analytical and numerical Jacobians disagree.

    Examples
    --------
    >>> import refgrad as rg
    >>> issubclass(rg.autograd.GradcheckError, RuntimeError)
    True
    """


def _outputs(fn: Callable[..., Any], inputs: Sequence[Tensor]) -> tuple[Tensor, ...]:
    out = fn(*inputs)
    return (out,) if isinstance(out, Tensor) else tuple(out)


def numerical_jacobian(
    fn: Callable[..., Any], inputs: Sequence[Tensor], eps: float = 1e-6
) -> list[list[Array]]:
    r"""Jacobians of every output with respect to every input, by central differences.

    Returns
    -------
    list of list of numpy.ndarray
        ``result[i][k]`` has shape ``(outputs[k].size, inputs[i].size)``: one column per input
        element, so a function :math:`\mathbb{R}^D \to \mathbb{R}^K` gives :math:`K \times D`.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.gradcheck import numerical_jacobian
    >>> x = rg.tensor([1.0, 2.0])
    >>> numerical_jacobian(lambda x: x * x, [x])[0][0].round(6)
    array([[2., 0.],
           [0., 4.]])
    """
    with grad_mode.no_grad():
        sizes = [o.data.size for o in _outputs(fn, inputs)]
        result: list[list[Array]] = []
        for tensor in inputs:
            columns = [np.zeros((size, tensor.data.size)) for size in sizes]
            flat = tensor.data.reshape(-1)  # a view: writing into it perturbs the input
            for j in range(flat.size):
                original = flat[j].copy()
                flat[j] = original + eps
                plus = [o.data.astype(np.float64).reshape(-1) for o in _outputs(fn, inputs)]
                flat[j] = original - eps
                minus = [o.data.astype(np.float64).reshape(-1) for o in _outputs(fn, inputs)]
                flat[j] = original
                for k in range(len(sizes)):
                    columns[k][:, j] = (plus[k] - minus[k]) / (2 * eps)
            result.append(columns)
    return result


def analytical_jacobian(fn: Callable[..., Any], inputs: Sequence[Tensor]) -> list[list[Array]]:
    """Jacobians of every output with respect to every input, row by row from backward.

    Row :math:`r` of the Jacobian is the vector-Jacobian product :math:`e_r^T J`, one backward
    pass with a unit ``grad_outputs``.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.autograd.gradcheck import analytical_jacobian
    >>> x = rg.tensor([1.0, 2.0], requires_grad=True)
    >>> analytical_jacobian(lambda x: x * x, [x])[0][0]
    array([[2., 0.],
           [0., 4.]])
    """
    outputs = _outputs(fn, inputs)
    result = [[np.zeros((o.data.size, t.data.size)) for o in outputs] for t in inputs]
    for k, output in enumerate(outputs):
        if not output.requires_grad:
            continue
        for r in range(output.data.size):
            unit = np.zeros(output.data.size, dtype=output.dtype)
            unit[r] = 1
            grads = grad(
                output,
                list(inputs),
                grad_outputs=Tensor(unit.reshape(output.shape)),
                retain_graph=True,
                allow_unused=True,
            )
            for i, g in enumerate(grads):
                if g is not None:
                    result[i][k][r] = g.data.reshape(-1)
    return result


def gradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Tensor],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the gradients of ``fn`` at ``inputs`` against central finite differences.

    Only inputs with ``requires_grad=True`` are checked. The defaults are PyTorch's: with
    ``eps = 1e-6`` the central difference's truncation error (about :math:`h^2`) and rounding
    error (about :math:`10^{-16}/h`) are both near :math:`10^{-10}` in float64, far inside
    ``atol = 1e-5``.

    Parameters
    ----------
    fn : callable
        Takes the inputs, returns a tensor or a tuple of tensors.
    inputs : Tensor or sequence of Tensor
        Where to check; use float64.
    eps : float, default 1e-6
        The finite-difference step :math:`h`.
    atol, rtol : float
        Tolerances: an entry passes if ``|analytical - numerical| <= atol + rtol * |numerical|``.
    raise_exception : bool, default True
        Raise :class:`GradcheckError` on failure instead of returning False.

    Returns
    -------
    bool
        True if every Jacobian matches.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([0.5, -1.5, 2.0], requires_grad=True)
    >>> rg.autograd.gradcheck(lambda x: (x * x.exp()).sum(), x)
    True
    """
    tensors = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    checked = [i for i, t in enumerate(tensors) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True, so nothing can be checked")
    numerical = numerical_jacobian(fn, tensors, eps)
    analytical = analytical_jacobian(fn, tensors)
    for i in checked:
        for k, (num, ana) in enumerate(zip(numerical[i], analytical[i], strict=True)):
            if np.allclose(ana, num, rtol=rtol, atol=atol, equal_nan=True):
                continue
            if not raise_exception:
                return False
            worst = np.unravel_index(np.argmax(np.abs(ana - num)), num.shape)
            raise GradcheckError(
                f"gradcheck: Jacobian mismatch for output {k} with respect to input {i}; "
                f"largest difference at (output element, input element) {tuple(map(int, worst))}"
                f": analytical {ana[worst]:.10g}, numerical {num[worst]:.10g}.\n"
                f"numerical:\n{num}\nanalytical:\n{ana}"
            )
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    r"""Check second derivatives: gradcheck the vector-Jacobian product of ``fn``.

    The VJP :math:`(x, v) \mapsto v^T J_f(x)` is computed with ``create_graph=True``, and its own
    gradients (with respect to both ``x`` and ``v``) are compared with finite differences.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor([0.3, 0.7], requires_grad=True)
    >>> rg.autograd.gradgradcheck(lambda x: x.tanh() * x, x)
    True
    """
    tensors = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    outputs = _outputs(fn, tensors)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        cotangents = [
            Tensor(rng.standard_normal(o.shape).astype(o.dtype), requires_grad=True)
            for o in outputs
        ]
    else:
        given = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
        cotangents = [Tensor(g.data.copy(), requires_grad=True) for g in given]
    differentiable = [t for t in tensors if t.requires_grad]
    count = len(tensors)

    def vjp(*args: Tensor) -> tuple[Tensor, ...]:
        xs, vs = list(args[:count]), list(args[count:])
        with grad_mode.enable_grad():  # numerical_jacobian calls this under no_grad
            outs = _outputs(fn, xs)
            wanted = [x for x in xs if x.requires_grad]
            grads = grad(outs, wanted, vs, create_graph=True, allow_unused=True)
        return tuple(
            g if g is not None else Tensor(np.zeros(x.shape, dtype=x.dtype))
            for g, x in zip(grads, wanted, strict=True)
        )

    if not differentiable:
        raise ValueError("gradgradcheck: no input has requires_grad=True")
    return gradcheck(vjp, [*tensors, *cotangents], eps, atol, rtol, raise_exception)
