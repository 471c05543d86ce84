"""One simulated cluster (``Cluster``): one API server's state and control loops. ``world.ClusterSet`` owns the
clusters of a scenario and their shared lock.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kubecopilot.sandbox import controllers, kubelet
from kubecopilot.sandbox.apps import Catalog
from kubecopilot.sandbox.events import EventRecorder
from kubecopilot.sandbox.store import Obj, Store
from kubecopilot.sandbox.timeutil import Clock

if TYPE_CHECKING:
    from kubecopilot.sandbox.world import ClusterSet


class Cluster:
    def __init__(self, name: str, server: str, version: str, clock: Clock, seed: str, catalog: Catalog,
                 uid_salt: int = 0) -> None:
        self.name = name
        self.server = server
        self.version = version
        self.catalog = catalog
        self.rng = random.Random(seed)
        self._clock = clock
        self._frozen: datetime | None = None
        self.store = Store(self.rng, self.now, uid_salt)
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
        node: str | None = obj["spec"].get("nodeName")
        return node
    return obj["metadata"]["name"] if obj["kind"] == "Node" else None
