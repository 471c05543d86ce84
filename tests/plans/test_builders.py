"""Builders: forward patch, rollback patch that really restores ``before`` (property-tested), guards."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubecopilot.config import DEFAULT_WHITELIST
from kubecopilot.errors import PlanInvalid
from kubecopilot.plans.builders import build_delete_pod, build_json_patch, build_restart, build_scale, build_set_image, build_set_resources
from kubecopilot.plans.patches import apply_ops
from kubecopilot.plans.validate import validate_plan

from .fakes import FakeCluster, deployment

NAMES = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
MEMORY = st.integers(1, 8192).map(lambda n: f"{n}Mi")
CPU = st.integers(1, 4000).map(lambda n: f"{n}m")


@st.composite
def workloads(draw):
    kind = draw(st.sampled_from(["Deployment", "StatefulSet"]))
    names = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    containers = []
    for name in names:
        c = {"name": name, "image": draw(NAMES) + ":" + draw(st.sampled_from(["1", "latest", "2.0-alpine"]))}
        resources = {}
        for section in draw(st.sets(st.sampled_from(["limits", "requests"]))):
            resources[section] = draw(st.dictionaries(st.sampled_from(["memory", "cpu"]), MEMORY, max_size=2))
        if resources:
            c["resources"] = resources
        containers.append(c)
    obj = deployment(draw(NAMES), draw(NAMES))
    obj["kind"] = kind
    obj["spec"]["template"]["spec"]["containers"] = containers
    if draw(st.booleans()):
        obj["spec"]["template"]["metadata"]["annotations"] = {"team": draw(NAMES)}
    if draw(st.booleans()):
        del obj["spec"]["replicas"]  # the API server would default it; builders must cope
    else:
        obj["spec"]["replicas"] = draw(st.integers(0, 50))
    obj["status"] = {"readyReplicas": draw(st.integers(0, 5))}
    return obj


def restores(before, plan) -> bool:
    after = apply_ops(before, plan.diff.patch)
    whole = apply_ops(after, plan.diff.rollback_patch)
    stepwise = before
    for step in plan.steps:
        stepwise = apply_ops(stepwise, step.patch)
    for step in reversed(plan.steps):
        stepwise = apply_ops(stepwise, step.rollback_patch)
    return whole == before and stepwise == before


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(obj=workloads(), replicas=st.integers(0, 100))
def test_scale_rollback_restores_before(obj, replicas):
    plan = build_scale(obj, replicas)
    assert apply_ops(obj, plan.diff.patch)["spec"]["replicas"] == replicas
    assert restores(obj, plan)


@FAST
@given(obj=workloads(), moment=st.datetimes(min_value=datetime(2020, 1, 1), timezones=st.just(UTC)))
def test_restart_rollback_restores_before(obj, moment):
    plan = build_restart(obj, moment)
    stamped = apply_ops(obj, plan.diff.patch)["spec"]["template"]["metadata"]["annotations"]
    assert stamped["kubectl.kubernetes.io/restartedAt"] == moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert restores(obj, plan)


@FAST
@given(obj=workloads(), data=st.data())
def test_set_image_rollback_restores_before(obj, data):
    container = data.draw(st.sampled_from([c["name"] for c in obj["spec"]["template"]["spec"]["containers"]]))
    plan = build_set_image(obj, container, data.draw(NAMES) + ":9")
    assert restores(obj, plan)


@FAST
@given(obj=workloads(), data=st.data())
def test_set_resources_rollback_restores_before(obj, data):
    container = data.draw(st.sampled_from([c["name"] for c in obj["spec"]["template"]["spec"]["containers"]]))
    limits = data.draw(st.dictionaries(st.sampled_from(["memory", "cpu"]), st.none() | MEMORY, min_size=1))
    requests = data.draw(st.dictionaries(st.sampled_from(["memory", "cpu"]), CPU, max_size=2))
    plan = build_set_resources(obj, container, limits=limits, requests=requests)
    after = apply_ops(obj, plan.diff.patch)
    target = next(c for c in after["spec"]["template"]["spec"]["containers"] if c["name"] == container)
    for name, value in limits.items():
        assert target.get("resources", {}).get("limits", {}).get(name) == value
    assert restores(obj, plan)


@FAST
@given(obj=workloads(), label=NAMES, value=NAMES)
def test_json_patch_rollback_restores_before(obj, label, value):
    patch = [{"op": "add", "path": f"/spec/template/metadata/labels/{label}", "value": value},
             {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "x:1"}]
    plan = build_json_patch(obj, patch)
    assert [op.model_dump() for op in plan.diff.patch] == patch  # a given patch is kept as given
    assert restores(obj, plan)


def test_container_edits_are_guarded_by_a_test_op_on_the_container_name():
    obj = deployment("web", container="web")
    obj["spec"]["template"]["spec"]["containers"].insert(0, {"name": "sidecar", "image": "envoy:1"})
    plan = build_set_image(obj, "web", "nginx:1.27-alpine")
    assert plan.diff.patch[0].model_dump() == {"op": "test", "path": "/spec/template/spec/containers/1/name",
                                               "value": "web"}
    reordered = copy.deepcopy(obj)
    reordered["spec"]["template"]["spec"]["containers"].reverse()
    with pytest.raises(Exception, match="test"):
        apply_ops(reordered, plan.diff.patch)  # the patch refuses to edit the wrong container


def test_delete_pod_has_a_delete_step_and_no_rollback():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "cart-1", "namespace": "dev", "uid": "p1",
                                                           "resourceVersion": "3"}, "spec": {"containers": []}}
    plan = build_delete_pod(pod)
    assert plan.action == "delete" and [s.action for s in plan.steps] == ["delete"]
    assert plan.diff.patch == [] and plan.diff.rollback_patch is None and plan.diff.before == pod
    with pytest.raises(PlanInvalid, match="needs a Pod"):
        build_delete_pod(deployment("cart"))


@pytest.mark.parametrize("call, message", [
    (lambda o: build_set_image(o, "nope", "x:1"), "no container 'nope' .*containers: app"),
    (lambda o: build_scale(o, -1), "0 or more"),
    (lambda o: build_set_resources(o, "app"), "needs limits or requests"),
    (lambda o: build_json_patch(o, [{"op": "remove", "path": "/spec/missing"}]), r"does not apply.*op 0"),
])
def test_builders_refuse_impossible_changes_with_the_reason(call, message):
    with pytest.raises(PlanInvalid, match=message):
        call(deployment("cart"))


def test_every_builder_on_live_fake_objects_yields_a_valid_plan():
    cluster = FakeCluster(deployment("cart"))
    dep = cluster.get("Deployment", "dev", "cart")
    pod = cluster.pods_of(type("R", (), {"kind": "Deployment", "namespace": "dev", "name": "cart"})())[0]
    plans = [build_scale(dep, 4), build_restart(dep), build_set_image(dep, "app", "example/app:2.0"),
             build_set_resources(dep, "app", limits={"memory": "256Mi"}), build_delete_pod(pod),
             build_json_patch(dep, [{"op": "replace", "path": "/spec/replicas", "value": 3}], "scale")]
    for plan in plans:
        validate_plan(plan, DEFAULT_WHITELIST)
        assert plan.resource.uid == plan.diff.before["metadata"]["uid"]
        assert plan.resource.resource_version == plan.diff.before["metadata"]["resourceVersion"]
        assert plan.audit.idempotency_key.startswith(f"{plan.action}-dev-")


def test_idempotency_key_is_the_same_for_the_same_change_to_the_same_version():
    dep = deployment("cart")
    assert build_scale(dep, 4).audit.idempotency_key == build_scale(dep, 4).audit.idempotency_key
    assert build_scale(dep, 4).audit.idempotency_key != build_scale(dep, 5).audit.idempotency_key
    newer = copy.deepcopy(dep)
    newer["metadata"]["resourceVersion"] = "2"
    assert build_scale(dep, 4).audit.idempotency_key != build_scale(newer, 4).audit.idempotency_key
