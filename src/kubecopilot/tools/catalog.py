"""The tool catalog: every tool the server offers, classified ``list`` / ``read`` / ``write``, with a cache policy.

Classification order (SPEC §3): a config override wins; then the MCP annotations (full, partial or none — the three
public servers differ); then the verbs in the tool's name; else ``write``, because a tool we cannot understand is
never trusted to be harmless. Annotations only ever make a tool less trusted: ``readOnlyHint=true`` loses to a write
verb in the name and to ``destructiveHint=true``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from kubecopilot.errors import UnknownTool

ToolClass = Literal["list", "read", "write"]
Reason = Literal["annotation", "name", "default", "override"]

# A cache policy chosen per call from the tool's kind/resourceType argument (resources_list, kubectl_get, …).
BY_KIND = "by-kind"
DEFAULT_POLICY = "default"

READ_VERBS = frozenset(
    "list get describe logs log events event top explain view ping show read search find analyze validate diff "
    "status info version health check overview current time metrics stats summary history query inspect fetch "
    "whoami prompt".split()
)
WRITE_VERBS = frozenset(
    "create update patch apply delete remove scale restart rollback rollout undo exec cordon uncordon drain run "
    "install uninstall upgrade cleanup forward stop start kill set edit replace label annotate taint evict attach "
    "cp copy reconnect trigger suspend resume pause deploy prune purge reset write put post add terminate expose "
    "autoscale generic".split()
)
# Write verbs that read tools also use as nouns (``get_rollout_history``, ``get_stateful_set``): against a server's
# readOnlyHint they count only as the name's first word (``set_image``, ``rollout_restart``).
NOUN_LIKE_VERBS = frozenset({"rollout", "set", "post", "start", "stop", "forward", "trigger", "run"})
# Reads whose answers are too volatile or too large to cache (SPEC §4: logs and describe are never cached).
NEVER_CACHED = frozenset(
    "log logs describe exec top metrics stats explain analyze validate diff ping time search prompt "
    "configuration kubeconfig view history status".split()
)
# Name words → cache policy. When a name mentions several, the most volatile wins (``pods_list_in_namespace`` is
# about pods, not namespaces), so the order below runs from most to least volatile.
SUBJECT_POLICIES: tuple[tuple[str, frozenset[str]], ...] = (
    ("events", frozenset({"event", "events"})),
    ("pods", frozenset({"pod", "pods", "container", "containers", "overview", "health", "summary", "consumers"})),
    (
        "workloads",
        frozenset(
            "deployment deployments statefulset statefulsets daemonset daemonsets replicaset replicasets job jobs "
            "cronjob cronjobs workload workloads apps batch rollouts hpa autoscaling".split()
        ),
    ),
    ("services", frozenset({"service", "services", "svc", "ingress", "ingresses", "endpoints", "networking"})),
    ("namespaces", frozenset({"namespace", "namespaces", "project", "projects"})),
    ("nodes", frozenset({"node", "nodes"})),
    ("clusters", frozenset({"cluster", "clusters", "context", "contexts"})),
)
KIND_POLICIES: dict[str, str] = {
    **dict.fromkeys(("pod", "po"), "pods"),
    **dict.fromkeys(
        "deployment deploy statefulset sts daemonset ds replicaset rs job cronjob cj hpa "
        "horizontalpodautoscaler".split(),
        "workloads",
    ),
    **dict.fromkeys("service svc ingress ing endpoints ep endpointslice".split(), "services"),
    **dict.fromkeys(("namespace", "ns", "project"), "namespaces"),
    **dict.fromkeys(("node", "no"), "nodes"),
    **dict.fromkeys(("event", "ev"), "events"),
}
KIND_ARGS = ("kind", "resourceType", "resource_type")


@dataclass(frozen=True)
class ToolInfo:
    """One entry of the server's ``tools/list``: the raw facts before classification."""

    name: str
    description: str = ""
    input_schema: dict[str, Any] = field(default_factory=dict)
    annotations: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ToolInfo:
        """From the JSON shape of ``tools/list`` (``inputSchema``; ``annotations`` may be missing or null)."""
        return cls(
            name=data["name"],
            description=data.get("description") or "",
            input_schema=dict(data.get("inputSchema") or data.get("input_schema") or {}),
            annotations={k: v for k, v in (data.get("annotations") or {}).items() if v is not None},
        )


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    input_schema: dict[str, Any]
    annotations: dict[str, Any]
    tool_class: ToolClass
    reason: Reason
    cache_policy: str | None  # a policy name, BY_KIND, or None (never cached)
    capabilities: tuple[str, ...] = ()
    detail: str = ""  # the rule in words, e.g. "readOnlyHint=true"

    @property
    def capability(self) -> str | None:
        return ", ".join(self.capabilities) or None

    @property
    def is_write(self) -> bool:
        return self.tool_class == "write"

    @property
    def properties(self) -> dict[str, Any]:
        return dict(self.input_schema.get("properties") or {})

    @property
    def required(self) -> list[str]:
        return list(self.input_schema.get("required") or [])

    def policy_for(self, args: Mapping[str, Any]) -> str | None:
        """The cache policy of one call; generic tools decide by the kind they are asked for."""
        if self.tool_class == "read" and any(is_name_arg(k) and v for k, v in args.items()):
            return None  # one named object (kubectl_get NAME): always fresh, it may feed a plan
        if self.cache_policy != BY_KIND:
            return self.cache_policy
        kind = next((args[a] for a in KIND_ARGS if isinstance(args.get(a), str)), None)
        return policy_for_kind(kind) if kind else DEFAULT_POLICY


def name_tokens(name: str) -> list[str]:
    """``LIST_CORE_RESOURCES`` → list, core, resources; ``getPodLogs`` → get, pod, logs; ``pods-list`` → pods, list."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [t.lower() for t in re.split(r"[^A-Za-z0-9]+", spaced) if t]


def is_name_arg(key: str) -> bool:
    """``name``, ``pod_name``, ``podName``, ``resourceName`` …, but not ``namespace``."""
    lowered = key.lower()
    return lowered == "name" or (lowered.endswith("name") and "namespace" not in lowered)


def policy_for_kind(kind: str) -> str:
    key = kind.lower().split(".", 1)[0]
    if key not in KIND_POLICIES and key.endswith("es") and key[:-2] in KIND_POLICIES:
        key = key[:-2]
    elif key not in KIND_POLICIES and key.endswith("s"):
        key = key[:-1]
    return KIND_POLICIES.get(key, DEFAULT_POLICY)


def classify(info: ToolInfo, override: ToolClass | None = None) -> tuple[ToolClass, Reason, str]:
    """(class, reason, detail) for one tool."""
    tokens = name_tokens(info.name)
    says_list = "list" in tokens
    if override:
        return override, "override", "tools.overrides in the configuration"
    ro, destructive = info.annotations.get("readOnlyHint"), info.annotations.get("destructiveHint")
    write_words = [t for t in tokens if t in WRITE_VERBS]
    overruling = [t for i, t in enumerate(tokens) if t in WRITE_VERBS and (i == 0 or t not in NOUN_LIKE_VERBS)]
    # Annotations may only make a tool LESS trusted than its name: a server that calls ``delete_namespace``
    # read-only is wrong or hostile, and a wrong "read" runs unapproved while a wrong "write" only asks once more.
    if ro is True and (destructive is True or overruling):
        because = "destructiveHint=true" if destructive is True else f"its name says {overruling[0]!r}"
        return "write", "annotation", f"server says read-only; treated as write because {because}"
    if destructive is True:
        return "write", "annotation", "destructiveHint=true"
    if ro is True:
        return ("list" if says_list else "read"), "annotation", "readOnlyHint=true"
    if ro is False:
        return "write", "annotation", "readOnlyHint=false"
    if write_words:  # a write verb anywhere wins: "get_and_delete" is a write
        return "write", "name", f"name says {write_words[0]!r}"
    read_words = [t for t in tokens if t in READ_VERBS]
    if read_words:
        return ("list" if says_list else "read"), "name", f"name says {read_words[0]!r}"
    return "write", "default", "no annotation and no known verb in the name: not trusted"


def cache_policy(info: ToolInfo, tool_class: ToolClass) -> str | None:
    """Which TTL applies to this tool's answers, or None when they are never cached."""
    if tool_class == "write":
        return None
    tokens = set(name_tokens(info.name))
    if tokens & NEVER_CACHED:
        return None
    required = info.input_schema.get("required") or []
    if tool_class == "read" and any(is_name_arg(arg) for arg in required):
        return None  # reads of one named object are always fresh
    for policy, words in SUBJECT_POLICIES:  # a name that says what it returns wins (GET_EVENTS takes a kind)
        if tokens & words:
            return policy
    if any(arg in (info.input_schema.get("properties") or {}) for arg in KIND_ARGS):
        return BY_KIND
    # A list of something we cannot name is still worth caching briefly; a read of it is not.
    return DEFAULT_POLICY if tool_class == "list" else None


def build_spec(info: ToolInfo, override: ToolClass | None = None, capabilities: Iterable[str] = ()) -> ToolSpec:
    tool_class, reason, detail = classify(info, override)
    return ToolSpec(
        name=info.name,
        description=info.description,
        input_schema=info.input_schema,
        annotations=info.annotations,
        tool_class=tool_class,
        reason=reason,
        cache_policy=cache_policy(info, tool_class),
        capabilities=tuple(capabilities),
        detail=detail,
    )


class Catalog:
    """The classified tools of one server, by name."""

    def __init__(self, specs: Iterable[ToolSpec]) -> None:
        self._specs = {s.name: s for s in specs}

    @classmethod
    def build(
        cls,
        tools: Iterable[ToolInfo],
        overrides: Mapping[str, ToolClass] | None = None,
        profile: Any = None,
    ) -> Catalog:
        """Classify ``tools``; ``profile`` (a ``profiles.Profile``) names the capabilities each tool serves."""
        overrides = overrides or {}
        served = profile.capabilities_by_tool() if profile is not None else {}
        return cls(build_spec(t, overrides.get(t.name), served.get(t.name, ())) for t in tools)

    def get(self, name: str) -> ToolSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise UnknownTool(
                f"the MCP server has no tool named {name!r}",
                hint=_closest_hint(name, self._specs),
                tool=name,
            ) from None

    def with_override(self, name: str, tool_class: ToolClass) -> Catalog:
        spec = self.get(name)
        info = ToolInfo(spec.name, spec.description, spec.input_schema, spec.annotations)
        return Catalog([*(s for s in self if s.name != name), build_spec(info, tool_class, spec.capabilities)])

    def of_class(self, *classes: ToolClass) -> list[ToolSpec]:
        return [s for s in self if s.tool_class in classes]

    def names(self) -> list[str]:
        return list(self._specs)

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[ToolSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)


def catalog_rows(catalog: Catalog, ttls: Mapping[str, float]) -> list[dict[str, Any]]:
    """The catalog as plain rows (``kubecopilot tools``, ``/tools``): name, class, why, capability, cache TTL."""
    return [
        {
            "name": s.name,
            "class": s.tool_class,
            "why": s.reason,
            "detail": s.detail,
            "capability": s.capability,
            "cache": _ttl_text(s.cache_policy, ttls),
        }
        for s in sorted(catalog, key=lambda s: (s.tool_class, s.name))
    ]


def _ttl_text(policy: str | None, ttls: Mapping[str, float]) -> str:
    if policy is None:
        return "never"
    if policy == BY_KIND:
        return "by kind"
    ttl = ttls.get(policy, ttls.get(DEFAULT_POLICY, 0))
    return f"{policy} {_human_seconds(ttl)}"


def _human_seconds(seconds: float) -> str:
    s = int(seconds)
    if s >= 3600 and s % 3600 == 0:
        return f"{s // 3600}h"
    if s >= 60 and s % 60 == 0:
        return f"{s // 60}m"
    return f"{s}s"


def _closest_hint(name: str, known: Mapping[str, Any]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.5)
    if close:
        return "did you mean " + ", ".join(close) + "?"
    return "run `kubecopilot tools` to see the tools this server offers"
