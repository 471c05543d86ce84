"""Everything the assistant says, in English and Chinese: ``say(key, lang, **values)``.

The words live in one file, ``messages.yaml`` next to this module, so wording stays consistent and a third language
is one more line per key (and one more code in ``Language``). Nothing else in ``src/`` holds English/Chinese output
text of its own (``tests/dialogue/test_messages.py``). A language the catalogue does not know is said in English.

Counts are said in the plural form the language needs, by the CLDR plural rules (Babel's ``plural_form``): an entry
whose language has forms (``one: … / other: …``) picks one by its ``count`` value, and a placeholder may name a
counted noun of the catalogue — ``{findings:n_findings}`` says the number with the noun in its form ("1 finding",
"3 findings", "3 个问题"), so one sentence can count two things.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

from kubecopilot.resources import read_yaml

Language = Literal["en", "zh"]
CATALOGUE_FILE = Path(__file__).with_name("messages.yaml")

Forms = str | dict[str, str]  # a sentence, or its plural forms by CLDR category ("one", "other", …)
Table = dict[str, dict[str, Forms]]


def _load(path: Path) -> dict[str, Table]:
    return cast(dict[str, Table], read_yaml(path))


_CATALOGUE = _load(CATALOGUE_FILE)
MESSAGES: Table = _CATALOGUE["messages"]
SUGGESTIONS: Table = _CATALOGUE["suggestions"]
# The language's name as a prompt names it ("answer in Simplified Chinese").
LANGUAGE_NAMES: dict[str, str] = cast(dict[str, str], _CATALOGUE["languages"])


def language(code: str | None) -> Language:
    """The catalogue language for a code: itself when the catalogue speaks it, else English."""
    return cast(Language, code) if code in LANGUAGE_NAMES else "en"


def language_name(code: str | None) -> str:
    """The language's name as a prompt says it ("answer in Simplified Chinese")."""
    return LANGUAGE_NAMES[language(code)]


@cache
def _plural_rule(lang: str) -> Callable[[float], str]:
    # Babel (and its locale data) loads on the first counted sentence, not at start-up: ~60 ms, once.
    from babel.core import Locale

    return cast(Callable[[float], str], Locale.parse(lang).plural_form)


def plural_category(lang: Language, count: float) -> str:
    """The CLDR plural category of ``count`` in ``lang``: "one" or "other" in English, always "other" in Chinese."""
    return _plural_rule(lang)(abs(count))


def plural_categories(lang: Language) -> frozenset[str]:
    """Every category the language's rules can answer ("other" included): the forms a counted entry must have."""
    return frozenset(getattr(_plural_rule(lang), "tags", frozenset())) | {"other"}


def _pick(entry: Mapping[str, Forms], lang: Language) -> Forms:
    return entry.get(lang) or entry["en"]


def _form(forms: Forms, lang: Language, values: Mapping[str, Any]) -> str:
    if isinstance(forms, str):
        return forms
    count = values.get("count")
    category = plural_category(lang, count) if isinstance(count, int | float) else "other"
    return forms.get(category) or forms["other"]


class _Saying(string.Formatter):
    """``str.format`` where a format spec that names a catalogue entry says the value as that counted noun."""

    def __init__(self, lang: Language) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec in MESSAGES:
            return say(format_spec, self.lang, count=value)
        return cast(str, super().format_field(value, format_spec))


def _said(forms: Forms, lang: Language, values: Mapping[str, Any]) -> str:
    return _Saying(lang).vformat(_form(forms, lang, values), (), values)


def say(key: str, lang: Language, /, **values: object) -> str:
    forms = _pick(MESSAGES[key], lang)
    return _said(forms, lang if forms is MESSAGES[key].get(lang) else "en", values)


def suggest_label(key: str, lang: Language, /, **values: object) -> str:
    forms = _pick(SUGGESTIONS[key], lang)
    return _said(forms, lang if forms is SUGGESTIONS[key].get(lang) else "en", values)


def has(key: str) -> bool:
    """Whether the catalogue says ``key`` (domain texts kept as keys fall back to their recorded English)."""
    return key in MESSAGES
