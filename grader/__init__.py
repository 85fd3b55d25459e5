"""lstm-grader: property-based verification and grading of PyTorch LSTM coursework.

From a notebook (Jupyter, Colab) or any Python session::

    from grader import check
    check("lstm_cell")                  # the classes this kernel's cells defined
    check("lstm", file="lstm_cell.py")  # or a file

``check`` runs the code in the same sandboxed worker as ``lstm-grader check``, shows the
report (HTML with plots in a notebook, text elsewhere) and returns a ``CheckSummary``
(score, max_score, failed, next_step, passed). See ``grader.interactive``.
"""

from __future__ import annotations

from grader.interactive import CheckSummary, check

__version__ = "0.1.0"

__all__ = ["CheckSummary", "__version__", "check"]
