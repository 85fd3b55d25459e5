"""The student handout: ``lstm_cell.py`` (the skeleton to fill in) and ``lstm_cell.ipynb``.

The notebook is generated from ``lstm_cell.py`` by ``python -m student_template.make_notebook``;
edit the ``.py`` and regenerate, never the other way round. This package imports nothing so
that it can ship the handout files as package data.
"""
