"""A slow write is read back before anything is said: applied, not applied, or unknown — never "reverted" for a
write that landed.

The sandbox serves over real SSE; its ``patch_resource`` is held back (in the server's worker thread, the way a slow
API server or admission webhook holds a write) past the client's 2 s call timeout, and lands — or not — only once
KubeCopilot has started reading the object back. Effects are read from the sandbox directly.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from kubecopilot.config import load_settings
from kubecopilot.errors import WriteOutcomeUnknown
from kubecopilot.plans.builders import build_scale
from kubecopilot.plans.executor import PlanExecutor
from kubecopilot.plans.ledger import AuditLedger
from kubecopilot.plans.model import ApprovalDecision, ResourceRef
from kubecopilot.plans.service import PlanService
from kubecopilot.sandbox.errors import Conflict
from kubecopilot.sandbox.runner import SandboxHandle
from kubecopilot.sandbox.world import ClusterSet
from kubecopilot.tools.factory import connect_gateway
from kubecopilot.tools.ops import ClusterOps

CART = ResourceRef(kind="Deployment", namespace="dev", name="cart-service-v1")


class SlowWrites:
    """``patch_resource`` waits until the client has read the object back ``reads`` times; then it lands (or, with
    ``lands=False``, is dropped when the test ends)."""

    def __init__(self, world: ClusterSet, *, reads: int, lands: bool) -> None:
        self.world, self.real, self.reads, self.lands = world, world.call, reads, lands
        self.release, self.started, self.done = threading.Event(), threading.Event(), threading.Event()
        self.seen = 0
        world.call = self.call  # type: ignore[method-assign]  # the server looks it up on every request

    def call(self, tool: str, arguments: dict[str, Any] | None = None) -> str:
        if tool == "patch_resource":
            self.started.set()
            self.release.wait(60)
            try:
                if not self.lands:
                    raise Conflict("the write was dropped")
                return self.real(tool, arguments)
            finally:
                self.done.set()
        if self.started.is_set():
            self.seen += 1
            if self.seen >= self.reads and self.lands:
                self.release.set()
                self.done.wait(10)  # the write lands before this read answers: the next read sees it
        return self.real(tool, arguments)


@pytest.fixture
def world() -> Iterator[ClusterSet]:
    yield ClusterSet("default")


@pytest.fixture
def handle(world) -> Iterator[SandboxHandle]:
    served = SandboxHandle(cluster=world, transport="sse", port=0).serve()
    yield served
    served.stop()


@pytest.fixture
def service(handle, tmp_path) -> Iterator[PlanService]:
    gateway = connect_gateway(load_settings({"mcp.call_timeout": 2.0}), url=handle.url)  # reads stay well within it on a busy machine
    ledger = AuditLedger(f"sqlite:///{tmp_path / 'audit.sqlite'}")
    ops = ClusterOps(gateway)
    executor = PlanExecutor(ops, ledger, verify_timeout=0, poll_interval=0.05, write_settle=5.0)
    yield PlanService(ops, ledger, gateway.approvals, whitelist=load_settings().plans.whitelist, user="alice",
                      executor=executor, verify_timeout=0)
    gateway.close()


def replicas(world: ClusterSet) -> int:
    return int(json.loads(world.call("get_deployment", {"namespace": "dev", "deployment_name": CART.name}))
               ["spec"]["replicas"])


def approved_scale(service: PlanService) -> str:
    plan = service.propose(CART, lambda obj: build_scale(obj, 2))
    assert service.decide(plan, lambda p: ApprovalDecision(approved=True, by="user:alice"))
    return plan.plan_id


def test_a_write_that_lands_after_the_client_gave_up_is_reported_applied(world, service):
    slow = SlowWrites(world, reads=2, lands=True)  # lands while KubeCopilot reads it back
    plan_id = approved_scale(service)
    report = service.execute(plan_id)
    assert slow.done.is_set() and replicas(world) == 2
    assert report.outcome == "executed" and "step-1: applied (its answer was lost" in report.message
    events = [(e.event, e.detail) for e in service.ledger.history(plan_id)]
    assert [event for event, _ in events] == ["created", "confirmed", "executing", "executed"]
    assert events[-1][1]["readBack"]["step-1"].startswith("applied")


def test_a_write_that_never_shows_is_unknown_with_what_the_server_shows(world, service):
    slow = SlowWrites(world, reads=1, lands=False)
    plan_id = approved_scale(service)
    try:
        with pytest.raises(WriteOutcomeUnknown, match=r"whether it is applied is unknown: the server shows "
                                                      r"/spec/replicas = 1 \(not visible after 5 s"):
            service.execute(plan_id)
        assert replicas(world) == 1
        last = service.ledger.history(plan_id)[-1]
        assert (last.event, last.detail["outcome"], last.detail["serverShows"]) == ("failed", "unknown",
                                                                                   {"/spec/replicas": 1})
        assert "reverted" not in [e.event for e in service.ledger.history(plan_id)]
    finally:
        slow.release.set()  # the held write is dropped
