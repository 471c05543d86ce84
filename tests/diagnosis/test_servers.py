"""The scan through the third-party servers' real tool lists (tests/tools/samples/*.tools.json, recorded from
containers/kubernetes-mcp-server 0.0.66 and Flux159/mcp-server-kubernetes 4.1.7) and their profiles.

The servers themselves are outside this machine, so a stand-in client answers their tools the way they answer
(kubectl's `get -o yaml` for Flux159; tables by default, or YAML with --list-output yaml, for containers), from the
sandbox world. What a server cannot give is reported as skipped, never guessed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubecopilot.diagnosis.scan import scan, scan_analyzers
from kubecopilot.sandbox.kinds import resolve
from kubecopilot.sandbox.timeutil import fixed_clock
from kubecopilot.sandbox.world import ClusterSet
from kubecopilot.tools.cache import ReadCache
from kubecopilot.tools.catalog import Catalog, ToolInfo
from kubecopilot.tools.client import RawResult
from kubecopilot.tools.gateway import ToolGateway
from kubecopilot.tools.profiles import detect_profile

from .conftest import NOW

SAMPLES = Path(__file__).resolve().parents[1] / "tools" / "samples"


class StandIn:
    """Answers list calls of one server's tools from a sandbox world; records the arguments it was given."""

    def __init__(self, world: ClusterSet, list_output: str) -> None:
        self.world, self.list_output, self.calls = world, list_output, []

    def call_tool(self, name: str, args: Any = None, timeout: float | None = None) -> RawResult:
        args = dict(args or {})
        self.calls.append((name, args))
        kind = args.get("kind") or args.get("resourceType")
        namespace = None if args.get("allNamespaces") else args.get("namespace")
        listed = json.loads(self.world.call("list_resources", {"kind": resolve(kind).kind, "namespace": namespace}))
        if name == "resources_list" and self.list_output == "table":
            rows = "\n".join(f"{o['metadata'].get('namespace', '')}   {o['metadata']['name']}" for o in listed["items"])
            return RawResult(f"NAMESPACE   NAME\n{rows}", False)
        return RawResult(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": listed["items"]}), False)

    def close(self) -> None:
        pass


def gateway_for(sample: str, client: StandIn) -> ToolGateway:
    infos = [ToolInfo.from_dict(t) for t in json.loads((SAMPLES / f"{sample}.tools.json").read_text(encoding="utf-8"))["tools"]]
    profile = detect_profile([t.name for t in infos])
    return ToolGateway(client, Catalog.build(infos, {}, profile), profile, ReadCache({}, 256))


@pytest.fixture(scope="module")
def world() -> ClusterSet:
    return ClusterSet("breadth", clock=fixed_clock(NOW))


def test_flux159_lists_every_kind_with_kubectl_get_yaml_and_every_analyzer_runs(world):
    client = StandIn(world, "yaml")
    report = scan(gateway_for("flux159-mcp-server-kubernetes-4.1.7", client))
    assert report.skipped == [] and report.tools == ["kubectl_get"]
    assert client.calls and all(a["output"] == "yaml" and a["allNamespaces"] is True for _, a in client.calls)
    assert {a["resourceType"] for _, a in client.calls} >= {"poddisruptionbudget", "persistentvolumeclaim", "node"}
    found = {f.analyzer for f in report.findings}
    assert {"pdb_blocking_evictions", "ingress_missing_service", "replicaset_create_failed", "node_cordoned"} <= found
    namespaced = StandIn(world, "yaml")
    scan(gateway_for("flux159-mcp-server-kubernetes-4.1.7", namespaced), namespace="ops")
    assert ("kubectl_get", {"resourceType": "service", "namespace": "ops", "output": "yaml"}) in namespaced.calls


def test_containers_server_with_yaml_lists_gives_the_same_findings_as_the_sandbox(world):
    client = StandIn(world, "yaml")
    report = scan(gateway_for("containers-kubernetes-mcp-server-0.0.66", client), namespace="ops")
    assert report.skipped == [] and report.tools == ["resources_list"]
    assert ("resources_list", {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "namespace": "ops"}) in client.calls
    assert {"pdb_blocking_evictions", "hpa_no_metrics", "cronjob_suspended"} <= {f.analyzer for f in report.findings}


def test_containers_server_with_its_default_tables_says_what_it_cannot_judge(world):
    report = scan(gateway_for("containers-kubernetes-mcp-server-0.0.66", StandIn(world, "table")))
    assert report.groups == []
    assert {s.analyzer for s in report.skipped} == {a.id for a in scan_analyzers()}
    reason = next(s.reason for s in report.skipped if s.analyzer == "pdb_blocking_evictions")
    assert "needs PodDisruptionBudget" in reason and "resources_list answers PodDisruptionBudget without spec and status" in reason


def test_a_server_without_a_list_any_kind_tool_is_said_so(world):
    report = scan(gateway_for("hsn0918-kubernetes-mcp", StandIn(world, "yaml")))
    assert report.groups == [] and len(report.skipped) == len(scan_analyzers())
    assert all("no tool that lists objects of any kind" in s.reason for s in report.skipped)
