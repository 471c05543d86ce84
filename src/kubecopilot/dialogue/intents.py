"""The offline rule engine: English and Chinese keywords → a RoutedRequest, with no LLM, and how sure it is.

The vocabulary is data (``intents.yaml``, loaded by ``registry``); names and numbers come from ``extract``. The rules are *sure* only when
the text names an intent (not through a typo) and, when the names of the cluster are known, its target resolves
to one of them. A write (scale, restart, …) needs an explicit imperative: a verb inside a question ("which pods
restart the most?", "为什么一直重启") is never a command. When not sure, ``Understood.candidates`` are the nearest
intents, for a clarifying question (offline) — with a model configured the coordinator decides instead.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from kubecopilot.dialogue import extract
from kubecopilot.dialogue.models import ResourceKind, RoutedRequest
from kubecopilot.dialogue.phrases import CANCEL, choice_number
from kubecopilot.dialogue.registry import CHANGE_INTENTS, registry
from kubecopilot.errors import InputRejected

CONFIDENT = 0.75  # at or above this, an LLM-enabled session does not ask the coordinator
SURE, UNSURE = 0.9, 0.6
MAX_INPUT_CHARS = 2000  # one chat message; longer text is refused before any pattern runs (issue 14)
NAMED_THING_INTENTS = ("logs", "describe", "diagnose")  # what people most often want of a thing they only named

TARGET_INTENTS = frozenset({"logs", "describe", "events", "diagnose"})
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
    "downgrade add".split())
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


@dataclass(frozen=True)
class Understood:
    """The rules' reading of one message: the request, and when not sure why not and what it might be instead."""

    request: RoutedRequest
    candidates: tuple[str, ...] = ()  # nearest intents, best first (for "did you mean …?")
    unsure: str | None = None  # "unknown" | "question" | "not_imperative" | "typo" | "unresolved_target"

    @property
    def sure(self) -> bool:
        return self.unsure is None


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


def _typo_intent(text: str, vocab: Vocabulary) -> tuple[str, str] | None:
    """(intent, corrected text) when one English word is a near miss of a keyword: "restrat", "descibe", "logz"."""
    for token in extract.TOKEN.findall(text):
        if len(token) < 4 or not token.isalpha() or token in vocab.stopwords:
            continue
        close = difflib.get_close_matches(token, list(vocab.words), n=1, cutoff=0.75)
        if close:
            corrected = re.sub(r"(?<![a-z0-9\-])" + re.escape(token) + r"(?![a-z0-9\-])", close[0], text)
            return next(iter(matching_intents(corrected)), vocab.words[close[0]]), corrected
    return None


def understand(
    text: str,
    *,
    known_namespaces: Iterable[str] = (),
    known_clusters: Iterable[str] = (),
    known_names: Iterable[str] | None = None,
) -> Understood:
    """Understand ``text`` with rules only. ``known_*`` (from cached lists) sharpen name extraction; with
    ``known_names`` (pods, workloads, nodes) a target that matches none of them makes the rules unsure."""
    if len(text) > MAX_INPUT_CHARS:
        raise InputRejected(f"that message is {len(text)} characters long; the limit is {MAX_INPUT_CHARS}",
                            hint="ask one thing at a time, in a sentence or two")
    lowered = text.lower().strip()
    language = language_of(text)
    if CANCEL.match(lowered):
        return Understood(RoutedRequest(intent="cancel", language=cast(Any, language), confidence=SURE))
    number = choice_number(lowered)
    if number is not None:
        return Understood(RoutedRequest(intent="choose", choice=number, language=cast(Any, language), confidence=SURE))
    vocab = vocabulary()
    namespaces, clusters = set(known_namespaces), set(known_clusters)
    namespace, ns_span = extract.find_namespace(lowered, namespaces, vocab.stopwords)
    cluster, cluster_span = extract.find_cluster(lowered, clusters)
    blanked = extract.blank(lowered, (ns_span, cluster_span))
    intent, candidates, unsure, read = _decide(blanked if matching_intents(blanked) else lowered, vocab)
    request = _request(text, read if unsure == "typo" else lowered, intent, namespace, cluster, namespaces | clusters,
                       vocab)
    if request.intent in TARGET_INTENTS and not request.target and not request.uses_context and _WHICH.search(lowered):
        intent, candidates, unsure = "unknown", ("unhealthy_pods", "list_pods", request.intent), "question"
        request = request.model_copy(update={"intent": "unknown", "confidence": 0.0})
    named = request.target and (known_names is None or _resolves(request.target, known_names))
    if intent == "unknown" and not candidates and named:
        candidates, unsure = NAMED_THING_INTENTS, "unknown"
    if unsure is None and request.target and known_names is not None and not _resolves(request.target, known_names):
        unsure, candidates = "unresolved_target", (intent,)
    if unsure is not None and intent != "unknown":
        request = request.model_copy(update={"confidence": UNSURE})
    return Understood(request, tuple(candidates), unsure)


def parse(text: str, *, known_namespaces: Iterable[str] = (), known_clusters: Iterable[str] = ()) -> RoutedRequest:
    """The request the rules read (``unknown`` with confidence 0 when they cannot tell)."""
    return understand(text, known_namespaces=known_namespaces, known_clusters=known_clusters).request


def _decide(text: str, vocab: Vocabulary) -> tuple[str, tuple[str, ...], str | None, str]:
    """(intent, nearest intents, why unsure, the text as read): questions are never writes; writes need an
    imperative. The text as read differs from ``text`` only when a typo was corrected."""
    matches = matching_intents(text)
    why = bool(_WHY_EN.search(text) or _WHY_ZH.search(text))
    writes = [m for m in matches if m in CHANGE_INTENTS]
    reads = tuple(m for m in matches if m not in CHANGE_INTENTS)
    if re.match(r"^\s*(why|what'?s wrong|what is wrong|为什么|为啥)", text) or _first_rule_matches(text):
        return matches[0] if _first_rule_matches(text) else "diagnose", (), None, text
    if writes:
        if why:
            return "diagnose", (), None, text
        if is_imperative(text):
            return writes[0], (), None, text
        if is_question(text):  # "which workloads restart the most?": about restarts, not a restart
            return "unknown", tuple(dict.fromkeys([*reads, "unhealthy_pods", "diagnose"])), "question", text
        return "unknown", tuple(dict.fromkeys([writes[0], *reads])), "not_imperative", text
    if matches:
        return matches[0], (), None, text
    typo = _typo_intent(text, vocab)
    if typo is None:
        return "unknown", (), "unknown", text
    intent, corrected = typo
    if intent in CHANGE_INTENTS and not is_imperative(corrected):
        return "unknown", (intent,), "typo", corrected
    return intent, (intent,), "typo", corrected


def _request(text: str, lowered: str, intent: str, namespace: str | None, cluster: str | None, places: set[str],
             vocab: Vocabulary) -> RoutedRequest:
    tokens = extract.TOKEN.findall(lowered)
    image = extract.find_image(lowered) if intent == "set_image" else None
    target = extract.find_target(tokens, vocab.stopwords, {namespace, cluster, image} | places)
    memory, cpu = extract.find_quantities(lowered) if intent == "set_resources" else (None, None)
    requests_only = "request" in lowered and "limit" not in lowered
    pronoun = any(t in vocab.pronouns_en for t in tokens) or any(p in lowered for p in vocab.pronouns_zh)
    if intent == "cluster_status" and target:
        intent = "describe"  # "status of cart-service" is about one thing, not the cluster
    return RoutedRequest(
        intent=intent,
        kind=_find_kind(lowered, vocab),
        target=target,
        namespace=namespace,
        cluster=cluster,
        replicas=extract.find_replicas(lowered) if intent == "scale" else None,
        container=_first(extract.CONTAINER, lowered),
        image=image,
        memory_limit=None if requests_only else memory,
        cpu_limit=None if requests_only else cpu,
        memory_request=memory if requests_only else None,
        cpu_request=cpu if requests_only else None,
        previous=bool(re.search(r"\bprevious\b|上一次|之前的|崩溃前", lowered)),
        uses_context=pronoun and target is None,
        language=cast(Any, language_of(text)),
        confidence=0.0 if intent == "unknown" else SURE,
    )


def _resolves(target: str, names: Iterable[str]) -> bool:
    t = target.lower()
    return any(t in n.lower() or n.lower() in t for n in names if n)


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    m = pattern.search(text)
    return m.group(1) if m else None


def _find_kind(text: str, vocab: Vocabulary) -> ResourceKind | None:
    for kind, (en, zh) in vocab.kinds.items():
        if _matches(text, (_word(k) for k in en), zh):
            return cast(ResourceKind, kind)
    return None
