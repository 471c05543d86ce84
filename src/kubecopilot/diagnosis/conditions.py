"""Condition types of the analyzers that judge one container, pod or node: each looks at one subject and says
whether it holds, quoting verbatim what it saw (a status value, an event message, a log line) with the named groups of its regex.

Conditions only read; they never build a fix. ``evaluate`` combines them (a mapping = all, ``all``/``any``/``not``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubecopilot.diagnosis.models import Evidence, EvidenceQuote, QuoteSource

COMBINATORS = ("all", "any", "not")


@dataclass
class Outcome:
    ok: bool
    quotes: list[EvidenceQuote] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Subject:
    """What one condition analyzer looks at: a container of a pod, a pod, or a node, with the evidence around it."""

    scope: str
    evidence: Evidence
    pod: Mapping[str, Any] | None = None
    container: str | None = None
    node: Mapping[str, Any] | None = None

    @property
    def pod_name(self) -> str:
        return str((self.pod or {}).get("metadata", {}).get("name", ""))

    @property
    def name(self) -> str:
        """The pod's name, or the node's for a node subject."""
        return self.pod_name or str((self.node or {}).get("metadata", {}).get("name", ""))

    @property
    def status(self) -> Mapping[str, Any]:
        """The container's status entry (empty for a container not created yet)."""
        statuses = (self.pod or {}).get("status", {}).get("containerStatuses") or []
        return next((s for s in statuses if s.get("name") == self.container), {})

    @property
    def spec(self) -> Mapping[str, Any]:
        containers = (self.pod or {}).get("spec", {}).get("containers") or []
        return next((c for c in containers if c.get("name") == self.container), {})

    @property
    def host(self) -> Mapping[str, Any] | None:
        """The node of a node subject, or the node the pod is bound to (when the evidence holds it)."""
        if self.node is not None:
            return self.node
        name = (self.pod or {}).get("spec", {}).get("nodeName")
        return next((n for n in self.evidence.nodes if n.get("metadata", {}).get("name") == name), None)

    def events(self) -> list[Mapping[str, Any]]:
        """Events about this pod (or node), newest first: the latest message is the one that matters."""
        kind, name = ("Node", self.node["metadata"]["name"]) if self.node is not None else ("Pod", self.pod_name)
        about = [e for e in self.evidence.events
                 if (e.get("involvedObject") or {}).get("name") == name
                 and (e.get("involvedObject") or {}).get("kind", kind) == kind]
        return sorted(about, key=_event_time, reverse=True)

    def log_lines(self, previous_only: bool = False) -> Iterator[tuple[QuoteSource, str, str]]:
        """(source, key, line) of the previous container's log first (it holds the crash), then the current one."""
        key = f"{self.pod_name}/{self.container}"
        sources: list[tuple[QuoteSource, dict[str, str]]] = [("previous_logs", self.evidence.previous_logs)]
        if not previous_only:
            sources.append(("logs", self.evidence.logs))
        for source, logs in sources:
            for line in (logs.get(key) or "").splitlines():
                if line.strip():
                    yield source, key, line.rstrip()


# --- condition types ----------------------------------------------------------------------------------------------

Condition = Callable[..., Outcome]  # (subject, **the analyzer's parameters for it)
CONDITIONS: dict[str, Condition] = {}


def condition(name: str) -> Callable[[Condition], Condition]:
    def register(fn: Condition) -> Condition:
        CONDITIONS[name] = fn
        return fn
    return register


def _status_quote(s: Subject, path: str, value: Any) -> EvidenceQuote:
    return EvidenceQuote(source="status", quote=str(value), object=f"pod/{s.pod_name} container {s.container}: {path}")


@condition("container_state")
def _container_state(s: Subject, states: list[str]) -> Outcome:
    """waiting / running / terminated; quotes the state's reason (or, when running, since when)."""
    states_now: Mapping[str, Any] = s.status.get("state") or {}
    state, detail = next(iter(states_now.items()), (None, None))
    if state not in states:
        return Outcome(False)
    field_ = "startedAt" if state == "running" else "reason"
    value = detail.get(field_) if isinstance(detail, Mapping) else None
    return Outcome(True, [_status_quote(s, f"state.{state}.{field_}", value)] if value else [])


@condition("container_state_reason")
def _container_state_reason(s: Subject, reasons: list[str]) -> Outcome:
    for state in ("waiting", "terminated"):
        detail = (s.status.get("state") or {}).get(state) or {}
        if detail.get("reason") in reasons:
            quotes = [_status_quote(s, f"state.{state}.reason", detail["reason"])]
            if detail.get("message"):
                quotes.append(_status_quote(s, f"state.{state}.message", detail["message"]))
            return Outcome(True, quotes, {"state_reason": detail["reason"]})
    return Outcome(False)


@condition("last_state_reason")
def _last_state_reason(s: Subject, reasons: list[str]) -> Outcome:
    reason = ((s.status.get("lastState") or {}).get("terminated") or {}).get("reason")
    ok = reason in reasons
    return Outcome(ok, [_status_quote(s, "lastState.terminated.reason", reason)] if ok else [])


@condition("exit_code")
def _exit_code(s: Subject, codes: list[int]) -> Outcome:
    for path in ("lastState", "state"):
        code = ((s.status.get(path) or {}).get("terminated") or {}).get("exitCode")
        if code is not None:
            ok = code in codes
            return Outcome(ok, [_status_quote(s, f"{path}.terminated.exitCode", code)] if ok else [])
    return Outcome(False)


@condition("has_memory_limit")
def _has_memory_limit(s: Subject, wanted: bool) -> Outcome:
    limit = ((s.spec.get("resources") or {}).get("limits") or {}).get("memory")
    quote = EvidenceQuote(source="spec", quote=str(limit), object=f"pod/{s.pod_name} container {s.container}: "
                          "resources.limits.memory")
    return Outcome(bool(limit) == wanted, [quote] if limit and wanted else [])


@condition("pod_phase")
def _pod_phase(s: Subject, phases: list[str]) -> Outcome:
    phase = (s.pod or {}).get("status", {}).get("phase")
    ok = phase in phases
    return Outcome(ok, [EvidenceQuote(source="status", quote=str(phase), object=f"pod/{s.pod_name}: phase")] if ok
                   else [])


@condition("pod_condition")
def _pod_condition(s: Subject, want: Mapping[str, Any]) -> Outcome:
    for cond in (s.pod or {}).get("status", {}).get("conditions") or []:
        if cond.get("type") == want["type"] and _accepts(want, cond):
            field_ = next(f for f in ("message", "reason", "status") if cond.get(f) or f == "status")
            where = f"pod/{s.pod_name}: conditions[{cond['type']}].{field_}"
            return Outcome(True, [EvidenceQuote(source="status", quote=str(cond.get(field_)), object=where)])
    return Outcome(False)


@condition("node_condition")
def _node_condition(s: Subject, want: Mapping[str, Any]) -> Outcome:
    node = s.host
    if node is None:
        return Outcome(False)
    for cond in node.get("status", {}).get("conditions") or []:
        if cond.get("type") == want["type"] and _accepts(want, cond):
            name = node["metadata"]["name"]
            quotes = [EvidenceQuote(source="node", quote=str(cond.get(f)),
                                    object=f"node/{name}: conditions[{cond['type']}].{f}")
                      for f in ("status", "message") if cond.get(f)]
            return Outcome(True, quotes, {"node": name, "node_ready": str(cond.get("status"))})
    return Outcome(False)


@condition("event_reason")
def _event_reason(s: Subject, reasons: list[str]) -> Outcome:
    for event in s.events():
        if event.get("reason") in reasons and event.get("message"):
            return Outcome(True, [_event_quote(event)])
    return Outcome(False)


@condition("event_message_regex")
def _event_message_regex(s: Subject, pattern: str) -> Outcome:
    regex = _compile(pattern)
    for event in s.events():
        if m := regex.search(event.get("message") or ""):
            return Outcome(True, [_event_quote(event)], _groups(m))
    return Outcome(False)


@condition("log_regex")
def _log_regex(s: Subject, pattern: str, previous_only: bool = False) -> Outcome:
    regex = _compile(pattern)
    for source, key, line in s.log_lines(previous_only):
        if m := regex.search(line):
            return Outcome(True, [EvidenceQuote(source=source, quote=line.strip(), object=key)], _groups(m))
    return Outcome(False)


@condition("previous_log_regex")
def _previous_log_regex(s: Subject, pattern: str) -> Outcome:
    return _log_regex(s, pattern, previous_only=True)


@condition("describe_regex")
def _describe_regex(s: Subject, pattern: str) -> Outcome:
    regex = _compile(pattern)
    for line in (s.evidence.describe.get(s.pod_name) or "").splitlines():
        if m := regex.search(line):
            return Outcome(True, [EvidenceQuote(source="describe", quote=line.strip(), object=f"pod/{s.pod_name}")],
                           _groups(m))
    return Outcome(False)


def evaluate(tree: Any, s: Subject) -> Outcome:
    """A mapping holds when all its entries hold; ``all``/``any``/``not`` combine sub-trees."""
    if isinstance(tree, list):
        tree = {"all": tree}
    quotes: list[EvidenceQuote] = []
    values: dict[str, str] = {}
    for name, arg in tree.items():
        if name == "any":
            outcome = next((o for o in (evaluate(t, s) for t in arg) if o.ok), Outcome(False))
        elif name == "all":
            outcomes = [evaluate(t, s) for t in arg]
            outcome = Outcome(all(o.ok for o in outcomes), [q for o in outcomes for q in o.quotes],
                              {k: v for o in outcomes for k, v in o.values.items()})
        elif name == "not":
            outcome = Outcome(not evaluate(arg, s).ok)
        else:
            outcome = CONDITIONS[name](s, arg)
        if not outcome.ok:
            return Outcome(False)
        quotes += outcome.quotes
        values.update(outcome.values)
    return Outcome(True, quotes, values)


def condition_names(tree: Any) -> set[str]:
    if isinstance(tree, list):
        return {n for t in tree for n in condition_names(t)}
    names: set[str] = set()
    for name, arg in tree.items():
        names |= condition_names(arg) if name in COMBINATORS else {name}
    return names


def _accepts(want: Mapping[str, Any], cond: Mapping[str, Any]) -> bool:
    return all(cond.get(key) in want[key] for key in ("status", "reason") if key in want)


def _event_quote(event: Mapping[str, Any]) -> EvidenceQuote:
    involved = event.get("involvedObject") or {}
    kind = str(involved.get("kind", "")).lower()
    where = f"{event.get('type', 'Normal')} {event.get('reason')} on {kind}/{involved.get('name')}"
    return EvidenceQuote(source="events", quote=event["message"].strip(), object=where)


def _event_time(event: Mapping[str, Any]) -> str:
    return str(event.get("lastTimestamp") or event.get("eventTime") or event.get("firstTimestamp") or "")


def _groups(m: re.Match[str]) -> dict[str, str]:
    return {k: v for k, v in m.groupdict().items() if v is not None}


@functools.cache
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.MULTILINE)


def dedupe(quotes: list[EvidenceQuote]) -> list[EvidenceQuote]:
    unique: dict[tuple[str, str, str | None], EvidenceQuote] = {}
    for q in quotes:
        unique.setdefault((q.source, q.quote, q.object), q)
    return list(unique.values())
