"""The scan's checks: each reads the snapshot and yields one ``Match`` per object that has the problem, with the
values its texts need and the evidence quoted verbatim (a status field, a spec field, an event message).

Checks only read. What to change is decided by the fix builders (``fixes.py``) from structured fields, never from
text an event or a log carried.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from kubecopilot.diagnosis.models import EvidenceQuote
from kubecopilot.diagnosis.objects import (
    condition,
    event_quote,
    labels_text,
    name_of,
    namespace_of,
    pods_selected,
    ref,
    spec_quote,
    status_quote,
    workload_of,
)
from kubecopilot.diagnosis.snapshot import Obj, Snapshot
from kubecopilot.k8s import pod_ready, selector_matches


@dataclass
class Match:
    subject: Obj  # the object judged
    workload: Obj  # what the finding is grouped under (the workload, or the object itself)
    values: dict[str, str] = field(default_factory=dict)
    quotes: list[EvidenceQuote] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # structured facts for a fix builder
    # value → the phrase of analyzers.yaml that says it (from the other values), in the scan's language
    phrases: dict[str, str] = field(default_factory=dict)


Check = Callable[[Snapshot], Iterator[Match]]
CHECKS: dict[str, Check] = {}


def check(fn: Check) -> Check:
    CHECKS[fn.__name__] = fn
    return fn


def _base(obj: Obj, **values: Any) -> dict[str, str]:
    return {"name": name_of(obj), "namespace": namespace_of(obj), "kind": str(obj.get("kind")),
            **{k: str(v) for k, v in values.items()}}


# --- Services --------------------------------------------------------------------------------------------------


def _services_with_selector(snap: Snapshot) -> Iterator[tuple[Obj, dict[str, Any], list[Obj]]]:
    for svc in snap.of("Service"):
        selector = (svc.get("spec") or {}).get("selector")
        if selector and (svc.get("spec") or {}).get("type") != "ExternalName":
            yield svc, selector, pods_selected(snap, namespace_of(svc), selector)


@check
def service_without_pods(snap: Snapshot) -> Iterator[Match]:
    for svc, selector, pods in _services_with_selector(snap):
        if pods or _scaled_to_zero(snap, svc, selector):
            continue  # a workload whose template matches, scaled to 0, is service_no_ready_endpoints' case
        near = _near_miss(snap, svc, selector)
        values = _base(svc, selector=labels_text(selector), near_miss="", near_miss_fix="")
        phrases = {}
        if near:
            values |= {"near_workload": near[0], "near_labels": near[1]}
            phrases = {"near_miss": "near_miss", "near_miss_fix": "near_miss_fix"}
        yield Match(svc, svc, values, [spec_quote(svc, "spec.selector", labels_text(selector))], phrases=phrases)


def _near_miss(snap: Snapshot, svc: Obj, selector: dict[str, Any]) -> tuple[str, str] | None:
    """A workload in the namespace whose pod labels share a key with the selector (a likely typo), named by ref."""
    for pod in snap.pods_in(namespace_of(svc)):
        labels = (pod.get("metadata") or {}).get("labels") or {}
        if any(k in labels for k in selector):
            same = {k: labels[k] for k in selector if k in labels}
            return ref(workload_of(snap, pod)), labels_text(same)
    return None


@check
def service_without_ready_pods(snap: Snapshot) -> Iterator[Match]:
    for svc, selector, pods in _services_with_selector(snap):
        if not pods or any(pod_ready(p) for p in pods if not (p.get("metadata") or {}).get("deletionTimestamp")):
            continue
        workload = workload_of(snap, pods[0])
        values = _base(svc, selector=labels_text(selector), workload=ref(workload), pods=len(pods),
                       why_fix=f"diagnose {ref(workload)}")
        quotes = [spec_quote(svc, "spec.selector", labels_text(selector))]
        quotes += [status_quote(p, "conditions[Ready].status", (condition(p, "Ready") or {}).get("status")) for p in pods[:2]]
        yield Match(svc, workload, values, quotes, phrases={"why": "none_ready"})
    for svc, selector, _pods in _services_with_selector(snap):
        for workload in _scaled_to_zero(snap, svc, selector):
            values = _base(svc, selector=labels_text(selector), workload=ref(workload))
            quotes = [spec_quote(svc, "spec.selector", labels_text(selector)), spec_quote(workload, "spec.replicas", 0)]
            yield Match(svc, workload, values, quotes, {"scale_from_zero": workload},
                        phrases={"why": "scaled_to_zero", "why_fix": "scale_up"})


def _scaled_to_zero(snap: Snapshot, svc: Obj, selector: dict[str, Any]) -> list[Obj]:
    """Deployments/StatefulSets at 0 replicas whose pod template the Service's selector matches."""
    found = []
    for kind in ("Deployment", "StatefulSet"):
        for workload in snap.of(kind):
            labels = (((workload.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
            if (namespace_of(workload) == namespace_of(svc) and (workload.get("spec") or {}).get("replicas", 1) == 0
                    and selector_matches(selector, labels)):
                found.append(workload)
    return found


# --- storage ---------------------------------------------------------------------------------------------------


def _pending_claims(snap: Snapshot) -> Iterator[tuple[Obj, dict[str, str]]]:
    for pvc in snap.of("PersistentVolumeClaim"):
        if (pvc.get("status") or {}).get("phase") == "Pending":
            users = [p for p in snap.of("Pod") if namespace_of(p) == namespace_of(pvc) and any(
                (v.get("persistentVolumeClaim") or {}).get("claimName") == name_of(pvc)
                for v in (p.get("spec") or {}).get("volumes") or ())]
            waiting = ", ".join(name_of(p) for p in users[:3])
            yield pvc, {"waiting": waiting, "_users": ",".join(ref(workload_of(snap, p)) for p in users[:1])}


def _claim_match(snap: Snapshot, pvc: Obj, values: dict[str, str], quotes: list[EvidenceQuote],
                 phrases: dict[str, str] | None = None) -> Match:
    users = values.pop("_users", "")
    workload = next((workload_of(snap, p) for p in snap.of("Pod") if users and ref(workload_of(snap, p)) == users), pvc)
    quotes = [status_quote(pvc, "status.phase", "Pending"), *quotes, *[event_quote(e) for e in snap.events_about(pvc)[:1]]]
    blocked = {"blocked": "pods_waiting"} if values.get("waiting") else {}
    return Match(pvc, workload, {"blocked": "", **values}, quotes, phrases={**blocked, **(phrases or {})})


@check
def pvc_class_missing(snap: Snapshot) -> Iterator[Match]:
    classes = [name_of(sc) for sc in snap.of("StorageClass")]
    for pvc, extra in _pending_claims(snap):
        wanted = (pvc.get("spec") or {}).get("storageClassName")
        if wanted and wanted not in classes:
            values = {**_base(pvc, storage_class=wanted, classes=", ".join(classes)), **extra}
            yield _claim_match(snap, pvc, values, [spec_quote(pvc, "spec.storageClassName", wanted)],
                               {} if classes else {"classes": "none"})


@check
def pvc_no_volume(snap: Snapshot) -> Iterator[Match]:
    for pvc, extra in _pending_claims(snap):
        spec = pvc.get("spec") or {}
        if spec.get("storageClassName") != "":
            continue
        size = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "?")
        values = {**_base(pvc, size=size, modes=",".join(spec.get("accessModes") or [])), **extra}
        yield _claim_match(snap, pvc, values, [spec_quote(pvc, "spec.storageClassName", '""')])


@check
def pvc_pending_other(snap: Snapshot) -> Iterator[Match]:
    classes = [name_of(sc) for sc in snap.of("StorageClass")]
    for pvc, extra in _pending_claims(snap):
        wanted = (pvc.get("spec") or {}).get("storageClassName")
        if wanted == "" or (wanted and wanted not in classes):
            continue  # the two analyzers above say why
        events = snap.events_about(pvc)
        event = {"event": str(events[0].get("message"))} if events else {}
        yield _claim_match(snap, pvc, {**_base(pvc, **event), **extra}, [], {"why": "latest_event" if events else "no_events"})


# --- Ingresses -------------------------------------------------------------------------------------------------


def _backends(ing: Obj) -> Iterator[tuple[str, str, dict[str, Any]]]:
    spec = ing.get("spec") or {}
    if default := (spec.get("defaultBackend") or {}).get("service"):
        yield "*", "", default
    for rule in spec.get("rules") or ():
        for path in (rule.get("http") or {}).get("paths") or ():
            if service := (path.get("backend") or {}).get("service"):
                yield rule.get("host") or "*", path.get("path") or "/", service


@check
def ingress_backend_missing(snap: Snapshot) -> Iterator[Match]:
    for ing in snap.of("Ingress"):
        names = [name_of(s) for s in snap.of("Service") if namespace_of(s) == namespace_of(ing)]
        for host, path, backend in _backends(ing):
            if backend.get("name") not in names:
                values = _base(ing, host=host, path=path, service=backend.get("name"), services=", ".join(names))
                yield Match(ing, ing, values, [spec_quote(ing, f"rules[{host}].paths[{path}].backend.service.name", backend.get("name"))],
                            phrases={} if names else {"services": "none"})


@check
def ingress_backend_port(snap: Snapshot) -> Iterator[Match]:
    for ing in snap.of("Ingress"):
        for host, path, backend in _backends(ing):
            svc = snap.get("Service", str(backend.get("name")), namespace_of(ing))
            port = backend.get("port") or {}
            if svc is None or not port:
                continue
            exposed = (svc.get("spec") or {}).get("ports") or []
            if any(p.get("port") == port.get("number") or (port.get("name") and p.get("name") == port.get("name")) for p in exposed):
                continue
            wanted = port.get("number") or port.get("name")
            values = _base(ing, host=host, path=path, service=name_of(svc), port=wanted,
                           ports=", ".join(str(p.get("port")) for p in exposed) or "none")
            yield Match(ing, ing, values, [spec_quote(ing, f"rules[{host}].paths[{path}].backend.service.port", wanted),
                                           spec_quote(svc, "spec.ports[*].port", values["ports"])],
                        phrases={} if exposed else {"ports": "none"})
