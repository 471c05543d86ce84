"""Kubernetes rules the whole product shares, written once: which argument names a namespace or a cluster, when a
pod is ready or unhealthy, a kubectl-style age, which metadata the server owns, which workload a pod belongs to,
which pods a label selector selects.

Below ``dialogue/``, ``tools/`` and ``plans/``: pure functions over plain data, so every layer (and the sandbox)
can use them without importing each other. Copies of these rules had started to disagree (the write gate knew
``clusterName``, the cache key did not; one age said "1d" where kubectl says "47h").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

# Argument names servers use for the namespace / the cluster of a call (compared lower-cased).
NAMESPACE_ARGS = frozenset({"namespace", "ns", "namespacename"})
CLUSTER_ARGS = frozenset({"cluster", "context", "clustername", "contextname"})
# Fields of metadata the API server maintains: never part of a change a person approves, never sent in a manifest,
# never patched. (A changed uid is drift of its own: the executor compares it separately.)
SERVER_OWNED_METADATA = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink")
HEALTHY_POD_STATUS = frozenset({"Running", "Completed", "Succeeded"})


def names_namespace(arg: str) -> bool:
    return arg.lower() in NAMESPACE_ARGS


def names_cluster(arg: str) -> bool:
    return arg.lower() in CLUSTER_ARGS


def namespace_arg(args: Mapping[str, Any]) -> str | None:
    """The namespace a call's arguments name, whatever the server calls that argument."""
    return next((v for k, v in args.items() if names_namespace(k) and isinstance(v, str) and v), None)


def cluster_arg(args: Mapping[str, Any]) -> str | None:
    return next((v for k, v in args.items() if names_cluster(k) and isinstance(v, str) and v), None)


def pod_ready(pod: Mapping[str, Any]) -> bool:
    """The pod's Ready condition; without one, Running with every container ready."""
    status = pod.get("status") or {}
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Ready":
            return bool(condition.get("status") == "True")
    statuses = status.get("containerStatuses") or []
    return status.get("phase") == "Running" and bool(statuses) and all(s.get("ready") for s in statuses)


def pod_healthy(pod: Mapping[str, Any]) -> bool:
    """Healthy for a diagnosis: not being deleted, and either Succeeded or Running with every container ready."""
    status = pod.get("status") or {}
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    if status.get("phase") == "Succeeded":
        return True
    statuses = status.get("containerStatuses") or []
    return status.get("phase") == "Running" and bool(statuses) and all(s.get("ready") for s in statuses)


def listed_pod_unhealthy(status: str | None, ready: str | None) -> bool:
    """From a pod list row (STATUS, READY "1/2"): not Running/Completed, or Running with a container not ready."""
    if status and status not in HEALTHY_POD_STATUS:
        return True
    if ready and "/" in ready and status == "Running":
        up, total = ready.split("/", 1)
        return up != total
    return False


def age(timestamp: Any, now: datetime | None = None) -> str | None:
    """``2024-05-01T10:00:00Z`` → ``5m``: kubectl's AGE coarsened to one unit (hours until 2 days, as kubectl)."""
    if not isinstance(timestamp, str | datetime) or not timestamp:
        return None
    when = timestamp if isinstance(timestamp, datetime) else parse_time(timestamp)
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = max(0, int(((now or datetime.now(UTC)) - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * (2 if unit != "m" else 1):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def parse_time(text: str) -> datetime | None:
    """RFC 3339 as the API prints it, or Go's ``time.String()`` as some servers print events."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    go = re.sub(r" [A-Z]{2,5}$", "", text.split(" m=")[0])
    go = re.sub(r"(\.\d{6})\d+", r"\1", go)  # Go prints up to nanoseconds; Python reads microseconds
    for layout in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S.%f %z"):
        try:
            return datetime.strptime(go, layout)
        except ValueError:
            continue
    return None


def owner_prefix(pod_name: str) -> str:
    """The ReplicaSet/Deployment part of a pod name: cart-service-v2-7d9f8b6c5d-x2k4p → cart-service-v2."""
    parts = pod_name.split("-")
    return "-".join(parts[:-2]) if len(parts) > 2 else pod_name


def workload_of(pod: Mapping[str, Any], name: str) -> str:
    """The workload a pod belongs to, as "kind/name": its Deployment (via the ReplicaSet), StatefulSet, DaemonSet…"""
    owners = (pod.get("metadata") or {}).get("ownerReferences") or []
    owner = next((o for o in owners if o.get("controller")), owners[0] if owners else None)
    if owner is None:
        return f"pod/{name}"
    if owner.get("kind") == "ReplicaSet":
        return "deployment/" + str(owner["name"]).rsplit("-", 1)[0]
    return f"{str(owner.get('kind', '')).lower()}/{owner.get('name')}"


# --- label selectors ------------------------------------------------------------------------------------------------


def labels_of(obj: Mapping[str, Any]) -> Mapping[str, str]:
    return (obj.get("metadata") or {}).get("labels") or {}


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A label selector: a plain map (a Service's) or ``matchLabels`` + ``matchExpressions`` (a workload's).
    An empty or missing selector selects nothing: a workload without one owns no pods we could name."""
    if not selector:
        return False
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        return all(labels.get(k) == v for k, v in selector.items())
    if not all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or ():
        if not _expression_holds(expr, labels):
            return False
    return bool(selector.get("matchLabels") or selector.get("matchExpressions"))


def _expression_holds(expr: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
    present = key in labels
    value = labels.get(key) if isinstance(key, str) else None
    return {"In": present and value in values, "NotIn": not (present and value in values),
            "Exists": present, "DoesNotExist": not present}.get(str(op), False)


def equality_labels(selector: Mapping[str, Any] | None) -> dict[str, str]:
    """The plain key=value part of a selector (all of a Service's; a workload's ``matchLabels``)."""
    if not selector:
        return {}
    plain = selector.get("matchLabels") if "matchLabels" in selector or "matchExpressions" in selector else selector
    return {str(k): str(v) for k, v in (plain or {}).items()}


def selector_query(selector: Mapping[str, Any] | None) -> str | None:
    """A ``labelSelector`` argument for a list call: the equality part only, which every server understands. It may
    select more than the selector does (expressions are left out), so filter the answer with ``selector_matches``."""
    return ",".join(f"{k}={v}" for k, v in sorted(equality_labels(selector).items())) or None


# --- revisions ------------------------------------------------------------------------------------------------------

REVISION = "deployment.kubernetes.io/revision"


def controlled_by(obj: Mapping[str, Any], owner: Mapping[str, Any]) -> bool:
    """Whether ``owner`` is ``obj``'s controller, by uid: the one ownerReference with ``controller: true`` carries
    the owner's kind and uid. A name alone proves nothing (anyone can create a ReplicaSet that names a Deployment)."""
    uid = (owner.get("metadata") or {}).get("uid")
    if not uid:
        return False
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    controller = next((r for r in refs if isinstance(r, Mapping) and r.get("controller")), None)
    return controller is not None and controller.get("uid") == uid and controller.get("kind") == owner.get("kind")


def revision(obj: Mapping[str, Any]) -> int:
    """The ``deployment.kubernetes.io/revision`` annotation as a number; 0 when absent or not a number."""
    try:
        return int(((obj.get("metadata") or {}).get("annotations") or {}).get(REVISION, "0"))
    except (TypeError, ValueError):
        return 0


def revisions_of(workload: Mapping[str, Any], replicasets: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The workload's own revisions: ReplicaSets it controls (by uid) that carry a revision number, oldest first."""
    owned = [rs for rs in replicasets if controlled_by(rs, workload) and revision(rs) > 0]
    return sorted(owned, key=revision)


def previous_revision(workload: Mapping[str, Any], replicasets: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The newest of the workload's own revisions older than its current one: what ``kubectl rollout undo`` uses."""
    current = revision(workload)
    older = [rs for rs in revisions_of(workload, replicasets) if revision(rs) < current]
    return older[-1] if older else None
