"""The layers of :mod:`refgrad.nn`, one family per module, as in ``torch.nn.modules``."""

from refgrad.nn.modules.activation import ReLU, Sigmoid, Tanh
from refgrad.nn.modules.container import ModuleDict, ModuleList, Sequential
from refgrad.nn.modules.dropout import Dropout
from refgrad.nn.modules.flatten import Flatten
from refgrad.nn.modules.linear import Identity, Linear
from refgrad.nn.modules.loss import (
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from refgrad.nn.modules.module import IncompatibleKeys, Module

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
    "ReLU",
    "Sequential",
    "Sigmoid",
    "SmoothL1Loss",
    "Tanh",
]
