"""Everything the assistant says, in English and Chinese: ``say(key, lang, **values)``.

The words live in one file, ``messages.yaml`` next to this module, so wording stays consistent and a third language
is one more line per key (and one more code in ``Language``). Nothing else in ``src/`` holds English/Chinese output
text of its own (``tests/dialogue/test_messages.py``). A language the catalogue does not know is said in English.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, cast

from kubecopilot.resources import read_yaml

Language = Literal["en", "zh"]
CATALOGUE_FILE = Path(__file__).with_name("messages.yaml")

Table = dict[str, dict[str, str]]


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


def _pick(entry: dict[str, str], lang: Language) -> str:
    return entry.get(lang) or entry["en"]


def say(key: str, lang: Language, **values: object) -> str:
    return _pick(MESSAGES[key], lang).format(**values)


def suggest_label(key: str, lang: Language, **values: object) -> str:
    return _pick(SUGGESTIONS[key], lang).format(**values)
