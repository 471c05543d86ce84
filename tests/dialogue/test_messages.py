"""One bilingual message catalogue: every key says it in English and Chinese, and every key is used."""

from __future__ import annotations

import re
import string
import typing
from pathlib import Path

import pytest

from kubecopilot.dialogue import messages
from kubecopilot.dialogue.models import Intent

SRC = Path(messages.__file__).resolve().parents[1]
TABLES = {"MESSAGES": messages.MESSAGES, "SUGGESTIONS": messages.SUGGESTIONS, "INTENT_LABELS": messages.INTENT_LABELS}


def _code_outside_the_catalogue() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in SRC.rglob("*.py") if p.name != "messages.py")


@pytest.mark.parametrize("table", TABLES)
def test_every_key_is_said_in_both_languages(table):
    for key, entry in TABLES[table].items():
        assert set(entry) == {"en", "zh"} and all(text.strip() for text in entry.values()), (table, key)
        for lang in ("en", "zh"):  # a template that does not parse would only fail when said
            list(string.Formatter().parse(entry[lang]))


@pytest.mark.parametrize("table", ["MESSAGES", "SUGGESTIONS"])
def test_every_key_is_used(table):
    code = _code_outside_the_catalogue()
    unused = [key for key in TABLES[table] if not re.search(rf"[\"']{key}[\"']", code)]
    assert unused == []


def test_intent_labels_are_intents():
    assert set(messages.INTENT_LABELS) <= set(typing.get_args(Intent))
