"""The sandbox's Kubernetes REST API over real HTTP (httpx), without kubectl: shapes, errors, watch, writes."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from kubecopilot.sandbox.runner import SandboxHandle
from kubecopilot.sandbox.world import ClusterSet

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"


@pytest.fixture(scope="module")
def api(served: SandboxHandle) -> httpx.Client:
    with httpx.Client(base_url=served.kube_url("dev-cluster"), timeout=10) as client:
        yield client


def store(world: ClusterSet) -> Any:
    return world.cluster("dev-cluster").store


def status_of(response: httpx.Response, code: int, reason: str) -> dict[str, Any]:
    body = response.json()
    assert response.status_code == code, body
    assert body["kind"] == "Status" and body["status"] == "Failure" and body["reason"] == reason and body["code"] == code
    return body


def test_discovery_names_subresources_and_the_extra_groups(api: httpx.Client, served: SandboxHandle) -> None:
    assert api.get("/version").json()["gitVersion"] == "v1.30.4"
    assert served.kube_url() == served.kube_url("dev-cluster")
    core = {r["name"]: r for r in api.get("/api/v1").json()["resources"]}
    assert core["pods/log"]["verbs"] == ["get"] and core["pods"]["shortNames"] == ["po"] and core["pods"]["categories"] == ["all"]
    apps = {r["name"]: r for r in api.get("/apis/apps/v1").json()["resources"]}
    assert apps["deployments/scale"] | {} == {**apps["deployments/scale"], "group": "autoscaling", "version": "v1", "kind": "Scale"}
    groups = {g["name"] for g in api.get("/apis").json()["groups"]}
    assert {"apps", "batch", "authorization.k8s.io", "metrics.k8s.io", "events.k8s.io"} <= groups
    index = api.get("/openapi/v3").json()["paths"]
    apps_doc = api.get(index["apis/apps/v1"]["serverRelativeURL"]).json()
    patch = apps_doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"]["kind"] == "Deployment"
    assert "fieldValidation" in {p["name"] for p in patch["parameters"]}
    status_of(api.get("/openapi/v2"), 404, "NotFound")


def test_lists_carry_kind_and_resource_version(api: httpx.Client, served: SandboxHandle) -> None:
    served.cluster.reset()
    body = api.get("/api/v1/namespaces/dev/pods").json()
    assert (body["apiVersion"], body["kind"]) == ("v1", "PodList")
    assert body["metadata"]["resourceVersion"] == str(store(served.cluster).revision)
    assert [p["metadata"]["name"] for p in body["items"]] == [p["metadata"]["name"] for p in store(served.cluster).list("Pod", "dev")]
    everywhere = api.get("/api/v1/pods").json()["items"]
    assert {p["metadata"]["namespace"] for p in everywhere} == {"dev", "production", "kube-system"}
    assert api.get("/api/v1/namespaces/nowhere/pods").json()["items"] == []  # as the API server answers


def test_tables_have_kubectls_columns_and_partial_metadata(api: httpx.Client) -> None:
    table = api.get("/api/v1/namespaces/dev/pods", headers={"Accept": TABLE}).json()
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    shown = [c["name"] for c in table["columnDefinitions"] if c["priority"] == 0]
    assert shown == ["Name", "Ready", "Status", "Restarts", "Age"]
    row = next(r for r in table["rows"] if r["cells"][0].startswith("billing-api-"))
    assert row["cells"][1:3] == ["0/1", "CrashLoopBackOff"]
    assert row["object"]["kind"] == "PartialObjectMetadata" and set(row["object"]) == {"kind", "apiVersion", "metadata"}
    full = api.get("/api/v1/namespaces/dev/pods", params={"includeObject": "Object"}, headers={"Accept": TABLE}).json()
    assert full["rows"][0]["object"]["kind"] == "Pod" and "spec" in full["rows"][0]["object"]
    deployments = api.get("/apis/apps/v1/namespaces/dev/deployments", headers={"Accept": TABLE}).json()
    assert [c["name"] for c in deployments["columnDefinitions"] if c["priority"] == 0] == ["Name", "Ready", "Up-to-date", "Available", "Age"]
    events = api.get("/api/v1/namespaces/dev/events", headers={"Accept": TABLE}).json()
    assert [c["name"] for c in events["columnDefinitions"] if c["priority"] == 0] == ["Last Seen", "Type", "Reason", "Object", "Message"]


def test_label_and_field_selectors(api: httpx.Client, served: SandboxHandle) -> None:
    def names(**params: str) -> list[str]:
        return [p["metadata"]["name"] for p in api.get("/api/v1/pods", params=params).json()["items"]]

    assert names(labelSelector="app=cart-service,version=v2") == [n for n in names() if n.startswith("cart-service-v2-")]
    pending = sorted(p["metadata"]["name"] for p in store(served.cluster).list("Pod") if p["status"]["phase"] == "Pending")
    assert sorted(names(fieldSelector="status.phase=Pending")) == pending and any(n.startswith("ml-trainer-") for n in pending)
    assert not set(names(fieldSelector="status.phase!=Pending")) & set(pending)
    assert "redis-0" in names(fieldSelector="metadata.namespace=dev,metadata.name=redis-0")
    warnings = api.get("/api/v1/namespaces/dev/events", params={"fieldSelector": "type=Warning,involvedObject.kind=Pod"}).json()
    assert warnings["items"] and all(e["type"] == "Warning" for e in warnings["items"])


def test_errors_are_statuses(api: httpx.Client, served: SandboxHandle) -> None:
    body = status_of(api.get("/api/v1/namespaces/dev/pods/nope"), 404, "NotFound")
    assert body["message"].startswith('pods "nope" not found') and body["details"] == {"name": "nope", "kind": "pods"}
    status_of(httpx.get(served.kube_url("nowhere") + "/api/v1/pods"), 404, "NotFound")
    status_of(api.get("/api/v1/namespaces/dev/widgets"), 404, "NotFound")
    status_of(api.post("/api/v1/namespaces/dev/pods/redis-0/log", json={}), 404, "NotFound")
    status_of(api.put("/api/v1/namespaces/dev/pods/redis-0/status", json={}), 405, "MethodNotAllowed")
    status_of(api.post("/api/v1/namespaces/dev/configmaps", content=b"{not json", headers={"Content-Type": "application/json"}),
              400, "BadRequest")
    status_of(api.post("/api/v1/namespaces/dev/configmaps", content=b"\x6b\x38\x73\x00",
                       headers={"Content-Type": "application/vnd.kubernetes.protobuf"}), 415, "UnsupportedMediaType")


def test_create_update_and_conflicts(api: httpx.Client, served: SandboxHandle) -> None:
    served.cluster.reset()
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "demo-"}, "data": {"a": "1"}}
    created = api.post("/api/v1/namespaces/dev/configmaps", json=cm)
    assert created.status_code == 201
    name, version = created.json()["metadata"]["name"], created.json()["metadata"]["resourceVersion"]
    assert name.startswith("demo-") and store(served.cluster).peek("ConfigMap", name, "dev")["data"] == {"a": "1"}
    again = {**cm, "metadata": {"name": name}}
    status_of(api.post("/api/v1/namespaces/dev/configmaps", json=again), 409, "AlreadyExists")
    updated = api.put(f"/api/v1/namespaces/dev/configmaps/{name}",
                      json={**again, "metadata": {"name": name, "resourceVersion": version}, "data": {"a": "2"}})
    assert updated.status_code == 200 and int(updated.json()["metadata"]["resourceVersion"]) > int(version)
    stale = api.put(f"/api/v1/namespaces/dev/configmaps/{name}",
                    json={**again, "metadata": {"name": name, "resourceVersion": version}, "data": {"a": "3"}})
    status_of(stale, 409, "Conflict")
    assert store(served.cluster).peek("ConfigMap", name, "dev")["data"] == {"a": "2"}


def test_a_failed_patch_changes_nothing(api: httpx.Client, served: SandboxHandle) -> None:
    served.cluster.reset()
    before = store(served.cluster).revision
    bad = api.patch("/apis/apps/v1/namespaces/dev/deployments/billing-api", content=json.dumps(
        [{"op": "replace", "path": "/spec/replicas", "value": 2}, {"op": "remove", "path": "/spec/nope"}]),
        headers={"Content-Type": "application/json-patch+json"})
    status_of(bad, 400, "BadRequest")
    status_of(api.patch("/apis/apps/v1/namespaces/dev/deployments/billing-api", content=b"{}",
                        headers={"Content-Type": "text/plain"}), 415, "UnsupportedMediaType")
    assert store(served.cluster).revision == before


def test_scale_subresource_and_dry_run(api: httpx.Client, served: SandboxHandle) -> None:
    served.cluster.reset()
    path = "/apis/apps/v1/namespaces/dev/deployments/cart-service-v1/scale"
    scale = api.get(path).json()
    assert (scale["kind"], scale["apiVersion"], scale["spec"]["replicas"]) == ("Scale", "autoscaling/v1", 1)
    assert scale["status"]["selector"] == "app=cart-service,version=v1"
    before = store(served.cluster).revision
    dry = api.patch(path, params={"dryRun": "All"}, content=b'{"spec":{"replicas":3}}',
                    headers={"Content-Type": "application/merge-patch+json"})
    assert dry.json()["spec"]["replicas"] == 3 and store(served.cluster).revision == before
    status_of(api.put(path, json={**scale, "metadata": {**scale["metadata"], "resourceVersion": "1"},
                                  "spec": {"replicas": 2}}), 409, "Conflict")
    done = api.put(path, json={**scale, "spec": {"replicas": 2}})
    assert done.json()["status"]["replicas"] == 2
    assert len([p for p in store(served.cluster).list("Pod", "dev") if p["metadata"]["name"].startswith("cart-service-v1-")]) == 2


def test_delete_cascades_unless_orphaned(api: httpx.Client, served: SandboxHandle) -> None:
    served.cluster.reset()
    s = store(served.cluster)
    rs = [r["metadata"]["name"] for r in s.list("ReplicaSet", "dev") if r["metadata"]["name"].startswith("ml-trainer-")]
    gone = api.request("DELETE", "/apis/apps/v1/namespaces/dev/deployments/ml-trainer", json={"propagationPolicy": "Orphan"})
    assert gone.status_code == 200 and gone.json()["metadata"]["name"] == "ml-trainer"
    assert all(s.peek("ReplicaSet", name, "dev") and not s.peek("ReplicaSet", name, "dev")["metadata"].get("ownerReferences")
               for name in rs)
    assert api.delete("/apis/apps/v1/namespaces/dev/deployments/web-frontend").status_code == 200
    assert not [p for p in s.list("Pod", "dev") if p["metadata"]["name"].startswith("web-frontend-")]
    assert not [r for r in s.list("ReplicaSet", "dev") if r["metadata"]["name"].startswith("web-frontend-")]


def test_logs(api: httpx.Client, served: SandboxHandle) -> None:
    pod = next(p["metadata"]["name"] for p in store(served.cluster).list("Pod", "dev") if p["metadata"]["name"].startswith("report-worker-"))
    previous = api.get(f"/api/v1/namespaces/dev/pods/{pod}/log", params={"previous": "true", "tailLines": "2"})
    assert previous.headers["content-type"].startswith("text/plain") and len(previous.text.splitlines()) == 2
    assert previous.text == served.cluster.call("get_pod_logs", {"namespace": "dev", "pod_name": pod, "previous": True, "tail_lines": 2})
    payments = next(p["metadata"]["name"] for p in store(served.cluster).list("Pod", "production") if p["metadata"]["name"].startswith("payments-"))
    status_of(api.get(f"/api/v1/namespaces/production/pods/{payments}/log"), 400, "BadRequest")
    assert api.get(f"/api/v1/namespaces/production/pods/{payments}/log", params={"container": "log-shipper"}).status_code == 200


def test_access_reviews_allow_everything_and_metrics_answer(api: httpx.Client) -> None:
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
              "spec": {"resourceAttributes": {"verb": "list", "resource": "pods"}}}
    answer = api.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json=review)
    assert answer.status_code == 201 and answer.json()["status"]["allowed"] is True
    assert answer.json()["spec"] == review["spec"]
    protobuf = api.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", content=b"k8s\x00...",
                        headers={"Content-Type": "application/vnd.kubernetes.protobuf"})
    assert protobuf.json()["status"]["allowed"] is True
    metrics = api.get("/apis/metrics.k8s.io/v1beta1/namespaces/dev/pods").json()
    assert metrics["kind"] == "PodMetricsList" and "redis-0" in {m["metadata"]["name"] for m in metrics["items"]}
    node = api.get("/apis/metrics.k8s.io/v1beta1/nodes/dev-node-1").json()
    assert node["kind"] == "NodeMetrics" and "percent" not in node


def test_secret_values_never_leave(api: httpx.Client, served: SandboxHandle) -> None:
    from .conftest import secret_values

    listed = api.get("/api/v1/secrets").text + api.get("/api/v1/secrets", headers={"Accept": TABLE}).text
    assert not any(value in listed for value in secret_values(served.cluster))
    one = api.get("/api/v1/secrets").json()["items"][0]
    assert {base64.b64decode(v) for v in one["data"].values()} == {b"<redacted>"}


def test_events_in_the_events_k8s_io_shape(api: httpx.Client) -> None:
    events = api.get("/apis/events.k8s.io/v1/namespaces/dev/events", params={"fieldSelector": "reason=FailedScheduling"}).json()
    assert events["apiVersion"] == "events.k8s.io/v1" and events["kind"] == "EventList"
    assert events["items"][0]["regarding"]["kind"] == "Pod" and "Insufficient cpu" in events["items"][0]["note"]


def _watch_lines(response: httpx.Response) -> Any:
    for line in response.iter_lines():
        if line:
            yield json.loads(line)


def test_watch_sends_initial_events_then_changes_and_honours_its_timeout(api: httpx.Client, served: SandboxHandle) -> None:
    served.cluster.reset()
    dev = [p["metadata"]["name"] for p in store(served.cluster).list("Pod", "dev")]
    with api.stream("GET", "/api/v1/namespaces/dev/pods", params={"watch": "true", "timeoutSeconds": "2"}) as response:
        events = _watch_lines(response)
        initial = [next(events) for _ in dev]
        assert {e["type"] for e in initial} == {"ADDED"} and sorted(e["object"]["metadata"]["name"] for e in initial) == sorted(dev)
        served.cluster.call("delete_pod", {"namespace": "dev", "pod_name": "redis-0"})
        changes = [next(events), next(events)]
        assert ("DELETED", "redis-0") in {(e["type"], e["object"]["metadata"]["name"]) for e in changes}
        assert {e["type"] for e in changes} <= {"DELETED", "ADDED", "MODIFIED"}
        rest = list(events)  # the server ends the stream after timeoutSeconds
    assert all(e["object"]["kind"] == "Pod" for e in rest)


def test_watch_from_a_resource_version_and_with_initial_events_bookmark(api: httpx.Client, served: SandboxHandle) -> None:
    served.cluster.reset()
    version = api.get("/apis/apps/v1/namespaces/dev/deployments").json()["metadata"]["resourceVersion"]
    params = {"watch": "1", "resourceVersion": version, "fieldSelector": "metadata.name=cart-service-v1", "timeoutSeconds": "5"}
    with api.stream("GET", "/apis/apps/v1/namespaces/dev/deployments", params=params, headers={"Accept": TABLE}) as response:
        events = _watch_lines(response)
        served.cluster.call("scale_deployment", {"namespace": "dev", "deployment_name": "cart-service-v1", "replicas": 2})
        first = next(events)
        assert first["type"] == "MODIFIED" and first["object"]["kind"] == "Table"
        assert first["object"]["rows"][0]["cells"][0] == "cart-service-v1"
    params = {"watch": "1", "sendInitialEvents": "true", "allowWatchBookmarks": "true", "resourceVersionMatch": "NotOlderThan",
              "timeoutSeconds": "1"}
    with api.stream("GET", "/api/v1/namespaces", params=params) as response:
        events = list(_watch_lines(response))
    assert [e["type"] for e in events] == ["ADDED"] * (len(events) - 1) + ["BOOKMARK"]
    assert events[-1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
