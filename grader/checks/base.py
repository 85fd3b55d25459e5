"""What every check needs: the registry, the context, failures, comparisons and the
Hypothesis property runner that finds the smallest failing example."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky
from torch import Tensor, nn

from grader.client import CallResult, Client, StudentModel
from grader.config import GradeConfig
from grader.errors import StudentException, SubmissionError
from grader.exercises import Case, Exercise, Kind
from grader.i18n import Msg, join
from grader.inference import Inference, JacobianLayout, infer
from grader.layout import Layout, LayoutError, infer_layout
from grader.results import Example
from grader.transfer import readable, transfer, writable

AnyLayout = Layout | JacobianLayout

CATEGORIES = ("shapes", "parameters", "equivalence", "semantics", "gradients", "sequence",
              "robustness", "integrity", "speed")


class CheckFailed(Exception):
    """A check's verdict: the submission is wrong, and this says how.

    ``message``, ``expected``, ``got`` and ``hint`` are text; a ``grader.i18n.Msg`` there
    (a key and parameters, itself a str) lets the writers render it in Spanish too.
    """

    def __init__(self, message: str, *, expected: str = "", got: str = "", hint: str = "",
                 traceback: str = "", extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.got = got
        self.hint = hint
        self.traceback = traceback
        self.extra = extra or {}
        self.example: Example | None = None
        self.fatal = False  # the worker died: stop drawing examples

    def append(self, extra: str, sep: str = " ") -> None:
        """Add to the message (in every language when both are Msg)."""
        self.message = join(self.message, extra, sep=sep)

    @classmethod
    def from_submission_error(cls, exc: SubmissionError, doing: str) -> CheckFailed:
        if isinstance(exc, StudentException):
            kind = exc.kind
            where = (Msg("where.loading") if kind == "missing_class" else
                     Msg(f"where.{kind}") if kind in ("forward", "construct", "backward",
                                                      "import", "builtin_rnn") else
                     Msg("where.other", kind=kind))
            failed = cls(Msg("error.raised", error=str(exc), where=where, doing=doing),
                         traceback=exc.traceback, extra={"error_kind": kind})
            return failed
        error = Msg(f"error.{exc.kind}", detail=str(exc)) if exc.kind in (
            "timeout", "crash", "garbage") else str(exc)
        failed = cls(Msg("error.submission", error=error, doing=doing),
                     extra={"error_kind": exc.kind})
        failed.fatal = getattr(exc, "fatal", True)
        return failed


@dataclass
class Outcome:
    """A pass with more to say than a message: partial credit and data (the speed check).

    ``fraction`` of the check's points is awarded; ``informational`` makes the check worth
    0 points here (it still passes, and says why it is not graded).
    """

    message: str
    fraction: float = 1.0
    informational: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


CheckFn = Callable[["Context"], "str | Outcome"]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    category: str
    title: str
    points: float
    kinds: tuple[Kind, ...]
    hint: str
    fn: CheckFn
    enabled: Callable[[GradeConfig], bool] = lambda config: True
    # The points under a given configuration, when they depend on it (see checks_for).
    points_for: Callable[[GradeConfig], float] | None = None
    # Gradescope's visibility of this check's result (a rubric sets it; see checks_for).
    visibility: str = "visible"


CHECKS: dict[str, CheckSpec] = {}


def check(check_id: str, *, category: str, title: str, points: float,
          kinds: Sequence[Kind] = ("lstm", "gru", "sequence"), hint: str = "",
          enabled: Callable[[GradeConfig], bool] | None = None,
          points_for: Callable[[GradeConfig], float] | None = None
          ) -> Callable[[CheckFn], CheckFn]:
    """Register a built-in check under a stable id. The function returns a pass message
    (or an ``Outcome``) and raises ``CheckFailed``."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    if not check_id.startswith(category + "."):
        raise ValueError(f"check id {check_id!r} must start with its category")

    def register(fn: CheckFn) -> CheckFn:
        if check_id in CHECKS:
            raise ValueError(f"check {check_id!r} registered twice")
        CHECKS[check_id] = CheckSpec(check_id, category, title, points, tuple(kinds), hint, fn,
                                     enabled or (lambda config: True), points_for)
        return fn

    return register


@dataclass
class Loaded:
    """A fresh student module with the reference's weights transplanted into it."""

    student: StudentModel
    reference: nn.Module
    layout: AnyLayout


# Built once per set of sizes: making a composite strategy costs Hypothesis a look at the
# function's source, and every check of every grade asks for one.
_CASES: dict[tuple[int, bool, int, int, int, int], st.SearchStrategy[Case]] = {}


def _case_strategy(min_batch: int, is_seq: bool, max_batch: int, max_size: int, max_seq: int,
                   max_layers: int) -> st.SearchStrategy[Case]:
    @st.composite
    def draw(d: Any) -> Case:
        batch = d(st.integers(min_batch, max(min_batch, max_batch)))
        input_size = d(st.integers(1, max_size))
        hidden = d(st.integers(2, max_size))
        seq_len = d(st.integers(1, max_seq)) if is_seq else 1
        layers = d(st.integers(1, max_layers)) if is_seq else 1
        scale = d(st.sampled_from([1.0, 0.25, 3.0]))
        seed = d(st.integers(0, 2**16))
        return Case(batch, input_size, hidden, seq_len, layers, scale, seed)

    return draw()


_SEED: list[int] = []


def _derandomized_seed(wrapped: Callable[..., None]) -> int:
    """The seed ``derandomize=True`` would use for ``wrapped``, computed once per process.

    Hypothesis derives it from a digest of the test's source (tokenized afresh on every call:
    about 10 ms, twice per check). Every check runs the same ``wrapped`` closure of
    ``Context.run``, so the digest never changes; giving it as an explicit seed draws exactly
    the examples derandomize would."""
    if not _SEED:
        from hypothesis.internal.compat import int_from_bytes
        from hypothesis.internal.reflection import function_digest

        _SEED.append(int_from_bytes(function_digest(wrapped)))
    return _SEED[0]


class Context:
    """Everything a check may use. Student code is reached only through ``client``."""

    def __init__(self, exercise: Exercise, config: GradeConfig, client: Client,
                 source: str) -> None:
        self.exercise = exercise
        self.config = config
        self.client = client
        self.source = source
        self.notes: dict[str, Any] = {}
        self._inputs: dict[str, Tensor] = {}
        # The input a property is about, when a check pinned it (see ``show``).
        self._shown: dict[str, Tensor] | None = None
        # Layouts per (input, hidden, layers): shared by every check of this exercise.
        self.layouts: dict[tuple[int, int, int], AnyLayout] = {}
        # Why a layout could not be inferred, per size (for feedback and diagnosis).
        self.findings: dict[tuple[int, int, int], Inference] = {}
        # Layouts inferred or transferred (not declared) and verified, with the (input,
        # hidden) sizes they were found at: a new size with the same parameters starts from
        # one of them (grader.transfer).
        self.inferred: list[tuple[tuple[int, int], JacobianLayout]] = []
        # How each layout of this exercise was found: "inferred" (Jacobian requests to the
        # worker) or "transferred" (carried from another size, then verified).
        self.layout_counts: dict[str, int] = {"inferred": 0, "transferred": 0}
        # (grader.diagnosis.Diagnosis | None,) once the diagnosis has run (it runs once).
        self.diagnosed: tuple[Any, ...] = ()

    # -- strategies -----------------------------------------------------------------------
    def cases(self, *, min_batch: int = 1, sequence: bool | None = None) -> st.SearchStrategy[Case]:
        cfg = self.config
        is_seq = self.exercise.kind == "sequence" if sequence is None else sequence
        key = (min_batch, is_seq, cfg.max_batch, cfg.max_size, cfg.max_seq, cfg.max_layers)
        strategy = _CASES.get(key)
        if strategy is None:
            strategy = _CASES[key] = _case_strategy(*key)
        return strategy

    def tricky_cases(self) -> list[Case]:
        """Hand-picked first examples: sizes where common bugs cannot hide."""
        if self.exercise.kind == "sequence":
            return [Case(3, 4, 3, seq_len=5, num_layers=2, scale=1.0, seed=1)]
        return [Case(3, 4, 3, scale=1.0, seed=1)]

    # -- running a property ----------------------------------------------------------------
    def run(self, test: Callable[[Case], None], strategy: st.SearchStrategy[Case] | None = None,
            *, explicit: Sequence[Case] | None = None, max_examples: int | None = None) -> None:
        """Run ``test`` on drawn cases; on failure raise the smallest failing example's."""
        state: dict[str, Any] = {"failure": None, "fatal": None}

        def wrapped(case: Case) -> None:
            if state["fatal"] is not None:
                raise state["fatal"]
            self._inputs = {}
            self._shown = None
            try:
                test(case)
            except CheckFailed as failed:
                failed.example = self._example(case)
                state["failure"] = failed
                raise
            except SubmissionError as exc:
                converted = CheckFailed.from_submission_error(exc, Msg("doing.example"))
                converted.example = self._example(case)
                state["failure"] = converted
                if converted.fatal:
                    state["fatal"] = converted
                raise converted from None

        prop = given(strategy if strategy is not None else self.cases())(wrapped)
        prop = settings(
            max_examples=max_examples or self.config.max_examples,
            derandomize=True, database=None, deadline=None, print_blob=False,
            report_multiple_bugs=False, verbosity=Verbosity.quiet,
            suppress_health_check=list(HealthCheck),
            phases=(Phase.generate, Phase.shrink),
        )(prop)
        prop = seed(_derandomized_seed(wrapped))(prop)
        # No database, so no key: saves Hypothesis a second digest of ``wrapped``'s source.
        prop._hypothesis_internal_database_key = None  # type: ignore[attr-defined]
        try:
            prop()
        except CheckFailed:
            failure = state["fatal"] or state["failure"]
            raise failure from None
        except Flaky:
            failure = state["failure"]
            if failure is None:
                raise
            failure.append(Msg("run.flaky"), sep="")
            raise failure from None
        # The hand-picked cases run after the drawn ones, so that a bug the drawn cases
        # find is reported with its shrunk (smallest) example.
        for case in (self.tricky_cases() if explicit is None else explicit):
            wrapped(case)

    def _example(self, drawn: Any) -> Example:
        # A check may draw (case, extra...) tuples; the extras become notes.
        case, extras = (drawn[0], drawn[1:]) if isinstance(drawn, tuple) else (drawn, ())
        sent = self._shown if self._shown is not None else self._inputs
        inputs = {k: _small(v) for k, v in sent.items() if v.numel() <= 12}
        notes = [str(e).removeprefix("torch.") for e in extras]
        return Example(case.sizes(self.exercise.kind), inputs, notes, scale=case.scale)

    # -- talking to the submission ---------------------------------------------------------
    def build(self, case: Case, dtype: torch.dtype) -> StudentModel:
        return self.client.build(self.exercise.class_name, self.exercise.constructor_args(case),
                                 dtype, seed=case.seed)

    def load(self, case: Case, dtype: torch.dtype = torch.float64) -> Loaded:
        """A fresh student module with the reference's weights, through the layout found."""
        key = (case.input_size, case.hidden_size, case.num_layers)
        layout = self.layouts.get(key)
        if layout is None:
            layout = self.layouts[key] = self._find_layout(case)
        student = self.build(case, dtype)
        ref = self.exercise.reference(case, dtype)
        self.notes["layout"] = layout.description
        if key in self.findings:
            self.notes["layout_fallback"] = self.findings[key].reason
        self.set_weights(student, layout, ref)
        return Loaded(student, ref, layout)

    def set_weights(self, student: StudentModel, layout: AnyLayout, ref: nn.Module) -> None:
        """Give the student's module ``ref``'s weights, through ``layout``."""
        values = layout.student_params(dict(ref.named_parameters()))
        self.client.set_params(student, {k: v.detach() for k, v in values.items()})

    def _find_layout(self, case: Case) -> AnyLayout:
        """The declared layout if it computes the reference; else one inferred from
        Jacobians; else (a wrong cell) the declared layout, so that the checks can say how
        the outputs differ."""
        probe = Case(batch=3, input_size=case.input_size, hidden_size=case.hidden_size,
                     seq_len=1, num_layers=case.num_layers, scale=1.0, seed=99)
        student = self.build(probe, torch.float64)
        declared: AnyLayout | None
        try:
            declared = infer_layout(student.params, self.exercise.reference(probe,
                                    torch.float64), self.exercise.kind)
        except LayoutError as exc:
            # The Msg itself, so that the message reads in the report's language.
            declared, declared_error = None, exc.args[0] if exc.args else str(exc)
        if declared is not None and self.computes_target(student, declared, probe):
            return declared
        transferred = self.transferred_layout(student, probe)
        if transferred is not None:
            return transferred
        finding = self.infer_layout(student, probe)
        self.layout_counts["inferred"] += 1
        key = (case.input_size, case.hidden_size, case.num_layers)
        if finding.layout is not None and self.computes_target(student, finding.layout,
                                                                   probe):
            if finding.layout.coef is None and readable((probe.input_size, probe.hidden_size)):
                self.inferred.append(((probe.input_size, probe.hidden_size), finding.layout))
            return finding.layout
        diagnosed = self._diagnosed_layout(student, probe, finding, declared)
        if diagnosed is not None:
            return diagnosed
        self.findings[key] = finding
        if declared is not None:
            return declared
        raise CheckFailed(
            Msg("layout.not_found", declared=declared_error,
                reason=finding.reason or Msg("layout.no_mapping")),
            hint=Msg("layout.not_found.hint"))

    def transferred_layout(self, student: StudentModel, probe: Case) -> JacobianLayout | None:
        """A layout inferred at another size, carried to ``probe``'s sizes
        (``grader.transfer``), if the student computes the reference through it; else None,
        and the caller infers. Only a verified layout is returned: a transfer that does not
        reproduce the reference costs one request, never the student's credit."""
        sizes = (probe.input_size, probe.hidden_size)
        if not self.inferred or not writable(sizes):
            return None
        names = tuple(p.name for p in student.params)
        shapes = [tuple(p.shape) for p in student.params]
        ref = self.exercise.reference(probe, torch.float64)
        t_names = tuple(n for n, _ in ref.named_parameters())
        t_shapes = [tuple(p.shape) for _, p in ref.named_parameters()]
        for old, layout in reversed(self.inferred):
            if layout.student_names != names or layout.target_names != t_names:
                continue
            moved = transfer(layout, old, sizes, shapes, t_shapes)
            if moved is None:
                continue
            if self.computes_target(student, moved, probe):
                self.layout_counts["transferred"] += 1
                # A source too: from other sizes, other readings of the shapes are unique.
                if readable(sizes):
                    self.inferred.append((sizes, moved))
                return moved
        return None

    def _diagnosed_layout(self, student: StudentModel, probe: Case, finding: Inference,
                          declared: AnyLayout | None) -> AnyLayout | None:
        """The student's layout read through its diagnosed mistake, at ``probe``'s sizes.

        A wrong cell has no layout that computes the reference; when the diagnosis names the
        mistake it computes, the map under which it computes that mistake exactly says which
        parameter plays which reference weight (a mistake has the reference's parameters),
        so that the checks compare the outputs and the plots are drawn, instead of every
        check saying that the parameters could not be matched. None when there is no
        diagnosis, or no such map at these sizes."""
        from grader.diagnosis import diagnose  # built on this module: imported when needed

        if not self.diagnosed:
            diagnose(self)
            student = self.build(probe, torch.float64)  # the diagnosis built its own
        found = diagnose(self)
        if found is None:
            return None
        note = Msg("layout.desc.diagnosed", title=found.title)
        if found.build is None:
            # A sign-inverted gate: the map that computes the reference once those weights are
            # negated, taken with its +1 factors, is the student's own layout.
            flipped = finding.flipped_layout
            if flipped is None or not self.computes_target(student, flipped, probe):
                return None
            return dataclasses.replace(flipped, coef=None,
                                       description=join(flipped.description, note, sep="; "))
        target = self.exercise.build_target(found.build, probe)
        ref = self.exercise.reference(probe, torch.float64)
        if {n: p.shape for n, p in target.named_parameters()} != \
                {n: p.shape for n, p in ref.named_parameters()}:
            return None  # a variant with other parameters: the reference's do not fit it
        layout: AnyLayout | None = declared
        if layout is None or not self.computes_target(student, layout, probe, target):
            layout = self.infer_layout(student, probe, target).layout
            if layout is None or not self.computes_target(student, layout, probe, target):
                return None
        described = join(layout.description, note, sep="; ")
        if isinstance(layout, JacobianLayout):
            return dataclasses.replace(layout, description=described)
        return Layout(layout.transfers, described)

    def infer_layout(self, student: StudentModel, probe: Case,
                     target: nn.Module | None = None) -> Inference:
        """Jacobian-based inference of the map from ``target`` (default: the reference)."""
        inputs = self.exercise.inputs(probe, torch.float64)
        args = self.exercise.call_args(inputs)
        target = target if target is not None else self.exercise.reference(probe,
                                                                           torch.float64)

        def student_jacobian(params: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
            return self.client.jacobian(student, args, inputs, params)

        def run_target(module: nn.Module) -> list[Tensor]:
            return self.exercise.run_reference(module, inputs)

        try:
            return infer([p.name for p in student.params], [p.shape for p in student.params],
                         student_jacobian, target, run_target, self.exercise.gate_names)
        except StudentException as exc:
            return Inference(reason=Msg("inference.raised", error=str(exc)))

    def computes_target(self, student: StudentModel, layout: AnyLayout,
                            probe: Case, target: nn.Module | None = None) -> bool:
        ref = target if target is not None else self.exercise.reference(probe, torch.float64)
        try:
            self.set_weights(student, layout, ref)
            inputs = self.exercise.inputs(probe, torch.float64)
            result = self.client.call(student, self.exercise.call_args(inputs), inputs)
        except StudentException:
            return False
        indices = _parse_structure(result.structure, self.exercise.kind)
        if indices is None:
            return False
        want = self.exercise.run_reference(ref, inputs)
        for w, i in zip(want, indices, strict=True):
            got = result.outputs[i]
            if got.shape != w.shape or not torch.isfinite(got).all():
                return False
            if float((got.double() - w.detach()).abs().max()) > self.config.atol:
                return False
        return True

    def show(self, inputs: dict[str, Tensor]) -> None:
        """Make ``inputs`` the example a failure of the current case shows.

        Without it, the example is the last input sent; a check that probes around the drawn
        input (a shifted state, zero inputs, a flipped batch) pins the input its property is
        about, so that the student never sees an internal probe as "the input that failed"."""
        self._shown = dict(inputs)

    def call(self, student: StudentModel, inputs: dict[str, Tensor], **kw: Any) -> CallResult:
        self._inputs = inputs
        return self.client.call(student, self.exercise.call_args(inputs), inputs, **kw)

    def outputs(self, result: CallResult, case: Case, batch: int | None = None,
                unbatched: bool = False) -> list[Tensor]:
        """The returned tensors in the exercise's order, after checking structure and shapes."""
        ex = self.exercise
        indices = _parse_structure(result.structure, ex.kind)
        if indices is None:
            raise CheckFailed(
                Msg("structure.wrong", got=describe_structure(result.structure),
                    expected=_expected_structure(ex.kind)),
                hint=Msg("structure.hint", signature=ex.signature))
        outs = [result.outputs[i] for i in indices]
        b = case.batch if batch is None else batch
        for name, tensor in zip(ex.output_names, outs, strict=True):
            want = _expected_shape(ex.kind, name, case, b, unbatched)
            if tuple(tensor.shape) != want:
                raise CheckFailed(Msg("shape.wrong", name=name, shape=tuple(tensor.shape),
                                      want=want),
                                  expected=str(want), got=str(tuple(tensor.shape)),
                                  hint=_shape_hint(ex.kind, name))
        return outs


def _parse_structure(s: Any, kind: Kind) -> list[int] | None:
    def tensor(node: Any) -> int | None:
        return node["tensor"] if isinstance(node, dict) and "tensor" in node else None

    def pair(node: Any) -> list[Any] | None:
        if isinstance(node, dict) and "seq" in node and len(node["items"]) == 2:
            return list(node["items"])
        return None

    if kind == "gru":
        t = tensor(s)
        return None if t is None else [t]
    items = pair(s)
    if items is None:
        return None
    if kind == "lstm":
        ts = [tensor(i) for i in items]
        return None if None in ts else ts  # type: ignore[return-value]
    first, rest = tensor(items[0]), pair(items[1])
    if first is None or rest is None:
        return None
    ts = [tensor(i) for i in rest]
    return None if None in ts else [first, *ts]  # type: ignore[list-item]


def describe_structure(s: Any) -> str:
    if not isinstance(s, dict):
        return Msg("structure.unreadable")
    if "tensor" in s:
        return Msg("structure.tensor", shape=tuple(s["shape"]))
    if "seq" in s:
        inner = join(*(describe_structure(i) for i in s["items"]), sep=", ")
        return Msg("structure.seq", seq=s["seq"], n=len(s["items"]), items=inner)
    return Msg("structure.other", other=s.get("other", "value"), repr=s.get("repr", ""))


def _expected_structure(kind: Kind) -> str:
    return Msg(f"structure.expected.{kind}")


def _expected_shape(kind: Kind, name: str, case: Case, batch: int, unbatched: bool
                    ) -> tuple[int, ...]:
    h = case.hidden_size
    if kind == "sequence":
        if name == "outputs":
            return (batch, case.seq_len, h)
        return (case.num_layers, batch, h)
    return (h,) if unbatched else (batch, h)


def _shape_hint(kind: Kind, name: str) -> str:
    if kind == "sequence" and name == "outputs":
        return Msg("shape.hint.outputs")
    if kind == "sequence":
        return Msg("shape.hint.stack_state", name=name)
    return Msg("shape.hint.cell")


def _small(t: Tensor) -> Any:
    return [round(float(v), 4) for v in t.reshape(-1)] if t.dim() <= 1 else \
        [_small(row) for row in t]


def fmt(v: float) -> str:
    if math.isnan(v) or math.isinf(v):
        return str(v)
    return f"{v:.6g}"


def compare(name: str, expected: Tensor, got: Tensor, atol: float, rtol: float = 0.0,
            hint: str = "") -> None:
    """Raise CheckFailed unless ``got`` equals ``expected`` (shape, finite, within atol).

    ``name`` (text, or a ``Msg`` for both languages) says what is compared."""
    if tuple(got.shape) != tuple(expected.shape):
        raise CheckFailed(Msg("shape.wrong", name=name, shape=tuple(got.shape),
                              want=tuple(expected.shape)), hint=hint)
    got = got.to(torch.float64)
    expected = expected.detach().to(torch.float64)
    if not torch.isfinite(got).all():
        bad = (~torch.isfinite(got)).nonzero()[0].tolist()
        raise CheckFailed(Msg("compare.nonfinite", name=name, index=tuple(bad)),
                          expected=fmt(float(expected[tuple(bad)])),
                          got=fmt(float(got[tuple(bad)])), hint=hint)
    if got.numel() == 0:
        return
    diff = (got - expected).abs()
    limit = atol + rtol * expected.abs()
    if (diff > limit).any():
        flat = int((diff - limit).reshape(-1).argmax())
        idx = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), got.shape))
        raise CheckFailed(
            Msg("compare.differs", name=name, diff=fmt(float(diff[idx])), index=idx,
                atol=f"{atol:g}"),
            expected=fmt(float(expected[idx])), got=fmt(float(got[idx])), hint=hint,
            extra={"max_abs_diff": float(diff.max())})
