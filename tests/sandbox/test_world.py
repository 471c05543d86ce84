"""The domain without a server: determinism, reset, the injectable clock, and atomic failed writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from kubecopilot.sandbox.errors import BadRequest, NotFound
from kubecopilot.sandbox.timeutil import fixed_clock
from kubecopilot.sandbox.world import ClusterSet

from .conftest import NOW


def _dump(world: ClusterSet) -> str:
    return json.dumps({name: list(c.store.all()) for name, c in world.clusters.items()}, sort_keys=True)


def _names(world: ClusterSet) -> list[tuple[str, str]]:
    return sorted((o["kind"], o["metadata"]["name"]) for c in world.clusters.values() for o in c.store.all())


@pytest.fixture(scope="module")
def frozen() -> ClusterSet:
    return ClusterSet("default", clock=fixed_clock(NOW), fixed_uids=True)


def test_same_scenario_and_clock_give_identical_worlds(frozen):
    assert _dump(ClusterSet("default", clock=fixed_clock(NOW), fixed_uids=True)) == _dump(frozen)


def test_each_start_is_a_cluster_of_its_own_uids_but_the_scenarios_names():
    """A fresh sandbox is a fresh cluster: its own uids (so a change executed on one sandbox is never taken for one
    executed on the next), the scenario's names; a reset is the same cluster again."""
    def uids(world: ClusterSet) -> dict[str, str]:
        return {p["metadata"]["name"]: p["metadata"]["uid"] for p in world.cluster().store.list("Pod", "dev")}

    one, two = ClusterSet("default", clock=fixed_clock(NOW)), ClusterSet("default", clock=fixed_clock(NOW))
    assert uids(one).keys() == uids(two).keys()
    assert not set(uids(one).values()) & set(uids(two).values())
    before = uids(one)
    one.reset()
    assert uids(one) == before


def test_names_do_not_depend_on_when_the_sandbox_starts(frozen):
    later = ClusterSet("default", clock=fixed_clock(NOW + timedelta(days=17, seconds=3)), fixed_uids=True)
    assert _names(later) == _names(frozen)


def test_ages_are_relative_to_the_clock(frozen):
    v1 = frozen.cluster().store.list("Deployment", "dev")
    created = {d["metadata"]["name"]: d["metadata"]["creationTimestamp"] for d in v1}
    assert created["cart-service-v1"] == (NOW - timedelta(days=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert created["cart-service-v2"] == (NOW - timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_restart_counts_grow_as_the_clock_moves():
    now = [NOW]
    world = ClusterSet("default", clock=lambda: now[0])
    cluster = world.cluster()

    def restarts() -> int:
        pod = next(p for p in cluster.store.list("Pod", "dev") if p["metadata"]["name"].startswith("billing-api-"))
        return pod["status"]["containerStatuses"][0]["restartCount"]

    before = restarts()
    now[0] = NOW + timedelta(minutes=30)
    cluster.reconcile()
    assert before + 5 <= restarts() <= before + 6  # one restart per 5m back-off plus the 2 s run


def test_reset_restores_the_scenario(frozen):
    original = _dump(frozen)
    frozen.call("scale_deployment", {"namespace": "dev", "deployment_name": "cart-service-v1", "replicas": 4})
    frozen.call("delete_namespace", {"name": "production"})
    assert _dump(frozen) != original
    frozen.reset()
    assert _dump(frozen) == original


def test_a_failing_write_leaves_the_world_unchanged(frozen):
    frozen.reset()
    original = _dump(frozen)
    manifest = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first, namespace: dev}\n---\n"
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: second, namespace: nowhere}\n")
    with pytest.raises(NotFound):
        frozen.call("apply_manifest", {"manifest": manifest})
    assert _dump(frozen) == original  # the first document was rolled back too


def test_an_unexpected_error_inside_a_write_also_rolls_back(frozen, monkeypatch):
    from kubecopilot.sandbox import ops

    frozen.reset()
    original = _dump(frozen)

    def half_done(cluster, **_):
        cluster.store.delete("Namespace", "dev")
        raise RuntimeError("boom")

    monkeypatch.setitem(ops.OPERATIONS, "create_namespace", half_done)
    with pytest.raises(RuntimeError):
        frozen.call("create_namespace", {"name": "qa"})
    assert _dump(frozen) == original


def test_argument_checks_happen_before_anything_runs(frozen):
    with pytest.raises(BadRequest, match='missing required argument "replicas"'):
        frozen.call("scale_deployment", {"namespace": "dev", "deployment_name": "cart-service-v1"})
    assert json.loads(frozen.call("scale_deployment", {"namespace": "dev", "deployment_name": "cart-service-v1",
                                                       "replicas": "2"}))["object"]["spec"]["replicas"] == 2


def test_minimal_and_healthy_scenarios():
    minimal = ClusterSet("minimal", clock=fixed_clock(NOW))
    assert list(minimal.clusters) == ["dev-cluster"]
    assert sorted(d["metadata"]["name"] for d in minimal.cluster().store.list("Deployment", "dev")) == [
        "cart-service-v1", "cart-service-v2"]
    healthy = ClusterSet("healthy", clock=fixed_clock(NOW))
    overview = json.loads(healthy.call("get_cluster_overview", {}))
    assert overview["pods"]["problems"] == [] and overview["deployments"]["degraded"] == []
    prod = json.loads(healthy.call("get_cluster_overview", {"cluster": "prod-cluster"}))
    assert prod["nodes"]["notReady"] == []


def test_the_clock_is_used_for_new_objects(frozen):
    frozen.reset()
    created = json.loads(frozen.call("create_namespace", {"name": "qa"}))["object"]
    assert created["metadata"]["creationTimestamp"] == NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert datetime.strptime(created["metadata"]["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=UTC) == NOW
