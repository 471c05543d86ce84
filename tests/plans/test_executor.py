"""PlanExecutor against the in-memory cluster: drift, idempotency, failure → rollback, Ctrl-C, verification."""

from __future__ import annotations

import pytest

from kubecopilot.config import DEFAULT_WHITELIST
from kubecopilot.errors import Interrupted, PlanDrifted, PlanExecutionFailed, PlanNotApproved
from kubecopilot.plans.builders import build_delete_pod, build_scale, build_set_image, build_set_resources
from kubecopilot.plans.executor import PlanExecutor, drift_paths
from kubecopilot.plans.model import Diff, OperationPlan, ResourceRef
from kubecopilot.plans.patches import apply_ops
from kubecopilot.plans.validate import validate_plan

from .fakes import FakeCluster, deployment


@pytest.fixture
def executor(cluster, ledger, clock):
    return PlanExecutor(cluster, ledger, clock=clock.monotonic, sleep=clock.sleep, now=clock.now,
                        verify_timeout=30, poll_interval=2)


def approved(plan: OperationPlan, cluster: FakeCluster):
    ref = plan.resource
    token = cluster.approvals.grant(plan.plan_id, kind=ref.kind, namespace=ref.namespace, name=ref.name)
    return plan.transition("confirmed", confirmed_by="user:alice"), token


def two_step_plan(obj) -> OperationPlan:
    """Raise the memory limit (step 1), then change the image (step 2)."""
    first = build_set_resources(obj, "worker", limits={"memory": "256Mi"})
    second = build_set_image(apply_ops(obj, first.diff.patch), "worker", "example/worker:2")
    step2 = second.steps[0].model_copy(update={"id": "step-2"})
    diff = Diff(before=obj, patch=[*first.diff.patch, *second.diff.patch],
                rollback_patch=[*second.diff.rollback_patch, *first.diff.rollback_patch])
    return validate_plan(first.model_copy(update={"steps": [first.steps[0], step2], "diff": diff}), DEFAULT_WHITELIST)


def events(ledger, plan):
    return [e.event for e in ledger.history(plan.plan_id)]


def spec_of(cluster, name="report-worker"):
    """What a rollback must restore: spec and labels (controllers may note a new revision in annotations)."""
    obj = cluster.get("Deployment", "dev", name)
    return obj["spec"], obj["metadata"].get("labels")


def test_an_approved_plan_runs_records_and_verifies(cluster, ledger, executor):
    plan, token = approved(build_set_resources(cluster.get("Deployment", "dev", "report-worker"), "worker",
                                               limits={"memory": "256Mi"}), cluster)
    report = executor.execute(plan, token)
    assert report.outcome == "executed" and report.verified is True and report.applied_steps == ["step-1"]
    assert report.conditions[0].detail == "2/2 replicas Ready"
    assert report.conditions[0].text == plan.risk.post_conditions[0]
    limits = cluster.get("Deployment", "dev", "report-worker")["spec"]["template"]["spec"]["containers"][0]
    assert limits["resources"]["limits"]["memory"] == "256Mi"
    assert events(ledger, plan) == ["executing", "executed"]
    assert ledger.latest(plan.plan_id).status == "executed" and report.plan.audit.timestamps.executed_at


def test_a_plan_that_is_not_confirmed_never_runs(cluster, executor):
    plan = build_scale(cluster.get("Deployment", "dev", "cart"), 3)
    with pytest.raises(PlanNotApproved, match="is pending"):
        executor.execute(plan, None)
    assert cluster.writes == []


def test_drift_in_the_spec_aborts_before_any_write(cluster, ledger, executor):
    plan, token = approved(build_scale(cluster.get("Deployment", "dev", "cart"), 3), cluster)
    cluster.edit("Deployment", "dev", "cart", lambda o: o["spec"]["template"]["spec"]["containers"][0].update(
        image="example/app:hotfix"))
    with pytest.raises(PlanDrifted, match=r"Deployment dev/cart changed since the plan was made "
                                          r"\(/spec/template/spec/containers/0/image\); nothing was applied"):
        executor.execute(plan, token)
    assert cluster.writes == []
    entry = ledger.history(plan.plan_id)[-1]
    assert (entry.event, entry.detail["reason"]) == ("failed", "drifted")


def test_a_label_change_is_drift_too(cluster, executor):
    plan, token = approved(build_scale(cluster.get("Deployment", "dev", "cart"), 3), cluster)
    cluster.edit("Deployment", "dev", "cart", lambda o: o["metadata"]["labels"].update(owner="bob"))
    with pytest.raises(PlanDrifted, match="/metadata/labels/owner"):
        executor.execute(plan, token)


def test_status_only_churn_is_not_drift(cluster, executor):
    plan, token = approved(build_scale(cluster.get("Deployment", "dev", "cart"), 3), cluster)
    cluster.edit("Deployment", "dev", "cart", lambda o: o["status"].update(readyReplicas=1))  # bumps resourceVersion
    assert executor.execute(plan, token).outcome == "executed"


def test_a_recreated_object_is_drift():
    before = deployment("cart", uid="uid-1")
    assert drift_paths(before, deployment("cart", uid="uid-2")) == [
        "/metadata/uid (the object was deleted and recreated)"]


def test_an_executed_idempotency_key_never_runs_again(cluster, ledger, executor):
    obj = cluster.get("Deployment", "dev", "cart")
    plan, token = approved(build_scale(obj, 3), cluster)
    assert executor.execute(plan, token).outcome == "executed"
    again = executor.execute(plan, token)
    twin, twin_token = approved(build_scale(obj, 3), cluster)  # a second plan for the very same change
    other = executor.execute(twin, twin_token)
    assert again.outcome == other.outcome == "already-executed"
    assert f"by plan {plan.plan_id}" in other.message
    assert len(cluster.writes) == 1


def test_a_failing_second_step_rolls_back_the_first(cluster, ledger, executor):
    before = spec_of(cluster)
    plan, token = approved(two_step_plan(cluster.get("Deployment", "dev", "report-worker")), cluster)
    cluster.fail_on_write = 2
    report = executor.execute(plan, token)
    assert report.outcome == "reverted" and report.rolled_back_steps == ["step-1"]
    assert "admission webhook denied write #2" in report.error
    assert [w[0] for w in cluster.writes] == ["patch", "patch", "patch"]  # step 1, step 2 (refused), undo step 1
    assert spec_of(cluster) == before
    assert events(ledger, plan) == ["executing", "failed", "reverted"]
    assert ledger.latest(plan.plan_id).audit.timestamps.reverted_at is not None


def test_a_step_the_server_refused_but_applied_is_read_back_and_rolled_back(cluster, ledger, executor):
    before = spec_of(cluster, "cart")
    plan, token = approved(build_scale(cluster.get("Deployment", "dev", "cart"), 3), cluster)
    cluster.land_then_refuse_on_write = 1  # the server applied it, then answered with an error
    report = executor.execute(plan, token)
    assert report.outcome == "reverted" and report.rolled_back_steps == ["step-1"]
    assert spec_of(cluster, "cart") == before
    failed = ledger.history(plan.plan_id)[1]
    assert (failed.event, failed.detail["outcome"], failed.detail["serverShows"]) == (
        "failed", "applied", {"/spec/replicas": 3})


def test_a_step_the_server_refused_is_not_applied_and_the_ledger_says_so(cluster, ledger, executor):
    plan, token = approved(build_scale(cluster.get("Deployment", "dev", "cart"), 3), cluster)
    cluster.fail_on_write = 1
    assert executor.execute(plan, token).outcome == "reverted"
    failed = ledger.history(plan.plan_id)[1]
    assert (failed.detail["outcome"], failed.detail["serverShows"]) == ("not applied", {"/spec/replicas": 2})


def test_a_write_whose_answer_was_lost_but_landed_counts_as_applied(cluster, ledger, executor):
    plan, token = approved(build_scale(cluster.get("Deployment", "dev", "cart"), 3), cluster)
    cluster.land_then_fail_on_write = 1  # the server applied it; the answer was lost (timeout)
    report = executor.execute(plan, token)
    assert report.outcome == "executed" and report.applied_steps == ["step-1"] and len(cluster.writes) == 1
    assert "step-1: applied (its answer was lost" in report.message
    assert cluster.get("Deployment", "dev", "cart")["spec"]["replicas"] == 3
    assert ledger.history(plan.plan_id)[-1].detail["readBack"]["step-1"].startswith("applied")


def test_a_write_whose_answer_was_lost_and_that_never_showed_is_unknown(cluster, ledger, executor, clock):
    from kubecopilot.errors import WriteOutcomeUnknown

    plan, token = approved(build_scale(cluster.get("Deployment", "dev", "cart"), 3), cluster)
    cluster.lose_on_write = 1
    with pytest.raises(WriteOutcomeUnknown, match=r"whether it is applied is unknown: the server shows "
                                                  r"/spec/replicas = 2 \(not visible after 30 s; it may still be "
                                                  r"applied\)"):
        executor.execute(plan, token)
    assert clock.sleeps and sum(clock.sleeps) == 30  # read back every 2 s for the settle time, not once
    assert events(ledger, plan) == ["executing", "failed"]  # not "reverted": nothing says it did not land
    detail = ledger.history(plan.plan_id)[-1].detail
    assert (detail["outcome"], detail["serverShows"], detail["step"]) == ("unknown", {"/spec/replicas": 2}, "step-1")
    assert len(cluster.writes) == 1  # no rollback write raced it


def test_ctrl_c_mid_execution_rolls_back_and_says_so(cluster, ledger, executor):
    before = spec_of(cluster)
    plan, token = approved(two_step_plan(cluster.get("Deployment", "dev", "report-worker")), cluster)
    cluster.interrupt_on_write = 2
    with pytest.raises(Interrupted, match=r"the applied steps were rolled back \(step-1\)"):
        executor.execute(plan, token)
    assert spec_of(cluster) == before
    assert events(ledger, plan) == ["executing", "failed", "reverted"]
    assert ledger.history(plan.plan_id)[1].detail["error"] == "interrupted (Ctrl-C)"


def test_an_incomplete_rollback_is_an_error_that_names_the_step(cluster, ledger, executor):
    plan, token = approved(two_step_plan(cluster.get("Deployment", "dev", "report-worker")), cluster)
    cluster.fail_on_write = 2
    original_count = cluster._count_write

    def fail_undo_too(what, ref, patch):
        number = original_count(what, ref, patch)
        if number == 3:
            raise RuntimeError("apiserver unavailable")
        return number
    cluster._count_write = fail_undo_too
    with pytest.raises(PlanExecutionFailed, match="rollback is incomplete: step-1: apiserver unavailable"):
        executor.execute(plan, token)
    last = ledger.history(plan.plan_id)[-1]
    assert (last.event, last.detail["rollback_failed"]) == ("failed", ["step-1: apiserver unavailable"])


def test_unmet_post_conditions_are_reported_after_a_bounded_wait(cluster, executor, clock):
    cluster.healthy = lambda pod: False
    plan, token = approved(build_scale(cluster.get("Deployment", "dev", "cart"), 3), cluster)
    report = executor.execute(plan, token)
    assert report.outcome == "executed" and report.verified is False
    assert report.conditions[0].detail == "0/3 replicas Ready (CrashLoopBackOff)"
    assert clock.t == 30 and clock.sleeps == [2] * 15  # polled every 2 s until the 30 s budget, never longer


def test_a_deleted_pod_is_verified_replaced(cluster, executor):
    pod = cluster.pods_of(ResourceRef(kind="Deployment", namespace="dev", name="cart"))[0]
    plan, token = approved(build_delete_pod(pod), cluster)
    report = executor.execute(plan, token)
    assert report.verified is True and report.conditions[0].detail.startswith("replaced by cart-rs-")
    assert [w[0] for w in cluster.writes] == ["delete"]


def test_scaling_to_zero_is_verified_by_no_pods_left(cluster, executor):
    plan, token = approved(build_scale(cluster.get("Deployment", "dev", "cart"), 0), cluster)
    report = executor.execute(plan, token)
    assert report.verified is True and report.conditions[0].detail == "no pods left"


def test_writes_carry_the_approval_and_the_gateway_refuses_without(cluster, executor):
    plan, _ = approved(build_scale(cluster.get("Deployment", "dev", "cart"), 3), cluster)
    report = executor.execute(plan, approval=None)
    assert report.outcome == "reverted" and "no valid approval" in report.error
