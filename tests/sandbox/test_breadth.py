"""Scenario `breadth`: each failure beyond the pod ones (storage, quota, services, ingresses, jobs, autoscalers,
budgets, nodes) shows as a real cluster shows it, and its cure — a change through the tools — really cures it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kubecopilot.sandbox.timeutil import fixed_clock
from kubecopilot.sandbox.world import ClusterSet

from .conftest import NOW


@pytest.fixture(scope="module")
def shipped() -> ClusterSet:
    return ClusterSet("breadth", clock=fixed_clock(NOW))


@pytest.fixture
def world(shipped: ClusterSet) -> ClusterSet:
    shipped.reset()
    return shipped


def call(world: ClusterSet, tool: str, **args: Any) -> Any:
    return json.loads(world.call(tool, args))


def items(world: ClusterSet, kind: str, namespace: str | None = "ops") -> dict[str, dict]:
    listed = call(world, "list_resources", kind=kind, **({"namespace": namespace} if namespace else {}))
    return {o["metadata"]["name"]: o for o in listed["items"]}


def warnings(world: ClusterSet, name: str, namespace: str = "ops") -> list[str]:
    events = call(world, "list_events", namespace=namespace, involved_object=name, type="Warning")["items"]
    return [f"{e['reason']}: {e['message']}" for e in events]


def pod_of(world: ClusterSet, prefix: str, namespace: str = "ops") -> dict:
    pods = [p for p in call(world, "list_pods", namespace=namespace)["items"] if p["metadata"]["name"].startswith(prefix)]
    assert len(pods) >= 1, prefix
    return pods[0]


def ready(pod: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions") or ())


def test_list_resources_serves_any_kind_and_only_its_namespace(world):
    assert set(items(world, "pdb")) == {"orders"}
    assert set(items(world, "StorageClass")) == {"standard", "standard-rwo"}  # cluster-scoped: namespace ignored
    assert set(items(world, "quota", "analytics")) == {"analytics-quota"}
    assert items(world, "quota") == {}


def test_a_service_whose_selector_matches_nothing_has_no_endpoints_until_the_selector_is_fixed(world):
    assert items(world, "Endpoints")["search"]["subsets"] == []
    patch = [{"op": "replace", "path": "/spec/selector", "value": {"app": "search"}}]
    call(world, "patch_resource", kind="Service", name="search", namespace="ops", patch=patch)
    assert items(world, "Endpoints")["search"]["subsets"][0]["addresses"]


def test_a_service_of_a_deployment_scaled_to_zero_gets_endpoints_when_scaled_up(world):
    assert items(world, "Endpoints")["ledger"]["subsets"] == []
    call(world, "scale_deployment", namespace="ops", deployment_name="ledger", replicas=1)
    assert items(world, "Endpoints")["ledger"]["subsets"][0]["addresses"]


def test_a_claim_for_a_missing_storage_class_stays_pending_with_its_pod_until_the_class_exists(world):
    claim = items(world, "pvc")["archive-data"]
    assert claim["status"]["phase"] == "Pending"
    assert 'ProvisioningFailed: storageclass.storage.k8s.io "fast-ssd" not found' in warnings(world, "archive-data")
    pod = pod_of(world, "archiver")
    assert pod["status"]["phase"] == "Pending"
    assert any("pod has unbound immediate PersistentVolumeClaims" in w for w in warnings(world, pod["metadata"]["name"]))
    call(world, "apply_manifest", manifest="apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast-ssd}\n"
                                           "provisioner: pd.csi.storage.gke.io\n")
    assert items(world, "pvc")["archive-data"]["status"]["phase"] == "Bound"
    assert ready(pod_of(world, "archiver"))


def test_a_statefulset_waits_for_a_static_volume_and_is_ready_once_one_exists(world):
    assert items(world, "StatefulSet")["kafka"]["status"]["readyReplicas"] == 0
    assert any(w.startswith("FailedBinding: no persistent volumes available") for w in warnings(world, "data-kafka-0"))
    pv = ("apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: kafka-disk}\n"
          "spec: {capacity: {storage: 10Gi}, accessModes: [ReadWriteOnce], storageClassName: '', hostPath: {path: /data}}\n")
    call(world, "apply_manifest", manifest=pv)
    assert items(world, "pvc")["data-kafka-0"]["spec"]["volumeName"] == "kafka-disk"
    assert items(world, "StatefulSet")["kafka"]["status"]["readyReplicas"] == 1


def test_ingresses_point_at_a_missing_service_and_at_a_port_the_service_does_not_expose(world):
    ingresses, services = items(world, "Ingress"), items(world, "Service")
    backend = ingresses["portal"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "portal-web" and "portal-web" not in services
    docs = ingresses["docs"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert docs["port"]["number"] == 8080 and [p["port"] for p in services["docs"]["spec"]["ports"]] == [80]


def test_a_job_that_keeps_crashing_fails_at_its_backoff_limit_and_a_suspended_cronjob_stops_running(world):
    job = next(j for j in items(world, "Job").values() if j["metadata"]["name"].startswith("db-backup-"))
    failed = {c["type"]: c for c in job["status"]["conditions"]}["Failed"]
    assert failed["reason"] == "BackoffLimitExceeded" and job["status"]["failed"] == 1
    assert "BackoffLimitExceeded: Job has reached the specified backoff limit" in warnings(world, job["metadata"]["name"])
    assert "active" not in items(world, "CronJob")["db-backup"]["status"]
    cleanup = items(world, "CronJob")["cleanup"]
    assert cleanup["spec"]["suspend"] is True and cleanup["status"]["lastScheduleTime"] < "2026-05-02"


def test_a_missing_secret_key_is_a_create_container_config_error_cured_by_rolling_back(world):
    pod = pod_of(world, "notifier")
    state = pod["status"]["containerStatuses"][0]["state"]["waiting"]
    assert state == {"reason": "CreateContainerConfigError", "message": "couldn't find key password in Secret ops/smtp"}
    call(world, "rollback_deployment", namespace="ops", deployment_name="notifier")
    assert ready(pod_of(world, "notifier"))


def test_an_hpa_without_cpu_requests_has_no_metrics_until_a_request_is_set(world):
    conditions = {c["type"]: c for c in items(world, "hpa")["api-gateway"]["status"]["conditions"]}
    assert conditions["ScalingActive"]["status"] == "False" and conditions["ScalingActive"]["reason"] == "FailedGetResourceMetric"
    call(world, "set_container_resources", namespace="ops", deployment_name="api-gateway", container="api-gateway",
         requests_cpu="100m")
    conditions = {c["type"]: c for c in items(world, "hpa")["api-gateway"]["status"]["conditions"]}
    assert conditions["ScalingActive"]["status"] == "True"


def test_an_hpa_whose_target_wants_more_than_max_replicas_is_scaling_limited(world):
    hpa = items(world, "hpa")["render"]
    limited = {c["type"]: c for c in hpa["status"]["conditions"]}["ScalingLimited"]
    assert limited["status"] == "True" and limited["reason"] == "TooManyReplicas"
    assert hpa["status"]["currentReplicas"] == hpa["spec"]["maxReplicas"] == 2


def test_a_budget_that_allows_no_eviction_allows_one_once_the_deployment_has_a_spare_replica(world):
    assert items(world, "pdb")["orders"]["status"]["disruptionsAllowed"] == 0
    call(world, "scale_deployment", namespace="ops", deployment_name="orders", replicas=3)
    assert items(world, "pdb")["orders"]["status"]["disruptionsAllowed"] == 1


def test_a_quota_refuses_the_second_pod_until_the_memory_request_fits(world):
    rs = next(iter(items(world, "ReplicaSet", "analytics").values()))
    failure = rs["status"]["conditions"][0]
    assert failure["type"] == "ReplicaFailure" and "exceeded quota: analytics-quota" in failure["message"]
    assert any("requested: requests.memory=768Mi, used: requests.memory=768Mi, limited: requests.memory=1Gi" in w
               for w in warnings(world, rs["metadata"]["name"], "analytics"))
    assert items(world, "quota", "analytics")["analytics-quota"]["status"]["used"]["requests.memory"] == "768Mi"
    call(world, "set_container_resources", namespace="analytics", deployment_name="etl-api", container="etl-api",
         requests_memory="512Mi")
    deployment = call(world, "get_deployment", namespace="analytics", deployment_name="etl-api")
    assert deployment["status"]["readyReplicas"] == 2
    assert items(world, "quota", "analytics")["analytics-quota"]["status"]["used"]["requests.memory"] == "1Gi"


def test_node_pressure_and_cordon_keep_new_pods_off_until_uncordoned(world):
    nodes = items(world, "Node", None)
    memory = {c["type"]: c for c in nodes["dev-node-4"]["status"]["conditions"]}["MemoryPressure"]
    assert memory["status"] == "True" and memory["reason"] == "KubeletHasInsufficientMemory"
    assert nodes["dev-node-4"]["spec"]["taints"][0]["key"] == "node.kubernetes.io/memory-pressure"
    assert nodes["dev-node-5"]["spec"]["unschedulable"] is True
    call(world, "uncordon_node", node_name="dev-node-5")
    assert "unschedulable" not in items(world, "Node", None)["dev-node-5"]["spec"]


def test_the_default_world_is_unchanged_by_the_new_rules():
    """Claims without a StorageClass object, pods without a quota: the shipped scenarios bind and run as before."""
    default = ClusterSet("default", clock=fixed_clock(NOW))
    claims = json.loads(default.call("list_pvcs", {"namespace": "dev"}))["items"]
    assert [c["status"]["phase"] for c in claims] == ["Bound"]
