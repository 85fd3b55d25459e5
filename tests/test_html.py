"""The HTML report's structure: every check, embedded images, the language, the diagnosis,
escaping of what a submission controls, and the paths where there is nothing to plot."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.i18n import Msg, field_text, text
from grader.reports import html
from grader.results import CheckResult, Example, ExerciseResult, GradeReport
from tests.html_support import ROOT, WRONG_GATE, WRONG_GATE_ID, graded, rendered


class Tags(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag]

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


def _png_size(data_uri: str) -> tuple[int, int]:
    from PIL import Image

    prefix = "data:image/png;base64,"
    assert data_uri.startswith(prefix)
    with Image.open(io.BytesIO(base64.b64decode(data_uri[len(prefix):], validate=True))) as im:
        assert im.format == "PNG"
        return im.size


def test_every_check_is_in_the_report_with_its_status_and_failures_have_details() -> None:
    report = graded()
    page = Tags(rendered("en"))
    rows = {a["data-check"]: a["data-status"] for a in page.all("tr") if "data-check" in a}
    assert rows == {c.full_id: "pass" if c.passed else "fail" for c in report.checks}
    failing = [c for c in report.checks if not c.passed]
    assert failing, "the wrong-gate file must fail some checks"
    articles = {a["data-check"] for a in page.all("article")}
    assert articles == {c.full_id for c in failing}
    words = page.words
    for c in failing:
        assert " ".join(c.hint.split()) in words
        if c.example is not None:
            assert "Smallest failing example: " in words
        if c.expected:
            assert " ".join(c.expected.split()) in words
    assert f"Total: {report.score:g} / {report.max_score:g}" in words


def test_the_plots_are_embedded_png_data_uris_and_nothing_is_fetched() -> None:
    page = Tags(rendered("en"))
    figures = [a["data-plot"] for a in page.all("figure")]
    assert figures == ["gates", "states", "gradients"]
    images = page.all("img")
    assert len(images) == 3
    for img in images:
        width, height = _png_size(img["src"])
        assert width >= 600 and height >= 300
        assert img["alt"]
    # Self-contained: no script, no stylesheet link, no URL anywhere a browser would fetch.
    assert not page.all("script") and not page.all("link") and not page.all("iframe")
    for _, attrs in page.tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith(("data:image/png;base64,", "#")), value
    csp = [a for a in page.all("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and csp[0]["content"] == html.CSP


def test_the_diagnosed_mistake_is_explained_next_to_the_equation_it_breaks() -> None:
    report = graded()
    page = rendered("en")
    tags = Tags(page)
    boxes = [a for a in tags.all("div") if "data-diagnosis" in a]
    assert [b["data-diagnosis"] for b in boxes] == [WRONG_GATE_ID]
    diagnosed = next(c for c in report.checks if c.i18n.get("diagnosis"))
    equation = diagnosed.i18n["diagnosis"]["equation"]
    assert equation and equation.startswith("f_t = σ(")
    box = page[page.index(f'data-diagnosis="{WRONG_GATE_ID}"'):]
    box = box[:box.index("</div>\n</div>")]
    assert "The equation it breaks" in box and html._e(equation) in box
    assert Msg(f"mistake.{WRONG_GATE_ID}.explanation").render("en")[:40] in Tags(box).words
    # The plots point at the same gate: f differs, i, g and o do not.
    bad = {a["data-panel"] for a in tags.all("li") if a.get("class") == "bad"}
    assert "f" in bad and not bad & {"i", "g", "o"}
    assert "Largest difference: forget gate (f)" in tags.words


def test_the_report_speaks_spanish() -> None:
    report = graded()
    page = Tags(rendered("es"))
    assert page.all("html")[0]["lang"] == "es"
    words = page.words
    for phrase in ("Resumen", "Qué corregir", "Diagnóstico", "La ecuación que rompe",
                   "Dentro de tu celda", "Activaciones de las puertas", "puerta de olvido (f)",
                   "Hasta dónde llega el gradiente", "Ejemplo mínimo que falla", "Pista"):
        assert phrase in words, phrase
    for c in report.checks:
        assert " ".join(field_text(c, "title", "es").split()) in words
    english = Tags(rendered("en")).words
    for phrase in ("What to fix", "Inside your cell", "The equation it breaks", "Summary"):
        assert phrase in english and phrase not in words
    # report.lang is the default; the argument overrides it.
    report_es = GradeReport(submission="x.py", exercises=[], execution_time_s=0.0, lang="es")
    assert 'lang="es"' in html.to_html(report_es)
    assert 'lang="en"' in html.to_html(report_es, "en")


HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(1)>&amp;"\''


def _hostile_report(visuals: dict | None = None) -> GradeReport:
    check = CheckResult(
        check_id="equivalence.forward", exercise="lstm_cell", category="equivalence",
        title="outputs equal the reference's", max_score=6, score=0, passed=False,
        message=f"your code raised ValueError: {HOSTILE}", hint=f"look at {HOSTILE}",
        example=Example(sizes={"batch": 1}, inputs={"x": HOSTILE}, notes=[HOSTILE]),
        expected=HOSTILE, got=HOSTILE, traceback=f'File "s.py", line 3\n  {HOSTILE}')
    check.i18n["diagnosis"] = {"id": HOSTILE, "title": text(HOSTILE).to_data(),
                               "explanation": text(HOSTILE).to_data(), "equation": HOSTILE}
    passed = CheckResult(check_id="shapes.structure", exercise="lstm_cell", category="shapes",
                         title="structure", max_score=1, score=1, passed=True,
                         message=HOSTILE)
    ex = ExerciseResult("lstm_cell", "LSTMCell", [check, passed], note=HOSTILE,
                        visuals=visuals if visuals is not None else {
                            "error": Msg("html.unavailable", error=text(HOSTILE)).to_data()})
    return GradeReport(submission=f"/tmp/{HOSTILE}.py", exercises=[ex], execution_time_s=1.0,
                       environment={"student_output": HOSTILE, "grader_version": HOSTILE},
                       isolation=HOSTILE, output=HOSTILE)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_what_a_submission_controls_cannot_inject_markup(lang: str) -> None:
    page = html.to_html(_hostile_report(), lang)
    assert "<script" not in page and "<img src=x" not in page
    tags = Tags(page)
    assert not tags.all("script")
    assert all("onerror" not in attrs for _, attrs in tags.tags)
    # Only the report's own images may appear: here there are none (the plots failed).
    assert not tags.all("img")
    # The text itself is all there, shown literally.
    assert tags.words.count('<script>alert("pwned")</script>') >= 10


def test_when_the_plots_fail_the_report_says_why_instead_of_drawing() -> None:
    page = Tags(html.to_html(_hostile_report(
        {"error": Msg("html.unavailable", error=text("ValueError: boom")).to_data()})))
    assert not page.all("img") and not page.all("figure")
    assert ("No plots for this exercise: your code failed while the plots were computed "
            "(ValueError: boom)") in page.words
    es = Tags(html.to_html(_hostile_report(
        {"error": Msg("html.unavailable", error=text("ValueError: boom")).to_data()}), "es"))
    assert "tu código falló mientras se calculaban los gráficos (ValueError: boom)" in es.words


def test_without_plot_data_the_report_says_the_plots_were_not_computed() -> None:
    page = Tags(html.to_html(_hostile_report({})))
    assert not page.all("img")
    assert "No plots for this exercise: plots were not computed for this run" in page.words


def test_a_submission_that_breaks_only_while_plotting_gets_its_error_in_the_report(
        tmp_path: Path) -> None:
    # Correct, except that it refuses a batch of 16 rows: the gate view sends the 16 time
    # steps of its drawn sequence as one batch, and the checks never draw such a batch.
    source = WRONG_GATE.read_text().replace("torch.tanh(self._gate(1,",
                                            "torch.sigmoid(self._gate(1,")
    assert source != WRONG_GATE.read_text()
    source = source.replace("    def forward(self, x, state=None):\n",
                            "    def forward(self, x, state=None):\n"
                            "        if x.dim() == 2 and x.shape[0] == 16:\n"
                            "            raise ValueError('sixteen rows')\n", 1)
    assert "sixteen rows" in source
    path = tmp_path / "picky.py"
    path.write_text(source)
    report = graded(path)
    visuals = report.exercises[0].visuals
    assert "error" in visuals
    page = Tags(html.to_html(report))
    assert not page.all("img")
    assert "your code failed while the plots were computed" in page.words
    assert "sixteen rows" in page.words


def test_matplotlib_is_imported_only_to_draw() -> None:
    code = ("import sys, grader.cli, grader.engine, grader.reports.html, grader.visuals; "
            "print('matplotlib' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


@pytest.mark.slow
def test_check_and_grade_write_the_html_report(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "report.html"
    # The check runs with a rubric that turns speed off (seconds saved); the grade below
    # keeps the default speed check and its row in the report.
    speed_off = tmp_path / "speed_off.toml"
    speed_off.write_text('[grading]\nspeed_mode = "off"\n')
    proc = subprocess.run(
        [sys.executable, "-m", "grader.cli", "check", str(WRONG_GATE), "--exercise",
         "lstm_cell", "--examples", "3", "--html", str(out), "--rubric", str(speed_off)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr
    assert f"HTML report with plots: {out}" in proc.stdout
    page = Tags(out.read_text(encoding="utf-8"))
    assert len(page.all("img")) == 3
    assert [a["data-diagnosis"] for a in page.all("div") if "data-diagnosis" in a] == \
        [WRONG_GATE_ID]
    assert sorted(p.name for p in out.parent.iterdir()) == ["report.html"]  # no temp left
    es = tmp_path / "informe.html"
    proc = subprocess.run(
        [sys.executable, "-m", "grader.cli", "grade", str(WRONG_GATE), "--exercise",
         "lstm_cell", "--examples", "3", "--out", str(tmp_path / "results.json"),
         "--lang", "es", "--html", str(es)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert f"Informe HTML con gráficos: {es}" in proc.stdout
    page = Tags(es.read_text(encoding="utf-8"))
    assert page.all("html")[0]["lang"] == "es" and len(page.all("img")) == 3
    assert "lstm_cell/speed.vs_pytorch" in {a["data-check"] for a in page.all("tr")
                                            if "data-check" in a}
    assert (tmp_path / "results.json").is_file()


def test_a_gradient_that_dies_is_said_in_words_and_a_stack_has_no_gate_view() -> None:
    # Plot data as grader/visuals.py gives it for the stack, small: two layers, no gates,
    # and a student whose gradient is exactly 0 before the last step (state not carried).
    def panel(name: str, layer: int, shift: float) -> dict:
        return {"name": name, "layer": layer, "student": [[0.1 + shift, None, 0.3]],
                "reference": [[0.1, 0.2, 0.3]]}
    visuals = {"exercise": "lstm", "kind": "sequence", "steps": 3, "hidden": 1, "layers": 2,
               "states": [panel("c", 1, 0.5), panel("h", 1, 0.0), panel("c", 2, 0.0),
                          panel("h", 2, 0.0)],
               "gradients": {"steps": 4, "hidden": 1, "forget_bias": 1.0,
                             "student": [0.0, 0.0, 0.0, 0.5], "reference": [0.01, 0.1, 0.2, 0.5],
                             "rnn": [1e-9, 1e-6, 1e-3, 0.5]},
               "gate_diffs": {"c1": 0.5, "h1": 0.0, "c2": 0.0, "h2": 0.0}}
    report = _hostile_report(visuals)
    report.exercises[0].name, report.exercises[0].class_name = "lstm", "LSTM"
    page = Tags(html.to_html(report))
    assert [a["data-plot"] for a in page.all("figure")] == ["states", "gradients"]
    words = page.words
    assert "gate activations are measured for the lesson's LSTM cell only" in words
    assert "Your gradient is exactly 0 at 3 of 4 time steps" in words
    assert "Largest difference: cell state (c), layer 1, up to 0.5." in words
    assert {a["data-panel"] for a in page.all("li") if a.get("class") == "bad"} == {"c1"}
    es = Tags(html.to_html(report, "es")).words
    assert "Tu gradiente es exactamente 0 en 3 de 4 pasos de tiempo" in es
    assert "estado de la celda (c), capa 1" in es


def test_the_headline_names_the_wrong_gate_not_the_state_that_inherits_its_error() -> None:
    def panel(name: str, shift: float) -> dict:
        return {"name": name, "layer": None, "student": [[0.5 + shift, 0.5]],
                "reference": [[0.5, 0.5]]}
    visuals = {"exercise": "lstm_cell", "kind": "cell", "steps": 2, "hidden": 1,
               "gates": [panel("i", 0.0), panel("f", 0.0), panel("g", 0.3), panel("o", 0.0)],
               "states": [panel("c", 0.9), panel("h", 0.4)],
               "gate_diffs": {"i": 0.0, "f": 0.0, "g": 0.3, "o": 0.0, "c": 0.9, "h": 0.4}}
    page = Tags(html.to_html(_hostile_report(visuals)))
    assert "Largest difference: candidate (g), up to 0.3." in page.words
    assert {a["data-panel"] for a in page.all("li") if a.get("class") == "bad"} == \
        {"g", "c", "h"}
    assert [a["data-plot"] for a in page.all("figure")] == ["gates", "states"]
