"""Every builder against the sandbox's real Kubernetes-shaped objects: the plan validates, the sandbox's own
patch tool accepts the forward patch, and the rollback patch puts the object back (in-process, no MCP)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from kubecopilot.config import DEFAULT_WHITELIST
from kubecopilot.plans.builders import build_delete_pod, build_json_patch, build_restart, build_scale, build_set_image, build_set_resources
from kubecopilot.plans.patches import apply_ops, as_dicts, resolve
from kubecopilot.plans.summary import summarize
from kubecopilot.plans.validate import validate_plan

sandbox_world = pytest.importorskip("kubecopilot.sandbox.world")

NOW = datetime(2025, 1, 12, 6, 20, tzinfo=UTC)
CASES = {
    "scale": ("Deployment", "cart-service-v1", lambda o: build_scale(o, 3)),
    "scale-statefulset": ("StatefulSet", "redis", lambda o: build_scale(o, 2)),
    "restart": ("Deployment", "billing-api", lambda o: build_restart(o, NOW)),
    "restart-statefulset": ("StatefulSet", "redis", lambda o: build_restart(o, NOW)),
    "set-image": ("Deployment", "web-frontend", lambda o: build_set_image(o, first_container(o), "nginx:1.27-alpine")),
    "set-resources": ("Deployment", "report-worker",
                      lambda o: build_set_resources(o, "report-worker", limits={"memory": "256Mi"},
                                                    requests={"memory": "128Mi"})),
    "json-patch": ("Deployment", "billing-api",
                   lambda o: build_json_patch(o, [{"op": "replace", "path": "/spec/template/spec/containers/0/env/1/value",
                                                   "value": "debug"}])),
}


def first_container(obj):
    return obj["spec"]["template"]["spec"]["containers"][0]["name"]


@pytest.fixture
def world():
    return sandbox_world.ClusterSet("default")


def get(world, kind, name, namespace="dev"):
    return json.loads(world.call("get_resource", {"kind": kind, "name": name, "namespace": namespace}))


def patch(world, kind, name, ops):
    return json.loads(world.call("patch_resource", {"kind": kind, "name": name, "namespace": "dev",
                                                    "patch": as_dicts(ops), "patch_type": "json"}))


@pytest.mark.parametrize("case", list(CASES))
def test_builder_on_a_real_object_applies_and_rolls_back_in_the_sandbox(world, case):
    kind, name, build = CASES[case]
    before = get(world, kind, name)
    plan = validate_plan(build(before), DEFAULT_WHITELIST)
    assert plan.resource.uid == before["metadata"]["uid"] and summarize(plan)
    expected = apply_ops(before, plan.diff.patch)
    patch(world, kind, name, plan.diff.patch)
    after = get(world, kind, name)
    for op in plan.diff.patch:
        if op.op != "test":
            assert resolve(after, op.path) == resolve(expected, op.path), op.path
    patch(world, kind, name, plan.diff.rollback_patch)
    restored = get(world, kind, name)
    assert restored["spec"] == before["spec"] and restored["metadata"]["labels"] == before["metadata"]["labels"]


def test_delete_pod_builder_on_a_real_pod(world):
    pods = json.loads(world.call("list_pods", {"namespace": "dev"}))["items"]
    pod = next(p for p in pods if p["metadata"]["name"].startswith("cart-service-v1-"))
    plan = validate_plan(build_delete_pod(pod), DEFAULT_WHITELIST)
    assert summarize(plan) == f"Delete Pod dev/{pod['metadata']['name']} (its ReplicaSet recreates it)"
    assert plan.risk.post_conditions[0].endswith("replaced by its ReplicaSet and Running within 60s")


def test_the_report_worker_plan_reads_as_a_person_would_say_it(world):
    plan = build_set_resources(get(world, "Deployment", "report-worker"), "report-worker", limits={"memory": "256Mi"})
    assert summarize(plan) == ("Raise memory limit of container report-worker in Deployment dev/report-worker "
                               "from 64Mi to 256Mi")
    assert plan.risk.level == "low"

