"""The ways the sandbox is started: in-process (start_sandbox), as a child process (spawn_sandbox), over stdio."""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import subprocess
import sys

import httpx
import pytest
import yaml
from mcp import StdioServerParameters

from kubecopilot.sandbox.errors import UnknownScenario
from kubecopilot.sandbox.runner import SandboxStartFailed, spawn_sandbox, start_sandbox

from .mcpsession import MCPSession


def _namespaces(session: MCPSession) -> list[str]:
    return [ns["metadata"]["name"] for ns in session.json("list_namespaces")["items"]]


@pytest.mark.parametrize("transport", ["sse", "streamable-http"])
def test_start_sandbox_serves_the_announced_transport(transport):
    with start_sandbox(scenario="minimal", transport=transport) as handle:
        assert handle.url.startswith(f"http://127.0.0.1:{handle.port}/")
        assert handle.url.endswith("/sse" if transport == "sse" else "/mcp")
        with MCPSession(handle.url) as session:
            assert _namespaces(session) == ["default", "dev", "kube-system", "production"]


def test_both_transports_share_one_port():
    with start_sandbox(scenario="minimal") as handle, MCPSession(handle.sse_url) as sse, \
            MCPSession(handle.streamable_http_url) as http:
        sse.text("scale_deployment", namespace="dev", deployment_name="cart-service-v1", replicas=2)
        seen = http.json("get_deployment", namespace="dev", deployment_name="cart-service-v1")
        assert seen["spec"]["replicas"] == 2


def test_restart_keeps_port_and_state():
    handle = start_sandbox(scenario="minimal")
    try:
        port = handle.port
        handle.cluster.call("scale_deployment", {"namespace": "dev", "deployment_name": "cart-service-v2", "replicas": 3})
        handle.restart()
        assert handle.port == port
        with MCPSession(handle.url) as session:
            pods = session.json("list_pods", namespace="dev", label_selector="version=v2")["items"]
        assert len(pods) == 3
    finally:
        handle.stop()
    assert not handle.running


def test_stopped_sandbox_refuses_connections():
    handle = start_sandbox(scenario="minimal")
    handle.stop()
    with pytest.raises(ExceptionGroup) as failed:  # anyio's task group around the SSE client
        MCPSession(handle.url)
    assert failed.group_contains(httpx.ConnectError)


def test_unknown_scenario_lists_the_known_ones():
    with pytest.raises(UnknownScenario) as err:
        start_sandbox(scenario="nope")
    assert 'unknown sandbox scenario "nope"' in err.value.message
    assert "default" in err.value.hint and "healthy" in err.value.hint


def test_spawned_sandbox_prints_its_url_and_exits_cleanly_on_sigterm():
    with spawn_sandbox(scenario="minimal") as proc:
        assert proc.url.startswith("http://127.0.0.1:") and proc.url.endswith("/sse")
        with MCPSession(proc.url) as session:
            assert "dev" in _namespaces(session)
        code = proc.stop()  # SIGTERM
    assert code == 0
    assert "Traceback" not in proc.stderr_tail()


def test_spawned_sandbox_with_unknown_scenario_fails_clearly():
    with pytest.raises(SandboxStartFailed) as err:
        spawn_sandbox(scenario="nope")
    assert "did not start" in err.value.message
    assert 'unknown sandbox scenario "nope"' in err.value.hint


def test_stdio_transport_serves_on_stdin_stdout():
    params = StdioServerParameters(command=sys.executable,
                                   args=["-m", "kubecopilot", "sandbox", "--transport", "stdio", "--scenario", "minimal"])
    with MCPSession(stdio=params) as session:
        assert len(session.list_tools()) >= 45
        pods = session.json("list_pods", namespace="dev")["items"]
    assert sorted(p["metadata"]["labels"]["version"] for p in pods) == ["v1", "v2"]


def test_cli_announces_itself_and_its_kubernetes_api_and_stops_cleanly_on_ctrl_c(tmp_path):
    kubeconfig = tmp_path / "kube" / "config"
    cmd = [sys.executable, "-m", "kubecopilot", "sandbox", "--port", "0", "--scenario", "minimal",
           "--transport", "streamable-http", "--write-kubeconfig", str(kubeconfig)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # printed (and flushed) once the server accepts connections
        assert re.fullmatch(r"KubeCopilot sandbox \(scenario minimal, 51 tools\) listening on "
                            r"http://127\.0\.0\.1:\d+/mcp\n", line)
        port = re.search(r":(\d+)/mcp", line)[1]
        api_line = proc.stdout.readline()
        assert f"Kubernetes API: http://127.0.0.1:{port}/k8s/dev-cluster; kubeconfig written to {kubeconfig}" in api_line
        config = yaml.safe_load(kubeconfig.read_text())
        assert config["current-context"] == "dev-cluster"
        assert [c["cluster"]["server"] for c in config["clusters"]] == [f"http://127.0.0.1:{port}/k8s/dev-cluster"]
        with MCPSession(line.split(" listening on ")[1].strip()) as session:
            assert session.json("get_cluster_info")["name"] == "dev-cluster"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert out == "" and "Traceback" not in err


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs Linux pidfd to wait for an unrelated process")
def test_spawned_sandbox_dies_with_its_parent_even_on_sigkill():
    parent_code = ("import sys; from kubecopilot.sandbox.runner import spawn_sandbox; "
                   "p = spawn_sandbox('minimal'); print(p.process.pid, flush=True); sys.stdin.read()")
    parent = subprocess.Popen([sys.executable, "-c", parent_code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    child_pid = int(parent.stdout.readline())
    child = os.pidfd_open(child_pid)
    try:
        parent.kill()  # no atexit runs: only the kernel's parent-death signal can stop the child
        parent.wait(10)
        exited, _, _ = select.select([child], [], [], 20)  # readable once the child has exited
        assert exited, f"sandbox {child_pid} outlived its parent"
    finally:
        os.close(child)
        with contextlib.suppress(ProcessLookupError):
            os.kill(child_pid, signal.SIGKILL)
