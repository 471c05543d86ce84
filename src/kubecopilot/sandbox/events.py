"""Events as the API server keeps them: one object per (object, reason, message) with a count and first/last time.

``record`` is for one-off happenings (a pod killed, a ReplicaSet scaled): a repeat bumps the count.
``observe`` is for conditions that keep recurring (a back-off, a failing probe): the controller computes the
count and times from how long the condition has lasted, so replaying a reconcile changes nothing.
Events older than an hour expire, as with the API server's default ``--event-ttl``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kubecopilot.sandbox.store import Obj, Store
from kubecopilot.sandbox.timeutil import parse_stamp, stamp

EVENT_TTL = timedelta(hours=1)


@dataclass(frozen=True)
class EventSpec:
    reason: str
    message: str
    type: str = "Normal"
    component: str = "kubelet"
    count: int = 1
    first: datetime | None = None
    last: datetime | None = None
    field_path: str | None = None


class EventRecorder:
    def __init__(self, store: Store, now: Callable[[], datetime], node_host: Callable[[Obj], str | None]) -> None:
        self._store = store
        self._now = now
        self._host = node_host

    def record(self, obj: Obj, reason: str, message: str, type: str = "Normal", component: str = "kubelet") -> None:
        existing = self._store.peek("Event", _event_name(obj, reason, message), _event_namespace(obj))
        now = self._now()
        count = (existing or {}).get("count", 0) + 1
        first = parse_stamp(existing["firstTimestamp"]) if existing else now
        self._put(obj, EventSpec(reason, message, type, component, count, first, now))

    def observe(self, obj: Obj, spec: EventSpec) -> None:
        last = spec.last or self._now()
        if self._now() - last > EVENT_TTL:
            return
        self._put(obj, spec)

    def expire(self) -> None:
        cutoff = self._now() - EVENT_TTL
        for event in self._store.list("Event"):
            if parse_stamp(event["lastTimestamp"]) < cutoff:
                self._store.delete("Event", event["metadata"]["name"], event["metadata"]["namespace"])

    def _put(self, obj: Obj, spec: EventSpec) -> None:
        meta = obj["metadata"]
        now = self._now()
        first, last = spec.first or now, spec.last or now
        host = self._host(obj) if spec.component == "kubelet" else None
        involved = {
            "apiVersion": obj.get("apiVersion", "v1"),
            "kind": obj["kind"],
            "name": meta["name"],
            "uid": meta.get("uid"),
        }
        if meta.get("namespace"):
            involved["namespace"] = meta["namespace"]
        if spec.field_path:
            involved["fieldPath"] = spec.field_path
        event: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": _event_name(obj, spec.reason, spec.message), "namespace": _event_namespace(obj)},
            "involvedObject": involved,
            "reason": spec.reason,
            "message": spec.message,
            "type": spec.type,
            "count": spec.count,
            "firstTimestamp": stamp(first),
            "lastTimestamp": stamp(last),
            "source": {"component": spec.component, **({"host": host} if host else {})},
            "reportingComponent": spec.component,
            "reportingInstance": host or "",
        }
        existing = self._store.peek("Event", event["metadata"]["name"], event["metadata"]["namespace"])
        if existing is None:
            self._store.create(event)
        else:
            event["metadata"] = {**existing["metadata"], **event["metadata"]}
            self._store.update(event)


def _event_namespace(obj: Obj) -> str:
    return obj["metadata"].get("namespace") or "default"  # cluster-scoped objects (nodes) report into default


def _event_name(obj: Obj, reason: str, message: str) -> str:
    """``<object>.<16 hex>``; derived from the event's identity so the same event keeps its name."""
    digest = hashlib.sha256(f"{obj['metadata'].get('uid')}|{reason}|{message}".encode()).hexdigest()[:16]
    return f"{obj['metadata']['name']}.{digest}"
