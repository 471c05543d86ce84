"""Fixes that know what was fixed, undo in words, names that vanish: conversations that change the sandbox (a fresh
sandbox per test)."""

from __future__ import annotations

from kubecopilot.dialogue.turns import Answer, Ask, ErrorTurn, PlanProposal
from kubecopilot.plans.model import ApprovalDecision


def yes(plan):
    return ApprovalDecision(approved=True, by="user:test", typed_name=plan.resource.name)


def deployment(sandbox, name):
    with sandbox.cluster.lock:
        return sandbox.cluster.cluster().store.peek("Deployment", name, "dev")


def image(sandbox, name):
    return deployment(sandbox, name)["spec"]["template"]["spec"]["containers"][0]["image"]


def test_a_cured_workload_is_never_fixed_again_nor_rolled_back_to_its_broken_revision(app, sandbox):
    talk = app.conversation
    talk.handle("why is billing-api crashing?")
    plan = talk.handle("fix it")
    assert isinstance(plan, PlanProposal) and plan.plan["resource"]["name"] == "billing-api"
    done = talk.approve(plan.plan_id, yes)
    assert isinstance(done, Answer) and image(sandbox, "billing-api").endswith(":3.1.0")
    assert talk.session.cured("deployment", "billing-api", "dev") is not None
    talk.handle("unhealthy pods")  # the person moves on to the other problems
    again = talk.handle("fix it")
    assert not (isinstance(again, PlanProposal) and again.plan["resource"]["name"] == "billing-api")
    assert any("billing-api was already fixed" in n for n in again.notices)
    version = deployment(sandbox, "billing-api")["metadata"]["resourceVersion"]
    refused = talk.handle("rollback billing-api")  # revision 3 is the one this session moved away from
    assert isinstance(refused, ErrorTurn) and "moved it away from" in refused.message
    assert deployment(sandbox, "billing-api")["metadata"]["resourceVersion"] == version
    assert [p.status for p in app.plans.list()].count("created") == 0  # the refused plan was never recorded


def test_undo_in_words_proposes_the_rollback_of_the_last_executed_plan(app, sandbox):
    talk = app.conversation
    assert isinstance(talk.handle("undo that"), Answer)  # nothing done yet: said, no plan
    plan = talk.handle("scale cart-service-v1 to 3 in dev")
    talk.approve(plan.plan_id, yes)
    assert deployment(sandbox, "cart-service-v1")["spec"]["replicas"] == 3
    undo = talk.handle("撤销刚才的操作")
    assert isinstance(undo, PlanProposal) and undo.plan["resource"]["name"] == "cart-service-v1"
    assert deployment(sandbox, "cart-service-v1")["spec"]["replicas"] == 3  # only proposed: it waits for approval
    talk.approve(undo.plan_id, yes)
    assert deployment(sandbox, "cart-service-v1")["spec"]["replicas"] == 1
    assert talk.session.executed[0].undoes == plan.plan_id
    redo = talk.handle("undo")  # the last change not undone is the undo itself: undoing it puts the change back
    assert isinstance(redo, PlanProposal)
    talk.approve(redo.plan_id, yes)
    assert deployment(sandbox, "cart-service-v1")["spec"]["replicas"] == 3


def test_fix_all_of_them_proposes_one_plan_per_fix_each_approved(app, sandbox):
    talk = app.conversation
    talk.handle("unhealthy pods")
    count = len(talk.session.last_fixes)
    # ml-trainer's is not among them: a scan does not read what the nodes have free, so it proposes no figure
    assert count >= 2 and all(f.name != "ml-trainer" for f in talk.session.last_fixes)
    first = talk.handle("fix all of them")
    assert isinstance(first, PlanProposal) and any(f"1 of {count}" in n for n in first.notices)
    report = talk.approve(first.plan_id, yes)
    assert isinstance(report, Answer) and "(y/n)" in str(report.blocks) and talk.session.pending.slot == "next_fix"
    second = talk.handle("y")
    assert isinstance(second, PlanProposal) and second.plan["resource"]["name"] != first.plan["resource"]["name"]
    talk.approve(second.plan_id, lambda plan: ApprovalDecision(approved=False, by="user:test"))
    stopped = talk.handle("n")
    assert isinstance(stopped, Answer) and talk.session.fix_queue == [] and talk.session.pending is None


def test_a_failed_verification_offers_undo_first(sandbox):
    from kubecopilot.testing.apps import app_for

    with app_for(sandbox, **{"plans.verify_timeout": 1}) as app:
        talk = app.conversation
        plan = talk.handle("set image of cart-service-v1 to nginx:0.0-does-not-exist")
        assert isinstance(plan, PlanProposal)
        report = talk.approve(plan.plan_id, yes)
        # an error turn (the change is not verified: exit codes say so), whose hint offers undo first
        assert isinstance(report, ErrorTurn) and report.code == "plan_not_verified"
        assert "did not make cart-service-v1 healthy" in str(report.hint) and '"undo"' in str(report.hint)
        assert talk.session.cured("deployment", "cart-service-v1", "dev") is None


def test_a_namespace_deleted_while_in_use_is_asked_again_with_fresh_options(app, sandbox):
    talk = app.conversation
    sandbox.cluster.call("create_namespace", {"name": "qa"})
    assert talk.handle("use namespace qa").title.startswith("Now working")
    assert talk.session.namespace == "qa"
    sandbox.cluster.call("delete_namespace", {"name": "qa"})
    turn = talk.handle("list pods")
    assert isinstance(turn, Ask) and turn.slot == "namespace" and "`qa`" in turn.question
    assert "qa" not in [o.value for o in turn.options] and "dev" in [o.value for o in turn.options]
    assert talk.session.namespace is None
    listed = talk.handle("dev")
    assert isinstance(listed, Answer) and listed.title == "Pods in dev"


def test_the_overview_marks_this_sessions_cluster_and_says_which_is_degraded(talk):
    talk.handle("switch to prod-cluster")
    turn = talk.handle("cluster overview")
    clusters = next(b for b in turn.blocks if getattr(b, "title", None) == "Clusters")
    current = [row[0] for row in clusters.rows if row[-1] == "*"]
    assert current == ["prod-cluster"] and "prod-cluster" in turn.title
    assert "prod-node-3" in str(turn.blocks) and "degraded" in str(turn.blocks)
    nodes = talk.handle("which nodes are not ready?")
    assert isinstance(nodes, Answer) and [r[0] for r in nodes.blocks[0].rows] == ["prod-node-3"]
    one_row = talk.handle("describe it")  # the table of one row just shown
    assert isinstance(one_row, Answer) and one_row.title == "Node prod-node-3"
    described = talk.handle("describe prod-node-3")
    assert isinstance(described, Answer) and "prod-node-3" in described.title and "None" not in described.title
