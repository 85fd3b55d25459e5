"""Every student-facing message exists in English and Spanish, and a Spanish report is Spanish.

Keys are found in the source itself (every ``Msg("...")``, ``tr("...")``, ``registered(...)``
and writer ``t("...")`` call), so a message added without its translation fails here; keys
built at run time (``Msg(f"where.{kind}")``) must be listed in ``DYNAMIC`` with every value
they can take.
"""

from __future__ import annotations

import ast
import io
import json
import re
import string
from functools import cache
from pathlib import Path

import pytest

from grader import cli
from grader.checks import CATEGORIES, CHECKS
from grader.config import GradeConfig
from grader.engine import grade, in_process_runner
from grader.errors import ConfigError
from grader.exercises import EXERCISES
from grader.i18n import LANGS, catalog, placeholders, template_for
from grader.i18n.registries import registry_entry
from grader.reports import gradescope, terminal, text
from grader.reports.next_step import next_step_line
from grader.results import GradeReport
from reference import VARIANTS
from reference.mistakes import MISTAKES

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([*(ROOT / "grader").rglob("*.py"), *(ROOT / "reference").rglob("*.py")])
ZOO = ROOT / "tests" / "submissions"
KEY_FUNCTIONS = {"Msg", "tr", "registered", "t"}

# Keys built at run time: the pattern as found in the source -> every key it can produce.
DYNAMIC: dict[str, list[str]] = {
    "check.{}.title": [f"check.{i}.title" for i in CHECKS],
    "check.{}.hint": [f"check.{i}.hint" for i in CHECKS],
    "mistake.{}.title": [f"mistake.{i}.title" for i in MISTAKES],
    "mistake.{}.explanation": [f"mistake.{i}.explanation" for i in MISTAKES],
    "variant.{}.summary": [f"variant.{n}.summary" for n in VARIANTS],
    "exercise.{}.title": [f"exercise.{n}.title" for n in EXERCISES],
    "category.{}": [f"category.{c}" for c in CATEGORIES],
    "where.{}": [f"where.{k}" for k in ("forward", "construct", "backward", "import")],
    "error.{}": [f"error.{k}" for k in ("timeout", "crash", "garbage")],
    "structure.expected.{}": [f"structure.expected.{k}" for k in ("lstm", "gru", "sequence")],
    "gateword.{}": [f"gateword.{g}" for g in "ifgorznch"],
    "gate.{}": ["gate.forget", "gate.output"],
    "parameters.convention.{}": sorted({f"parameters.convention.{c.key}"
                                        for e in EXERCISES.values() for c in e.conventions}),
    "parameters.count.extra.{}": sorted({f"parameters.count.extra.{e.count_extra}"
                                         for e in EXERCISES.values() if e.count_extra}),
}


def _key_candidates(node: ast.expr) -> list[str]:
    """The key (or f-string pattern, with {} for each field) an argument can be."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _key_candidates(node.body) + _key_candidates(node.orelse)
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)]
    return []


@cache
def keys_in_source() -> dict[str, set[str]]:
    """Key or pattern -> the files that use it."""
    found: dict[str, set[str]] = {}
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else \
                func.attr if isinstance(func, ast.Attribute) else ""
            if name not in KEY_FUNCTIONS:
                continue
            for key in _key_candidates(node.args[0]):
                if re.fullmatch(r"[a-z_]+(\.([\w\-]+|\{\}))+", key):
                    found.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    return found


def all_keys() -> list[str]:
    keys = set(catalog())
    for expansion in DYNAMIC.values():
        keys.update(expansion)
    return sorted(keys)


def test_the_source_scan_finds_the_keys_it_should() -> None:
    found = keys_in_source()
    # Sanity: the scan sees static keys of checks, engine, writers and dynamic patterns.
    assert {"error.raised", "load.syntax_error", "ui.next_step", "inference.offset"} <= set(found)
    assert {"check.{}.title", "mistake.{}.title", "where.{}"} <= set(found)
    assert len(found) > 150


def test_every_key_used_in_the_code_has_english_and_spanish() -> None:
    missing = []
    for key, files in sorted(keys_in_source().items()):
        if "{}" in key:
            if key not in DYNAMIC:
                missing.append(f"{key} (built at run time in {sorted(files)}: list its values "
                               f"in DYNAMIC)")
            continue
        for lang in LANGS:
            try:
                template_for(key, lang)
            except KeyError:
                missing.append(f"{key} [{lang}] used in {sorted(files)}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("key", all_keys())
def test_each_message_has_both_languages_with_the_same_parameters(key: str) -> None:
    en, es = template_for(key, "en"), template_for(key, "es")
    assert es.strip(), f"{key}: empty Spanish"
    assert placeholders(en) == placeholders(es), key


def test_registry_texts_all_have_spanish() -> None:
    for family, ids, fields in (("check", CHECKS, ("title", "hint")),
                                ("mistake", MISTAKES, ("title", "explanation")),
                                ("variant", VARIANTS, ("summary",)),
                                ("exercise", EXERCISES, ("title",))):
        for ident in ids:
            for name in fields:
                entry = registry_entry(f"{family}.{ident}.{name}")
                assert entry is not None and set(entry) == set(LANGS), \
                    f"{family}.{ident}.{name}: {entry}"
                if entry["en"]:
                    assert entry["es"] != entry["en"], f"{family}.{ident}.{name} untranslated"


# -- a whole report in Spanish -----------------------------------------------------------------

def _literal_parts(template: str) -> list[str]:
    return [literal for literal, _, _, _ in string.Formatter().parse(template) if literal]


@cache
def english_fragments() -> frozenset[str]:
    """Pieces of English text the grader writes (every template's literal parts) that no
    Spanish template contains: none of them may appear in a Spanish report."""
    spanish = "\n".join(template_for(k, "es") for k in all_keys())
    fragments = set()
    for key in all_keys():
        for part in _literal_parts(template_for(key, "en")):
            part = part.strip(" .,:;()\n")
            if len(part) >= 12 and len(re.findall(r"[A-Za-z]{3,}", part)) >= 2 \
                    and part not in spanish:
                fragments.add(part)
    return frozenset(fragments)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@cache
def graded(path: Path, exercise: str) -> GradeReport:
    config = GradeConfig(max_examples=3, only_visible=True, lang="es")
    return grade(path, [exercise], config, runner_factory=in_process_runner)


def rendered(report: GradeReport, lang: str) -> str:
    plain, drawn = io.StringIO(), FakeTerminal()
    text.render(report, plain, lang)
    terminal.render(report, drawn, lang)
    results = gradescope.to_dict(report, lang)
    markdown = [results["output"]] + [t["name"] + "\n" + t["output"] for t in results["tests"]]
    return "\n".join([plain.getvalue(), drawn.getvalue(), *markdown])


def untranslated(report: GradeReport) -> list[str]:
    """Student-facing fields holding plain text (no message key behind them), so a writer
    could only show them in English. Short formulas and values ("0 < f < 1", "torch.float64")
    are the same in every language and are allowed."""
    found = []
    objects = [(report, "report", ("output",))]
    objects += [(ex, ex.name, ("note",)) for ex in report.exercises]
    objects += [(c, c.full_id, ("title", "message", "hint", "expected", "got"))
                for c in report.checks]
    for obj, where, names in objects:
        for name in names:
            value = str(getattr(obj, name) or "")
            if value and name not in obj.i18n and re.search(r"[A-Za-z]{3,}\s+[A-Za-z]{3,}",
                                                            value):
                found.append(f"{where}.{name}: {value[:100]}")
    return found


SPANISH_CASES = [
    ("lstm_cell", "bug_missing_tanh_on_c.py"),        # diagnosis, layout inference fallback
    ("lstm_cell", "bug_uses_builtin_lstm_cell.py"),   # integrity: the exercise gets no credit
    ("lstm_cell", "bug_unbatched_unsupported.py"),    # the student's code raises
]


@pytest.mark.parametrize(("exercise", "name"), SPANISH_CASES)
def test_a_spanish_report_leaves_no_english_template_text(exercise: str, name: str) -> None:
    report = graded(ZOO / exercise / name, exercise)
    assert not report.all_passed
    out = rendered(report, "es")
    assert not untranslated(report)
    assert any(c.category == "speed" for c in report.checks)  # its message is covered too
    left = sorted(f for f in english_fragments() if f in out)
    assert not left, f"English left in the Spanish report of {name}: {left}"
    # Short labels are checked where they stand: at the start of a line.
    for key in ("ui.hint", "ui.expected", "ui.got", "ui.traceback", "ui.next_step",
                "ui.smallest_example", "ui.pass", "ui.fail"):
        label = _literal_parts(template_for(key, "en"))[0].strip()
        assert not re.search(rf"^\W*{re.escape(label)}", out, re.M), (key, label)
    assert "Siguiente paso: " in out and "pista: " in out
    # The same criterion finds English in the English rendering (it is not vacuous).
    english = rendered(report, "en")
    assert len([f for f in english_fragments() if f in english]) >= 10


def test_a_file_that_does_not_load_reads_in_spanish(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("class LSTMCell(:\n    pass\n", encoding="utf-8")
    report = graded(broken, "lstm_cell")
    out = rendered(report, "es")
    assert not untranslated(report)
    assert not [f for f in english_fragments() if f in out]
    assert "error de sintaxis" in out
    assert next_step_line(report) == (
        "Siguiente paso: consigue que tu archivo se cargue (mira el mensaje de arriba) y "
        "vuelve a ejecutar check.")


# -- choosing the language ---------------------------------------------------------------------

@pytest.mark.parametrize("command", ["check", "grade", "demo"])
def test_an_unknown_lang_is_a_usage_error_listing_the_choices(
        command: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [command, "--lang", "fr"] if command == "demo" else [command, "x.py", "--lang", "fr"]
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == cli.ExitCode.USAGE_ERROR
    err = capsys.readouterr().err
    assert "--lang" in err and "'fr'" in err
    assert re.search(r"choose from '?en'?, '?es'?", err), err


def test_lang_reaches_the_config_and_defaults_to_the_config() -> None:
    parser = cli.build_parser()
    spanish = cli._config(parser.parse_args(["check", "x.py", "--lang", "es"]))
    default = cli._config(parser.parse_args(["check", "x.py"]))
    assert (spanish.lang, default.lang) == ("es", GradeConfig().lang)


def test_an_unknown_lang_in_a_config_says_what_to_choose() -> None:
    with pytest.raises(ConfigError, match=r"choose one of en, es"):
        GradeConfig(lang="fr")


def test_plain_english_in_a_result_field_is_flagged() -> None:
    from grader.i18n import Msg, set_field
    from grader.results import CheckResult, ExerciseResult

    c = CheckResult("speed.vs_pytorch", "lstm_cell", "speed", "t", 0.0, 0.0, True)
    set_field(c, "title", Msg("check.speed.vs_pytorch.title"))
    set_field(c, "expected", "0 < f < 1")  # a formula: the same in every language
    ok = GradeReport("x.py", [ExerciseResult("lstm_cell", "LSTMCell", [c])], 0.0)
    assert untranslated(ok) == []
    set_field(c, "message", "Not graded here for information")
    assert untranslated(ok) == ["lstm_cell/speed.vs_pytorch.message: "
                                "Not graded here for information"]


@pytest.mark.usefixtures("trusted_grading")
def test_check_and_grade_with_lang_es_speak_spanish(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    buggy = str(ZOO / "lstm_cell" / "bug_missing_tanh_on_c.py")
    common = ["--exercise", "lstm_cell", "--examples", "2", "--lang", "es"]
    assert cli.main(["check", buggy, *common]) == cli.ExitCode.CHECKS_FAILED
    out = capsys.readouterr().out
    assert "\x1b[" not in out  # not a terminal: plain text
    for words in ("[FALLA] equivalencia:", "Ejemplo mínimo que falla", "esperado:",
                  "pista: ", "Diagnóstico: h = o · c sin tanh"):
        assert words in out, words
    assert out.rstrip().splitlines()[-1].startswith(
        "Siguiente paso: corrige esto en tu forward: h = o · c sin tanh")
    results = tmp_path / "results.json"
    assert cli.main(["grade", buggy, *common, "--out", str(results)]) == cli.ExitCode.OK
    data = json.loads(results.read_text(encoding="utf-8"))
    assert data["output"].startswith("Puntuación: ")
    forward = next(t for t in data["tests"] if t["extra_data"]["check_id"] ==
                   "equivalence.forward")
    assert forward["name"].startswith("lstm_cell: con los mismos pesos")
    assert "**Falla:**" in forward["output"] and "Pista:" in forward["output"]


def test_a_missing_file_is_reported_in_the_language_asked_for(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # No pre-started worker (it would import torch in a sandbox for a file that is missing).
    monkeypatch.setattr(cli, "_prestart", lambda argv: None)
    missing = tmp_path / "mi_lstm.py"
    assert cli.main(["check", str(missing), "--lang", "es"]) == cli.ExitCode.USAGE_ERROR
    assert "no hay ningún archivo de entrega en" in capsys.readouterr().err
    assert cli.main(["check", str(missing)]) == cli.ExitCode.USAGE_ERROR
    assert "no submission file at" in capsys.readouterr().err
