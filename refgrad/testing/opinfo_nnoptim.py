"""Registry entries for the losses of the nn/optim work: L1, Huber, smooth L1, BCE with logits.

The targets are drawn away from each loss's kinks (``|x - t|`` at 0 and at ``delta``/``beta``),
where the second derivative does not exist.
"""

from __future__ import annotations

import itertools

import numpy as np

from refgrad._typing import Array
from refgrad.ops import elementwise as E
from refgrad.ops import reductions as R
from refgrad.ops import unary as U
from refgrad.testing.opinfo import OpInfo, Sample

_REDUCTIONS = ("mean", "sum", "none")


def _pairs(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[Array, Array]:
    x = rng.uniform(-2.0, 2.0, size=shape)
    # |x - t| in (0.2, 0.7) or (1.3, 2.0): clear of 0 and of the threshold 1.
    size = np.where(
        rng.random(shape) < 0.5, rng.uniform(0.2, 0.7, shape), rng.uniform(1.3, 2, shape)
    )
    sign = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
    return x, x + sign * size


def _regression_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample(_pairs(rng, s), {"reduction": r})
        for s, r in itertools.product([(), (4, 3)], _REDUCTIONS)
    ]


def _logit_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample((rng.uniform(-3.0, 3.0, size=s), rng.uniform(0.0, 1.0, size=s)), {"reduction": r})
        for s, r in itertools.product([(), (4, 3)], _REDUCTIONS)
    ]


OPS: tuple[OpInfo, ...] = (
    OpInfo(
        "nn.functional.l1_loss",
        lambda m, x, t, reduction: m.nn.functional.l1_loss(x, t, reduction=reduction),
        (E.Sub, E.Abs, R.Mean),
        _regression_samples,
        True,
    ),
    OpInfo(
        "nn.functional.huber_loss",
        lambda m, x, t, reduction: m.nn.functional.huber_loss(x, t, reduction=reduction),
        (E.Sub, E.Abs, E.Mul, E.Where, R.Mean),
        _regression_samples,
        True,
    ),
    OpInfo(
        "nn.functional.smooth_l1_loss",
        lambda m, x, t, reduction: m.nn.functional.smooth_l1_loss(x, t, reduction=reduction),
        (E.Sub, E.Abs, E.Mul, E.Where, R.Mean),
        _regression_samples,
        True,
    ),
    OpInfo(
        "nn.functional.binary_cross_entropy_with_logits",
        lambda m, x, t, reduction: m.nn.functional.binary_cross_entropy_with_logits(
            x, t, reduction=reduction
        ),
        (U.Softplus, E.Mul, R.Mean),
        _logit_samples,
        True,
    ),
)

#: How a reader writes each op (for the op reference page).
USAGE: dict[str, str] = {
    "nn.functional.l1_loss": "F.l1_loss(input, target, reduction='mean')",
    "nn.functional.huber_loss": "F.huber_loss(input, target, reduction='mean', delta=1.0)",
    "nn.functional.smooth_l1_loss": "F.smooth_l1_loss(input, target, reduction='mean', beta=1.0)",
    "nn.functional.binary_cross_entropy_with_logits": (
        "F.binary_cross_entropy_with_logits(logits, target, weight=None, pos_weight=None)"
    ),
}
