"""Student-facing Markdown for one check, shared by the writers that need it."""

from __future__ import annotations

from grader.results import CheckResult, Example


def example_lines(example: Example) -> list[str]:
    sizes = ", ".join(f"{k}={v}" for k, v in example.sizes.items())
    lines = [f"Smallest failing example: {sizes}"]
    for name, value in example.inputs.items():
        lines.append(f"  {name} = {value}")
    lines.extend(f"  ({note})" for note in example.notes)
    return lines


def check_markdown(c: CheckResult) -> str:
    if c.passed:
        return f"Passed: {c.message}" if c.message else "Passed"
    parts = [f"**Failed:** {c.message}"]
    if c.example is not None:
        parts.append("```\n" + "\n".join(example_lines(c.example)) + "\n```")
    if c.expected or c.got:
        parts.append(f"Expected `{c.expected}`, got `{c.got}`.")
    if c.traceback:
        parts.append("Your code's traceback:\n```\n" + c.traceback.rstrip() + "\n```")
    if c.hint:
        parts.append(f"Hint: {c.hint}")
    return "\n\n".join(parts)
