"""metrics.k8s.io figures (what ``kubectl top`` reads), derived from each app's profile with a stable per-pod jitter.

Only running containers report usage, as with metrics-server; a crash-looping or waiting container has none.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from kubecopilot.sandbox.quantity import format_cpu, mebibytes, millicores
from kubecopilot.sandbox.scheduler import pod_requests
from kubecopilot.sandbox.selectors import Selector
from kubecopilot.sandbox.store import Obj
from kubecopilot.sandbox.timeutil import stamp

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster

SYSTEM_RESERVED = (160, 980)  # kubelet, containerd and the OS on every node (millicores, MiB)


def container_usage(c: Cluster, pod: Obj) -> dict[str, tuple[int, int]]:
    running = {
        cs["name"]
        for cs in (pod.get("status") or {}).get("containerStatuses") or ()
        if "running" in (cs.get("state") or {})
    }
    usage: dict[str, tuple[int, int]] = {}
    for container in pod["spec"].get("containers") or ():
        if container["name"] not in running:
            continue
        app = c.catalog.profile(container.get("image", ""))
        jitter = _jitter(f"{pod['metadata'].get('uid')}/{container['name']}")
        usage[container["name"]] = (max(1, round(app.cpu_m * jitter)), max(1, round(app.memory_mi * (0.9 + jitter / 10))))
    return usage


def pod_metrics(c: Cluster, pod: Obj) -> dict[str, Any]:
    meta = pod["metadata"]
    return {
        "metadata": {"name": meta["name"], "namespace": meta["namespace"], "labels": dict(meta.get("labels") or {}),
                     "creationTimestamp": stamp(c.now())},
        "timestamp": stamp(c.now()),
        "window": "15s",
        "containers": [
            {"name": name, "usage": {"cpu": format_cpu(cpu), "memory": f"{mem * 1024}Ki"}}
            for name, (cpu, mem) in container_usage(c, pod).items()
        ],
    }


def node_usage(c: Cluster, node: Obj) -> tuple[int, int]:
    if not any(cond["type"] == "Ready" and cond["status"] == "True" for cond in node["status"].get("conditions") or ()):
        return 0, 0
    cpu, mem = SYSTEM_RESERVED
    for pod in c.store.list("Pod"):
        if pod["spec"].get("nodeName") == node["metadata"]["name"]:
            for used_cpu, used_mem in container_usage(c, pod).values():
                cpu, mem = cpu + used_cpu, mem + used_mem
    return cpu, mem


def node_metrics(c: Cluster, node: Obj) -> dict[str, Any]:
    cpu, mem = node_usage(c, node)
    alloc = node["status"]["allocatable"]
    return {
        "metadata": {"name": node["metadata"]["name"], "labels": dict(node["metadata"].get("labels") or {}),
                     "creationTimestamp": stamp(c.now())},
        "timestamp": stamp(c.now()),
        "window": "20s",
        "usage": {"cpu": format_cpu(cpu), "memory": f"{mem * 1024}Ki"},
        # Not part of metrics.k8s.io, but what `kubectl top node` prints next to the figures.
        "percent": {"cpu": round(100 * cpu / max(1, millicores(alloc["cpu"]))),
                    "memory": round(100 * mem / max(1, mebibytes(alloc["memory"])))},
    }


def cpu_utilization(c: Cluster, workload: Obj) -> int | None:
    """Average CPU use as a percentage of requests over a workload's running pods (the HPA's figure)."""
    selector = Selector.from_spec(workload["spec"].get("selector"))
    used = requested = 0
    for pod in c.store.list("Pod", workload["metadata"]["namespace"], selector):
        usage = container_usage(c, pod)
        if usage:
            used += sum(cpu for cpu, _ in usage.values())
            requested += pod_requests(pod["spec"])[0]
    return round(100 * used / requested) if requested else None


def _jitter(seed: str) -> float:
    """0.7 – 1.3, fixed per container."""
    return 0.7 + int(hashlib.sha256(seed.encode()).hexdigest()[:4], 16) / 0xFFFF * 0.6
