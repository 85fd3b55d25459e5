"""``grader.check`` from a notebook: the handout notebook, filled in, run headless through a
real Jupyter kernel (nbclient + ipykernel), as a student runs it in Jupyter or Colab.

The kernel tests start one kernel per notebook and grade through the real sandbox: slow.
The notebook never exists as a file (as in Colab); one of them runs with a PATH on which
bubblewrap cannot be found, as in Colab (root, no bubblewrap).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from grader import CheckSummary, check
from grader.errors import ConfigError
from grader.handout import build_handout
from grader.interactive import kernel_notebook
from grader.notebook import notebook_source
from grader.results import CheckResult, ExerciseResult, GradeReport
from student_template import make_notebook

EXERCISES = ("lstm_cell", "lstm")

CELL_FORWARD = '''\
        unbatched = x.dim() == 1
        if unbatched:
            x = x.unsqueeze(0)
            if state is not None:
                state = (state[0].unsqueeze(0), state[1].unsqueeze(0))
        if state is None:
            zeros = torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
            state = (zeros, zeros)
        h, c = state
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c_new = f * c + i * g
        h_new = o * torch.tanh(c_new)
        if unbatched:
            return h_new.squeeze(0), c_new.squeeze(0)
        return h_new, c_new
'''
STACK_FORWARD = '''\
        batch, seq_len, _ = x.shape
        if state is None:
            zeros = torch.zeros(self.num_layers, batch, self.hidden_size, dtype=x.dtype,
                                device=x.device)
            state = (zeros, zeros)
        h, c = list(state[0].unbind(0)), list(state[1].unbind(0))
        outputs = []
        for t in range(seq_len):
            inp = x[:, t]
            for k, cell in enumerate(self.cells):
                h[k], c[k] = cell(inp, (h[k], c[k]))
                inp = h[k]
            outputs.append(inp)
        return torch.stack(outputs, dim=1), (torch.stack(h), torch.stack(c))
'''
# The deliberate bug: tanh instead of sigmoid on the forget gate.
BUG = ("torch.sigmoid(f)", "torch.tanh(f)")
# What a student does around the definitions: the grader skips it, the kernel runs it.
TRAINING_CELL = "%who\nmodel = LSTM(3, 4)\nprint(model(torch.randn(2, 5, 3))[0].shape)"
SUMMARY = re.compile(r"CheckSummary\(score=([\d.]+)/([\d.]+), exercises=\[[^\]]*\], "
                     r"failed=\[([^\]]*)\]")


def _fill(stub: str, body: str) -> str:
    """The handout class with its ``# Your code here`` comments and stub raise replaced."""
    filled, n = re.subn(r"        # Your code here\..*?\n        \)$", body.rstrip("\n"), stub,
                        flags=re.S | re.M)
    assert n == 1, stub
    return filled


def filled_notebook(bug: bool, call: str | None = None) -> nbformat.NotebookNode:
    """The handout notebook with its classes written (one with ``BUG``), a training cell,
    and its own check cell, whose call is replaced by ``call`` when given."""
    nb = nbformat.reads(build_handout(EXERCISES).notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "class LSTMCell" in cell.source:
            cell.source = _fill(cell.source, CELL_FORWARD.replace(*BUG) if bug
                                else CELL_FORWARD)
        elif "class LSTM(" in cell.source:
            cell.source = _fill(cell.source, STACK_FORWARD)
    assert nb.cells[-1].id == make_notebook.CHECK_CELL_ID
    if call is not None:
        handout_call = make_notebook.check_call(EXERCISES)
        assert nb.cells[-1].source.endswith(handout_call)
        nb.cells[-1].source = nb.cells[-1].source.removesuffix(handout_call) + call
    nb.cells.insert(len(nb.cells) - 2, nbformat.v4.new_code_cell(TRAINING_CELL))
    return nb


def run_headless(nb: nbformat.NotebookNode, env: dict[str, str]) -> nbformat.NotebookNode:
    """Execute every cell in a fresh kernel, in an empty folder; never written to disk."""
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="lstm-grader-kernel-") as folder:
        env = {**env, "HOME": folder, "MPLBACKEND": "Agg",
               "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        client = NotebookClient(nb, kernel_name="python3", timeout=600,
                                resources={"metadata": {"path": folder}})
        client.execute(env=env)
    return nb


def check_cell_outputs(nb: nbformat.NotebookNode) -> tuple[str, str, str]:
    """(text/plain of the report, its text/html, the returned summary's repr)."""
    outputs = nb.cells[-1].outputs
    shown = [o for o in outputs if o.output_type == "display_data"]
    results = [o for o in outputs if o.output_type == "execute_result"]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, errors
    assert len(shown) == 1 and len(results) == 1, outputs
    return shown[0].data["text/plain"], shown[0].data["text/html"], \
        results[0].data["text/plain"]


@pytest.mark.slow
def test_a_notebook_with_a_bug_checked_from_its_kernel_shows_the_failed_check() -> None:
    nb = run_headless(filled_notebook(bug=True), dict(os.environ))
    text, page, summary = check_cell_outputs(nb)
    score, top, failed = SUMMARY.search(summary).groups()  # type: ignore[union-attr]
    assert 0 < float(score) < float(top)
    assert "lstm_cell/equivalence.forward" in failed
    assert "lstm_cell/semantics.forget_gate" in failed
    assert "[FAIL]" in text and "lstm-grader: notebook.ipynb" in text
    assert text.count("] speed: ") == 2  # the handout's call keeps the default speed check
    assert "Next step:" in text
    # The training cell ran in the kernel and was skipped by the grader.
    assert "torch.Size([2, 5, 4])" in nb.cells[-3].outputs[-1].text
    assert "cell 4 (model = LSTM(3, 4))" in text  # numbered as the kernel ran it: [4]
    # The HTML report, scoped to its own block, with its plots.
    assert page.startswith('<div class="lstm-grader-report"')
    assert "data:image/png;base64," in page
    assert "bubblewrap" in page[page.index("isolation:"):page.index("</footer>")]


@pytest.mark.slow
def test_a_correct_notebook_passes_in_colabs_situation_without_bubblewrap() -> None:
    # Only the interpreter's folder on PATH: bubblewrap cannot be found, as in Colab.
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    # Fewer examples, no plots and no speed check keep this second kernel cheap; the first
    # one runs the handout's own call, speed check included.
    call = ('from grader.config import GradeConfig\n'
            'check(["lstm_cell", "lstm"], examples=4, plots=False, '
            'config=GradeConfig(speed_mode="off"))')
    nb = run_headless(filled_notebook(bug=False, call=call), env)
    text, page, summary = check_cell_outputs(nb)
    score, top, failed = SUMMARY.search(summary).groups()  # type: ignore[union-attr]
    assert float(score) == float(top) > 0 and failed == ""
    assert "[FAIL]" not in text and "Next step:" in text
    assert "data:image/png" not in page
    isolation = page[page.index("isolation:"):page.index("</footer>")]
    assert "bubblewrap" not in isolation and "python -I" in isolation


# -- without a kernel: the parts that need no worker ---------------------------------------------

def _history(*cells: str) -> SimpleNamespace:
    """A shell's input history as IPython keeps it: raw, and transformed by IPython itself."""
    from IPython.core.inputtransformer2 import TransformerManager

    raw = ["", *cells]
    parsed = [TransformerManager().transform_cell(cell) for cell in raw]
    return SimpleNamespace(history_manager=SimpleNamespace(input_hist_raw=raw,
                                                           input_hist_parsed=parsed))


def test_the_kernels_history_becomes_a_notebook_numbered_like_the_prompts() -> None:
    shell = _history("import torch", "class A(\n", "class B:\n    pass",
                     "from grader import check\ncheck('lstm_cell')")
    nb = nbformat.reads(kernel_notebook(shell), as_version=4)
    assert [c.source for c in nb.cells] == ["import torch", "", "class B:\n    pass",
                                            "from grader import check\ncheck('lstm_cell')"]
    read = notebook_source(kernel_notebook(shell))
    assert "class B" in read.source and "check(" not in read.source
    assert read.where(read.source.splitlines().index("class B:") + 1) == "cell 3, line 1"
    # With every cell run, the running cell (the one calling check) is left out.
    every = nbformat.reads(kernel_notebook(shell, all_cells=True), as_version=4)
    assert every.cells[-1].source == ""


def test_only_the_latest_definition_of_a_class_counts_as_in_the_kernel() -> None:
    first = "class LSTMCell(nn.Module):\n    cell = nn.LSTMCell\n"
    second = "%who\nclass LSTMCell(nn.Module):\n    pass\nx = 1"
    nb = nbformat.reads(kernel_notebook(_history("import torch", first, second)), as_version=4)
    assert [c.source for c in nb.cells] == ["import torch", "\n", second]
    read = notebook_source(kernel_notebook(_history("import torch", first, second)))
    assert "nn.LSTMCell" not in read.source
    assert read.where(read.source.splitlines().index("class LSTMCell(nn.Module):") + 1) == \
        "cell 3, line 2"


def test_outside_a_notebook_check_needs_a_file_and_says_so() -> None:
    with pytest.raises(ConfigError, match=r'check\("lstm_cell", file="lstm_cell.py"\)'):
        check("lstm_cell")
    with pytest.raises(ConfigError, match=r"lstm_cel.*choose from lstm_cell"):
        check("lstm_cel", file="x.py")


def test_the_summary_has_the_score_failures_and_next_step_and_a_short_repr() -> None:
    def result(check_id: str, passed: bool) -> CheckResult:
        return CheckResult(check_id, "lstm_cell", check_id.split(".")[0], check_id, 2.0,
                           2.0 if passed else 0.0, passed, hint="look at f")

    report = GradeReport("notebook.ipynb", [ExerciseResult("lstm_cell", "LSTMCell", [
        result("shapes.sizes", True), result("equivalence.forward", False)])], 1.0,
        isolation="subprocess")
    summary = CheckSummary.from_report(report)
    assert (summary.score, summary.max_score, summary.passed) == (2.0, 4.0, False)
    assert summary.failed == ("lstm_cell/equivalence.forward",)
    assert "equivalence.forward" in summary.next_step
    text = repr(summary)
    assert text.startswith("CheckSummary(score=2/4, exercises=['lstm_cell'], "
                           "failed=['lstm_cell/equivalence.forward'], next_step=")
    assert SUMMARY.search(text) is not None
    with pytest.raises(AttributeError):
        summary.score = 4.0  # type: ignore[misc]
    assert CheckSummary.from_report(report) == summary


def test_the_notebook_report_is_a_block_whose_styles_stay_inside_it() -> None:
    from grader.reports import html

    report = GradeReport("notebook.ipynb", [ExerciseResult("lstm_cell", "LSTMCell", [
        CheckResult("shapes.sizes", "lstm_cell", "shapes", "sizes <b>", 1.0, 0.0, False)])],
        1.0)
    block = html.fragment(report, notes=["a note & more"])
    assert block.startswith('<div class="lstm-grader-report"') and block.endswith("</div>\n")
    assert "<html" not in block and "<body" not in block and "<head" not in block
    css = re.search(r"<style>(.*?)</style>", block, re.S)[1]  # type: ignore[index]
    selectors = [sel.strip() for rule in re.findall(r"([^{}]+)\{", css)
                 for sel in rule.split(",")]
    assert selectors and all(sel.startswith(".lstm-grader-report") for sel in selectors)
    assert "sizes &lt;b&gt;" in block and "a note &amp; more" in block
    # The page is the same report, as a document.
    assert "sizes &lt;b&gt;" in html.to_html(report)


def test_grader_exports_check_with_a_docstring() -> None:
    import grader

    assert {"check", "CheckSummary"} <= set(grader.__all__)
    assert check.__doc__ and "CheckSummary" in check.__doc__
    assert grader.__doc__ and 'check("lstm_cell")' in grader.__doc__

