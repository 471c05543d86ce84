"""Parsers on realistic output of each server: Kubernetes JSON lists, Flux159 summaries, kubectl-style tables
(containers server), YAML (objects, event lists, kubeconfig), HSn0918's JSON summaries."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kubecopilot.k8s import age as age_since
from kubecopilot.tools.events import iso_time, normalise_event
from kubecopilot.tools.parsers import ParseError, detect_format, parse_labels, parse_records, parse_table

SAMPLES = Path(__file__).parent / "samples"
NOW = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def by_name(records):
    return {r.name: r for r in records}


def test_kubernetes_pod_list_gets_kubectl_status_ready_restarts_age_node():
    pods = by_name(parse_records(sample("k8s-podlist.json"), now=NOW))
    expected = {
        "cart-service-v1-7d9f8b6c5-x2k4p": ("Running", "1/1", 0, "60m", "node-1"),
        "billing-api-5c6d7e8f9-abcde": ("CrashLoopBackOff", "0/1", 7, "2h", "node-2"),
        "report-worker-6f7g8h9i0-qwert": ("OOMKilled", "0/1", 3, "10m", "node-1"),
        "frontend-84b9c7d6e5-zxcvb": ("ImagePullBackOff", "0/1", 0, "2m", "node-2"),
        "analytics-7a8b9c0d1-poiuy": ("Pending", "0/1", 0, "30s", None),
        "migrate-db-1-8mn2b": ("Completed", "0/1", 0, "3d", "node-3"),
        "search-5d4c3b2a1-lkjhg": ("Init:0/1", "0/1", 0, "10s", "node-3"),
        "cart-service-v2-6c5b4a3f2-mnbvc": ("Terminating", "2/2", 1, "3h", "node-2"),
    }
    got = {n: (r.status, r.ready, r.restarts, r.age, r.node) for n, r in pods.items()}
    assert got == expected
    assert {r.kind for r in pods.values()} == {"Pod"}
    assert pods["billing-api-5c6d7e8f9-abcde"].raw["metadata"]["labels"] == {"app": "billing-api"}


def test_flux159_summary_items():
    pods = parse_records(sample("flux159-kubectl-get-pods.json"), "json", now=NOW)
    assert [(p.name, p.namespace, p.status, p.age) for p in pods][:2] == [
        ("cart-service-v1-7d9f8b6c5-x2k4p", "dev", "Running", "60m"),
        ("cart-service-v2-6c5b4a3f2-mnbvc", "dev", "Running", "3h"),
    ]
    assert pods[3].status == "Pending"


def test_events_are_listed_by_what_they_are_about():
    flux = parse_records(sample("flux159-kubectl-get-events.json"), now=NOW)
    assert [(e.kind, e.name, e.namespace, e.status, e.age) for e in flux] == [
        ("Event", "billing-api-5c6d7e8f9-abcde", "dev", "BackOff", "5m"),
        ("Event", "cart-service-v1-7d9f8b6c5-x2k4p", "dev", "Scheduled", "60m"),
    ]
    assert flux[0].raw["type"] == "Warning"
    # The containers server prints events as YAML with Go-style keys and Go time strings.
    containers = parse_records(sample("containers-events-list.yaml"), "yaml", "Event", now=NOW)
    assert [(e.name, e.status, e.age) for e in containers] == [
        ("billing-api-5c6d7e8f9-abcde", "BackOff", "5m"),
        ("analytics-7a8b9c0d1-poiuy", "FailedScheduling", "20s"),
    ]


def test_kubectl_table_with_all_namespaces_and_multi_word_columns():
    pods = parse_records(sample("containers-pods-list.txt"))
    assert detect_format(sample("containers-pods-list.txt")) == "table"
    got = {(p.namespace, p.name): (p.kind, p.status, p.ready, p.restarts, p.age, p.node) for p in pods}
    assert got[("dev", "billing-api-5c6d7e8f9-abcde")] == ("Pod", "CrashLoopBackOff", "0/1", 7, "2h", "node-2")
    assert got[("dev", "analytics-7a8b9c0d1-poiuy")] == ("Pod", "Pending", "0/1", 0, "30s", None)  # <none> → None
    assert got[("kube-system", "coredns-5d78c9869d-7xkzq")][3] == 1  # "1 (3d ago)"
    assert pods[0].raw["labels"] == {"app": "billing-api", "pod-template-hash": "5c6d7e8f9"}
    assert "nominated node" not in pods[0].raw  # "<none>" cells are left out
    assert pods[0].raw["ip"] == "10.244.1.12"


def test_namespace_table_and_hsn0918_namespace_json_agree():
    table = parse_records(sample("containers-namespaces-list.txt"), "table", now=NOW)
    hsn = parse_records(sample("hsn0918-list-namespaces.json"), "json", "Namespace", now=NOW)
    assert [r.name for r in table] == ["default", "dev", "kube-system", "production"]
    assert {r.status for r in table} == {"Active"}
    assert [(r.kind, r.name, r.status, r.age) for r in hsn] == [
        ("Namespace", "default", "Active", "12d"),
        ("Namespace", "dev", "Active", "5d"),
        ("Namespace", "production", "Active", "12d"),
    ]


def test_hsn0918_resource_summaries_take_the_kind_from_each_item():
    deployments = parse_records(sample("hsn0918-list-apps-resources.json"), now=NOW)
    assert [(d.kind, d.name, d.namespace) for d in deployments] == [
        ("Deployment", "cart-service-v1", "dev"),
        ("Deployment", "billing-api", "dev"),
    ]


def test_single_pod_yaml_is_one_record_with_the_waiting_reason():
    (pod,) = parse_records(sample("containers-pods-get.yaml"), now=NOW)
    assert (pod.kind, pod.name, pod.namespace, pod.status, pod.restarts) == (
        "Pod",
        "report-worker-6f7g8h9i0-qwert",
        "dev",
        "CrashLoopBackOff",
        4,
    )
    assert pod.raw["status"]["containerStatuses"][0]["lastState"]["terminated"]["reason"] == "OOMKilled"


def test_kubeconfig_contexts_become_cluster_choices():
    contexts = parse_records(sample("containers-configuration-view.yaml"), "kubeconfig")
    assert [(c.name, c.namespace, c.status) for c in contexts] == [
        ("kind-dev", "dev", "current"),
        ("prod-eu", None, None),
    ]
    flux = parse_records(sample("flux159-kubectl-context-list.json"), "json", "Context")
    assert [(c.kind, c.name, c.status) for c in flux] == [
        ("Context", "kind-dev", "current"),
        ("Context", "prod-eu", None),
    ]


def test_deployment_and_node_objects():
    text = """
    {"kind": "List", "items": [
      {"kind": "Deployment", "metadata": {"name": "cart", "namespace": "dev"},
       "spec": {"replicas": 3}, "status": {"readyReplicas": 2}},
      {"kind": "Node", "metadata": {"name": "node-1"}, "spec": {"unschedulable": true},
       "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    ]}"""
    deployment, node = parse_records(text)
    assert (deployment.ready, deployment.status) == ("2/3", "Progressing")
    assert node.status == "Ready,SchedulingDisabled"


def test_bad_input_raises_parse_error_not_a_crash():
    with pytest.raises(ParseError):
        parse_records("{not json", "json")
    with pytest.raises(ParseError):
        parse_table("no header here\njust text")
    with pytest.raises(ParseError):
        parse_records("42", "yaml")


def test_helpers():
    assert parse_labels("app=cart,tier=") == {"app": "cart", "tier": ""}
    assert age_since("2024-05-01T09:59:15Z", NOW) == "45s"
    assert age_since("not a time", NOW) is None
    assert age_since(None, NOW) is None


def test_containers_events_are_given_the_apis_shape():
    """kubernetes-mcp-server capitalises event keys and prints Go times: views, diagnosis and the scan read
    ``type``/``reason``/``involvedObject``/``lastTimestamp`` — the same as from any other server."""
    backoff, _ = parse_records(sample("containers-events-list.yaml"), "auto", now=NOW)
    event = backoff.raw
    assert event["type"] == "Warning" and event["reason"] == "BackOff"
    assert event["involvedObject"] == {"kind": "Pod", "name": "billing-api-5c6d7e8f9-abcde", "apiVersion": "v1",
                                       "namespace": "dev"}
    assert event["lastTimestamp"] == "2024-05-01T09:55:00Z" and event["metadata"] == {"namespace": "dev"}
    assert "count" not in event and "Message" not in event  # not printed by the server: absent, never invented
    assert normalise_event(event) == event  # the API's own shape is kept as it is


def test_go_times_with_fractions_and_other_zones_read_right():
    assert iso_time("2026-12-07 12:26:58.123456789 +0100 CET") == "2026-12-07T11:26:58Z"
    assert iso_time("yesterday") == "yesterday"


@pytest.mark.parametrize("text", ["", "\n", "# No events found", "No resources found in dev namespace.\n"])
def test_answers_that_say_nothing_was_found_are_empty_lists(text):
    assert parse_records(text) == [] and parse_table(text) == []


def test_the_current_context_is_marked_current_in_raw_for_every_server():
    contexts = parse_records(sample("containers-configuration-view.yaml"), "kubeconfig")
    flux = parse_records(sample("flux159-kubectl-context-list.json"), "json", "Context")
    assert [c.raw["current"] for c in contexts] == [True, False]
    assert [bool(c.raw.get("current")) for c in flux] == [True, False]


def test_a_table_row_keeps_unknown_values_unknown():
    (pod,) = parse_records("NAME    STATUS\nweb-1   Running\n")
    assert (pod.ready, pod.restarts) == (None, None)  # the table has no READY / RESTARTS column: not 0
