"""Shared test settings: nothing a test does may write outside a temporary folder."""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Iterator

import pytest

# Hypothesis keeps its files under a temporary folder, not ./.hypothesis.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY",
                      tempfile.mkdtemp(prefix="lstm-grader-tests-hypothesis-"))
# matplotlib (the HTML report) keeps its font cache there, not in ~/.cache/matplotlib.
os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="lstm-grader-tests-mpl-"))


@pytest.fixture
def trusted_grading(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI grades the project's own trusted files in process (the sandbox is not the
    point of the test); hostile files never use this (tests/test_sandbox.py)."""
    import grader.engine

    monkeypatch.setattr(grader.engine, "grade", functools.partial(
        grader.engine.grade, runner_factory=grader.engine.in_process_runner))


@pytest.fixture(autouse=True, scope="session")
def _grader_folders_left_as_found() -> Iterator[None]:
    """Grading as root without bubblewrap closes the grader's own folders to the workers with
    an ACL entry (grader/containment.py), which stays for later grades. In a test run those
    folders are the checkout's: take away at the end what the run added."""
    import sys

    if not sys.platform.startswith("linux"):
        yield
        return
    from grader import containment
    from grader.sandbox import _hidden_dirs

    folders = [str(p) for p in _hidden_dirs()]
    untouched = [p for p in folders if not containment.denied(p)]
    yield
    containment.undeny(untouched)

