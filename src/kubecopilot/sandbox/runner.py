"""Start the sandbox for tests and for the REPL.

- ``start_sandbox`` serves in a background thread of this process; ``handle.cluster`` is the live ``ClusterSet``
  so a test can change the world directly (cause drift, reset) while clients talk MCP to it.
- ``spawn_sandbox`` runs ``python -m kubecopilot sandbox`` as a child process and learns its URL from the line
  it prints; the child is stopped with this process (atexit, and the kernel's parent-death signal on Linux).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from kubecopilot.errors import MCPUnavailable

if TYPE_CHECKING:  # the server (mcp, uvicorn, starlette) and the simulation load only where a sandbox runs
    from kubecopilot.sandbox.server import UvicornServer
    from kubecopilot.sandbox.timeutil import Clock
    from kubecopilot.sandbox.world import ClusterSet

HOST = "127.0.0.1"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


class SandboxStartFailed(MCPUnavailable):
    code = "sandbox_start_failed"


@dataclass
class SandboxHandle:
    """A sandbox served from a background thread. Both transports are always served on ``port``."""

    cluster: ClusterSet
    transport: str
    port: int
    host: str = HOST
    _sock: Any = field(default=None, repr=False)
    _server: UvicornServer | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _failure: BaseException | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return _url(self.host, self.port, self.transport)

    @property
    def sse_url(self) -> str:
        return _url(self.host, self.port, "sse")

    @property
    def streamable_http_url(self) -> str:
        return _url(self.host, self.port, "streamable-http")

    @property
    def base_url(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}"

    def kube_url(self, cluster: str | None = None) -> str:
        """The Kubernetes API of one cluster (default: the current one): ``http://127.0.0.1:PORT/k8s/<cluster>``."""
        from kubecopilot.sandbox.kubeapi.kubeconfig import api_url

        return api_url(self.base_url, cluster or self.cluster.current)

    def write_kubeconfig(self, path: str | os.PathLike[str]) -> Path:
        """Write a kubeconfig with one context per sandbox cluster (current context: the current cluster)."""
        from kubecopilot.sandbox.kubeapi.kubeconfig import write_kubeconfig

        return write_kubeconfig(self.cluster, self.base_url, path)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def serve(self) -> SandboxHandle:
        """Start serving (on a fresh socket bound to ``port``); returns once connections are accepted."""
        from kubecopilot.sandbox.server import UvicornServer, bind_socket, build_app, uvicorn_config

        if self.running:
            return self
        self._sock = bind_socket(self.host, self.port)
        self.port = self._sock.getsockname()[1]
        ready = threading.Event()
        self._server = UvicornServer(uvicorn_config(build_app(self.cluster, self.host)), on_ready=ready.set)
        self._failure = None
        self._thread = threading.Thread(target=self._run, args=(ready,), name=f"sandbox-{self.port}", daemon=True)
        self._thread.start()
        started = ready.wait(START_TIMEOUT_S) and self._server.started
        if not started or self._failure is not None:
            self.stop()
            raise SandboxStartFailed(f"the sandbox did not start on {self.host}:{self.port}: {self._failure or 'timeout'}")
        return self

    def _run(self, ready: threading.Event) -> None:
        assert self._server is not None
        try:
            asyncio.run(self._server.serve(sockets=[self._sock]))
        except BaseException as exc:  # reported by serve(); a thread must not die silently
            self._failure = exc
        finally:
            ready.set()

    def stop(self) -> None:
        """Stop serving; open client sessions are cut. The world (``cluster``) is kept."""
        if self._server is not None:
            self._server.request_stop()
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None

    def restart(self) -> SandboxHandle:
        """Stop and serve again on the same port with the same state (for reconnect tests)."""
        self.stop()
        return self.serve()

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sandbox(scenario: str = "default", transport: str = "sse", port: int = 0, clock: Clock | None = None,
                  fixed_uids: bool = False) -> SandboxHandle:
    """Serve a fresh sandbox world on loopback from a background thread; returns when it accepts connections."""
    from kubecopilot.sandbox.world import ClusterSet

    if transport not in ("sse", "streamable-http"):
        raise ValueError(f"transport must be sse or streamable-http, not {transport!r}")
    world = ClusterSet(scenario, clock=clock, fixed_uids=fixed_uids)
    return SandboxHandle(cluster=world, transport=transport, port=port).serve()


def _url(host: str, port: int, transport: str) -> str:
    from kubecopilot.sandbox.server import url_for

    return url_for(host, port, transport)


# --- child process ----------------------------------------------------------------------------------------------


class SandboxProcess:
    """``kubecopilot sandbox`` running as a child process."""

    def __init__(self, scenario: str = "default", transport: str = "sse", port: int = 0,
                 timeout: float = START_TIMEOUT_S) -> None:
        self.scenario = scenario
        self.transport = transport
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - kept for stderr_tail(); closed on GC
        cmd = [sys.executable, "-m", "kubecopilot", "sandbox", "--host", HOST, "--port", str(port),
               "--transport", transport, "--scenario", scenario]
        self.process = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr,
            start_new_session=False, preexec_fn=_death_signal(),
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        atexit.register(self.stop)
        self.url = self._read_url(timeout)

    def _read_url(self, timeout: float) -> str:
        lines: queue.Queue[bytes] = queue.Queue()
        stdout = self.process.stdout
        assert stdout is not None
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=timeout).decode(errors="replace").strip()
        except queue.Empty:
            self.stop()
            raise SandboxStartFailed(f"the sandbox process printed no URL within {timeout:.0f}s", hint=self.stderr_tail()) from None
        if " listening on " not in line:
            self.stop()
            raise SandboxStartFailed(f"the sandbox process did not start: {line or 'no output'}", hint=self.stderr_tail())
        return line.rsplit(" listening on ", 1)[1]

    def stderr_tail(self, limit: int = 2000) -> str:
        with contextlib.suppress(ValueError, OSError):
            self._stderr.seek(0)
            return self._stderr.read().decode(errors="replace")[-limit:].strip() or "(no stderr)"
        return "(stderr unavailable)"

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    def stop(self) -> int | None:
        """Terminate, wait, kill if it does not go; returns the exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        atexit.unregister(self.stop)
        return self.process.returncode

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def spawn_sandbox(scenario: str = "default", transport: str = "sse", port: int = 0) -> SandboxProcess:
    """Start ``python -m kubecopilot sandbox`` and wait for its "listening on" line."""
    return SandboxProcess(scenario, transport, port)


def _death_signal() -> Any:
    """Linux's parent-death signal fires when the *thread* that forked exits, so it is only safe (and only set)
    when spawning from the main thread; otherwise atexit alone stops the child."""
    if sys.platform == "linux" and threading.current_thread() is threading.main_thread():
        return _die_with_parent
    return None


def _die_with_parent() -> None:
    """Ask Linux to send SIGTERM to the child when the parent dies, even by SIGKILL (PR_SET_PDEATHSIG)."""
    import ctypes

    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
