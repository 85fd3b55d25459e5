"""Student-facing text in English and Spanish.

Checks and the engine do not hand text to the writers: they hand a ``Msg``, a message *key*
and its parameters. ``CheckResult`` keeps the English rendering in its fields (``message``,
``hint``...) for every consumer that reads text, and the ``Msg`` as data in ``i18n``, so
that a writer can render the same result in the language it is asked for::

    raise CheckFailed(Msg("dtype.changed", dtype="torch.float64", name="h", got="..."))
    field_text(result, "message", "es")   # -> "con entradas y parámetros ..."

The catalog (``grader.i18n.messages``) maps each key to ``{"en": ..., "es": ...}`` templates
in ``str.format`` syntax; parameters may themselves be ``Msg`` (rendered in the same
language) or lists of them. Titles and hints of checks, explanations of known mistakes,
summaries of variants and titles of exercises keep their English where they are defined
(the check registry, ``reference.mistakes``, ``reference.VARIANTS``, ``grader.exercises``);
``grader.i18n.registries`` adds their Spanish under ``check.<id>.title``,
``mistake.<id>.explanation``... ``tests/test_i18n.py`` checks that every key used anywhere
has both languages with the same parameters.

Importing this package is light (no torch): the registries are read only when one of their
keys is rendered.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LANGS = ("en", "es")
LANG_NAMES = {"en": "English", "es": "español"}
DEFAULT_LANG = "en"

_JOIN = "_join"  # a Msg that concatenates its "parts" with "sep"
_TEXT = "_text"  # a Msg that is its "text", in every language (a student's error message)


def check_lang(lang: str) -> str:
    """``lang`` if it is supported; otherwise a ConfigError that lists the choices."""
    if lang not in LANGS:
        from grader.errors import ConfigError

        raise ConfigError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)} "
                          f"(en: English, es: español)")
    return lang


@dataclass(frozen=True, init=False)
class Msg:
    """A student-facing message: a catalog key and its parameters, rendered on demand."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __init__(self, key: str, /, **params: Any) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "params", params)

    def render(self, lang: str = DEFAULT_LANG) -> str:
        if self.key == _TEXT:
            return str(self.params["text"])
        if self.key == _JOIN:
            return str(self.params.get("sep", "")).join(
                _render_value(p, lang) for p in self.params["parts"])
        template = template_for(self.key, lang)
        values = {k: _render_value(v, lang) for k, v in self.params.items()}
        return template.format(**values)

    def __str__(self) -> str:
        return self.render(DEFAULT_LANG)

    def to_data(self) -> dict[str, Any]:
        """Plain JSON-able data (results are data)."""
        return {"key": self.key, "params": {k: _to_data(v) for k, v in self.params.items()}}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Msg:
        return cls(str(data["key"]), **{k: _from_data(v)
                                        for k, v in dict(data.get("params", {})).items()})


def text(value: str) -> Msg:
    """A literal (the student's own error text, a code excerpt): the same in every language."""
    return Msg(_TEXT, text=value)


def join(*parts: Msg | str, sep: str = "\n\n") -> Msg:
    """Parts rendered one after the other, each in the language asked for."""
    return Msg(_JOIN, parts=[p if isinstance(p, Msg) else text(p) for p in parts], sep=sep)


def as_msg(value: Msg | str) -> Msg:
    return value if isinstance(value, Msg) else text(value)


def tr(key: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    """Render ``key`` at once (the writers' own words: "Next step", "expected"...)."""
    return Msg(key, **params).render(lang)


def template_for(key: str, lang: str) -> str:
    entry = catalog().get(key)
    if entry is None:
        from grader.i18n.registries import registry_entry

        entry = registry_entry(key)
    if entry is None:
        raise KeyError(f"no message {key!r} in the catalog")
    if lang not in entry:
        raise KeyError(f"message {key!r} has no {lang!r} text")
    return entry[lang]


def catalog() -> dict[str, dict[str, str]]:
    from grader.i18n.messages import MESSAGES

    return MESSAGES


def placeholders(template: str) -> set[str]:
    """The parameter names a template uses (``{name}``, ``{name:g}``)."""
    return {name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(template) if name}


# -- results: English text in the fields, Msg data in ``i18n`` --------------------------------

def field_text(obj: Any, name: str, lang: str = DEFAULT_LANG) -> str:
    """The text of ``obj.<name>`` (a CheckResult, ExerciseResult or GradeReport) in ``lang``.

    The English field is authoritative: when code that does not know about ``i18n`` changed
    it, a translation is used only for the part it still matches, and the rest stays in
    English, so that nothing the student should read is lost.
    """
    english = str(getattr(obj, name, "") or "")
    data = (getattr(obj, "i18n", None) or {}).get(name)
    if lang == DEFAULT_LANG or not data:
        return english
    try:
        msg = Msg.from_data(data)
        rendered_en, rendered = msg.render(DEFAULT_LANG), msg.render(lang)
    except (KeyError, IndexError, ValueError):
        return english
    if rendered_en == english:
        return rendered
    if english.startswith(rendered_en):
        return rendered + english[len(rendered_en):]
    return english


def set_field(obj: Any, name: str, value: Msg | str) -> None:
    """Set ``obj.<name>`` to the English rendering and keep the Msg in ``obj.i18n``."""
    if isinstance(value, Msg):
        setattr(obj, name, value.render(DEFAULT_LANG))
        obj.i18n[name] = value.to_data()
    else:
        setattr(obj, name, value)
        obj.i18n.pop(name, None)


def append_field(obj: Any, name: str, extra: Msg | str, sep: str = "\n\n") -> None:
    """Append to ``obj.<name>`` in every language (an empty field gets ``extra`` alone)."""
    current = str(getattr(obj, name, "") or "")
    if not current:
        set_field(obj, name, as_msg(extra))
        return
    data = obj.i18n.get(name)
    head = Msg.from_data(data) if data else text(current)
    if head.render(DEFAULT_LANG) != current:
        head = text(current)
    set_field(obj, name, join(head, extra, sep=sep))


def _render_value(value: Any, lang: str) -> Any:
    if isinstance(value, Msg):
        return value.render(lang)
    if isinstance(value, list | tuple):
        return ", ".join(str(_render_value(v, lang)) for v in value)
    return value


def _to_data(value: Any) -> Any:
    if isinstance(value, Msg):
        return {"$msg": value.to_data()}
    if isinstance(value, list | tuple):
        return [_to_data(v) for v in value]
    return value


def _from_data(value: Any) -> Any:
    if isinstance(value, dict) and "$msg" in value:
        return Msg.from_data(value["$msg"])
    if isinstance(value, list):
        return [_from_data(v) for v in value]
    return value


__all__ = ["DEFAULT_LANG", "LANGS", "LANG_NAMES", "Msg", "append_field", "as_msg",
           "check_lang", "field_text", "join", "placeholders", "set_field", "text", "tr"]
