"""Listed records as data for scripts (``Answer.data``): numbers as numbers, times as RFC 3339 timestamps and seconds.

The tables people read say ``1/2``, ``27`` and ``2h``; a script gets ``ready: 1, containers: 2``, ``restarts: 27`` and
``created`` + ``ageSeconds``. What the server did not say is ``null`` — never 0 (a restart count a server's list does
not carry is unknown, not zero). When a server gives only an age ("2h") and no timestamp, ``created`` is null and
``ageSeconds`` is that age, as coarse as the server printed it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from kubecopilot.k8s import parse_time

_AGE_PART = re.compile(r"(\d+)([dhms])")
_UNIT_S = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def ready_pair(ready: Any) -> tuple[int | None, int | None]:
    """``"1/2"`` → (1, 2); anything else (``"?"``, None) → (None, None)."""
    up, slash, total = str(ready or "").partition("/")
    if slash and up.strip().isdigit() and total.strip().isdigit():
        return int(up), int(total)
    return None, None


def timing(record: Any, now: datetime | None = None) -> dict[str, Any]:
    """``created`` (RFC 3339, UTC) and ``ageSeconds`` from the object's creationTimestamp, else from a listed age."""
    now = now or datetime.now(UTC)
    stamp = dig(record.raw, "metadata", "creationTimestamp")
    when = parse_time(stamp) if isinstance(stamp, str) and stamp else None
    if when is not None:
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        return {"created": _iso(when), "ageSeconds": max(0, int((now - when).total_seconds()))}
    return {"created": None, "ageSeconds": age_seconds(getattr(record, "age", None))}


def age_seconds(age: Any) -> int | None:
    """kubectl's AGE (``2h``, ``5m30s``, ``12d``) in seconds; None when it is not one."""
    text = str(age or "").strip()
    parts = _AGE_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(int(n) * _UNIT_S[u] for n, u in parts)


def pod(record: Any) -> dict[str, Any]:
    ready, containers = ready_pair(record.ready)
    return {"name": record.name, "namespace": record.namespace, "status": record.status, "ready": ready,
            "containers": containers, "restarts": record.restarts, "node": record.node or dig(record.raw, "spec", "nodeName"),
            **timing(record)}


def deployment(record: Any) -> dict[str, Any]:
    ready, replicas = ready_pair(record.ready)
    wanted = dig(record.raw, "spec", "replicas")
    return {"name": record.name, "namespace": record.namespace, "ready": ready,
            "replicas": wanted if isinstance(wanted, int) else replicas, **timing(record)}


def namespace(record: Any) -> dict[str, Any]:
    return {"name": record.name, "status": record.status, **timing(record)}


def node(record: Any) -> dict[str, Any]:
    return {"name": record.name, "status": record.status, "version": dig(record.raw, "status", "nodeInfo", "kubeletVersion"),
            **timing(record)}


def cluster(record: Any) -> dict[str, Any]:
    return {"name": record.name, "server": record.raw.get("server"), "version": record.raw.get("version"),
            "current": bool(record.raw.get("current"))}


def service(record: Any) -> dict[str, Any]:
    ports = [{"port": p.get("port"), "protocol": p.get("protocol", "TCP"), "targetPort": p.get("targetPort")}
             for p in dig(record.raw, "spec", "ports") or [] if isinstance(p, dict)]
    return {"name": record.name, "namespace": record.namespace, "type": dig(record.raw, "spec", "type"), "ports": ports,
            **timing(record)}


def event(record: Any, when: str) -> dict[str, Any]:
    """``when``: the event's last-seen time as the server gave it (the views pick the best of its timestamps)."""
    raw, obj = record.raw, record.raw.get("involvedObject") or {}
    seen = parse_time(when) if when else None
    count = raw.get("count")
    return {"type": raw.get("type") or None, "reason": raw.get("reason") or record.status, "message": raw.get("message"),
            "object": {"kind": obj.get("kind"), "name": obj.get("name"), "namespace": obj.get("namespace")},
            "count": count if isinstance(count, int) else None,
            "lastSeen": _iso(seen if seen.tzinfo else seen.replace(tzinfo=UTC)) if seen else None}


def log_lines(text: str) -> list[str]:
    return text.rstrip("\n").splitlines() if text.strip() else []


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def dig(data: Any, *keys: str) -> Any:
    """The value at data[k1][k2]…, or None where a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data
