"""ToolGateway against the sandbox MCP server over real SSE and streamable HTTP: load + classification, the cache
(hits, TTL expiry on a fake clock, write eviction, refresh), the write gate, stale-cache recovery, ClusterOps."""

from __future__ import annotations

import dataclasses
import json

import pytest

from kubecopilot.config import MCPSettings, Settings
from kubecopilot.errors import CapabilityMissing, ChangeNotPossible, StaleReference, ToolFailed, UnknownTool, WriteRefused
from kubecopilot.sandbox.runner import start_sandbox
from kubecopilot.testing.clock import FakeClock
from kubecopilot.tools.factory import connect_gateway
from kubecopilot.tools.ops import ClusterOps


class Ref:
    def __init__(self, kind, namespace, name, cluster=None):
        self.kind, self.namespace, self.name, self.cluster = kind, namespace, name, cluster


@pytest.fixture(scope="module", params=["sse", "streamable-http"])
def shared_sandbox(request):
    """One sandbox per transport for the tests that do not change the cluster."""
    handle = start_sandbox(scenario="default", transport=request.param, port=0)
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def _mutable_sandbox():
    handle = start_sandbox(scenario="default", transport="sse", port=0)
    pristine = {name: cluster.snapshot() for name, cluster in handle.cluster.clusters.items()}
    yield handle, pristine
    handle.stop()


@pytest.fixture
def sandbox(_mutable_sandbox):
    """For tests that change the cluster: the same server, its world put back to the scenario's start first."""
    handle, pristine = _mutable_sandbox
    with handle.cluster.lock:
        for name, state in pristine.items():
            handle.cluster.clusters[name].restore(state)
    return handle


def gateway_for(handle, clock=None):
    kwargs = {"clock": clock} if clock else {}
    return connect_gateway(Settings(mcp=MCPSettings(url=handle.url)), **kwargs)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def shared_gateway(shared_sandbox, clock):
    gw = gateway_for(shared_sandbox, clock)
    yield gw
    gw.close()


@pytest.fixture
def gateway(sandbox, clock):
    gw = gateway_for(sandbox, clock)
    yield gw
    gw.close()


# --- load and classification ------------------------------------------------------------------------------------


def test_loads_every_sandbox_tool_with_the_class_its_annotations_give(shared_gateway, shared_sandbox):
    catalog = shared_gateway.catalog
    assert shared_gateway.profile.name == "sandbox"
    assert len(catalog) == len(list(shared_sandbox.cluster.tools))
    for spec in shared_sandbox.cluster.tools:  # the sandbox's own declaration of each tool
        got = catalog.get(spec.name)
        assert got.reason == "annotation"
        assert (got.tool_class == "write") == (not spec.read_only), spec.name
    assert catalog.get("list_pods").tool_class == "list"
    assert catalog.get("get_pod_logs").tool_class == "read"
    assert catalog.get("get_pod_logs").cache_policy is None
    assert catalog.get("list_namespaces").capability == "list_namespaces"


# --- reads and the cache ----------------------------------------------------------------------------------------


def test_list_reads_are_cached_and_say_how_old_they_are(shared_gateway, clock):
    first = shared_gateway.records("list_namespaces")
    assert not first.from_cache and {"default", "dev", "production"} <= set(first.names())
    clock.advance(42)
    second = shared_gateway.records("list_namespaces")
    assert second.from_cache and second.age_s == 42
    assert second.names() == first.names()
    assert shared_gateway.cache.stats()["namespaces"]["hits"] == 1


def test_ttl_expiry_on_the_fake_clock(shared_gateway, clock):
    shared_gateway.records("list_pods", namespace="dev")
    clock.advance(29)
    assert shared_gateway.records("list_pods", namespace="dev").from_cache
    clock.advance(2)  # pods live 30 s
    assert not shared_gateway.records("list_pods", namespace="dev").from_cache


def test_logs_and_describe_are_never_cached(shared_gateway):
    pod = shared_gateway.records("list_pods", namespace="dev").records[0].name
    for _ in range(2):
        assert not shared_gateway.invoke("pod_logs", namespace="dev", name=pod, tail_lines=5).from_cache
        assert not shared_gateway.invoke("describe_pod", namespace="dev", name=pod).from_cache


def test_fresh_reads_bypass_the_cache(shared_gateway):
    shared_gateway.records("list_nodes")
    assert not shared_gateway.records("list_nodes", fresh=True).from_cache


def test_refresh_clears_everything_and_counts(shared_gateway):
    shared_gateway.records("list_namespaces")
    shared_gateway.records("list_pods", namespace="dev")
    shared_gateway.records("list_clusters")
    assert shared_gateway.refresh_cache() == 3
    assert not shared_gateway.records("list_namespaces").from_cache


def test_server_errors_and_unknown_tools_are_typed(shared_gateway):
    with pytest.raises(ToolFailed) as err:
        shared_gateway.invoke("get_resource", kind="Pod", name="ghost", namespace="dev")
    assert err.value.is_not_found and "ghost" in err.value.message
    with pytest.raises(UnknownTool):
        shared_gateway.call("format_the_disk", {})


def test_missing_capability_degrades(shared_gateway):
    with pytest.raises(CapabilityMissing):
        shared_gateway.invoke("restart", kind="StatefulSet", name="x", namespace="dev")
    assert shared_gateway.has("pod_logs") and shared_gateway.has("list_clusters")


# --- writes -----------------------------------------------------------------------------------------------------


def test_a_direct_write_is_refused_and_changes_nothing(gateway, sandbox):
    before = gateway.invoke("get_resource", kind="Deployment", name="cart-service-v1", namespace="dev", fresh=True).data
    with pytest.raises(WriteRefused) as err:
        gateway.call("scale_deployment", {"namespace": "dev", "deployment_name": "cart-service-v1", "replicas": 7})
    assert err.value.to_dict()["details"]["reason"] == "no_approval"
    after = gateway.invoke("get_resource", kind="Deployment", name="cart-service-v1", namespace="dev", fresh=True).data
    assert after["spec"]["replicas"] == before["spec"]["replicas"]


def test_an_approved_write_runs_and_evicts_what_it_could_have_changed(gateway):
    gateway.records("list_deployments", namespace="dev")
    gateway.records("list_pods")  # all namespaces: may hold dev pods too
    gateway.records("list_pods", namespace="production")
    gateway.records("list_namespaces")
    approval = gateway.approvals.grant("plan-1", kind="Deployment", namespace="dev", name="cart-service-v1")
    gateway.invoke("scale", approval=approval, kind="Deployment", name="cart-service-v1", namespace="dev", replicas=3)
    assert not gateway.records("list_deployments", namespace="dev").from_cache
    assert not gateway.records("list_pods").from_cache
    assert gateway.records("list_pods", namespace="production").from_cache  # another namespace stays
    assert gateway.records("list_namespaces").from_cache
    deployment = next(
        r for r in gateway.records("list_deployments", namespace="dev").records if r.name == "cart-service-v1"
    )
    assert deployment.raw["spec"]["replicas"] == 3


def test_an_approval_for_another_resource_is_refused(gateway):
    approval = gateway.approvals.grant("plan-2", kind="Deployment", namespace="dev", name="billing-api")
    with pytest.raises(WriteRefused) as err:
        gateway.invoke(
            "scale", approval=approval, kind="Deployment", name="cart-service-v1", namespace="dev", replicas=0
        )
    assert err.value.details["reason"] == "wrong_target"


# --- stale-cache recovery (PRD 2.5) -----------------------------------------------------------------------------


def test_a_namespace_deleted_behind_a_cached_list_is_recovered_once(gateway, sandbox):
    assert "production" in gateway.records("list_namespaces").names()
    sandbox.cluster.call("delete_namespace", {"name": "production"})  # behind KubeCopilot's back
    assert gateway.records("list_namespaces").from_cache  # the cache does not know yet
    with pytest.raises(StaleReference) as err:
        gateway.records("list_pods", namespace="production")
    assert err.value.stale_value == "production"
    fresh = [r.name for r in err.value.records]
    assert "production" not in fresh and "dev" in fresh  # the re-read list, ready to re-ask
    listing = gateway.records("list_namespaces")
    assert not listing.from_cache or "production" not in listing.names()
    assert "production" not in listing.names()


def test_a_pod_deleted_and_recreated_behind_a_cached_list_offers_the_new_pods(gateway, sandbox):
    gateway.records("list_namespaces")  # "dev" came from a listing too, and it is still there: the pod is stale
    pods = gateway.records("list_pods", namespace="dev")
    victim = next(r.name for r in pods.records if r.name.startswith("cart-service-v1"))
    sandbox.cluster.call("delete_pod", {"namespace": "dev", "pod_name": victim})  # its ReplicaSet makes a new one
    with pytest.raises(StaleReference) as err:
        gateway.invoke("pod_logs", namespace="dev", name=victim)
    fresh = [r.name for r in err.value.records]
    assert victim not in fresh
    assert any(n.startswith("cart-service-v1") for n in fresh)
    assert err.value.stale_value == victim
    assert isinstance(err.value, ToolFailed) and err.value.to_dict()["error"] == "stale_reference"


def test_a_not_found_unrelated_to_cached_data_is_just_an_error(gateway):
    gateway.records("list_pods", namespace="dev")
    with pytest.raises(ToolFailed) as err:
        gateway.invoke("pod_logs", namespace="dev", name="never-listed-pod")
    assert not isinstance(err.value, StaleReference)


# --- ClusterOps (what the plan executor uses) --------------------------------------------------------------------


def test_ops_reads_fresh_objects_and_patches_through_the_gate(gateway):
    ops = ClusterOps(gateway)
    ref = Ref("Deployment", "dev", "cart-service-v1")
    before = ops.read_object(ref)
    assert before["metadata"]["name"] == "cart-service-v1"
    patch = [{"op": "replace", "path": "/spec/replicas", "value": 2}]
    after = json.loads(json.dumps(before))
    after["spec"]["replicas"] = 2
    with pytest.raises(WriteRefused):
        ops.apply_patch(ref, patch, after, approval=None)
    approval = gateway.approvals.grant("plan-3", kind="Deployment", namespace="dev", name="cart-service-v1")
    ops.apply_patch(ref, patch, after, approval)
    now = ops.read_object(ref)
    assert now["spec"]["replicas"] == 2
    assert int(now["metadata"]["resourceVersion"]) > int(before["metadata"]["resourceVersion"])
    pods = ops.pods_of(ref)
    assert len(pods) == 2
    assert all(p["metadata"]["labels"]["app"] == "cart-service" for p in pods)


def test_ops_deletes_a_pod_with_an_approval(gateway):
    ops = ClusterOps(gateway)
    victim = ops.pods_of(Ref("Deployment", "dev", "cart-service-v2"))[0]["metadata"]["name"]
    approval = gateway.approvals.grant("plan-4", kind="Pod", namespace="dev", name=victim)
    ops.delete(Ref("Pod", "dev", victim), approval)
    with pytest.raises(ToolFailed) as err:
        ops.read_object(Ref("Pod", "dev", victim))
    assert err.value.is_not_found


# --- ClusterOps picks the best capability the server has --------------------------------------------------------


def without(gateway, *capabilities, **changes):
    """The same gateway with a profile that lacks some capabilities (or binds them differently)."""
    bindings = {k: v for k, v in gateway.profile.bindings.items() if k not in capabilities}
    for capability, binding_changes in changes.items():
        bindings[capability] = tuple(dataclasses.replace(b, **binding_changes) for b in bindings[capability])
    gateway.profile = dataclasses.replace(gateway.profile, bindings=bindings)
    return gateway


def scaled_copy(obj, replicas):
    after = json.loads(json.dumps(obj))
    after["spec"]["replicas"] = replicas
    return after


def test_ops_falls_back_to_apply_of_the_full_object_without_a_patch_tool(gateway):
    ops = ClusterOps(without(gateway, "patch"))
    ref = Ref("Deployment", "dev", "cart-service-v1")
    before = ops.read_object(ref)
    gateway.records("list_deployments", namespace="dev")
    approval = gateway.approvals.grant("plan-5", kind="Deployment", namespace="dev", name="cart-service-v1")
    result = ops.apply_patch(
        ref, [{"op": "replace", "path": "/spec/replicas", "value": 4}], scaled_copy(before, 4), approval
    )
    assert result.tool == "apply_manifest"
    assert ops.read_object(ref)["spec"]["replicas"] == 4
    assert not gateway.records("list_deployments", namespace="dev").from_cache  # evicted by the manifest's namespace


def test_ops_falls_back_to_scale_or_restart_when_the_change_is_exactly_that(gateway):
    ops = ClusterOps(without(gateway, "patch", "apply"))
    ref = Ref("Deployment", "dev", "cart-service-v2")
    before = ops.read_object(ref)
    approval = gateway.approvals.grant("plan-6", kind="Deployment", namespace="dev", name="cart-service-v2")
    scaled = ops.apply_patch(
        ref, [{"op": "replace", "path": "/spec/replicas", "value": 3}], scaled_copy(before, 3), approval
    )
    assert scaled.tool == "scale_deployment" and ops.read_object(ref)["spec"]["replicas"] == 3
    restart = [
        {
            "op": "add",
            "path": "/spec/template/metadata/annotations",
            "value": {"kubectl.kubernetes.io/restartedAt": "2024-05-01T10:00:00Z"},
        }
    ]
    restarted = ops.apply_patch(ref, restart, before, approval)
    assert restarted.tool == "restart_deployment"
    image = [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "cart:9"}]
    with pytest.raises(ChangeNotPossible, match="no patch or create-or-update tool"):
        ops.apply_patch(ref, image, before, approval)


def test_ops_sends_a_merge_patch_to_servers_that_only_take_one(gateway):
    ops = ClusterOps(without(gateway, patch={"patch_format": "merge-patch"}))
    ref = Ref("Deployment", "dev", "cart-service-v1")
    before = ops.read_object(ref)
    approval = gateway.approvals.grant("plan-7", kind="Deployment", namespace="dev", name="cart-service-v1")
    result = ops.apply_patch(
        ref, [{"op": "replace", "path": "/spec/replicas", "value": 2}], scaled_copy(before, 2), approval
    )
    assert result.args["patch_type"] == "merge" and result.args["patch"] == {"spec": {"replicas": 2}}
    assert ops.read_object(ref)["spec"]["replicas"] == 2
