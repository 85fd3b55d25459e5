"""Student-facing text in English and Spanish.

Checks and the engine do not hand text to the writers: they hand a ``Msg``, a message *key*
and its parameters. ``CheckResult`` keeps the English rendering in its fields (``message``,
``hint``...) for every consumer that reads text, and the ``Msg`` as data in ``i18n``, so
that a writer can render the same result in the language it is asked for::

    raise CheckFailed(Msg("dtype.changed", dtype="torch.float64", name="h", got="..."))
    field_text(result, "message", "es")   # -> "con entradas y parámetros ..."

A ``Msg`` is a ``str`` (its English rendering), so passing one where text was expected
changes nothing for readers of English.

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


class Msg(str):
    """A student-facing message: a catalog key and its parameters.

    A ``Msg`` *is* its English text (a ``str``), so it goes wherever text went before
    (``CheckFailed(message)``, ``hint=``, a check's pass message, an f-string) and English
    output is unchanged; code that knows about languages reads ``key`` and ``params`` and
    calls ``render(lang)``. Parameters may be plain values, other ``Msg`` (rendered in the
    same language) or lists of them.
    """

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, /, **params: Any) -> Msg:
        # A tuple (a shape, an index) is shown as Python shows it, and survives JSON.
        params = {k: str(v) if isinstance(v, tuple) else v for k, v in params.items()}
        obj = super().__new__(cls, _render(key, params, DEFAULT_LANG))
        obj.key = key
        obj.params = params
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.key, self.params))

    def render(self, lang: str = DEFAULT_LANG) -> str:
        return _render(self.key, self.params, lang)

    def to_data(self) -> dict[str, Any]:
        """Plain JSON-able data (results are data)."""
        return {"key": self.key, "params": {k: _to_data(v) for k, v in self.params.items()}}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Msg:
        return cls(str(data["key"]), **{k: _from_data(v)
                                        for k, v in dict(data.get("params", {})).items()})


def _rebuild(key: str, params: dict[str, Any]) -> Msg:
    return Msg(key, **params)


def _render(key: str, params: Mapping[str, Any], lang: str) -> str:
    if key == _TEXT:
        return str(params["text"])
    if key == _JOIN:
        return str(params.get("sep", "")).join(_render_value(p, lang) for p in params["parts"])
    values = {k: _render_value(v, lang) for k, v in params.items()}
    return template_for(key, lang).format(**values)


def text(value: str) -> Msg:
    """A literal (the student's own error text, a code excerpt): the same in every language."""
    return Msg(_TEXT, text=value)


def join(*parts: str, sep: str = "\n\n") -> Msg:
    """Parts rendered one after the other, each in the language asked for."""
    return Msg(_JOIN, parts=[p if isinstance(p, Msg) else text(p) for p in parts], sep=sep)


def as_msg(value: str) -> Msg:
    """``value`` itself if it is a Msg, else the literal text."""
    return value if isinstance(value, Msg) else text(value)


def registered(key: str, english: str) -> str:
    """``Msg(key)`` when the catalog (or a registry) has ``key`` with exactly this English
    text; otherwise ``english`` itself (a check or mistake defined outside the registries)."""
    try:
        msg = Msg(key)
    except KeyError:
        return english
    return msg if msg == english else english


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


def set_field(obj: Any, name: str, value: str) -> None:
    """Set ``obj.<name>`` to the English text (a plain str) and, when ``value`` is a Msg,
    keep its data in ``obj.i18n``."""
    setattr(obj, name, str(value))
    if isinstance(value, Msg):
        obj.i18n[name] = value.to_data()
    else:
        obj.i18n.pop(name, None)


def append_field(obj: Any, name: str, extra: str, sep: str = "\n\n") -> None:
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
    if isinstance(value, list):
        return ", ".join(str(_render_value(v, lang)) for v in value)
    return value


def _to_data(value: Any) -> Any:
    if isinstance(value, Msg):
        return {"$msg": value.to_data()}
    if isinstance(value, list):
        return [_to_data(v) for v in value]
    return value


def _from_data(value: Any) -> Any:
    if isinstance(value, dict) and "$msg" in value:
        return Msg.from_data(value["$msg"])
    if isinstance(value, list):
        return [_from_data(v) for v in value]
    return value


__all__ = ["DEFAULT_LANG", "LANGS", "LANG_NAMES", "Msg", "append_field", "as_msg",
           "check_lang", "field_text", "join", "placeholders", "registered", "set_field", "text",
           "tr"]
