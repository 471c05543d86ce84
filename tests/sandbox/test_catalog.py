"""The tool list as an MCP client sees it: names, count, descriptions, schemas and annotations."""

from __future__ import annotations

import pytest

EXPECTED = {
    "list_clusters", "get_cluster_info", "get_cluster_overview", "list_api_resources",
    "list_namespaces", "get_namespace", "create_namespace", "delete_namespace",
    "list_nodes", "describe_node", "cordon_node", "uncordon_node", "get_node_metrics",
    "list_pods", "get_pod", "describe_pod", "get_pod_logs", "get_pod_events", "delete_pod", "get_pod_metrics",
    "list_deployments", "get_deployment", "describe_deployment", "scale_deployment", "restart_deployment",
    "rollback_deployment", "get_rollout_history", "set_deployment_image", "set_container_resources",
    "list_replicasets", "list_statefulsets", "scale_statefulset", "list_daemonsets", "list_services", "get_service",
    "list_endpoints", "list_ingresses", "list_configmaps", "get_configmap", "list_secrets", "list_pvcs", "list_pvs",
    "list_jobs", "list_cronjobs", "list_events", "list_hpas",
    "list_resources", "get_resource", "patch_resource", "apply_manifest", "delete_resource",
}
DESTRUCTIVE = {
    "delete_namespace", "delete_pod", "delete_resource", "scale_deployment", "scale_statefulset", "restart_deployment",
    "rollback_deployment", "set_deployment_image", "set_container_resources", "patch_resource", "apply_manifest",
}
NON_DESTRUCTIVE_WRITES = {"create_namespace", "cordon_node", "uncordon_node"}


@pytest.fixture(scope="module")
def tools(mcp):
    return {t.name: t for t in mcp.list_tools()}


def test_the_tool_set_is_the_documented_one(tools):
    assert 45 <= len(tools) <= 51  # 51: list_resources (any kind) for the cluster scan
    assert set(tools) == EXPECTED


def test_reads_are_marked_read_only(tools):
    reads = EXPECTED - DESTRUCTIVE - NON_DESTRUCTIVE_WRITES
    for name in reads:
        assert tools[name].annotations.readOnlyHint is True, name
        assert tools[name].annotations.destructiveHint is None, name


@pytest.mark.parametrize("name", sorted(DESTRUCTIVE | NON_DESTRUCTIVE_WRITES))
def test_writes_say_whether_they_destroy(tools, name):
    hints = tools[name].annotations
    assert hints.readOnlyHint is False
    assert hints.destructiveHint is (name in DESTRUCTIVE)


def test_every_tool_is_described_for_an_llm(tools):
    for tool in tools.values():
        assert len(tool.description) >= 40, tool.name
        assert tool.annotations.title, tool.name
        schema = tool.inputSchema
        assert schema["type"] == "object" and schema["additionalProperties"] is False
        for arg, prop in schema["properties"].items():
            assert prop.get("description"), f"{tool.name}.{arg} has no description"


def test_every_tool_takes_an_optional_cluster(tools):
    for tool in tools.values():
        assert "cluster" in tool.inputSchema["properties"], tool.name
        assert "cluster" not in tool.inputSchema["required"], tool.name


@pytest.mark.parametrize(("tool", "required", "optional"), [
    ("get_pod_logs", ["namespace", "pod_name"], ["container", "tail_lines", "previous"]),
    ("list_pods", [], ["namespace", "label_selector"]),
    ("scale_deployment", ["namespace", "deployment_name", "replicas"], []),
    ("set_container_resources", ["namespace", "deployment_name", "container"],
     ["limits_cpu", "limits_memory", "requests_cpu", "requests_memory"]),
    ("patch_resource", ["kind", "name", "patch"], ["namespace", "patch_type"]),
    ("list_events", [], ["namespace", "involved_object", "type"]),
    ("get_resource", ["kind", "name"], ["namespace"]),
])
def test_argument_names_other_parts_map_to(tools, tool, required, optional):
    schema = tools[tool].inputSchema
    assert schema["required"] == required
    assert set(schema["properties"]) == {*required, *optional, "cluster"}


def test_typed_arguments(tools):
    logs = tools["get_pod_logs"].inputSchema["properties"]
    assert logs["tail_lines"]["type"] == "integer" and logs["tail_lines"]["default"] == 100
    assert logs["previous"]["type"] == "boolean"
    assert tools["list_events"].inputSchema["properties"]["type"]["enum"] == ["Normal", "Warning"]
    patch = tools["patch_resource"].inputSchema["properties"]
    assert {alt["type"] for alt in patch["patch"]["anyOf"]} == {"string", "object", "array"}
    assert patch["patch_type"]["enum"] == ["json", "merge"]
