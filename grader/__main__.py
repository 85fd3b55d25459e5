"""``python -m grader``: the ``lstm-grader`` command, for where its script is not on PATH
(a notebook's ``!python -m grader check ...``, a Windows venv that is not activated)."""

from __future__ import annotations

import sys

from grader.cli import main

if __name__ == "__main__":
    sys.exit(main())
