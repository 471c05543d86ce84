"""ReadCache with an injected clock: hits and misses, TTL per policy, ages, eviction, refresh."""

from __future__ import annotations

import pytest

from kubecopilot.config import DEFAULT_TTLS
from kubecopilot.testing.clock import FakeClock
from kubecopilot.tools.cache import CLUSTER_WIDE, ReadCache, cache_key


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def cache(clock):
    return ReadCache(DEFAULT_TTLS, maxsize=64, clock=clock)


def test_hit_after_put_and_age_counts_from_the_fetch(cache, clock):
    assert cache.get("pods", "list_pods", {"namespace": "dev"}) is None
    cache.put("pods", "list_pods", {"namespace": "dev"}, "PODS")
    clock.advance(12)
    entry = cache.get("pods", "list_pods", {"namespace": "dev"})
    assert entry.value == "PODS"
    assert cache.age_s(entry) == 12
    assert cache.stats()["pods"] == {"hits": 1, "misses": 1, "entries": 1, "ttl_s": 30}


def test_each_policy_expires_on_its_own_ttl(cache, clock):
    cache.put("pods", "list_pods", {"namespace": "dev"}, "pods")
    cache.put("namespaces", "list_namespaces", {}, "namespaces")
    cache.put("clusters", "list_clusters", {}, "clusters")
    clock.advance(31)  # pods (30 s) gone, namespaces (5 min) and clusters (1 h) stay
    assert cache.get("pods", "list_pods", {"namespace": "dev"}) is None
    assert cache.get("namespaces", "list_namespaces", {}) is not None
    clock.advance(300)
    assert cache.get("namespaces", "list_namespaces", {}) is None
    assert cache.get("clusters", "list_clusters", {}) is not None
    clock.advance(3600)
    assert len(cache) == 0


def test_key_normalises_argument_order_and_none(cache):
    cache.put("pods", "list_pods", {"namespace": "dev", "cluster": "c1", "label": None}, "x")
    assert cache.get("pods", "list_pods", {"cluster": "c1", "namespace": "dev"}) is not None
    assert cache.get("pods", "list_pods", {"cluster": "c2", "namespace": "dev"}) is None
    assert cache_key("t", {"b": 1, "a": None}, "c") == cache_key("t", {"b": 1}, "c") != cache_key("t", {"b": 1}, None)


def test_unknown_policy_uses_the_default_ttl(cache, clock):
    cache.put("configmaps", "list_configmaps", {}, "x")
    assert cache.stats()["default"]["entries"] == 1
    clock.advance(DEFAULT_TTLS["default"] + 1)
    assert cache.get("configmaps", "list_configmaps", {}) is None


def test_evict_by_namespace_policy_and_cluster_wide(cache):
    cache.put("pods", "list_pods", {"namespace": "dev"}, 1)
    cache.put("pods", "list_pods", {"namespace": "prod"}, 2)
    cache.put("pods", "list_pods", {}, 3)  # all namespaces
    cache.put("events", "list_events", {"namespace": "dev"}, 4)
    cache.put("namespaces", "list_namespaces", {}, 5)
    assert cache.evict(namespace="dev") == 2
    assert cache.evict(namespace=CLUSTER_WIDE, policies=["pods", "events"]) == 1
    assert {(e.tool, e.namespace) for e in cache.entries()} == {("list_pods", "prod"), ("list_namespaces", None)}
    assert cache.evict(tool="list_namespaces") == 1


def test_refresh_clears_everything_and_counts_only_live_entries(cache, clock):
    cache.put("pods", "list_pods", {"namespace": "dev"}, 1)
    cache.put("nodes", "list_nodes", {}, 2)
    cache.put("clusters", "list_clusters", {}, 3)
    clock.advance(31)  # the pods entry has expired already: it does not count
    assert cache.refresh() == 2
    assert cache.refresh() == 0
    assert cache.entries() == []


def test_entries_describe_what_is_cached_for_slash_cache(cache, clock):
    cache.put("pods", "list_pods", {"namespace": "dev"}, 1, cluster="c1")
    clock.advance(5)
    (row,) = cache.entries()
    assert (row.policy, row.tool, row.namespace, row.cluster, row.age_s, row.ttl_s) == (
        "pods",
        "list_pods",
        "dev",
        "c1",
        5,
        30,
    )
