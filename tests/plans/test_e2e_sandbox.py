"""End to end: the sandbox served over real SSE on loopback, the real gateway (write gate, approvals), ClusterOps,
PlanService and the audit ledger. The OOMKilled report-worker gets a plan to raise its memory limit."""

from __future__ import annotations

import json

import pytest

from kubecopilot.config import load_settings
from kubecopilot.errors import PlanDrifted, WriteRefused
from kubecopilot.plans.builders import build_delete_pod, build_restart, build_scale, build_set_resources
from kubecopilot.plans.executor import PlanExecutor
from kubecopilot.plans.ledger import AuditLedger
from kubecopilot.plans.model import ApprovalDecision, ResourceRef
from kubecopilot.plans.service import PlanService
from kubecopilot.plans.verify import is_ready

from .conftest import FakeClock

runner = pytest.importorskip("kubecopilot.sandbox.runner")
factory = pytest.importorskip("kubecopilot.tools.factory")
tools_ops = pytest.importorskip("kubecopilot.tools.ops")

WORKER = ResourceRef(kind="Deployment", namespace="dev", name="report-worker")
CART = ResourceRef(kind="Deployment", namespace="dev", name="cart-service-v1")


def yes(plan):
    return ApprovalDecision(approved=True, by="user:alice")


def no(plan):
    return ApprovalDecision(approved=False, by="user:alice", reason="not now")


@pytest.fixture(scope="module")
def sandbox():
    handle = runner.start_sandbox("default")
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def gateway(sandbox):
    gw = factory.connect_gateway(load_settings(), url=sandbox.url)
    yield gw
    gw.close()


@pytest.fixture
def world(sandbox):
    sandbox.cluster.reset()  # every test starts from the scenario as shipped
    return sandbox.cluster


@pytest.fixture
def ops(gateway, world):
    return tools_ops.ClusterOps(gateway)


@pytest.fixture
def service(ops, gateway, ledger):
    clock = FakeClock()  # post-condition polling advances this clock instead of sleeping
    executor = PlanExecutor(ops, ledger, clock=clock.monotonic, sleep=clock.sleep, verify_timeout=5, poll_interval=1)
    return PlanService(ops, ledger, gateway.approvals, whitelist=load_settings().plans.whitelist, user="alice",
                       executor=executor, verify_timeout=20)


def raise_memory(obj):
    return build_set_resources(obj, "report-worker", limits={"memory": "256Mi"})


def memory_limit(obj):
    return obj["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"]


def test_report_worker_is_oomkilled_to_begin_with(ops):
    pods = ops.pods_of(WORKER)
    assert pods and not any(is_ready(p) for p in pods)
    assert "OOMKilled" in json.dumps([p["status"] for p in pods])


def test_approve_raises_the_limit_and_the_pods_run(service, ops, ledger):
    plan = service.propose(WORKER, raise_memory, ai_rationale="OOMKilled at 64Mi; it needs about 200Mi")
    assert plan.risk.level == "low" and plan.diff.before["metadata"]["uid"] == plan.resource.uid
    assert service.decide(plan, yes)
    report = service.execute(plan)
    assert report.outcome == "executed" and report.verified is True, report
    assert report.conditions[0].detail == "1/1 replicas Ready"
    assert memory_limit(ops.read_object(WORKER)) == "256Mi"
    pods = ops.pods_of(WORKER)
    assert pods and all(is_ready(p) and p["status"]["phase"] == "Running" for p in pods)
    assert [e.event for e in ledger.history(plan.plan_id)] == ["created", "confirmed", "executing", "executed"]
    assert ledger.verify().ok


def test_reject_changes_nothing_and_the_ledger_says_rejected(service, ops, ledger):
    before = ops.read_object(WORKER)
    plan = service.propose(WORKER, raise_memory)
    assert service.decide(plan, no) is False
    after = ops.read_object(WORKER)
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert memory_limit(after) == "64Mi"
    last = ledger.history(plan.plan_id)[-1]
    assert (last.event, last.status, last.detail["reason"]) == ("rejected", "rejected", "not now")


def test_a_change_in_the_cluster_between_plan_and_approval_is_refused(service, ops, world, ledger):
    plan = service.propose(WORKER, raise_memory)
    world.call("set_deployment_image", {"namespace": "dev", "deployment_name": "report-worker",
                                        "container": "report-worker", "image": "registry.sandbox.local/shop/report-worker:1.5.1"})
    # The drift check runs at approval (in whichever process approves) and again right before the write.
    with pytest.raises(PlanDrifted, match=r"changed since plan \w+ was made .*containers/0/image.*not approved"):
        service.decide(plan, yes)
    now = ops.read_object(WORKER)
    assert memory_limit(now) == "64Mi" and now["spec"]["template"]["spec"]["containers"][0]["image"].endswith("1.5.1")
    last = ledger.history(plan.plan_id)[-1]
    assert (last.event, last.detail["reason"], last.detail["stage"]) == ("failed", "drifted", "approval")


def test_another_approved_write_through_the_gateway_also_counts_as_drift(service, ops, gateway):
    plan = service.propose(WORKER, raise_memory)
    assert service.decide(plan, yes)
    other = build_scale(ops.read_object(WORKER), 2)  # someone else's plan, approved on its own, lands in between
    token = gateway.approvals.grant(other.plan_id, kind="Deployment", namespace="dev", name="report-worker")
    ops.apply_patch(WORKER, [op.model_dump(mode="json") for op in other.diff.patch], {}, token)
    with pytest.raises(PlanDrifted, match="/spec/replicas"):
        service.execute(plan)


def test_the_gateway_refuses_a_write_without_the_plans_approval(ops):
    plan = raise_memory(ops.read_object(WORKER))
    with pytest.raises(WriteRefused):
        ops.apply_patch(WORKER, [op.model_dump(mode="json") for op in plan.diff.patch], {}, None)


def test_scale_restart_and_delete_pod_run_and_verify(service, ops):
    for build in (lambda o: build_scale(o, 3), build_restart):
        plan = service.propose(CART, build)
        assert service.decide(plan, yes)
        report = service.execute(plan)
        assert report.verified is True, report
    assert report.conditions[0].detail == "3/3 replicas Ready"
    victim = ops.pods_of(CART)[0]
    pod = ResourceRef(kind="Pod", namespace="dev", name=victim["metadata"]["name"])
    plan = service.propose(pod, build_delete_pod)
    assert service.decide(plan, yes)
    report = service.execute(plan)
    assert report.verified is True and report.conditions[0].detail.startswith("replaced by cart-service-v1-"), report


def test_rollback_of_an_executed_plan_restores_the_limit_and_reports_the_oomkills(service, ops):
    plan = service.propose(WORKER, raise_memory)
    service.decide(plan, yes)
    service.execute(plan)
    undo = service.rollback(plan.plan_id)
    assert undo.diff.before["metadata"]["resourceVersion"] != plan.diff.before["metadata"]["resourceVersion"]
    assert undo.risk.level == "medium" and any(f.startswith("lowers the memory limit") for f in undo.risk.factors)
    service.decide(undo, yes)
    report = service.execute(undo)
    assert report.outcome == "executed" and memory_limit(ops.read_object(WORKER)) == "64Mi"
    # 64Mi is what made it crash: the verification says so instead of claiming success
    assert report.verified is False and "0/1 replicas Ready" in report.conditions[0].detail


def test_cli_rollback_needs_approval_then_runs_with_yes_and_allow_writes(sandbox, world, ops, gateway, capsys):
    from kubecopilot.cli import main

    settings = load_settings()
    ledger = AuditLedger(settings.audit_url)  # the ledger the CLI reads (KUBECOPILOT_HOME is per test)
    clock = FakeClock()
    executor = PlanExecutor(ops, ledger, clock=clock.monotonic, sleep=clock.sleep, verify_timeout=20)
    svc = PlanService(ops, ledger, gateway.approvals, whitelist=settings.plans.whitelist, user="alice",
                      executor=executor)
    plan = svc.propose(CART, lambda o: build_scale(o, 2))
    svc.decide(plan, yes)
    assert svc.execute(plan).verified
    assert main(["--mcp-url", sandbox.url, "rollback", plan.plan_id[:8]]) == 3  # no terminal, no --yes
    assert "needs approval" in capsys.readouterr().err
    assert ops.read_object(CART)["spec"]["replicas"] == 2
    # the rolled-back state is healthy at once, so the CLI's real-clock verification needs no waiting
    assert main(["--mcp-url", sandbox.url, "rollback", plan.plan_id[:8], "--yes", "--allow-writes",
                 "--output", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    report = document["report"]
    assert (document["outcome"], report["outcome"], report["verified"]) == ("ok", "executed", True)
    assert report["plan"]["action"] == "scale" and ops.read_object(CART)["spec"]["replicas"] == 1
    # the rollback nobody could approve stays pending (for `plans approve`), as a plan from `ask` does
    assert [p.status for p in ledger.plans()] == ["executed", "pending", "executed"]


def test_the_readme_demo_repeats_on_a_fresh_sandbox_with_the_same_ledger(tmp_path):
    """Fix report-worker, quit, start a fresh sandbox: it is OOMKilled again, and the same fix runs again — the
    idempotency key protects one cluster (its uids), not every sandbox that starts from the same scenario."""
    from kubecopilot.testing.apps import app_for

    ledger = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    path = "spec.template.spec.containers[0].resources.limits.memory"
    for attempt in (1, 2):
        with runner.start_sandbox("default") as handle, app_for(handle, **{"audit.url": ledger}) as app:
            talk = app.conversation
            assert talk.handle("diagnose deployment report-worker -n dev").kind == "answer"
            proposal = talk.handle("fix it")
            assert proposal.kind == "plan", (attempt, proposal)
            done = talk.approve(proposal.plan_id, lambda plan: ApprovalDecision(approved=True, by="user:alice"))
            assert done.kind == "answer", (attempt, done)
            limit = handle.cluster.cluster().store.require("Deployment", "report-worker", "dev")
            for key in path.replace("[0]", ".0").split("."):
                limit = limit[int(key)] if key.isdigit() else limit[key]
            assert limit != "64Mi", attempt
    executed = [plan for plan in AuditLedger(ledger).plans() if plan.status == "executed"]
    assert len(executed) == 2 and executed[0].audit.idempotency_key != executed[1].audit.idempotency_key
