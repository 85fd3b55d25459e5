"""Student-facing Markdown for one check, shared by the writers that need it."""

from __future__ import annotations

from grader.i18n import DEFAULT_LANG, field_text, tr
from grader.results import CheckResult, Example, ExerciseResult


def example_lines(example: Example, lang: str = DEFAULT_LANG) -> list[str]:
    sizes = ", ".join(f"{k}={v}" for k, v in example.sizes.items())
    lines = [tr("ui.smallest_example", lang, sizes=sizes)]
    for name, value in example.inputs.items():
        lines.append(f"  {name} = {value}")
    lines.extend(f"  ({note})" for note in example.notes)
    if example.scale != 1.0:
        lines.append(f"  ({tr('ui.scaled', lang, scale=example.scale)})")
    return lines


def check_markdown(c: CheckResult, lang: str = DEFAULT_LANG) -> str:
    message = field_text(c, "message", lang)
    if c.passed:
        return tr("ui.passed_message", lang, message=message) if message else \
            tr("ui.passed", lang)
    parts = [tr("ui.failed_md", lang, message=message)]
    if c.example is not None:
        parts.append("```\n" + "\n".join(example_lines(c.example, lang)) + "\n```")
    if c.expected or c.got:
        parts.append(tr("ui.expected_got_md", lang, expected=field_text(c, "expected", lang),
                        got=field_text(c, "got", lang)))
    if c.traceback:
        parts.append(tr("ui.traceback_md", lang) + "\n```\n" + c.traceback.rstrip() + "\n```")
    if c.hint:
        parts.append(tr("ui.hint_md", lang, hint=field_text(c, "hint", lang)))
    return "\n\n".join(parts)


def failed_check_markdown(ex: ExerciseResult, c: CheckResult, lang: str = DEFAULT_LANG) -> str:
    """``check_markdown``, after the exercise's note (why it got no credit) when c failed."""
    output = check_markdown(c, lang)
    if ex.note and not c.passed:
        output = f"{field_text(ex, 'note', lang)}\n\n{output}"
    return output
