"""``watch=true``: a streaming response of newline-delimited watch events, ``{"type": "ADDED", "object": {…}}``.

The store keeps no history, so a watch compares states: it remembers the objects it has reported (key →
resourceVersion) and, whenever the cluster's revision moves, reports what was added, modified or deleted since —
whoever made the change (this REST API, an MCP tool, a test editing the world, ``ClusterSet.reset``). An object
that stops matching the selectors is reported DELETED, as the API server does. The revision is polled every
``POLL_S``: cheap (one integer), and a change shows up well within a second.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import anyio

from kubecopilot.sandbox import kinds
from kubecopilot.sandbox.kubeapi.handlers import selected, shape
from kubecopilot.sandbox.kubeapi.objects import Call, Obj, export
from kubecopilot.sandbox.store import Key, key_of

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster
    from kubecopilot.sandbox.world import ClusterSet

POLL_S = 0.1
DEFAULT_TIMEOUT_S = 1800
INITIAL_EVENTS_END = "k8s.io/initial-events-end"
Event = tuple[str, Obj]
Convert = Callable[[Obj], Obj] | None


class Watch:
    def __init__(self, world: ClusterSet, cluster: str, k: kinds.Kind, call: Call, convert: Convert = None) -> None:
        self.world, self.cluster_name, self.kind, self.call, self.convert = world, cluster, k, call, convert
        query = dict(call.query)
        if call.path.name:  # the old /watch/…/name form, or a GET on a name with watch=true
            query["fieldSelector"] = ",".join(filter(None, [query.get("fieldSelector"), f"metadata.name={call.path.name}"]))
        self.query = query
        self.seen: dict[Key, Obj] = {}
        self.revision = -1
        self.first = True

    async def stream(self) -> AsyncIterator[bytes]:
        timeout = float(self.call.query.get("timeoutSeconds") or DEFAULT_TIMEOUT_S)
        with anyio.move_on_after(timeout):
            for line in await anyio.to_thread.run_sync(self._initial):
                yield line
            while True:
                await anyio.sleep(POLL_S)
                if self._cluster().store.revision == self.revision:
                    continue
                for line in await anyio.to_thread.run_sync(self._changes):
                    yield line

    def _cluster(self) -> Cluster:
        return self.world.cluster(self.cluster_name)

    def _current(self, c: Cluster) -> dict[Key, Obj]:
        return {key_of(o): o for o in selected(c, self.kind, self.call.path.namespace, self.query)}

    def _initial(self) -> list[bytes]:
        with self.world.lock:
            c = self._cluster()
            self.revision, self.seen = c.store.revision, self._current(c)
            since = self.call.query.get("resourceVersion") or "0"
            events: list[Event] = []
            if since == "0" or self.call.flag("sendInitialEvents"):
                events = [("ADDED", o) for o in self.seen.values()]
            elif since.isdigit():
                events = [("MODIFIED", o) for o in self.seen.values() if int(o["metadata"]["resourceVersion"]) > int(since)]
            lines = self._render(c, events)
            if self.call.flag("sendInitialEvents"):
                bookmark = {"kind": self.kind.kind, "apiVersion": self.kind.api_version,
                            "metadata": {"resourceVersion": str(c.store.revision), "annotations": {INITIAL_EVENTS_END: "true"}}}
                lines.append(_line("BOOKMARK", bookmark))
            return lines

    def _changes(self) -> list[bytes]:
        with self.world.lock:
            c = self._cluster()
            now = self._current(c)
            events: list[Event] = []
            for key, obj in now.items():
                old = self.seen.get(key)
                if old is None:
                    events.append(("ADDED", obj))
                elif old["metadata"].get("uid") != obj["metadata"].get("uid"):  # deleted and recreated (a StatefulSet pod)
                    events += [("DELETED", old), ("ADDED", obj)]
                elif old["metadata"].get("resourceVersion") != obj["metadata"].get("resourceVersion"):
                    events.append(("MODIFIED", obj))
            events += [("DELETED", old) for key, old in self.seen.items() if key not in now]
            events.sort(key=lambda e: (int(e[1]["metadata"].get("resourceVersion") or 0), e[0] != "DELETED"))
            self.seen, self.revision = now, c.store.revision
            return self._render(c, events)

    def _render(self, c: Cluster, events: list[Event]) -> list[bytes]:
        lines = []
        for kind, obj in events:
            shown = export(obj)
            if self.convert is not None:
                shown = self.convert(shown)
            lines.append(_line(kind, shape(c, self.kind, self.call, [shown], single=False, headers=self.first)
                               if _is_table(self.call) else shown))
            self.first = False
        return lines


def _is_table(call: Call) -> bool:
    from kubecopilot.sandbox.kubeapi.objects import wants

    return wants(call.accept, "Table")


def _line(kind: str, obj: Any) -> bytes:
    return json.dumps({"type": kind, "object": obj}, separators=(",", ":")).encode() + b"\n"
