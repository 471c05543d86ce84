"""The post-change check has three answers, each from what it read: ✓ met, ✗ not met (read, and not there), ? unverified
(the cluster could not be read until the deadline). A read failure is never ✓ nor ✗, and the exit codes follow."""

from __future__ import annotations

from typing import Any

import pytest

from kubecopilot.cli import main
from kubecopilot.errors import ExitCode, ToolFailed
from kubecopilot.plans.builders import build_set_resources
from kubecopilot.plans.executor import PlanExecutor
from kubecopilot.plans.verify import verify_post_conditions

from .fakes import FakeCluster


class Unreadable:
    """The cluster through a server whose reads fail for ``failures`` polls (None: for ever)."""

    def __init__(self, cluster: FakeCluster, failures: int | None = None) -> None:
        self.cluster, self.failures, self.reads = cluster, failures, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cluster, name)

    def pods_of(self, ref: Any) -> list[dict[str, Any]]:
        self.reads += 1
        if self.failures is None or self.reads <= self.failures:
            raise ToolFailed("failed to list pods: dial tcp 10.0.0.1:6443: connect: connection refused")
        return self.cluster.pods_of(ref)


@pytest.fixture
def plan(cluster):
    return build_set_resources(cluster.get("Deployment", "dev", "report-worker"), "worker", limits={"memory": "256Mi"})


def check(plan, ops, clock):
    (result,) = verify_post_conditions(plan, ops, timeout_s=10, interval_s=2, clock=clock.monotonic, sleep=clock.sleep)
    return result


def test_a_cluster_that_cannot_be_read_leaves_the_change_unverified(cluster, plan, clock):
    result = check(plan, Unreadable(cluster), clock)
    assert (result.state, result.met, result.mark) == ("unverified", False, "?")
    assert result.detail == "unverified: could not read the cluster: failed to list pods: dial tcp 10.0.0.1:6443: " \
                            "connect: connection refused"


def test_a_read_that_fails_once_is_not_yet_a_verdict(cluster, plan, clock):
    ops = Unreadable(cluster, failures=1)
    result = check(plan, ops, clock)
    assert (result.state, result.mark) == ("met", "✓") and ops.reads == 2


def test_a_cluster_read_and_not_there_is_not_met(cluster, plan, clock):
    cluster.healthy = lambda pod: False  # every pod the rollout makes crash-loops: read, and not Ready
    cluster.edit("Deployment", "dev", "report-worker", lambda obj: None)
    result = check(plan, cluster, clock)
    assert (result.state, result.met, result.mark) == ("not_met", False, "✗")
    assert result.detail.startswith("0/") and "CrashLoopBackOff" in result.detail


def test_the_executor_reports_an_unverified_change_as_neither_verified_nor_failed(cluster, ledger, clock, plan):
    executor = PlanExecutor(Unreadable(cluster), ledger, clock=clock.monotonic, sleep=clock.sleep, now=clock.now,
                            verify_timeout=10, poll_interval=2)
    ref = plan.resource
    token = cluster.approvals.grant(plan.plan_id, kind=ref.kind, namespace=ref.namespace, name=ref.name)
    report = executor.execute(plan.transition("confirmed", confirmed_by="user:alice"), token)
    assert report.outcome == "executed" and report.verified is None
    assert report.message.endswith("executed, but its result could not be verified")


@pytest.fixture(scope="module")
def sandbox():
    from kubecopilot.sandbox.runner import start_sandbox

    with start_sandbox("default", port=0) as handle:
        yield handle


@pytest.mark.parametrize(("limit", "code"), [("128Mi", ExitCode.VERIFICATION_FAILED), ("256Mi", ExitCode.OK)])
def test_ask_with_allow_writes_exits_by_the_post_check(sandbox, monkeypatch, capsys, limit, code):
    """128Mi is still too little for the worker: the change lands, the check reads it crash-looping — exit 6."""
    sandbox.cluster.reset()
    monkeypatch.setenv("KUBECOPILOT_VERIFY_TIMEOUT", "2")
    said = main(["ask", f"set the memory limit of report-worker to {limit} in dev", "--allow-writes", "--yes",
                 "--mcp-url", sandbox.url, "--offline"])
    out = capsys.readouterr().out
    assert said == code, out
    assert ("✗ Applied, but not verified" in out) == (code == ExitCode.VERIFICATION_FAILED) and ("✓" in out) == (code == ExitCode.OK)
