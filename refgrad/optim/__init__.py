"""Optimizers (``torch.optim``): rules that update parameters from their gradients.

Every optimizer is used the same way, once per minibatch::

    optimizer.zero_grad()   # forget the previous gradients
    loss.backward()         # compute new ones
    optimizer.step()        # update the parameters
"""

from refgrad.optim.adam import Adam
from refgrad.optim.optimizer import Optimizer
from refgrad.optim.sgd import SGD

__all__ = ["SGD", "Adam", "Optimizer"]
