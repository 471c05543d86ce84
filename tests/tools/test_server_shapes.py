"""The gateway, ``ObjectReader`` and ``ClusterOps`` on the answers the public servers really give, with their recorded
tool lists (tests/tools/samples/*.tools.json): a scripted client answers each tool as the server does — tables,
YAML after a comment line, JSON envelopes, errors. The same behaviour runs against the live servers in
tests/realservers; these pin each rule to the shape that needs it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubecopilot.errors import CapabilityMissing, ChangeNotPossible, MCPDisconnected
from kubecopilot.tools.cache import ReadCache
from kubecopilot.tools.catalog import Catalog, ToolInfo
from kubecopilot.tools.client import MCPTarget, RawResult
from kubecopilot.tools.gateway import ToolGateway
from kubecopilot.tools.objects import ObjectReader
from kubecopilot.tools.ops import ClusterOps
from kubecopilot.tools.profiles import detect_profile

SAMPLES = Path(__file__).parent / "samples"
KMS = "containers-kubernetes-mcp-server-0.0.66"
FLUX = "flux159-mcp-server-kubernetes-4.1.7"
KMS_WRITES = {"pods_delete", "pods_exec", "pods_run", "resources_create_or_update", "resources_delete", "resources_scale"}
Answer = Callable[[dict[str, Any]], RawResult]


def pod(name: str, *, restarts: int = 0) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "dev", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "web", "ready": True,
                                                                  "restartCount": restarts, "state": {"running": {}}}]}}


PODS = {p["metadata"]["name"]: p for p in (pod("web-1"), pod("web-2", restarts=3))}
POD_TABLE = ("NAMESPACE   APIVERSION   KIND   NAME    READY   STATUS    RESTARTS        AGE   LABELS\n"
             "dev         v1           Pod    web-1   1/1     Running   0               2h    app=web\n"
             "dev         v1           Pod    web-2   1/1     Running   3 (2m ago)      2h    app=web\n")


class Scripted:
    """A client answering each tool with a function of its arguments; records every call."""

    def __init__(self, answers: dict[str, Answer], transport: str = "streamable-http") -> None:
        self.answers, self.calls = answers, []
        self.target = MCPTarget(transport, url="http://127.0.0.1:1/x")  # type: ignore[arg-type]

    def call_tool(self, name: str, args: Any = None, timeout: float | None = None) -> RawResult:
        self.calls.append((name, dict(args or {})))
        return self.answers[name](dict(args or {}))

    def close(self) -> None:
        pass


def tools(sample: str, *, drop: set[str] = frozenset(), context: bool = False) -> list[ToolInfo]:
    infos = [ToolInfo.from_dict(t) for t in json.loads((SAMPLES / f"{sample}.tools.json").read_text("utf-8"))["tools"]
             if t["name"] not in drop]
    if context:  # kubernetes-mcp-server with a kubeconfig of several contexts: every tool takes `context`
        for info in infos:
            info.input_schema.setdefault("properties", {})["context"] = {"type": "string"}
    return infos


def gateway(infos: list[ToolInfo], client: Scripted) -> ToolGateway:
    profile = detect_profile([t.name for t in infos])
    return ToolGateway(client, Catalog.build(infos, {}, profile), profile, ReadCache({}, 64))


def kms_answers(*, missing: tuple[str, ...] = (), failing: tuple[str, ...] = ()) -> dict[str, Answer]:
    def get(args: dict[str, Any]) -> RawResult:
        name = args["name"]
        if name in failing:
            return RawResult(f"failed to get resource: Get \"https://api/…/{name}\": dial tcp: connection refused", True)
        if name in missing or name not in PODS:
            return RawResult(f'failed to get resource: pods "{name}" not found', True)
        return RawResult(yaml.safe_dump(PODS[name]), False)

    return {"resources_list": lambda args: RawResult(POD_TABLE, False),
            "pods_list_in_namespace": lambda args: RawResult(POD_TABLE, False), "resources_get": get}


# --- the gateway ------------------------------------------------------------------------------------------------


def test_flux159s_log_envelope_is_unwrapped_to_the_log_itself():
    log = "line one\nline two\n"
    client = Scripted({"kubectl_logs": lambda args: RawResult(json.dumps({"name": args["name"], "logs": log}), False)})
    result = gateway(tools(FLUX), client).invoke("pod_logs", name="web-1", namespace="dev", tail_lines=5)
    assert result.text == log
    assert client.calls == [("kubectl_logs", {"resourceType": "pod", "name": "web-1", "namespace": "dev", "tail": 5})]


def test_a_cluster_is_targeted_through_context_and_refused_when_the_server_cannot_target_it():
    several = gateway(tools(KMS, context=True), Scripted({}))
    assert several.prepare("list_pods", namespace="dev", cluster="prod-cluster") == (
        "pods_list_in_namespace", {"namespace": "dev", "context": "prod-cluster"})
    one = gateway(tools(KMS), Scripted({}))
    with pytest.raises(CapabilityMissing, match="pods_list_in_namespace cannot target cluster 'prod-cluster'"):
        one.records("list_pods", namespace="dev", cluster="prod-cluster")
    assert one.prepare("list_pods", namespace="dev") == ("pods_list_in_namespace", {"namespace": "dev"})


def test_losing_flux159s_sse_server_says_why_it_may_have_gone():
    def gone(args: dict[str, Any]) -> RawResult:
        raise MCPDisconnected("lost the connection to the MCP server during kubectl_get", hint="KubeCopilot reconnects")

    over_sse = gateway(tools(FLUX), Scripted({"kubectl_get": gone}, transport="sse"))
    with pytest.raises(MCPDisconnected) as lost:
        over_sse.records("list_namespaces")
    assert lost.value.hint is not None and "accepts one client at a time" in lost.value.hint
    assert gateway(tools(FLUX), Scripted({}, transport="streamable-http")).caveat() is None


# --- whole objects ----------------------------------------------------------------------------------------------


def test_a_table_is_followed_by_a_read_of_each_object():
    client = Scripted(kms_answers())
    found = ObjectReader(gateway(tools(KMS), client)).objects("Pod", namespace="dev", label_selector="app=web")
    assert found.complete and [p["metadata"]["name"] for p in found.items] == ["web-1", "web-2"]
    assert found.items[1]["status"]["containerStatuses"][0]["restartCount"] == 3
    assert found.calls == 3 and found.tools == ["resources_list", "resources_get"]
    assert client.calls[0] == ("resources_list", {"apiVersion": "v1", "kind": "Pod", "namespace": "dev",
                                                  "labelSelector": "app=web"})


def test_an_object_gone_since_the_list_is_left_out_and_one_that_cannot_be_read_is_a_gap():
    found = ObjectReader(gateway(tools(KMS), Scripted(kms_answers(missing=("web-1",), failing=("web-2",))))).objects(
        "Pod", namespace="dev")
    assert found.items == [] and not found.complete
    assert found.gaps == ["could not read Pod dev/web-2: failed to get resource: Get \"https://api/…/web-2\": "
                          "dial tcp: connection refused"]


def test_a_list_of_whole_objects_costs_one_call():
    listing = yaml.safe_dump(list(PODS.values()))
    client = Scripted({"resources_list": lambda args: RawResult(listing, False)})
    found = ObjectReader(gateway(tools(KMS), client)).objects("Pod", namespace="dev")
    assert found.complete and len(found.items) == 2 and len(client.calls) == 1


def test_the_single_reads_a_table_costs_are_bounded_and_the_unhealthy_come_first():
    table = POD_TABLE.replace("web-2   1/1     Running  ", "web-2   0/1     Error    ")
    client = Scripted({**kms_answers(), "resources_list": lambda args: RawResult(table, False)})
    found = ObjectReader(gateway(tools(KMS), client)).objects("Pod", namespace="dev", limit=1)
    assert [p["metadata"]["name"] for p in found.items] == ["web-2"]


def test_without_a_get_tool_the_objects_not_read_are_said():
    client = Scripted(kms_answers())
    found = ObjectReader(gateway(tools(KMS, drop={"resources_get"}), client)).objects("Pod", namespace="dev")
    assert found.items == [] and found.gaps == [
        "could not read the Pod objects whole (2 listed): the server lists them without spec and status and has no tool "
        "to read one"]


def test_events_come_in_the_apis_shape_from_containers_yaml():
    text = ("# The following events (YAML format) were found:\n"
            "- InvolvedObject: {Kind: Pod, Name: web-2, apiVersion: v1}\n  Message: Back-off\n  Namespace: dev\n"
            "  Reason: BackOff\n  Timestamp: 2026-05-04 09:30:00 +0000 UTC\n  Type: Warning\n")
    found = ObjectReader(gateway(tools(KMS), Scripted({"events_list": lambda args: RawResult(text, False)}))).objects(
        "Event", namespace="dev")
    (event,) = found.items
    assert (event["type"], event["reason"], event["involvedObject"]["name"], event["lastTimestamp"]) == (
        "Warning", "BackOff", "web-2", "2026-05-04T09:30:00Z")


# --- changes ----------------------------------------------------------------------------------------------------


class Ref:
    kind, namespace, name, cluster = "Deployment", "dev", "web", None


def test_flux159_patches_with_the_exact_json_patch():
    ops = ClusterOps(gateway(tools(FLUX), Scripted({})))
    patch = [{"op": "test", "path": "/spec/replicas", "value": 1}, {"op": "replace", "path": "/spec/replicas",
                                                                   "value": 2}]
    tool, args = ops.planned_patch(Ref(), patch, {}, {})
    assert tool == "kubectl_patch"
    assert args == {"patchType": "json", "resourceType": "Deployment", "name": "web", "namespace": "dev",
                    "patchData": patch}


def test_a_read_only_server_cannot_make_a_change_and_says_so_before_anyone_is_asked():
    ops = ClusterOps(gateway(tools(KMS, drop=KMS_WRITES), Scripted({})))
    patch = [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "nginx:1.28"}]
    with pytest.raises(ChangeNotPossible, match="it has no patch or create-or-update tool"):
        ops.planned_patch(Ref(), patch, {}, {})
