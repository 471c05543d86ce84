"""Resolve a reply to a question: a number, a name, a unique fragment ("v2"), "list them", or "cancel"."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from kubecopilot.dialogue.intents import vocabulary
from kubecopilot.dialogue.phrases import CANCEL, LIST_THEM, choice_number
from kubecopilot.dialogue.turns import Option

_CANCEL = CANCEL
_LIST = LIST_THEM
_ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_ZH_ORDINAL = re.compile(r"第\s*([一二两三四五六七八九十])\s*(?:个|项|号)?")
_EN_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
_TOKEN = re.compile(r"[a-z0-9][a-z0-9\-._]*", re.I)


@dataclass
class Resolution:
    outcome: Literal["picked", "list", "cancel", "narrowed", "unmatched", "free"]
    option: Option | None = None
    options: list[Option] = field(default_factory=list)  # the narrowed list, for "narrowed"
    text: str = ""


def resolve_reply(reply: str, options: list[Option], *, free_text: bool = False) -> Resolution:
    """Match ``reply`` against ``options``. With ``free_text`` an unmatched reply is taken as typed (e.g. "5")."""
    text = reply.strip()
    if _CANCEL.match(text):
        return Resolution("cancel")
    if free_text:  # an open question ("how many replicas?"): "4" is a value, options are only examples
        exact = _exact(text, options) if options else None
        if exact:
            return Resolution("picked", exact)
        return Resolution("list") if _LIST.search(text) else Resolution("free", text=text) if text else Resolution("unmatched")
    index = _number(text)
    if index is not None and options:
        if index == -1:
            return Resolution("picked", options[-1])
        if 1 <= index <= len(options):
            return Resolution("picked", options[index - 1])
        return Resolution("unmatched", text=text)
    if options:
        exact = _exact(text, options)
        if exact:
            return Resolution("picked", exact)
        if _LIST.search(text):
            return Resolution("list")
        matches = _by_fragments(text, options)
        if len(matches) == 1:
            return Resolution("picked", matches[0])
        if len(matches) > 1:
            return Resolution("narrowed", options=matches)
    elif _LIST.search(text):
        return Resolution("list")
    return Resolution("unmatched", text=text)


def _number(text: str) -> int | None:
    exact = choice_number(text)
    if exact is not None:
        return exact
    m = _ZH_ORDINAL.search(text)
    if m:
        return _ZH_DIGITS[m.group(1)]
    words = set(re.findall(r"[a-z]+", text.lower()))
    if words & {"one", "option", "first", "second", "third", "fourth", "fifth", "last"} and len(words) <= 3:
        for word, index in _EN_ORDINAL.items():
            if word in words:
                return index
    return None


def _exact(text: str, options: list[Option]) -> Option | None:
    lowered = text.lower()
    hits = [o for o in options if re.search(r"(?<![a-z0-9\-.])" + re.escape(o.value.lower()) + r"(?![a-z0-9\-])", lowered)]
    return max(hits, key=lambda o: len(o.value)) if hits else None


def _by_fragments(text: str, options: list[Option]) -> list[Option]:
    """Options containing every meaningful fragment of the reply ("the v2 one" → those containing "v2")."""
    stop = vocabulary().stopwords
    fragments = [t for t in _TOKEN.findall(text.lower()) if t not in stop]
    if not fragments:
        return []
    return [o for o in options if all(f in o.value.lower() for f in fragments)]
