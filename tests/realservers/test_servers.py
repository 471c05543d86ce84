"""The public Kubernetes MCP servers, unmodified, against the sandbox's Kubernetes API, through KubeCopilot's own
MCP client. Every test runs once per server variant (see ``conftest.VARIANTS``).

Tools exercised here (all seen working): kubernetes-mcp-server 0.0.66/0.0.67 — ``pods_list_in_namespace``,
``pods_list``, ``resources_get``, ``pods_log`` (``previous``, ``tail``), ``events_list``, ``resources_scale``,
``resources_create_or_update`` (server-side apply); Flux159 mcp-server-kubernetes 4.1.7 — ``kubectl_get`` (json),
``kubectl_describe``, ``kubectl_logs``, ``kubectl_get events``, ``kubectl_scale``, ``kubectl_patch``
(strategic merge).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from kubecopilot.errors import ToolFailed
from kubecopilot.sandbox.runner import SandboxHandle
from kubecopilot.sandbox.world import ClusterSet
from kubecopilot.tools.client import MCPClient

from .conftest import RunningServer

KMS_WRITE_TOOLS = {"resources_scale", "resources_create_or_update", "resources_delete", "pods_delete", "pods_run", "pods_exec"}


def call(mcp: MCPClient, tool: str, **args: Any) -> str:
    result = mcp.call_tool(tool, args)
    assert not result.is_error, f"{tool} {args} failed: {result.text[:2000]}"
    return result.text


def pod_names(world: ClusterSet, namespace: str, prefix: str = "") -> list[str]:
    with world.lock:
        return sorted(p["metadata"]["name"] for p in world.cluster().store.list("Pod", namespace)
                      if p["metadata"]["name"].startswith(prefix))


def only_pod(world: ClusterSet, namespace: str, prefix: str) -> dict[str, Any]:
    with world.lock:
        pods = [p for p in world.cluster().store.list("Pod", namespace) if p["metadata"]["name"].startswith(prefix + "-")]
    assert len(pods) == 1, [p["metadata"]["name"] for p in pods]
    return pods[0]


def is_ready(pod: dict[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions") or ())


# --- reads ------------------------------------------------------------------------------------------------------------


def test_tools_list_loads(server: RunningServer, mcp: MCPClient) -> None:
    names = {t.name for t in mcp.list_tools()}
    if server.variant.flux:
        assert {"kubectl_get", "kubectl_describe", "kubectl_logs", "kubectl_scale", "kubectl_patch", "kubectl_apply"} <= names
    elif server.variant.read_only:
        assert {"pods_list_in_namespace", "pods_log", "events_list", "resources_get"} <= names
        assert not names & KMS_WRITE_TOOLS
    else:
        assert {"pods_list_in_namespace", "pods_log", "events_list", "resources_get"} | KMS_WRITE_TOOLS <= names


def test_listing_pods_in_dev_returns_the_sandboxs_dev_pods(server: RunningServer, mcp: MCPClient, served: SandboxHandle) -> None:
    served.cluster.reset()
    expected = pod_names(served.cluster, "dev")
    if server.variant.flux:
        items = json.loads(call(mcp, "kubectl_get", resourceType="pods", namespace="dev", output="json"))["items"]
        assert sorted(i["name"] for i in items) == expected
        assert {i["namespace"] for i in items} == {"dev"}
    else:
        text = call(mcp, "pods_list_in_namespace", namespace="dev")
        assert all(name in text for name in expected)
        assert not any(name in text for name in pod_names(served.cluster, "production"))
        if not server.variant.yaml_lists:
            assert "CrashLoopBackOff" in text and "ImagePullBackOff" in text  # the server's table shows STATUS


def test_listing_pods_everywhere_answers_every_namespace(server: RunningServer, mcp: MCPClient, served: SandboxHandle) -> None:
    """kubernetes-mcp-server asks selfsubjectaccessreviews first; without an answer it would list only ``default``."""
    if server.variant.flux:
        text = call(mcp, "kubectl_get", resourceType="pods", allNamespaces=True, output="json")
    else:
        text = call(mcp, "pods_list")
    assert all(name in text for name in pod_names(served.cluster, "production") + pod_names(served.cluster, "kube-system"))


def test_a_deployment_can_be_read(server: RunningServer, mcp: MCPClient) -> None:
    image = "registry.sandbox.local/shop/billing-api:3.2.0"
    if server.variant.flux:
        obj = json.loads(call(mcp, "kubectl_get", resourceType="deployment", name="billing-api", namespace="dev", output="json"))
        assert obj["spec"]["template"]["spec"]["containers"][0]["image"] == image
        described = call(mcp, "kubectl_describe", resourceType="deployment", name="billing-api", namespace="dev")
        assert "Name:                   billing-api" in described and image in described
    else:
        text = call(mcp, "resources_get", apiVersion="apps/v1", kind="Deployment", name="billing-api", namespace="dev")
        assert f"image: {image}" in text and "BILLING_CONFIG" in text


def test_pod_logs_come_back_as_the_sandbox_renders_them(server: RunningServer, mcp: MCPClient, served: SandboxHandle) -> None:
    pod = only_pod(served.cluster, "dev", "billing-api")["metadata"]["name"]
    own = served.cluster.call("get_pod_logs", {"namespace": "dev", "pod_name": pod, "previous": True, "tail_lines": 5})
    if server.variant.flux:
        text = json.loads(call(mcp, "kubectl_logs", resourceType="pod", name=pod, namespace="dev", previous=True, tail=5))["logs"]
    else:
        text = call(mcp, "pods_log", name=pod, namespace="dev", previous=True, tail=5)
    assert "FileNotFoundError" in text
    assert text.strip() == own.strip()


def test_events_come_back(server: RunningServer, mcp: MCPClient, served: SandboxHandle) -> None:
    pod = only_pod(served.cluster, "dev", "billing-api")["metadata"]["name"]
    if server.variant.flux:
        events = json.loads(call(mcp, "kubectl_get", resourceType="events", namespace="dev", output="json"))["events"]
        backoffs = [e for e in events if e["reason"] == "BackOff" and e["involvedObject"]["name"] == pod]
        assert backoffs and backoffs[0]["type"] == "Warning"
    else:
        text = call(mcp, "events_list", namespace="dev")
        assert f"Back-off restarting failed container billing-api in pod {pod}" in text
        assert "FailedScheduling" in text and "0/3 nodes are available: 3 Insufficient cpu." in text


# --- writes -----------------------------------------------------------------------------------------------------------


def _reference(world: ClusterSet, tool: str, args: dict[str, Any], prefix: str) -> list[str]:
    """What the sandbox's own MCP tool does to the pods named ``prefix…``, from the scenario as built."""
    world.reset()
    world.call(tool, args)
    names = pod_names(world, "dev", prefix)
    world.reset()
    return names


def test_scaling_through_the_server_changes_the_cluster_as_the_sandbox_tool_would(
        server: RunningServer, mcp: MCPClient, served: SandboxHandle) -> None:
    world = served.cluster
    if server.variant.read_only:
        with pytest.raises(ToolFailed, match='unknown tool "resources_scale"'):
            mcp.call_tool("resources_scale", {"apiVersion": "apps/v1", "kind": "Deployment", "name": "cart-service-v1",
                                              "namespace": "dev", "scale": 3})
        assert pod_names(world, "dev", "cart-service-v1-") == _reference(world, "list_pods", {"namespace": "dev"}, "cart-service-v1-")
        return
    expected = _reference(world, "scale_deployment", {"namespace": "dev", "deployment_name": "cart-service-v1", "replicas": 3},
                          "cart-service-v1-")
    assert len(expected) == 3
    if server.variant.flux:
        call(mcp, "kubectl_scale", resourceType="deployment", name="cart-service-v1", namespace="dev", replicas=3)
    else:
        call(mcp, "resources_scale", apiVersion="apps/v1", kind="Deployment", name="cart-service-v1", namespace="dev", scale=3)
    assert pod_names(world, "dev", "cart-service-v1-") == expected
    with world.lock:
        assert world.cluster().store.require("Deployment", "cart-service-v1", "dev")["status"]["readyReplicas"] == 3
    world.reset()


def test_raising_the_memory_limit_through_the_server_cures_the_oomkilled_worker(
        server: RunningServer, mcp: MCPClient, served: SandboxHandle) -> None:
    world, limit = served.cluster, "256Mi"
    if server.variant.read_only:
        pytest.skip("the read-only server has no write tool")
    expected = _reference(world, "set_container_resources", {"namespace": "dev", "deployment_name": "report-worker",
                                                             "container": "report-worker", "limits_memory": limit}, "report-worker-")
    assert not is_ready(only_pod(world, "dev", "report-worker"))
    container = {"name": "report-worker", "resources": {"limits": {"memory": limit}}}
    if server.variant.flux:
        call(mcp, "kubectl_patch", resourceType="deployment", name="report-worker", namespace="dev", patchType="strategic",
             patchData={"spec": {"template": {"spec": {"containers": [container]}}}})
    else:
        manifest = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "report-worker", "namespace": "dev"},
                    "spec": {"template": {"spec": {"containers": [container]}}}}
        call(mcp, "resources_create_or_update", resource=json.dumps(manifest))
    pod = only_pod(world, "dev", "report-worker")
    assert is_ready(pod) and pod["status"]["phase"] == "Running"
    assert pod_names(world, "dev", "report-worker-") == expected
    with world.lock:
        template = world.cluster().store.require("Deployment", "report-worker", "dev")["spec"]["template"]["spec"]
    assert template["containers"][0]["resources"]["limits"]["memory"] == limit
    world.reset()
