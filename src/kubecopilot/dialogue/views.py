"""Read-only answers: lists, overview, logs, describe, events — built from gateway reads, no LLM.

Every answer records which tools ran and whether the cache served them, suggests 1–3 next steps (commands the
rule engine understands), and, when troubleshooting, teaches one habit. A value the server's list does not carry
(Flux159's summaries have no READY) is shown as "?", never as 0; "no problems" only when every record said enough
to judge it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from kubecopilot.dialogue import records as as_data
from kubecopilot.dialogue.session import EntityRef, Session
from kubecopilot.dialogue.turns import Answer, CodeBlock, Source, Suggestion, TableBlock, TextBlock
from kubecopilot.errors import KubeCopilotError
from kubecopilot.k8s import age, listed_pod_unhealthy, workload_of
from kubecopilot.messages import Language, say, suggest_label
from kubecopilot.plans.redact import redact_object, redact_text
from kubecopilot.tools.objects import ObjectReader
from kubecopilot.tools.ports import Gateway

UNKNOWN = "?"
LOG_LINES = 40  # a chat screen, not a log viewer: enough to see a story, short enough to keep the question in view


def suggestion(key: str, lang: Language, command: str, **values: Any) -> Suggestion:
    return Suggestion(label=suggest_label(key, lang, **values), command=command)


def is_unhealthy(record: Any) -> bool:
    return listed_pod_unhealthy(record.status, str(record.ready) if record.ready else None)


@dataclass
class Reads:
    """Gateway reads for one answer, remembering where the data came from."""

    gateway: Gateway
    cluster: str | None
    source: Source = field(default_factory=Source)
    last_tool: str = ""

    def records(self, capability: str, **slots: Any) -> list[Any]:
        listing = self.gateway.records(capability, cluster=self.cluster, **{k: v for k, v in slots.items() if v})
        self._note(listing.tool, listing.from_cache, listing.age_s)
        self.last_tool = listing.tool
        return list(listing.records)

    def data(self, capability: str, **slots: Any) -> Any:
        result = self.gateway.invoke(capability, cluster=self.cluster, **{k: v for k, v in slots.items() if v is not None})
        self._note(result.tool, result.from_cache, result.age_s)
        return result.data

    def text(self, capability: str, **slots: Any) -> str:
        result = self.gateway.invoke(capability, cluster=self.cluster, **{k: v for k, v in slots.items() if v is not None})
        self._note(result.tool, result.from_cache, result.age_s)
        return result.text

    def _note(self, tool: str, from_cache: bool, age_s: float | None) -> None:
        source = self.source
        first = not source.tools
        if tool not in source.tools:
            source.tools.append(tool)
        if from_cache:
            source.cached.append(tool)
            source.age_s = max(source.age_s or 0.0, age_s or 0.0)
        source.from_cache = (first or source.from_cache) and from_cache  # all reads cached, or it isn't "from cache"


class Views:
    def __init__(self, gateway: Gateway, session: Session) -> None:
        self.gateway, self.session = gateway, session

    @property
    def lang(self) -> Language:
        return self.session.language

    def reads(self) -> Reads:
        return Reads(self.gateway, self.session.cluster)

    # --- cluster-wide ----------------------------------------------------------------------------------------

    def list_namespaces(self) -> Answer:
        reads = self.reads()
        records = reads.records("list_namespaces")
        rows = [[r.name, r.status or "", r.age or ""] for r in records]
        first = next((r.name for r in records if r.name not in ("default",) and not r.name.startswith("kube-")), "default")
        return Answer(title=say("title_namespaces", self.lang), source=reads.source,
                      blocks=[TableBlock(columns=["NAME", "STATUS", "AGE"], rows=rows)],
                      data={"namespaces": [as_data.namespace(r) for r in records]},
                      suggestions=[suggestion("pods_in", self.lang, f"list pods in {first}", name=first),
                                   suggestion("unhealthy", self.lang, "unhealthy pods")])

    def list_nodes(self, target: str | None = None, *, only_unhealthy: bool = False) -> Answer:
        reads = self.reads()
        everything = reads.records("list_nodes")
        records = [r for r in everything if (not target or target in r.name) and (not only_unhealthy or r.status != "Ready")]
        rows = [[r.name, _known(r.status), r.age or "", str(as_data.dig(r.raw, "status", "nodeInfo", "kubeletVersion") or r.raw.get("version") or "")]
                for r in records]
        self.session.show_rows([EntityRef("node", r.name, None) for r in records])
        cluster = self.session.cluster
        title = say("title_nodes_of", self.lang, cluster=cluster) if cluster else say("title_nodes", self.lang)
        suggestions = [suggestion("overview", self.lang, "cluster overview")]
        if not records:
            key = "all_nodes_ready" if only_unhealthy and not target else "no_match"
            text = say(key, self.lang, count=len(everything), what=say("noun_node", self.lang), where=cluster or "",
                       target=target or "")
            return Answer(title=title, source=reads.source, blocks=[TextBlock(text=text)], suggestions=suggestions,
                          data={"nodes": []})
        if only_unhealthy:
            suggestions.insert(0, suggestion("diagnose", self.lang, f"diagnose node {records[0].name}", name=records[0].name))
        return Answer(title=title, source=reads.source,
                      blocks=[TableBlock(columns=["NAME", "STATUS", "AGE", "VERSION"], rows=rows)], suggestions=suggestions,
                      data={"nodes": [as_data.node(r) for r in records]})

    def list_pods(self, namespace: str | None, target: str | None, *, sort: str | None = None) -> Answer:
        """The pods of a namespace (or all), filtered by a name the person gave; a filter that matches nothing says
        so and shows what is there — never an empty "nothing found" from a word that was not a name."""
        reads = self.reads()
        everything = reads.records("list_pods", namespace=namespace)
        records = [r for r in everything if not target or target in r.name]
        where = namespace or say("all_namespaces", self.lang)
        title = say("title_pods_in", self.lang, where=where)
        notices = []
        if target and not records and everything:
            notices.append(say("no_pod_matches", self.lang, where=where, target=target, count=len(everything)))
            records = everything
        if not records:
            return Answer(title=title, source=reads.source, blocks=[TextBlock(text=say("no_pods_in", self.lang, where=where))],
                          data={"pods": []})
        if sort == "restarts":
            records = sorted(records, key=lambda r: -(r.restarts or 0))
        self.session.show_rows([EntityRef("pod", r.name, r.namespace, owner=workload_of(r.raw, r.name)) for r in records])
        first = records[0]
        return Answer(
            title=title, source=reads.source, notices=notices,
            blocks=[pod_table(records, all_namespaces=namespace is None)], data={"pods": [as_data.pod(r) for r in records]},
            suggestions=[suggestion("logs", self.lang, f"logs of pod {first.name} -n {first.namespace}", name=first.name),
                         suggestion("describe", self.lang, f"describe pod {first.name} -n {first.namespace}", name=first.name),
                         suggestion("events", self.lang, f"events of pod {first.name} -n {first.namespace}", name=first.name)])

    def unhealthy_pods(self, namespace: str | None) -> Answer:
        reads = self.reads()
        pods = reads.records("list_pods", namespace=namespace)
        bad = [r for r in pods if is_unhealthy(r)]
        title = say("title_unhealthy_pods", self.lang)
        unknown = [r for r in pods if not r.status]
        if not bad:
            text = (say("pods_status_unknown", self.lang, count=len(unknown), tool=reads.last_tool) if unknown
                    else say("no_problems", self.lang))
            return Answer(title=title, source=reads.source, blocks=[TextBlock(text=text)], data={"pods": []})
        suggestions = [suggestion("diagnose", self.lang, f"diagnose pod {r.name} -n {r.namespace}", name=r.name) for r in bad[:2]]
        return Answer(title=title, source=reads.source, blocks=[pod_table(bad, all_namespaces=namespace is None)],
                      data={"pods": [as_data.pod(r) for r in bad]},
                      suggestions=suggestions + [suggestion("warnings", self.lang, "warning events")],
                      tip=say("tip_events_first", self.lang))

    def list_deployments(self, namespace: str | None, target: str | None = None, *, only_unhealthy: bool = False) -> Answer:
        """The deployments (filtered by a name the person gave; only those not fully available, when asked)."""
        reads = self.reads()
        everything = reads.records("list_deployments", namespace=namespace)
        records = [r for r in everything if (not target or target in r.name) and (not only_unhealthy or not _available(r))]
        rows = [([r.namespace or ""] if namespace is None else []) + [r.name, _known(r.ready), r.age or ""] for r in records]
        columns = (["NAMESPACE"] if namespace is None else []) + ["NAME", "READY", "AGE"]
        where = namespace or say("all_namespaces", self.lang)
        title = say("title_deployments_unavailable" if only_unhealthy else "title_deployments_in", self.lang, where=where)
        self.session.show_rows([EntityRef("deployment", r.name, r.namespace) for r in records])
        suggestions = [suggestion("diagnose", self.lang, f"diagnose deployment {r.name} -n {r.namespace}", name=r.name)
                       for r in records[:2]] if only_unhealthy else []
        suggestions.append(suggestion("unhealthy", self.lang, "unhealthy pods"))
        if not records:
            key = "all_available" if only_unhealthy and not target else "no_match"
            text = say(key, self.lang, count=len(everything), what=say("noun_deployment", self.lang), where=where,
                       target=target or "")
            shown = [([r.namespace or ""] if namespace is None else []) + [r.name, _known(r.ready), r.age or ""]
                     for r in everything] if target else []  # a name that matches nothing: what there is
            blocks: list[Any] = [TextBlock(text=text)] + ([TableBlock(columns=columns, rows=shown)] if shown else [])
            return Answer(title=title, source=reads.source, blocks=blocks, suggestions=suggestions,
                          data={"deployments": []})
        return Answer(title=title, source=reads.source, blocks=[TableBlock(columns=columns, rows=rows)],
                      data={"deployments": [as_data.deployment(r) for r in records]}, suggestions=suggestions)

    def list_services(self, namespace: str | None) -> Answer:
        reads = self.reads()
        records = reads.records("list_services", namespace=namespace)
        rows = [[r.namespace or "", r.name, str(as_data.dig(r.raw, "spec", "type") or r.raw.get("type") or ""), _ports(r.raw), r.age or ""]
                for r in records]
        return Answer(title=say("title_services", self.lang), source=reads.source,
                      blocks=[TableBlock(columns=["NAMESPACE", "NAME", "TYPE", "PORTS", "AGE"], rows=rows)],
                      data={"services": [as_data.service(r) for r in records]})

    def warning_events(self, namespace: str | None) -> Answer:
        reads = self.reads()
        listed = reads.records("list_events", namespace=namespace)
        events = [e for e in listed if _event_type(e) == "Warning"]
        untyped = [e for e in listed if not _event_type(e)]  # a warning or not: unknown, so never "no problems"
        title = say("title_warning_events", self.lang)
        blocks: list[Any] = [_event_table(events)] if events else []
        if untyped:
            blocks.append(TextBlock(text=say("events_type_unknown", self.lang, count=len(untyped), tool=reads.last_tool)))
        if not blocks:
            return Answer(title=title, source=reads.source, blocks=[TextBlock(text=say("no_problems", self.lang))],
                          data={"events": []})
        return Answer(title=title, source=reads.source, blocks=blocks, data={"events": _events_data(events)},
                      suggestions=[suggestion("unhealthy", self.lang, "unhealthy pods")], tip=say("tip_events_first", self.lang))

    # --- one object ------------------------------------------------------------------------------------------

    def yaml(self, namespace: str | None, kind: str, name: str) -> Answer:
        """The object as YAML, without the server's bookkeeping (managedFields)."""
        reads = self.reads()
        obj = reads.data("get_resource", kind=kind.capitalize(), namespace=namespace, name=name)
        masked = False
        if isinstance(obj, dict):
            obj = {**obj, "metadata": {k: v for k, v in (obj.get("metadata") or {}).items() if k != "managedFields"}}
            clean = redact_object(obj)
            obj, masked = clean, clean != obj
        text = yaml.safe_dump(obj, sort_keys=False, allow_unicode=True) if obj is not None else say("empty", self.lang)
        where = f"{namespace}/{name}" if namespace else name
        scope = f" -n {namespace}" if namespace else ""
        return Answer(title=say("title_yaml", self.lang, kind=kind.capitalize(), where=where), source=reads.source,
                      blocks=[CodeBlock(language="yaml", text=text.rstrip())], notices=self._masked(masked),
                      suggestions=[suggestion("describe", self.lang, f"describe {kind} {name}{scope}", name=name),
                                   suggestion("events", self.lang, f"events of {kind} {name}{scope}", name=name)])


    def logs(self, namespace: str, pod: str, *, previous: bool = False) -> Answer:
        reads = self.reads()
        raw = reads.text("pod_logs", namespace=namespace, name=pod, tail_lines=LOG_LINES, previous=previous or None)
        text = redact_text(raw)  # a token a service logs is masked here too, as on its way to a model
        record = next((r for r in reads.records("list_pods", namespace=namespace) if r.name == pod), None)
        containers = self._containers(record.raw if record else {}, namespace, pod)
        suffix = say("previous_suffix", self.lang) if previous else ""
        detail = (say("logs_detail", self.lang, container=containers[0], lines=LOG_LINES, previous=suffix) if containers
                  else say("logs_detail_lines", self.lang, lines=LOG_LINES, previous=suffix))
        restarts = record.restarts if record and record.restarts else 0
        suggestions = [suggestion("events", self.lang, f"events of pod {pod} -n {namespace}", name=pod),
                       suggestion("describe", self.lang, f"describe pod {pod} -n {namespace}", name=pod)]
        if restarts and not previous:
            suggestions.insert(0, suggestion("previous_logs", self.lang, f"previous logs of pod {pod} -n {namespace}", name=pod))
        else:
            suggestions.append(suggestion("diagnose", self.lang, f"diagnose pod {pod} -n {namespace}", name=pod))
        tip = say("restarted_tip", self.lang, count=restarts) if restarts and not previous else say("tip_events_first", self.lang)
        return Answer(title=say("fetching_logs", self.lang, namespace=namespace, pod=pod), source=reads.source,
                      blocks=[CodeBlock(title=detail, language="log", text=text.rstrip() or say("empty", self.lang))],
                      data={"logs": {"namespace": namespace, "pod": pod, "container": containers[0] if containers else None,
                                     "previous": previous, "lines": as_data.log_lines(text)}},
                      suggestions=suggestions[:3], tip=tip, notices=self._masked(text != raw))

    def _masked(self, masked: bool) -> list[str]:
        """The notice of an answer whose secrets were masked: the person knows the text is not the raw one."""
        return [say("secrets_masked", self.lang)] if masked else []

    def _containers(self, raw: dict[str, Any], namespace: str, pod: str) -> list[str]:
        """The pod's container names (the log shown is the first's): from the listing when it has the spec, else
        read from the pod itself; none when that fails — the header then names no container rather than a guess."""
        spec = as_data.dig(raw, "spec", "containers")
        if spec is None and self.gateway.has("get_resource"):
            try:
                spec = as_data.dig(ObjectReader(self.gateway, cluster=self.session.cluster).get("Pod", pod, namespace) or {},
                            "spec", "containers")
            except KubeCopilotError:
                spec = None
        return [str(c.get("name")) for c in spec or [] if c.get("name")]

    def describe(self, namespace: str | None, kind: str, name: str) -> Answer:
        reads = self.reads()
        if kind == "pod" and self.gateway.has("describe_pod"):
            text = reads.text("describe_pod", namespace=namespace, name=name)
        else:
            text = reads.text("describe", kind=kind.capitalize(), namespace=namespace, name=name)
        raw, text = text, redact_text(text)
        where, scope = (f"{namespace}/{name}", f" -n {namespace}") if namespace else (name, "")  # a node has no namespace
        return Answer(title=f"{kind.capitalize()} {where}", source=reads.source,
                      blocks=[CodeBlock(language="text", text=text.rstrip())],
                      data={"describe": {"kind": kind.capitalize(), "namespace": namespace, "name": name, "text": text.rstrip()}},
                      notices=self._masked(text != raw),
                      suggestions=[suggestion("events", self.lang, f"events of {kind} {name}{scope}", name=name),
                                   suggestion("diagnose", self.lang, f"diagnose {kind} {name}{scope}", name=name)])

    def events(self, namespace: str | None, kind: str | None, name: str | None) -> Answer:
        reads = self.reads()
        events = reads.records("list_events", namespace=namespace)
        if name:
            events = [e for e in events if _involves(e, kind, name)]
        where = ("/".join(p for p in (namespace, name) if p) if name  # a node has no namespace
                 else (namespace or say("all_namespaces", self.lang)))
        title = say("title_events_of", self.lang, where=where)
        blocks: list[Any] = [_event_table(events)] if events else [TextBlock(text=say("empty", self.lang))]
        suggestions = []
        if name and kind:
            scope = f" -n {namespace}" if namespace else ""
            suggestions = [suggestion("diagnose", self.lang, f"diagnose {kind} {name}{scope}", name=name)]
            if kind == "pod":
                suggestions.append(suggestion("logs", self.lang, f"logs of pod {name} -n {namespace}", name=name))
        return Answer(title=title, source=reads.source, blocks=blocks, suggestions=suggestions,
                      data={"events": _events_data(events)})


# --- tables ----------------------------------------------------------------------------------------------------


def pod_table(records: list[Any], *, all_namespaces: bool, title: str | None = None) -> TableBlock:
    columns = (["NAMESPACE"] if all_namespaces else []) + ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    rows = [([r.namespace or ""] if all_namespaces else []) + [r.name, _known(r.ready), _known(r.status), _known(r.restarts), r.age or ""]
            for r in records]
    return TableBlock(title=title, columns=columns, rows=rows)


def _latest_events(events: list[Any]) -> list[Any]:
    return sorted(events, key=_event_time, reverse=True)[:20]


def _events_data(events: list[Any]) -> list[dict[str, Any]]:
    return [as_data.event(e, _event_time(e)) for e in _latest_events(events)]


def _event_table(events: list[Any]) -> TableBlock:
    rows = []
    for e in _latest_events(events):
        obj = e.raw.get("involvedObject") or {}
        rows.append([_ago(_event_time(e)), _event_type(e), str(e.raw.get("reason") or e.status or ""),
                     f"{str(obj.get('kind', '')).lower()}/{obj.get('name', '')}", _clipped(str(e.raw.get("message", ""))).strip()])
    return TableBlock(columns=["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], rows=rows)


def _clipped(text: str, limit: int = 300) -> str:
    """At most ``limit`` characters, cut between words (an event message can be a page of text)."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[:cut if cut > limit // 2 else limit].rstrip() + " …"


def _available(record: Any) -> bool:
    ready, _, total = str(record.ready or "").partition("/")
    return bool(total) and ready == total and total != "0"


def _event_type(e: Any) -> str:
    return str(e.raw.get("type") or "")


def _event_time(e: Any) -> str:
    return str(e.raw.get("lastTimestamp") or e.raw.get("eventTime") or e.raw.get("firstTimestamp") or "")


def _involves(e: Any, kind: str | None, name: str) -> bool:
    obj_name = str((e.raw.get("involvedObject") or {}).get("name", ""))
    return obj_name == name or (kind == "deployment" and obj_name.startswith(name + "-"))


def _ago(timestamp: str) -> str:
    return age(timestamp) or timestamp


def _known(value: Any) -> str:
    """A listed value, or "?" when the server's list does not say it: unknown is never shown as 0 or blank."""
    return UNKNOWN if value is None or value == "" else str(value)


def _ports(raw: dict[str, Any]) -> str:
    ports = as_data.dig(raw, "spec", "ports")
    if ports is None:
        return str(raw.get("port(s)") or raw.get("ports") or "")
    return ",".join(f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in ports)
