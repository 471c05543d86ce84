"""Each failure scenario: its symptoms (status, events, logs) and its cure, over real SSE. A cure is a spec
change through the tools; the sandbox derives the new pods' state from the spec, so the cure really cures."""

from __future__ import annotations

import pytest

from .conftest import container_status, is_ready, pod_named


def _events(mcp, pod_name: str) -> list[dict]:
    return mcp.json("get_pod_events", namespace="dev", pod_name=pod_name)["items"]


def _reasons(mcp, pod_name: str) -> dict[str, dict]:
    return {e["reason"]: e for e in _events(mcp, pod_name)}


def _healthy(mcp, prefix: str) -> dict:
    pod = pod_named(mcp, "dev", prefix)
    assert pod["status"]["phase"] == "Running" and is_ready(pod), container_status(pod)["state"]
    deployment = mcp.json("get_deployment", namespace="dev", deployment_name=prefix)
    assert deployment["status"]["availableReplicas"] == 1
    return pod


def test_billing_api_crash_loops_on_a_missing_config_file(mcp, world):
    pod = pod_named(mcp, "dev", "billing-api")
    cs = container_status(pod)
    assert cs["state"]["waiting"]["reason"] == "CrashLoopBackOff" and cs["restartCount"] > 5
    assert cs["lastState"]["terminated"]["exitCode"] == 1 and cs["lastState"]["terminated"]["reason"] == "Error"
    backoff = _reasons(mcp, pod["metadata"]["name"])["BackOff"]
    assert backoff["type"] == "Warning" and backoff["count"] > 1
    assert "Back-off restarting failed container billing-api" in backoff["message"]
    name = pod["metadata"]["name"]
    for previous in (False, True):
        logs = mcp.text("get_pod_logs", namespace="dev", pod_name=name, previous=previous)
        assert "FileNotFoundError: [Errno 2] No such file or directory: '/etc/billing/config.yaml'" in logs
        assert "files present in /etc/billing: config.yml" in logs and "FATAL" in logs
    history = mcp.json("get_rollout_history", namespace="dev", deployment_name="billing-api")
    assert [r["revision"] for r in history["revisions"]] == [1, 2, 3] and history["currentRevision"] == 3
    assert "config path" in history["revisions"][2]["changeCause"]


def test_billing_api_is_cured_by_rolling_back(mcp, world):
    result = mcp.json("rollback_deployment", namespace="dev", deployment_name="billing-api")
    assert "rolled back to revision 2" in result["message"]
    pod = _healthy(mcp, "billing-api")
    assert pod["spec"]["containers"][0]["image"].endswith(":3.1.0")
    history = mcp.json("get_rollout_history", namespace="dev", deployment_name="billing-api")
    assert [r["revision"] for r in history["revisions"]] == [1, 3, 4] and history["currentRevision"] == 4
    assert history["revisions"][-1]["changeCause"] == "release 3.1.0"
    logs = mcp.text("get_pod_logs", namespace="dev", pod_name=pod["metadata"]["name"])
    assert "configuration loaded" in logs and "FATAL" not in logs


def test_billing_api_is_cured_by_fixing_the_env(mcp, world):
    patch = [{"op": "replace", "path": "/spec/template/spec/containers/0/env/0/value", "value": "/etc/billing/config.yml"}]
    mcp.json("patch_resource", kind="Deployment", name="billing-api", namespace="dev", patch=patch)
    _healthy(mcp, "billing-api")


def test_billing_api_recovers_in_place_when_the_configmap_gains_the_file(mcp, world):
    before = pod_named(mcp, "dev", "billing-api")
    patch = {"data": {"config.yaml": "currency: EUR\n"}}
    mcp.json("patch_resource", kind="configmap", name="billing-config", namespace="dev", patch=patch, patch_type="merge")
    after = _healthy(mcp, "billing-api")
    assert after["metadata"]["uid"] == before["metadata"]["uid"]  # same pod: its next restart succeeded
    assert container_status(after)["restartCount"] == container_status(before)["restartCount"] + 1
    assert container_status(after)["lastState"]["terminated"]["exitCode"] == 1


def test_report_worker_is_oomkilled_until_its_limit_is_raised(mcp, world):
    pod = pod_named(mcp, "dev", "report-worker")
    cs = container_status(pod)
    assert cs["state"]["waiting"]["reason"] == "CrashLoopBackOff" and cs["restartCount"] > 5
    assert cs["lastState"]["terminated"] == {**cs["lastState"]["terminated"], "reason": "OOMKilled", "exitCode": 137}
    name = pod["metadata"]["name"]
    assert "Reason:       OOMKilled" in mcp.text("describe_pod", namespace="dev", pod_name=name)
    logs = mcp.text("get_pod_logs", namespace="dev", pod_name=name, previous=True)
    assert "above 80% of the container limit (64Mi)" in logs
    mcp.json("set_container_resources", namespace="dev", deployment_name="report-worker", container="report-worker",
             limits_memory="128Mi")
    still = container_status(pod_named(mcp, "dev", "report-worker"))
    assert still["lastState"]["terminated"]["reason"] == "OOMKilled"  # 128Mi is still below its ~200Mi
    mcp.json("set_container_resources", namespace="dev", deployment_name="report-worker", container="report-worker",
             limits_memory="256Mi")
    cured = _healthy(mcp, "report-worker")
    assert cured["spec"]["containers"][0]["resources"]["limits"]["memory"] == "256Mi"
    assert container_status(cured)["restartCount"] == 0


def test_web_frontend_cannot_pull_its_image_until_the_tag_is_fixed(mcp, world):
    pod = pod_named(mcp, "dev", "web-frontend")
    assert pod["status"]["phase"] == "Pending"
    assert container_status(pod)["state"]["waiting"]["reason"] == "ImagePullBackOff"
    messages = [e["message"] for e in _events(mcp, pod["metadata"]["name"]) if e["type"] == "Warning"]
    assert any('Failed to pull image "nginx:1.27-alpine-typo"' in m and "not found" in m for m in messages)
    assert "Error: ImagePullBackOff" in messages
    err = mcp.error("get_pod_logs", namespace="dev", pod_name=pod["metadata"]["name"])
    assert "is waiting to start: trying and failing to pull image" in err
    mcp.json("set_deployment_image", namespace="dev", deployment_name="web-frontend", container="web-frontend",
             image="nginx:1.27-alpine")
    cured = _healthy(mcp, "web-frontend")
    assert "nginx/1.27-alpine" in mcp.text("get_pod_logs", namespace="dev", pod_name=cured["metadata"]["name"], tail_lines=1000)


def test_ml_trainer_is_pending_for_cpu_until_its_request_is_lowered(mcp, world):
    pod = pod_named(mcp, "dev", "ml-trainer")
    assert pod["status"]["phase"] == "Pending" and "nodeName" not in pod["spec"]
    scheduled = next(c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled")
    assert scheduled["status"] == "False" and scheduled["reason"] == "Unschedulable"
    failed = _reasons(mcp, pod["metadata"]["name"])["FailedScheduling"]
    assert failed["message"].startswith("0/3 nodes are available: 3 Insufficient cpu.")
    assert failed["source"]["component"] == "default-scheduler"
    mcp.json("set_container_resources", namespace="dev", deployment_name="ml-trainer", container="ml-trainer",
             requests_cpu="2")
    assert _healthy(mcp, "ml-trainer")["spec"]["nodeName"].startswith("dev-node-")


def test_inventory_api_never_gets_ready_until_the_probe_path_is_fixed(mcp, world):
    pod = pod_named(mcp, "dev", "inventory-api")
    assert pod["status"]["phase"] == "Running" and not is_ready(pod)
    assert container_status(pod)["restartCount"] == 0 and "running" in container_status(pod)["state"]
    unhealthy = _reasons(mcp, pod["metadata"]["name"])["Unhealthy"]
    assert unhealthy["message"] == "Readiness probe failed: HTTP probe failed with statuscode: 404"
    logs = mcp.text("get_pod_logs", namespace="dev", pod_name=pod["metadata"]["name"])
    assert '"GET /healthz HTTP/1.1" 404' in logs and "health endpoint exposed at /health" not in logs.splitlines()[-1]
    patch = [{"op": "replace", "path": "/spec/template/spec/containers/0/readinessProbe/httpGet/path", "value": "/health"}]
    mcp.json("patch_resource", kind="Deployment", name="inventory-api", namespace="dev", patch=patch)
    _healthy(mcp, "inventory-api")
    endpoints = {e["metadata"]["name"]: e for e in mcp.json("list_endpoints", namespace="dev")["items"]}
    assert len(endpoints["inventory-api"]["subsets"][0]["addresses"]) == 1


@pytest.mark.parametrize("deployment", ["report-worker", "web-frontend"])
def test_rolling_back_the_breaking_release_cures_too(mcp, world, deployment):
    mcp.json("rollback_deployment", namespace="dev", deployment_name=deployment, to_revision=1)
    _healthy(mcp, deployment)


def test_a_node_going_away_makes_its_pods_not_ready(mcp, world):
    world.cluster().set_node_ready("dev-node-2", False)
    on_node = [p for p in mcp.json("list_pods")["items"] if p["spec"].get("nodeName") == "dev-node-2"]
    assert on_node and not any(is_ready(p) for p in on_node)
    overview = mcp.json("get_cluster_overview")
    assert overview["nodes"]["notReady"] == ["dev-node-2"]
    new_pod = mcp.json("scale_deployment", namespace="production", deployment_name="checkout", replicas=6)
    assert new_pod["object"]["spec"]["replicas"] == 6
    placed = [p["spec"]["nodeName"] for p in mcp.json("list_pods", namespace="production", label_selector="app=checkout")["items"]]
    assert placed.count("dev-node-2") <= 1  # only the pod that was already there; new ones avoid the lost node
