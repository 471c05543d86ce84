from __future__ import annotations

import os
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


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL server for the whole run (initdb + pg_ctl on a temp dir, a free loopback port)."""
    from kubecopilot.testing.postgres import PostgresUnavailable, start_postgres

    try:
        server = start_postgres()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):  # .ci/run installs the server: a missing one there is a failure, not a skip
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request, tmp_path) -> str:
    """A fresh, empty ledger URL on each backend: a SQLite file, and a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.sqlite'}"
    return request.getfixturevalue("postgres_server").create_database()


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
