"""Whole Kubernetes objects (metadata, spec, status) through whatever the server offers.

Diagnosis, the scan and the post-change checks judge whole objects; servers answer lists three ways: objects (the
sandbox, kubectl's ``-o yaml``, kubernetes-mcp-server's ``--list-output yaml``), tables (kubernetes-mcp-server's
default) or summaries (Flux159's ``-o json``). ``ObjectReader.objects`` reads a kind with the server's list-any-kind
tool (or the kind's own list); when the answer only names the objects, it reads each one with the get tool, which
answers whole objects on every server. What it could not read is returned beside what it read (``ObjectList.gaps``)
— never dropped, never guessed: whoever judges the objects must say what it could not check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import yaml

from kubecopilot.errors import CapabilityMissing, KubeCopilotError, ToolFailed
from kubecopilot.k8s import listed_pod_unhealthy
from kubecopilot.tools.parsers import ParseError, Record, parse_records, record_from_object, says_nothing_found
from kubecopilot.tools.ports import Gateway

Obj = dict[str, Any]
# The list capability of a kind, when the server has no list-any-kind tool (or it fails for that kind).
KIND_LISTS = {"Pod": "list_pods", "Deployment": "list_deployments", "ReplicaSet": "list_replicasets",
              "Service": "list_services", "Node": "list_nodes", "Namespace": "list_namespaces", "Event": "list_events"}
WORKERS = 4  # concurrent single-object reads when a list names objects without their content


@dataclass
class ObjectList:
    """Objects of one kind as read, and what could not be read (``"could not read Pod dev/x: reason"``)."""

    kind: str
    items: list[Obj] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    calls: int = 0

    @property
    def complete(self) -> bool:
        return not self.gaps


class ObjectReader:
    """Reads whole objects for one cluster through a ``Gateway`` (``fresh``: bypass the read cache)."""

    def __init__(self, gateway: Gateway, *, cluster: str | None = None, fresh: bool = False,
                 workers: int = WORKERS) -> None:
        self.gateway, self.cluster, self.fresh, self.workers = gateway, cluster, fresh, workers

    def get(self, kind: str, name: str, namespace: str | None) -> Obj | None:
        """The object, or None when the server says it does not exist. Other failures raise (typed)."""
        try:
            result = self.gateway.invoke("get_resource", fresh=self.fresh, kind=kind, name=name,
                                         namespace=namespace or None, cluster=self.cluster)
        except ToolFailed as exc:
            if exc.is_not_found:
                return None
            raise
        obj = as_object(result.data, result.text, result.tool)
        if str(obj.get("kind", kind)).lower() != kind.lower():
            raise ToolFailed(f"{result.tool} answered a {obj.get('kind')} where {kind} {name} was asked for",
                             tool=result.tool)
        return obj

    def objects(self, kind: str, *, namespace: str | None = None, label_selector: str | None = None,
             where: Callable[[Record], bool] | None = None, limit: int | None = None) -> ObjectList:
        """Objects of ``kind`` (in ``namespace``, or all), narrowed by ``label_selector`` (server side) and ``where``
        (on each listed record). ``limit`` bounds the single-object reads a table or summary list costs: the
        unhealthy ones are read first. Raises only when nothing at all could be listed."""
        found = ObjectList(kind)
        if kind == "Event":
            return self._events(found, namespace)
        capability, result = self._list_call(kind, namespace, label_selector)
        found.tools.append(result.tool)
        found.calls += 1
        objects = full_objects(result.data, result.text)
        if objects is not None:
            for obj in objects:
                obj.setdefault("kind", kind)
            found.items = [o for o in objects if where is None or where(_record(o, kind))]
            return found
        binding = self.gateway.binding(capability, kind=kind, namespace=namespace, label_selector=label_selector,
                                       cluster=self.cluster)
        try:
            records = parse_records(result.text, binding.parser, binding.kind or kind)  # type: ignore[arg-type]
        except ParseError as exc:
            raise ToolFailed(f"could not read {result.tool}'s answer about {kind}: {exc}", tool=result.tool) from None
        return self._read_each(found, kind, [r for r in records if where is None or where(r)], namespace, limit)

    # --- the ways to read -----------------------------------------------------------------------------------------

    def _list_call(self, kind: str, namespace: str | None, label_selector: str | None) -> tuple[str, Any]:
        slots = {"kind": kind, "namespace": namespace, "label_selector": label_selector, "cluster": self.cluster}
        own = KIND_LISTS.get(kind)
        choices = [c for c in ("list_kind", own) if c and self.gateway.has(c)]
        if not choices:
            raise CapabilityMissing(f"this server has no tool that lists {kind}", capability="list_kind")
        failure: KubeCopilotError | None = None
        for capability in choices:
            try:
                return capability, self.gateway.invoke(capability, fresh=self.fresh, **slots)
            except CapabilityMissing as exc:
                failure = exc
        assert failure is not None
        raise failure

    def _read_each(self, found: ObjectList, kind: str, records: list[Record], namespace: str | None,
                   limit: int | None) -> ObjectList:
        """A list that names objects without their content: read each (the most telling first, up to ``limit``)."""
        if not self.gateway.has("get_resource"):
            if records:
                found.gaps.append(f"could not read the {kind} objects whole ({len(records)} listed): the server lists "
                                  "them without spec and status and has no tool to read one")
            return found
        chosen = sorted(records, key=lambda r: not _unhealthy(r))[:limit] if limit is not None else records
        targets = [(r.name, r.namespace or namespace) for r in chosen if r.name]
        found.tools.append(self.gateway.binding("get_resource", kind=kind).tool)
        found.calls += len(targets)
        with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(targets)))) as pool:
            results = list(pool.map(lambda t: self._try_get(kind, *t), targets))
        for (name, ns), (obj, problem) in zip(targets, results, strict=True):
            if obj is not None:
                found.items.append(obj)
            elif problem is not None:
                found.gaps.append(f"could not read {kind} {_where(ns, name)}: {problem}")
        return found

    def _try_get(self, kind: str, name: str, namespace: str | None) -> tuple[Obj | None, str | None]:
        try:
            return self.get(kind, name, namespace), None  # None, None: deleted since it was listed
        except KubeCopilotError as exc:
            return None, exc.message

    def _events(self, found: ObjectList, namespace: str | None) -> ObjectList:
        """Events in the API's shape: each server's event list, normalised (tables of events are not used)."""
        capability = "list_events" if self.gateway.has("list_events") else "list_kind"
        listing = self.gateway.records(capability, fresh=self.fresh, kind="Event", namespace=namespace,
                                       cluster=self.cluster)
        found.tools.append(listing.tool)
        found.calls += 1
        events = [r.raw for r in listing.records if r.raw.get("involvedObject")]
        if len(events) < len(listing.records):
            found.gaps.append(f"events from {listing.tool} that do not say what they are about: "
                              f"{len(listing.records) - len(events)}")
        found.items = events
        return found


def as_object(data: Any, text: str, tool: str) -> Obj:
    """One object from a get tool's answer (JSON, or YAML that may start with a comment line)."""
    loaded = data
    if not isinstance(loaded, Mapping):
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ToolFailed(f"{tool} did not answer a Kubernetes object: {exc}", tool=tool) from None
    if isinstance(loaded, list) and len(loaded) == 1:
        loaded = loaded[0]
    if not isinstance(loaded, Mapping) or not isinstance(loaded.get("metadata"), Mapping):
        raise ToolFailed(f"{tool} did not answer a Kubernetes object", tool=tool)
    return dict(loaded)


def full_objects(data: Any, text: str) -> list[Obj] | None:
    """The items of a JSON or YAML list answer when they are whole objects (with metadata); else None."""
    if data is None and says_nothing_found(text):
        return []
    parsed = data if data is not None else _yaml(text)
    if isinstance(parsed, Mapping) and isinstance(parsed.get("items"), list):
        items = parsed["items"]
    elif isinstance(parsed, list):
        items = parsed
    elif isinstance(parsed, Mapping) and "metadata" in parsed:
        items = [parsed]
    else:
        return None
    if all(isinstance(i, dict) and isinstance(i.get("metadata"), Mapping) for i in items):
        return list(items)
    return None


def _yaml(text: str) -> Any:
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError:
        return None
    if len(docs) == 1:
        return docs[0]
    return docs if docs and all(isinstance(d, Mapping) for d in docs) else None


def _record(obj: Mapping[str, Any], kind: str) -> Record:
    return record_from_object(obj, kind)


def _unhealthy(record: Record) -> bool:
    return listed_pod_unhealthy(record.status, record.ready) if record.kind in (None, "Pod") else False


def _where(namespace: str | None, name: str) -> str:
    return f"{namespace}/{name}" if namespace else name
