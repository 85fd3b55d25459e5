"""The command line starts the sandboxed worker before it imports torch (grader.cli._prestart):
which commands do, when the pre-started worker is used, and that it never outlives the
command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from grader import cli
from grader.config import GradeConfig
from grader.sandbox import SandboxRunner, runner_settings

ROOT = Path(__file__).resolve().parent.parent


def test_the_sandbox_and_the_command_line_module_import_no_torch() -> None:
    # What lets the worker's start-up overlap the grader's own import of torch.
    code = "import sys, grader.cli, grader.sandbox; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("argv", [[], ["validate", "rubric.toml"], ["batch", "folder"],
                                  ["--version"]])
def test_only_commands_that_grade_one_file_prestart(argv: list[str]) -> None:
    assert cli._prestart(argv) is None


class _Spare:
    def __init__(self) -> None:
        self.load_header: dict[str, Any] = {}

    def take(self, load_header: dict[str, Any]) -> _Spare:  # as SandboxRunner.take
        self.load_header = load_header
        return self


def test_the_prestarted_worker_serves_a_grade_whose_sandbox_settings_match() -> None:
    spare = _Spare()
    factory = cli._runner_factory((spare, runner_settings(GradeConfig())))
    header = {"op": "load", "source": "x = 1", "filename": "s.py"}
    # Settings that do not reach the sandbox (examples, language) do not matter.
    runner = factory(header, GradeConfig(max_examples=3, lang="es"))
    assert runner is spare and spare.load_header == header
    # It serves one submission only: the next runner is a new one.
    again = factory(header, GradeConfig())
    assert again is not spare and isinstance(again, SandboxRunner)


def test_a_rubric_with_other_sandbox_settings_gets_a_worker_of_its_own() -> None:
    spare = _Spare()
    factory = cli._runner_factory((spare, runner_settings(GradeConfig())))
    runner = factory({"op": "load", "source": "", "filename": "s.py"},
                     GradeConfig(memory_limit_mb=2048))
    assert runner is not spare and isinstance(runner, SandboxRunner)
    assert runner.limits != SandboxRunner({}, **runner_settings(GradeConfig())).limits


@pytest.mark.slow
def test_a_prestarted_worker_is_stopped_when_the_command_fails(tmp_path: Path,
                                                              monkeypatch: Any) -> None:
    started: list[SandboxRunner] = []
    prestart = SandboxRunner.prestart

    def record(self: SandboxRunner) -> None:
        started.append(self)
        prestart(self)

    monkeypatch.setattr(SandboxRunner, "prestart", record)
    code = cli.main(["grade", str(tmp_path / "missing.py"), "--out", str(tmp_path / "r.json")])
    assert code == cli.ExitCode.USAGE_ERROR
    assert len(started) == 1
    runner = started[0]
    assert runner._proc is None and runner._dir is None  # killed, its folder removed
