"""Approval tokens are bound to the plan's exact calls, and every plan is validated again right before it runs.

The token of an approved "scale report-worker" plan is taken from the registry and tried on other calls; plans in
the ledger are forged the way someone with write access to the database could. Effects are read from the sandbox.
"""

from __future__ import annotations

import pytest

from kubecopilot.errors import ApprovalNotVerified, WriteRefused
from kubecopilot.plans.builders import build_scale
from kubecopilot.plans.model import ApprovalDecision, ResourceRef

from .conftest import deployment

WORKER = ResourceRef(kind="Deployment", namespace="dev", name="report-worker")
PROD_CART = ResourceRef(kind="Deployment", namespace="production", name="cart-service")


def yes(plan):
    return ApprovalDecision(approved=True, by="user:alice", typed_name=plan.resource.name)


def approved_scale(service, ref, replicas):
    plan = service.propose(ref, lambda obj: build_scale(obj, replicas))
    assert service.decide(plan, yes)
    return plan


@pytest.fixture
def attack_with_token(gateway, monkeypatch):
    """While the plan service executes a plan, use the token it was just granted for other calls (the token
    exists only during the execution); record what each attempt raised."""
    outcomes: dict = {}
    attempts: list = []
    real = gateway.approvals.grant

    def grant_then_attack(*args, **kwargs):
        token = real(*args, **kwargs)
        for label, tool, call_args in attempts:
            try:
                gateway.call(tool, call_args, approval=token)
                outcomes[label] = None
            except WriteRefused as exc:
                outcomes[label] = exc
        return token

    monkeypatch.setattr(gateway.approvals, "grant", grant_then_attack)
    return attempts, outcomes


OTHER_CALLS = {
    "another tool on the same resource": ("set_deployment_image", {
        "namespace": "dev", "deployment_name": "report-worker", "container": "report-worker", "image": "evil:1"}),
    "a delete of the same resource": ("delete_resource", {"kind": "Deployment", "namespace": "dev",
                                                          "name": "report-worker"}),
    "the same tool with other arguments": ("scale_deployment", {"namespace": "dev", "deployment_name": "report-worker",
                                                               "replicas": 40}),
    "a patch that is not the plan's": ("patch_resource", {"kind": "Deployment", "namespace": "dev",
                                                          "name": "report-worker", "patch": [
                                                              {"op": "replace", "path": "/spec/replicas",
                                                               "value": 2}, {"op": "add", "path":
                                                               "/spec/template/spec/hostNetwork", "value": True}]}),
}


@pytest.mark.parametrize("case", sorted(OTHER_CALLS))
def test_a_token_covers_only_the_calls_of_its_plan(service, server, attack_with_token, case):
    attempts, outcomes = attack_with_token
    tool, args = OTHER_CALLS[case]
    attempts.append((case, tool, args))
    plan = approved_scale(service, WORKER, 2)
    assert service.execute(plan.plan_id).outcome == "executed"  # the plan's own call still passes
    refused = outcomes[case]
    assert isinstance(refused, WriteRefused) and refused.details["reason"] in ("not_in_plan", "wrong_target")
    after = deployment(server, "report-worker")
    assert after["spec"]["replicas"] == 2 and "hostNetwork" not in after["spec"]["template"]["spec"]
    assert after["spec"]["template"]["spec"]["containers"][0]["image"] != "evil:1"


def test_a_token_without_a_cluster_is_refused_on_another_cluster(service, server, attack_with_token):
    attempts, outcomes = attack_with_token
    args = {"namespace": "production", "deployment_name": "cart-service", "replicas": 4, "cluster": "prod-cluster"}
    attempts.append(("prod", "scale_deployment", args))
    prod = deployment(server, "cart-service", "production", cluster="prod-cluster")
    plan = approved_scale(service, PROD_CART, 4)  # production/cart-service of the default cluster (3 → 4)
    service.execute(plan.plan_id)
    assert isinstance(outcomes["prod"], WriteRefused)
    assert deployment(server, "cart-service", "production", cluster="prod-cluster") == prod


def forge(ledger, plan, event, patch, status=None):
    """Append a row that changes the plan's patch (and keeps its claimed risk): the hash chain stays valid."""
    data = plan.to_dict()
    data["steps"][0]["patch"] = data["diff"]["patch"] = [dict(op) for op in patch]
    data["status"] = status or plan.status
    forged = type(plan).model_validate(data)
    ledger.append(forged, event, "user:mallory")
    return forged


OWNER = [{"op": "add", "path": "/metadata/ownerReferences",
          "value": [{"apiVersion": "v1", "kind": "Namespace", "name": "dev", "uid": "x", "controller": True}]}]


def test_a_forged_pending_plan_is_refused_before_anyone_is_asked(service, ledger, server):
    plan = service.propose(WORKER, lambda obj: build_scale(obj, 2))
    forge(ledger, plan, "created", OWNER)
    asked = []
    with pytest.raises(ApprovalNotVerified, match=r"created → created.*\(created by user:mallory\): it is not signed"):
        service.decide(plan, lambda p: asked.append(p) or yes(p))
    assert asked == []
    assert "ownerReferences" not in deployment(server, "report-worker")["metadata"]


def test_a_plan_forged_after_approval_is_refused_before_it_runs(service, ledger, server):
    plan = approved_scale(service, WORKER, 2)
    confirmed = ledger.latest(plan.plan_id)
    forge(ledger, confirmed, "confirmed", OWNER, status="confirmed")
    before = deployment(server, "report-worker")
    with pytest.raises(ApprovalNotVerified, match=r"confirmed → confirmed.*\(confirmed by user:mallory\): it is not "
                                                  "signed"):
        service.execute(plan.plan_id)
    assert deployment(server, "report-worker") == before


def test_a_forged_plan_claiming_low_risk_for_a_high_risk_change_is_refused(service, ledger, server):
    plan = approved_scale(service, WORKER, 2)
    confirmed = ledger.latest(plan.plan_id)
    zero = [{"op": "replace", "path": "/spec/replicas", "value": 0}]
    forged = forge(ledger, confirmed, "confirmed", zero, status="confirmed")
    assert forged.risk.level != "high"
    with pytest.raises(ApprovalNotVerified, match="not signed"):
        service.execute(plan.plan_id)
    assert deployment(server, "report-worker")["spec"]["replicas"] == 1
