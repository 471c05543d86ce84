"""The offline rule engine: English and Chinese keywords → a RoutedRequest, with no LLM.

The vocabulary is data (``intents.yaml``); this module only knows how to match it and how to pull names, numbers
and quantities out of a sentence. It is also the fast path when an LLM is configured: a confident rule match
skips the coordinator call entirely.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from kubecopilot.dialogue.models import RoutedRequest
from kubecopilot.resources import package_path

CONFIDENT = 0.75  # at or above this, an LLM-enabled session does not ask the coordinator

_CJK = re.compile(r"[\u3400-\u9fff]")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9\-._/:@]*[a-z0-9]|[a-z0-9]")
_QUANTITY = re.compile(r"^\d+(?:\.\d+)?(?:mi|gi|ki|ti|m|g|k|mb|gb|kb|cores?|cpus?)$")
_QTY = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(mi|gi|ki|mb|gb|m|g|cores?|cpus?|核)?(?![a-z0-9])", re.I)
_MEMORY_UNITS = {"mi": "Mi", "gi": "Gi", "ki": "Ki", "mb": "Mi", "gb": "Gi", "g": "Gi"}
_REPLICAS = (
    re.compile(r"\b(?:to|=|into|at)\s*(\d{1,4})\b(?!\s*(?:mi|gi|m\b|%))", re.I),
    re.compile(r"\b(\d{1,4})\s*(?:replicas?|instances?|pods?|copies)\b", re.I),
    re.compile(r"(?:扩容到|缩容到|扩到|缩到|调整到|改为|改成|设为|设置为|到)\s*(\d{1,4})(?!\s*(?:mi|gi|m\b))", re.I),
    re.compile(r"(\d{1,4})\s*(?:个副本|副本|个实例|个)"),
)
_IMAGE = re.compile(r"\b([a-z0-9.\-]+(?:/[a-z0-9.\-_]+)*:[a-z0-9.\-_]+)\b", re.I)
_NS_PATTERNS = (
    re.compile(r"(?:^|\s)(?:-n|--namespace(?:=|\s))\s*([a-z0-9][a-z0-9-]*)", re.I),
    re.compile(r"\bnamespace[:\s]+([a-z0-9][a-z0-9-]*)", re.I),
    re.compile(r"\b([a-z0-9][a-z0-9-]*)\s+namespace\b", re.I),
    re.compile(r"([a-z0-9][a-z0-9-]*)\s*(?:命名空间|名字空间|名称空间)", re.I),
    re.compile(r"(?:命名空间|名字空间)\s*([a-z0-9][a-z0-9-]*)", re.I),
    re.compile(r"\b(?:in|from|within|inside)\s+(?:the\s+)?([a-z0-9][a-z0-9-]*)", re.I),
    re.compile(r"在\s*([a-z0-9][a-z0-9-]*)", re.I),
)
_CLUSTER_PATTERNS = (
    re.compile(r"--cluster(?:=|\s)\s*([a-z0-9][a-z0-9-]*)", re.I),
    re.compile(r"\bcluster[:\s]+([a-z0-9][a-z0-9-]*)", re.I),
)
_LEADING_QUESTION = re.compile(r"^\s*(why|what'?s wrong|what is wrong|为什么|为啥)", re.I)
_CONTAINER = re.compile(r"\bcontainer[:\s]+([a-z0-9][a-z0-9-]*)", re.I)


@dataclass(frozen=True)
class _Rule:
    intent: str
    en: tuple[re.Pattern[str], ...]
    zh: tuple[str, ...]
    needs: tuple[tuple[tuple[re.Pattern[str], ...], tuple[str, ...]], ...]


@dataclass(frozen=True)
class Vocabulary:
    rules: tuple[_Rule, ...]
    kinds: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]
    pronouns_en: frozenset[str]
    pronouns_zh: tuple[str, ...]
    stopwords: frozenset[str]


def _word(keyword: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9\-])" + re.escape(keyword.lower()) + r"(?![a-z0-9\-])")


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    data: dict[str, Any] = yaml.safe_load(package_path("dialogue", "intents.yaml").read_text(encoding="utf-8"))
    rules = tuple(
        _Rule(
            intent=r["intent"],
            en=tuple(_word(k) for k in r.get("en", [])),
            zh=tuple(r.get("zh", [])),
            needs=tuple((tuple(_word(k) for k in g.get("en", [])), tuple(g.get("zh", []))) for g in r.get("needs", [])),
        )
        for r in data["rules"]
    )
    kinds = {k: (tuple(v.get("en", [])), tuple(v.get("zh", []))) for k, v in data["kinds"].items()}
    # Every word of an English keyword is a vocabulary word, never a resource name ("refresh cache" → not "cache").
    keywords = {w for r in data["rules"] for k in r.get("en", []) for w in k.lower().split()}
    return Vocabulary(
        rules=rules,
        kinds=kinds,
        pronouns_en=frozenset(data["pronouns"]["en"]),
        pronouns_zh=tuple(data["pronouns"]["zh"]),
        stopwords=frozenset(data["stopwords"]["en"].split()) | keywords,
    )


def language_of(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


def _matches(text: str, en: Iterable[re.Pattern[str]], zh: Iterable[str]) -> bool:
    return any(p.search(text) for p in en) or any(k in text for k in zh)


def match_intent(text: str) -> str:
    """The first rule whose keywords (and required companions) occur in ``text``; ``unknown`` if none."""
    lowered = text.lower()
    if _LEADING_QUESTION.search(lowered):
        return "diagnose"
    for rule in vocabulary().rules:
        if _matches(lowered, rule.en, rule.zh) and all(_matches(lowered, en, zh) for en, zh in rule.needs):
            return rule.intent
    return "unknown"


def parse(
    text: str,
    *,
    known_namespaces: Iterable[str] = (),
    known_clusters: Iterable[str] = (),
) -> RoutedRequest:
    """Understand ``text`` with rules only. ``known_*`` (from cached lists) sharpen name extraction."""
    lowered = text.lower().strip()
    vocab = vocabulary()
    intent = match_intent(lowered)
    namespaces, clusters = set(known_namespaces), set(known_clusters)
    namespace = _find_namespace(lowered, namespaces)
    cluster = _find_cluster(lowered, clusters)
    tokens = _TOKEN.findall(lowered)
    image = _find_image(lowered) if intent == "set_image" else None
    taken = {namespace, cluster, image}
    target = _find_target(tokens, vocab, taken | clusters | namespaces)
    kind = _find_kind(lowered, vocab)
    memory, cpu = _find_quantities(lowered) if intent == "set_resources" else (None, None)
    requests_only = "request" in lowered and "limit" not in lowered
    pronoun = any(t in vocab.pronouns_en for t in tokens) or any(p in lowered for p in vocab.pronouns_zh)
    if intent == "cluster_status" and target:
        intent = "describe"  # "status of cart-service" is about one thing, not the cluster
    request = RoutedRequest(
        intent=intent,  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        target=target,
        namespace=namespace,
        cluster=cluster,
        replicas=_find_replicas(lowered) if intent == "scale" else None,
        container=_first(_CONTAINER, lowered),
        image=image,
        memory_limit=None if requests_only else memory,
        cpu_limit=None if requests_only else cpu,
        memory_request=memory if requests_only else None,
        cpu_request=cpu if requests_only else None,
        previous=bool(re.search(r"\bprevious\b|上一次|之前的|崩溃前", lowered)),
        uses_context=pronoun and target is None,
        language=language_of(text),  # type: ignore[arg-type]
        confidence=0.0 if intent == "unknown" else 0.9,
    )
    return request


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    m = pattern.search(text)
    return m.group(1) if m else None


def _find_namespace(text: str, known: set[str]) -> str | None:
    for pattern in _NS_PATTERNS:
        for m in pattern.finditer(text):
            candidate = m.group(1)
            explicit = pattern is _NS_PATTERNS[0] or "namespace" in pattern.pattern or "命名" in pattern.pattern
            if candidate in known or (explicit and candidate not in vocabulary().stopwords):
                return candidate
    words = set(_TOKEN.findall(text))
    bare = sorted(words & known)  # "dev 里的 pods", "list dev pods"
    return bare[0] if len(bare) == 1 else None


def _find_cluster(text: str, known: set[str]) -> str | None:
    for pattern in _CLUSTER_PATTERNS:
        candidate = _first(pattern, text)
        if candidate and (candidate in known or not known):
            return candidate
    bare = sorted(set(_TOKEN.findall(text)) & known)
    return bare[0] if len(bare) == 1 else None


def _find_target(tokens: list[str], vocab: Vocabulary, taken: set[str | None]) -> str | None:
    candidates = [
        t
        for t in tokens
        if t not in vocab.stopwords and t not in taken and not t.isdigit() and not _QUANTITY.match(t) and t != "-n"
        and not t.startswith("-") and ":" not in t
    ]  # fmt: skip
    named = [t for t in candidates if "-" in t or any(c.isdigit() for c in t)]
    return (named or candidates or [None])[0]


def _find_kind(text: str, vocab: Vocabulary) -> str | None:
    for kind, (en, zh) in vocab.kinds.items():
        if _matches(text, (_word(k) for k in en), zh):
            return kind
    return None


def _find_replicas(text: str) -> int | None:
    for pattern in _REPLICAS:
        m = pattern.search(text)
        if m:
            return int(m.group(1))
    return None


def _find_image(text: str) -> str | None:
    m = _IMAGE.search(text)
    return m.group(1) if m else None


def _find_quantities(text: str) -> tuple[str | None, str | None]:
    """(memory, cpu) quantities. A bare "m" means Mi when only memory is talked about, millicores otherwise."""
    about_memory = bool(re.search(r"memory|\bmem\b|内存", text))
    about_cpu = bool(re.search(r"cpu|核", text))
    memory = cpu = None
    for value, unit in _QTY.findall(text):
        unit = unit.lower()
        if unit in _MEMORY_UNITS and (about_memory or not about_cpu):
            memory = memory or f"{value}{_MEMORY_UNITS[unit]}"
        elif unit == "m" and about_memory and not about_cpu:
            memory = memory or f"{value}Mi"
        elif unit == "m":
            cpu = cpu or f"{value}m"
        elif unit and unit not in _MEMORY_UNITS:  # cores, cpu, 核
            cpu = cpu or value
        elif not unit and about_memory != about_cpu:
            if about_memory:
                memory = memory or f"{value}Mi"
            else:
                cpu = cpu or value
    return memory, cpu
