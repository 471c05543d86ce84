"""One read of the cluster for a scan: every kind the analyzers need, listed once, through the gateway.

Each kind is read as whole objects by ``tools.objects.ObjectReader``: the ``list_kind`` capability (the server's
"list any kind" tool, chosen by its profile), and — when that answers a table or summaries — each object read with
the server's get tool. A kind that cannot be read at all — no such tool, a read that fails — is recorded in
``missing`` with the reason, never guessed: the analyzers that need it are skipped and the scan says why. Objects of a
kind that could not be read one by one are in ``gaps``: the kind is judged on the rest, and the report says so.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubecopilot.errors import CapabilityMissing, KubeCopilotError, ToolFailed
from kubecopilot.tools.objects import ObjectReader
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
    gaps: dict[str, list[str]] = field(default_factory=dict)  # kind → objects of it that could not be read
    tools: list[str] = field(default_factory=list)
    calls: int = 0  # tool calls the reading took
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
    reader = ObjectReader(gateway, cluster=cluster, fresh=fresh)
    unreachable: str | None = None
    for kind in dict.fromkeys(kinds):
        if unreachable is not None:  # the cluster did not answer: asking again for each kind only costs time
            snapshot.missing[kind] = f"could not list {kind}: not asked, the cluster did not answer ({unreachable})"
            continue
        scope = None if kind in CLUSTER_SCOPED else namespace
        try:
            found = reader.objects(kind, namespace=scope)
        except CapabilityMissing as exc:
            snapshot.missing[kind] = exc.message
            continue
        except ToolFailed as exc:
            if scope and exc.is_not_found and f'namespace "{scope}"' in exc.message:
                raise  # a namespace that does not exist is the user's mistake, not a gap in the server
            snapshot.missing[kind] = f"could not list {kind}: {exc.message}"
            unreachable = _unreachable(snapshot, exc.message)
            continue
        except KubeCopilotError as exc:  # a failed read of one kind leaves the others to analyze
            snapshot.missing[kind] = f"could not list {kind}: {exc.message}"
            unreachable = _unreachable(snapshot, exc.message)
            continue
        snapshot.calls += found.calls
        snapshot.tools += [t for t in found.tools if t not in snapshot.tools]
        if found.gaps:
            snapshot.gaps[kind] = found.gaps
            log.info("scan: %s", "; ".join(found.gaps))
        snapshot.add(kind, found.items)
    return snapshot


# What an API server that is down, or unreachable from the MCP server, makes every read say.
_CONNECTION_FAILURES = ("connection refused", "was refused", "no such host", "i/o timeout", "unable to connect",
                        "no route to host", "connection reset", "the server is currently unable",
                        "tls handshake timeout")
_UNREACHABLE_AFTER = 2


def _unreachable(snapshot: Snapshot, message: str) -> str | None:
    """The reason to stop asking, once ``_UNREACHABLE_AFTER`` kinds in a row failed to connect."""
    failures = [m for m in snapshot.missing.values() if any(c in m.lower() for c in _CONNECTION_FAILURES)]
    if len(failures) >= _UNREACHABLE_AFTER and any(c in message.lower() for c in _CONNECTION_FAILURES):
        return message
    return None
