"""Neural-network building blocks (``torch.nn``): modules, parameters, initialisation and functions.

* :class:`Module` and :class:`Parameter`: the base class of models and the tensors they learn;
* layers (:class:`Linear`, :class:`Sequential`, activations) and losses as modules;
* :mod:`refgrad.nn.init`: initial values for parameters;
* :mod:`refgrad.nn.functional`: the same operations as plain functions.
"""

from refgrad.nn import functional, init, utils
from refgrad.nn.modules import (
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    Dropout,
    Flatten,
    HuberLoss,
    Identity,
    IncompatibleKeys,
    L1Loss,
    Linear,
    Module,
    ModuleDict,
    ModuleList,
    MSELoss,
    NLLLoss,
    ReLU,
    Sequential,
    Sigmoid,
    SmoothL1Loss,
    Tanh,
)
from refgrad.nn.parameter import Parameter

__all__ = [
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "HuberLoss",
    "Identity",
    "IncompatibleKeys",
    "L1Loss",
    "Linear",
    "MSELoss",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "SmoothL1Loss",
    "Tanh",
    "functional",
    "init",
    "utils",
]
