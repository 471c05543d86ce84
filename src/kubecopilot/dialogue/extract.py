"""Names, numbers and quantities pulled out of one sentence, for the rule engine.

Every pattern here runs in time linear in the text: a name pattern may only start where a name starts
(``(?<![a-z0-9-])``), so a 50 kB run of letters is scanned once, not once per position (issue 14).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kubecopilot.errors import InputRejected

MAX_REPLICAS = 1000  # RoutedRequest's bound; a larger count is refused as input, never an overflow or a crash

TOKEN = re.compile(r"(?<![a-z0-9\-._/:@])[a-z0-9](?:[a-z0-9\-._/:@]*[a-z0-9])?")
QUANTITY_TOKEN = re.compile(r"^\d+(?:\.\d+)?(?:mi|gi|ki|ti|m|g|k|mb|gb|kb|cores?|cpus?)$")
_NAME = r"(?<![a-z0-9-])([a-z0-9][a-z0-9-]*)"
_QTY = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(mi|gi|ki|mb|gb|m|g|cores?|cpus?|核)?(?![a-z0-9])", re.I)
_MEMORY_UNITS = {"mi": "Mi", "gi": "Gi", "ki": "Ki", "mb": "Mi", "gb": "Gi", "g": "Gi"}
_COUNT = r"(?<!\d)(\d+)(?!\d)"
_REPLICAS = (
    re.compile(r"\b(?:to|=|into|at)\s*" + _COUNT + r"(?!\s*(?:mi|gi|m\b|%|\.\d))", re.I),
    re.compile(_COUNT + r"\s*(?:replicas?|instances?|pods?|copies)\b", re.I),
    re.compile(r"(?:扩容到|缩容到|扩到|缩到|调整到|改为|改成|设为|设置为|到)\s*" + _COUNT + r"(?!\s*(?:mi|gi|m\b))", re.I),
    re.compile(_COUNT + r"\s*(?:个副本|副本|个实例|个)"),
)
_IMAGE = re.compile(r"(?<![a-z0-9.\-/_:])([a-z0-9.\-]+(?:/[a-z0-9.\-_]+)*:[a-z0-9.\-_]+)\b", re.I)
# Explicit namespace phrases: what they name is a namespace even if no list says so. The span is blanked out before
# intent matching, so "namespace" in "list pods in namespace dev" is a place, not the list-namespaces request.
EXPLICIT_NS = (
    re.compile(r"(?:^|\s)(?:-n|--namespace(?:=|\s))\s*([a-z0-9][a-z0-9-]*)", re.I),
    re.compile(r"\b(?:in\s+|from\s+|of\s+)?(?:the\s+)?namespace[:\s]+([a-z0-9][a-z0-9-]*)", re.I),
    re.compile(_NAME + r"\s+namespace\b", re.I),
    re.compile(r"(?:在\s*)?" + _NAME + r"\s*(?:命名空间|名字空间|名称空间|命令空间)", re.I),
    re.compile(r"(?:命名空间|名字空间|名称空间)\s*([a-z0-9][a-z0-9-]*)", re.I),
)
PLACE_NS = (
    re.compile(r"\b(?:in|from|within|inside)\s+(?:the\s+)?([a-z0-9][a-z0-9-]*)", re.I),
    re.compile(r"在\s*([a-z0-9][a-z0-9-]*)", re.I),
    # "staging 里的 pod", "qa 下面有哪些服务", "staging 的 pod": a place in Chinese word order (a word that names a
    # workload or pod is a thing, not a place: _place checks)
    # (a name starts where no name character precedes it: one try per word, so a long word stays linear)
    re.compile(r"(?<![a-z0-9-])([a-z0-9][a-z0-9-]*)\s*(?:里面|里|中|内|下面)", re.I),
    re.compile(r"(?<![a-z0-9-])([a-z0-9][a-z0-9-]*)\s*的\s*(?=pods?|deployments?|deploy|services?|svc|服务|部署|工作负载|事件|events?|"
               r"configmaps?|secrets?|cronjobs?|statefulsets?|容器组)", re.I),
)
CLUSTER_MARKED = (
    re.compile(r"--cluster(?:=|\s)\s*([a-z0-9][a-z0-9-]*)", re.I),
    re.compile(r"\bcluster[:\s]+([a-z0-9][a-z0-9-]*)", re.I),
)
CONTAINER = re.compile(r"\bcontainer[:\s]+([a-z0-9][a-z0-9-]*)", re.I)


def find_namespace(text: str, known: set[str], stopwords: frozenset[str]) -> tuple[str | None, tuple[int, int] | None]:
    """The namespace the text names and the span that names it (to blank out), or (None, None)."""
    for pattern in EXPLICIT_NS:
        for m in pattern.finditer(text):
            if m.group(1) in known or m.group(1) not in stopwords:
                return m.group(1), m.span()
    for pattern in PLACE_NS:
        for m in pattern.finditer(text):
            if m.group(1) in known:
                return m.group(1), None
    bare = sorted(set(TOKEN.findall(text)) & known)  # "dev 里的 pods", "list dev pods"
    return (bare[0], None) if len(bare) == 1 else (None, None)


def find_cluster(text: str, known: set[str]) -> tuple[str | None, tuple[int, int] | None]:
    for pattern in CLUSTER_MARKED:
        m = pattern.search(text)
        if m and (m.group(1) in known or not known):
            return m.group(1), m.span()
    bare = sorted(set(TOKEN.findall(text)) & known)
    return (bare[0], None) if len(bare) == 1 else (None, None)


def find_target(tokens: Iterable[str], stopwords: frozenset[str], taken: set[str | None]) -> str | None:
    """The first token that looks like a resource name; one with a dash or a digit wins over a plain word."""
    candidates = [t for t in tokens if t not in stopwords and t not in taken and not t.isdigit()
                  and not QUANTITY_TOKEN.match(t) and not t.startswith("-") and ":" not in t]
    named = [t for t in candidates if "-" in t or any(c.isdigit() for c in t)]
    return next(iter(named or candidates), None)


def find_replicas(text: str) -> int | None:
    """The replica count asked for; a count over ``MAX_REPLICAS`` is refused (typed), never truncated."""
    for pattern in _REPLICAS:
        m = pattern.search(text)
        if m:
            return replica_count(m.group(1))
    return None


def replica_count(digits: str) -> int:
    if len(digits) > 6 or int(digits) > MAX_REPLICAS:
        shown = digits if len(digits) <= 24 else digits[:20] + "…"
        raise InputRejected(f"{shown} replicas is not a count I can plan (0–{MAX_REPLICAS})",
                            hint=f"say a number of replicas between 0 and {MAX_REPLICAS}")
    return int(digits)


def find_image(text: str) -> str | None:
    m = _IMAGE.search(text)
    return m.group(1) if m else None


def find_quantities(text: str) -> tuple[str | None, str | None]:
    """(memory, cpu) quantities. A bare "m" means Mi when only memory is talked about, millicores otherwise."""
    about_memory = bool(re.search(r"memory|\bmem\b|内存", text))
    about_cpu = bool(re.search(r"cpu|核", text))
    memory = cpu = None
    for value, raw_unit in _QTY.findall(text):
        unit = raw_unit.lower()
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


def blank(text: str, spans: Iterable[tuple[int, int] | None]) -> str:
    """``text`` with the given spans replaced by spaces (positions stay where they were)."""
    chars = list(text)
    for span in spans:
        if span:
            chars[span[0]:span[1]] = " " * (span[1] - span[0])
    return "".join(chars)
