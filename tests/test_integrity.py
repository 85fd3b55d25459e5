"""Integrity: use of PyTorch's built-in recurrent kernels is established at run time, however
they are reached; the source is read only for a note that costs nothing.

The hostile files (tests/hostile/builtin/) each reach the built-ins another way and run only
through the real sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from grader.checks.integrity import static_findings
from grader.config import GradeConfig
from grader.engine import RunnerFactory, grade, sandbox_runner
from grader.forkserver import ForkServer
from grader.sandbox import SandboxRunner, bwrap_available, runner_settings
from tests.zoo import HOSTILE

FORBIDDEN = GradeConfig().forbidden_apis
FAST = GradeConfig(max_examples=4, request_timeout_s=10.0, speed_mode="off")

SELF_TEST = '''
import torch
from torch import nn

__all__ = ["LSTMCell"]
NAMES = {"LSTMCell": 1, "lstm_cell": 2}
_FLOAT_MODULE = torch.nn.LSTMCell


def helper(x):
    return torch.sigmoid(x)


class LSTMCell(nn.Module):
    """Not nn.LSTMCell: "torch.lstm_cell" in a docstring."""

    def forward(self, x):
        return helper(x)  # nn.LSTMCell in a comment


def test_it():
    ref = nn.LSTMCell(3, 5)


if __name__ == "__main__":
    ref = nn.LSTMCell(3, 5)
    print(torch._VF.lstm_cell)
'''


def test_self_tests_strings_and_unreachable_names_are_never_noted() -> None:
    assert static_findings(SELF_TEST, FORBIDDEN, {"LSTMCell"}) == []


def test_names_in_code_the_graded_class_reaches_are_noted() -> None:
    source = SELF_TEST.replace("return torch.sigmoid(x)", "return _CELL(x)") + '''
from torch.nn import LSTM as Layer
_CELL = nn.GRUCell


class Base(nn.Module):
    def step(self):
        return Layer, torch._VF.lstm_cell
'''
    source = source.replace("class LSTMCell(nn.Module):", "class LSTMCell(Base):")
    found = static_findings(source, FORBIDDEN, {"LSTMCell"})
    assert any("nn.GRUCell" in f for f in found), found     # through helper -> _CELL
    assert any("torch.nn.LSTM" in f for f in found), found  # an imported alias, in a base
    assert any("torch._VF" in f for f in found), found
    assert not any("LSTMCell" in f for f in found), found   # the module-level one is unused


WAYS = sorted(p.name for p in (HOSTILE / "builtin").glob("*.py"))


@pytest.fixture(scope="module")
def sandboxed() -> Iterator[RunnerFactory]:
    """The real sandbox; forked from one warm server where bubblewrap runs (a fresh
    interpreter per file costs about two seconds of importing torch)."""
    if not bwrap_available():
        yield sandbox_runner
        return
    server = ForkServer(runner_settings(FAST), reap_timeout=3.0)

    def forked(header: dict[str, Any], config: GradeConfig) -> SandboxRunner:
        return SandboxRunner(header, **runner_settings(config), server=server)

    yield forked
    server.close()


@pytest.mark.slow
@pytest.mark.parametrize("name", WAYS)
def test_a_cell_that_reaches_a_builtin_kernel_gets_no_credit(
        name: str, sandboxed: RunnerFactory) -> None:
    report = grade(HOSTILE / "builtin" / name, ["lstm_cell"], FAST, runner_factory=sandboxed)
    assert report.score == 0
    integrity = next(c for c in report.checks if c.check_id == "integrity.no_builtin_rnn")
    assert not integrity.passed
    assert any(op.startswith("aten::") for op in integrity.extra["evidence"]), integrity.extra
    assert "built-in recurrent" in report.exercises[0].note


def test_the_hostile_set_covers_every_way_the_issue_names() -> None:
    assert {"aten_op.py", "vf.py", "computed_getattr.py", "importlib_module.py",
            "torchscript.py", "hidden_module.py", "full_layer.py", "fused_kernel.py"} <= set(WAYS)


@pytest.mark.parametrize("dropout", [0.0, 0.5, 1.0])
def test_a_disarmed_guard_leaves_pytorchs_recurrent_results_bit_for_bit(dropout: float) -> None:
    # The trusted in-process path keeps the guard installed between requests; whatever
    # runs there afterwards (the baseline, an instructor's tools) must see PyTorch unchanged.
    import torch
    from torch import nn

    from grader._worker import _GUARD

    torch.manual_seed(0)
    modules = [nn.LSTM(3, 4, num_layers=2, dropout=dropout).double().train(),
               nn.GRU(3, 4, num_layers=2, dropout=dropout).double().train(),
               nn.LSTMCell(3, 4).double()]
    x = torch.randn(5, 2, 3, dtype=torch.float64)

    def run() -> list[Any]:
        outs = []
        for module in modules:
            torch.manual_seed(1)
            out = module(x if not isinstance(module, nn.LSTMCell) else x[0])[0]
            grads = torch.autograd.grad(out.sum(), list(module.parameters()))
            outs += [out.detach(), *grads]
        return outs

    before = run()
    installed = bool(_GUARD.libraries)
    _GUARD.install()
    try:
        assert not _GUARD.armed
        after = run()
    finally:
        if not installed:
            _GUARD.uninstall()
    for a, b in zip(before, after, strict=True):
        assert torch.equal(a, b)
