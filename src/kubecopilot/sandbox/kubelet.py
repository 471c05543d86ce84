"""What kube-scheduler, the kubelets and the node controller do: bind pods, compute their status from the failure
rules, emit their events, and react to nodes that stop reporting (taints, NotReady pods, eviction after 5 min).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from kubecopilot.sandbox import podstatus, rules, scheduler
from kubecopilot.sandbox.events import EventSpec
from kubecopilot.sandbox.podstatus import retries
from kubecopilot.sandbox.store import Obj
from kubecopilot.sandbox.timeutil import parse_stamp, stamp

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster

EVICTION_DELAY = timedelta(seconds=300)  # the default tolerationSeconds for node.kubernetes.io/unreachable
UNREACHABLE = "node.kubernetes.io/unreachable"


def bind(c: Cluster, pod: Obj, node: Obj) -> None:
    pod["spec"]["nodeName"] = node["metadata"]["name"]
    status = pod.setdefault("status", {})
    status["hostIP"] = scheduler.node_ip(node)
    status["podIP"] = scheduler.assign_pod_ip(c.store, node)


def sync_pods(c: Cluster) -> None:
    pending = sorted(
        (p for p in c.store.list("Pod") if not p["spec"].get("nodeName")),
        key=lambda p: (p["metadata"]["creationTimestamp"], p["metadata"]["name"]),
    )
    unschedulable: dict[str, str] = {}
    for pod in pending:
        node_name, why = scheduler.schedule(c.store, pod)
        if node_name is None:
            unschedulable[pod["metadata"]["uid"]] = why or ""
            continue
        bound = c.store.get("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"])
        bind(c, bound, c.store.require("Node", node_name))
        c.store.update(bound)
    for pod in c.store.list("Pod"):
        _sync_pod(c, pod, unschedulable.get(pod["metadata"]["uid"]))


def _sync_pod(c: Cluster, pod: Obj, unschedulable: str | None) -> None:
    now = c.now()
    outcome = rules.evaluate(pod, c.store, c.catalog)
    status = podstatus.build_status(pod, outcome, now, unschedulable)
    if status != pod.get("status"):
        c.store.update({**pod, "status": status})
    updated = c.store.require("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"])
    for spec in podstatus.pod_events(pod, outcome, now, unschedulable):
        c.events.observe(updated, spec)
    created = parse_stamp(pod["metadata"]["creationTimestamp"])
    if outcome.mount_error:
        count = retries((now - created).total_seconds())
        c.events.observe(updated, EventSpec("FailedMount", outcome.mount_error, "Warning", "kubelet", count, created, now))
    node = c.store.peek("Node", pod["spec"].get("nodeName") or "")
    if node is not None and not outcome.node_ready:
        since = _not_ready_since(node)
        c.events.observe(updated, EventSpec("NodeNotReady", "Node is not ready", "Warning", "node-controller", 1, since, since))


def sync_nodes(c: Cluster) -> None:
    """Taint lost nodes and mark their pods for eviction once the toleration runs out (they stay Terminating,
    since no kubelet is there to confirm, and their controllers replace them elsewhere)."""
    now = c.now()
    for node in c.store.list("Node"):
        if rules.node_is_ready(node):
            continue
        since = _not_ready_since(node)
        if now - since < EVICTION_DELAY:
            continue
        deadline = stamp(since + EVICTION_DELAY)
        for pod in c.store.list("Pod"):
            if pod["spec"].get("nodeName") != node["metadata"]["name"] or pod["metadata"].get("deletionTimestamp"):
                continue
            if any(r.get("kind") == "DaemonSet" for r in pod["metadata"].get("ownerReferences") or ()):
                continue
            doomed = c.store.get("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"])
            doomed["metadata"]["deletionTimestamp"] = deadline
            doomed["metadata"]["deletionGracePeriodSeconds"] = 30
            c.store.update(doomed)
            c.events.observe(doomed, EventSpec("TaintManagerEviction", f"Marking for deletion Pod {pod['metadata']['namespace']}/"
                                               f"{pod['metadata']['name']}", "Normal", "taint-eviction-controller", 1,
                                               since + EVICTION_DELAY, since + EVICTION_DELAY))


def set_node_ready(c: Cluster, node_name: str, ready: bool) -> None:
    """Make a node stop (or resume) reporting: conditions, taints and the node controller's event."""
    node = c.store.get("Node", node_name)
    now = stamp(c.now())
    node["status"]["conditions"] = node_conditions(ready, now)
    taints = [t for t in node["spec"].get("taints") or () if t["key"] != UNREACHABLE]
    if not ready:
        taints += [{"key": UNREACHABLE, "effect": "NoSchedule", "timeAdded": now},
                   {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": now}]
    if taints:
        node["spec"]["taints"] = taints
    else:
        node["spec"].pop("taints", None)
    c.store.update(node)
    state = "NodeReady" if ready else "NodeNotReady"
    c.events.record(node, state, f"Node {node_name} status is now: {state}", "Normal", "node-controller")


PRESSURE = {  # condition → (the kubelet's reason and message when it holds, the taint the node controller adds)
    "MemoryPressure": ("KubeletHasInsufficientMemory", "kubelet has insufficient memory available", "node.kubernetes.io/memory-pressure"),
    "DiskPressure": ("KubeletHasDiskPressure", "kubelet has disk pressure", "node.kubernetes.io/disk-pressure"),
    "PIDPressure": ("KubeletHasInsufficientPID", "kubelet has insufficient PID available", "node.kubernetes.io/pid-pressure"),
}


def set_node_pressure(c: Cluster, node_name: str, condition: str) -> None:
    """The kubelet reports a resource running out: the condition turns True, new pods are kept off (a NoSchedule
    taint) and the kubelet says so in an event. Pods already there keep running (no eviction is simulated)."""
    reason, message, taint_key = PRESSURE[condition]
    node = c.store.get("Node", node_name)
    now = stamp(c.now())
    node["status"]["conditions"] = [_cond(condition, "True", reason, message, now) if cond["type"] == condition else cond
                                    for cond in node["status"].get("conditions") or ()]
    taints = [t for t in node["spec"].get("taints") or () if t["key"] != taint_key]
    node["spec"]["taints"] = [*taints, {"key": taint_key, "effect": "NoSchedule", "timeAdded": now}]
    c.store.update(node)
    event = f"NodeHas{condition}" if condition != "MemoryPressure" else "NodeHasInsufficientMemory"
    c.events.record(node, event, f"Node {node_name} status is now: {event}", "Normal", "kubelet")


def node_conditions(ready: bool, at: str) -> list[dict[str, Any]]:
    if ready:
        pressure = [("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available")]
        conds = [_cond(t, "False", r, m, at) for t, r, m in pressure]
        return conds + [_cond("Ready", "True", "KubeletReady", "kubelet is posting ready status", at)]
    lost = "Kubelet stopped posting node status."
    return [_cond(t, "Unknown", "NodeStatusUnknown", lost, at) for t in ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")]


def _cond(type_: str, status: str, reason: str, message: str, at: str) -> dict[str, Any]:
    return {"type": type_, "status": status, "reason": reason, "message": message,
            "lastHeartbeatTime": at, "lastTransitionTime": at}


def _not_ready_since(node: Obj) -> datetime:
    for cond in node["status"].get("conditions") or ():
        if cond["type"] == "Ready":
            return parse_stamp(cond["lastTransitionTime"])
    return parse_stamp(node["metadata"]["creationTimestamp"])
