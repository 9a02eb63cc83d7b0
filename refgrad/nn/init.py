"""Filling parameters with initial values (``torch.nn.init``).

Each function overwrites a tensor in place and returns it. Random draws come from refgrad's
seeded generator, so ``rg.manual_seed(0)`` before building a model makes its initial weights
repeat. The values differ from PyTorch's (another random algorithm); the distributions are
the same.
"""

from __future__ import annotations

import math

from refgrad.grad_mode import no_grad
from refgrad.random import Generator, get_generator
from refgrad.tensor import Tensor

_LINEAR_GAINS = ("linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    r"""Return the factor by which an activation shrinks the spread of its input, as in PyTorch.

    Parameters
    ----------
    nonlinearity : {'linear', 'identity', 'sigmoid', 'tanh', 'relu', 'leaky_relu'}
    param : float, optional
        The negative slope of ``'leaky_relu'`` (0.01 by default).

    Returns
    -------
    float
        1 for linear maps and the sigmoid, 5/3 for tanh, :math:`\sqrt 2` for ReLU and
        :math:`\sqrt{2 / (1 + a^2)}` for a leaky ReLU of slope :math:`a`.

    Examples
    --------
    >>> import math
    >>> from refgrad.nn import init
    >>> init.calculate_gain("relu") == math.sqrt(2)
    True
    >>> init.calculate_gain("leaky_relu", math.sqrt(5)) ** 2
    0.333...
    """
    if nonlinearity in _LINEAR_GAINS:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """Count the inputs and outputs per unit of a weight of shape ``(out, in, *kernel)``."""
    if tensor.ndim < 2:
        raise ValueError(
            f"fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions "
            f"(got shape {tensor.shape})"
        )
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """Fill ``tensor`` with draws from the uniform distribution on :math:`[a, b)`.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.nn import init
    >>> w = init.uniform_(rg.zeros(1000), -0.5, 0.5)
    >>> bool((w.abs() <= 0.5).all())
    True
    """
    values = get_generator(generator).uniform(a, b, size=tensor.shape)
    with no_grad():
        return tensor.copy_(values.astype(tensor.dtype))


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with zeros.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.nn import init
    >>> init.zeros_(rg.ones(2))
    tensor([0., 0.])
    """
    with no_grad():
        return tensor.zero_()


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    r"""He initialisation: uniform on :math:`\pm\, \text{gain} \cdot \sqrt{3 / \text{fan}}`.

    Parameters
    ----------
    tensor : Tensor, shape (out_features, in_features, ...)
    a : float, default 0
        The negative slope of the leaky ReLU the layer feeds (used by the gain).
    mode : {'fan_in', 'fan_out'}
        Preserve the spread of the activations (``'fan_in'``) or of the gradients.
    nonlinearity : str, default 'leaky_relu'
        See :func:`calculate_gain`.
    generator : Generator, optional

    Notes
    -----
    A uniform distribution on :math:`\pm B` has standard deviation :math:`B / \sqrt 3`, so the
    bound :math:`B = \text{gain} \sqrt{3 / \text{fan}}` gives the standard deviation
    :math:`\text{gain} / \sqrt{\text{fan}}`. PyTorch's ``Linear`` uses :math:`a = \sqrt 5`,
    whose gain :math:`\sqrt{1/3}` makes the bound exactly :math:`1 / \sqrt{\text{fan\_in}}`.

    Examples
    --------
    >>> import math
    >>> import refgrad as rg
    >>> from refgrad.nn import init
    >>> w = init.kaiming_uniform_(rg.zeros(3, 16), a=math.sqrt(5))
    >>> bool((w.abs() <= 1 / math.sqrt(16)).all())
    True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming_uniform_: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fan_in if mode == "fan_in" else fan_out
    gain = calculate_gain(nonlinearity, a)
    bound = gain * math.sqrt(3.0 / fan) if fan > 0 else 0.0
    return uniform_(tensor, -bound, bound, generator=generator)
