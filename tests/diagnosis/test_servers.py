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

from kubecopilot.diagnosis.scan import scan
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
    """Answers one server's read tools from a sandbox world, shaped as that server shapes them; records the calls.

    kubernetes-mcp-server: ``resources_list`` a kubectl table (default) or a YAML list (``--list-output yaml``),
    ``resources_get`` one YAML object, ``events_list`` YAML after a comment line with capitalised keys and Go times.
    Flux159: ``kubectl_get`` kubectl's ``-o yaml`` List, one JSON object with a name, ``{"events": [...]}`` for events.
    HSn0918: ``LIST_*`` JSON summaries, ``GET_*`` one YAML object. ``failing``: names whose single read fails."""

    def __init__(self, world: ClusterSet, list_output: str, failing: tuple[str, ...] = ()) -> None:
        self.world, self.list_output, self.failing, self.calls = world, list_output, failing, []

    def call_tool(self, name: str, args: Any = None, timeout: float | None = None) -> RawResult:
        args = dict(args or {})
        self.calls.append((name, args))
        if args.get("name") in self.failing:
            return RawResult(f'failed to get resource: Get "https://10.0.0.1/…/{args["name"]}": i/o timeout', True)
        if name == "events_list":
            return RawResult(_kms_events(self._items("Event", args.get("namespace"))), False)
        kind = resolve(args.get("kind") or args.get("resourceType")).kind
        if args.get("name"):
            obj = json.loads(self.world.call("get_resource", {"kind": kind, "name": args["name"],
                                                              "namespace": args.get("namespace")}))
            return RawResult(json.dumps(obj) if name == "kubectl_get" else yaml.safe_dump(obj), False)
        items = self._items(kind, None if args.get("allNamespaces") else args.get("namespace"))
        if name == "kubectl_get" and kind == "Event":
            return RawResult(json.dumps({"events": [{k: e.get(k) for k in ("type", "reason", "message",
                                                    "involvedObject", "lastTimestamp", "count")} for e in items]}), False)
        if name.startswith("LIST_"):
            return RawResult(json.dumps({"kind": kind, "resources": [_summary(o) for o in items]}), False)
        if name == "resources_list" and self.list_output == "table":
            rows = "\n".join(f"{o['metadata'].get('namespace', ''):<14}{o['metadata']['name']}" for o in items)
            return RawResult(f"{'NAMESPACE':<14}NAME\n{rows}", False)  # kubectl's columns are aligned
        return RawResult(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}), False)

    def _items(self, kind: str, namespace: str | None) -> list[dict[str, Any]]:
        return json.loads(self.world.call("list_resources", {"kind": kind, "namespace": namespace}))["items"]

    def close(self) -> None:
        pass


def _kms_events(events: list[dict[str, Any]]) -> str:
    capitalised = [{"InvolvedObject": {"Kind": e["involvedObject"]["kind"], "Name": e["involvedObject"]["name"],
                                       "apiVersion": e["involvedObject"].get("apiVersion", "v1")},
                    "Message": e.get("message"), "Namespace": e["metadata"].get("namespace"), "Reason": e.get("reason"),
                    "Timestamp": str(e.get("lastTimestamp")).replace("T", " ").replace("Z", " +0000 UTC"),
                    "Type": e.get("type")} for e in events]
    return "# The following events (YAML format) were found:\n" + yaml.safe_dump(capitalised)


def _summary(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["metadata"]
    return {"name": meta["name"], "namespace": meta.get("namespace"), "kind": obj.get("kind"),
            "creationTime": meta.get("creationTimestamp")}


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
    assert report.complete and report.tools == ["kubectl_get"]
    lists = [a for _, a in client.calls if a["resourceType"] != "events"]
    assert lists and all(a["output"] == "yaml" and a["allNamespaces"] is True for a in lists)
    assert {a["resourceType"] for a in lists} >= {"poddisruptionbudget", "persistentvolumeclaim", "node"}
    found = {f.analyzer for f in report.findings}
    assert {"pdb_blocking_evictions", "ingress_missing_service", "replicaset_create_failed", "node_cordoned"} <= found
    namespaced = StandIn(world, "yaml")
    scan(gateway_for("flux159-mcp-server-kubernetes-4.1.7", namespaced), namespace="ops")
    assert ("kubectl_get", {"resourceType": "service", "namespace": "ops", "output": "yaml"}) in namespaced.calls


def test_containers_server_with_yaml_lists_gives_the_same_findings_as_the_sandbox(world):
    client = StandIn(world, "yaml")
    report = scan(gateway_for("containers-kubernetes-mcp-server-0.0.66", client), namespace="ops")
    assert report.complete and report.tools == ["resources_list", "events_list"]
    assert ("resources_list", {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "namespace": "ops"}) in client.calls
    assert not any(tool == "resources_get" for tool, _ in client.calls)  # whole objects already: no single reads
    assert {"pdb_blocking_evictions", "hpa_no_metrics", "cronjob_suspended"} <= {f.analyzer for f in report.findings}


def test_containers_server_with_its_default_tables_reads_each_object_and_judges_everything(world):
    yaml_lists = scan(gateway_for("containers-kubernetes-mcp-server-0.0.66", StandIn(world, "yaml")), namespace="ops")
    client = StandIn(world, "table")
    report = scan(gateway_for("containers-kubernetes-mcp-server-0.0.66", client), namespace="ops")
    assert report.complete and report.findings == yaml_lists.findings
    gets = [a for tool, a in client.calls if tool == "resources_get"]
    assert len(gets) == report.objects_read - len(json.loads(world.call("list_resources", {"kind": "Event", "namespace": "ops"}))["items"])
    assert report.calls == len(client.calls) and report.tools == ["resources_list", "resources_get", "events_list"]


def test_an_object_that_cannot_be_read_makes_the_scan_incomplete_and_says_which(world):
    report = scan(gateway_for("containers-kubernetes-mcp-server-0.0.66", StandIn(world, "table", failing=("orders",))),
                  namespace="ops")
    assert not report.complete and report.skipped == []
    assert any(line.startswith("could not read PodDisruptionBudget ops/orders: ") and "i/o timeout" in line
               for line in report.unread), report.unread
    assert "pdb_blocking_evictions" not in {f.analyzer for f in report.findings}  # judged on what was read, and said


def test_a_server_without_a_list_any_kind_tool_judges_what_it_can_and_says_the_rest(world):
    report = scan(gateway_for("hsn0918-kubernetes-mcp", StandIn(world, "yaml")), namespace="ops")
    assert not report.complete
    skipped = {s.analyzer: s for s in report.skipped}
    assert "pdb_blocking_evictions" in skipped and "PodDisruptionBudget" in skipped["pdb_blocking_evictions"].needs
    assert "this server has no tool that lists PodDisruptionBudget" in skipped["pdb_blocking_evictions"].reason
    assert any("could not check PodDisruptionBudget" in line for line in report.unread)
    assert "service_selector_matches_nothing" in {f.analyzer for f in report.findings}  # Services and Pods it can read
