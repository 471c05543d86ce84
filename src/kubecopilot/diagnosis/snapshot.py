"""One read of the cluster for a scan: every kind the analyzers need, listed once, through the gateway.

Each kind is read with the ``list_kind`` capability (the server's "list any kind" tool, chosen by its profile). A
kind the server cannot list as full objects — no such tool, a tool that answers tables or summaries, a read that
fails — is recorded in ``missing`` with the reason, never guessed: the analyzers that need it are skipped and the
scan says why.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from kubecopilot.errors import CapabilityMissing, KubeCopilotError, ToolFailed
from kubecopilot.tools.ports import Gateway

log = logging.getLogger(__name__)

Obj = dict[str, Any]
CLUSTER_SCOPED = frozenset({"Node", "PersistentVolume", "StorageClass", "Namespace"})


@dataclass
class Snapshot:
    """The objects of one scan, by kind, with lookups the analyzers share."""

    namespace: str | None
    language: str = "en"  # of the findings' texts (en or zh)
    objects: dict[str, list[Obj]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # kind → why it could not be read
    tools: list[str] = field(default_factory=list)
    _index: dict[tuple[str, str, str], Obj] = field(default_factory=dict, repr=False)
    _events: dict[tuple[str, str, str], list[Obj]] = field(default_factory=dict, repr=False)
    _by_label: dict[tuple[str, str, str], list[Obj]] = field(default_factory=dict, repr=False)  # (ns, key, value) → pods
    _by_namespace: dict[str, list[Obj]] = field(default_factory=dict, repr=False)  # ns → pods

    def add(self, kind: str, items: Iterable[Obj]) -> None:
        listed = self.objects.setdefault(kind, [])
        for obj in items:
            obj.setdefault("kind", kind)
            listed.append(obj)
            meta = obj.get("metadata") or {}
            self._index[(kind, meta.get("namespace") or "", meta.get("name") or "")] = obj
            if kind == "Pod":
                self._by_namespace.setdefault(meta.get("namespace") or "", []).append(obj)
                for key, value in (meta.get("labels") or {}).items():
                    self._by_label.setdefault((meta.get("namespace") or "", key, str(value)), []).append(obj)
            if kind == "Event":
                involved = obj.get("involvedObject") or {}
                key = (str(involved.get("kind")), involved.get("namespace") or meta.get("namespace") or "",
                       str(involved.get("name")))
                self._events.setdefault(key, []).append(obj)

    def has(self, kind: str) -> bool:
        return kind in self.objects

    def of(self, kind: str) -> list[Obj]:
        return self.objects.get(kind, [])

    def get(self, kind: str, name: str, namespace: str | None = None) -> Obj | None:
        return self._index.get((kind, namespace or "", name))

    def events_about(self, obj: Mapping[str, Any]) -> list[Obj]:
        """Events about ``obj``, newest first (what matters is the latest message)."""
        meta = obj.get("metadata") or {}
        found = self._events.get((str(obj.get("kind")), meta.get("namespace") or "", meta.get("name") or ""), [])
        return sorted(found, key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""), reverse=True)

    def pods_in(self, namespace: str, labels: Mapping[str, str] | None = None) -> list[Obj]:
        """Pods of a namespace, narrowed to those carrying one of ``labels`` (an index, not a scan: a cluster-wide
        scan asks this once per Service, PDB and workload)."""
        if not labels:
            return self._by_namespace.get(namespace, [])
        key, value = next(iter(labels.items()))
        return self._by_label.get((namespace, key, str(value)), [])

    def owned(self, owner: Mapping[str, Any], kind: str) -> list[Obj]:
        uid = (owner.get("metadata") or {}).get("uid")
        return [o for o in self.of(kind) if any(r.get("uid") == uid for r in (o.get("metadata") or {}).get("ownerReferences") or ())]

    def pods_by_owner(self) -> dict[str, list[Obj]]:
        """Pods by the uid of their controller (a ReplicaSet, StatefulSet, DaemonSet or Job)."""
        by_owner: dict[str, list[Obj]] = defaultdict(list)
        for pod in self.of("Pod"):
            for ref in (pod.get("metadata") or {}).get("ownerReferences") or ():
                by_owner[str(ref.get("uid"))].append(pod)
        return by_owner


def read_snapshot(gateway: Gateway, kinds: Iterable[str], *, namespace: str | None = None, cluster: str | None = None,
                  fresh: bool = False) -> Snapshot:
    snapshot = Snapshot(namespace=namespace)
    for kind in dict.fromkeys(kinds):
        scope = None if kind in CLUSTER_SCOPED else namespace
        try:
            result = gateway.invoke("list_kind", kind=kind, namespace=scope, cluster=cluster, fresh=fresh)
        except CapabilityMissing as exc:
            snapshot.missing[kind] = exc.message
            continue
        except ToolFailed as exc:
            if scope and exc.is_not_found and f'namespace "{scope}"' in exc.message:
                raise  # a namespace that does not exist is the user's mistake, not a gap in the server
            snapshot.missing[kind] = f"could not list {kind}: {exc.message}"
            continue
        except KubeCopilotError as exc:  # a failed read of one kind leaves the others to analyze
            snapshot.missing[kind] = f"could not list {kind}: {exc.message}"
            continue
        if result.tool not in snapshot.tools:
            snapshot.tools.append(result.tool)
        items = full_objects(result.data, result.text)
        if items is None:
            snapshot.missing[kind] = (f"{result.tool} answers {kind} without spec and status (a table or summaries), "
                                      "so what needs them is not judged")
            log.info("scan: %s", snapshot.missing[kind])
            continue
        snapshot.add(kind, items)
    return snapshot


def full_objects(data: Any, text: str) -> list[Obj] | None:
    """The items of a JSON or YAML list answer when they are whole objects (with metadata); else None."""
    parsed = data if data is not None else _yaml(text)
    if isinstance(parsed, Mapping) and isinstance(parsed.get("items"), list):
        items = parsed["items"]
    elif isinstance(parsed, list):
        items = parsed
    elif isinstance(parsed, Mapping) and "metadata" in parsed:
        items = [parsed]
    else:
        return [] if _empty(text) else None
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


def _empty(text: str) -> bool:
    """An answer that says "nothing there" (kubectl: "No resources found")."""
    stripped = text.strip()
    return not stripped or stripped.lower().startswith("no resources found")
