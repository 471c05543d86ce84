"""The clusters of a scenario (``ClusterSet``): which one is current, and ``call(tool, args)`` — the one entry the
MCP server uses. It builds its clusters from a scenario; ``cluster.Cluster`` is one API server's state.

A write runs on a snapshot boundary: if it raises, the cluster is restored, so a failed write changes nothing.
Everything is guarded by one re-entrant lock (``ClusterSet.lock``): ``call``, ``reset`` and
``Cluster.set_node_ready`` take it; a test that edits ``cluster.store`` directly while a server is running should
hold it too (``with handle.cluster.lock: ...``).
"""

from __future__ import annotations

import json
import secrets
import threading
from typing import Any

from kubecopilot.sandbox import scenario as scenarios
from kubecopilot.sandbox.cluster import Cluster
from kubecopilot.sandbox.errors import BadRequest, NotFound
from kubecopilot.sandbox.ops import OPERATIONS
from kubecopilot.sandbox.timeutil import Clock, system_clock
from kubecopilot.sandbox.toolspec import ToolCatalog


class ClusterSet:
    """All clusters of a scenario. ``call`` validates arguments, picks the cluster and runs one tool."""

    def __init__(self, scenario: str = "default", clock: Clock | None = None, *, fixed_uids: bool = False) -> None:
        """Names, statuses and logs follow the scenario's seed. Uids do too with ``fixed_uids`` (a test that compares
        two worlds); otherwise this world's uids are its own, as a freshly created real cluster's would be, so a change
        executed on one sandbox is never taken for one executed on the next (idempotency keys hash the uid)."""
        self.scenario = scenario
        self.clock = clock or system_clock
        self.lock = threading.RLock()
        self.tools = ToolCatalog.load()
        self.uid_salt = 0 if fixed_uids else secrets.randbits(128)
        self.clusters, self.current = scenarios.build(scenario, self.clock, self.uid_salt)
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
