"""Binding pods to nodes the way kube-scheduler would explain it: resource fit, cordons, taints, node selectors."""

from __future__ import annotations

import ipaddress
from collections import Counter
from typing import Any

from kubecopilot.sandbox.quantity import mebibytes, millicores
from kubecopilot.sandbox.rules import node_is_ready
from kubecopilot.sandbox.store import Obj, Store

TERMINAL_PHASES = ("Succeeded", "Failed")


def pod_requests(spec: dict[str, Any]) -> tuple[int, int]:
    """(millicores, MiB) requested; a container with only limits requests its limits, as the API server defaults."""
    cpu = mem = 0
    for c in spec.get("containers") or ():
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        cpu += millicores(req.get("cpu", lim.get("cpu")))
        mem += mebibytes(req.get("memory", lim.get("memory")))
    return cpu, mem


def allocated(store: Store, node_name: str) -> tuple[int, int]:
    cpu = mem = 0
    for pod in store.list("Pod"):
        if pod["spec"].get("nodeName") == node_name and pod.get("status", {}).get("phase") not in TERMINAL_PHASES:
            c, m = pod_requests(pod["spec"])
            cpu, mem = cpu + c, mem + m
    return cpu, mem


def schedule(store: Store, pod: Obj) -> tuple[str | None, str | None]:
    """(node name, None) when the pod fits somewhere, else (None, the FailedScheduling message)."""
    nodes = store.list("Node")
    if unbound := _unbound_claim(store, pod):
        n = len(nodes)
        return None, f"0/{n} nodes are available: {unbound}. preemption: 0/{n} nodes are available: {n} Preemption is not helpful for scheduling."
    cpu, mem = pod_requests(pod["spec"])
    reasons: Counter[str] = Counter()
    best: tuple[int, str] | None = None
    for node in nodes:
        reason = _unfit_reason(store, node, pod["spec"], cpu, mem)
        if reason:
            reasons[reason] += 1
            continue
        free_cpu = millicores(node["status"]["allocatable"]["cpu"]) - allocated(store, node["metadata"]["name"])[0]
        candidate = (-free_cpu, node["metadata"]["name"])  # most free CPU wins; the name breaks ties
        best = candidate if best is None or candidate < best else best
    if best is not None:
        return best[1], None
    return None, _failed_message(len(nodes), reasons)


def _unbound_claim(store: Store, pod: Obj) -> str | None:
    """The scheduler's wording for a pod whose PersistentVolumeClaim is missing or not bound yet."""
    for vol in pod["spec"].get("volumes") or ():
        claim_name = (vol.get("persistentVolumeClaim") or {}).get("claimName")
        if not claim_name:
            continue
        claim = store.peek("PersistentVolumeClaim", claim_name, pod["metadata"]["namespace"])
        if claim is None:
            return f'persistentvolumeclaim "{claim_name}" not found'
        if (claim.get("status") or {}).get("phase") != "Bound":
            return "pod has unbound immediate PersistentVolumeClaims"
    return None


def _unfit_reason(store: Store, node: Obj, spec: dict[str, Any], cpu: int, mem: int) -> str | None:
    name = node["metadata"]["name"]
    for taint in node["spec"].get("taints") or ():
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(spec.get("tolerations") or (), taint):
            if taint["key"] == "node.kubernetes.io/unschedulable":
                return "node(s) were unschedulable"
            return f"node(s) had untolerated taint {{{taint['key']}: {taint.get('value', '')}}}"
    if node["spec"].get("unschedulable"):
        return "node(s) were unschedulable"
    if not node_is_ready(node):
        return "node(s) had untolerated taint {node.kubernetes.io/unreachable: }"
    labels = node["metadata"].get("labels") or {}
    if any(labels.get(k) != v for k, v in (spec.get("nodeSelector") or {}).items()):
        return "node(s) didn't match Pod's node affinity/selector"
    used_cpu, used_mem = allocated(store, name)
    alloc = node["status"]["allocatable"]
    if cpu > millicores(alloc["cpu"]) - used_cpu:
        return "Insufficient cpu"
    if mem > mebibytes(alloc["memory"]) - used_mem:
        return "Insufficient memory"
    return None


def tolerates(tolerations: Any, taint: dict[str, Any]) -> bool:
    for t in tolerations:
        key_ok = t.get("key") == taint["key"] or (not t.get("key") and t.get("operator") == "Exists")
        value_ok = t.get("operator") == "Exists" or t.get("value", "") == taint.get("value", "")
        if key_ok and value_ok and t.get("effect") in (None, "", taint.get("effect")):
            return True
    return False


def _failed_message(total: int, reasons: Counter[str]) -> str:
    parts = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items()))
    victims = ", ".join(
        f"{n} {'No preemption victims found for incoming pod' if r.startswith('Insufficient') else 'Preemption is not helpful for scheduling'}"
        for r, n in sorted(reasons.items())
    )
    return f"0/{total} nodes are available: {parts}. preemption: 0/{total} nodes are available: {victims}."


def assign_pod_ip(store: Store, node: Obj) -> str:
    """The lowest free address in the node's pod CIDR."""
    network = ipaddress.ip_network(node["spec"]["podCIDR"])
    used = {
        p.get("status", {}).get("podIP")
        for p in store.list("Pod")
        if p["spec"].get("nodeName") == node["metadata"]["name"]
    }
    for host in list(network.hosts())[1:]:
        if str(host) not in used:
            return str(host)
    raise RuntimeError(f"pod CIDR of {node['metadata']['name']} is exhausted")


def node_ip(node: Obj) -> str:
    return str(next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP"))
