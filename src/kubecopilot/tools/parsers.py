"""Turn what servers print into small ``Record``s: JSON (Kubernetes ``…List`` objects, summary lists), kubectl-style
text tables (parsed by the header row) and YAML (documents, lists, kubeconfig).

Each server prints differently (see /work/shared/mcp-servers/README.md); option lists and slot filling only need
name / namespace / status, so every format ends in the same record. ``raw`` keeps the source object for whoever
needs more (analyzers read container states from it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import yaml

from kubecopilot.k8s import age
from kubecopilot.tools.events import normalise_event

Format = Literal["auto", "json", "table", "yaml", "kubeconfig"]
_NONE_CELLS = {"", "<none>", "<unknown>", "<unset>"}
_LIST_KEYS = ("items", "resources", "namespaces", "nodes", "pods", "deployments", "events", "clusters", "contexts")


@dataclass(frozen=True)
class Record:
    kind: str | None
    name: str
    namespace: str | None = None
    status: str | None = None
    ready: str | None = None
    restarts: int | None = None
    age: str | None = None
    node: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


class ParseError(ValueError):
    """The text is not in the format the profile promised (the caller decides whether that matters)."""


def parse_records(
    text: str, fmt: Format = "auto", kind: str | None = None, *, now: datetime | None = None
) -> list[Record]:
    """Records from a tool's text output. ``kind`` names what the list holds when the output does not say."""
    if says_nothing_found(text):
        return []
    fmt = detect_format(text) if fmt == "auto" else fmt
    if fmt == "table":
        return parse_table(text, kind)
    if fmt == "kubeconfig":
        return parse_kubeconfig(text)
    data = _load(text, fmt)
    return records_from_data(data, kind, now=now)


def says_nothing_found(text: str) -> bool:
    """An answer that is an empty list in words: nothing at all, kubectl's "No resources found …", or
    kubernetes-mcp-server's "# No events found" (a comment and nothing else)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return True
    if lines[0].lower().startswith("no resources found"):
        return True
    return all(line.startswith("#") for line in lines) and "no " in lines[0].lower() and "found" in lines[0].lower()


def detect_format(text: str) -> Format:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return "json"
    first = next((line for line in stripped.splitlines() if line.strip()), "")
    if re.match(r"^[A-Z][A-Z0-9_-]*(\s{2,}[A-Z][A-Z0-9 _()-]*)+\s*$", first):
        return "table"
    return "yaml"


def records_from_data(data: Any, kind: str | None = None, *, now: datetime | None = None) -> list[Record]:
    """Records from already-parsed JSON/YAML: a list, a ``…List`` object, a summary wrapper or one object."""
    items = _items(data)
    list_kind = kind or _list_item_kind(data)
    return [record_from_object(obj, list_kind, now=now) for obj in items if isinstance(obj, Mapping)]


def record_from_object(obj: Mapping[str, Any], kind: str | None = None, *, now: datetime | None = None) -> Record:
    if isinstance(obj.get("metadata"), Mapping):
        return _record_from_k8s(obj, kind, now)
    return _record_from_summary(obj, kind, now)


# --- JSON / YAML -------------------------------------------------------------------------------------------------


def _load(text: str, fmt: Format) -> Any:
    try:
        if fmt == "json":
            return json.loads(text)
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except (ValueError, yaml.YAMLError) as exc:
        raise ParseError(f"not valid {fmt.upper()}: {exc}") from None
    return docs[0] if len(docs) == 1 else docs


def _items(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if not isinstance(data, Mapping):
        raise ParseError(f"expected a list or an object, got {type(data).__name__}")
    for key in _LIST_KEYS:
        found = data.get(key)
        if isinstance(found, list):
            return found
    lists = [v for v in data.values() if isinstance(v, list) and v and all(isinstance(i, Mapping) for i in v)]
    if len(lists) == 1:
        return lists[0]
    return [data]  # a single object


def _list_item_kind(data: Any) -> str | None:
    if isinstance(data, Mapping):
        list_kind = data.get("kind")
        if isinstance(list_kind, str) and list_kind.endswith("List") and list_kind != "List":
            return list_kind[: -len("List")]
    return None


def _record_from_k8s(obj: Mapping[str, Any], kind: str | None, now: datetime | None) -> Record:
    meta = obj["metadata"]
    kind = obj.get("kind") or kind
    if kind == "Event" or "involvedObject" in obj:
        return _event_record(obj, now)
    ready, restarts, status, node = None, None, None, None
    if kind == "Pod":
        status, ready, restarts = pod_status(obj), pod_ready(obj), pod_restarts(obj)
        node = (obj.get("spec") or {}).get("nodeName")
    elif kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        ready, status = _workload_state(obj)
    elif kind == "Node":
        status = _node_status(obj)
    else:
        status = (obj.get("status") or {}).get("phase") if isinstance(obj.get("status"), Mapping) else None
    return Record(
        kind=kind,
        name=meta.get("name", ""),
        namespace=meta.get("namespace"),
        status=status,
        ready=ready,
        restarts=restarts,
        age=age(meta.get("creationTimestamp"), now),
        node=node,
        raw=dict(obj),
    )


def _record_from_summary(obj: Mapping[str, Any], kind: str | None, now: datetime | None) -> Record:
    low = {str(k).lower(): v for k, v in obj.items()}
    if "involvedobject" in low:
        return _event_record(obj, now)
    restarts = low.get("restarts", low.get("restartcount"))
    created = low.get("createdat") or low.get("creationtime") or low.get("creationtimestamp") or low.get("created")
    status = low.get("status", low.get("phase"))
    if isinstance(status, Mapping):
        status = status.get("phase")
    raw = dict(obj)
    if low.get("iscurrent") is True or low.get("current") is True:
        status, raw["current"] = status or "current", True  # Flux159's contexts say isCurrent
    return Record(
        kind=low.get("kind") or kind,
        name=str(low.get("name", "")),
        namespace=low.get("namespace"),
        status=str(status) if status is not None else None,
        ready=_str_or_none(low.get("ready")),
        restarts=_int_or_none(restarts),
        age=low.get("age") or age(created, now),
        node=low.get("node") or low.get("nodename"),
        raw=raw,
    )


def _event_record(obj: Mapping[str, Any], now: datetime | None) -> Record:
    """An event is listed by what it is about (``cart-7d9…``) and its reason (``BackOff``); ``raw`` is the event in
    the API's shape, whatever the server printed."""
    event = normalise_event(obj)
    involved = event["involvedObject"]
    return Record(
        kind="Event",
        name=str(involved.get("name") or event["metadata"].get("name") or ""),
        namespace=involved.get("namespace") or event["metadata"].get("namespace"),
        status=event.get("reason"),
        age=age(event.get("lastTimestamp"), now),
        raw=event,
    )


# --- Kubernetes semantics ----------------------------------------------------------------------------------------


def pod_status(pod: Mapping[str, Any]) -> str:
    """The STATUS column of ``kubectl get pods`` (kubectl's printPod, without the rarely seen sidecar cases)."""
    status = pod.get("status") or {}
    reason = status.get("reason") or status.get("phase") or "Unknown"
    init_reason = _init_container_reason(
        status.get("initContainerStatuses") or [], len((pod.get("spec") or {}).get("initContainers") or [])
    )
    if init_reason:
        reason = init_reason
    else:
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            state = cs.get("state") or {}
            waiting, terminated = state.get("waiting") or {}, state.get("terminated") or {}
            if waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated.get("reason"):
                reason = terminated["reason"]
            elif terminated:
                reason = f"ExitCode:{terminated.get('exitCode', '?')}"
            elif cs.get("ready") and "running" in state:
                has_running = True
        if reason == "Completed" and has_running:
            reason = "Running"
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        reason = "Terminating"
    return reason


def _init_container_reason(statuses: list[Mapping[str, Any]], total: int) -> str | None:
    for i, cs in enumerate(statuses):
        state = cs.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting") or {}
        if terminated and terminated.get("exitCode") == 0:
            continue
        if terminated:
            return f"Init:{terminated.get('reason') or 'ExitCode:' + str(terminated.get('exitCode'))}"
        if waiting.get("reason") and waiting["reason"] != "PodInitializing":
            return f"Init:{waiting['reason']}"
        return f"Init:{i}/{total or len(statuses)}"
    return None


def pod_ready(pod: Mapping[str, Any]) -> str:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    total = len((pod.get("spec") or {}).get("containers") or []) or len(statuses)
    return f"{sum(1 for cs in statuses if cs.get('ready'))}/{total}"


def pod_restarts(pod: Mapping[str, Any]) -> int:
    return sum(int(cs.get("restartCount") or 0) for cs in (pod.get("status") or {}).get("containerStatuses") or [])


def _workload_state(obj: Mapping[str, Any]) -> tuple[str, str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    want, ready = int(spec.get("replicas", 1) or 0), int(status.get("readyReplicas") or 0)
    return f"{ready}/{want}", ("Available" if ready >= want else "Progressing")


def _node_status(obj: Mapping[str, Any]) -> str:
    conditions = (obj.get("status") or {}).get("conditions") or []
    ready = next((c for c in conditions if c.get("type") == "Ready"), None)
    status = "Ready" if ready and ready.get("status") == "True" else "NotReady"
    if (obj.get("spec") or {}).get("unschedulable"):
        status += ",SchedulingDisabled"
    return status


# --- kubectl-style tables ----------------------------------------------------------------------------------------

_TABLE_COLUMNS = {
    "NAME": "name",
    "NAMESPACE": "namespace",
    "KIND": "kind",
    "STATUS": "status",
    "READY": "ready",
    "RESTARTS": "restarts",
    "AGE": "age",
    "NODE": "node",
    "REASON": "status",
    "PHASE": "status",
}


def parse_table(text: str, kind: str | None = None) -> list[Record]:
    """A kubectl-style table: columns start where the header words start (values may contain single spaces)."""
    if says_nothing_found(text):
        return []
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    header_at = next(
        (i for i, line in enumerate(lines) if re.match(r"^(NAMESPACE|NAME|APIVERSION|KIND)\b", line)), None
    )
    if header_at is None:
        raise ParseError("no table header (NAME, NAMESPACE, …) found")
    header, rows = lines[header_at], lines[header_at + 1 :]
    columns = [(m.start(), m.group(0).strip()) for m in re.finditer(r"\S+(?: \S+)*", header)]
    return [_table_record(_cells(row, columns), kind) for row in rows]


def _cells(row: str, columns: list[tuple[int, str]]) -> dict[str, str]:
    cells = {}
    for i, (start, title) in enumerate(columns):
        end = columns[i + 1][0] if i + 1 < len(columns) else len(row)
        cells[title] = row[start:end].strip() if i + 1 < len(columns) else row[start:].strip()
    return cells


def _table_record(cells: Mapping[str, str], kind: str | None) -> Record:
    values: dict[str, Any] = {}
    for title, cell in cells.items():
        key = _TABLE_COLUMNS.get(title)
        if key and key not in values and cell not in _NONE_CELLS:
            values[key] = cell
    if "restarts" in values:
        values["restarts"] = _int_or_none(values["restarts"].split(" ", 1)[0])
    raw: dict[str, Any] = {k.lower(): v for k, v in cells.items() if v not in _NONE_CELLS}
    if "labels" in raw:
        raw["labels"] = parse_labels(raw["labels"])
    return Record(kind=values.pop("kind", None) or kind, name=values.pop("name", ""), raw=raw, **values)


def parse_labels(text: str) -> dict[str, str]:
    """``app=cart,pod-template-hash=7d9`` → a dict (the LABELS column, label selectors)."""
    pairs = (item.split("=", 1) for item in text.split(",") if item.strip())
    return {k.strip(): (v[0].strip() if v else "") for k, *v in pairs}


# --- kubeconfig (containers server's configuration_view) ---------------------------------------------------------


def parse_kubeconfig(text: str) -> list[Record]:
    """Contexts of a kubeconfig as cluster records; the current one has status ``current``."""
    try:
        cfg = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ParseError(f"not a kubeconfig: {exc}") from None
    current = cfg.get("current-context")
    records = []
    for ctx in cfg.get("contexts") or []:
        detail = ctx.get("context") or {}
        records.append(
            Record(
                kind="Context",
                name=ctx.get("name", ""),
                namespace=detail.get("namespace"),
                status="current" if ctx.get("name") == current else None,
                raw={**ctx, "current": ctx.get("name") == current},
            )
        )
    return records


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def names(records: Iterable[Record]) -> list[str]:
    return [r.name for r in records]
