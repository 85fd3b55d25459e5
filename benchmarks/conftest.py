"""Benchmark settings: as for the tests, nothing may be written outside a temporary folder."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import pytest

# Hypothesis keeps its files under a temporary folder, not ./.hypothesis.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY",
                      tempfile.mkdtemp(prefix="lstm-grader-bench-hypothesis-"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Run as plain tests (benchmarks disabled), each would be timed once and its figures
    # thrown away: say how to get them.
    if config.getoption("benchmark_disable", False) and not config.getoption(
            "benchmark_enable", False):
        for item in items:
            item.add_marker(pytest.mark.skip(
                reason="benchmarks run only with --benchmark-enable (use scripts/bench)"))


@pytest.fixture(autouse=True)
def _load_average(request: pytest.FixtureRequest) -> Any:
    """Record the machine's 1-minute load average before and after each benchmark: on a
    shared machine it says how much else was running while it was timed."""
    if "benchmark" not in request.fixturenames:
        yield
        return
    bench = request.getfixturevalue("benchmark")
    before = os.getloadavg()[0]
    yield
    bench.extra_info["load_average_1min"] = [round(before, 2), round(os.getloadavg()[0], 2)]
    bench.extra_info["cpus"] = os.cpu_count()
