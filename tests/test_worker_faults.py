"""The worker's load and describe steps: whose fault an exception is (one that passed through
the submission's code is the student's; one raised by the worker's own code alone is a grader
bug, reported as such), ScriptModules described like any module, compiled code without a
C++ compiler."""

from __future__ import annotations

import pytest
import torch

import grader._worker as worker
from grader.engine import grade, in_process_runner
from grader.errors import WorkerFault
from tests.zoo import ZOO

CORRECT = ZOO / "lstm_cell" / "correct_textbook_chunk.py"
SCRIPTED = ZOO / "lstm_cell" / "correct_torchscript_module_pytorch_names.py"

OVERRIDES_PARAMETERS = '''
import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(4 * hidden_size, input_size + hidden_size))

    def named_parameters(self, *args, **kwargs):
        raise ValueError("mine")
'''


def _served(source: str, filename: str) -> worker.Handler:
    handler = worker.Handler()
    reply, _ = handler.handle({"op": "load", "source": source, "filename": filename}, {})
    assert reply["ok"], reply
    return handler


def _build(handler: worker.Handler) -> dict:
    return handler.handle({"op": "build", "class": "LSTMCell", "args": [3, 2]}, {})[0]


def test_a_failure_in_the_workers_own_code_is_a_grader_fault(monkeypatch) -> None:
    handler = _served(CORRECT.read_text(), str(CORRECT))
    assert _build(handler)["ok"]

    def broken(value, tensors, depth=0):
        raise TypeError("a bug in the worker")

    monkeypatch.setattr(worker, "_describe", broken)
    x = torch.zeros(1, 3, dtype=torch.float64)
    reply, _ = handler.handle({"op": "call", "args": [{"t": "x"}]}, {"x": x})
    assert reply["error"]["kind"] == "grader"
    assert "a bug in the worker" in reply["error"]["traceback"]  # the whole traceback


def test_an_exception_that_passed_through_the_submission_is_the_students() -> None:
    handler = _served(OVERRIDES_PARAMETERS, "overrides.py")
    error = _build(handler)["error"]
    assert error["kind"] == "exception" and error["type"] == "ValueError"
    assert "overrides.py" in error["traceback"]


def test_a_grader_fault_is_never_reported_as_the_students_error(monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise TypeError("a bug in the worker")

    monkeypatch.setattr(worker, "_describe", broken)
    with pytest.raises(WorkerFault, match="a bug in the worker"):
        grade(CORRECT, ["lstm_cell"], runner_factory=in_process_runner)


def test_a_scriptmodule_is_described_like_any_module() -> None:
    handler = _served(SCRIPTED.read_text(), str(SCRIPTED))
    reply = _build(handler)
    assert reply["ok"], reply
    assert [p["name"] for p in reply["params"]] == ["weight_ih", "weight_hh", "bias_ih",
                                                    "bias_hh"]
    assert reply["unregistered"] == []


def test_compiled_code_without_a_cxx_compiler_runs_eagerly_and_the_report_says_so(
        monkeypatch) -> None:
    from grader.config import GradeConfig

    monkeypatch.setattr(worker, "_cxx_available", lambda: False)
    report = grade(ZOO / "lstm_cell" / "correct_compiled_module_per_gate.py", ["lstm_cell"],
                   GradeConfig(max_examples=2, speed_mode="off"), runner_factory=in_process_runner)
    assert report.score == report.max_score
    assert "torch.compile needs a C++ compiler" in report.output
