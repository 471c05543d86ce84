"""The offline rules' vocabulary and intent classification: English and Chinese keywords → an intent, and how sure.

The vocabulary is data (``intents.yaml``, loaded by ``registry``). Only ``reader.read`` calls this module: it turns
the classification, the names linked to the cluster and the answer to an open question into one ``Reading``. A write
(scale, restart, …) needs an explicit imperative: a verb inside a question ("which pods restart the most?",
"为什么一直重启") is never a command. When not sure, ``Classified.candidates`` are the nearest intents, for a
clarifying question (offline) — with a model configured the coordinator decides instead.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

from kubecopilot.dialogue import extract
from kubecopilot.dialogue.models import ResourceKind
from kubecopilot.dialogue.registry import CHANGE_INTENTS, registry

_CLAUSE = re.compile(r"[,，.。;；!！?？]+|\s+(?:and|then|so)\s+")
_WHICH = re.compile(r"\bwhich\b|哪个|哪些|哪一个")
_CJK = re.compile(r"[\u3400-\u9fff]")
_WHY_EN = re.compile(r"^\s*(why|what'?s wrong|what is wrong|what happened)\b|\bwhy\b", re.I)
_WHY_ZH = re.compile(r"为什么|为啥|怎么回事|怎么了|咋回事")
_FILLER_EN = re.compile(
    r"^(?:(?:please|pls|plz|kindly|now|then|ok|okay|so|and|just|also|hey|hi|hello|quickly|first|go ahead and|"
    r"can you|could you|would you|will you|can u|could u|i want to|i'd like to|i would like to|i need to|"
    r"we need to|let's|lets|let us|try to)\b[\s,，!]*)+", re.I)
_WRITE_VERBS = frozenset(
    "scale restart bounce reboot rollback roll revert undo set change update raise increase bump lower decrease "
    "reduce double give use switch delete kill remove fix remediate apply make rollout redeploy recreate upgrade "
    "downgrade add take put drop destroy wipe nuke erase".split())
_QUESTION_EN = re.compile(r"^\s*(which|what|whats|why|how|who|when|where|whose|is|are|was|were|do|does|did|has|have|"
                          r"should|shall|will|would|can|could|may|might)\b|\?|\bwhich\b|\bhow many\b|\bthe most\b", re.I)
_QUESTION_WH_ZH = re.compile(r"为什么|为啥|怎么|哪|什么|多少|几次|几个|最多|最频繁|要不要|需不需要|该不该|应不应该|是否需要")
_QUESTION_YESNO_ZH = re.compile(r"吗|呢|？|\?|是否|有没有|会不会|是不是")
_POLITE_ZH = re.compile(r"帮我|帮忙|请|麻烦|给我|把|将")


@dataclass(frozen=True)
class _Rule:
    intent: str
    en: tuple[re.Pattern[str], ...]
    zh: tuple[str, ...]
    needs: tuple[tuple[tuple[re.Pattern[str], ...], tuple[str, ...]], ...]
    first: bool = False  # wins over every other match (symptoms: "keeps restarting" is never a restart)
    noun: bool = False  # only a kind ("pods", "deployment"): loses to any rule that says what to do with it

    def match(self, text: str) -> int:
        """The length of the longest keyword found in ``text`` (0: the rule does not match)."""
        if not all(_matches(text, en, zh) for en, zh in self.needs):
            return 0
        found = [len(m.group(0)) for p in self.en for m in [p.search(text)] if m]
        found += [len(k) * 2 for k in self.zh if k in text]  # a Chinese character carries about a word's meaning
        return max(found, default=0)


@dataclass(frozen=True)
class Vocabulary:
    rules: tuple[_Rule, ...]
    kinds: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]
    pronouns_en: frozenset[str]
    pronouns_zh: tuple[str, ...]
    stopwords: frozenset[str]
    words: dict[str, str]  # every one-word English keyword → its intent (the first rule that has it), for typos


def _word(keyword: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9\-])" + re.escape(keyword.lower()) + r"(?![a-z0-9\-])")


def _split(keywords: Iterable[str], zh: Iterable[str]) -> tuple[tuple[re.Pattern[str], ...], tuple[str, ...]]:
    """English keywords match whole words; Chinese ones match anywhere, but an ASCII word listed as Chinese
    ("pod", "cpu") is still a word — as a substring it would match "podcast"."""
    zh = list(zh)
    ascii_zh = [k for k in zh if not _CJK.search(k)]
    return (tuple(_word(k) for k in [*keywords, *ascii_zh]), tuple(k for k in zh if _CJK.search(k)))


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    data = registry()
    rules = tuple(
        _Rule(r.intent, *_split(r.en, r.zh), needs=tuple(_split(g.en, g.zh) for g in r.needs), first=r.first, noun=r.noun)
        for r in data.rules
    )
    kinds = {k: (tuple(v.en), tuple(v.zh)) for k, v in data.kinds.items()}
    # Every word of an English keyword is a vocabulary word, never a resource name ("refresh cache" → not "cache").
    keywords = {w for r in data.rules for k in r.en for w in k.lower().split()}
    words: dict[str, str] = {}
    for r in data.rules:
        for k in r.en:
            if " " not in k and len(k) >= 4:
                words.setdefault(k.lower(), r.intent)
    return Vocabulary(
        rules=rules,
        kinds=kinds,
        pronouns_en=frozenset(data.pronouns.en),
        pronouns_zh=tuple(data.pronouns.zh),
        stopwords=frozenset(data.stopwords.en.split()) | keywords,
        words=words,
    )


def language_of(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


def language_said(text: str) -> str | None:
    """The language a message is written in, or None when it says nothing about it: a bare name ("dev", a pod), a
    number or "y" is an answer, not a switch to English. Any Chinese is Chinese; English takes two words."""
    if _CJK.search(text):
        return "zh"
    words = [token for token in text.split() if re.search(r"[A-Za-z]", token)]
    return "en" if len(words) >= 2 else None


def _matches(text: str, en: Iterable[re.Pattern[str]], zh: Iterable[str]) -> bool:
    return any(p.search(text) for p in en) or any(k in text for k in zh)


def matching_intents(text: str) -> list[str]:
    """Every intent whose keywords (and required companions) occur in ``text``, best first: a ``first`` rule, then
    any rule over a mere kind noun, then the longest keyword ("failing pods" over "failing"), then the order."""
    lowered = text.lower()
    scored = [(not r.first, r.noun, -length, i, r.intent) for i, r in enumerate(vocabulary().rules)
              for length in [r.match(lowered)] if length]
    return list(dict.fromkeys(intent for *_, intent in sorted(scored)))


def _first_rule_matches(text: str) -> bool:
    return any(r.first and r.match(text.lower()) for r in vocabulary().rules)


def match_intent(text: str) -> str:
    """The first matching rule's intent; ``unknown`` if none (no question or imperative analysis)."""
    return next(iter(matching_intents(text)), "unknown")


def is_imperative(text: str) -> bool:
    """A command, not a question or a statement: English verb-first (after "please", "can you", …); Chinese
    without a question word, or with a polite request marker ("帮我…吗") and no wh-word."""
    if _CJK.search(text):
        if _QUESTION_WH_ZH.search(text):
            return False
        return not _QUESTION_YESNO_ZH.search(text) or bool(_POLITE_ZH.search(text))
    rest = _FILLER_EN.sub("", text.strip().lower(), count=1)
    first = extract.TOKEN.search(rest)
    return bool(first) and first is not None and first.start() == 0 and first.group(0) in _WRITE_VERBS


def is_question(text: str) -> bool:
    return bool(_QUESTION_WH_ZH.search(text) or _QUESTION_YESNO_ZH.search(text) or _QUESTION_EN.search(text))


def typos(text: str) -> tuple[tuple[str, str], ...]:
    """(word, keyword) for every English word that is a near miss of a keyword: "descibe", "deploymnets", "logz"."""
    vocab = vocabulary()
    found: list[tuple[str, str]] = []
    for token in dict.fromkeys(extract.TOKEN.findall(text)):
        if len(token) < 4 or not token.isalpha() or token in vocab.stopwords or token in vocab.words:
            continue
        close = difflib.get_close_matches(token, list(vocab.words), n=1, cutoff=0.75)
        if close:
            found.append((token, close[0]))
    return tuple(found)


def corrected(text: str, pairs: Iterable[tuple[str, str]]) -> str:
    """``text`` with each typo replaced by the keyword it misses."""
    for token, keyword in pairs:
        text = re.sub(r"(?<![a-z0-9\-])" + re.escape(token) + r"(?![a-z0-9\-])", keyword, text)
    return text


@dataclass(frozen=True)
class Classified:
    """Which intent the words name, how sure that is, and (when not sure) the nearest intents."""

    intent: str
    candidates: tuple[str, ...] = ()
    unsure: str | None = None  # "unknown" | "question" | "not_imperative" | "typo"
    read_as: str = ""  # the text as read: differs from the text only when a typo was corrected
    typos: tuple[tuple[str, str], ...] = ()  # (as typed, the keyword it was read as)


def classify(text: str) -> Classified:
    """Questions are never writes; a write needs an imperative (of its own clause: "billing-api 一直崩溃，帮我修一下")."""
    vocab = vocabulary()
    matches = matching_intents(text)
    why = bool(_WHY_EN.search(text) or _WHY_ZH.search(text))
    writes = [m for m in matches if m in CHANGE_INTENTS]
    reads = tuple(m for m in matches if m not in CHANGE_INTENTS)
    commanded = _commanded_write(text) if writes else None
    if commanded is not None:
        return Classified(commanded, read_as=text)
    if matches[:1] == ["scan"]:  # "what's wrong with the cluster", "集群有什么问题": the whole cluster, not one thing
        return Classified("scan", read_as=text)
    if re.match(r"^\s*(why|what'?s wrong|what is wrong|为什么|为啥)", text) or _first_rule_matches(text):
        return Classified(matches[0] if _first_rule_matches(text) else "diagnose", read_as=text)
    if writes:
        if why:
            return Classified("diagnose", read_as=text)
        if is_question(text):  # "which workloads restart the most?": about restarts, not a restart
            return Classified("unknown", tuple(dict.fromkeys([*reads, "unhealthy_pods", "diagnose"])), "question", text)
        return Classified("unknown", tuple(dict.fromkeys([writes[0], *reads])), "not_imperative", text)
    if matches:
        return Classified(matches[0], read_as=text)
    pairs = typos(text)
    read_as = corrected(text, pairs)
    intent = next(iter(matching_intents(read_as)), vocab.words[pairs[0][1]] if pairs else "unknown")
    if not pairs:
        return Classified("unknown", (), "unknown", text)
    if intent in CHANGE_INTENTS and not is_imperative(read_as):
        return Classified("unknown", (intent,), "typo", read_as, pairs)
    return Classified(intent, (intent,), "typo", read_as, pairs)


def _commanded_write(text: str) -> str | None:
    """The write one clause of the text commands: "restart billing-api", "…，帮我修一下", "why is it down? fix it".
    A clause that states a symptom ("一直重启", "keeps restarting") or asks why commands nothing."""
    for clause in _CLAUSE.split(text):
        if not clause.strip() or _first_rule_matches(clause) or _WHY_EN.search(clause) or _WHY_ZH.search(clause):
            continue
        writes = [m for m in matching_intents(clause) if m in CHANGE_INTENTS]
        if writes and is_imperative(clause):
            return writes[0]
    return None


def kind_named(text: str) -> ResourceKind | None:
    """The kind the text names ("pod", "deployment", "节点"), if any."""
    vocab = vocabulary()
    for kind, (en, zh) in vocab.kinds.items():
        if _matches(text, (_word(k) for k in en), zh):
            return cast(ResourceKind, kind)
    return None


def has_pronoun(text: str) -> bool:
    vocab = vocabulary()
    return any(t in vocab.pronouns_en for t in extract.TOKEN.findall(text)) or any(p in text for p in vocab.pronouns_zh)
