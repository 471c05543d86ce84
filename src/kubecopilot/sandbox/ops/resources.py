"""Lists and reads of the other kinds, StatefulSet scaling, and events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubecopilot.sandbox.ops.common import envelope, export, listed, operation, replace, require, written

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster


@operation
def list_replicasets(c: Cluster, namespace: str | None = None) -> dict[str, Any]:
    return listed(c, "ReplicaSet", namespace)


@operation
def list_statefulsets(c: Cluster, namespace: str | None = None) -> dict[str, Any]:
    return listed(c, "StatefulSet", namespace)


@operation
def scale_statefulset(c: Cluster, namespace: str, statefulset_name: str, replicas: int) -> dict[str, Any]:
    require(c, "StatefulSet", statefulset_name, namespace)
    sts = c.store.get("StatefulSet", statefulset_name, namespace)
    old = sts["spec"].get("replicas", 1)
    sts["spec"]["replicas"] = replicas
    return written(f"statefulset.apps/{statefulset_name} scaled from {old} to {replicas} replicas", replace(c, sts))


@operation
def list_daemonsets(c: Cluster, namespace: str | None = None) -> dict[str, Any]:
    return listed(c, "DaemonSet", namespace)


@operation
def list_services(c: Cluster, namespace: str | None = None) -> dict[str, Any]:
    return listed(c, "Service", namespace)


@operation
def get_service(c: Cluster, namespace: str, service_name: str) -> dict[str, Any]:
    return export(require(c, "Service", service_name, namespace))


@operation
def list_endpoints(c: Cluster, namespace: str | None = None) -> dict[str, Any]:
    return listed(c, "Endpoints", namespace)


@operation
def list_ingresses(c: Cluster, namespace: str | None = None) -> dict[str, Any]:
    return listed(c, "Ingress", namespace)


@operation
def list_configmaps(c: Cluster, namespace: str | None = None) -> dict[str, Any]:
    return listed(c, "ConfigMap", namespace)


@operation
def get_configmap(c: Cluster, namespace: str, configmap_name: str) -> dict[str, Any]:
    return export(require(c, "ConfigMap", configmap_name, namespace))


@operation
def list_secrets(c: Cluster, namespace: str | None = None) -> dict[str, Any]:
    """Secrets with their data keys; every value reads "<redacted>" (see ``export``)."""
    return listed(c, "Secret", namespace)


@operation
def list_pvcs(c: Cluster, namespace: str | None = None) -> dict[str, Any]:
    return listed(c, "PersistentVolumeClaim", namespace)


@operation
def list_pvs(c: Cluster) -> dict[str, Any]:
    return listed(c, "PersistentVolume")


@operation
def list_jobs(c: Cluster, namespace: str | None = None) -> dict[str, Any]:
    return listed(c, "Job", namespace)


@operation
def list_cronjobs(c: Cluster, namespace: str | None = None) -> dict[str, Any]:
    return listed(c, "CronJob", namespace)


@operation
def list_hpas(c: Cluster, namespace: str | None = None) -> dict[str, Any]:
    return listed(c, "HorizontalPodAutoscaler", namespace)


@operation
def list_events(c: Cluster, namespace: str | None = None, involved_object: str | None = None,
                type: str | None = None) -> dict[str, Any]:
    if namespace:
        c.require_namespace(namespace)
    kind, _, name = (involved_object or "").rpartition("/")

    def wanted(e: dict[str, Any]) -> bool:
        obj = e["involvedObject"]
        if involved_object and (obj["name"] != name or (kind and obj["kind"].lower() != kind.lower())):
            return False
        return type is None or e["type"] == type

    events = sorted((e for e in c.store.list("Event", namespace) if wanted(e)),
                    key=lambda e: (e["lastTimestamp"], e["firstTimestamp"], e["metadata"]["name"]))
    return envelope(c, "Event", events)
