"""Neural-network building blocks (``torch.nn``): for now, :mod:`refgrad.nn.functional`."""

from refgrad.nn import functional

__all__ = ["functional"]
