"""The runner that scores the held-out conversations: it must see what a turn shows, fail what is not there,
approve a plan as the REPL's y does, and read the cluster itself. Synthetic cases only: the held-out set is scored
by benchmarks/heldout.py at the end of a piece of work, never by the suite."""

from __future__ import annotations

from kubecopilot.testing.conversations import run_conversation


def test_a_list_that_shows_the_pods_passes_and_a_missing_fact_fails(sandbox):
    pods = sorted(p["metadata"]["name"] for p in sandbox.cluster.cluster().store.list("Pod", "dev"))
    good = {"id": "t1", "turns": [{"say": "list pods in namespace dev",
                                   "expect": {"kind": "answer", "contains": [pods[0]], "writes": "none"}}]}
    assert run_conversation(good, sandbox).failures == []
    bad = {"id": "t2", "turns": [{"say": "list pods in namespace dev",
                                  "expect": {"kind": ["ask", "error"], "contains": ["no-such-pod-anywhere"],
                                             "not_contains": [pods[0]]}}]}
    failures = run_conversation(bad, sandbox).failures
    assert len(failures) == 3 and "kind answer" in failures[0] and "no-such-pod-anywhere" in failures[1]


def test_an_approved_plan_changes_the_cluster_and_the_runner_reads_it(sandbox):
    path = "spec.template.spec.containers[0].resources.limits.memory"
    case = {"id": "t3", "turns": [
        {"say": "diagnose deployment report-worker -n dev", "expect": {"kind": "answer"}},
        {"say": "fix it", "expect": {"kind": "plan", "plan": {"kind": "Deployment", "name": "report-worker"}}},
        {"say": "y", "approve": True, "expect": {"cluster": [
            {"kind": "Deployment", "namespace": "dev", "name": "report-worker", "path": path, "not_equals": "64Mi"}]}},
    ]}
    assert run_conversation(case, sandbox).failures == []
    assert run_conversation(case, sandbox).failures == []  # its own ledger: the same fix is not "already executed"
    still_broken = {"id": "t4", "turns": [{"say": "hello", "expect": {"cluster": [
        {"kind": "Deployment", "namespace": "dev", "name": "report-worker", "path": path, "not_equals": "64Mi"}]}}]}
    assert "is still '64Mi'" in run_conversation(still_broken, sandbox).failures[0]  # each case starts on a fresh world


def test_approve_answers_the_plan_of_the_turn_before_or_of_its_own_request(sandbox):
    path = "spec.template.spec.containers[0].resources.limits.memory"
    fixed = {"kind": "Deployment", "namespace": "dev", "name": "report-worker", "path": path, "not_equals": "64Mi"}
    in_one_step = {"id": "t5", "turns": [
        {"say": "diagnose deployment report-worker -n dev"},
        {"say": "fix it", "approve": True, "expect": {"kind": "answer", "cluster": [fixed]}},
    ]}
    assert run_conversation(in_one_step, sandbox).failures == []
    declined = {"id": "t6", "turns": [
        {"say": "diagnose deployment report-worker -n dev"},
        {"say": "fix it", "expect": {"kind": "plan"}},
        {"say": "n", "approve": False, "expect": {"writes": "none"}},
    ]}
    assert run_conversation(declined, sandbox).failures == []
