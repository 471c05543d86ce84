"""MCPClient against tiny real FastMCP servers on loopback (SSE and streamable HTTP): calls, errors, timeouts,
server down at start, reconnect after a restart on the same port."""

from __future__ import annotations

import threading
import time

import anyio
import pytest
from mcp.server.fastmcp import FastMCP
from mcp.types import ToolAnnotations

from kubecopilot.config import MCPSettings
from kubecopilot.errors import ConfigError, MCPDisconnected, MCPTimeout, MCPUnavailable
from kubecopilot.tools.client import MCPClient, MCPTarget

from .loopback import LoopbackServer, free_port, serve

PATHS = {"sse": "/sse", "streamable-http": "/mcp"}


def make_server(entered: threading.Event | None = None) -> FastMCP:
    mcp = FastMCP("tiny", log_level="WARNING")

    @mcp.tool(annotations=ToolAnnotations(readOnlyHint=True))
    def echo_args(namespace: str | None = None, limit: int | None = None) -> str:
        """Echo which arguments arrived."""
        return f"namespace={namespace} limit={limit}"

    @mcp.tool()
    def fail() -> str:
        raise ValueError('pods "ghost" not found')

    @mcp.tool()
    async def hang() -> str:
        if entered is not None:
            entered.set()
        await anyio.Event().wait()  # never set: only a client-side timeout ends this call
        return "unreachable"

    return mcp


def app_for(mcp: FastMCP, transport: str):
    return mcp.sse_app() if transport == "sse" else mcp.streamable_http_app()


@pytest.fixture(scope="module", params=["sse", "streamable-http"])
def running(request):
    mcp = make_server()
    with serve(app_for(mcp, request.param)) as server:
        yield request.param, server


@pytest.fixture
def client(running):
    transport, server = running
    c = MCPClient(MCPTarget.from_url(server.base + PATHS[transport]), connect_timeout=5, call_timeout=5)
    c.connect()
    yield c
    c.close()


def test_tools_load_with_annotations(client):
    tools = {t.name: t for t in client.list_tools()}
    assert set(tools) == {"echo_args", "fail", "hang"}
    assert tools["echo_args"].annotations["readOnlyHint"] is True
    assert tools["echo_args"].input_schema["properties"]["namespace"]


def test_none_optionals_are_dropped_and_errors_are_data(client):
    assert client.call_tool("echo_args", {"namespace": "dev", "limit": None}).text == "namespace=dev limit=None"
    failed = client.call_tool("fail")
    assert failed.is_error and 'pods "ghost" not found' in failed.text


def test_call_timeout_is_typed_and_the_session_stays_usable(client):
    with pytest.raises(MCPTimeout) as err:
        client.call_tool("hang", timeout=0.3)
    assert "hang did not answer within 0.3 s" in err.value.message
    assert client.call_tool("echo_args", {"namespace": "after"}).text.startswith("namespace=after")


@pytest.mark.parametrize("transport", ["sse", "streamable-http"])
def test_server_down_at_start_fails_fast_with_the_url_and_what_to_check(transport):
    url = f"http://127.0.0.1:{free_port()}{PATHS[transport]}"
    client = MCPClient(MCPTarget.from_url(url), connect_timeout=5)
    started = time.monotonic()
    with pytest.raises(MCPUnavailable) as err:
        client.connect()
    assert time.monotonic() - started < 5  # well within the connect timeout: a refused connection is not waited out
    assert url in err.value.message
    assert "is the server running" in err.value.hint
    client.close()


@pytest.mark.parametrize("transport", ["sse", "streamable-http"])
def test_reconnects_after_the_server_restarts_and_tells_the_user(transport):
    notices: list[str] = []
    mcp = make_server()
    first = LoopbackServer(app_for(mcp, transport)).start()
    url = first.base + PATHS[transport]
    client = MCPClient(MCPTarget.from_url(url), connect_timeout=5, call_timeout=5, on_notice=notices.append)
    try:
        client.connect()
        assert client.call_tool("echo_args", {"namespace": "before"}).text.startswith("namespace=before")
        first.stop()
        second = LoopbackServer(app_for(make_server(), transport), port=first.port).start()
        try:
            outcomes = []
            for _ in range(2):  # the call in flight when the server vanished may fail; the next one reconnects
                try:
                    outcomes.append(client.call_tool("echo_args", {"namespace": "after"}).text)
                    break
                except MCPDisconnected as exc:
                    outcomes.append(exc)
            assert outcomes[-1] == "namespace=after limit=None"
            assert any("reconnected" in n for n in notices)
        finally:
            second.stop()
    finally:
        client.close()


@pytest.mark.parametrize("transport", ["sse", "streamable-http"])
def test_a_call_in_flight_when_the_server_dies_fails_fast_as_disconnected(transport):
    entered = threading.Event()
    server = LoopbackServer(app_for(make_server(entered), transport)).start()
    client = MCPClient(MCPTarget.from_url(server.base + PATHS[transport]), connect_timeout=5, call_timeout=60)
    outcome: list[BaseException] = []

    def call_hang() -> None:
        try:
            client.call_tool("hang")
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
            outcome.append(exc)

    try:
        client.connect()
        caller = threading.Thread(target=call_hang)
        caller.start()
        assert entered.wait(10)
        server.stop()
        caller.join(timeout=20)  # far below the 60 s call timeout: the drop is noticed, not waited out
        assert not caller.is_alive()
        assert isinstance(outcome[0], MCPDisconnected)
        assert "check whether it was applied" in outcome[0].hint
        with pytest.raises(MCPUnavailable, match="could not reconnect"):
            client.call_tool("echo_args")  # still down: a clear error, not a hang
    finally:
        client.close()


def test_target_from_settings_picks_the_transport():
    assert MCPTarget.from_settings(MCPSettings(url="http://h:8001/sse")).transport == "sse"
    assert MCPTarget.from_settings(MCPSettings(url="http://h:8080/mcp/")).transport == "streamable-http"
    forced = MCPTarget.from_settings(MCPSettings(url="http://h:9/anything", transport="streamable-http"))
    assert forced.transport == "streamable-http"
    stdio = MCPTarget.from_settings(MCPSettings(command=["python", "-m", "kubecopilot", "sandbox"]))
    assert (stdio.transport, stdio.command[0]) == ("stdio", "python")
    headed = MCPTarget.from_settings(MCPSettings(url="http://h/sse", headers={"Authorization": "Bearer s3cret"}))
    assert headed.headers == {"Authorization": "Bearer s3cret"}
    assert "s3cret" not in repr(headed)
    with pytest.raises(ConfigError):
        MCPTarget.from_settings(MCPSettings())
    with pytest.raises(ConfigError):
        MCPTarget.from_url("localhost:8001/sse")


@pytest.mark.parametrize("transport", ["sse", "streamable-http"])
def test_configured_headers_go_with_every_request(transport):
    seen: list[bytes | None] = []
    inner = app_for(make_server(), transport)

    async def recording_app(scope, receive, send):
        if scope["type"] == "http":
            seen.append(dict(scope["headers"]).get(b"authorization"))
        await inner(scope, receive, send)

    with serve(recording_app) as server:
        settings = MCPSettings(url=server.base + PATHS[transport], headers={"Authorization": "Bearer t0k3n"})
        client = MCPClient(MCPTarget.from_settings(settings), connect_timeout=5)
        try:
            client.connect()
            client.call_tool("echo_args", {})
        finally:
            client.close()
    assert len(seen) >= 3  # connect, initialize, the call …
    assert set(seen) == {b"Bearer t0k3n"}


def test_a_server_that_accepts_but_never_answers_fails_at_the_connect_timeout():
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:  # listening, never serving
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/sse"
        client = MCPClient(MCPTarget.from_url(url), connect_timeout=0.5)
        with pytest.raises(MCPUnavailable) as err:
            client.connect()
        assert "no answer within 0.5 s" in err.value.message
        client.close()  # and closing does not hang on the abandoned attempt
