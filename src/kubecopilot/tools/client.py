"""One long-lived MCP session over SSE, streamable HTTP or stdio, usable from ordinary (threaded) code.

The mcp SDK is async and built on anyio, whose cancel scopes must be entered and left by the same task. So one
"holder" task on a private event-loop thread opens the transport and the ``ClientSession``, keeps them until
told to stop or until the server goes away, and closes them itself. Calls are separate tasks submitted with
``asyncio.run_coroutine_threadsafe``; they only send a request on the session and wait for its answer.

Failures are typed (``kubecopilot.errors``): the server is down at start → ``MCPUnavailable`` within the connect
timeout; a call takes too long → ``MCPTimeout`` (the session stays usable); the connection drops under a call →
``MCPDisconnected`` (we cannot know whether a write ran, so it is not retried); the next call reconnects with
backoff and tells the user through ``on_notice``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import re
import tempfile
import threading
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio
import httpx
from mcp import ClientSession, McpError, types
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

from kubecopilot import __version__
from kubecopilot.errors import MCPDisconnected, MCPTimeout, MCPUnavailable, ToolFailed
from kubecopilot.tools.catalog import ToolInfo
from kubecopilot.tools.transports import MCPTarget, open_transport, watch_stream

# What the server's logs and audit trail see (the MCP SDK would say "mcp 0.1.0").
CLIENT_INFO = types.Implementation(name="kubecopilot", version=__version__)

__all__ = ["MCPClient", "MCPTarget", "RawResult"]
log = logging.getLogger(__name__)

# The SDK logs a full traceback when a server goes away; we report that ourselves, once, as a typed error.
for _noisy in ("mcp.client.sse", "mcp.client.streamable_http", "mcp.client.stdio"):
    if logging.getLogger(_noisy).level == logging.NOTSET:
        logging.getLogger(_noisy).setLevel(logging.CRITICAL)

_SESSION_GONE = ("connection closed", "session terminated")
_FASTMCP_PREFIX = re.compile(r"^Error executing tool \S+: ")
_KLOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ \S+:\d+\] ")


@dataclass(frozen=True)
class RawResult:
    text: str
    is_error: bool
    structured: Any = None


class MCPClient:
    def __init__(
        self,
        target: MCPTarget,
        connect_timeout: float = 10.0,
        call_timeout: float = 30.0,
        *,
        on_notice: Callable[[str], None] | None = None,
        reconnect_attempts: int = 4,
    ) -> None:
        self.target = target
        self.connect_timeout = connect_timeout
        self.call_timeout = call_timeout
        self.on_notice = on_notice or (lambda _msg: None)
        self.reconnect_attempts = reconnect_attempts
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._session: ClientSession | None = None
        self._holder: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None
        self._inflight: set[asyncio.Task[Any]] = set()
        self._lock = threading.RLock()  # one connect/reconnect at a time
        self._lost = False  # the session dropped; the next call reconnects
        self._closed = False
        self._rejected = False  # the server refused our session id: requests in flight never ran
        self._errlog: Any = None

    # --- public -------------------------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._session is not None

    def connect(self) -> None:
        """Open the session, or raise ``MCPUnavailable`` naming the server and what to check."""
        with self._lock:
            if self._session is None:
                self._open()

    def list_tools(self) -> list[ToolInfo]:
        tools: list[ToolInfo] = []
        cursor: str | None = None
        while True:
            page = self._run(_tools_page(cursor), "tools/list")
            tools += [_tool_info(t) for t in page.tools]
            cursor = page.nextCursor
            if not cursor:
                return tools

    def call_tool(self, name: str, args: Mapping[str, Any] | None = None, timeout: float | None = None) -> RawResult:
        """Call one tool. Optional arguments that are ``None`` are dropped (servers treat them as omitted)."""
        clean = {k: v for k, v in (args or {}).items() if v is not None}
        limit = timeout or self.call_timeout
        result = self._run(
            lambda s: s.call_tool(name, clean, read_timeout_seconds=timedelta(seconds=limit)), name, limit
        )
        return _raw(result)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._shutdown_session()
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._loop.stop)
                if self._thread is not None:
                    self._thread.join(timeout=5)
                self._loop.close()
                self._loop, self._thread = None, None
            if self._errlog is not None:
                self._errlog.close()
                self._errlog = None

    def __enter__(self) -> MCPClient:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- calls --------------------------------------------------------------------------------------------------

    def _run(self, make: Callable[[ClientSession], Any], what: str, timeout: float | None = None) -> Any:
        for attempt in (1, 2):
            session = self._ensure_session()
            try:
                return self._submit(session, make, what, timeout or self.call_timeout)
            except _SessionTerminated:
                # The server no longer knows our session (it restarted): the request never ran, so it is safe to
                # reconnect and send it once more.
                self._mark_lost()
                if attempt == 2:
                    raise MCPDisconnected(f"the MCP server at {self.target.describe()} dropped the session") from None
        raise AssertionError("unreachable")

    def _submit(self, session: ClientSession, make: Callable[[ClientSession], Any], what: str, timeout: float) -> Any:
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(self._tracked(make(session)), self._loop)
        try:
            # The session enforces ``timeout`` itself; the margin only guards against a wedged event loop.
            return future.result(timeout + 5.0)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise self._timeout(what, timeout) from None
        except concurrent.futures.CancelledError:
            rejected = self._rejected
            self._mark_lost()
            raise (_SessionTerminated() if rejected else self._disconnected(what)) from None
        except McpError as exc:
            raise self._translate(exc, what, timeout) from None
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream, httpx.TransportError, OSError):
            self._mark_lost()
            raise self._disconnected(what) from None

    async def _tracked(self, coro: Any) -> Any:
        task = asyncio.current_task()
        assert task is not None
        self._inflight.add(task)
        try:
            return await coro
        finally:
            self._inflight.discard(task)

    def _translate(self, exc: McpError, what: str, timeout: float) -> Exception:
        message = exc.error.message or str(exc)
        if exc.error.code == httpx.codes.REQUEST_TIMEOUT:
            return self._timeout(what, timeout)
        if message.lower().startswith("session terminated"):
            return _SessionTerminated()
        if exc.error.code == types.CONNECTION_CLOSED or message.lower().startswith(_SESSION_GONE):
            self._mark_lost()
            return self._disconnected(what)
        return ToolFailed(server_message(message), tool=what, code=exc.error.code)

    def _timeout(self, what: str, timeout: float) -> MCPTimeout:
        return MCPTimeout(
            f"{what} did not answer within {timeout:g} s",
            hint="the server may be busy; retry, or raise mcp.call_timeout (KUBECOPILOT_CALL_TIMEOUT)",
            tool=what,
        )

    def _disconnected(self, what: str) -> MCPDisconnected:
        return MCPDisconnected(
            f"lost the connection to the MCP server at {self.target.describe()} during {what}",
            hint="KubeCopilot reconnects on the next request; if this was a change, check whether it was applied",
            tool=what,
        )

    # --- session lifecycle --------------------------------------------------------------------------------------

    def _ensure_session(self) -> ClientSession:
        with self._lock:
            if self._closed:
                raise MCPUnavailable("the MCP client was closed")
            if self._session is not None:
                return self._session
            if not self._lost:
                self._open()
            else:
                self._reconnect()
            assert self._session is not None
            return self._session

    def _reconnect(self) -> None:
        retrying = Retrying(
            stop=stop_after_attempt(self.reconnect_attempts) | stop_after_delay(self.connect_timeout),
            wait=wait_exponential(multiplier=0.05, max=2.0),
            retry=retry_if_exception_type(MCPUnavailable),
            reraise=True,
        )
        try:
            retrying(self._open)
        except (MCPUnavailable, RetryError) as exc:
            raise MCPUnavailable(
                f"lost the connection to the MCP server at {self.target.describe()} and could not reconnect",
                hint=getattr(exc, "hint", None) or "is the server still running?",
            ) from None
        self._lost = False
        self.on_notice(f"The connection to the MCP server at {self.target.describe()} was lost; reconnected.")

    def _mark_lost(self) -> None:
        with self._lock:
            self._lost = True
            self._shutdown_session()

    def _open(self) -> None:
        loop = self._ensure_loop()
        future = asyncio.run_coroutine_threadsafe(self._start_holder(), loop)
        try:
            future.result(self.connect_timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise self._unavailable(f"no answer within {self.connect_timeout:g} s") from None
        except BaseException as exc:  # noqa: BLE001 - any failure to open is "unavailable", with its root cause
            raise self._unavailable(_root_cause(exc)) from None

    async def _start_holder(self) -> None:
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._holder = asyncio.create_task(self._hold(ready))
        try:
            await ready
        except asyncio.CancelledError:
            self._holder.cancel()
            raise

    async def _hold(self, ready: asyncio.Future[None]) -> None:
        """Own the transport and the session for their whole life, in this one task."""
        stop = self._stop = asyncio.Event()
        self._rejected = False
        try:
            async with AsyncExitStack() as stack:
                read, write = await self._open_transport(stack, stop)
                read = await watch_stream(stack, read, stop)
                session = await stack.enter_async_context(ClientSession(read, write, client_info=CLIENT_INFO))
                await session.initialize()
                self._session = session
                ready.set_result(None)
                await stop.wait()
        except BaseException as exc:  # noqa: BLE001 - reported to the waiting caller or logged; this task ends here
            if not ready.done():
                ready.set_exception(exc if isinstance(exc, Exception) else ConnectionError("connection cancelled"))
            else:
                log.debug("MCP session ended: %s", _root_cause(exc))
        finally:
            self._session = None
            if ready.done() and not ready.cancelled() and ready.exception() is None and not self._closed:
                self._lost = True  # the server went away (or we dropped it): the next call reconnects
            for task in list(self._inflight):
                task.cancel()

    async def _open_transport(self, stack: AsyncExitStack, stop: asyncio.Event) -> tuple[Any, Any]:
        def on_post_failure(never_ran: bool) -> None:
            # End the session at once so the waiting call fails fast (and is resent when the server never saw it).
            self._rejected = self._rejected or never_ran
            stop.set()

        if self.target.transport == "stdio" and self._errlog is None:
            self._errlog = tempfile.TemporaryFile("w+", encoding="utf-8")
        return await open_transport(stack, self.target, self.connect_timeout, on_post_failure, self._errlog)

    def _shutdown_session(self) -> None:
        if self._loop is None or self._stop is None:
            return
        stop, holder = self._stop, self._holder
        self._loop.call_soon_threadsafe(stop.set)
        if holder is not None and threading.current_thread() is not self._thread:
            waiter = asyncio.run_coroutine_threadsafe(_wait_quietly(holder), self._loop)
            try:
                waiter.result(timeout=5)
            except concurrent.futures.TimeoutError:
                self._loop.call_soon_threadsafe(holder.cancel)
        self._session, self._stop, self._holder = None, None, None

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="kubecopilot-mcp", daemon=True)
            thread.start()
            self._loop, self._thread = loop, thread
        return self._loop

    def _unavailable(self, cause: str) -> MCPUnavailable:
        target = self.target
        if target.transport == "stdio":
            stderr = self._stderr_tail()
            return MCPUnavailable(
                f"could not start the MCP server command `{target.describe()}`: {cause}",
                hint=("its stderr said: " + stderr) if stderr else "check that the command exists and runs on its own",
            )
        path_hint = "…/sse for SSE, …/mcp for streamable HTTP"
        return MCPUnavailable(
            f"cannot reach the MCP server at {target.url} ({target.transport}): {cause}",
            hint=f"is the server running? check the URL ({path_hint}), --mcp-url / KUBECOPILOT_MCP_URL, "
            "and any auth header in mcp.headers",
            url=target.url,
        )

    def _stderr_tail(self) -> str:
        if self._errlog is None:
            return ""
        self._errlog.seek(0)
        lines = [line.strip() for line in self._errlog.read().splitlines() if line.strip()]
        return " | ".join(lines[-3:])


class _SessionTerminated(Exception):
    """The server answered 404 for our session id: it never ran the request."""


async def _wait_quietly(task: asyncio.Task[Any]) -> None:
    try:
        await task
    except BaseException:  # noqa: BLE001 - the holder reports its own end
        pass


def _tools_page(cursor: str | None) -> Callable[[ClientSession], Any]:
    return lambda session: session.list_tools(params=types.PaginatedRequestParams(cursor=cursor))


def _tool_info(tool: types.Tool) -> ToolInfo:
    annotations = tool.annotations.model_dump(exclude_none=True) if tool.annotations else {}
    return ToolInfo(tool.name, tool.description or "", dict(tool.inputSchema or {}), annotations)


def _raw(result: types.CallToolResult) -> RawResult:
    texts = [c.text for c in result.content if isinstance(c, types.TextContent)]
    return RawResult("\n".join(texts), bool(result.isError), result.structuredContent)


def _root_cause(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, httpx.ConnectError):
        return "connection refused" if "refused" in str(exc).lower() or not str(exc) else str(exc)
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code} from {exc.request.url}"
    return str(exc) or type(exc).__name__


def server_message(text: str) -> str:
    """A server's error text without the noise around it: FastMCP's "Error executing tool x:" prefix, and kubectl's
    klog lines (``E1207 13:28:59.370343 12459 memcache.go:381] …``, repeated per retry) when it also says why in words."""
    lines = [line for line in _FASTMCP_PREFIX.sub("", text.strip()).splitlines() if line.strip()]
    words = [line for line in lines if not _KLOG_LINE.match(line)]
    return "\n".join(words or lines).strip()
