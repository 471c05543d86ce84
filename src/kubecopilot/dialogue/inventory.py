"""The names the session can link a message to: clusters, namespaces, nodes, deployments and pods.

Through the gateway only, and cheap: a list the read cache holds costs nothing, and a list is read only when the
message has a word that no cheaper list explained (a namespace is looked for before any pod list is read). One
``Inventory`` lives for one turn; the gateway's cache keeps the lists between turns (pods 30 s, namespaces 5 min).
A list the server cannot give is simply not used: a name then stays unlinked, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from kubecopilot.errors import KubeCopilotError
from kubecopilot.k8s import workload_of
from kubecopilot.tools.ports import Gateway

KINDS = ("cluster", "namespace", "node", "deployment", "pod")  # cheapest first
CAPABILITY = {"cluster": "list_clusters", "namespace": "list_namespaces", "node": "list_nodes",
              "deployment": "list_deployments", "pod": "list_pods"}


@dataclass(frozen=True)
class Named:
    kind: str
    name: str
    namespace: str | None = None
    owner: str | None = None  # a pod's workload ("deployment/billing-api")
    status: str | None = None
    current: bool = False  # a cluster the server calls current


class Names(Protocol):
    """What linking needs: the names of one kind (loaded on first use) in the cluster in play."""

    cluster: str | None

    def of(self, kind: str) -> list[Named]: ...

    def in_cluster(self, cluster: str | None) -> Names: ...

    def fresh(self, kind: str) -> list[Named]: ...


class Inventory:
    """The names of one cluster, read lazily through the gateway (cache first)."""

    def __init__(self, gateway: Gateway, cluster: str | None) -> None:
        self.gateway, self.cluster = gateway, cluster
        self._loaded: dict[str, list[Named]] = {}

    def of(self, kind: str) -> list[Named]:
        if kind not in self._loaded:
            self._loaded[kind] = self._read(kind, fresh=False)
        return self._loaded[kind]

    def fresh(self, kind: str) -> list[Named]:
        """Re-read a list (a pod replaced since the cached list was read)."""
        self._loaded[kind] = self._read(kind, fresh=True)
        return self._loaded[kind]

    def in_cluster(self, cluster: str | None) -> Names:
        return self if cluster in (None, self.cluster) else Inventory(self.gateway, cluster)

    def _read(self, kind: str, *, fresh: bool) -> list[Named]:
        capability = CAPABILITY[kind]
        try:
            if not self.gateway.has(capability):
                return []
            records = None if fresh else self.gateway.cached_records(capability, cluster=self.cluster)
            if records is None:
                records = list(self.gateway.records(capability, fresh=fresh, cluster=self.cluster).records)
        except KubeCopilotError:
            return []  # unreadable: the names stay unlinked (said as such), never guessed
        return [Named(kind, r.name, r.namespace, workload_of(r.raw, r.name) if kind == "pod" else None, r.status,
                      bool(r.raw.get("current"))) for r in records]


class StaticNames:
    """Fixed names (the utterance table, tests): ``{"namespace": [...], "deployment": [...], ...}``."""

    def __init__(self, names: Mapping[str, Iterable[str]], cluster: str | None = None) -> None:
        self.cluster = cluster
        self._names = {kind: [Named(kind, n) for n in names.get(kind, ())] for kind in KINDS}

    def of(self, kind: str) -> list[Named]:
        return self._names.get(kind, [])

    def fresh(self, kind: str) -> list[Named]:
        return self.of(kind)

    def in_cluster(self, cluster: str | None) -> Names:
        return self
