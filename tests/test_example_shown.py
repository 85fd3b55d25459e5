"""A failing example is the input that failed, never a check's internal probe (a shifted
state, zero inputs, x ± ε·d, single batch rows): every semantics check, and the other checks
that probe around the drawn input, pin it with ``Context.show``."""

from __future__ import annotations

from typing import Any

import pytest
from torch import Tensor

from grader.checks import CHECKS, CheckFailed, Context
from grader.client import Client
from grader.config import GradeConfig
from grader.exercises import EXERCISES, Exercise
from grader.sandbox import InProcessRunner
from tests.zoo import ZOO


def _small(t: Tensor) -> Any:
    return [round(float(v), 4) for v in t.reshape(-1)]


def failure_and_drawn(monkeypatch: pytest.MonkeyPatch, path: str, check_id: str
                      ) -> tuple[CheckFailed, list[dict[str, Tensor]]]:
    """Run one check on a zoo mutant (trusted: in-process); the failure and every input the
    exercise drew for it."""
    drawn: list[dict[str, Tensor]] = []
    original = Exercise.inputs

    def spy(self: Exercise, *args: Any, **kwargs: Any) -> dict[str, Tensor]:
        inputs = original(self, *args, **kwargs)
        drawn.append(inputs)
        return inputs

    monkeypatch.setattr(Exercise, "inputs", spy)
    source = (ZOO / path).read_text(encoding="utf-8")
    runner = InProcessRunner({"op": "load", "source": source, "filename": "sub.py"})
    config = GradeConfig(max_examples=6, speed_mode="off")
    ctx = Context(EXERCISES[path.split("/")[0]], config, Client(runner, 30.0), source)
    with pytest.raises(CheckFailed) as info:
        CHECKS[check_id].fn(ctx)
    return info.value, drawn


def _shifted(c: Tensor) -> Tensor:
    return 3 * c.sign() + c  # the large-state point output_gate and gate_logits use


@pytest.mark.parametrize("path, check_id", [
    *[("lstm_cell/bug_recurrent_weights_on_c.py", f"semantics.{name}")
      for name in ("forget_gate", "output_gate", "update_term", "gate_logits", "gate_control")],
    ("lstm_cell/bug_custom_backward_wrong.py", "gradients.finite_differences"),
    ("lstm_cell/bug_gates_view_across_batch.py", "robustness.batch_independent"),
])
def test_the_example_shown_is_the_drawn_input_that_failed(
        monkeypatch: pytest.MonkeyPatch, path: str, check_id: str) -> None:
    failed, drawn = failure_and_drawn(monkeypatch, path, check_id)
    assert failed.example is not None
    shown = failed.example.inputs
    assert set(shown) == {"x", "h", "c"}, shown
    flat = {k: [v for row in rows for v in row] for k, rows in shown.items()}
    # Not a probe: x = 0, h = 0 was shown for semantics.gate_logits before.
    assert any(v != 0 for v in flat["x"]) and any(v != 0 for v in flat["h"])
    assert any(flat["x"] == _small(d["x"]) and flat["h"] == _small(d["h"])
               and flat["c"] in (_small(d["c"]), _small(_shifted(d["c"])))
               for d in drawn if set(d) == {"x", "h", "c"}), (shown, check_id)
