"""Datasets and minibatches (``torch.utils.data``).

A :class:`Dataset` answers two questions, how many samples and which is sample ``i``; a
:class:`DataLoader` turns it into shuffled minibatches, one epoch per ``for`` loop.
"""

from refgrad.utils.data.dataloader import DataLoader, default_collate
from refgrad.utils.data.dataset import Dataset, Subset, TensorDataset, random_split

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate", "random_split"]
