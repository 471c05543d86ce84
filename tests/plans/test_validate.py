"""validate_plan: every rejection says why; a valid plan passes unchanged."""

from __future__ import annotations

import json

import pytest

from kubecopilot.config import DEFAULT_WHITELIST
from kubecopilot.errors import NothingToChange, PlanInvalid
from kubecopilot.plans.builders import build_delete_pod, build_scale, build_set_image, build_set_resources
from kubecopilot.plans.model import OperationPlan
from kubecopilot.plans.validate import validate_plan

from .fakes import deployment


def wire(plan: OperationPlan) -> dict:
    return json.loads(plan.to_json())


@pytest.fixture
def scale():
    return build_scale(deployment("cart"), 4)


def test_a_valid_plan_passes_and_comes_back_as_a_model(scale):
    assert validate_plan(wire(scale), DEFAULT_WHITELIST) == scale


def test_schema_errors_name_the_field(scale):
    data = wire(scale)
    data["risk"]["level"] = "extreme"
    with pytest.raises(PlanInvalid, match=r"schema: risk\.level"):
        validate_plan(data, DEFAULT_WHITELIST)


def test_an_unknown_schema_version_is_refused(scale):
    with pytest.raises(PlanInvalid, match="version '2' is not supported"):
        validate_plan(wire(scale) | {"version": "2"}, DEFAULT_WHITELIST)


@pytest.mark.parametrize("action, kind", [("delete", "Deployment"), ("scale", "DaemonSet"), ("update", "Pod")])
def test_pairs_off_the_whitelist_are_refused(action, kind):
    obj = deployment("x")
    obj["kind"] = kind
    plan = build_scale(obj, 3).model_copy(update={"action": action})
    with pytest.raises(PlanInvalid, match=f"{action} {kind} is not on the action whitelist"):
        validate_plan(plan, DEFAULT_WHITELIST)


def test_the_whitelist_comes_from_settings(scale):
    with pytest.raises(PlanInvalid, match="not on the action whitelist") as info:
        validate_plan(scale, [("restart", "Deployment")])
    assert "allowed: restart Deployment" in info.value.hint


@pytest.mark.parametrize("path", ["/metadata/uid", "/metadata/resourceVersion", "/metadata/ownerReferences",
                                  "/metadata/managedFields/0", "/metadata/creationTimestamp", "/status",
                                  "/status/readyReplicas"])
def test_protected_paths_are_refused_with_the_op(path):
    data = wire(build_scale(deployment("cart"), 4))
    op = {"op": "add", "path": path, "value": "x"}
    data["diff"]["patch"].append(op)
    data["steps"][0]["patch"].append(op)
    with pytest.raises(PlanInvalid, match=f"op 1 \\(add {path}\\) touches"):
        validate_plan(data, DEFAULT_WHITELIST)


def test_a_patch_that_does_not_apply_names_the_op_and_path():
    data = wire(build_scale(deployment("cart"), 4))
    bad = {"op": "replace", "path": "/spec/template/spec/containers/3/image", "value": "x"}
    data["diff"]["patch"].append(bad)
    data["steps"][0]["patch"].append(bad)
    with pytest.raises(PlanInvalid, match=r"replace /spec/template/spec/containers/3/image does not apply .*op 1"):
        validate_plan(data, DEFAULT_WHITELIST)


def test_steps_must_add_up_to_the_diff_shown():
    data = wire(build_scale(deployment("cart"), 4))
    data["steps"][0]["patch"][0]["value"] = 40
    with pytest.raises(PlanInvalid, match="do not add up to diff.patch"):
        validate_plan(data, DEFAULT_WHITELIST)


def test_a_reversible_plan_needs_a_rollback_that_restores_before():
    data = wire(build_set_image(deployment("cart"), "app", "x:2"))
    data["diff"]["rollbackPatch"] = None
    with pytest.raises(PlanInvalid, match="must carry a rollback"):
        validate_plan(data, DEFAULT_WHITELIST)
    data = wire(build_set_image(deployment("cart"), "app", "x:2"))
    for holder in (data["diff"], data["steps"][0]):
        holder["rollbackPatch"][-1]["value"] = "something:else"
    with pytest.raises(PlanInvalid, match="does not restore the object"):
        validate_plan(data, DEFAULT_WHITELIST)


def test_a_plan_that_changes_nothing_is_nothing_to_change_not_an_invalid_plan():
    with pytest.raises(NothingToChange, match="changes nothing: Deployment dev/cart already looks like that"):
        validate_plan(build_set_resources(deployment("cart"), "app", limits={"memory": "128Mi"}), DEFAULT_WHITELIST)


def test_the_resource_must_be_the_object_in_the_snapshot(scale):
    data = wire(scale)
    data["resource"]["name"] = "other"
    with pytest.raises(PlanInvalid, match="resource.name is 'other' but the snapshot is of 'cart'"):
        validate_plan(data, DEFAULT_WHITELIST)
    data = wire(scale)
    data["resource"]["resourceVersion"] = "999"
    with pytest.raises(PlanInvalid, match="resource_version '999' does not match"):
        validate_plan(data, DEFAULT_WHITELIST)


def test_a_delete_step_is_only_allowed_in_a_delete_plan():
    pod = {"kind": "Pod", "metadata": {"name": "p", "namespace": "dev"}, "spec": {}}
    validate_plan(build_delete_pod(pod), DEFAULT_WHITELIST)
    data = wire(build_scale(deployment("cart"), 4))
    data["steps"].append({"id": "step-2", "action": "delete", "description": "sneaky"})
    with pytest.raises(PlanInvalid, match="step step-2 deletes, but the plan's action is scale"):
        validate_plan(data, DEFAULT_WHITELIST)


def test_a_plan_without_a_before_snapshot_is_refused(scale):
    data = wire(scale)
    data["diff"]["before"] = None
    with pytest.raises(PlanInvalid, match="no before snapshot"):
        validate_plan(data, DEFAULT_WHITELIST)
