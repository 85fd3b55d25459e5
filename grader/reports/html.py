"""The HTML report: one self-contained file with the score, every check's feedback and, for
each exercise graded with ``GradeConfig.visuals``, pictures of the student's cell against the
reference (``grader/reports/plots.py``).

Self-contained means no request leaves the file: the CSS is inline, the images are base64
PNG ``data:`` URIs, and a Content-Security-Policy forbids everything else (scripts included),
so the report can be mailed, uploaded or opened offline. Every piece of text goes through
``html.escape``: a submission controls its printed output, its error messages and its
traceback, and none of that may become markup.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from grader.i18n import DEFAULT_LANG, Msg, check_lang, field_text, tr
from grader.reports.feedback import example_lines
from grader.reports.next_step import total_line
from grader.reports.text import check_line
from grader.results import CheckResult, ExerciseResult, GradeReport

if TYPE_CHECKING:
    from collections.abc import Sequence
    from re import Match

# Nothing may be fetched: only inline styles and data: images. A script that slipped through
# escaping would not run either.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
# A difference below this is numerical noise, not a wrong gate (float64 references).
MATCH_TOLERANCE = 1e-6

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
 margin:0;color:#1b1b1b;background:#f6f7f9;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:1.2rem 1.5rem 3rem}
h1{font-size:1.45rem;margin:.2rem 0 .4rem;word-break:break-all}
h2{font-size:1.25rem;margin:2rem 0 .6rem;border-bottom:2px solid #d0d4da;padding-bottom:.2rem}
h3{font-size:1.05rem;margin:1.4rem 0 .5rem}
h4{font-size:.98rem;margin:0 0 .4rem}
.total{font-size:1.15rem;font-weight:600}
section.exercise,.summary{background:#fff;border:1px solid #dde1e6;border-radius:8px;
 padding:.4rem 1.2rem 1rem;margin:1.2rem 0}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.28rem .5rem;border-bottom:1px solid #eceef1;vertical-align:top}
th{color:#555;font-weight:600}
td.points{white-space:nowrap;text-align:right}
.badge{display:inline-block;min-width:3.2em;text-align:center;border-radius:4px;
 padding:0 .4em;font-weight:700;font-size:.8rem;color:#fff}
.pass .badge,.badge.pass{background:#2e7d32}
.fail .badge,.badge.fail{background:#c62828}
.muted{color:#666;font-size:.88rem}
.note{background:#fff4e5;border-left:4px solid #ef8f00;padding:.5rem .8rem;margin:.6rem 0;
 white-space:pre-wrap}
article.failure{border:1px solid #f0c8c8;border-left:4px solid #c62828;border-radius:6px;
 padding:.7rem .9rem;margin:.8rem 0;background:#fffafa}
.message{white-space:pre-wrap;margin:.2rem 0 .5rem}
pre{background:#f3f4f6;border-radius:4px;padding:.5rem .7rem;overflow-x:auto;
 font-size:.85rem;white-space:pre-wrap;word-break:break-word;margin:.3rem 0 .6rem}
.label{font-weight:600;font-size:.88rem;margin:.4rem 0 .1rem}
table.expected-got{width:auto}
table.expected-got td{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem}
.hint{background:#eef5ff;border-left:4px solid #1e66d0;padding:.4rem .7rem;margin:.5rem 0 0}
.diagnosis{display:flex;flex-wrap:wrap;gap:1rem;background:#fff8e1;border:1px solid #f2d27a;
 border-radius:6px;padding:.8rem 1rem;margin:.6rem 0 1rem}
.diagnosis .explanation{flex:1 1 24rem}
.diagnosis .equation{flex:0 1 26rem;background:#fff;border:1px solid #e7d8a6;border-radius:4px;
 padding:.5rem .8rem;font-family:"DejaVu Serif",Georgia,serif;font-size:1.05rem}
.diagnosis .equation code{font-family:inherit;white-space:pre-wrap}
figure{margin:.8rem 0 1.4rem}
figure img{max-width:100%;height:auto;border:1px solid #e3e6ea;background:#fff}
figcaption{font-size:.88rem;color:#444;margin-top:.3rem}
ul.gaps{margin:.2rem 0 .6rem;padding-left:1.2rem;font-size:.92rem}
ul.gaps li.bad{color:#b71c1c;font-weight:600}
footer{margin-top:2rem;color:#666;font-size:.82rem}
"""


def render(report: GradeReport, stream: TextIO, lang: str | None = None) -> None:
    """Write ``report`` as one self-contained HTML page in ``lang`` (default: report.lang)."""
    stream.write(to_html(report, lang))


def to_html(report: GradeReport, lang: str | None = None) -> str:
    lang = check_lang(lang or report.lang or DEFAULT_LANG)
    page = _Page(lang)
    return page.document(report)


def fragment(report: GradeReport, lang: str | None = None, notes: Sequence[str] = ()) -> str:
    """The same report as a block to embed in another page (a notebook's output): one
    ``<div>`` whose styles apply only inside it, so the notebook's own look is left alone.
    ``notes`` (already in ``lang``) are shown under the total."""
    lang = check_lang(lang or report.lang or DEFAULT_LANG)
    body = "\n".join(_Page(lang).main(report, notes))
    return (f'<div class="{_SCOPE}" lang="{_e(lang)}"><style>{_scoped_css()}</style>\n'
            f"{body}\n</div>\n")


_SCOPE = "lstm-grader-report"


def _scoped_css() -> str:
    """``_CSS`` with every selector limited to the fragment's ``<div>`` (``body`` is the div)."""
    import re

    def scope(rule: Match[str]) -> str:
        selectors = [s.strip() for s in rule[1].split(",")]
        scoped = [f".{_SCOPE}" if s == "body" else f".{_SCOPE} {s}" for s in selectors]
        return ",".join(scoped) + "{" + rule[2] + "}"

    return re.sub(r"([^{}]+)\{([^{}]*)\}", scope, _CSS)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _num(value: float) -> str:
    return f"{value:g}"


class _Page:
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def t(self, key: str, **params: Any) -> str:
        """A catalog message in the page's language, escaped."""
        return _e(tr(key, self.lang, **params))

    def f(self, obj: Any, name: str) -> str:
        """A result's field in the page's language, escaped."""
        return _e(field_text(obj, name, self.lang))

    # -- the page ----------------------------------------------------------------------------

    def document(self, report: GradeReport) -> str:
        name = Path(report.submission).name or report.submission
        return "\n".join([
            "<!DOCTYPE html>",
            f'<html lang="{_e(self.lang)}">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{self.t('html.title', submission=name)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>", *self.main(report), "</body></html>"]) + "\n"

    def main(self, report: GradeReport, notes: Sequence[str] = ()) -> list[str]:
        name = Path(report.submission).name or report.submission
        parts = [
            "<main>",
            f"<h1>{self.t('html.title', submission=name)}</h1>",
            self.summary(report),
            *(f'<p class="muted">{_e(note)}</p>' for note in notes),
        ]
        parts.extend(self.exercise(ex) for ex in report.exercises)
        printed = str(report.environment.get("student_output", "") or "")
        if printed.strip():
            parts.append(f'<details class="printed"><summary>{self.t("html.printed")}'
                         f"</summary><pre>{_e(printed)}</pre></details>")
        env = report.environment
        parts.append("<footer>" + self.t(
            "html.environment", version=env.get("grader_version", "?"),
            torch=env.get("torch_version", "?"), python=env.get("python_version", "?"),
            isolation=report.isolation or env.get("isolation", "?")) + "</footer>")
        parts.append("</main>")
        return parts

    def summary(self, report: GradeReport) -> str:
        rows = []
        for ex in report.exercises:
            ok = all(c.passed for c in ex.checks)
            status = "pass" if ok else "fail"
            rows.append(
                f'<tr class="{status}"><td><span class="badge">'
                f'{self.t("ui.pass" if ok else "ui.fail")}</span></td>'
                f'<td><a href="#ex-{_e(ex.name)}">{self.exercise_title(ex)}</a></td>'
                f'<td class="points">{self.score(ex)}</td></tr>')
        line = _e(total_line(report, self.lang))
        out = [f'<section class="summary" id="summary"><h2>{self.t("html.summary")}</h2>',
               f'<p class="total">{line}</p>']
        if report.output:
            out.append(f'<div class="note">{self.f(report, "output")}</div>')
        out.append(f"<table>{''.join(rows)}</table></section>")
        return "\n".join(out)

    def score(self, ex: ExerciseResult) -> str:
        return self.t("html.score", score=_num(ex.score), max=_num(ex.max_score))

    def exercise_title(self, ex: ExerciseResult) -> str:
        return self.t("html.exercise", name=ex.name, class_name=ex.class_name)

    # -- one exercise ------------------------------------------------------------------------

    def exercise(self, ex: ExerciseResult) -> str:
        out = [f'<section class="exercise" id="ex-{_e(ex.name)}" data-exercise="{_e(ex.name)}">',
               f"<h2>{self.exercise_title(ex)}</h2>",
               f'<p class="total">{self.score(ex)}</p>']
        if ex.note:
            out.append(f'<div class="note">{self.f(ex, "note")}</div>')
        # Most telling first: the named mistake, the pictures of it, then every failure's
        # details, then the full list of checks.
        failing = [c for c in ex.checks if not c.passed]
        diagnosis = next((c.i18n["diagnosis"] for c in failing if c.i18n.get("diagnosis")),
                         None)
        if diagnosis is not None:
            out.append(self.diagnosis(diagnosis))
        elif not failing:
            out.append(f'<p>{self.t("html.passed_all")}</p>')
        out.append(f"<h3>{self.t('html.plots')}</h3>")
        out.append(self.plots(ex))
        if failing:
            out.append(f"<h3>{self.t('html.failures')}</h3>")
            out.extend(self.failure(c) for c in failing)
        out.append(f"<h3>{self.t('html.checks')}</h3>")
        out.append(self.check_table(ex))
        out.append("</section>")
        return "\n".join(out)

    def check_table(self, ex: ExerciseResult) -> str:
        rows = [f"<tr><th>{self.t('ui.status')}</th><th>{self.t('ui.check')}</th>"
                f"<th></th><th class=\"points\">{self.t('ui.points')}</th></tr>"]
        for c in ex.checks:
            status = "pass" if c.passed else "fail"
            detail = self.f(c, "message") if c.passed else \
                f'<a href="#{_e(_anchor(c))}">{self.t("html.failures")}</a>'
            rows.append(
                f'<tr class="{status}" data-check="{_e(c.full_id)}" data-status="{status}">'
                f'<td><span class="badge">{self.t("ui.pass" if c.passed else "ui.fail")}'
                f"</span></td><td>{_e(check_line(c, self.lang))}"
                f'<div class="muted">{_e(c.check_id)}</div></td>'
                f'<td class="muted">{detail}</td>'
                f'<td class="points">{_num(c.score)} / {_num(c.max_score)}</td></tr>')
        return f'<table class="checks">{"".join(rows)}</table>'

    def failure(self, c: CheckResult) -> str:
        out = [f'<article class="failure" id="{_e(_anchor(c))}" data-check="{_e(c.full_id)}">',
               f"<h4>{_e(check_line(c, self.lang))} "
               f'<span class="muted">({_e(c.check_id)}, {_num(c.score)} / '
               f"{_num(c.max_score)})</span></h4>"]
        message = field_text(c, "message", self.lang)
        diagnosis = c.i18n.get("diagnosis")
        if diagnosis:
            # The diagnosis is shown once per exercise, explanation next to the equation;
            # here only its name.
            full = _diagnosis_text(diagnosis, self.lang)
            if full and message.rstrip().endswith(full):
                message = message.rstrip()[:-len(full)].rstrip()
            short = f"{tr('html.diagnosis', self.lang)}: {_msg(diagnosis['title'], self.lang)}."
            message = f"{message}\n\n{short}" if message else short
        out.append(f'<div class="message">{_e(message)}</div>')
        if c.example is not None:
            lines = "\n".join(example_lines(c.example, self.lang))
            out.append(f'<div class="label">{self.t("html.example")}</div>'
                       f'<pre class="example">{_e(lines)}</pre>')
        if c.expected or c.got:
            out.append('<table class="expected-got">'
                       f'<tr><th>{self.t("ui.expected")}</th><td>{self.f(c, "expected")}</td></tr>'
                       f'<tr><th>{self.t("ui.got")}</th><td>{self.f(c, "got")}</td></tr></table>')
        if c.traceback:
            out.append(f'<div class="label">{self.t("html.traceback")}</div>'
                       f'<pre class="traceback">{_e(c.traceback.rstrip())}</pre>')
        if c.hint:
            out.append(f'<div class="hint"><strong>{self.t("html.hint")}:</strong> '
                       f'{self.f(c, "hint")}</div>')
        out.append("</article>")
        return "\n".join(out)

    def diagnosis(self, data: dict[str, Any]) -> str:
        title = _msg(data.get("title"), self.lang)
        explanation = _msg(data.get("explanation"), self.lang)
        equation = str(data.get("equation") or "")
        out = [f'<div class="diagnosis" data-diagnosis="{_e(data.get("id", ""))}">',
               f'<div class="explanation"><strong>{self.t("html.diagnosis")}: {_e(title)}'
               f"</strong><p>{_e(explanation)}</p></div>"]
        if equation:
            out.append(f'<div class="equation"><div class="label">{self.t("html.equation")}'
                       f"</div><code>{_e(equation)}</code></div>")
        out.append("</div>")
        return "\n".join(out)

    # -- the pictures ------------------------------------------------------------------------

    def plots(self, ex: ExerciseResult) -> str:
        visuals = ex.visuals or {}
        if not visuals:
            # Nothing to plot either because plots were off or because nothing could run
            # (no such class, a file that does not load): say the latter when it is so.
            broken = bool(ex.checks) and not any(c.passed for c in ex.checks) and \
                len({c.message for c in ex.checks}) == 1
            reason = field_text(ex.checks[0], "message", self.lang) if broken else \
                tr("html.plots_off", self.lang)
            return f'<p class="no-plots">{self.t("html.no_plots", reason=reason)}</p>'
        if "error" in visuals:
            reason = _msg(visuals["error"], self.lang)
            return f'<p class="no-plots">{self.t("html.no_plots", reason=reason)}</p>'
        out = [self.gaps(visuals)]
        figures = plot_figures(ex, self.lang)
        if not visuals.get("gates"):
            out.append(f'<p class="muted">{self.t("html.no_gate_view")}</p>')
        out.extend(self.figure(f.kind, f.png, f.title, f.caption) for f in figures)
        return "\n".join(out)

    def gaps(self, visuals: dict[str, Any]) -> str:
        """Which gate or state differs from the reference, and by how much, in words. The
        headline names a gate when one differs: the states only inherit its error."""
        diffs: dict[str, float | None] = visuals.get("gate_diffs", {})
        gates = visuals.get("gates", [])
        panels = [*gates, *visuals.get("states", [])]
        items = []
        worst: tuple[bool, float, str] | None = None
        for panel in panels:
            # The keys of gate_diffs, as grader.visuals.panel_key makes them (not imported:
            # a writer reads plain data and needs no torch).
            layer = panel.get("layer")
            key = str(panel.get("name")) + ("" if layer is None else str(layer))
            word = self.panel_title(panel)
            diff = diffs.get(key)
            if diff is None:
                items.append(f'<li class="unknown">{self.t("ui.gate_unknown", gate=word)}</li>')
            elif diff > MATCH_TOLERANCE:
                items.append(f'<li class="bad" data-panel="{_e(key)}">'
                             f'{self.t("ui.gate_differs", gate=word, diff=f"{diff:.3g}")}</li>')
                rank = (any(panel is g for g in gates), diff, word)
                if worst is None or rank[:2] > worst[:2]:
                    worst = rank
            else:
                items.append(f'<li class="ok">{self.t("ui.gate_ok", gate=word)}</li>')
        if worst is None:
            head = self.t("html.all_match")
        else:
            head = self.t("html.largest_gap", what=worst[2], diff=f"{worst[1]:.3g}")
        return f'<p class="gap">{head}</p><ul class="gaps">{"".join(items)}</ul>'

    def panel_title(self, panel: dict[str, Any]) -> str:
        return _panel_title(panel, self.lang)

    def figure(self, kind: str, png: bytes, title: str, caption: str) -> str:
        data = base64.b64encode(png).decode("ascii")
        return (f'<figure class="plot" data-plot="{_e(kind)}"><h4>{_e(title)}</h4>'
                f'<img src="data:image/png;base64,{data}" alt="{_e(title)}">'
                f"<figcaption>{_e(caption)}</figcaption></figure>")


@dataclass(frozen=True)
class Figure:
    """One picture of an exercise: what it shows (``kind``), the PNG, a title and a caption
    in the report's language. The HTML report embeds these; PrairieLearn's results carry
    them as ``images``."""

    kind: str        # gates, states, gradients
    png: bytes
    title: str
    caption: str


def plot_figures(ex: ExerciseResult, lang: str) -> list[Figure]:
    """The exercise's plots, drawn from ``ex.visuals`` (none when nothing was measured)."""
    visuals = ex.visuals or {}
    if not visuals or "error" in visuals:
        return []
    from grader.reports import plots

    def title(panel: dict[str, Any]) -> str:
        return _panel_title(panel, lang)

    figures = []
    labels = (tr("html.yours", lang), tr("html.reference", lang), tr("html.difference", lang))
    x_label, y_label = tr("html.time_step", lang), tr("html.unit", lang)
    gates = visuals.get("gates")
    if gates:
        png = plots.heatmaps(gates, title, labels, x_label, y_label)
        figures.append(Figure("gates", png, tr("html.gates_heading", lang),
                              tr("html.gates_caption", lang) + " " + tr("html.gates_how", lang)))
    states = visuals.get("states")
    if states:
        png = plots.heatmaps(states, title, labels, x_label, y_label)
        figures.append(Figure("states", png, tr("html.states_heading", lang),
                              tr("html.states_caption", lang)))
    grads = visuals.get("gradients")
    if grads:
        figures.append(_gradients_figure(ex, grads, lang))
    return figures


def _gradients_figure(ex: ExerciseResult, grads: dict[str, Any], lang: str) -> Figure:
    from grader.reports import plots

    series = [
        (tr("html.legend_yours", lang, name=ex.class_name), grads.get("student", []), "#d62728"),
        (tr("html.legend_reference", lang, name=ex.class_name), grads.get("reference", []),
         "#1f77b4"),
        (tr("html.rnn", lang), grads.get("rnn", []), "#7f7f7f"),
    ]
    png = plots.gradient_norms(series, tr("html.time_step", lang), tr("html.grad_norm", lang),
                               tr("html.legend_zero", lang))
    bias = grads.get("forget_bias")
    caption = tr("html.gradients_caption", lang, bias=_num(bias)) if bias is not None \
        else tr("html.gradients_caption_plain", lang)
    student = grads.get("student", [])
    missing = sum(v is None for v in student)
    zeros = sum(v is not None and not v > 0 for v in student)
    if student and missing == len(student):
        caption += " " + tr("html.grad_missing", lang)
    elif zeros:
        caption += " " + tr("html.grad_zero", lang, n=zeros, total=len(student))
    return Figure("gradients", png, tr("html.gradients_heading", lang), caption)


def _panel_title(panel: dict[str, Any], lang: str) -> str:
    name = str(panel.get("name", ""))
    try:
        word = tr(f"gateword.{name}", lang)
    except KeyError:
        word = name
    layer = panel.get("layer")
    return word if layer is None else tr("html.layer", lang, name=word, layer=layer)


def _anchor(c: CheckResult) -> str:
    return f"fail-{c.exercise}-{c.check_id}".replace(".", "-")


def _msg(data: Any, lang: str) -> str:
    """Msg data (or plain text) rendered in ``lang``."""
    if isinstance(data, dict) and "key" in data:
        try:
            return Msg.from_data(data).render(lang)
        except (KeyError, IndexError, ValueError):
            return str(data["key"])  # a key this grader does not know: say which
    return "" if data is None else str(data)


def _diagnosis_text(data: dict[str, Any], lang: str) -> str:
    """The sentence the engine appended to each diagnosed check's message, in ``lang``."""
    try:
        title = Msg.from_data(data["title"])
        explanation = Msg.from_data(data["explanation"])
    except (KeyError, TypeError, ValueError):
        return ""
    if data.get("equation"):
        msg = Msg("diagnosis.text_equation", title=title, explanation=explanation,
                  equation=data["equation"])
    else:
        msg = Msg("diagnosis.text", title=title, explanation=explanation)
    return msg.render(lang)
