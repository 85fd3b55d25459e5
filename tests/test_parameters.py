"""parameters.count accepts every bias convention that computes the exercise's function class,
and its hint speaks of the exercise's own gates and counts, in both languages."""

from __future__ import annotations

from functools import cache

import pytest
import torch

from grader.config import GradeConfig
from grader.engine import grade, in_process_runner
from grader.exercises import EXERCISES, Case
from grader.i18n import field_text
from grader.results import CheckResult
from tests.zoo import ZOO


def test_each_exercise_accepts_its_own_bias_conventions() -> None:
    i, h = 3, 5
    case = Case(batch=1, input_size=i, hidden_size=h, num_layers=1, seq_len=1)
    counts = {name: sorted(n for _, n in ex.counts(ex.reference(case, torch.float32)))
              for name, ex in EXERCISES.items()}
    lstm = [4 * h * (i + h) + 4 * h, 4 * h * (i + h) + 8 * h]
    assert counts["lstm_cell"] == counts["lstm"] == lstm
    assert counts["peephole"] == [n + 3 * h for n in lstm]
    assert counts["coupled"] == [3 * h * (i + h) + 3 * h, 3 * h * (i + h) + 6 * h]
    # The minimal GRU: one bias each for r and z, both for n (b_hn sits inside r ⊙ (…)).
    assert counts["gru"] == [3 * h * (i + h) + 4 * h, 3 * h * (i + h) + 6 * h]


@cache
def count_result(path: str, exercise: str) -> CheckResult:
    report = grade(ZOO / path, [exercise], GradeConfig(max_examples=3, speed_mode="off"),
                   runner_factory=in_process_runner)
    return next(c for c in report.checks if c.check_id == "parameters.count")


def test_the_minimal_gru_passes_the_count_and_says_which_convention() -> None:
    result = count_result("gru/correct_minimal_biases.py", "gru")
    assert result.passed
    assert "one bias each for r and z, two for n" in result.message
    assert "un sesgo para r y otro para z" in field_text(result, "message", "es")


@pytest.mark.parametrize("lang, words, gates", [
    ("en", "Your GRUCell has 3 gates (r, z, n)", "3H(I+H) + 4H (one bias each for r and z"),
    ("es", "Tu GRUCell tiene 3 puertas (r, z, n)", "3H(I+H) + 4H (un sesgo para r y otro"),
])
def test_a_gru_with_a_wrong_count_is_told_about_the_gru(lang: str, words: str, gates: str
                                                        ) -> None:
    result = count_result("gru/bug_one_bias_per_gate.py", "gru")
    assert not result.passed
    hint = field_text(result, "hint", lang)
    assert words in hint and gates in hint and "3H(I+H) + 6H" in hint
    assert "LSTM" not in hint and "4 " not in hint
    message = field_text(result, "message", lang)
    assert "30" in message and "26" in message and "LSTM" not in message


@pytest.mark.parametrize("check_id", ["robustness.no_inplace", "equivalence.pytorch_layout"])
def test_a_gru_reads_hints_in_its_own_words(check_id: str) -> None:
    from grader.checks import CHECKS
    from grader.engine import _result

    gru = _result(CHECKS[check_id], EXERCISES["gru"], passed=False)
    cell = _result(CHECKS[check_id], EXERCISES["lstm_cell"], passed=False)
    for lang in ("en", "es"):
        hint = field_text(gru, "hint", lang)
        assert "z" in hint and "f * c" not in hint and "i, f, g, o" not in hint, hint
        assert field_text(cell, "hint", lang) != hint


def test_every_hint_an_exercise_words_itself_is_in_the_catalog_in_both_languages() -> None:
    from grader.checks import CHECKS
    from grader.i18n import template_for

    for ex in EXERCISES.values():
        for check_id, key in ex.hints.items():
            assert check_id in CHECKS and ex.kind in CHECKS[check_id].kinds
            assert template_for(key, "en") and template_for(key, "es")
