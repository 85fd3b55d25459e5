"""check's terminal output: colour and progress only on a TTY, NO_COLOR, and the next step.

Reports here are built by hand (no grading), so these tests are fast; tests/test_i18n.py and
tests/test_cli.py render real reports.
"""

from __future__ import annotations

import io
import re

import pytest

from grader.i18n import Msg, set_field, text
from grader.reports import terminal
from grader.reports import text as plain
from grader.reports.next_step import next_step, next_step_line
from grader.results import CheckResult, Example, ExerciseResult, GradeReport

SGR = re.compile(r"\x1b\[([0-9;]*)m")


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def check(check_id: str, passed: bool = True, *, category: str = "", message: str = "",
          hint: str = "", traceback: str = "", points: float = 1.0) -> CheckResult:
    c = CheckResult(check_id=check_id, exercise="lstm_cell",
                    category=category or check_id.split(".")[0], title="",
                    max_score=points, score=points if passed else 0.0, passed=passed)
    set_field(c, "title", Msg(f"check.{check_id}.title"))
    set_field(c, "message", message)
    set_field(c, "hint", hint)
    c.traceback = traceback
    return c


def report(*checks: CheckResult, lang: str = "en") -> GradeReport:
    return GradeReport("work/my_lstm.py", [ExerciseResult("lstm_cell", "LSTMCell", list(checks))],
                       1.0, lang=lang)


def failing_report(lang: str = "en") -> GradeReport:
    failed = check("equivalence.forward", False, points=6,
                   message=Msg("compare.differs", name="h", diff="0.5", index="(0, 0)",
                               atol="1e-09"),
                   hint=Msg("check.equivalence.forward.hint"))
    failed.example = Example({"batch": 1, "input_size": 1, "hidden_size": 2},
                             {"x": [[1.5]]})
    set_field(failed, "expected", "0.32")
    set_field(failed, "got", "0.36")
    return report(check("shapes.structure"), failed, lang=lang)


def test_without_a_tty_the_report_is_plain_text_with_no_escape_codes() -> None:
    out = io.StringIO()
    terminal.render(failing_report(), out)
    got = out.getvalue()
    assert "\x1b[" not in got
    assert got == _plain(failing_report())  # exactly the plain text writer
    assert "[FAIL] equivalence:" in got and "[PASS] shapes:" in got
    assert "Smallest failing example: batch=1, input_size=1, hidden_size=2" in got
    assert "    expected: 0.32\n    got:      0.36\n" in got
    assert got.rstrip().splitlines()[-1].startswith(  # one last line
        "Next step: start with lstm_cell/equivalence.forward. Compare each line")


def _plain(r: GradeReport) -> str:
    out = io.StringIO()
    plain.render(r, out)
    return out.getvalue()


def test_without_a_tty_there_is_no_progress_bar() -> None:
    out = io.StringIO()
    with terminal.progress_bar(out, "my_lstm.py") as progress:
        assert progress is None
    assert out.getvalue() == ""


def test_on_a_tty_the_summary_is_coloured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = FakeTerminal()
    terminal.render(failing_report(), out)
    got = out.getvalue()
    colours = [p for p in SGR.findall(got) if _has_colour(p)]
    assert colours, "expected coloured PASS/FAIL on a terminal"
    words = SGR.sub("", got)
    for expected in ("PASS", "FAIL", "lstm_cell/equivalence.forward", "expected: 0.32",
                     "Smallest failing example", "hint: Compare each line",
                     "Next step: start with"):
        assert expected in words


def test_no_color_keeps_the_layout_and_drops_every_colour(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out = FakeTerminal()
    terminal.render(failing_report(), out)
    got = out.getvalue()
    assert not [p for p in SGR.findall(got) if _has_colour(p)]
    words = SGR.sub("", got)
    assert "FAIL" in words and "PASS" in words and "Next step:" in words


def _has_colour(params: str) -> bool:
    """An SGR parameter list that sets a foreground or background colour."""
    codes = [int(p) for p in params.split(";") if p]
    return any(30 <= c <= 38 or 40 <= c <= 48 or 90 <= c <= 107 for c in codes)


def test_student_text_is_never_read_as_markup() -> None:
    out = FakeTerminal()
    r = report(check("equivalence.forward", False, message=text("[bold red]x[/] :smile:"),
                     hint=text("see [link]")))
    terminal.render(r, out)
    words = SGR.sub("", out.getvalue())
    assert "[bold red]x[/] :smile:" in words and "see [link]" in words


def test_the_progress_bar_shows_the_running_check_on_a_tty() -> None:
    out = FakeTerminal()
    with terminal.progress_bar(out, "my_lstm.py", "es") as progress:
        assert progress is not None
        progress("lstm_cell", "equivalence.forward", 3, 10)
        progress("", "", 10, 10)
    got = SGR.sub("", out.getvalue())
    assert "Comprobando lstm_cell: equivalence.forward" in got and "3/10" in got


def test_a_report_renders_in_its_own_language_unless_told() -> None:
    spanish = _plain(failing_report("es"))
    assert "[FALLA] equivalencia:" in spanish and "Siguiente paso:" in spanish
    out = io.StringIO()
    plain.render(failing_report("es"), out, "en")
    assert "[FAIL] equivalence:" in out.getvalue()


# -- the one next step -------------------------------------------------------------------------

def load_failure() -> CheckResult:
    return check("shapes.structure", False,
                 message=Msg("load.syntax_error", where=Msg("where.line", line=3),
                             message="invalid syntax", code="def f(:", caret="     ^"),
                 hint=Msg("load.syntax_error.hint"))


def integrity_failure() -> CheckResult:
    return check("integrity.no_builtin_rnn", False, points=0,
                 message="nn.LSTMCell found", hint=Msg("check.integrity.no_builtin_rnn.hint"))


def raised() -> CheckResult:
    return check("shapes.unbatched", False, message="your code raised IndexError",
                 traceback='  File "my_lstm.py", line 3\nIndexError: out of range',
                 hint=Msg("check.shapes.unbatched.hint"))


def diagnosed() -> CheckResult:
    c = check("equivalence.forward", False, message="h differs",
              hint=Msg("check.equivalence.forward.hint"))
    c.extra["diagnosis"] = "missing-tanh-on-c"
    c.i18n["diagnosis"] = {"id": "missing-tanh-on-c",
                           "title": Msg("mistake.missing-tanh-on-c.title").to_data(),
                           "explanation": Msg("mistake.missing-tanh-on-c.explanation").to_data(),
                           "equation": "h_t = o_t ⊙ tanh(C_t)"}
    return c


def plain_failure() -> CheckResult:
    return check("robustness.no_inplace", False, message="x was modified",
                 hint=Msg("check.robustness.no_inplace.hint"))


def test_the_next_step_follows_the_priority_order() -> None:
    steps = [load_failure, integrity_failure, raised, diagnosed, plain_failure]
    expected = ["make your file load", "write the recurrence yourself",
                "fix the error your code raised in lstm_cell/shapes.unbatched",
                "fix h = o · c without tanh", "start with lstm_cell/robustness.no_inplace"]
    # With every kind of failure present, the highest priority wins; remove it, the next.
    for i, want in enumerate(expected):
        later_first = [make() for make in reversed(steps[i:])]
        assert next_step(report(check("parameters.count"), *later_first)).startswith(want)


def test_a_diagnosis_names_the_equation_it_breaks() -> None:
    step = next_step(report(plain_failure(), diagnosed()))
    assert step == ("fix h = o · c without tanh (the NOAF variant) in your forward: the lesson's "
                    "equation is h_t = o_t ⊙ tanh(C_t) (lstm_cell/equivalence.forward).")


def test_the_first_failing_hint_is_the_fallback_and_submit_when_all_passed() -> None:
    step = next_step(report(check("shapes.structure"), plain_failure()))
    assert step.startswith("start with lstm_cell/robustness.no_inplace. ")
    assert step.endswith("compute new tensors instead (c_new = f * c + i * g).")
    assert next_step_line(report(check("shapes.structure"))) == \
        "Next step: nothing to fix; submit my_lstm.py."


def test_the_next_step_in_spanish() -> None:
    assert next_step_line(report(check("shapes.structure"), lang="es")) == \
        "Siguiente paso: no hay nada que corregir; entrega my_lstm.py."
    step = next_step(report(diagnosed(), lang="es"))
    assert step.startswith("corrige esto en tu forward: h = o · c sin tanh")
    assert "la ecuación de la lección es h_t = o_t ⊙ tanh(C_t)" in step
