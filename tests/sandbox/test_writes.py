"""Every write tool's effect is seen by later reads (over real streamable HTTP), and a failed write changes nothing."""

from __future__ import annotations

import json

import pytest

from .conftest import is_ready, pod_named, secret_values
from .mcpsession import MCPSession


@pytest.fixture(scope="module")
def mcp(served):
    """This module talks streamable HTTP (/mcp); the read tests use SSE."""
    with MCPSession(served.streamable_http_url) as session:
        yield session


def _pods(mcp, namespace: str, selector: str) -> list[dict]:
    return [p for p in mcp.json("list_pods", namespace=namespace, label_selector=selector)["items"]
            if not p["metadata"].get("deletionTimestamp")]


def _revision(mcp) -> int:
    return int(mcp.json("list_namespaces")["metadata"]["resourceVersion"])


def test_scale_changes_pods_and_bumps_versions(mcp, world):
    before = mcp.json("get_deployment", namespace="dev", deployment_name="cart-service-v2")
    result = mcp.json("scale_deployment", namespace="dev", deployment_name="cart-service-v2", replicas=3)
    assert result["message"] == "deployment.apps/cart-service-v2 scaled from 1 to 3 replicas"
    after = result["object"]
    assert after["spec"]["replicas"] == 3 and after["status"]["readyReplicas"] == 3
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1
    assert int(after["metadata"]["resourceVersion"]) > int(before["metadata"]["resourceVersion"])
    assert after["metadata"]["uid"] == before["metadata"]["uid"]
    pods = _pods(mcp, "dev", "app=cart-service,version=v2")
    assert len(pods) == 3 and all(is_ready(p) for p in pods)
    events = mcp.json("list_events", namespace="dev", involved_object="cart-service-v2")["items"]
    assert any(e["reason"] == "ScalingReplicaSet" and e["message"].endswith("from 1 to 3") for e in events)
    mcp.json("scale_deployment", namespace="dev", deployment_name="cart-service-v2", replicas=0)
    assert _pods(mcp, "dev", "app=cart-service,version=v2") == []


def test_restart_rolls_a_new_replicaset(mcp, world):
    old_pod = pod_named(mcp, "dev", "cart-service-v1")["metadata"]["name"]
    result = mcp.json("restart_deployment", namespace="dev", deployment_name="cart-service-v1")
    template = result["object"]["spec"]["template"]["metadata"]
    assert "kubectl.kubernetes.io/restartedAt" in template["annotations"]
    new_pod = pod_named(mcp, "dev", "cart-service-v1")
    assert new_pod["metadata"]["name"] != old_pod and is_ready(new_pod)
    replicasets = {rs["metadata"]["name"]: rs for rs in mcp.json("list_replicasets", namespace="dev")["items"]
                   if rs["metadata"]["name"].startswith("cart-service-v1-")}
    assert sorted(rs["spec"]["replicas"] for rs in replicasets.values()) == [0, 1]
    history = mcp.json("get_rollout_history", namespace="dev", deployment_name="cart-service-v1")
    assert [r["revision"] for r in history["revisions"]] == [1, 2] and history["currentRevision"] == 2
    killed = mcp.json("list_events", namespace="dev", involved_object=old_pod)["items"]
    assert [e["reason"] for e in killed if e["reason"] == "Killing"] == ["Killing"]


def test_deleted_pod_is_recreated_with_a_new_name(mcp, world):
    old = pod_named(mcp, "dev", "cart-service-v2")["metadata"]["name"]
    result = mcp.json("delete_pod", namespace="dev", pod_name=old)
    assert result["message"] == f'pod "{old}" deleted' and result["recreatedBy"].startswith("ReplicaSet/cart-service-v2-")
    new = pod_named(mcp, "dev", "cart-service-v2")["metadata"]["name"]
    assert new == result["replacement"] and new != old and new.rsplit("-", 1)[0] == old.rsplit("-", 1)[0]
    assert f'pods "{old}" not found' in mcp.error("get_pod", namespace="dev", pod_name=old)


def test_statefulset_pods_keep_their_names_and_claims(mcp, world):
    mcp.json("scale_statefulset", namespace="dev", statefulset_name="redis", replicas=3)
    assert sorted(p["metadata"]["name"] for p in _pods(mcp, "dev", "app=redis")) == ["redis-0", "redis-1", "redis-2"]
    claims = [c["metadata"]["name"] for c in mcp.json("list_pvcs", namespace="dev")["items"]]
    assert claims == ["data-redis-0", "data-redis-1", "data-redis-2"]
    mcp.json("scale_statefulset", namespace="dev", statefulset_name="redis", replicas=1)
    assert [p["metadata"]["name"] for p in _pods(mcp, "dev", "app=redis")] == ["redis-0"]
    assert len(mcp.json("list_pvcs", namespace="dev")["items"]) == 3  # claims outlive their pods
    uid = pod_named(mcp, "dev", "redis")["metadata"]["uid"]
    mcp.json("delete_pod", namespace="dev", pod_name="redis-0")
    again = pod_named(mcp, "dev", "redis")
    assert again["metadata"]["name"] == "redis-0" and again["metadata"]["uid"] != uid


def test_cordon_keeps_new_pods_off_the_node(mcp, world):
    node = mcp.json("cordon_node", node_name="dev-node-1")["object"]
    assert node["spec"]["unschedulable"] is True
    assert {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}.items() <= node["spec"]["taints"][0].items()
    mcp.json("scale_deployment", namespace="production", deployment_name="checkout", replicas=8)
    new_nodes = {p["spec"]["nodeName"] for p in _pods(mcp, "production", "app=checkout")}
    assert "dev-node-1" not in new_nodes
    assert mcp.json("get_cluster_overview")["nodes"]["cordoned"] == ["dev-node-1"]
    uncordoned = mcp.json("uncordon_node", node_name="dev-node-1")["object"]
    assert "unschedulable" not in uncordoned["spec"] and "taints" not in uncordoned["spec"]


def test_namespace_lifecycle(mcp, world):
    created = mcp.json("create_namespace", name="qa")["object"]
    assert created["status"]["phase"] == "Active"
    assert 'namespaces "qa" already exists' in mcp.error("create_namespace", name="qa")
    assert "Invalid value" in mcp.error("create_namespace", name="Not_Valid")
    deleted = mcp.json("delete_namespace", name="dev")
    assert deleted["deletedObjects"]["Deployment"] == 7 and deleted["deletedObjects"]["Pod"] >= 7
    assert 'namespace "dev" not found' in mcp.error("list_pods", namespace="dev")
    assert all(p["metadata"]["namespace"] != "dev" for p in mcp.json("list_pods")["items"])
    assert "may not be deleted" in mcp.error("delete_namespace", name="kube-system")


def test_set_image_and_resources_roll_out_and_validate(mcp, world):
    result = mcp.json("set_deployment_image", namespace="dev", deployment_name="cart-service-v1", container="cart-service",
                      image="registry.sandbox.local/shop/cart-service:1.9.0")
    assert result["object"]["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":1.9.0")
    assert pod_named(mcp, "dev", "cart-service-v1")["spec"]["containers"][0]["image"].endswith(":1.9.0")
    assert 'container "nope" not found in deployment "cart-service-v1"' in mcp.error(
        "set_deployment_image", namespace="dev", deployment_name="cart-service-v1", container="nope", image="x:1")
    before = _revision(mcp)
    err = mcp.error("set_container_resources", namespace="dev", deployment_name="cart-service-v1",
                    container="cart-service", limits_memory="lots")
    assert "quantities must match" in err and _revision(mcp) == before
    err = mcp.error("set_container_resources", namespace="dev", deployment_name="cart-service-v1",
                    container="cart-service", requests_cpu="2")
    assert "must be less than or equal to cpu limit of 500m" in err and _revision(mcp) == before
    assert "at least one of" in mcp.error("set_container_resources", namespace="dev", deployment_name="cart-service-v1",
                                          container="cart-service")


def test_rollback_errors(mcp, world):
    assert "unable to find specified revision 9 in history" in mcp.error(
        "rollback_deployment", namespace="dev", deployment_name="billing-api", to_revision=9)
    assert "no rollout history found" in mcp.error("rollback_deployment", namespace="dev", deployment_name="cart-service-v2")
    skipped = mcp.json("rollback_deployment", namespace="dev", deployment_name="billing-api", to_revision=3)
    assert "skipped rollback" in skipped["message"]


def test_json_and_merge_patches(mcp, world):
    patched = mcp.json("patch_resource", kind="deployment", name="cart-service-v1", namespace="dev",
                       patch='[{"op": "replace", "path": "/spec/replicas", "value": 2}]')
    assert patched["message"] == "deployments.apps/cart-service-v1 patched" and patched["object"]["spec"]["replicas"] == 2
    assert len(_pods(mcp, "dev", "app=cart-service,version=v1")) == 2
    merged = mcp.json("patch_resource", kind="Service", name="cart-service", namespace="dev", patch_type="merge",
                      patch={"metadata": {"labels": {"tier": "backend"}}})
    assert merged["object"]["metadata"]["labels"] == {"app": "cart-service", "tier": "backend"}
    same = mcp.json("patch_resource", kind="Service", name="cart-service", namespace="dev", patch_type="merge",
                    patch={"metadata": {"labels": {"tier": "backend"}}})
    assert same["message"].endswith("(no change)")
    ignored = mcp.json("patch_resource", kind="Deployment", name="cart-service-v1", namespace="dev",
                       patch=[{"op": "replace", "path": "/status/readyReplicas", "value": 99}])
    assert ignored["object"]["status"]["readyReplicas"] == 2  # status is the controllers' to write


@pytest.mark.parametrize(("patch", "patch_type", "message"), [
    ([{"op": "replace", "path": "/spec/replicas", "value": 2}, {"op": "remove", "path": "/spec/nope"}], "json",
     "operation 1 (remove /spec/nope) failed"),
    ([{"op": "test", "path": "/spec/replicas", "value": 5}], "json", "operation 0 (test /spec/replicas) failed"),
    ({"spec": {"replicas": 2}}, "json", 'a "json" patch must be an array of RFC 6902 operations'),
    ("[{not json", "json", "the patch is not valid JSON"),
    ([{"op": "replace", "path": "/spec/replicas", "value": -1}], "json", "spec.replicas: Invalid value: -1"),
    ([{"op": "replace", "path": "/metadata/name", "value": "other"}], "json", "metadata.name: Invalid value: field is immutable"),
    ({"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 2}}, "merge", "the object has been modified"),
    ({"spec": {"selector": {"matchLabels": {"app": "x"}}}}, "merge", "spec.selector: Invalid value: field is immutable"),
])
def test_bad_patches_are_refused_and_change_nothing(mcp, world, patch, patch_type, message):
    before = mcp.json("get_deployment", namespace="dev", deployment_name="cart-service-v1")
    revision = _revision(mcp)
    err = mcp.error("patch_resource", kind="Deployment", name="cart-service-v1", namespace="dev", patch=patch,
                    patch_type=patch_type)
    assert message in err
    assert mcp.json("get_deployment", namespace="dev", deployment_name="cart-service-v1") == before
    assert _revision(mcp) == revision


MANIFEST = """
apiVersion: v1
kind: ConfigMap
metadata: {name: greeter-config, namespace: dev}
data: {greeting: hello}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: greeter, namespace: dev, labels: {app: greeter}}
spec:
  replicas: 2
  selector: {matchLabels: {app: greeter}}
  template:
    metadata: {labels: {app: greeter}}
    spec:
      containers:
        - name: web
          image: nginx:1.27-alpine
          readinessProbe: {httpGet: {path: /healthz, port: 80}}
---
apiVersion: v1
kind: Service
metadata: {name: greeter, namespace: dev}
spec:
  selector: {app: greeter}
  ports: [{port: 80}]
"""


def test_apply_creates_then_replaces_keeping_uid(mcp, world):
    created = mcp.json("apply_manifest", manifest=MANIFEST)
    assert [r["action"] for r in created["results"]] == ["created", "created", "created"]
    pods = _pods(mcp, "dev", "app=greeter")
    assert len(pods) == 2 and all(is_ready(p) for p in pods)
    cm = mcp.json("get_configmap", namespace="dev", configmap_name="greeter-config")
    again = mcp.json("apply_manifest", manifest=MANIFEST)
    assert [r["action"] for r in again["results"]] == ["unchanged", "unchanged", "unchanged"]
    changed = mcp.json("apply_manifest", manifest=MANIFEST.replace("greeting: hello", "greeting: hi"))
    assert [r["action"] for r in changed["results"]] == ["configured", "unchanged", "unchanged"]
    after = mcp.json("get_configmap", namespace="dev", configmap_name="greeter-config")
    assert after["data"] == {"greeting": "hi"} and after["metadata"]["uid"] == cm["metadata"]["uid"]
    assert int(after["metadata"]["resourceVersion"]) > int(cm["metadata"]["resourceVersion"])
    assert after["metadata"]["creationTimestamp"] == cm["metadata"]["creationTimestamp"]


@pytest.mark.parametrize(("manifest", "message"), [
    ("kind: [unclosed", "the manifest is not valid YAML"),
    ("apiVersion: v1\nkind: Gizmo\nmetadata: {name: x}", 'the server doesn\'t have a resource type "Gizmo"'),
    ("apiVersion: v2\nkind: ConfigMap\nmetadata: {name: x}", 'no matches for kind "ConfigMap" in version "v2"'),
    ("apiVersion: v1\nkind: ConfigMap\ndata: {}", "missing metadata.name"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: qa}", 'namespace "qa" not found'),
    (MANIFEST.replace("image: nginx:1.27-alpine", "image: ''"), "spec.template.spec.containers[0].image: Required value"),
    (MANIFEST.replace("selector: {matchLabels: {app: greeter}}", "selector: {matchLabels: {app: other}}"),
     "`selector` does not match template `labels`"),
])
def test_bad_manifests_apply_nothing(mcp, world, manifest, message):
    revision = _revision(mcp)
    assert message in mcp.error("apply_manifest", manifest=manifest)
    assert _revision(mcp) == revision
    assert 'configmaps "greeter-config" not found' in mcp.error("get_configmap", namespace="dev", configmap_name="greeter-config")


def test_delete_resource_cascades_to_owned_objects(mcp, world):
    rs_names = [rs["metadata"]["name"] for rs in mcp.json("list_replicasets", namespace="dev")["items"]
                if rs["metadata"]["name"].startswith("billing-api-")]
    assert len(rs_names) == 3
    result = mcp.json("delete_resource", kind="deploy", name="billing-api", namespace="dev")
    assert result["message"] == 'deployments.apps "billing-api" deleted'
    left = [rs for rs in mcp.json("list_replicasets", namespace="dev")["items"] if rs["metadata"]["name"] in rs_names]
    assert left == [] and _pods(mcp, "dev", "app=billing-api") == []
    assert 'configmaps "nope" not found' in mcp.error("delete_resource", kind="cm", name="nope", namespace="dev")
    gone = mcp.json("delete_resource", kind="Namespace", name="production")
    assert gone["deleted"]["kind"] == "Namespace"


def test_secret_writes_never_echo_values(mcp, world):
    manifest = ("apiVersion: v1\nkind: Secret\nmetadata: {name: api-token, namespace: dev}\n"
                "stringData: {token: very-secret-token-value-123}\n")
    result = mcp.text("apply_manifest", manifest=manifest)
    shown = mcp.text("get_resource", kind="secret", name="api-token", namespace="dev")
    patched = mcp.text("patch_resource", kind="Secret", name="api-token", namespace="dev", patch_type="merge",
                       patch={"metadata": {"labels": {"team": "shop"}}})
    for text in (result, shown, patched):
        assert "very-secret-token-value-123" not in text and "dmVyeS1zZWNyZXQ" not in text
    assert json.loads(shown)["data"] == {"token": "<redacted>"}
    assert "very-secret-token-value-123" in secret_values(world)  # it is stored, just never shown


def test_writes_reach_the_named_cluster_only(mcp, world):
    mcp.json("scale_deployment", namespace="production", deployment_name="payments", replicas=5, cluster="prod-cluster")
    prod = mcp.json("get_deployment", namespace="production", deployment_name="payments", cluster="prod-cluster")
    dev = mcp.json("get_deployment", namespace="production", deployment_name="payments")
    assert prod["spec"]["replicas"] == 5 and dev["spec"]["replicas"] == 2
