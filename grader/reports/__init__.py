"""One writer per output format; each reads a GradeReport and nothing else."""

from __future__ import annotations

from grader.reports import gradescope, text

WRITERS = {"gradescope": gradescope.render, "text": text.render}

__all__ = ["WRITERS"]
