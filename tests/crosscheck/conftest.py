"""The cross-check runs only where PyTorch is installed (``nox -s crosscheck``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "crosscheck" in str(item.path):
            item.add_marker(pytest.mark.crosscheck)
            # torch deprecates x.T on tensors that are not 2-D (refgrad keeps the reversal);
            # the registry's ".T" samples include a 1-D one on purpose.
            item.add_marker(pytest.mark.filterwarnings("ignore:The use of `x.T`:UserWarning"))


@pytest.fixture
def torch_float64() -> Iterator[None]:
    """Python floats become float64 tensors in torch too, refgrad's default float."""
    import torch  # only here: the cross-check runs where torch is installed

    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)
