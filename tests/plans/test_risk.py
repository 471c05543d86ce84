"""Each risk rule fires on its condition and only then; levels, scores and post-conditions follow the data."""

from __future__ import annotations

import pytest

from kubecopilot.errors import ConfigError
from kubecopilot.plans.builders import build_delete_pod, build_json_patch, build_restart, build_scale, build_set_image, build_set_resources
from kubecopilot.plans.risk import RiskContext, RuleSet, assess, load_rules

from .fakes import deployment

OWNED_POD = {"kind": "Pod", "metadata": {"name": "cart-abc", "namespace": "dev", "uid": "p1",
                                         "ownerReferences": [{"kind": "ReplicaSet", "name": "cart-rs",
                                                              "controller": True}]}, "spec": {}}


def test_a_small_reversible_change_in_dev_is_low_risk():
    risk = assess(build_set_resources(deployment("report-worker", replicas=1), "app", limits={"memory": "256Mi"}))
    assert (risk.level, risk.score, risk.factors) == ("low", 0.05, [])
    assert "reversible change outside production" in risk.rationale
    assert risk.post_conditions == ["1/1 replicas Ready with the new pod template within 60s"]


@pytest.mark.parametrize("namespace, labels, fires", [
    ("production", {}, True), ("prod", {}, True), ("payments-prod", {}, True), ("prod-eu", {}, True),
    ("team-a", {"env": "production"}, True), ("team-a", {"environment": "Prod"}, True),
    ("dev", {}, False), ("product", {}, False), ("team-a", {"env": "staging"}, False),
])
def test_production_like_namespace_by_name_or_label(namespace, labels, fires):
    plan = build_restart(deployment("cart", namespace))
    risk = assess(plan, RiskContext(namespace_labels=labels))
    assert any("production-like" in f for f in risk.factors) is fires
    if fires:
        assert risk.level in ("medium", "high")


def test_delete_of_a_controller_owned_pod_is_medium_and_promises_a_replacement():
    risk = assess(build_delete_pod(OWNED_POD))
    assert risk.level == "medium" and any(f.startswith("deletes Pod cart-abc") for f in risk.factors)
    assert not any("cannot be rolled back" in f for f in risk.factors)  # its ReplicaSet brings it back
    assert risk.post_conditions == ["pod cart-abc replaced by its ReplicaSet and Running within 60s"]


def test_delete_of_an_unowned_pod_cannot_be_rolled_back():
    bare = {"kind": "Pod", "metadata": {"name": "debug", "namespace": "dev"}, "spec": {}}
    risk = assess(build_delete_pod(bare))
    assert "cannot be rolled back" in risk.factors and risk.post_conditions == ["pod debug gone within 60s"]


def test_delete_in_production_is_high():
    pod = {**OWNED_POD, "metadata": {**OWNED_POD["metadata"], "namespace": "production"}}
    assert assess(build_delete_pod(pod)).level == "high"


def test_scale_to_zero_is_high_whatever_the_score():
    risk = assess(build_scale(deployment("cart", replicas=2), 0))
    assert risk.level == "high" and "scales Deployment cart to 0 replicas: it stops serving (was 2)" in risk.factors
    assert risk.post_conditions == ["no pods of Deployment cart left within 60s"]


@pytest.mark.parametrize("old, new, fires", [(2, 5, True), (2, 4, False), (10, 4, True), (10, 5, False),
                                             (0, 3, True), (3, 3, False)])
def test_scaling_by_more_than_twice_up_or_down(old, new, fires):
    risk = assess(build_json_patch(deployment("cart", replicas=old),
                                   [{"op": "add", "path": "/metadata/labels/x", "value": "y"},
                                    {"op": "replace", "path": "/spec/replicas", "value": new}], "scale"))
    assert any(f.startswith("changes replicas by more than 2×") for f in risk.factors) is fires


def test_an_image_a_revision_already_ran_is_medium_and_any_other_is_high():
    plan = build_set_image(deployment("web", image="nginx:1.25"), "app", "nginx:1.27-alpine")
    ran = {"spec": {"containers": [{"name": "app", "image": "nginx:1.27-alpine"}]}}
    risk = assess(plan, RiskContext(revision_templates=(ran,)))
    assert "changes the image of container app (nginx:1.25 → nginx:1.27-alpine)" in risk.factors
    assert risk.level == "medium"
    never = assess(plan)
    assert never.level == "high" and any(f.startswith("changes an image this workload never ran") for f in never.factors)


@pytest.mark.parametrize("limits, requests, fires", [
    ({"memory": "64Mi"}, None, True), ({"memory": "1Gi"}, None, False), (None, {"cpu": "50m"}, False),
    ({"cpu": "250m"}, None, True),
])
def test_memory_or_cpu_decrease(limits, requests, fires):
    obj = deployment("cart", memory="128Mi")
    obj["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"] = "500m"
    risk = assess(build_set_resources(obj, "app", limits=limits, requests=requests))
    assert any(f.startswith("lowers the") for f in risk.factors) is fires


def test_no_rollback_possible_on_a_reversible_action_without_rollback_patch():
    plan = build_scale(deployment("cart"), 3)
    plan = plan.model_copy(update={"diff": plan.diff.model_copy(update={"rollback_patch": None})})
    risk = assess(plan)
    assert "cannot be rolled back" in risk.factors and risk.level == "medium"


@pytest.mark.parametrize("tier, level", [("high", "high"), ("medium", "medium"), ("low", "low"), (None, "low")])
def test_the_prompts_risk_tier_sets_a_floor(tier, level):
    risk = assess(build_restart(deployment("cart", replicas=1)), RiskContext(prompt_risk_tier=tier))
    assert risk.level == level
    assert any("riskTier" in f for f in risk.factors) is (tier in ("high", "medium"))


def test_many_pods_affected():
    assert "affects 12 pods" in assess(build_restart(deployment("cart", replicas=12))).factors
    assert not any(f.startswith("affects") for f in assess(build_restart(deployment("cart", replicas=9))).factors)
    assert "affects 30 pods" in assess(build_restart(deployment("cart")), RiskContext(pods_affected=30)).factors


def test_scores_combine_and_stay_within_bounds():
    obj = deployment("checkout", "production", replicas=40)
    plan = build_scale(obj, 0)
    risk = assess(plan, RiskContext(prompt_risk_tier="high"))
    # production 0.4, scale-to-zero 0.6, prompt tier 0.4, 40 pods 0.2 on top of the 0.05 base
    assert risk.score == round(1 - 0.95 * 0.6 * 0.4 * 0.6 * 0.8, 3) and risk.level == "high"
    assert len(risk.factors) == 4
    assert risk.rationale.startswith("High risk (score")


def test_a_rule_file_with_an_unknown_condition_is_refused():
    data = load_rules().model_dump()
    data["rules"].append({"id": "x", "when": {"type": "moon_phase"}, "weight": 0.1, "factor": "f"})
    with pytest.raises(ConfigError, match="unknown condition type 'moon_phase'"):
        RuleSet.model_validate(data).check()


def test_rules_are_data_a_custom_set_changes_the_outcome():
    data = load_rules().model_dump()
    data["thresholds"] = {"medium": 0.01, "high": 0.02}
    risk = assess(build_restart(deployment("cart", replicas=1)), rules=RuleSet.model_validate(data).check())
    assert risk.level == "high"


def test_changed_leaves_sees_through_how_a_patch_is_spelled():
    from kubecopilot.plans.safe_changes import changed_leaves

    before = {"spec": {"containers": [{"name": "a", "image": "x:1"}], "replicas": 1}}
    after = {"spec": {"containers": [{"name": "a", "image": "x:1"}, {"name": "b", "image": "y"}], "replicas": 1,
                      "hostNetwork": True, "volumes": []}}
    assert changed_leaves(before, after) == {"/spec/containers/1/image": (None, "y"),
                                             "/spec/containers/1/name": (None, "b"),
                                             "/spec/hostNetwork": (None, True), "/spec/volumes": (None, [])}
    assert changed_leaves(after, before)["/spec/hostNetwork"] == (True, None)


def test_a_template_that_becomes_one_of_the_workloads_revisions_is_known():
    obj = deployment("web", image="web:2")
    obj["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "MODE", "value": "new"}]
    old = {"metadata": {"labels": {"app": "web", "pod-template-hash": "abc"}},
           "spec": {"containers": [{"name": "app", "image": "web:1", "resources": {"limits": {"memory": "128Mi"}}}]}}
    patch = [{"op": "replace", "path": "/spec/template/spec", "value": old["spec"]}]
    assert assess(build_json_patch(obj, patch), RiskContext(revision_templates=(old,))).level != "high"
    assert assess(build_json_patch(obj, patch)).level == "high"  # no revision known: env and image are not safe


def test_only_a_controller_reference_with_the_owners_uid_makes_a_revision():
    from kubecopilot.k8s import controlled_by, previous_revision

    dep = {"kind": "Deployment", "metadata": {"name": "web", "uid": "u-1",
                                              "annotations": {"deployment.kubernetes.io/revision": "3"}}}

    def rs(name, revision, **ref):
        return {"kind": "ReplicaSet", "metadata": {"name": name, "annotations": {
            "deployment.kubernetes.io/revision": str(revision)}, "ownerReferences": [
            {"kind": "Deployment", "name": "web", "controller": True, **ref}]}}

    real, by_name, other_uid = rs("web-a", 1, uid="u-1"), rs("web-evil", 2), rs("web-b", 2, uid="u-9")
    assert controlled_by(real, dep) and not controlled_by(by_name, dep) and not controlled_by(other_uid, dep)
    assert previous_revision(dep, [by_name, other_uid, real]) is real
