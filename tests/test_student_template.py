"""The student handout: its declared contracts, the generated notebook, and its imports.

The grader loads weights into a submission by parameter name, so the skeleton's names and
shapes are part of the contract; these tests pin them, for the ``.py`` and for the notebook.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import nbformat
import pytest
import torch
from torch import nn

import student_template
from student_template import lstm_cell, make_notebook

PACKAGE = Path(student_template.__file__).resolve().parent
HANDOUT = PACKAGE / "lstm_cell.py"
NOTEBOOK = PACKAGE / "lstm_cell.ipynb"
REGENERATE = "run `python -m student_template.make_notebook` and commit lstm_cell.ipynb"

IN, HID = 3, 5  # input_size, hidden_size used throughout


def _lstm_layout(prefix: str = "", input_size: int = IN) -> dict[str, tuple[int, ...]]:
    return {f"{prefix}weight_ih": (4 * HID, input_size), f"{prefix}weight_hh": (4 * HID, HID),
            f"{prefix}bias_ih": (4 * HID,), f"{prefix}bias_hh": (4 * HID,)}


def _three_gate_layout() -> dict[str, tuple[int, ...]]:
    return {"weight_ih": (3 * HID, IN), "weight_hh": (3 * HID, HID),
            "bias_ih": (3 * HID,), "bias_hh": (3 * HID,)}


# class name -> (exercise, gate order, declared parameters at (I, H), parameter count)
CONTRACTS: dict[str, tuple[str, str, dict[str, tuple[int, ...]], int]] = {
    "LSTMCell": ("lstm_cell", "i, f, g, o", _lstm_layout(), 4 * HID * (IN + HID) + 8 * HID),
    "LSTM": ("lstm", "i, f, g, o", _lstm_layout("cells.0."), 4 * HID * (IN + HID) + 8 * HID),
    "PeepholeLSTMCell": (
        "peephole", "i, f, g, o",
        {**_lstm_layout(), "weight_ci": (HID,), "weight_cf": (HID,), "weight_co": (HID,)},
        4 * HID * (IN + HID) + 8 * HID + 3 * HID,
    ),
    "CoupledLSTMCell": ("coupled", "f, g, o", _three_gate_layout(), 3 * HID * (IN + HID) + 6 * HID),
    "GRUCell": ("gru", "r, z, n", _three_gate_layout(), 3 * HID * (IN + HID) + 6 * HID),
}
CLASSES = list(CONTRACTS)

FORBIDDEN_ALWAYS = ("nn.LSTM", "nn.LSTMCell", "nn.GRU", "nn.GRUCell", "nn.RNN", "nn.RNNCell",
                    "torch._VF")
FORBIDDEN_OWN_OP = {"GRUCell": ("torch.gru_cell", "torch.gru")}
FORBIDDEN_LSTM_OPS = ("torch.lstm_cell", "torch.lstm")

SAMPLE_INPUT = {"LSTM": (2, 4, IN)}  # (batch, seq, input); the cells take (batch, input)


def _notebook_namespace() -> dict[str, object]:
    """Execute the committed notebook's code cells in order in a fresh namespace."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    namespace: dict[str, object] = {"__name__": "lstm_cell_notebook"}
    for cell in nb.cells:
        # The check cell would grade the notebook; it has tests of its own below.
        if cell.cell_type == "code" and cell.id != make_notebook.CHECK_CELL_ID:
            exec(compile(cell.source, f"<notebook cell {cell.id}>", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def notebook_namespace() -> dict[str, object]:
    return _notebook_namespace()


@pytest.fixture(params=["py", "notebook"])
def handout(request: pytest.FixtureRequest) -> dict[str, object]:
    """The handout's classes by name: from ``lstm_cell.py`` or from the notebook's cells."""
    if request.param == "py":
        return vars(lstm_cell)
    return request.getfixturevalue("notebook_namespace")


def _module_classes(namespace: dict[str, object]) -> set[str]:
    return {name for name, obj in namespace.items()
            if isinstance(obj, type) and issubclass(obj, nn.Module) and obj.__module__
            == namespace["__name__"]}


def _imported_modules(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


# --- the notebook is generated from the .py and kept in sync -------------------------------

def test_committed_notebook_is_what_make_notebook_builds_now() -> None:
    expected = make_notebook.render(make_notebook.build_notebook())
    assert NOTEBOOK.exists(), f"{NOTEBOOK} is missing: {REGENERATE}"
    assert NOTEBOOK.read_text(encoding="utf-8") == expected, (
        f"{NOTEBOOK.name} is out of sync with lstm_cell.py: {REGENERATE}")


def test_building_the_notebook_twice_gives_identical_text() -> None:
    first = make_notebook.render(make_notebook.build_notebook())
    second = make_notebook.render(make_notebook.build_notebook())
    assert first == second


def test_notebook_is_valid_nbformat_4_with_a_python3_kernel_and_no_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, make_notebook.NBFORMAT_MINOR)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert len({c.id for c in nb.cells}) == len(nb.cells), "cell ids must be unique"


def test_notebook_opens_with_the_module_docstring_then_the_imports() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    intro, imports = nb.cells[0], nb.cells[1]
    assert intro.cell_type == "markdown"
    assert intro.source == "# " + inspect.getdoc(lstm_cell)
    assert imports.cell_type == "code"
    assert "import torch" in imports.source
    assert "class " not in imports.source


def test_each_class_gets_a_markdown_cell_naming_its_exercise_then_its_exact_source() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    source = HANDOUT.read_text(encoding="utf-8")
    classes = [n for n in ast.parse(source).body if isinstance(n, ast.ClassDef)]
    assert [n.name for n in classes] == CLASSES
    pairs = list(zip(nb.cells[2:-2:2], nb.cells[3:-2:2], strict=True))
    assert len(pairs) == len(classes)
    for node, (markdown, code) in zip(classes, pairs, strict=True):
        exercise = CONTRACTS[node.name][0]
        assert markdown.cell_type == "markdown" and code.cell_type == "code"
        assert markdown.source.startswith(f"## `{node.name}`")
        assert f"--exercise {exercise}" in markdown.source
        assert f'check("{exercise}")' in markdown.source
        assert code.source == ast.get_source_segment(source, node)


def test_notebook_ends_with_a_check_cell_that_installs_only_when_uncommented() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    intro, cell = nb.cells[-2:]
    assert intro.cell_type == "markdown" and "Colab" in intro.source
    assert cell.cell_type == "code" and cell.id == make_notebook.CHECK_CELL_ID
    lines = cell.source.splitlines()
    installs = [line for line in lines if "pip install" in line]
    assert installs and all(line.startswith("# ") for line in installs)
    code = [line for line in lines if line and not line.startswith("#")]
    assert code == ["from grader import check", "check()"]
    assert _imported_modules(cell.source) == {"grader"}


def test_the_grader_skips_the_check_cell_when_it_reads_the_notebook() -> None:
    from grader.notebook import notebook_source

    read = notebook_source(NOTEBOOK.read_text(encoding="utf-8"))
    assert "from grader import" not in read.source and "check()" not in read.source
    assert any("check cell" in skipped for skipped in read.skipped)
    assert "class LSTMCell" in read.source


def test_notebook_code_cells_define_the_same_classes_as_the_handout(
        notebook_namespace: dict[str, object]) -> None:
    assert _module_classes(notebook_namespace) == _module_classes(vars(lstm_cell)) == set(CLASSES)


def test_check_flag_fails_on_a_stale_notebook_and_passes_on_a_fresh_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "lstm_cell.ipynb"
    monkeypatch.setattr(make_notebook, "NOTEBOOK", target)
    target.write_text("{}", encoding="utf-8")
    assert make_notebook.main(["--check"]) == 1
    assert make_notebook.main([]) == 0
    assert make_notebook.main(["--check"]) == 0
    expected = make_notebook.render(make_notebook.build_notebook())
    assert target.read_text(encoding="utf-8") == expected


def test_generator_refuses_statements_between_classes() -> None:
    source = '"""Doc."""\nimport torch\n\n\nclass A:\n    pass\n\n\nX = 1\n'
    with pytest.raises(ValueError, match="only classes may follow"):
        make_notebook.split_source(source)


def test_generator_refuses_a_class_it_has_no_explanation_for(tmp_path: Path) -> None:
    handout = tmp_path / "lstm_cell.py"
    handout.write_text('"""Doc."""\nimport torch\n\n\nclass Mystery:\n    pass\n',
                       encoding="utf-8")
    with pytest.raises(KeyError, match="Mystery"):
        make_notebook.build_notebook(handout)


# --- the declared contracts -----------------------------------------------------------------

@pytest.mark.parametrize("name", CLASSES)
def test_each_class_constructs_with_exactly_the_declared_parameters(
        handout: dict[str, object], name: str) -> None:
    _, _, layout, count = CONTRACTS[name]
    module = handout[name](IN, HID)
    shapes = {n: tuple(p.shape) for n, p in module.named_parameters()}
    assert shapes == layout
    assert sum(p.numel() for p in module.parameters()) == count
    assert list(module.buffers()) == []


def test_lstm_stacks_one_cell_per_layer_and_layers_above_zero_read_hidden_size(
        handout: dict[str, object]) -> None:
    model = handout["LSTM"](IN, HID, num_layers=3)
    expected = {**_lstm_layout("cells.0."), **_lstm_layout("cells.1.", HID),
                **_lstm_layout("cells.2.", HID)}
    assert {n: tuple(p.shape) for n, p in model.named_parameters()} == expected
    assert all(type(cell) is handout["LSTMCell"] for cell in model.cells)


@pytest.mark.parametrize("name", CLASSES)
def test_parameters_start_uniform_within_one_over_sqrt_hidden_like_pytorch(name: str) -> None:
    torch.manual_seed(0)
    module = getattr(lstm_cell, name)(IN, HID)
    bound = HID**-0.5
    for pname, p in module.named_parameters():
        assert p.dtype == torch.float32, pname
        assert p.abs().max() <= bound, f"{pname} exceeds 1/sqrt(H)"
        assert p.std() > bound / 10, f"{pname} is not spread over U(-1/sqrt(H), 1/sqrt(H))"


@pytest.mark.parametrize("name", CLASSES)
def test_forward_raises_not_implemented_error_pointing_to_the_check_command(
        handout: dict[str, object], name: str) -> None:
    exercise = CONTRACTS[name][0]
    module = handout[name](IN, HID)
    x = torch.randn(SAMPLE_INPUT.get(name, (2, IN)))
    with pytest.raises(NotImplementedError,
                       match=rf"lstm-grader check lstm_cell\.py --exercise {exercise}$"):
        module(x)


@pytest.mark.parametrize("name", CLASSES)
def test_signatures_match_the_declared_contract(name: str) -> None:
    cls = getattr(lstm_cell, name)
    init = list(inspect.signature(cls.__init__).parameters)
    forward = inspect.signature(cls.forward).parameters
    expected_init = ["self", "input_size", "hidden_size"]
    assert init == ([*expected_init, "num_layers"] if name == "LSTM" else expected_init)
    state = "h" if name == "GRUCell" else "state"
    assert list(forward) == ["self", "x", state]
    assert forward[state].default is None


# --- what the docstrings tell the student ---------------------------------------------------

def _mentions(text: str, name: str) -> bool:
    return re.search(re.escape(name) + r"(?![\w])", text) is not None


@pytest.mark.parametrize("name", CLASSES)
def test_each_class_docstring_states_its_gate_order(name: str) -> None:
    doc = inspect.getdoc(getattr(lstm_cell, name)) or ""
    assert f"gate order {CONTRACTS[name][1]}" in doc.replace("\n", " ")


@pytest.mark.parametrize("name", CLASSES)
def test_each_class_docstring_lists_the_forbidden_apis_and_rules(name: str) -> None:
    doc = (inspect.getdoc(getattr(lstm_cell, name)) or "").replace("\n", " ")
    own = FORBIDDEN_OWN_OP.get(name, FORBIDDEN_LSTM_OPS)
    missing = [api for api in FORBIDDEN_ALWAYS + own if not _mentions(doc, api)]
    assert missing == []
    assert "Not allowed" in doc
    assert "in place" in doc
    assert "between calls" in doc


def test_module_docstring_explains_the_local_check_and_every_exercise_name() -> None:
    doc = inspect.getdoc(lstm_cell) or ""
    assert "lstm-grader check lstm_cell.py" in doc
    assert "--exercise lstm_cell --exercise lstm" in doc
    assert 'from grader import check; check("lstm_cell")' in doc
    for exercise, *_ in CONTRACTS.values():
        assert f"`{exercise}`" in doc
    missing = [api for api in FORBIDDEN_ALWAYS + FORBIDDEN_LSTM_OPS
               + FORBIDDEN_OWN_OP["GRUCell"] if not _mentions(doc, api)]
    assert missing == []


# --- imports --------------------------------------------------------------------------------

def _only_torch(modules: set[str]) -> set[str]:
    return {m for m in modules
            if m not in ("__future__", "torch") and not m.startswith("torch.")}


def test_handout_imports_nothing_but_torch() -> None:
    imported = _imported_modules(HANDOUT.read_text(encoding="utf-8"))
    assert "torch" in imported
    assert _only_torch(imported) == set()


def test_notebook_code_cells_import_nothing_but_torch() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    imported = set().union(*(_imported_modules(c.source) for c in nb.cells
                             if c.cell_type == "code" and c.id != make_notebook.CHECK_CELL_ID))
    assert _only_torch(imported) == set()


def test_package_init_is_only_a_docstring() -> None:
    body = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8")).body
    assert len(body) == 1
    assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    assert isinstance(body[0].value.value, str)
