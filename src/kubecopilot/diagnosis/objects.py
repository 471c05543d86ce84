"""Small readers of Kubernetes objects the checks share: references, owners, selectors, readiness, quotes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubecopilot.diagnosis.models import EvidenceQuote
from kubecopilot.diagnosis.snapshot import Obj, Snapshot
from kubecopilot.k8s import equality_labels, labels_of, selector_matches

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job")


def name_of(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def namespace_of(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "")


def ref(obj: Mapping[str, Any]) -> str:
    """``Kind/namespace/name`` (``Kind/name`` for cluster-scoped objects): how findings name objects."""
    ns = namespace_of(obj)
    return f"{obj.get('kind')}/{ns}/{name_of(obj)}" if ns else f"{obj.get('kind')}/{name_of(obj)}"


def short(obj: Mapping[str, Any]) -> str:
    """``deployment/cart`` — the way kubectl and the evidence quotes name an object."""
    return f"{str(obj.get('kind', '')).lower()}/{name_of(obj)}"


def owner(snap: Snapshot, obj: Mapping[str, Any], kind: str) -> Obj | None:
    for reference in (obj.get("metadata") or {}).get("ownerReferences") or ():
        if reference.get("kind") == kind:
            return snap.get(kind, str(reference.get("name")), namespace_of(obj))
    return None


def workload_of(snap: Snapshot, obj: Obj) -> Obj:
    """The top controller of a pod, ReplicaSet or Job (Deployment, StatefulSet, DaemonSet, CronJob), else itself."""
    current = obj
    for _ in range(3):
        parent = next((p for k in ("ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
                       if (p := owner(snap, current, k)) is not None), None)
        if parent is None:
            return current
        current = parent
    return current


def pods_selected(snap: Snapshot, namespace: str, selector: Mapping[str, Any] | None) -> list[Obj]:
    if not selector:
        return []
    candidates = snap.pods_in(namespace, equality_labels(selector) or None)
    return [p for p in candidates if selector_matches(selector, labels_of(p))]


def condition(obj: Mapping[str, Any], type_: str) -> Mapping[str, Any] | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or () if c.get("type") == type_), None)


def labels_text(selector: Mapping[str, Any] | None) -> str:
    return ",".join(f"{k}={v}" for k, v in equality_labels(selector).items()) or "(none)"


def status_quote(obj: Mapping[str, Any], path: str, value: Any) -> EvidenceQuote:
    return EvidenceQuote(source="status", quote=str(value), object=f"{short(obj)}: {path}")


def spec_quote(obj: Mapping[str, Any], path: str, value: Any) -> EvidenceQuote:
    return EvidenceQuote(source="spec", quote=str(value), object=f"{short(obj)}: {path}")


def event_quote(event: Mapping[str, Any]) -> EvidenceQuote:
    involved = event.get("involvedObject") or {}
    where = f"{event.get('type', 'Normal')} {event.get('reason')} on {str(involved.get('kind', '')).lower()}/{involved.get('name')}"
    return EvidenceQuote(source="events", quote=str(event.get("message") or "").strip(), object=where)
