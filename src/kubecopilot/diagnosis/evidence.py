"""Gather what a diagnosis looks at, through the gateway's capabilities only (never a tool name).

The target is a Deployment/StatefulSet (→ its ReplicaSets and, by selector and owner, its pods), a pod (→ its owning
workload, so a fix can be proposed), a node, or a name prefix ("cart-service" → the cart-service-… pods). Per pod:
events, describe text, current logs, and the previous container's logs when it restarted; nodes when a pod is
Pending or not Ready (the roomiest node's free capacity decides a Pending fix). Bounded: at most ``MAX_PODS`` pods.

A capability the server lacks, or a read that fails, is skipped and noted (``notes``); gathering never raises for
it, because a partial picture still diagnoses most failures.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kubecopilot.diagnosis.conditions import owned_by
from kubecopilot.diagnosis.models import Evidence
from kubecopilot.errors import CapabilityMissing, KubeCopilotError, ToolFailed
from kubecopilot.k8s import labels_of, selector_matches, selector_query
from kubecopilot.quantity import parse_quantity
from kubecopilot.tools.ports import Gateway

log = logging.getLogger(__name__)
MAX_PODS = 3
MAX_NODES_DESCRIBED = 4
STARTUP_TAIL = 400
WORKLOAD_KINDS = ("Deployment", "StatefulSet")


class _Reader:
    """Calls capabilities; a missing one or a failed read becomes a note and ``None``, never an exception."""

    def __init__(self, gateway: Gateway, cluster: str | None, notes: list[str], fresh: bool) -> None:
        self.gateway, self.cluster, self.notes, self.fresh = gateway, cluster, notes, fresh

    def data(self, capability: str, **slots: Any) -> Any:
        result = self._invoke(capability, **slots)
        return None if result is None else result.data

    def text(self, capability: str, **slots: Any) -> str | None:
        result = self._invoke(capability, **slots)
        return None if result is None else result.text

    def items(self, capability: str, **slots: Any) -> list[dict[str, Any]] | None:
        data = self.data(capability, **slots)
        items = data.get("items") if isinstance(data, Mapping) else None
        if isinstance(items, list):
            return items
        return data if isinstance(data, list) else None

    def exists(self, kind: str, name: str, namespace: str | None) -> dict[str, Any] | None:
        """The object, or None when it is not there (a not-found is an answer here, not a failure to note)."""
        if not self.gateway.has("get_resource"):
            if not any("get_resource" in n for n in self.notes):
                self.note("skipped get_resource: the server cannot read single objects; matching pods by name")
            return None
        try:
            result = self.gateway.invoke("get_resource", fresh=self.fresh, kind=kind, name=name, namespace=namespace,
                                         cluster=self.cluster)
        except ToolFailed as exc:
            if not exc.is_not_found:
                self.note(f"get_resource {kind}/{name}: {exc.message}")
            return None
        except KubeCopilotError as exc:
            self.note(f"get_resource {kind}/{name}: {exc.message}")
            return None
        data = result.data
        return dict(data) if isinstance(data, Mapping) and data.get("kind") == kind else None

    def note(self, text: str) -> None:
        log.info("evidence: %s", text)
        self.notes.append(text)

    def _invoke(self, capability: str, **slots: Any) -> Any:
        what = f"{capability} {' '.join(f'{k}={v}' for k, v in slots.items() if v is not None)}".strip()
        try:
            return self.gateway.invoke(capability, fresh=self.fresh, cluster=self.cluster, **slots)
        except CapabilityMissing as exc:
            self.note(f"skipped {what}: {exc.message}")
        except KubeCopilotError as exc:  # ToolFailed, MCP timeouts …: keep what we have
            self.note(f"could not read {what}: {exc.message}")
        return None


def gather_evidence(gateway: Gateway, *, namespace: str, target: str, cluster: str | None = None, tail_lines: int = 50,
                    notes: list[str] | None = None, fresh: bool = False) -> Evidence:
    """Evidence about ``target`` in ``namespace``; what could not be read is appended to ``notes`` and kept in
    ``evidence.notes``."""
    read = _Reader(gateway, cluster, notes if notes is not None else [], fresh)
    evidence = _gather(read, Evidence(cluster=cluster, namespace=namespace, target=target), tail_lines)
    evidence.notes = list(read.notes)
    return evidence


def _gather(read: _Reader, evidence: Evidence, tail_lines: int) -> Evidence:
    target, namespace = evidence.target, evidence.namespace
    workload = next((w for kind in WORKLOAD_KINDS if (w := read.exists(kind, target, namespace))), None)
    if workload is not None:
        _workload_pods(read, evidence, workload)
    elif (pod := read.exists("Pod", target, namespace)) is not None:
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


def _workload_pods(read: _Reader, evidence: Evidence, workload: dict[str, Any]) -> None:
    evidence.workload = workload
    meta = workload["metadata"]
    if workload["kind"] == "Deployment":
        replicasets = read.items("list_replicasets", namespace=evidence.namespace) or []
        evidence.replicasets = [rs for rs in replicasets if owned_by(rs, workload)]
    selector = (workload.get("spec") or {}).get("selector")
    pods = [p for p in read.items("list_pods", namespace=evidence.namespace, label_selector=selector_query(selector)) or []
            if selector_matches(selector, labels_of(p))]
    # Owners tell apart two workloads with overlapping selectors; without the ReplicaSets, labels must do.
    owners = {meta.get("uid")} | {rs["metadata"].get("uid") for rs in evidence.replicasets}
    if workload["kind"] == "StatefulSet" or evidence.replicasets:
        pods = [p for p in pods if _owner_uids(p) & owners]
    evidence.pods = pods


def _owner_of(read: _Reader, evidence: Evidence, pod: dict[str, Any]) -> None:
    """The pod's Deployment (through its ReplicaSet) or StatefulSet, so the fix can target the workload."""
    for ref in (pod.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("kind") == "StatefulSet":
            evidence.workload = read.exists("StatefulSet", ref["name"], evidence.namespace)
        elif ref.get("kind") == "ReplicaSet":
            replicasets = read.items("list_replicasets", namespace=evidence.namespace) or []
            rs = next((r for r in replicasets if r["metadata"].get("name") == ref.get("name")), None)
            deployment = next((o for o in (rs or {}).get("metadata", {}).get("ownerReferences") or []
                               if o.get("kind") == "Deployment"), None)
            if deployment is not None:
                evidence.workload = read.exists("Deployment", deployment["name"], evidence.namespace)
                evidence.replicasets = [r for r in replicasets if evidence.workload and owned_by(r, evidence.workload)]


def _pods_by_prefix(read: _Reader, evidence: Evidence) -> None:
    pods = read.items("list_pods", namespace=evidence.namespace) or []
    evidence.pods = [p for p in pods if p["metadata"]["name"].startswith(evidence.target)]
    if not evidence.pods:
        read.note(f"no Deployment, StatefulSet, pod or node named {evidence.target} in {evidence.namespace}")


def _most_telling(pods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Unhealthy pods first, newest first: a rollout's new pods are where its failure shows."""
    newest = sorted(pods, key=lambda p: p["metadata"].get("creationTimestamp") or "", reverse=True)
    return sorted(newest, key=_looks_healthy)


def _looks_healthy(pod: Mapping[str, Any]) -> bool:
    status = pod.get("status") or {}
    statuses = status.get("containerStatuses") or []
    settled = all(s.get("ready") or "terminated" in (s.get("state") or {}) for s in statuses)
    return status.get("phase") in ("Running", "Succeeded") and bool(statuses) and settled


# --- per pod and node -----------------------------------------------------------------------------------------------


def _pod_details(read: _Reader, evidence: Evidence, pod: dict[str, Any], tail_lines: int) -> None:
    name, ns = pod["metadata"]["name"], evidence.namespace
    events = read.items("events_for", kind="Pod", name=name, namespace=ns)
    if events is None and read.gateway.has("list_events"):
        events = [e for e in read.items("list_events", namespace=ns) or []
                  if (e.get("involvedObject") or {}).get("name") == name]
    evidence.events += events or []
    if (text := read.text("describe_pod", name=name, namespace=ns)) is not None:
        evidence.describe[name] = text
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        key = f"{name}/{status['name']}"
        state = status.get("state") or {}
        if "running" in state or "terminated" in state or status.get("restartCount"):
            # Running but not Ready smells of a probe on the wrong path: the startup lines, long scrolled out of a
            # short tail, are where apps name the endpoints they serve.
            lines = tail_lines if status.get("ready") or "running" not in state else max(tail_lines, STARTUP_TAIL)
            logs = read.text("pod_logs", name=name, namespace=ns, container=status["name"], tail_lines=lines)
            if logs is not None:
                evidence.logs[key] = logs
        if status.get("restartCount") or (status.get("lastState") or {}).get("terminated"):
            logs = read.text("pod_logs", name=name, namespace=ns, container=status["name"], tail_lines=tail_lines,
                             previous=True)
            if logs is not None:
                evidence.previous_logs[key] = logs


def _nodes_for(read: _Reader, evidence: Evidence) -> None:
    """All nodes (with describe text for their free capacity) for a Pending pod; else the nodes of unhealthy pods."""
    pending = any(not (p.get("spec") or {}).get("nodeName") for p in evidence.pods)
    hosts = {(p.get("spec") or {}).get("nodeName") for p in evidence.pods if not _looks_healthy(p)} - {None}
    if not pending and not hosts:
        return
    nodes = read.items("list_nodes") or []
    evidence.nodes = nodes if pending else [n for n in nodes if n["metadata"]["name"] in hosts]
    if pending:
        for node in sorted(nodes, key=_allocatable_cpu, reverse=True)[:MAX_NODES_DESCRIBED]:
            name = node["metadata"]["name"]
            if (text := read.text("describe", kind="Node", name=name)) is not None:
                evidence.describe[f"node/{name}"] = text


def _node_named(read: _Reader, name: str) -> dict[str, Any] | None:
    if read.gateway.has("get_resource"):
        return read.exists("Node", name, None)
    return next((n for n in read.items("list_nodes") or [] if n["metadata"]["name"] == name), None)


def _node_evidence(read: _Reader, evidence: Evidence, node: dict[str, Any]) -> Evidence:
    name = node["metadata"]["name"]
    evidence.nodes = [node]
    evidence.events = read.items("events_for", kind="Node", name=name) or []
    if (text := read.text("describe", kind="Node", name=name)) is not None:
        evidence.describe[f"node/{name}"] = text
    return evidence


# --- helpers ----------------------------------------------------------------------------------------------------------


def _owner_uids(pod: Mapping[str, Any]) -> set[str | None]:
    return {ref.get("uid") for ref in (pod.get("metadata") or {}).get("ownerReferences") or []}


def _allocatable_cpu(node: Mapping[str, Any]) -> float:
    return float(parse_quantity(((node.get("status") or {}).get("allocatable") or {}).get("cpu")) or 0)
