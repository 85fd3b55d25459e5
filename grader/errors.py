"""Errors, kept apart by whose fault they are.

::

    GraderError
    ├── WorkerFault            the worker's own code raised, not the submission's (a bug)
    ├── ConfigError            the instructor's or user's configuration is wrong (exit 2)
    │   └── UnreadableNotebook a .ipynb nbformat cannot read (when grading: a failed load)
    └── SubmissionError        the submission misbehaved: becomes a score and feedback
        ├── StudentException   its code raised (syntax, import, constructor, forward...)
        ├── WorkerCrashed      its process died (segfault, sys.exit, memory...)
        ├── WorkerTimeout      it did not answer within the time limit
        └── WorkerGarbage      it answered something that is not the protocol

Anything else that escapes is a bug in the grader and propagates loudly.
"""

from __future__ import annotations

from typing import Any


class GraderError(Exception):
    """Base class of every error the grader raises on purpose."""


class ConfigError(GraderError):
    """A configuration or usage error: the message says what is wrong and how to fix it."""


class UnreadableNotebook(ConfigError):
    """A ``.ipynb`` submission that is not a notebook nbformat can read (damaged, not JSON).

    A ConfigError where a notebook is read on its own; when grading, the submission's
    problem, so it becomes a failed load with a report like any other."""


class WorkerFault(GraderError):
    """The worker's own code raised, with no frame of the submission in the traceback: a bug
    in the grader, reported as one (never as the student's exception)."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info
        super().__init__(f"the grader's worker failed: {info.get('type', 'Error')}: "
                         f"{info.get('message', '')}\n{info.get('traceback', '')}")


class SubmissionError(GraderError):
    """The submission failed in a way that costs it the check that was running."""

    kind = "error"


class StudentException(SubmissionError):
    """The submission's own code raised; ``info`` holds its type, message and traceback."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info
        self.kind = str(info.get("kind", "exception"))
        super().__init__(f"{info.get('type', 'Error')}: {info.get('message', '')}")

    @property
    def traceback(self) -> str:
        return str(self.info.get("traceback", ""))


class WorkerCrashed(SubmissionError):
    """The worker process died while serving a request."""

    kind = "crash"


class WorkerTimeout(SubmissionError):
    """The worker did not answer in time; it has been killed."""

    kind = "timeout"
    fatal = True  # the worker was killed: the check stops and the next one gets a new worker


class NotRunAgain(WorkerTimeout):
    """Not sent: the student's forward timed out twice already, or the submission's time
    budget is spent. Nothing was killed (the worker, if any, is as it was)."""

    fatal = False


class WorkerGarbage(SubmissionError):
    """The worker's reply did not follow the protocol."""

    kind = "garbage"
