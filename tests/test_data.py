"""Datasets and the DataLoader: batching, collation, seeded shuffling, errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import refgrad as rg
from refgrad.utils.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


def dataset(n: int = 10) -> TensorDataset:
    """Sample i is (row [i, i + 0.5], target i)."""
    x = np.stack([np.arange(n), np.arange(n) + 0.5], axis=1).astype(float)
    return TensorDataset(rg.tensor(x), rg.arange(n))


def targets_of(loader: DataLoader) -> list[list[int]]:
    return [batch[1].tolist() for batch in loader]


def test_tensor_dataset_returns_rows() -> None:
    data = dataset(5)
    assert len(data) == 5
    x, y = data[3]
    assert x.tolist() == [3.0, 3.5] and y.item() == 3


def test_tensor_dataset_rejects_tensors_of_different_lengths() -> None:
    with pytest.raises(ValueError, match=r"size mismatch.*\(5, 2\), \(4,\)"):
        TensorDataset(rg.zeros(5, 2), rg.zeros(4))
    with pytest.raises(ValueError):
        TensorDataset()


def test_batches_in_order_without_shuffle() -> None:
    loader = DataLoader(dataset(10), batch_size=4)
    assert len(loader) == 3
    assert targets_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    x, y = next(iter(loader))
    assert x.shape == (4, 2) and x.dtype == np.float64 and y.dtype == np.int64
    assert not x.requires_grad


def test_drop_last_skips_the_short_batch() -> None:
    loader = DataLoader(dataset(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert targets_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(dataset(8), batch_size=4, drop_last=True)) == 2


def test_default_batch_size_is_one() -> None:
    loader = DataLoader(dataset(3))
    assert targets_of(loader) == [[0], [1], [2]]


def test_shuffle_visits_every_sample_once_in_a_new_order_each_epoch() -> None:
    rg.manual_seed(0)
    loader = DataLoader(dataset(20), batch_size=6, shuffle=True)
    epochs = [[t for batch in targets_of(loader) for t in batch] for _ in range(3)]
    for order in epochs:
        assert sorted(order) == list(range(20))
    assert epochs[0] != epochs[1] != epochs[2]
    assert epochs[0] != list(range(20))


def test_shuffle_repeats_after_manual_seed() -> None:
    loader = DataLoader(dataset(20), batch_size=6, shuffle=True)
    rg.manual_seed(5)
    first = [targets_of(loader) for _ in range(2)]
    rg.manual_seed(5)
    again = [targets_of(loader) for _ in range(2)]
    assert first == again


def test_a_generator_gives_its_own_reproducible_stream() -> None:
    def orders(seed: int) -> list[list[int]]:
        loader = DataLoader(dataset(20), batch_size=20, shuffle=True, generator=rg.Generator(seed))
        rg.randn(3)  # draws from the global generator must not matter
        return [targets_of(loader)[0] for _ in range(2)]

    assert orders(1) == orders(1)
    assert orders(1) != orders(2)


def test_shuffle_permutation_comes_from_the_generator() -> None:
    generator = rg.Generator(7)
    expected = np.random.default_rng(7).permutation(10).tolist()
    loader = DataLoader(dataset(10), batch_size=10, shuffle=True, generator=generator)
    assert targets_of(loader) == [expected]


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_batch_size_must_be_a_positive_integer(bad: Any) -> None:
    with pytest.raises(ValueError, match=f"batch_size should be a positive integer.*{bad}"):
        DataLoader(dataset(), batch_size=bad)


def test_default_collate_stacks_and_converts() -> None:
    batch = default_collate([(rg.zeros(2), 1, 0.5), (rg.ones(2), 2, 1.5)])
    assert isinstance(batch, list) and len(batch) == 3
    assert batch[0].shape == (2, 2)
    assert batch[1].dtype == np.int64 and batch[1].tolist() == [1, 2]
    assert batch[2].dtype == np.float64 and batch[2].tolist() == [0.5, 1.5]
    arrays = default_collate([np.zeros(3, dtype=np.float32), np.ones(3, dtype=np.float32)])
    assert isinstance(arrays, rg.Tensor) and arrays.shape == (2, 3) and arrays.dtype == np.float32
    assert default_collate([{"a": 1}, {"a": 2}])["a"].tolist() == [1, 2]
    with pytest.raises(TypeError, match="got str"):
        default_collate(["a", "b"])
    with pytest.raises(RuntimeError, match="same size"):
        default_collate([(1, 2), (1,)])


def test_custom_dataset_and_collate_fn() -> None:
    class Squares(Dataset[int]):
        def __len__(self) -> int:
            return 5

        def __getitem__(self, index: int) -> int:
            return index * index

    loader = DataLoader(Squares(), batch_size=2, collate_fn=list)
    assert list(loader) == [[0, 1], [4, 9], [16]]


def test_base_dataset_must_be_subclassed() -> None:
    with pytest.raises(NotImplementedError):
        len(Dataset())
    with pytest.raises(NotImplementedError):
        Dataset()[0]


def test_subset_and_random_split() -> None:
    data = dataset(10)
    part = Subset(data, [4, 1])
    assert len(part) == 2 and part[1][1].item() == 1
    a, b, c = random_split(data, [5, 3, 2], generator=rg.Generator(0))
    assert (len(a), len(b), len(c)) == (5, 3, 2)
    assert sorted([*a.indices, *b.indices, *c.indices]) == list(range(10))
    train, test = random_split(dataset(11), [0.7, 0.3], generator=rg.Generator(0))
    assert (len(train), len(test)) == (8, 3)  # 7 + 3, and the leftover sample goes first
    with pytest.raises(ValueError, match="do not add up"):
        random_split(data, [5, 4])
