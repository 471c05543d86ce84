"""Read-only answers: lists, overview, logs, describe, events — built from gateway reads, no LLM.

Every answer records which tools ran and whether the cache served them, suggests 1–3 next steps (commands the
rule engine understands), and, when troubleshooting, teaches one habit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubecopilot.dialogue import records as as_data
from kubecopilot.dialogue.session import Session
from kubecopilot.dialogue.turns import Answer, CodeBlock, Source, Suggestion, TableBlock, TextBlock
from kubecopilot.k8s import age, listed_pod_unhealthy
from kubecopilot.messages import Language, say, suggest_label
from kubecopilot.tools.ports import Gateway

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

    def records(self, capability: str, **slots: Any) -> list[Any]:
        listing = self.gateway.records(capability, cluster=self.cluster, **{k: v for k, v in slots.items() if v})
        self._note(listing.tool, listing.from_cache, listing.age_s)
        return list(listing.records)

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

    def list_clusters(self) -> Answer:
        reads = self.reads()
        records = reads.records("list_clusters")
        rows = [[r.name, str(r.raw.get("server", "")), str(r.raw.get("version", "")), "*" if r.raw.get("current") else ""]
                for r in records]
        return Answer(title=say("title_clusters", self.lang), source=reads.source,
                      blocks=[TableBlock(columns=["NAME", "SERVER", "VERSION", "CURRENT"], rows=rows)],
                      data={"clusters": [as_data.cluster(r) for r in records]},
                      suggestions=[suggestion("overview", self.lang, "cluster overview"),
                                   suggestion("namespaces", self.lang, "list namespaces")])

    def cluster_status(self) -> Answer:
        reads = self.reads()
        blocks: list[Any] = []
        clusters = []
        if self.gateway.has("list_clusters"):
            clusters = reads.records("list_clusters")
            rows = [[r.name, str(r.raw.get("version", "")), "*" if r.raw.get("current") else ""] for r in clusters]
            blocks.append(TableBlock(title=say("title_clusters", self.lang), columns=["NAME", "VERSION", "CURRENT"], rows=rows))
        nodes = reads.records("list_nodes") if self.gateway.has("list_nodes") else []
        namespaces = reads.records("list_namespaces")
        pods = reads.records("list_pods")
        deployments = reads.records("list_deployments") if self.gateway.has("list_deployments") else []
        bad = [p for p in pods if is_unhealthy(p)]
        ready_nodes = sum(1 for n in nodes if n.status == "Ready")
        overview = [
            [say("title_nodes", self.lang), say("row_nodes_ready", self.lang, ready=ready_nodes, total=len(nodes)) if nodes else "—"],
            [say("title_namespaces", self.lang), str(len(namespaces))],
            [say("row_deployments", self.lang), str(len(deployments))],
            [say("row_pods", self.lang), say("row_pods_healthy", self.lang, healthy=len(pods) - len(bad), total=len(pods))],
        ]
        blocks.append(TableBlock(title=say("title_overview", self.lang), columns=["", ""], rows=overview))
        if bad:
            blocks.append(_pod_table(bad, all_namespaces=True, title=say("title_pods_needing_attention", self.lang)))
        suggestions = [suggestion("diagnose", self.lang, f"diagnose pod {bad[0].name} -n {bad[0].namespace}", name=bad[0].name)] if bad else []
        suggestions += [suggestion("warnings", self.lang, "warning events"), suggestion("health", self.lang, "check the health of my services")]
        overview_data = {"nodes": {"ready": ready_nodes, "total": len(nodes)} if nodes else None,
                         "namespaces": len(namespaces), "deployments": len(deployments),
                         "pods": {"healthy": len(pods) - len(bad), "total": len(pods)}}
        return Answer(title=say("title_cluster_status", self.lang), blocks=blocks, source=reads.source,
                      suggestions=suggestions[:3],
                      data={"clusters": [as_data.cluster(r) for r in clusters], "overview": overview_data,
                            "unhealthyPods": [as_data.pod(r) for r in bad]})

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

    def list_nodes(self) -> Answer:
        reads = self.reads()
        records = reads.records("list_nodes")
        rows = [[r.name, r.status or "", r.age or "", str(_dig(r.raw, "status", "nodeInfo", "kubeletVersion") or "")] for r in records]
        return Answer(title=say("title_nodes", self.lang), source=reads.source,
                      blocks=[TableBlock(columns=["NAME", "STATUS", "AGE", "VERSION"], rows=rows)],
                      data={"nodes": [as_data.node(r) for r in records]},
                      suggestions=[suggestion("overview", self.lang, "cluster overview")])

    def list_pods(self, namespace: str | None, target: str | None) -> Answer:
        reads = self.reads()
        records = [r for r in reads.records("list_pods", namespace=namespace) if not target or target in r.name]
        where = namespace or say("all_namespaces", self.lang)
        if not records:
            return Answer(title=say("title_pods_in", self.lang, where=where), source=reads.source,
                          blocks=[TextBlock(text=say("empty", self.lang))], data={"pods": []})
        first = records[0]
        return Answer(
            title=say("title_pods_in", self.lang, where=where), source=reads.source,
            blocks=[_pod_table(records, all_namespaces=namespace is None)], data={"pods": [as_data.pod(r) for r in records]},
            suggestions=[suggestion("logs", self.lang, f"logs of pod {first.name} -n {first.namespace}", name=first.name),
                         suggestion("describe", self.lang, f"describe pod {first.name} -n {first.namespace}", name=first.name),
                         suggestion("events", self.lang, f"events of pod {first.name} -n {first.namespace}", name=first.name)])

    def unhealthy_pods(self, namespace: str | None) -> Answer:
        reads = self.reads()
        bad = [r for r in reads.records("list_pods", namespace=namespace) if is_unhealthy(r)]
        title = say("title_unhealthy_pods", self.lang)
        if not bad:
            return Answer(title=title, source=reads.source, blocks=[TextBlock(text=say("no_problems", self.lang))],
                          data={"pods": []})
        suggestions = [suggestion("diagnose", self.lang, f"diagnose pod {r.name} -n {r.namespace}", name=r.name) for r in bad[:2]]
        return Answer(title=title, source=reads.source, blocks=[_pod_table(bad, all_namespaces=namespace is None)],
                      data={"pods": [as_data.pod(r) for r in bad]},
                      suggestions=suggestions + [suggestion("warnings", self.lang, "warning events")],
                      tip=say("tip_events_first", self.lang))

    def list_deployments(self, namespace: str | None) -> Answer:
        reads = self.reads()
        records = reads.records("list_deployments", namespace=namespace)
        rows = [([r.namespace or ""] if namespace is None else []) + [r.name, r.ready or "", r.age or ""] for r in records]
        columns = (["NAMESPACE"] if namespace is None else []) + ["NAME", "READY", "AGE"]
        return Answer(title=say("title_deployments", self.lang), source=reads.source,
                      blocks=[TableBlock(columns=columns, rows=rows)], data={"deployments": [as_data.deployment(r) for r in records]},
                      suggestions=[suggestion("unhealthy", self.lang, "unhealthy pods")])

    def list_services(self, namespace: str | None) -> Answer:
        reads = self.reads()
        records = reads.records("list_services", namespace=namespace)
        rows = [[r.namespace or "", r.name, str(_dig(r.raw, "spec", "type") or ""), _ports(r.raw), r.age or ""] for r in records]
        return Answer(title=say("title_services", self.lang), source=reads.source,
                      blocks=[TableBlock(columns=["NAMESPACE", "NAME", "TYPE", "PORTS", "AGE"], rows=rows)],
                      data={"services": [as_data.service(r) for r in records]})

    def warning_events(self, namespace: str | None) -> Answer:
        reads = self.reads()
        events = [e for e in reads.records("list_events", namespace=namespace) if _event_type(e) == "Warning"]
        title = say("title_warning_events", self.lang)
        if not events:
            return Answer(title=title, source=reads.source, blocks=[TextBlock(text=say("no_problems", self.lang))],
                          data={"events": []})
        return Answer(title=title, source=reads.source, blocks=[_event_table(events)], data={"events": _events_data(events)},
                      suggestions=[suggestion("unhealthy", self.lang, "unhealthy pods")], tip=say("tip_events_first", self.lang))

    # --- one object ------------------------------------------------------------------------------------------

    def logs(self, namespace: str, pod: str, *, previous: bool = False) -> Answer:
        reads = self.reads()
        text = reads.text("pod_logs", namespace=namespace, name=pod, tail_lines=LOG_LINES, previous=previous or None)
        record = next((r for r in reads.records("list_pods", namespace=namespace) if r.name == pod), None)
        containers = [c.get("name") for c in _dig(record.raw, "spec", "containers") or []] if record else []
        detail = say("logs_detail", self.lang, container=containers[0] if containers else "default", lines=LOG_LINES,
                     previous=say("previous_suffix", self.lang) if previous else "")
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
                      suggestions=suggestions[:3], tip=tip)

    def describe(self, namespace: str | None, kind: str, name: str) -> Answer:
        reads = self.reads()
        if kind == "pod" and self.gateway.has("describe_pod"):
            text = reads.text("describe_pod", namespace=namespace, name=name)
        else:
            text = reads.text("describe", kind=kind.capitalize(), namespace=namespace, name=name)
        return Answer(title=f"{kind.capitalize()} {namespace}/{name}", source=reads.source,
                      blocks=[CodeBlock(language="text", text=text.rstrip())],
                      data={"describe": {"kind": kind.capitalize(), "namespace": namespace, "name": name, "text": text.rstrip()}},
                      suggestions=[suggestion("events", self.lang, f"events of {kind} {name} -n {namespace}", name=name),
                                   suggestion("diagnose", self.lang, f"diagnose {kind} {name} -n {namespace}", name=name)])

    def events(self, namespace: str | None, kind: str | None, name: str | None) -> Answer:
        reads = self.reads()
        events = reads.records("list_events", namespace=namespace)
        if name:
            events = [e for e in events if _involves(e, kind, name)]
        where = f"{namespace}/{name}" if name else (namespace or say("all_namespaces", self.lang))
        title = say("title_events_of", self.lang, where=where)
        blocks: list[Any] = [_event_table(events)] if events else [TextBlock(text=say("empty", self.lang))]
        suggestions = []
        if name and kind:
            suggestions = [suggestion("diagnose", self.lang, f"diagnose {kind} {name} -n {namespace}", name=name)]
            if kind == "pod":
                suggestions.append(suggestion("logs", self.lang, f"logs of pod {name} -n {namespace}", name=name))
        return Answer(title=title, source=reads.source, blocks=blocks, suggestions=suggestions,
                      data={"events": _events_data(events)})


# --- tables ----------------------------------------------------------------------------------------------------


def _pod_table(records: list[Any], *, all_namespaces: bool, title: str | None = None) -> TableBlock:
    columns = (["NAMESPACE"] if all_namespaces else []) + ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    rows = [([r.namespace or ""] if all_namespaces else []) + [r.name, r.ready or "", r.status or "", str(r.restarts or 0), r.age or ""]
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
                     f"{str(obj.get('kind', '')).lower()}/{obj.get('name', '')}", str(e.raw.get("message", ""))[:160]])
    return TableBlock(columns=["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], rows=rows)


def _event_type(e: Any) -> str:
    return str(e.raw.get("type") or "")


def _event_time(e: Any) -> str:
    return str(e.raw.get("lastTimestamp") or e.raw.get("eventTime") or e.raw.get("firstTimestamp") or "")


def _involves(e: Any, kind: str | None, name: str) -> bool:
    obj_name = str((e.raw.get("involvedObject") or {}).get("name", ""))
    return obj_name == name or (kind == "deployment" and obj_name.startswith(name + "-"))


def _ago(timestamp: str) -> str:
    return age(timestamp) or timestamp


def _ports(raw: dict[str, Any]) -> str:
    return ",".join(f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in _dig(raw, "spec", "ports") or [])


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data
