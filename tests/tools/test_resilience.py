"""The gateway when things go wrong: the sandbox restarts under a session, is down at start, runs over stdio; the
stale-cache recovery retries once and never loops."""

from __future__ import annotations

import json
import sys
import threading
import time

import pytest
from mcp.server.fastmcp import FastMCP
from mcp.types import ToolAnnotations

from kubecopilot.config import MCPSettings, Settings
from kubecopilot.errors import MCPDisconnected, MCPUnavailable, StaleReference, ToolFailed, WriteRefused
from kubecopilot.sandbox.runner import start_sandbox
from kubecopilot.tools.factory import connect_gateway

from .loopback import serve


@pytest.mark.parametrize("transport", ["sse", "streamable-http"])
def test_the_gateway_reconnects_after_the_sandbox_restarts(transport):
    notices: list[str] = []
    handle = start_sandbox(transport=transport)
    gateway = connect_gateway(Settings(mcp=MCPSettings(url=handle.url)), on_notice=notices.append)
    try:
        assert "dev" in gateway.records("list_namespaces").names()
        handle.restart()  # same port, same world
        answers = []
        for _ in range(2):  # a call caught by the drop may fail; the next one must reconnect
            try:
                answers.append(gateway.records("list_pods", namespace="dev", fresh=True))
                break
            except MCPDisconnected:
                continue
        assert answers and any(r.name.startswith("cart-service-v1") for r in answers[0].records)
        assert len(notices) == 1 and "reconnected" in notices[0]
        assert gateway.records("list_namespaces").from_cache  # the cache survives a reconnect
    finally:
        gateway.close()
        handle.stop()


def test_server_down_at_start_is_a_typed_error_within_the_connect_timeout():
    handle = start_sandbox()
    url = handle.url
    handle.stop()
    settings = Settings(mcp=MCPSettings(url=url, connect_timeout=5))
    started = time.monotonic()
    with pytest.raises(MCPUnavailable) as err:
        connect_gateway(settings)
    assert time.monotonic() - started < 5
    assert url in err.value.message and err.value.exit_code == 69


def test_the_sandbox_over_stdio():
    command = [sys.executable, "-m", "kubecopilot", "sandbox", "--transport", "stdio"]
    gateway = connect_gateway(Settings(mcp=MCPSettings(command=command)))
    try:
        assert gateway.profile.name == "sandbox"
        pods = gateway.records("list_pods", namespace="dev")
        assert any(r.status == "CrashLoopBackOff" for r in pods.records)
        assert gateway.records("list_pods", namespace="dev").from_cache
        with pytest.raises(WriteRefused):
            gateway.invoke("delete_pod", namespace="dev", name=pods.records[0].name)
    finally:
        gateway.close()


def test_a_stdio_command_that_cannot_start_says_so():
    command = [sys.executable, "-c", "import sys; sys.stderr.write('boom: no kubeconfig\\n'); sys.exit(3)"]
    with pytest.raises(MCPUnavailable) as err:
        connect_gateway(Settings(mcp=MCPSettings(command=command, connect_timeout=10)))
    assert "could not start the MCP server command" in err.value.message
    assert "boom: no kubeconfig" in (err.value.hint or "")


class Shelf:
    """A tiny real server whose item reads fail "not found" on demand, to drive the recovery paths exactly."""

    def __init__(self) -> None:
        self.items = ["alpha", "beta"]
        self.flaky = {"alpha": 1}  # alpha: fails once, then works
        self.calls: list[str] = []
        self.lock = threading.Lock()
        self.mcp = FastMCP("shelf", log_level="WARNING")
        read = ToolAnnotations(readOnlyHint=True)
        self.mcp.tool(annotations=read)(self.list_items)
        self.mcp.tool(annotations=read)(self.get_item)

    def list_items(self) -> str:
        """List the items on the shelf."""
        with self.lock:
            self.calls.append("list_items")
            return json.dumps({"items": [{"name": n, "kind": "Item"} for n in self.items]})

    def get_item(self, name: str) -> str:
        """Get one item."""
        with self.lock:
            self.calls.append(f"get_item:{name}")
            if self.flaky.get(name, 0) > 0 or name == "gamma":
                self.flaky[name] = self.flaky.get(name, 0) - 1
                raise ValueError(f'items "{name}" not found')
            return f"item {name}"


@pytest.fixture
def shelf():
    s = Shelf()
    with serve(s.mcp.sse_app()) as server:
        gateway = connect_gateway(Settings(mcp=MCPSettings(url=server.base + "/sse")))
        yield s, gateway
        gateway.close()


def test_recovery_retries_once_when_the_listing_still_has_the_thing(shelf):
    server, gateway = shelf
    gateway.call("list_items")
    assert gateway.call("get_item", {"name": "alpha"}).text == "item alpha"
    # failed once, the listing was re-read (not from cache), the thing was still there, the call was retried once
    assert server.calls == ["list_items", "get_item:alpha", "list_items", "get_item:alpha"]


def test_recovery_never_loops(shelf):
    server, gateway = shelf
    server.items.append("gamma")  # listed, but every read of it fails
    gateway.call("list_items")
    with pytest.raises(ToolFailed) as err:
        gateway.call("get_item", {"name": "gamma"})
    assert not isinstance(err.value, StaleReference)  # it still exists: a real error, reported as such
    assert server.calls == ["list_items", "get_item:gamma", "list_items", "get_item:gamma"]


def test_recovery_reports_a_thing_that_is_gone_with_the_fresh_list(shelf):
    server, gateway = shelf
    gateway.call("list_items")
    server.items.remove("alpha")
    with pytest.raises(StaleReference) as err:
        gateway.call("get_item", {"name": "alpha"})
    assert [r.name for r in err.value.records] == ["beta"]
    assert server.calls == ["list_items", "get_item:alpha", "list_items"]  # no retry of a thing that is gone
