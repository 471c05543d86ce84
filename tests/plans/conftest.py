from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kubecopilot.config import DEFAULT_WHITELIST
from kubecopilot.plans.executor import PlanExecutor
from kubecopilot.plans.ledger import AuditLedger
from kubecopilot.plans.service import PlanService

from .fakes import FakeApprovals, FakeCluster, deployment


class FakeClock:
    """Monotonic seconds and wall time that only move when ``sleep`` is called: tests never really wait."""

    def __init__(self) -> None:
        self.t = 0.0
        self.start = datetime(2025, 1, 12, 6, 19, 55, tzinfo=UTC)
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ledger(tmp_path) -> AuditLedger:
    led = AuditLedger(f"sqlite:///{tmp_path / 'audit.sqlite'}")
    yield led
    led.close()


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster(deployment("cart", replicas=2), deployment("report-worker", memory="64Mi", container="worker"),
                       deployment("checkout", "production", replicas=3))


@pytest.fixture
def service(cluster, ledger, clock) -> PlanService:
    executor = PlanExecutor(cluster, ledger, clock=clock.monotonic, sleep=clock.sleep, now=clock.now,
                            verify_timeout=30, poll_interval=1)
    return PlanService(cluster, ledger, cluster.approvals, whitelist=DEFAULT_WHITELIST, user="alice",
                       clock=clock.now, executor=executor, verify_timeout=30)


@pytest.fixture
def approvals(cluster) -> FakeApprovals:
    return cluster.approvals
