"""The read cache (PRD 2.5, SPEC §4): one ``cachetools.TTLCache`` per policy, so clusters can live an hour while
pods live 30 seconds. Keys are tool + normalised arguments + cluster; every entry remembers when it was fetched so
answers can say "from cache, 12 s old". Thread-safe: crewAI runs tools in worker threads.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache

from kubecopilot.k8s import namespace_arg
from kubecopilot.tools.catalog import DEFAULT_POLICY

Clock = Callable[[], float]
Key = tuple[Hashable, ...]
# ``evict(namespace=CLUSTER_WIDE)`` selects entries that were not read in one namespace (all-namespace lists,
# namespaces, nodes, clusters).
CLUSTER_WIDE = object()


@dataclass(frozen=True)
class CacheEntry:
    policy: str
    tool: str
    args: Mapping[str, Any]
    cluster: str | None
    value: Any
    fetched_at: float

    @property
    def namespace(self) -> str | None:
        return namespace_of(self.args)


@dataclass(frozen=True)
class EntryInfo:
    """One line of ``/cache``."""

    policy: str
    tool: str
    args: Mapping[str, Any]
    cluster: str | None
    namespace: str | None
    age_s: float
    ttl_s: float


def namespace_of(args: Mapping[str, Any]) -> str | None:
    return namespace_arg(args)


def normalise_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments without ``None`` values (an omitted optional and ``None`` are the same question)."""
    return {k: v for k, v in args.items() if v is not None}


def cache_key(tool: str, args: Mapping[str, Any], cluster: str | None = None) -> Key:
    frozen = json.dumps(normalise_args(args), sort_keys=True, default=str, ensure_ascii=False)
    return (tool, cluster, frozen)


class ReadCache:
    def __init__(self, ttls: Mapping[str, float], maxsize: int = 512, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._ttls = {**{DEFAULT_POLICY: 30.0}, **dict(ttls)}
        self._caches: dict[str, TTLCache[Any, Any]] = {
            policy: TTLCache(maxsize=maxsize, ttl=ttl, timer=clock) for policy, ttl in self._ttls.items()
        }
        self._stats = {policy: {"hits": 0, "misses": 0} for policy in self._caches}
        self._lock = threading.RLock()

    @property
    def ttls(self) -> dict[str, float]:
        return dict(self._ttls)

    def policy(self, name: str | None) -> str:
        """A known policy name; unknown ones share the default TTL rather than escaping the cache."""
        return name if name in self._caches else DEFAULT_POLICY

    def get(self, policy: str, tool: str, args: Mapping[str, Any], cluster: str | None = None) -> CacheEntry | None:
        policy = self.policy(policy)
        with self._lock:
            entry = self._caches[policy].get(cache_key(tool, args, cluster))
            self._stats[policy]["hits" if entry is not None else "misses"] += 1
            return entry

    def peek(self, policy: str, tool: str, args: Mapping[str, Any], cluster: str | None = None) -> CacheEntry | None:
        """Like ``get`` but leaves the hit/miss counts alone (for lookups that are not reads: completion, parsing)."""
        policy = self.policy(policy)
        with self._lock:
            return self._caches[policy].get(cache_key(tool, args, cluster))

    def put(
        self, policy: str, tool: str, args: Mapping[str, Any], value: Any, cluster: str | None = None
    ) -> CacheEntry:
        policy = self.policy(policy)
        entry = CacheEntry(policy, tool, normalise_args(args), cluster, value, self._clock())
        with self._lock:
            self._caches[policy][cache_key(tool, args, cluster)] = entry
        return entry

    def age_s(self, entry: CacheEntry) -> float:
        return max(0.0, self._clock() - entry.fetched_at)

    def evict(
        self,
        namespace: str | object | None = None,
        policies: Iterable[str] | None = None,
        *,
        tool: str | None = None,
        where: Callable[[CacheEntry], bool] | None = None,
    ) -> int:
        """Drop matching entries; returns how many went. No filter at all drops everything.

        ``namespace``: a name (entries read in that namespace), ``CLUSTER_WIDE`` (entries read without one) or
        None (any). ``policies``, ``tool`` and ``where`` narrow further.
        """
        wanted = set(policies) if policies is not None else None
        removed = 0
        with self._lock:
            for policy, cache in self._caches.items():
                if wanted is not None and policy not in wanted:
                    continue
                cache.expire()
                for key, entry in list(cache.items()):
                    if _matches(entry, namespace, tool, where):
                        del cache[key]
                        removed += 1
        return removed

    def evict_entry(self, entry: CacheEntry) -> bool:
        with self._lock:
            return self._caches[entry.policy].pop(cache_key(entry.tool, entry.args, entry.cluster), None) is not None

    def refresh(self) -> int:
        """Clear everything (``/refresh``, "刷新缓存"); returns how many live entries went."""
        with self._lock:
            count = 0
            for cache in self._caches.values():
                cache.expire()
                count += len(cache)
                cache.clear()
            return count

    def stats(self) -> dict[str, dict[str, float]]:
        with self._lock:
            for cache in self._caches.values():
                cache.expire()
            return {
                policy: {**self._stats[policy], "entries": len(cache), "ttl_s": self._ttls[policy]}
                for policy, cache in self._caches.items()
            }

    def entries(self) -> list[EntryInfo]:
        with self._lock:
            rows = []
            for policy, cache in self._caches.items():
                cache.expire()
                for entry in cache.values():
                    rows.append(
                        EntryInfo(
                            policy,
                            entry.tool,
                            entry.args,
                            entry.cluster,
                            entry.namespace,
                            self.age_s(entry),
                            self._ttls[policy],
                        )
                    )
        return sorted(rows, key=lambda r: (r.policy, r.tool, r.age_s))

    def __len__(self) -> int:
        with self._lock:
            for cache in self._caches.values():
                cache.expire()
            return sum(len(c) for c in self._caches.values())


def _matches(entry: CacheEntry, namespace: Any, tool: str | None, where: Callable[[CacheEntry], bool] | None) -> bool:
    if tool is not None and entry.tool != tool:
        return False
    if namespace is CLUSTER_WIDE and entry.namespace is not None:
        return False
    if isinstance(namespace, str) and entry.namespace != namespace:
        return False
    return where is None or where(entry)
