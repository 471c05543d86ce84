"""Gather what a diagnosis looks at, through the gateway's capabilities only (never a tool name).

The target is a Deployment/StatefulSet (→ its ReplicaSets and, by selector and owner, its pods), a pod (→ its owning
workload, so a fix can be proposed), a node, or a name prefix ("cart-service" → the cart-service-… pods). Per pod:
events, describe text, current logs, and the previous container's logs when it restarted; nodes when a pod is
Pending or not Ready (the roomiest node's free capacity decides a Pending fix). Bounded: at most ``MAX_PODS`` pods.

Objects are whole (``tools.objects.ObjectReader``): a server whose lists are tables or summaries has each object read
with its get tool. A read that fails, an answer that cannot be understood, or a capability the server lacks becomes a
line in ``evidence.unread`` ("could not check …: reason") — gathering never raises for it, because a partial picture
still diagnoses most failures, and the verdict must say what it could not check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from kubecopilot.diagnosis.models import Evidence
from kubecopilot.errors import KubeCopilotError
from kubecopilot.k8s import controlled_by, labels_of, selector_matches, selector_query
from kubecopilot.quantity import parse_quantity
from kubecopilot.tools.objects import ObjectReader
from kubecopilot.tools.parsers import Record
from kubecopilot.tools.ports import Gateway

log = logging.getLogger(__name__)
MAX_PODS = 3
MAX_POD_READS = 10  # single-pod reads a table or summary list may cost (the unhealthy ones first)
MAX_NODES_DESCRIBED = 4
STARTUP_TAIL = 400
WORKLOAD_KINDS = ("Deployment", "StatefulSet")
Obj = dict[str, Any]


class _Reader:
    """Reads through the gateway; what could not be read becomes a line in ``unread`` and ``None``, never raises."""

    def __init__(self, gateway: Gateway, cluster: str | None, notes: list[str], fresh: bool) -> None:
        self.gateway, self.cluster, self.notes, self.fresh = gateway, cluster, notes, fresh
        self.reader = ObjectReader(gateway, cluster=cluster, fresh=fresh)
        self.unread: list[str] = []

    def get(self, kind: str, name: str, namespace: str | None) -> Obj | None:
        """The object, or None when it is not there or could not be read (which is noted)."""
        if not self.gateway.has("get_resource"):
            if not any("get_resource" in n for n in self.notes):
                self.note("skipped get_resource: the server cannot read single objects; matching pods by name")
            return None
        try:
            return self.reader.get(kind, name, namespace)
        except KubeCopilotError as exc:
            self.could_not(f"{kind} {name}", exc.message)
        return None

    def objects(self, kind: str, *, namespace: str | None, label_selector: str | None = None,
                where: Callable[[Record], bool] | None = None, limit: int | None = None) -> list[Obj] | None:
        try:
            found = self.reader.objects(kind, namespace=namespace, label_selector=label_selector, where=where,
                                        limit=limit)
        except KubeCopilotError as exc:
            self.could_not(f"the {kind}s" + (f" in {namespace}" if namespace else ""), exc.message)
            return None
        for gap in found.gaps:
            self.unread.append(gap)
            self.note(gap)
        return found.items

    def records(self, capability: str, what: str, **slots: Any) -> list[Record] | None:
        try:
            return self.gateway.records(capability, fresh=self.fresh, cluster=self.cluster, **slots).records
        except KubeCopilotError as exc:
            self.could_not(what, exc.message)
        return None

    def text(self, capability: str, what: str, **slots: Any) -> str | None:
        try:
            return self.gateway.invoke(capability, fresh=self.fresh, cluster=self.cluster, **slots).text
        except KubeCopilotError as exc:
            self.could_not(what, exc.message)
        return None

    def could_not(self, what: str, reason: str) -> None:
        line = f"could not check {what}: {reason}"
        if line not in self.unread:
            self.unread.append(line)
            self.note(line)

    def note(self, text: str) -> None:
        log.info("evidence: %s", text)
        self.notes.append(text)


def gather_evidence(gateway: Gateway, *, namespace: str, target: str, cluster: str | None = None, tail_lines: int = 50,
                    notes: list[str] | None = None, fresh: bool = False) -> Evidence:
    """Evidence about ``target`` in ``namespace``; what could not be read is in ``evidence.unread`` (and appended to
    ``notes``, with any other remark, and kept in ``evidence.notes``)."""
    read = _Reader(gateway, cluster, notes if notes is not None else [], fresh)
    evidence = _gather(read, Evidence(cluster=cluster, namespace=namespace, target=target), tail_lines)
    evidence.notes = list(read.notes)
    evidence.unread = list(read.unread)
    return evidence


def _gather(read: _Reader, evidence: Evidence, tail_lines: int) -> Evidence:
    target, namespace = evidence.target, evidence.namespace
    workload = next((w for kind in WORKLOAD_KINDS if (w := read.get(kind, target, namespace))), None)
    if workload is not None:
        _workload_pods(read, evidence, workload)
    elif (pod := read.get("Pod", target, namespace)) is not None:
        evidence.pods = [pod]
        _owner_of(read, evidence, pod)
    elif (node := _node_named(read, target)) is not None:
        return _node_evidence(read, evidence, node)
    else:
        _pods_by_prefix(read, evidence)
    evidence.pods = _most_telling(evidence.pods)[:MAX_PODS]
    for pod in evidence.pods:
        _pod_details(read, evidence, pod, tail_lines)
    _nodes_for(read, evidence)
    return evidence


# --- finding the pods ---------------------------------------------------------------------------------------------


def _workload_pods(read: _Reader, evidence: Evidence, workload: Obj) -> None:
    evidence.workload = workload
    selector = (workload.get("spec") or {}).get("selector")
    query = selector_query(selector)
    if workload["kind"] == "Deployment":
        replicasets = read.objects("ReplicaSet", namespace=evidence.namespace, label_selector=query) or []
        evidence.replicasets = [rs for rs in replicasets if controlled_by(rs, workload)]  # by uid, never by name
    pods = [p for p in read.objects("Pod", namespace=evidence.namespace, label_selector=query,
                                    limit=MAX_POD_READS) or []
            if selector_matches(selector, labels_of(p))]
    # Owners tell apart two workloads with overlapping selectors; without the ReplicaSets, labels must do.
    owners = {workload["metadata"].get("uid")} | {rs["metadata"].get("uid") for rs in evidence.replicasets}
    if workload["kind"] == "StatefulSet" or evidence.replicasets:
        pods = [p for p in pods if _owner_uids(p) & owners]
    evidence.pods = pods


def _owner_of(read: _Reader, evidence: Evidence, pod: Obj) -> None:
    """The pod's Deployment (through its ReplicaSet) or StatefulSet, so the fix can target the workload."""
    for ref in (pod.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("kind") == "StatefulSet":
            evidence.workload = read.get("StatefulSet", ref["name"], evidence.namespace)
        elif ref.get("kind") == "ReplicaSet":
            rs = read.get("ReplicaSet", ref["name"], evidence.namespace)
            deployment = next((o for o in ((rs or {}).get("metadata") or {}).get("ownerReferences") or []
                               if o.get("kind") == "Deployment"), None)
            if deployment is None:
                continue
            evidence.workload = read.get("Deployment", deployment["name"], evidence.namespace)
            if evidence.workload is not None:
                query = selector_query((evidence.workload.get("spec") or {}).get("selector"))
                replicasets = read.objects("ReplicaSet", namespace=evidence.namespace, label_selector=query) or []
                evidence.replicasets = [r for r in replicasets if controlled_by(r, evidence.workload)]


def _pods_by_prefix(read: _Reader, evidence: Evidence) -> None:
    pods = read.objects("Pod", namespace=evidence.namespace, where=lambda r: r.name.startswith(evidence.target),
                        limit=MAX_POD_READS)
    evidence.pods = [p for p in pods or [] if str(p["metadata"].get("name", "")).startswith(evidence.target)]
    if not evidence.pods and pods is not None:
        read.note(f"no Deployment, StatefulSet, pod or node named {evidence.target} in {evidence.namespace}")


def _most_telling(pods: list[Obj]) -> list[Obj]:
    """Unhealthy pods first, newest first: a rollout's new pods are where its failure shows."""
    newest = sorted(pods, key=lambda p: p["metadata"].get("creationTimestamp") or "", reverse=True)
    return sorted(newest, key=_looks_healthy)


def _looks_healthy(pod: Mapping[str, Any]) -> bool:
    status = pod.get("status") or {}
    statuses = status.get("containerStatuses") or []
    settled = all(s.get("ready") or "terminated" in (s.get("state") or {}) for s in statuses)
    return status.get("phase") in ("Running", "Succeeded") and bool(statuses) and settled


# --- per pod and node -----------------------------------------------------------------------------------------------


def _pod_details(read: _Reader, evidence: Evidence, pod: Obj, tail_lines: int) -> None:
    name, ns = pod["metadata"]["name"], evidence.namespace
    evidence.events += _events_of(read, "Pod", name, ns)
    if (text := read.text("describe_pod", f"describe pod {name}", name=name, namespace=ns)) is not None:
        evidence.describe[name] = text
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        key = f"{name}/{status['name']}"
        state = status.get("state") or {}
        if "running" in state or "terminated" in state or status.get("restartCount"):
            # Running but not Ready smells of a probe on the wrong path: the startup lines, long scrolled out of a
            # short tail, are where apps name the endpoints they serve.
            lines = tail_lines if status.get("ready") or "running" not in state else max(tail_lines, STARTUP_TAIL)
            logs = read.text("pod_logs", f"the log of {key}", name=name, namespace=ns, container=status["name"],
                             tail_lines=lines)
            if logs is not None:
                evidence.logs[key] = logs
        if status.get("restartCount") or (status.get("lastState") or {}).get("terminated"):
            logs = read.text("pod_logs", f"the previous log of {key}", name=name, namespace=ns,
                             container=status["name"], tail_lines=tail_lines, previous=True)
            if logs is not None:
                evidence.previous_logs[key] = logs


def _events_of(read: _Reader, kind: str, name: str, namespace: str | None) -> list[Obj]:
    """Events about one object, in the API's shape: its own events tool, else the namespace's events filtered."""
    what = f"the events of {kind.lower()} {name}"
    if read.gateway.has("events_for"):
        found = read.records("events_for", what, kind=kind, name=name, namespace=namespace)
    elif read.gateway.has("list_events"):
        found = read.records("list_events", what, namespace=namespace)
    else:
        read.could_not(what, "this server has no events tool")
        return []
    return [r.raw for r in found or [] if (r.raw.get("involvedObject") or {}).get("name") == name]


def _nodes_for(read: _Reader, evidence: Evidence) -> None:
    """All nodes (with describe text for their free capacity) for a Pending pod; else the nodes of unhealthy pods."""
    pending = any(not (p.get("spec") or {}).get("nodeName") for p in evidence.pods)
    hosts = {(p.get("spec") or {}).get("nodeName") for p in evidence.pods if not _looks_healthy(p)} - {None}
    if not pending and not hosts:
        return
    where = None if pending else (lambda r: r.name in hosts)
    nodes = read.objects("Node", namespace=None, where=where) or []
    evidence.nodes = nodes if pending else [n for n in nodes if n["metadata"]["name"] in hosts]
    if pending:
        for node in sorted(nodes, key=_allocatable_cpu, reverse=True)[:MAX_NODES_DESCRIBED]:
            name = node["metadata"]["name"]
            if (text := read.text("describe", f"describe node {name}", kind="Node", name=name)) is not None:
                evidence.describe[f"node/{name}"] = text


def _node_named(read: _Reader, name: str) -> Obj | None:
    if read.gateway.has("get_resource"):
        return read.get("Node", name, None)
    return next(iter(read.objects("Node", namespace=None, where=lambda r: r.name == name) or []), None)


def _node_evidence(read: _Reader, evidence: Evidence, node: Obj) -> Evidence:
    name = node["metadata"]["name"]
    evidence.nodes = [node]
    evidence.events = _events_of(read, "Node", name, None)
    if (text := read.text("describe", f"describe node {name}", kind="Node", name=name)) is not None:
        evidence.describe[f"node/{name}"] = text
    return evidence


# --- helpers ----------------------------------------------------------------------------------------------------------


def _owner_uids(pod: Mapping[str, Any]) -> set[str | None]:
    return {ref.get("uid") for ref in (pod.get("metadata") or {}).get("ownerReferences") or []}


def _allocatable_cpu(node: Mapping[str, Any]) -> float:
    return float(parse_quantity(((node.get("status") or {}).get("allocatable") or {}).get("cpu")) or 0)

