"""Optimizers (``torch.optim``): rules that update parameters from their gradients.

Every optimizer is used the same way, once per minibatch::

    optimizer.zero_grad()   # forget the previous gradients
    loss.backward()         # compute new ones
    optimizer.step()        # update the parameters
"""

from refgrad.optim import lr_scheduler
from refgrad.optim.adagrad import Adagrad
from refgrad.optim.adam import Adam, AdamW
from refgrad.optim.optimizer import Optimizer
from refgrad.optim.rmsprop import RMSprop
from refgrad.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
