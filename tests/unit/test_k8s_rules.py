"""The shared Kubernetes rules (kubecopilot.k8s), and that the layers use them instead of their own copies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from kubecopilot import k8s
from kubecopilot.tools.cache import namespace_of
from kubecopilot.tools.gateway import _cluster_of

SRC = Path(k8s.__file__).resolve().parent
NOW = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)


def test_every_argument_name_for_a_cluster_or_namespace_is_known_everywhere():
    """The write gate knew clusterName; the cache key did not (issue 10). Now one table serves both."""
    assert _cluster_of({"clusterName": "prod-cluster"}) == k8s.cluster_arg({"clusterName": "prod-cluster"}) == "prod-cluster"
    assert _cluster_of({"context": "dev-cluster"}) == "dev-cluster"
    assert namespace_of({"namespaceName": "dev"}) == k8s.namespace_arg({"NamespaceName": "dev"}) == "dev"
    assert k8s.namespace_arg({"name": "dev"}) is None


def test_no_layer_keeps_its_own_table_of_argument_names():
    for path in (SRC / "tools").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "_NAMESPACE_ARGS =" not in text and "_CLUSTER_ARGS =" not in text and "_NAMESPACE_KEYS =" not in text, path


def test_pod_health_and_age_follow_kubectl():
    assert k8s.listed_pod_unhealthy("CrashLoopBackOff", "0/1") and k8s.listed_pod_unhealthy("Running", "1/2")
    assert not k8s.listed_pod_unhealthy("Running", "2/2") and not k8s.listed_pod_unhealthy("Completed", "0/1")
    ready = {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    assert k8s.pod_ready(ready) and not k8s.pod_ready({"status": {"phase": "Pending"}})
    stamp = (NOW - timedelta(hours=47)).isoformat().replace("+00:00", "Z")
    assert k8s.age(stamp, NOW) == "47h" and k8s.age((NOW - timedelta(days=3)).isoformat(), NOW) == "3d"
    assert k8s.age("2026-01-02 11:55:00 +0000 UTC", NOW) == "5m"


def test_owner_and_workload_of_a_pod():
    assert k8s.owner_prefix("cart-service-v2-7d9f8b6c5d-x2k4p") == "cart-service-v2"
    pod = {"metadata": {"ownerReferences": [{"kind": "ReplicaSet", "name": "billing-api-5d8f", "controller": True}]}}
    assert k8s.workload_of(pod, "billing-api-5d8f-abcde") == "deployment/billing-api"


def test_a_label_selector_means_what_it_means_to_the_api_server():
    web = {"app": "web", "track": "stable"}
    canary = {"app": "web", "track": "canary"}
    selector = {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "track", "operator": "NotIn", "values": ["canary"]}]}
    assert k8s.selector_matches(selector, web) and not k8s.selector_matches(selector, canary)
    assert k8s.selector_matches({"matchExpressions": [{"key": "track", "operator": "NotIn", "values": ["x"]}]}, {"app": "web"})
    assert k8s.selector_matches({"matchExpressions": [{"key": "track", "operator": "Exists"}]}, web)
    assert not k8s.selector_matches({"matchExpressions": [{"key": "track", "operator": "DoesNotExist"}]}, web)
    assert not k8s.selector_matches({"matchExpressions": [{"key": "track", "operator": "Gt", "values": ["1"]}]}, web)
    assert k8s.selector_matches({"app": "web"}, canary)  # a Service's plain map
    assert not k8s.selector_matches({}, web) and not k8s.selector_matches(None, web)  # empty selects nothing
    # The list call asks the server for the equality part only; the answer is filtered with the whole selector.
    assert k8s.selector_query(selector) == "app=web" and k8s.selector_query({"b": "2", "a": "1"}) == "a=1,b=2"
    assert k8s.selector_query({"matchExpressions": []}) is None


def test_no_layer_matches_labels_by_hand():
    """Selector matching had three copies that disagreed (one ignored matchExpressions)."""
    by_hand = "labels.get(k) == v"
    copies = [p for p in SRC.rglob("*.py") if by_hand in p.read_text(encoding="utf-8") and p.name != "k8s.py"
              and "sandbox" not in p.parts]  # the sandbox is the API server: it parses selector strings itself
    assert copies == []


def test_server_owned_metadata_is_one_list():
    from kubecopilot.plans.patches import without_status
    from kubecopilot.plans.validate import PROTECTED_PATHS
    from kubecopilot.tools.ops import manifest_of

    meta = {field: "x" for field in k8s.SERVER_OWNED_METADATA} | {"name": "web", "namespace": "dev"}
    obj = {"kind": "Deployment", "metadata": meta, "status": {}}
    assert without_status(obj)["metadata"] == {"name": "web", "namespace": "dev"}
    assert {f"/metadata/{field}" for field in k8s.SERVER_OWNED_METADATA} <= set(PROTECTED_PATHS)

    class Ref:
        name, namespace = "web", "dev"

    assert manifest_of(obj, Ref())["metadata"] == {"name": "web", "namespace": "dev"}  # type: ignore[arg-type]


def test_a_pod_is_healthy_when_it_finished_or_runs_ready_and_not_while_it_is_deleted():
    running = {"status": {"phase": "Running", "containerStatuses": [{"ready": True}, {"ready": True}]}}
    assert k8s.pod_healthy(running) and k8s.pod_healthy({"status": {"phase": "Succeeded"}})
    assert not k8s.pod_healthy({"status": {"phase": "Running", "containerStatuses": [{"ready": True}, {"ready": False}]}})
    assert not k8s.pod_healthy({**running, "metadata": {"deletionTimestamp": "2026-01-02T12:00:00Z"}})
    assert not k8s.pod_healthy({"status": {"phase": "Running"}})  # no container has started yet


def test_no_layer_judges_pod_health_by_hand():
    by_hand = 'all(s.get("ready") for s in statuses)'
    copies = [p for p in SRC.rglob("*.py") if by_hand in p.read_text(encoding="utf-8") and p.name != "k8s.py" and "sandbox" not in p.parts]
    assert copies == []
