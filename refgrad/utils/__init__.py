"""Utilities (``torch.utils``): for now, :mod:`refgrad.utils.data` for datasets and minibatches."""

from refgrad.utils import data

__all__ = ["data"]
