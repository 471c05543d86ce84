"""Events as the API shapes them, whatever a server printed.

kubernetes-mcp-server prints events as YAML with capitalised keys (``InvolvedObject``, ``Message``, ``Reason``,
``Timestamp``, ``Type``) and Go's time format (``2026-12-07 12:26:58 +0000 UTC``), without a count or first/last
timestamps; Flux159 answers ``{"events": [...]}`` without ``metadata``; the sandbox and kubectl answer the API's
own shape. Views, diagnosis and the scan read one shape: this one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from kubecopilot.k8s import parse_time

_EVENT_FIELDS = ("reason", "message", "type", "count", "source", "reportingComponent")


def normalise_event(obj: Mapping[str, Any]) -> dict[str, Any]:
    """An event as the API shapes it (``involvedObject``, ``reason``, ``message``, ``type``, ``lastTimestamp`` in RFC
    3339), from any server's rendering: kubernetes-mcp-server capitalises every key (``InvolvedObject``,
    ``Message``, ``Timestamp``) and prints Go's time format; Flux159 leaves out ``metadata``. Fields a server does
    not print stay absent (unknown), never invented."""
    low = {str(k).lower(): v for k, v in obj.items()}
    meta: Mapping[str, Any] = low["metadata"] if isinstance(low.get("metadata"), Mapping) else {}
    involved_in: Mapping[str, Any] = low["involvedobject"] if isinstance(low.get("involvedobject"), Mapping) else {}
    involved = {_lower_first(str(k)): v for k, v in involved_in.items()}
    namespace = involved.get("namespace") or low.get("namespace") or meta.get("namespace")
    if namespace and "namespace" not in involved and involved.get("kind") not in ("Node", "Namespace"):
        involved["namespace"] = namespace
    last = low.get("lasttimestamp") or low.get("eventtime") or low.get("timestamp") or low.get("firsttimestamp")
    event: dict[str, Any] = {k: v for k, v in obj.items() if str(k)[:1].islower()}  # the API's own keys, kept
    event.update({"kind": "Event", "metadata": {**meta, "namespace": namespace} if namespace else dict(meta),
                  "involvedObject": involved})
    for key in _EVENT_FIELDS:
        if low.get(key.lower()) is not None:
            event[key] = low[key.lower()]
    for key, value in (("lastTimestamp", last), ("firstTimestamp", low.get("firsttimestamp"))):
        if value is not None:
            event[key] = iso_time(value)
    return event


def iso_time(value: Any) -> Any:
    """RFC 3339 (``2026-05-04T09:26:07Z``) for a time a server printed another way; anything unreadable unchanged."""
    if isinstance(value, datetime):
        when: datetime | None = value
    elif isinstance(value, str):
        when = parse_time(value)
    else:
        return value
    if when is None:
        return value
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _lower_first(key: str) -> str:
    return key[:1].lower() + key[1:]
