"""What happened to a submission as a whole, read from its report: one word per outcome.

The batch CSV's ``status`` column and PrairieLearn's ``gradable`` flag both come from here,
so the two never disagree.
"""

from __future__ import annotations

from grader.results import CheckResult, GradeReport

GRADED = "graded"            # every check ran (whatever the score)
LOAD_ERROR = "load_error"    # syntax error, exception while importing, unreadable notebook
TIMEOUT = "timeout"          # the worker stopped answering, or the submission ran out of time
CRASHED = "crashed"          # the worker process died or replied garbage
# Written by the batch only (no report exists for these):
NO_SUBMISSION = "no_submission"  # a student folder with no .py or .ipynb file
AMBIGUOUS = "ambiguous"          # several candidate files and no rule picks one
GRADER_ERROR = "grader_error"    # the grader itself raised (a bug to report; retried on resume)

# Message keys of a submission that never loaded (grader.engine): by its own fault (a
# load error), or because its worker hung or died while loading it ("load.failed").
LOAD_ERROR_KEYS = ("load.syntax_error", "load.import_failed", "load.notebook_unreadable")
NOT_LOADED_KEYS = (*LOAD_ERROR_KEYS, "load.failed")


def message_key(c: CheckResult) -> str:
    """The catalog key of a check's message ("" for plain text)."""
    data = c.i18n.get("message") or {}
    return str(data.get("key", "")) if isinstance(data, dict) else ""


def submission_status(report: GradeReport) -> str:
    """graded, load_error, timeout or crashed; the most serious one found wins."""
    checks = report.checks
    keys = {message_key(c) for c in checks}
    if keys & set(LOAD_ERROR_KEYS):
        return LOAD_ERROR
    kinds = {c.extra.get("error_kind") for c in checks}
    if "timeout" in kinds or "engine.out_of_time" in keys:
        return TIMEOUT
    if kinds & {"crash", "garbage"} or "load.failed" in keys:
        return CRASHED
    return GRADED


def gradable(report: GradeReport) -> bool:
    """False when the file could not be graded at all (it does not load): PrairieLearn's
    'invalid submission', which the student is not charged an attempt for."""
    return submission_status(report) != LOAD_ERROR and not (
        report.checks and all(message_key(c) == "load.failed" for c in report.checks))
