"""Capability profiles: detection from the tool list, slot → argument mapping, alternatives, missing capabilities,
user profiles from YAML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kubecopilot.errors import CapabilityMissing, ConfigError
from kubecopilot.tools.profiles import detect_profile, fit_to_schema, load_profile, parse_profile, shipped_profiles

SAMPLES = Path(__file__).parent / "samples"


def tool_names(name: str) -> list[str]:
    return [t["name"] for t in json.loads((SAMPLES / f"{name}.tools.json").read_text(encoding="utf-8"))["tools"]]


CONTAINERS = tool_names("containers-kubernetes-mcp-server-0.0.66")
FLUX159 = tool_names("flux159-mcp-server-kubernetes-4.1.7")
HSN = tool_names("hsn0918-kubernetes-mcp")


def test_every_shipped_profile_only_names_tools_its_server_has():
    lists = {
        "containers-kubernetes-mcp-server": CONTAINERS,
        "flux159-mcp-server-kubernetes": FLUX159,
        "hsn0918-kubernetes-mcp": HSN,
    }
    for name, tools in lists.items():
        profile = shipped_profiles()[name]
        bound = {b.tool for alts in profile.bindings.values() for b in alts}
        assert bound <= set(tools), (name, bound - set(tools))


@pytest.mark.parametrize(
    ("tools", "expected"),
    [
        (CONTAINERS, "containers-kubernetes-mcp-server"),
        (FLUX159, "flux159-mcp-server-kubernetes"),
        (HSN, "hsn0918-kubernetes-mcp"),
        (["something_else", "entirely"], "generic"),
    ],
)
def test_detect_profile_from_the_tool_list(tools, expected):
    assert detect_profile(tools).name == expected


def test_read_only_containers_server_degrades_to_missing_write_capabilities():
    read_only = [
        t
        for t in CONTAINERS
        if t
        not in {
            "pods_delete",
            "pods_exec",
            "pods_run",
            "resources_create_or_update",
            "resources_delete",
            "resources_scale",
        }
    ]
    profile = detect_profile(read_only)
    assert profile.name == "containers-kubernetes-mcp-server"
    assert profile.has("pod_logs", read_only)
    assert not profile.has("scale", read_only)
    with pytest.raises(CapabilityMissing) as err:
        profile.resolve("delete_pod", {"name": "x", "namespace": "dev"}, read_only)
    assert "this server has no pod delete tool" in err.value.message


def test_missing_capability_says_what_is_missing():
    profile = detect_profile(CONTAINERS)
    with pytest.raises(CapabilityMissing) as err:
        profile.resolve("restart", {"name": "cart", "namespace": "dev"}, CONTAINERS)
    assert err.value.message.startswith("this server has no restart tool")
    assert err.value.to_dict()["details"] == {"capability": "restart"}
    nologs = [t for t in CONTAINERS if t != "pods_log"]
    with pytest.raises(CapabilityMissing, match="no logs tool"):
        profile.resolve("pod_logs", {"name": "x"}, nologs)


def test_alternatives_pick_by_given_slots():
    profile = detect_profile(CONTAINERS)
    in_ns = profile.resolve("list_pods", {"namespace": "dev"}, CONTAINERS)
    everywhere = profile.resolve("list_pods", {}, CONTAINERS)
    assert (in_ns.tool, in_ns.build_args({"namespace": "dev"})) == ("pods_list_in_namespace", {"namespace": "dev"})
    assert (everywhere.tool, everywhere.build_args({})) == ("pods_list", {})


def test_slot_mapping_fixed_args_templates_and_defaults():
    flux = detect_profile(FLUX159)
    logs = flux.resolve("pod_logs", {}, FLUX159)
    assert logs.build_args({"name": "cart-1", "namespace": "dev", "tail_lines": 50, "container": None}) == {
        "resourceType": "pod",
        "name": "cart-1",
        "namespace": "dev",
        "tail": 50,
    }
    events = flux.resolve("events_for", {}, FLUX159)
    assert events.build_args({"name": "cart-1", "namespace": "dev"})["fieldSelector"] == "involvedObject.name=cart-1"
    restart = flux.resolve("restart", {}, FLUX159)
    assert restart.build_args({"kind": "Deployment", "name": "cart", "namespace": "dev"}) == {
        "subCommand": "restart",
        "resourceType": "deployment",
        "name": "cart",
        "namespace": "dev",
    }
    containers = detect_profile(CONTAINERS)
    scale = containers.resolve("scale", {}, CONTAINERS)
    # kind defaults to Deployment and the apiVersion follows from the kind
    assert scale.build_args({"name": "cart", "namespace": "dev", "replicas": 3}) == {
        "kind": "Deployment",
        "apiVersion": "apps/v1",
        "name": "cart",
        "namespace": "dev",
        "scale": 3,
    }


def test_hsn0918_routes_generic_reads_to_the_api_group_tool_by_kind():
    hsn = detect_profile(HSN)
    assert hsn.resolve("get_resource", {"kind": "Deployment"}, HSN).tool == "GET_APPS_RESOURCE"
    assert hsn.resolve("get_resource", {"kind": "CronJob"}, HSN).tool == "GET_BATCH_RESOURCE"
    assert hsn.resolve("get_resource", {"kind": "Pod"}, HSN).tool == "GET_CORE_RESOURCE"
    with pytest.raises(CapabilityMissing, match="no tool that lists clusters"):
        hsn.resolve("list_clusters", {}, HSN)


def test_user_profile_from_a_yaml_path(tmp_path):
    path = tmp_path / "my-server.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "my-server",
                "capabilities": {
                    "list_pods": {"tool": "get_pods", "args": {"namespace": "ns"}, "parser": "table", "kind": "Pod"},
                    "pod_logs": "fetch_logs",
                },
            }
        )
    )
    profile = load_profile(str(path), ["get_pods", "fetch_logs"])
    assert profile.name == "my-server"
    assert profile.resolve("list_pods", {"namespace": "dev"}, ["get_pods"]).build_args({"namespace": "dev"}) == {
        "ns": "dev"
    }
    assert profile.resolve("pod_logs", {}, ["fetch_logs"]).tool == "fetch_logs"
    assert load_profile("flux159-mcp-server-kubernetes", []).name == "flux159-mcp-server-kubernetes"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x"}, "needs a 'capabilities' mapping"),
        ({"capabilities": {"teleport": "beam_me_up"}}, "unknown capability 'teleport'"),
        ({"capabilities": {"list_pods": {"args": {"namespace": "ns"}}}}, "needs a 'tool'"),
        ({"capabilities": {"list_pods": {"tool": "t", "args": {"podname": "p"}}}}, "unknown slots"),
    ],
)
def test_invalid_profiles_are_config_errors(data, message):
    with pytest.raises(ConfigError, match=message):
        parse_profile(data, "test.yaml")


def test_missing_and_broken_profile_files_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="cannot read profile"):
        load_profile(str(tmp_path / "absent.yaml"), [])
    broken = tmp_path / "broken.yaml"
    broken.write_text("capabilities: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_profile(str(broken), [])
    with pytest.raises(ConfigError, match="unknown MCP profile"):
        load_profile("no-such-profile", [])


def test_fit_to_schema_shapes_documents_and_numbers():
    props = {
        "manifest": {"type": "string"},
        "patch": {"type": "string"},
        "patchData": {"type": "object"},
        "replicas": {"type": "integer"},
        "previous": {"type": "boolean"},
    }
    fitted = fit_to_schema(
        {
            "manifest": {"kind": "Deployment", "metadata": {"name": "cart"}},
            "patch": [{"op": "remove", "path": "/a"}],
            "patchData": {"spec": {"replicas": 2}},
            "replicas": "5",
            "previous": "true",
            "other": 1,
        },
        props,
    )
    assert yaml.safe_load(fitted["manifest"]) == {"kind": "Deployment", "metadata": {"name": "cart"}}
    assert json.loads(fitted["patch"]) == [{"op": "remove", "path": "/a"}]
    assert fitted["patchData"] == {"spec": {"replicas": 2}}
    assert (fitted["replicas"], fitted["previous"], fitted["other"]) == (5, True, 1)
