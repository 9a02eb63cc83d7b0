"""Automatic differentiation: the engine, custom Functions, ``grad`` and gradient checking.

* :class:`Function`: define an operation by its forward and backward rules.
* :func:`grad`: gradients of outputs with respect to chosen inputs, returned, not accumulated.
* :func:`gradcheck`, :func:`gradgradcheck`: compare backward with finite differences.
* :mod:`refgrad.autograd.functional`: Jacobians, Hessians, VJPs and JVPs.
* :mod:`refgrad.autograd.forward_ad`: forward mode, with dual tensors.
* :func:`detect_anomaly`: find the op that first produced a NaN or an infinity.
* :mod:`refgrad.autograd.engine`: the depth-first topological sort and the backward sweep.
"""

from refgrad.autograd import forward_ad, functional
from refgrad.autograd.anomaly_mode import (
    AnomalyError,
    detect_anomaly,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from refgrad.autograd.engine import backward
from refgrad.autograd.function import BackwardNode, Function, once_differentiable
from refgrad.autograd.grad import grad
from refgrad.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from refgrad.autograd.node import AccumulateGrad, Node

__all__ = [
    "AccumulateGrad",
    "AnomalyError",
    "BackwardNode",
    "Function",
    "GradcheckError",
    "Node",
    "backward",
    "detect_anomaly",
    "forward_ad",
    "functional",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_anomaly_enabled",
    "once_differentiable",
    "set_detect_anomaly",
]
