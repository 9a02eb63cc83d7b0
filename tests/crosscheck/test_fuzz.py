"""The differential fuzzer on CI's fixed seed (``tests/crosscheck/fuzzer.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

# fuzzer.py is a script as well as a module (nox -s fuzz runs it): import it from this folder.
sys.path.insert(0, str(Path(__file__).parent))
import fuzzer

CI_SEED = 20261202
CI_PROGRAMS = 1500

# Open mismatches with PyTorch found by the fuzzer and not yet fixed in refgrad (reported to
# the lead with reproducers; none is a documented difference). strict: when they are fixed,
# this xfail turns into a failure and must be removed.
OPEN = (
    "second derivatives at NaN/inf inputs (linear, amin, reshape, tanh, clone)",
    "forward-mode tangents of div at inf/0; log_softmax forward mode on a non-dual input",
    "errors: masked_fill of an out-of-range value into int64, bool rsub, transpose/broadcast_to",
)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.xfail(strict=True, reason="open mismatches: " + "; ".join(OPEN))
def test_fuzzer_ci_seed_is_clean() -> None:
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        tally = fuzzer.run(CI_PROGRAMS, CI_SEED, fuzzer.Tally())
    finally:
        torch.set_default_dtype(before)
    print(tally.report())
    assert tally.programs == CI_PROGRAMS
    assert not tally.classes, tally.report()
