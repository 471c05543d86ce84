"""The simulated clusters: ``Cluster`` (one API server's state and control loops) and ``ClusterSet`` (the
clusters of a scenario, the current one, and ``call(tool, args)`` — the one entry the MCP server uses).

A write runs on a snapshot boundary: if it raises, the cluster is restored, so a failed write changes nothing.
Everything is guarded by one re-entrant lock (``ClusterSet.lock``): ``call``, ``reset`` and
``Cluster.set_node_ready`` take it; a test that edits ``cluster.store`` directly while a server is running should
hold it too (``with handle.cluster.lock: ...``).
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from kubecopilot.sandbox import controllers, kubelet
from kubecopilot.sandbox.apps import Catalog
from kubecopilot.sandbox.errors import BadRequest, NotFound
from kubecopilot.sandbox.events import EventRecorder
from kubecopilot.sandbox.store import Obj, Store
from kubecopilot.sandbox.timeutil import Clock, system_clock
from kubecopilot.sandbox.toolspec import ToolCatalog


class Cluster:
    def __init__(self, name: str, server: str, version: str, clock: Clock, seed: str, catalog: Catalog) -> None:
        self.name = name
        self.server = server
        self.version = version
        self.catalog = catalog
        self.rng = random.Random(seed)
        self._clock = clock
        self._frozen: datetime | None = None
        self.store = Store(self.rng, self.now)
        self.events = EventRecorder(self.store, self.now, _event_host)
        self.world: ClusterSet | None = None  # set by the ClusterSet that owns this cluster
        self.lock: threading.RLock = threading.RLock()  # replaced by the owning ClusterSet's lock

    def now(self) -> datetime:
        return self._frozen or self._clock()

    @contextlib.contextmanager
    def at(self, moment: datetime) -> Iterator[None]:
        """Act as if it were ``moment`` (the scenario builder replays history this way)."""
        previous, self._frozen = self._frozen, moment
        try:
            yield
        finally:
            self._frozen = previous

    def reconcile(self) -> None:
        controllers.reconcile(self)

    def set_node_ready(self, node_name: str, ready: bool) -> None:
        """Make a node stop (or resume) posting status, as a lost kubelet would; its pods follow."""
        with self.lock:
            kubelet.set_node_ready(self, node_name, ready)
            self.reconcile()

    def require_namespace(self, namespace: str) -> Obj:
        return self.store.require("Namespace", namespace)

    def snapshot(self) -> Any:
        return self.store.snapshot()

    def restore(self, state: Any) -> None:
        self.store.restore(state)


def _event_host(obj: Obj) -> str | None:
    if obj["kind"] == "Pod":
        return obj["spec"].get("nodeName")
    return obj["metadata"]["name"] if obj["kind"] == "Node" else None


class ClusterSet:
    """All clusters of a scenario. ``call`` validates arguments, picks the cluster and runs one tool."""

    def __init__(self, scenario: str = "default", clock: Clock | None = None) -> None:
        from kubecopilot.sandbox import scenario as scenarios

        self.scenario = scenario
        self.clock = clock or system_clock
        self.lock = threading.RLock()
        self.tools = ToolCatalog.load()
        self.clusters, self.current = scenarios.build(scenario, self.clock)
        for cluster in self.clusters.values():
            cluster.world, cluster.lock = self, self.lock
        self._initial = {name: cluster.snapshot() for name, cluster in self.clusters.items()}
        self._initial_current = self.current

    def reset(self) -> None:
        """Back to the scenario as it was built (same objects, names, uids and resourceVersions)."""
        with self.lock:
            for name, state in self._initial.items():
                self.clusters[name].restore(state)
            self.current = self._initial_current

    def cluster(self, name: str | None = None) -> Cluster:
        with self.lock:
            found = self.clusters.get(name or self.current)
            if found is None:
                raise NotFound(f'cluster "{name}" not found', hint="known clusters: " + ", ".join(self.clusters))
            return found

    def call(self, tool: str, arguments: dict[str, Any] | None = None) -> str:
        """Run one tool; returns its text (JSON for data). Raises ``APIError`` subclasses with the API's wording."""
        from kubecopilot.sandbox.ops import OPERATIONS

        spec = self.tools.get(tool)
        if spec is None or tool not in OPERATIONS:
            raise BadRequest(f'unknown tool "{tool}"', hint=f"the sandbox has {len(self.tools)} tools; list them with tools/list")
        args = spec.validate(arguments or {})
        with self.lock:
            cluster = self.cluster(args.pop("cluster", None))
            if spec.read_only:
                return _render(OPERATIONS[tool](cluster, **args))
            state = cluster.snapshot()
            try:
                result = OPERATIONS[tool](cluster, **args)  # write operations reconcile before they answer
            except BaseException:
                cluster.restore(state)
                raise
            return _render(result)


COMPACT_OVER = 100  # list items; indenting is pure Python in json and costs 6× compact on a 2,000-pod list


def _render(result: Any) -> str:
    if isinstance(result, str):
        return result
    if isinstance(result, dict) and len(result.get("items") or ()) > COMPACT_OVER:
        return json.dumps(result, separators=(",", ":"))
    return json.dumps(result, indent=2)
