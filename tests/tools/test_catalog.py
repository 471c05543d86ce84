"""Classification on the real tool lists of the public servers (and the HSn0918 fixture): annotations first, then
the name, else write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kubecopilot.errors import UnknownTool
from kubecopilot.tools.catalog import BY_KIND, Catalog, ToolInfo, catalog_rows, classify, name_tokens
from kubecopilot.tools.profiles import load_profile

SAMPLES = Path(__file__).parent / "samples"


def load_tools(name: str) -> list[ToolInfo]:
    data = json.loads((SAMPLES / f"{name}.tools.json").read_text(encoding="utf-8"))
    return [ToolInfo.from_dict(t) for t in data["tools"]]


def classes(catalog: Catalog) -> dict[str, str]:
    return {s.name: s.tool_class for s in catalog}


CONTAINERS_EXPECTED = {
    "configuration_view": "read",
    "events_list": "list",
    "namespaces_list": "list",
    "nodes_log": "read",
    "nodes_stats_summary": "read",
    "nodes_top": "read",
    "pods_delete": "write",
    "pods_exec": "write",
    "pods_get": "read",
    "pods_list": "list",
    "pods_list_in_namespace": "list",
    "pods_log": "read",
    "pods_run": "write",
    "pods_top": "read",
    "projects_list": "list",
    "resources_create_or_update": "write",
    "resources_delete": "write",
    "resources_get": "read",
    "resources_list": "list",
    "resources_scale": "write",
}
FLUX159_EXPECTED = {
    "cleanup": "write",
    "kubectl_get": "read",
    "kubectl_describe": "read",
    "kubectl_apply": "write",
    "kubectl_delete": "write",
    "kubectl_create": "write",
    "kubectl_logs": "read",
    "kubectl_scale": "write",
    "kubectl_patch": "write",
    "kubectl_rollout": "write",
    "kubectl_context": "read",
    "kubectl_reconnect": "write",
    "explain_resource": "read",
    "install_helm_chart": "write",
    "upgrade_helm_chart": "write",
    "uninstall_helm_chart": "write",
    "node_management": "write",
    "port_forward": "write",
    "stop_port_forward": "write",
    "exec_in_pod": "write",
    "list_api_resources": "list",
    "kubectl_generic": "write",
    "ping": "read",
}


def test_containers_server_every_tool_gets_the_expected_class_from_its_annotations():
    catalog = Catalog.build(load_tools("containers-kubernetes-mcp-server-0.0.66"))
    assert classes(catalog) == CONTAINERS_EXPECTED
    assert {s.reason for s in catalog} == {"annotation"}


def test_flux159_partial_annotations_fall_back_to_the_name():
    catalog = Catalog.build(load_tools("flux159-mcp-server-kubernetes-4.1.7"))
    assert classes(catalog) == FLUX159_EXPECTED
    # kubectl_create and port_forward carry no hint at all: the name decides, and says which word did.
    assert catalog.get("kubectl_create").reason == "name"
    assert "create" in catalog.get("kubectl_create").detail
    assert catalog.get("port_forward").reason == "name"


def test_hsn0918_without_annotations_is_classified_by_name_alone():
    catalog = Catalog.build(load_tools("hsn0918-kubernetes-mcp"))
    assert len(catalog) == 76
    assert {s.reason for s in catalog} == {"name"}
    got = classes(catalog)
    for group in ("CORE", "APPS", "BATCH", "NETWORKING", "STORAGE", "RBAC", "POLICY", "APIEXTENSIONS", "AUTOSCALING"):
        assert got[f"LIST_{group}_RESOURCES"] == "list"
        assert got[f"GET_{group}_RESOURCE"] == got[f"DESCRIBE_{group}_RESOURCE"] == "read"
        assert got[f"CREATE_{group}_RESOURCE"] == got[f"UPDATE_{group}_RESOURCE"] == "write"
        assert got[f"DELETE_{group}_RESOURCE"] == "write"
    assert got["APPLY_MANIFEST"] == "write"
    for read in (
        "GET_POD_LOGS",
        "ANALYZE_POD_LOGS",
        "GET_EVENTS",
        "VALIDATE_MANIFEST",
        "DIFF_MANIFEST",
        "GET_NODE_METRICS",
        "TROUBLESHOOT_PODS_PROMPT",
        "GET_CURRENT_TIME",
    ):
        assert got[read] == "read", read


@pytest.mark.parametrize(
    ("name", "annotations", "expected"),
    [
        ("frobnicate", {}, ("write", "default")),  # unknown is never trusted
        ("kubernetes.wibble", {}, ("write", "default")),
        ("list_widgets", {}, ("list", "name")),
        ("getPodLogs", {}, ("read", "name")),
        ("get_and_delete_pod", {}, ("write", "name")),  # a write verb anywhere wins
        ("list_pods", {"readOnlyHint": False}, ("write", "annotation")),
        ("delete_everything", {"readOnlyHint": True}, ("write", "annotation")),  # a write verb beats readOnlyHint
        ("list_pods", {"readOnlyHint": True, "destructiveHint": True}, ("write", "annotation")),  # contradiction
        ("frobnicate", {"readOnlyHint": True}, ("read", "annotation")),
    ],
)
def test_classification_rules(name, annotations, expected):
    tool_class, reason, _detail = classify(ToolInfo(name, annotations=annotations))
    assert (tool_class, reason) == expected


def test_name_tokens_split_snake_screaming_kebab_and_camel_case():
    assert name_tokens("LIST_CORE_RESOURCES") == ["list", "core", "resources"]
    assert name_tokens("pods_list_in_namespace") == ["pods", "list", "in", "namespace"]
    assert name_tokens("kubernetes.getPodLogs") == ["kubernetes", "get", "pod", "logs"]
    assert name_tokens("port-forward") == ["port", "forward"]


def test_override_wins_over_annotation_and_name():
    catalog = Catalog.build(load_tools("flux159-mcp-server-kubernetes-4.1.7"), overrides={"kubectl_reconnect": "read"})
    spec = catalog.get("kubectl_reconnect")
    assert (spec.tool_class, spec.reason) == ("read", "override")
    assert catalog.get("kubectl_get").reason == "annotation"


def test_cache_policies_follow_what_the_tool_returns():
    catalog = Catalog.build(load_tools("containers-kubernetes-mcp-server-0.0.66"))
    assert catalog.get("pods_list_in_namespace").cache_policy == "pods"  # pods, not namespaces
    assert catalog.get("namespaces_list").cache_policy == "namespaces"
    assert catalog.get("events_list").cache_policy == "events"
    assert catalog.get("pods_log").cache_policy is None  # logs are never cached
    assert catalog.get("pods_delete").cache_policy is None  # writes are never cached
    generic = catalog.get("resources_list")
    assert generic.cache_policy == BY_KIND
    assert generic.policy_for({"kind": "Deployment", "apiVersion": "apps/v1"}) == "workloads"
    assert generic.policy_for({"kind": "Node"}) == "nodes"
    assert generic.policy_for({"kind": "ConfigMap"}) == "default"


def test_kubectl_get_picks_its_policy_from_resource_type_at_call_time():
    spec = Catalog.build(load_tools("flux159-mcp-server-kubernetes-4.1.7")).get("kubectl_get")
    assert spec.policy_for({"resourceType": "pods"}) == "pods"
    assert spec.policy_for({"resourceType": "namespaces"}) == "namespaces"
    assert spec.policy_for({"resourceType": "services"}) == "services"
    assert spec.policy_for({"resourceType": "deploy"}) == "workloads"
    # one named object is always read fresh: it may be the "before" of a plan
    assert spec.policy_for({"resourceType": "deployments", "name": "cart"}) is None
    hsn = Catalog.build(load_tools("hsn0918-kubernetes-mcp"))
    assert hsn.get("LIST_APPS_RESOURCES").cache_policy == "workloads"  # the name says apps even though it takes a kind
    assert hsn.get("LIST_CORE_RESOURCES").cache_policy == BY_KIND
    assert hsn.get("GET_CORE_RESOURCE").cache_policy is None  # requires a name
    assert hsn.get("GET_EVENTS").cache_policy is None
    assert hsn.get("DESCRIBE_CORE_RESOURCE").cache_policy is None


def test_profiles_name_the_capability_each_tool_serves():
    tools = load_tools("containers-kubernetes-mcp-server-0.0.66")
    profile = load_profile("auto", [t.name for t in tools])
    catalog = Catalog.build(tools, profile=profile)
    assert catalog.get("pods_log").capability == "pod_logs"
    assert set(catalog.get("resources_get").capabilities) == {"describe", "get_resource"}
    assert catalog.get("nodes_top").capability is None


def test_unknown_tool_is_a_typed_error_with_a_suggestion():
    catalog = Catalog.build(load_tools("containers-kubernetes-mcp-server-0.0.66"))
    with pytest.raises(UnknownTool) as err:
        catalog.get("pods_lst")
    assert "pods_list" in err.value.hint
    assert err.value.to_dict()["error"] == "unknown_tool"


def test_catalog_rows_show_class_reason_capability_and_ttl():
    tools = load_tools("containers-kubernetes-mcp-server-0.0.66")
    catalog = Catalog.build(tools, profile=load_profile("auto", [t.name for t in tools]))
    rows = {r["name"]: r for r in catalog_rows(catalog, {"pods": 30, "namespaces": 300, "default": 30})}
    assert rows["pods_list_in_namespace"] == {
        "name": "pods_list_in_namespace",
        "class": "list",
        "why": "annotation",
        "detail": "readOnlyHint=true",
        "capability": "list_pods",
        "cache": "pods 30s",
    }
    assert rows["namespaces_list"]["cache"] == "namespaces 5m"
    assert rows["resources_list"]["cache"] == "by kind"
    assert rows["pods_log"]["cache"] == "never"
