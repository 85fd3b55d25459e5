"""Shared test settings: nothing a test does may write outside a temporary folder."""

from __future__ import annotations

import os
import tempfile

# Hypothesis keeps its files under a temporary folder, not ./.hypothesis.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY",
                      tempfile.mkdtemp(prefix="lstm-grader-tests-hypothesis-"))
# matplotlib (the HTML report) keeps its font cache there, not in ~/.cache/matplotlib.
os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="lstm-grader-tests-mpl-"))
