"""Clusters, namespaces and nodes."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from kubecopilot.sandbox import display, kinds, metrics, objects
from kubecopilot.sandbox.admission import validate
from kubecopilot.sandbox.describe import describe_node as render_node
from kubecopilot.sandbox.errors import AlreadyExists, Forbidden
from kubecopilot.sandbox.ops.common import deleted, envelope, listed, operation, written
from kubecopilot.sandbox.rules import node_is_ready
from kubecopilot.sandbox.statuses import is_ready
from kubecopilot.sandbox.timeutil import stamp

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster

PROTECTED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
RECENT_WARNINGS = 10


def _summary(c: Cluster, current: bool) -> dict[str, Any]:
    nodes = c.store.list("Node")
    ready = sum(node_is_ready(n) for n in nodes)
    return {
        "name": c.name,
        "server": c.server,
        "version": c.version,
        "current": current,
        "context": f"{c.name}-admin@{c.name}",
        "nodes": len(nodes),
        "nodesReady": ready,
        "status": "Healthy" if ready == len(nodes) else "Degraded",
    }


@operation
def list_clusters(c: Cluster) -> dict[str, Any]:
    world = c.world
    clusters = list(world.clusters.values()) if world else [c]
    current = world.current if world else c.name
    return {"apiVersion": "v1", "kind": "ClusterList", "current": current,
            "items": [_summary(x, x.name == current) for x in clusters]}


@operation
def get_cluster_info(c: Cluster) -> dict[str, Any]:
    major, minor, _ = c.version.lstrip("v").split(".")
    return {
        "name": c.name,
        "controlPlane": c.server,
        "coreDNS": f"{c.server}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy",
        "version": {"major": major, "minor": minor, "gitVersion": c.version, "platform": "linux/amd64",
                    "goVersion": "go1.22.5"},
        "nodes": len(c.store.list("Node")),
        "namespaces": len(c.store.list("Namespace")),
        "addons": sorted({d["metadata"]["name"] for d in c.store.list("Deployment", "kube-system")}
                         | {d["metadata"]["name"] for d in c.store.list("DaemonSet", "kube-system")}),
    }


@operation
def get_cluster_overview(c: Cluster) -> dict[str, Any]:
    nodes = c.store.list("Node")
    pods = c.store.list("Pod")
    deployments = c.store.list("Deployment")
    warnings = sorted((e for e in c.store.list("Event") if e["type"] == "Warning"), key=lambda e: e["lastTimestamp"])
    degraded = [d for d in deployments if d["status"].get("availableReplicas", 0) < d["spec"].get("replicas", 1)]
    return {
        "cluster": c.name,
        "version": c.version,
        "nodes": {"total": len(nodes), "ready": sum(node_is_ready(n) for n in nodes),
                  "notReady": [n["metadata"]["name"] for n in nodes if not node_is_ready(n)],
                  "cordoned": [n["metadata"]["name"] for n in nodes if n["spec"].get("unschedulable")]},
        "namespaces": [n["metadata"]["name"] for n in c.store.list("Namespace")],
        "pods": {
            "total": len(pods),
            "byPhase": dict(sorted(Counter(p["status"].get("phase", "Unknown") for p in pods).items())),
            "ready": sum(is_ready(p) for p in pods),
            "problems": [
                {"namespace": p["metadata"]["namespace"], "name": p["metadata"]["name"], "status": display.pod_status(p),
                 "reason": display.problem_reason(p), "ready": display.ready_column(p), "restarts": display.restarts(p),
                 "node": p["spec"].get("nodeName")}
                for p in pods if display.is_problem(p)
            ],
        },
        "deployments": {
            "total": len(deployments),
            "available": len(deployments) - len(degraded),
            "degraded": [{"namespace": d["metadata"]["namespace"], "name": d["metadata"]["name"],
                          "ready": f"{d['status'].get('readyReplicas', 0)}/{d['spec'].get('replicas', 1)}"} for d in degraded],
        },
        "recentWarnings": [
            {"namespace": e["metadata"]["namespace"], "object": f"{e['involvedObject']['kind']}/{e['involvedObject']['name']}",
             "reason": e["reason"], "message": e["message"], "count": e["count"], "lastTimestamp": e["lastTimestamp"]}
            for e in warnings[-RECENT_WARNINGS:]
        ],
    }


@operation
def list_api_resources(c: Cluster) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for k in kinds.KINDS:
        groups.setdefault(k.api_version, []).append({
            "name": k.plural, "singularName": k.kind.lower(), "namespaced": k.namespaced, "kind": k.kind,
            "verbs": list(k.verbs), **({"shortNames": list(k.short_names)} if k.short_names else {}),
        })
    return {"kind": "APIResourceLists", "cluster": c.name,
            "groups": [{"kind": "APIResourceList", "groupVersion": gv, "resources": res} for gv, res in groups.items()]}


# --- namespaces -------------------------------------------------------------------------------------------------


@operation
def list_namespaces(c: Cluster) -> dict[str, Any]:
    return listed(c, "Namespace")


@operation
def get_namespace(c: Cluster, name: str) -> dict[str, Any]:
    namespace: dict[str, Any] = envelope(c, "Namespace", [c.require_namespace(name)])["items"][0]
    return namespace


@operation
def create_namespace(c: Cluster, name: str) -> dict[str, Any]:
    if c.store.peek("Namespace", name):
        raise AlreadyExists.of("namespaces", name)
    ns = objects.namespace(name)
    validate(ns)
    created = c.store.create(ns)
    c.reconcile()
    return written(f'namespace "{name}" created', created)


@operation
def delete_namespace(c: Cluster, name: str) -> dict[str, Any]:
    ns = c.require_namespace(name)
    if name in PROTECTED_NAMESPACES:
        raise Forbidden(f'namespaces "{name}" is forbidden: this namespace may not be deleted')
    removed: Counter[str] = Counter()
    for obj in list(c.store.all()):
        if obj["metadata"].get("namespace") == name and obj["kind"] != "Event":
            removed[obj["kind"]] += 1
    for obj in list(c.store.all()):
        if obj["metadata"].get("namespace") == name:
            c.store.delete(obj["kind"], obj["metadata"]["name"], name)
    c.store.delete("Namespace", name)
    c.reconcile()
    result = deleted(f'namespace "{name}" deleted', ns)
    result["deletedObjects"] = dict(sorted(removed.items()))
    return result


# --- nodes --------------------------------------------------------------------------------------------------------


@operation
def list_nodes(c: Cluster) -> dict[str, Any]:
    return listed(c, "Node")


@operation
def describe_node(c: Cluster, node_name: str) -> str:
    return render_node(c, c.store.require("Node", node_name))


def _set_unschedulable(c: Cluster, node_name: str, unschedulable: bool) -> dict[str, Any]:
    node = c.store.get("Node", node_name)
    taints = [t for t in node["spec"].get("taints") or () if t["key"] != "node.kubernetes.io/unschedulable"]
    if unschedulable:
        node["spec"]["unschedulable"] = True
        taints.append({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": stamp(c.now())})
    else:
        node["spec"].pop("unschedulable", None)
    if taints:
        node["spec"]["taints"] = taints
    else:
        node["spec"].pop("taints", None)
    changed = c.store.update(node)
    if changed:
        reason = "NodeNotSchedulable" if unschedulable else "NodeSchedulable"
        c.events.record(node, reason, f"Node {node_name} status is now: {reason}", component="kubelet")
    c.reconcile()
    verb = "cordoned" if unschedulable else "uncordoned"
    return written(f"node/{node_name} {verb}" if changed else f"node/{node_name} already {verb}",
                   c.store.require("Node", node_name))


@operation
def cordon_node(c: Cluster, node_name: str) -> dict[str, Any]:
    return _set_unschedulable(c, node_name, True)


@operation
def uncordon_node(c: Cluster, node_name: str) -> dict[str, Any]:
    return _set_unschedulable(c, node_name, False)


@operation
def get_node_metrics(c: Cluster, node_name: str | None = None) -> dict[str, Any]:
    nodes = [c.store.require("Node", node_name)] if node_name else c.store.list("Node")
    return {"apiVersion": "metrics.k8s.io/v1beta1", "kind": "NodeMetricsList", "metadata": {},
            "items": [metrics.node_metrics(c, n) for n in nodes]}
