"""Reads a change made elsewhere has made stale: evicted from this session's cache.

The gateway evicts what its own writes could have changed. A colleague's ``kubecopilot plans apply`` (another process,
the shared ledger) changes the cluster behind this session's back, and the cache would go on showing the old state for
up to its TTL. The ledger knows every execution, so before a turn reads anything the conversation asks it — at most
every few seconds, one query on the ledger's primary key — for the changes recorded since it last looked, and evicts
the cached reads of each changed plan's namespace. The first look (the ledger opens on first use, not at start-up)
takes the changes recorded since the session began.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Any, Protocol

from kubecopilot.tools.ports import Gateway

EVERY_S = 5.0  # how often the ledger is asked at most


class ChangeLog(Protocol):
    """What the watch needs from the audit ledger (``plans.ledger.AuditLedger``)."""

    def changes_since(self, seq: int) -> list[Any]: ...


def iso_utc(moment: datetime) -> str:
    """A moment as the ledger writes its ``at`` (ISO 8601, UTC, milliseconds, "Z"), so the two compare as text."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ChangesElsewhere:
    """Evicts the cached reads of every namespace a plan executed (or rolled back) since the last look changed —
    except the plans this session ran itself (the gateway evicted for those when it wrote)."""

    def __init__(self, ledger: ChangeLog, gateway: Gateway, *, clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC), every: float = EVERY_S) -> None:
        self.ledger, self.gateway, self.clock, self.every = ledger, gateway, clock, every
        self.started = iso_utc(now())
        self.seq: int | None = None  # the newest row seen; None: the ledger was not looked at yet
        self.last: float | None = None

    def check(self, own: Collection[str] = ()) -> list[str | None]:
        """Look at the ledger (unless it was looked at within ``every`` seconds); the namespaces whose reads were
        evicted (None: a cluster-scoped change, every list but the clusters)."""
        now = self.clock()
        if self.last is not None and now - self.last < self.every:
            return []
        self.last = now
        first, changed = self.seq is None, []
        for entry in self.ledger.changes_since(self.seq or 0):
            self.seq = max(self.seq or 0, entry.seq)
            if entry.plan_id in own or (first and entry.at < self.started):
                continue
            namespace = entry.plan.resource.namespace or None
            if namespace not in changed:
                changed.append(namespace)
                self.gateway.evict_namespace(namespace)
        if self.seq is None:
            self.seq = 0
        return changed
