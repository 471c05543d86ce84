"""Pods: lists, details, describe, logs, events, metrics and deletion."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubecopilot.sandbox import controllers, metrics
from kubecopilot.sandbox.describe import describe_pod as render_pod
from kubecopilot.sandbox.describe import events_for
from kubecopilot.sandbox.logs import container_logs
from kubecopilot.sandbox.objects import controller_of
from kubecopilot.sandbox.ops.common import deleted, envelope, export, find_container, listed, operation, require

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster


@operation
def list_pods(c: Cluster, namespace: str | None = None, label_selector: str | None = None) -> dict[str, Any]:
    return listed(c, "Pod", namespace, label_selector)


@operation
def get_pod(c: Cluster, namespace: str, pod_name: str) -> dict[str, Any]:
    return export(require(c, "Pod", pod_name, namespace))


@operation
def describe_pod(c: Cluster, namespace: str, pod_name: str) -> str:
    return render_pod(c, require(c, "Pod", pod_name, namespace))


@operation
def get_pod_logs(c: Cluster, namespace: str, pod_name: str, container: str | None = None, tail_lines: int = 100,
                 previous: bool = False) -> str:
    pod = require(c, "Pod", pod_name, namespace)
    return container_logs(c, pod, find_container(pod, container), previous, tail_lines)


@operation
def get_pod_events(c: Cluster, namespace: str, pod_name: str) -> dict[str, Any]:
    pod = require(c, "Pod", pod_name, namespace)
    return envelope(c, "Event", events_for(c, pod))


@operation
def delete_pod(c: Cluster, namespace: str, pod_name: str) -> dict[str, Any]:
    pod = require(c, "Pod", pod_name, namespace)
    owner = controller_of(pod)
    siblings = _owned_pod_uids(c, owner)
    controllers.delete_pod(c, pod)
    c.reconcile()
    result = deleted(f'pod "{pod_name}" deleted', pod)
    if owner:
        fresh = [p["metadata"]["name"] for p in c.store.owned_by(owner["uid"], "Pod") if p["metadata"]["uid"] not in siblings]
        result["recreatedBy"] = f"{owner['kind']}/{owner['name']}"
        result["replacement"] = fresh[0] if fresh else None
    return result


def _owned_pod_uids(c: Cluster, owner: dict[str, Any] | None) -> set[str]:
    return {p["metadata"]["uid"] for p in c.store.owned_by(owner["uid"], "Pod")} if owner else set()


@operation
def get_pod_metrics(c: Cluster, namespace: str | None = None, pod_name: str | None = None) -> dict[str, Any]:
    if pod_name and not namespace:
        namespace = "default"
    pods = [require(c, "Pod", pod_name, namespace)] if pod_name else listed(c, "Pod", namespace)["items"]
    return {"apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetricsList", "metadata": {},
            "items": [metrics.pod_metrics(c, p) for p in pods if p["status"].get("phase") == "Running"]}
