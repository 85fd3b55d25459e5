"""Rubrics: an instructor's TOML file saying what to grade and how (docs/rubric.md).

A rubric names the exercises, sets any ``GradeConfig`` field under ``[grading]`` and, per
check, its points, visibility and whether it runs under ``[checks."<check id>"]`` (every
exercise) or ``[checks."<exercise>/<check id>"]`` (one exercise)::

    exercises = ["lstm_cell", "lstm"]

    [grading]
    max_examples = 20
    require_pytorch_layout = true

    [checks."semantics.gate_control"]
    points = 3
    visibility = "after_due_date"

    [checks."lstm/sequence.bptt"]
    enabled = false

Everything is checked when the file is loaded: a wrong key, type, check id, exercise or
visibility raises ``ConfigError`` naming the file, the TOML path of the key and the fix.
Without a rubric, ``default_rubric()`` is what ``grade`` uses.
"""

from __future__ import annotations

import dataclasses
import difflib
import sys
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.checks import CHECKS, applies
from grader.config import VISIBILITIES, CheckSetting, GradeConfig
from grader.errors import ConfigError
from grader.exercises import DEFAULT_EXERCISES, EXERCISES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["Rubric", "default_rubric", "grading_keys", "hidden_checks", "load_rubric",
           "parse_rubric"]

DOCS = "docs/rubric.md"
TOP_KEYS = ("exercises", "grading", "checks")
CHECK_KEYS = ("points", "visibility", "enabled")
# GradeConfig fields a rubric may not set: the command decides them (``check`` shows only
# visible checks) or they come from the [checks] tables.
NOT_IN_RUBRIC = ("only_visible", "check_settings", "allow_own_user")


@dataclass(frozen=True)
class Rubric:
    exercises: tuple[str, ...]
    config: GradeConfig
    path: Path | None = None


def default_rubric() -> Rubric:
    """What ``grade`` uses without a rubric: the default exercises and ``GradeConfig()``."""
    return Rubric(tuple(DEFAULT_EXERCISES), GradeConfig())


def load_rubric(path: str | Path | None) -> Rubric:
    """The rubric in the TOML file at ``path``; None gives ``default_rubric()``."""
    if path is None:
        return default_rubric()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"no rubric file at {path}; pass the path of a .toml rubric "
                          f"(examples in examples/rubrics/)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the rubric {path}: {exc}") from None
    return parse_rubric(text, path)


def parse_rubric(text: str, path: str | Path | None = None) -> Rubric:
    """The rubric written in ``text`` (``path`` is named in error messages)."""
    where = str(path) if path is not None else "<rubric>"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}; fix the syntax there (see "
                          f"{DOCS})") from None
    _unknown_keys(data, TOP_KEYS, where, "")
    exercises = _exercises(data.get("exercises", list(DEFAULT_EXERCISES)), where)
    grading = data.get("grading", {})
    if not isinstance(grading, dict):
        raise ConfigError(f"{where}: grading must be a table ([grading] followed by "
                          f"key = value lines), got {_kind(grading)}")
    values = _grading(grading, where)
    checks = data.get("checks", {})
    if not isinstance(checks, dict):
        raise ConfigError(f"{where}: checks must be tables such as "
                          f'[checks."equivalence.forward"], got {_kind(checks)}')
    values["check_settings"] = tuple(_check_setting(target, table, where)
                                     for target, table in checks.items())
    try:
        config = GradeConfig(**values)
    except ConfigError as exc:
        raise ConfigError(f"{where}: [grading] {exc}") from None
    return Rubric(exercises, config, Path(path) if path is not None else None)


def grading_keys() -> dict[str, Any]:
    """The keys of ``[grading]`` and their types (GradeConfig's fields a rubric may set)."""
    hints = typing.get_type_hints(GradeConfig)
    return {f.name: hints[f.name] for f in dataclasses.fields(GradeConfig)
            if f.name not in NOT_IN_RUBRIC}


def hidden_checks(exercises: tuple[str, ...] | list[str], config: GradeConfig) -> int:
    """How many checks ``config.only_visible`` leaves out for these exercises."""
    from grader.checks import checks_for
    from grader.exercises import get_exercise

    every, local = config.with_(only_visible=False), config.with_(only_visible=True)
    return sum(len(checks_for(get_exercise(e), every)) - len(checks_for(get_exercise(e), local))
               for e in dict.fromkeys(exercises))


# -- pieces ------------------------------------------------------------------------------

def _kind(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "an array", dict: "a table"}
    return f"{names.get(type(value), type(value).__name__)} ({value!r})"


def _unknown_keys(table: dict[str, Any], allowed: tuple[str, ...] | list[str], where: str,
                  prefix: str) -> None:
    for key in table:
        if key in allowed:
            continue
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        suggestion = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(f"{where}: {prefix}{key}: unknown key; {suggestion}allowed here: "
                          f"{', '.join(allowed)} (see {DOCS})")


def _exercises(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: exercises must be a non-empty array of exercise names, "
                          f'e.g. exercises = ["lstm_cell", "lstm"]; got {_kind(value)}')
    for name in value:
        if name not in EXERCISES:
            close = difflib.get_close_matches(name, list(EXERCISES), n=1, cutoff=0.6)
            suggestion = f"did you mean {close[0]!r}? " if close else ""
            raise ConfigError(f"{where}: exercises: unknown exercise {name!r}; {suggestion}"
                              f"choose from {', '.join(EXERCISES)}")
    if len(set(value)) != len(value):
        raise ConfigError(f"{where}: exercises: an exercise is listed twice ({value}); "
                          f"list each once")
    return tuple(value)


def _grading(table: dict[str, Any], where: str) -> dict[str, Any]:
    keys = grading_keys()
    for key in NOT_IN_RUBRIC:
        if key in table:
            raise ConfigError(
                f"{where}: grading.{key}: not a rubric setting; "
                + ("`lstm-grader check` shows only visible checks by itself: set each "
                   "check's visibility under [checks.\"<check id>\"] instead"
                   if key == "only_visible" else
                   "only `lstm-grader check` may run a submission as its own user; grade "
                   "and batch never do" if key == "allow_own_user" else
                   "per-check settings go in [checks.\"<check id>\"] tables"))
    _unknown_keys(table, list(keys), where, "grading.")
    values = {}
    for key, value in table.items():
        try:
            values[key] = _coerce(value, keys[key])
        except _Mismatch as exc:
            raise ConfigError(f"{where}: grading.{key}: expected {exc.expected}, got "
                              f"{_kind(value)} (see {DOCS})") from None
    return values


class _Mismatch(Exception):
    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def _describe(tp: Any) -> str:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is bool:
        return "true or false"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is str:
        return "a string"
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return f"an array of {_plural(args[0])}"
        if len(set(args)) == 1:
            return f"an array of {len(args)} {_plural(args[0])}"
        return f"an array of {len(args)} ({', '.join(_describe(a) for a in args)})"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in args if a is not type(None))
    return getattr(tp, "__name__", str(tp))


def _plural(tp: Any) -> str:
    text = _describe(tp)
    return {"an integer": "integers", "a number": "numbers", "a string": "strings",
            "true or false": "booleans"}.get(text, f"({text})")


def _coerce(value: Any, tp: Any) -> Any:
    """``value`` (as TOML gave it) as type ``tp``, or ``_Mismatch`` saying what was wanted."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif tp is str:
        if isinstance(value, str):
            return value
    elif origin is tuple:
        if isinstance(value, list):
            if len(args) == 2 and args[1] is Ellipsis:
                return tuple(_coerce(v, args[0]) for v in value)
            if len(value) == len(args):
                return tuple(_coerce(v, a) for v, a in zip(value, args, strict=True))
    elif origin in (typing.Union, types.UnionType):
        for option in args:
            if option is type(None):
                continue
            try:
                return _coerce(value, option)
            except _Mismatch:
                pass
    else:
        return value  # a type this reader does not know: GradeConfig validates it
    raise _Mismatch(_describe(tp))


def _check_setting(target: str, table: object, where: str) -> CheckSetting:
    path = f'checks."{target}"'
    exercise, _, check_id = target.rpartition("/")
    if check_id not in CHECKS:
        if isinstance(table, dict) and table and not set(table) & set(CHECK_KEYS):
            # [checks.semantics.forget_gate] unquoted: TOML splits the id at its dot.
            raise ConfigError(f"{where}: checks.{target}: check ids contain a dot, so quote "
                              f'them: [checks."{target}.{next(iter(table))}"]')
        close = difflib.get_close_matches(check_id, list(CHECKS), n=1, cutoff=0.6)
        suggestion = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(f"{where}: {path}: unknown check id {check_id!r}; {suggestion}"
                          f"the ids are in the README's Checks table and in the columns "
                          f"`lstm-grader validate` prints")
    if exercise:
        if exercise not in EXERCISES:
            close = difflib.get_close_matches(exercise, list(EXERCISES), n=1, cutoff=0.6)
            suggestion = f"did you mean {close[0]!r}? " if close else ""
            raise ConfigError(f"{where}: {path}: unknown exercise {exercise!r}; {suggestion}"
                              f"choose from {', '.join(EXERCISES)}")
        if not applies(CHECKS[check_id], EXERCISES[exercise]):
            raise ConfigError(f"{where}: {path}: check {check_id} does not apply to "
                              f"exercise {exercise}; remove this table or name an exercise "
                              f"it applies to")
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: {path}: expected a table with points, visibility or "
                          f"enabled, got {_kind(table)}")
    _unknown_keys(table, CHECK_KEYS, where, f"{path}.")
    points = table.get("points")
    if points is not None and (isinstance(points, bool) or not isinstance(points, (int, float))
                               or points < 0):
        raise ConfigError(f"{where}: {path}.points: expected a number >= 0, got "
                          f"{_kind(points)}")
    visibility = table.get("visibility")
    if visibility is not None and visibility not in VISIBILITIES:
        close = (difflib.get_close_matches(visibility, VISIBILITIES, n=1, cutoff=0.6)
                 if isinstance(visibility, str) else [])
        suggestion = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(f"{where}: {path}.visibility: {visibility!r} is not one of "
                          f"Gradescope's visibilities; {suggestion}use one of "
                          f"{', '.join(VISIBILITIES)}")
    enabled = table.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise ConfigError(f"{where}: {path}.enabled: expected true or false, got "
                          f"{_kind(enabled)}")
    return CheckSetting(target, None if points is None else float(points), visibility,
                        enabled)
