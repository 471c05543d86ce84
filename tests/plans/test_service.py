"""PlanService: propose → decide (injected approval) → execute, rejection, Ctrl-C, high-risk typing, rollback."""

from __future__ import annotations

import functools

import pytest

from kubecopilot.errors import Interrupted, PlanError, PlanInvalid, PlanNotApproved, PlanNotFound
from kubecopilot.plans.builders import build_delete_pod, build_scale, build_set_image, build_set_resources
from kubecopilot.plans.model import ApprovalDecision, ResourceRef

CART = ResourceRef(kind="Deployment", namespace="dev", name="cart")
WORKER = ResourceRef(kind="Deployment", namespace="dev", name="report-worker")
CHECKOUT = ResourceRef(kind="Deployment", namespace="production", name="checkout")


def yes(plan, typed=None):
    return ApprovalDecision(approved=True, by="user:alice", typed_name=typed)


def no(plan):
    return ApprovalDecision(approved=False, by="user:alice", reason="not during the release")


def events(ledger, plan):
    return [e.event for e in ledger.history(plan.plan_id)]


def test_propose_reads_fresh_validates_rates_and_records(service, cluster, ledger, clock):
    cluster.edit("Deployment", "dev", "cart", lambda o: o["spec"].update(replicas=4))  # newer than any cache
    plan = service.propose(CART, lambda obj: build_scale(obj, 10), ai_rationale="traffic spike",
                           source_prompt_id="plan-change@1.0.0", prompt_risk_tier="medium")
    assert plan.diff.before["spec"]["replicas"] == 4
    assert plan.audit.requested_by == "user:alice" and plan.audit.source_prompt_id == "plan-change@1.0.0"
    assert plan.audit.timestamps.created_at == clock.now() and plan.ai_rationale == "traffic spike"
    assert plan.risk.level == "medium" and any("riskTier is medium" in f for f in plan.risk.factors)
    assert events(ledger, plan) == ["created"] and service.get(plan.plan_id[:8]) == plan


def test_an_invalid_plan_is_never_recorded(service, ledger):
    with pytest.raises(PlanInvalid, match="delete Deployment is not on the action whitelist"):
        service.propose(CART, lambda obj: build_scale(obj, 3).model_copy(update={"action": "delete"}))
    assert ledger.history() == []


def test_approve_then_execute(service, cluster, ledger, approvals):
    plan = service.propose(WORKER, lambda o: build_set_resources(o, "worker", limits={"memory": "256Mi"}))
    assert service.decide(plan, yes) is True
    confirmed = service.get(plan.plan_id)
    assert confirmed.status == "confirmed" and confirmed.audit.confirmed_by == "user:alice"
    assert plan.plan_id not in approvals.grants  # the token is granted by the process that executes, when it does
    report = service.execute(plan)
    assert report.outcome == "executed" and report.verified
    assert approvals.grants[plan.plan_id].name == "report-worker"
    assert events(ledger, plan) == ["created", "confirmed", "executing", "executed"]
    assert plan.plan_id in approvals.revoked  # single use
    with pytest.raises(PlanNotApproved):
        service.execute(plan)


def test_reject_touches_nothing_and_is_recorded(service, cluster, ledger):
    plan = service.propose(CART, lambda o: build_scale(o, 3))
    assert service.decide(plan, no) is False
    assert cluster.writes == [] and service.get(plan.plan_id).status == "rejected"
    detail = ledger.history(plan.plan_id)[-1].detail
    assert detail.pop("signature")["decision"] == "reject" and detail == {"reason": "not during the release"}
    with pytest.raises(PlanNotApproved):
        service.execute(plan)


def test_no_approval_function_means_deny(service, ledger):
    plan = service.propose(CART, lambda o: build_scale(o, 3))
    assert service.decide(plan, None) is False
    last = ledger.history(plan.plan_id)[-1]
    assert (last.event, last.actor) == ("rejected", "system")


def test_ctrl_c_or_eof_at_the_prompt_leaves_the_plan_pending(service, ledger):
    plan = service.propose(CART, lambda o: build_scale(o, 3))

    def ctrl_c(plan):
        raise KeyboardInterrupt

    with pytest.raises(Interrupted, match="stays pending"):
        service.decide(plan, ctrl_c)
    assert service.decide(plan, lambda p: ApprovalDecision(approved=False, by="user:alice", interrupted=True)) is False
    assert service.get(plan.plan_id).status == "pending" and events(ledger, plan) == ["created"]


def test_high_risk_needs_the_resource_name_typed(service, ledger):
    plan = service.propose(CHECKOUT, lambda o: build_scale(o, 0))
    assert plan.risk.level == "high"
    assert service.decide(plan, functools.partial(yes, typed="checkuot")) is False
    assert ledger.history(plan.plan_id)[-1].detail["reason"].startswith("high risk: the typed name did not match")
    again = service.propose(CHECKOUT, lambda o: build_scale(o, 0))
    assert service.decide(again, functools.partial(yes, typed="checkout")) is True


def test_only_pending_plans_can_be_decided(service):
    plan = service.propose(CART, lambda o: build_scale(o, 3))
    service.decide(plan, no)
    with pytest.raises(PlanError, match="is rejected; only a pending plan"):
        service.decide(plan, yes)


def test_rollback_makes_a_new_plan_from_the_current_object(service, cluster, ledger):
    plan = service.propose(WORKER, lambda o: build_set_image(o, "worker", "example/worker:2"))
    assert plan.risk.level == "high"  # an image this workload never ran: the name must be typed
    service.decide(plan, functools.partial(yes, typed="report-worker"))
    service.execute(plan)
    cluster.edit("Deployment", "dev", "report-worker", lambda o: o["spec"].update(replicas=3))  # unrelated change
    undo = service.rollback(plan.plan_id[:8])
    assert undo.plan_id != plan.plan_id and undo.status == "pending" and undo.action == "update"
    assert undo.diff.before["spec"]["replicas"] == 3
    detail = ledger.history(undo.plan_id)[0].detail
    assert detail.pop("signature")["decision"] == "propose"
    assert detail == {"rollbackOf": plan.plan_id, "expiresAt": "2025-01-13T06:19:55.000Z"}
    assert f"Roll back plan {plan.plan_id}" in undo.ai_rationale
    service.decide(undo, functools.partial(yes, typed="report-worker"))  # the fake keeps no ReplicaSets: unknown
    service.execute(undo)
    now = cluster.get("Deployment", "dev", "report-worker")
    assert now["spec"]["template"]["spec"]["containers"][0]["image"] == "example/app:1.0"
    assert now["spec"]["replicas"] == 3  # the unrelated change survives


def test_rollback_refuses_what_cannot_be_rolled_back(service, cluster):
    pending = service.propose(CART, lambda o: build_scale(o, 3))
    with pytest.raises(PlanError, match="is pending; only an executed plan"):
        service.rollback(pending.plan_id)
    pod = cluster.pods_of(CART)[0]
    ref = ResourceRef(kind="Pod", namespace="dev", name=pod["metadata"]["name"])
    delete = service.propose(ref, build_delete_pod)
    service.decide(delete, yes)
    service.execute(delete)
    with pytest.raises(PlanError, match="a delete cannot be rolled back"):
        service.rollback(delete.plan_id)
    with pytest.raises(PlanNotFound):
        service.rollback("deadbeef")


def test_rollback_after_someone_already_undid_it_says_nothing_to_do(service, cluster):
    plan = service.propose(CART, lambda o: build_scale(o, 3))
    service.decide(plan, yes)
    service.execute(plan)
    cluster.edit("Deployment", "dev", "cart", lambda o: o["spec"].update(replicas=2))
    with pytest.raises(PlanError, match="nothing to roll back"):
        service.rollback(plan.plan_id)


def test_namespace_labels_feed_the_risk_rules(cluster, ledger, clock):
    from kubecopilot.config import DEFAULT_WHITELIST
    from kubecopilot.plans.service import PlanService

    cluster.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev", "labels": {"env": "production"}}})
    service = PlanService(cluster, ledger, cluster.approvals, whitelist=DEFAULT_WHITELIST, user="alice",
                          clock=clock.now)
    plan = service.propose(CART, lambda o: build_scale(o, 3))
    assert "namespace dev is production-like (label env=production)" in plan.risk.factors
