"""Hypothesis examples per second, per check, on a correct submission.

Each check runs as in a grade (12 examples, the default rubric) against examples/my_lstm.py
served by the trusted in-process runner, so the figure is the grader's own cost per example
(drawing, the reference's computation, comparing, the submission's forward and backward)
without the pipe to a sandboxed worker. The layout is inferred in the warm-up round and
then cached, as it is for every check but the first in a real grade. ``extra_info`` has the
examples each run executed (drawn ones, shrinking, and the hand-picked cases), the requests
it sent to the worker, and examples/s = examples / median seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch

from benchmarks._support import EXAMPLE, median_of
from grader.checks import Context, checks_for
from grader.client import Client
from grader.config import GradeConfig
from grader.exercises import DEFAULT_EXERCISES, get_exercise
from grader.sandbox import InProcessRunner

CONFIG = GradeConfig()
CASES = [(ex, spec.id) for ex in DEFAULT_EXERCISES
         for spec in checks_for(get_exercise(ex), CONFIG) if spec.category != "speed"]


class _Counted:
    """The exercise's Context, with the examples run and the requests sent counted."""

    def __init__(self, exercise: str) -> None:
        self.runner = InProcessRunner({"op": "load", "source": EXAMPLE.read_text("utf-8"),
                                       "filename": EXAMPLE.name})
        self.requests = self.examples = 0
        request = self.runner.request

        def counted_request(*args: Any, **kwargs: Any) -> Any:
            self.requests += 1
            return request(*args, **kwargs)

        self.runner.request = counted_request  # type: ignore[method-assign]
        self.ctx = Context(get_exercise(exercise), CONFIG,
                           Client(self.runner, CONFIG.request_timeout_s),
                           EXAMPLE.read_text("utf-8"))
        run = self.ctx.run

        def counted_run(test: Callable[..., None], *args: Any, **kwargs: Any) -> None:
            def counted(*a: Any) -> None:
                self.examples += 1
                test(*a)
            run(counted, *args, **kwargs)

        self.ctx.run = counted_run  # type: ignore[method-assign]


@pytest.fixture(scope="module")
def contexts() -> Iterator[dict[str, _Counted]]:
    previous = torch.get_num_threads()
    torch.set_num_threads(1)  # as in a grade (grader.engine)
    try:
        yield {ex: _Counted(ex) for ex in DEFAULT_EXERCISES}
    finally:
        torch.set_num_threads(previous)


@pytest.mark.parametrize(("exercise", "check_id"), CASES,
                         ids=[f"{ex}/{cid}" for ex, cid in CASES])
def test_examples_per_second(benchmark: Any, contexts: dict[str, _Counted], exercise: str,
                             check_id: str) -> None:
    counted = contexts[exercise]
    spec = next(s for s in checks_for(counted.ctx.exercise, CONFIG) if s.id == check_id)
    runs: list[tuple[int, int]] = []

    def run_check() -> None:
        counted.examples = counted.requests = 0
        spec.fn(counted.ctx)  # a correct submission: every check passes
        runs.append((counted.examples, counted.requests))

    benchmark.pedantic(run_check, rounds=3, warmup_rounds=1, iterations=1)
    examples, requests = runs[-1]
    info: dict[str, Any] = {"examples": examples, "worker_requests": requests,
                            "hypothesis_driven": examples > 0}
    seconds = median_of(benchmark)
    if seconds and examples:
        info["examples_per_s"] = round(examples / seconds, 1)
    benchmark.extra_info.update(info)
