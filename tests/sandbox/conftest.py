"""Sandbox test fixtures. Read-only tests share one server per module; write tests reset the world first."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from kubecopilot.sandbox.runner import SandboxHandle, start_sandbox
from kubecopilot.sandbox.timeutil import fixed_clock
from kubecopilot.sandbox.world import ClusterSet

from .mcpsession import MCPSession

# A frozen "now": nothing ages between calls, so counts and timestamps are stable within a test.
NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def served() -> SandboxHandle:
    handle = start_sandbox("default", clock=fixed_clock(NOW))
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def mcp(served: SandboxHandle) -> MCPSession:
    with MCPSession(served.url) as session:
        yield session


@pytest.fixture
def world(served: SandboxHandle) -> ClusterSet:
    """The scenario as shipped, for a test that changes it."""
    served.cluster.reset()
    return served.cluster


def pod_named(session: MCPSession, namespace: str, prefix: str, cluster: str | None = None) -> dict:
    """The one pod whose name starts with ``prefix-`` (fails if there is not exactly one)."""
    args = {"namespace": namespace} | ({"cluster": cluster} if cluster else {})
    pods = [p for p in session.json("list_pods", **args)["items"] if p["metadata"]["name"].startswith(prefix + "-")
            and not p["metadata"].get("deletionTimestamp")]
    assert len(pods) == 1, [p["metadata"]["name"] for p in pods]
    return pods[0]


def container_status(pod: dict, index: int = 0) -> dict:
    return pod["status"]["containerStatuses"][index]


def is_ready(pod: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions") or ())


def secret_values(world: ClusterSet) -> set[str]:
    """Every Secret value in every cluster, raw (base64) and decoded, ignoring trivially short ones."""
    found = set()
    for cluster in world.clusters.values():
        for secret in cluster.store.list("Secret"):
            for encoded in (secret.get("data") or {}).values():
                found |= {encoded, base64.b64decode(encoded).decode()}
    return {v for v in found if len(v) >= 8}
