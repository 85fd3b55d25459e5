"""Generate ``lstm_cell.ipynb`` from ``lstm_cell.py``: the handout's notebook form.

``lstm_cell.py`` is the single source. This script splits it with ``ast`` into its top-level
definitions, keeping their exact source text, and writes a notebook with

- a markdown cell holding the module docstring, its first line as the title;
- a code cell with everything before the first class (imports and helpers);
- per class, a markdown cell (title, exercise name and the lesson's explanation in brief)
  followed by a code cell with the class's source;
- last, a markdown cell and the check cell: an install line, commented out (only where
  lstm-grader is not installed, e.g. Colab), then ``from grader import check`` and the call
  (``grader/interactive.py``). The grader skips that cell when it reads the notebook.

The output is deterministic (fixed cell ids and metadata, no timestamps or outputs), so the
committed notebook can be compared with a fresh build. Regenerate it after editing the handout:

    python -m student_template.make_notebook          # writes student_template/lstm_cell.ipynb
    python -m student_template.make_notebook --check  # exit 1 if the committed one is stale
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "lstm_cell.py"
NOTEBOOK = HERE / "lstm_cell.ipynb"

NBFORMAT_MINOR = 5  # pinned so the output does not depend on the installed nbformat
METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}

# Per class: (exercise name, title, the lesson's explanation in brief). Markdown.
SECTIONS: dict[str, tuple[str, str, str]] = {
    "LSTMCell": (
        "lstm_cell",
        "An LSTM cell (una celda LSTM)",
        "The cell state $C_t$ is a conveyor belt (la cinta transportadora): information "
        "travels along it with only elementwise changes, which is why gradients survive many "
        "steps. Four gates decide what happens to it:\n"
        "\n"
        "- the forget gate (puerta de olvido) $f_t$ decides what to erase from $C_{t-1}$;\n"
        "- the input gate (puerta de entrada) $i_t$ decides which of the candidate values "
        "$\\tilde{C}_t$ (called $g$ in code) to write;\n"
        "- the output gate (puerta de salida) $o_t$ decides what part of the memory to show "
        "as the hidden state $h_t$.\n"
        "\n"
        "$$C_t = f_t \\odot C_{t-1} + i_t \\odot \\tilde{C}_t \\qquad "
        "h_t = o_t \\odot \\tanh(C_t)$$\n"
        "\n"
        "Gate order in the stacked weights: **i, f, g, o** (as `nn.LSTMCell`). "
        "The state is the tuple `(h, c)`.",
    ),
    "LSTM": (
        "lstm",
        "The whole LSTM (la LSTM completa)",
        "Run the cell over the sequence, one time step at a time, and stack layers: layer 0 "
        "reads $x_t$, every other layer reads the $h_t$ of the layer below at the same step. "
        "Each layer keeps its own $(h, c)$. The outputs are the top layer's $h_t$ at every "
        "step; $(h_n, c_n)$ are every layer's last state, as `nn.LSTM(batch_first=True)` "
        "returns them.",
    ),
    "PeepholeLSTMCell": (
        "peephole",
        "Peephole connections (conexiones peephole)",
        "A variant where the gates can look at the cell state: $i_t$ and $f_t$ see "
        "$C_{t-1}$, $o_t$ sees the new $C_t$, each through a vector (a diagonal matrix):\n"
        "\n"
        "$$f_t = \\sigma(W_f \\cdot [h_{t-1}, x_t] + b_f + w_{cf} \\odot C_{t-1})$$\n"
        "\n"
        "Gate order: **i, f, g, o**, plus `weight_ci`, `weight_cf`, `weight_co`.",
    ),
    "CoupledLSTMCell": (
        "coupled",
        "Coupled forget-input gates (CIFG)",
        "A simplification where the input gate is tied to the forget gate, $i_t = 1 - f_t$: "
        "the cell writes new content exactly where it forgets old content.\n"
        "\n"
        "$$C_t = f_t \\odot C_{t-1} + (1 - f_t) \\odot \\tilde{C}_t$$\n"
        "\n"
        "Three gates, gate order **f, g, o**.",
    ),
    "GRUCell": (
        "gru",
        "A GRU cell (una celda GRU)",
        "The GRU simplifies the LSTM to two gates and no separate cell state: the reset gate "
        "$r$ decides how much of the past enters the candidate $n$, and the update gate $z$ "
        "mixes the old state with the candidate:\n"
        "\n"
        "$$h_t = (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}$$\n"
        "\n"
        "Gate order **r, z, n**, as `nn.GRUCell`; $r$ multiplies $(W_{hn} h + b_{hn})$.",
    ),
}


def _start(node: ast.stmt) -> int:
    """First line of a statement, decorators included (1-based)."""
    lines = [node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]
    return min(lines)


def _end(node: ast.stmt) -> int:
    """Last line of a statement (1-based); ``ast.parse`` always sets it."""
    return node.end_lineno if node.end_lineno is not None else node.lineno


def _block(lines: list[str], first: int, last: int) -> str:
    """Lines ``first..last`` (1-based, inclusive) without surrounding blank lines."""
    return "\n".join(lines[first - 1:last]).strip("\n")


def split_source(source: str) -> tuple[str, str, list[tuple[str, str]]]:
    """Split the handout into (docstring, preamble code, [(class name, class source), ...]).

    A class's block runs from the end of the previous statement, so comments written just
    above a class travel with it. Anything but classes after the first class is an error.
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    body = list(tree.body)
    docstring = ast.get_docstring(tree, clean=True)
    if docstring is None:
        raise ValueError("the handout needs a module docstring: it becomes the notebook's intro")
    body = body[1:]
    first_class = next((k for k, n in enumerate(body) if isinstance(n, ast.ClassDef)), None)
    if first_class is None:
        raise ValueError("the handout defines no class")
    preamble_nodes = body[:first_class]
    if not preamble_nodes:
        raise ValueError("the handout has no imports before its first class")
    preamble = _block(lines, _start(preamble_nodes[0]), _start(body[first_class]) - 1)
    classes = []
    previous_end = _end(preamble_nodes[-1])
    for node in body[first_class:]:
        if not isinstance(node, ast.ClassDef):
            raise ValueError(f"line {node.lineno}: only classes may follow the first class, "
                             "so that each notebook cell stands on its own")
        classes.append((node.name, _block(lines, previous_end + 1, _end(node))))
        previous_end = _end(node)
    return docstring, preamble, classes


CHECK_CELL_ID = "check"
# There is no public package index release: the course hands out a wheel or a repository.
INSTALL_LINE = '# %pip install "lstm-grader @ git+https://<the course\'s repository>"'
CHECK_MARKDOWN = (
    "## Check your work (comprueba tu trabajo)\n"
    "\n"
    "Run the cell below after running the cells above. It checks the classes those cells "
    "defined (only the definitions: cells that train, plot or print are skipped), runs them "
    "in a separate, sandboxed process, never in this notebook, and shows every check with "
    "what to fix, plots of your cell against the reference, and the next step. "
    "`check(\"lstm_cell\")` checks one exercise; `check(\"lstm\", file=\"lstm_cell.py\")` "
    "a file. From a terminal: `lstm-grader check lstm_cell.ipynb`.\n"
    "\n"
    "In Colab, or wherever lstm-grader is not installed, install it first: remove the `# ` "
    "in front of `%pip` and write the address your course gives you (a repository, or the "
    "path of a wheel file you uploaded). Colab already has PyTorch."
)


def check_call(exercises: Sequence[str] | None) -> str:
    """``check()`` for the course's default exercises, else ``check("x")`` / ``check([...])``."""
    if not exercises:
        return "check()"
    if len(exercises) == 1:
        return f"check({json.dumps(exercises[0])})"
    return f"check({json.dumps(list(exercises))})"


def check_cell_source(exercises: Sequence[str] | None) -> str:
    """The notebook's last cell: checks the classes the cells above defined."""
    return "\n".join([
        "# Where lstm-grader is not installed yet (Colab): remove the \"# \" and run once.",
        INSTALL_LINE,
        "from grader import check",
        "",
        check_call(exercises),
    ])


def _cell_id(n: int, slug: str) -> str:
    return f"{n:02d}-{slug}".replace("_", "-")


def build_notebook(source_path: Path = SOURCE, exercises: Sequence[str] | None = None
                   ) -> nbformat.NotebookNode:
    """The notebook for the handout at ``source_path``; same input, same notebook. Its check
    cell checks ``exercises`` (default: the course's default exercises)."""
    docstring, preamble, classes = split_source(source_path.read_text(encoding="utf-8"))
    v4 = nbformat.v4
    cells = [
        v4.new_markdown_cell(f"# {docstring}", id=_cell_id(0, "intro")),  # summary as title
        v4.new_code_cell(preamble, id=_cell_id(1, "imports")),
    ]
    for name, code in classes:
        if name not in SECTIONS:
            raise KeyError(f"class {name} has no entry in SECTIONS in {__file__}: add its "
                           "exercise name, title and explanation there")
        exercise, title, explanation = SECTIONS[name]
        markdown = (f"## `{name}`: {title}\n\n{explanation}\n\n"
                    f"Check it: `check({json.dumps(exercise)})` in a cell (see the last "
                    f"cell), or `lstm-grader check lstm_cell.ipynb --exercise {exercise}` "
                    f"in a terminal")
        n = len(cells)
        cells.append(v4.new_markdown_cell(markdown, id=_cell_id(n, exercise)))
        cells.append(v4.new_code_cell(code, id=_cell_id(n + 1, exercise + "-code")))
    cells.append(v4.new_markdown_cell(CHECK_MARKDOWN, id=_cell_id(len(cells), "check-intro")))
    cells.append(v4.new_code_cell(check_cell_source(exercises), id=CHECK_CELL_ID))
    nb = v4.new_notebook(cells=cells, metadata=METADATA)
    nb.nbformat, nb.nbformat_minor = 4, NBFORMAT_MINOR
    nbformat.validate(nb)
    return nb


def render(nb: nbformat.NotebookNode) -> str:
    """The notebook's file text (nbformat's JSON layout, final newline)."""
    return nbformat.writes(nb, version=4) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m student_template.make_notebook",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the notebook differs from a fresh build")
    args = parser.parse_args(argv)
    text = render(build_notebook())
    if args.check:
        current = NOTEBOOK.read_text(encoding="utf-8") if NOTEBOOK.exists() else ""
        if current != text:
            print(f"{NOTEBOOK} is out of date: run python -m student_template.make_notebook",
                  file=sys.stderr)
            return 1
        return 0
    NOTEBOOK.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {NOTEBOOK}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
