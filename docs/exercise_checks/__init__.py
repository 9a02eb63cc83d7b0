"""Automatic checks for the book's exercises, one module per chapter.

A page imports its checks with ``from exercise_checks import <page> as checks``; each check
raises AssertionError with a hint when an answer is wrong. ``docs/`` is put on ``sys.path`` by
``conf.py`` (for the executed build) and ``conftest.py`` (for the tests).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def reader_code(what: str) -> Iterator[None]:
    """Run the reader's code; an exception or a NumPy warning becomes an AssertionError.

    A check must answer "wrong, because ..." rather than crash, whatever the reader wrote.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            yield
        except AssertionError:
            raise
        except Exception as error:  # the reader's code failed: that is a wrong answer
            raise AssertionError(f"{what} raised {type(error).__name__}: {error}") from error
