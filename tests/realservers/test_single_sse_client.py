"""Flux159's SSE endpoint accepts one client: a second connection (a second KubeCopilot, e.g. `plans approve` from
another terminal) makes the server exit. KubeCopilot says so when it connects over SSE, and again when it loses the
server, with the way out (its streamable HTTP transport)."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import pytest

from kubecopilot.config import load_settings
from kubecopilot.errors import MCPDisconnected, MCPUnavailable
from kubecopilot.tools.client import MCPClient
from kubecopilot.tools.factory import connect_gateway

from .conftest import READY_TIMEOUT_S, VARIANTS, start_server

SAYS = "accepts one client at a time"


def test_a_second_sse_client_ends_flux159_and_kubecopilot_says_why(npm_ready: None, kube_env: dict[str, str],
                                                                    tmp_path: Path) -> None:
    variant = next(v for v in VARIANTS if v.id == "flux159-sse")
    server = start_server(variant, kube_env, tmp_path / "flux-sse.log")
    notices: list[str] = []
    gateway = connect_gateway(load_settings({"offline": True, "mcp.connect_timeout": 5.0}), url=server.target.url,
                              on_notice=notices.append)
    try:
        assert any(SAYS in n and "ENABLE_UNSAFE_STREAMABLE_HTTP_TRANSPORT" in n for n in notices), notices
        assert gateway.records("list_namespaces").names()  # works while it is the only client
        second = MCPClient(server.target, connect_timeout=5)
        try:
            second.connect()
        except MCPUnavailable:
            pass  # the server may already be gone before it answers the second client
        finally:
            second.close()
        assert server.process is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=READY_TIMEOUT_S)
        assert server.process.poll() is not None, "the server kept running with a second SSE client"
        with pytest.raises((MCPDisconnected, MCPUnavailable)) as lost:
            gateway.records("list_namespaces", fresh=True)
        assert lost.value.hint is not None and SAYS in lost.value.hint
    finally:
        gateway.close()
        server.stop()
