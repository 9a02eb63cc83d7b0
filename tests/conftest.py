"""Shared fixtures: every test starts from refgrad's defaults and leaves them as it found them."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import settings

import refgrad as rg
from refgrad import grad_mode

# Hypothesis: no per-example deadline (timings vary on a loaded machine). For a longer search,
# run pytest with --hypothesis-profile=thorough.
settings.register_profile("refgrad", deadline=None, max_examples=100)
settings.register_profile("thorough", deadline=None, max_examples=3000)
settings.load_profile("refgrad")


@pytest.fixture(autouse=True)
def _restore_global_state() -> Iterator[None]:
    """Restore the default dtype and the grad mode, whatever the test did to them."""
    dtype = rg.get_default_dtype()
    enabled = grad_mode._enabled
    yield
    rg.set_default_dtype(dtype)
    grad_mode._enabled = enabled


@pytest.fixture
def rng() -> np.random.Generator:
    """Return a NumPy generator with a fixed seed, so every test draws the same numbers each run."""
    return np.random.default_rng(12345)
