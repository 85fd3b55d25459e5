"""lstm-grader: property-based verification and grading of PyTorch LSTM coursework."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
