"""Evidence gathering through the real gateway over SSE: what is read for each kind of target, the bounds, and how a
server that lacks a capability (or a read that fails) degrades instead of crashing."""

from __future__ import annotations

from typing import Any

import pytest

from kubecopilot.config import load_settings
from kubecopilot.diagnosis.diagnose import analyze
from kubecopilot.diagnosis.evidence import MAX_PODS, gather_evidence
from kubecopilot.errors import CapabilityMissing
from kubecopilot.sandbox.runner import start_sandbox
from kubecopilot.tools.factory import connect_gateway


@pytest.fixture(scope="module")
def gateway():
    with start_sandbox(scenario="default", port=0) as handle:
        gw = connect_gateway(load_settings(), url=handle.url)
        yield gw
        gw.close()


class Without:
    """The real gateway, minus some capabilities: a server that does not offer them."""

    def __init__(self, gateway: Any, *missing: str) -> None:
        self.gateway, self.missing = gateway, set(missing)

    def has(self, capability: str) -> bool:
        return capability not in self.missing and self.gateway.has(capability)

    def invoke(self, capability: str, **slots: Any) -> Any:
        self._check(capability)
        return self.gateway.invoke(capability, **slots)

    def records(self, capability: str, **slots: Any) -> Any:
        self._check(capability)
        return self.gateway.records(capability, **slots)

    def binding(self, capability: str, **slots: Any) -> Any:
        self._check(capability)
        return self.gateway.binding(capability, **slots)

    def _check(self, capability: str) -> None:
        if capability in self.missing:
            raise CapabilityMissing(f"this server has no {capability} tool")


def names(objs):
    return sorted(o["metadata"]["name"] for o in objs)


def test_a_deployment_brings_its_revisions_pods_events_describe_and_crash_logs(gateway):
    notes: list[str] = []
    ev = gather_evidence(gateway, namespace="dev", target="billing-api", notes=notes)
    assert notes == []
    assert ev.workload["kind"] == "Deployment" and ev.workload["metadata"]["name"] == "billing-api"
    assert sorted(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] for rs in ev.replicasets) == \
        ["1", "2", "3"]
    (pod,) = ev.pods
    name = pod["metadata"]["name"]
    assert name.startswith("billing-api-")
    assert ev.events and {e["involvedObject"]["name"] for e in ev.events} == {name}
    assert "CrashLoopBackOff" in ev.describe[name]
    assert "FileNotFoundError" in ev.previous_logs[f"{name}/billing-api"]
    assert f"{name}/billing-api" in ev.logs
    assert names(ev.nodes) == [pod["spec"]["nodeName"]]  # only the node of the unhealthy pod


def test_a_pod_brings_its_owning_deployment(gateway):
    pod = gather_evidence(gateway, namespace="dev", target="report-worker").pods[0]["metadata"]["name"]
    ev = gather_evidence(gateway, namespace="dev", target=pod)
    assert names(ev.pods) == [pod]
    assert ev.workload["metadata"]["name"] == "report-worker" and len(ev.replicasets) == 2
    assert analyze(ev).fix.name == "report-worker"  # so the fix targets the Deployment, not the pod


def test_a_pending_pod_brings_every_node_and_their_allocated_resources(gateway):
    ev = gather_evidence(gateway, namespace="dev", target="ml-trainer")
    assert names(ev.nodes) == ["dev-node-1", "dev-node-2", "dev-node-3"]
    assert all("Allocated resources:" in ev.describe[f"node/{n}"] for n in names(ev.nodes))
    assert ev.logs == {} and ev.previous_logs == {}  # nothing ran, nothing to read


def test_a_node_target(gateway):
    ev = gather_evidence(gateway, namespace="default", target="prod-node-3", cluster="prod-cluster")
    assert ev.pods == [] and names(ev.nodes) == ["prod-node-3"] and ev.cluster == "prod-cluster"
    assert any(e["reason"] == "NodeNotReady" for e in ev.events)


def test_a_name_fragment_matches_pods_by_prefix(gateway):
    ev = gather_evidence(gateway, namespace="dev", target="cart-service")
    assert [n.rsplit("-", 2)[0] for n in names(ev.pods)] == ["cart-service-v1", "cart-service-v2"]
    assert ev.workload is None and ev.previous_logs == {} and ev.nodes == []


def test_at_most_three_pods_unhealthy_first_and_failed_reads_are_noted(gateway):
    notes: list[str] = []
    ev = gather_evidence(gateway, namespace="production", target="cart-service", cluster="prod-cluster", notes=notes)
    assert len(ev.pods) == MAX_PODS
    first = ev.pods[0]
    assert first["spec"]["nodeName"] == "prod-node-3"  # the pod on the NotReady node leads
    assert any("no route to host" in n for n in notes)  # its kubelet cannot serve logs: noted, not raised
    assert f"{first['metadata']['name']}/cart-service" not in ev.logs
    assert analyze(ev).category == "NodeNotReady"


def test_healthy_containers_get_a_short_log_tail(gateway):
    ev = gather_evidence(gateway, namespace="dev", target="cart-service-v1", tail_lines=5)
    (text,) = ev.logs.values()
    assert 0 < len(text.splitlines()) <= 5


def test_missing_capabilities_degrade_and_are_noted(gateway):
    notes: list[str] = []
    lean = Without(gateway, "pod_logs", "describe_pod", "events_for")
    ev = gather_evidence(lean, namespace="dev", target="report-worker", notes=notes)
    assert ev.pods and ev.logs == {} and ev.describe == {}
    assert ev.events, "events come from list_events when events_for is missing"
    assert any("pod_logs" in n for n in notes) and any("describe_pod" in n for n in notes)
    assert analyze(ev).category == "OOMKilled"  # the status alone still tells


def test_without_single_object_reads_the_pods_are_found_by_name(gateway):
    notes: list[str] = []
    ev = gather_evidence(Without(gateway, "get_resource"), namespace="dev", target="web-frontend", notes=notes)
    assert ev.workload is None and names(ev.pods)[0].startswith("web-frontend-")
    assert any("get_resource" in n for n in notes)
    d = analyze(ev)
    assert d.category == "ImagePullBackOff" and d.fix is None  # no workload known → no automatic change


def test_unknown_target_is_noted_and_diagnosed_as_nothing_found(gateway):
    notes: list[str] = []
    ev = gather_evidence(gateway, namespace="dev", target="no-such-thing", notes=notes)
    assert ev.pods == [] and ev.nodes == [] and notes
    assert analyze(ev).category == "Unknown"


def test_a_request_is_lowered_only_to_what_a_node_is_read_to_have_free(gateway):
    """The fit is computed from each node's "Allocated resources"; without them (a scan reads one namespace's pods,
    only some of what a node runs) no figure is proposed — a guess from some pods would still not fit."""
    from kubecopilot.quantity import parse_quantity

    ev = gather_evidence(gateway, namespace="dev", target="ml-trainer")
    fix = analyze(ev).fix
    assert fix is not None and fix.action == "set_resources"
    proposed = parse_quantity(fix.requests["cpu"])
    free = []
    for node in ev.nodes:
        text = ev.describe[f"node/{node['metadata']['name']}"].split("Allocated resources:", 1)[1]
        used = parse_quantity(next(line.split()[1] for line in text.splitlines() if line.strip().startswith("cpu")))
        free.append(parse_quantity(node["status"]["allocatable"]["cpu"]) - used)
    assert 0 < proposed <= max(free)
    blind = ev.model_copy(update={"describe": {k: v for k, v in ev.describe.items() if not k.startswith("node/")}})
    assert analyze(blind).fix is None
