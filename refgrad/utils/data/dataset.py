"""Datasets: indexable collections of samples (``torch.utils.data.Dataset``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Generic, TypeVar

from refgrad.random import Generator, get_generator
from refgrad.tensor import Tensor

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A collection of samples: subclass it and define ``__getitem__`` and ``__len__``.

    Examples
    --------
    >>> import refgrad as rg
    >>> class Squares(rg.utils.data.Dataset):
    ...     def __len__(self):
    ...         return 4
    ...
    ...     def __getitem__(self, index):
    ...         return float(index), float(index) ** 2
    >>> Squares()[3]
    (3.0, 9.0)
    >>> next(iter(rg.utils.data.DataLoader(Squares(), batch_size=4)))
    [tensor([0., 1., 2., 3.]), tensor([0., 1., 4., 9.])]
    """

    def __getitem__(self, index: int) -> T_co:
        raise NotImplementedError(f"{type(self).__name__} does not define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} does not define __len__")


class TensorDataset(Dataset[tuple[Tensor, ...]]):
    """Samples that are rows of tensors: sample ``i`` is ``(t[i] for each tensor t)``.

    Parameters
    ----------
    *tensors : Tensor
        All with the same first dimension, e.g. inputs ``(N, D)`` and targets ``(N,)``.

    Raises
    ------
    ValueError
        If the tensors differ in their first dimension.

    Examples
    --------
    >>> import refgrad as rg
    >>> data = rg.utils.data.TensorDataset(rg.zeros(5, 3), rg.arange(5))
    >>> len(data), data[2]
    (5, (tensor([0., 0., 0.]), tensor(2)))
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if any(size != sizes[0] for size in sizes) or sizes[0] is None:
            shapes = ", ".join(str(t.shape) for t in tensors)
            raise ValueError(
                f"TensorDataset: size mismatch between tensors: they must all have the same "
                f"first dimension (one row per sample), got shapes {shapes}"
            )
        self.tensors = tensors

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``, in that order.

    Examples
    --------
    >>> import refgrad as rg
    >>> data = rg.utils.data.TensorDataset(rg.arange(10))
    >>> part = rg.utils.data.Subset(data, [7, 2])
    >>> len(part), part[0]
    (2, (tensor(7),))
    """

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: int) -> T_co:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(
    dataset: Dataset[T_co],
    lengths: Sequence[int | float],
    generator: Generator | None = None,
) -> list[Subset[T_co]]:
    """Split ``dataset`` at random into non-overlapping parts of the given sizes.

    Parameters
    ----------
    dataset : Dataset
    lengths : sequence of int, or of float
        Sizes that add up to ``len(dataset)``, or fractions that add up to 1 (each part gets
        the floor of its share, and the samples left over go one each to the first parts).
    generator : Generator, optional
        The source of the permutation; the global generator when omitted.

    Examples
    --------
    >>> import refgrad as rg
    >>> data = rg.utils.data.TensorDataset(rg.arange(10))
    >>> train, test = rg.utils.data.random_split(data, [0.8, 0.2], rg.Generator(0))
    >>> len(train), len(test)
    (8, 2)
    >>> sorted(train.indices + test.indices) == list(range(10))
    True
    """
    n = len(dataset)
    sizes = [int(size) for size in lengths]
    if all(isinstance(f, float) for f in lengths) and math.isclose(sum(lengths), 1.0):
        sizes = [math.floor(n * fraction) for fraction in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
    if sum(sizes) != n or any(size < 0 for size in sizes):
        raise ValueError(
            f"random_split: the lengths {list(lengths)} do not add up to the size of the "
            f"dataset ({n}), nor are they fractions that add up to 1"
        )
    order = get_generator(generator).permutation(n).tolist()
    parts, start = [], 0
    for size in sizes:
        parts.append(Subset(dataset, order[start : start + size]))
        start += size
    return parts
