"""``DataLoader``: minibatches from a dataset, reshuffled every epoch (``torch.utils.data``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from refgrad.ops import stack
from refgrad.random import Generator, get_generator
from refgrad.tensor import Tensor, tensor
from refgrad.utils.data.dataset import Dataset


def default_collate(batch: list[Any]) -> Any:
    """Combine a list of samples into one batch, as PyTorch's ``default_collate`` does.

    Tensors and NumPy arrays are stacked along a new first dimension, numbers become a 1-D
    tensor (Python floats give float64, ints give int64), and tuples, lists and dicts are
    collated field by field (tuples and lists give a list).

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.utils.data import default_collate
    >>> default_collate([(rg.zeros(2), 0), (rg.ones(2), 1)])
    [tensor([[0., 0.],
            [1., 1.]]), tensor([0, 1])]
    >>> default_collate([{"x": 1.5}, {"x": 2.5}])
    {'x': tensor([1.5, 2.5])}
    """
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(batch)
    if isinstance(first, np.ndarray):
        return Tensor(np.stack(batch))
    if isinstance(first, int | float | bool | np.number | np.bool_):
        return tensor(batch)
    if isinstance(first, dict):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, tuple | list):
        if any(len(sample) != len(first) for sample in batch):
            raise RuntimeError("default_collate: each sample in the batch must have the same size")
        return [default_collate(list(field)) for field in zip(*batch, strict=True)]
    raise TypeError(
        f"default_collate: samples must be tensors, arrays, numbers, or tuples, lists or dicts "
        f"of them; got {type(first).__name__}"
    )


class DataLoader:
    """Iterate over a dataset in minibatches.

    Each ``for`` loop over the loader is one epoch. With ``shuffle=True`` every epoch draws a new
    permutation of the samples from ``generator`` (or from the global generator that
    :func:`refgrad.manual_seed` seeds), so the batches are random yet reproducible.

    Parameters
    ----------
    dataset : Dataset
        Anything with ``__len__`` and ``__getitem__``, e.g. a :class:`TensorDataset`.
    batch_size : int, default 1
        Samples per batch.
    shuffle : bool, default False
        Visit the samples in a new random order each epoch.
    drop_last : bool, default False
        Skip the last batch of an epoch if it has fewer than ``batch_size`` samples.
    generator : Generator, optional
        The source of the permutations.
    collate_fn : callable, optional
        Turns a list of samples into a batch; :func:`default_collate` by default.

    Raises
    ------
    ValueError
        If ``batch_size`` is not a positive integer.

    Examples
    --------
    >>> import refgrad as rg
    >>> from refgrad.utils.data import DataLoader, TensorDataset
    >>> data = TensorDataset(rg.arange(10.0).reshape(5, 2), rg.arange(5))
    >>> loader = DataLoader(data, batch_size=2)
    >>> len(loader)
    3
    >>> [targets.tolist() for _, targets in loader]
    [[0, 1], [2, 3], [4]]
    >>> loader = DataLoader(data, batch_size=2, shuffle=True, generator=rg.Generator(0))
    >>> sorted(sum((t.tolist() for _, t in loader), []))
    [0, 1, 2, 3, 4]
    >>> DataLoader(data, batch_size=0)
    Traceback (most recent call last):
    ...
    ValueError: batch_size should be a positive integer value, but got batch_size=0
    """

    def __init__(
        self,
        dataset: Dataset[Any],
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: Generator | None = None,
        collate_fn: Callable[[list[Any]], Any] | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator
        self.collate_fn = collate_fn if collate_fn is not None else default_collate

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        # The permutation is drawn when the epoch starts, so each epoch gets a new order.
        order = get_generator(self.generator).permutation(n) if self.shuffle else np.arange(n)
        for batch in range(len(self)):
            indices = order[batch * self.batch_size : (batch + 1) * self.batch_size]
            yield self.collate_fn([self.dataset[int(i)] for i in indices])
