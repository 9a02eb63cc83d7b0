"""Automatic checks for the book's exercises, one module per chapter.

A page imports its checks with ``from exercise_checks import <page> as checks``; each check
raises AssertionError with a hint when an answer is wrong. ``docs/`` is put on ``sys.path`` by
``conf.py`` (for the executed build) and ``conftest.py`` (for the tests).
"""
