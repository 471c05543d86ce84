"""The wire under ``MCPClient``: where the server is (``MCPTarget``) and how to open its transport.

Two watchers make a vanished server visible at once instead of after a call timeout: ``watch_stream`` notices
when the server's message stream ends, and ``_WatchedTransport`` notices a failed message POST — the SDK's SSE and
streamable HTTP clients only log those and leave the caller waiting.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlparse

import anyio
import httpx
from mcp import StdioServerParameters
from mcp.client.sse import sse_client
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from kubecopilot.errors import ConfigError

Transport = Literal["sse", "streamable-http", "stdio"]


@dataclass(frozen=True)
class MCPTarget:
    """Where the server is and how to talk to it."""

    transport: Transport
    url: str | None = None
    command: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_settings(cls, mcp: Any, url: str | None = None) -> MCPTarget:
        """From ``settings.mcp``: the URL path picks the transport (``/sse`` → SSE, ``/mcp`` → streamable HTTP)
        unless ``transport`` says otherwise; a ``command`` with no URL means stdio."""
        url = url or mcp.url
        headers = {
            k: (v.get_secret_value() if hasattr(v, "get_secret_value") else str(v)) for k, v in mcp.headers.items()
        }
        transport = mcp.transport
        if transport == "stdio" or (transport == "auto" and not url and mcp.command):
            if not mcp.command:
                raise ConfigError("the stdio transport needs mcp.command", hint="set KUBECOPILOT_MCP_COMMAND")
            return cls("stdio", command=tuple(mcp.command), env=dict(mcp.env))
        if not url:
            raise ConfigError("no MCP server configured", hint="set --mcp-url, KUBECOPILOT_MCP_URL or mcp.command")
        return cls.from_url(url, headers, transport)

    @classmethod
    def from_url(cls, url: str, headers: Mapping[str, str] | None = None, transport: str = "auto") -> MCPTarget:
        if transport == "auto":
            path = urlparse(url).path.rstrip("/")
            transport = "streamable-http" if path.endswith("/mcp") else "sse"
        if urlparse(url).scheme not in ("http", "https"):
            raise ConfigError(f"MCP URL {url!r} is not an http(s) URL", hint="e.g. http://localhost:8001/sse")
        return cls(transport, url=url, headers=dict(headers or {}))  # type: ignore[arg-type]

    def describe(self) -> str:
        return self.url if self.url else " ".join(self.command)


async def open_transport(
    stack: AsyncExitStack,
    target: MCPTarget,
    connect_timeout: float,
    on_post_failure: Callable[[bool], None],
    errlog: Any = None,
) -> tuple[Any, Any]:
    """Enter the SDK transport for ``target`` on ``stack``; returns its (read, write) streams."""
    headers = dict(target.headers) or None

    def http_client(headers: Any = None, timeout: Any = None, auth: Any = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            headers=headers, timeout=timeout, auth=auth, transport=_WatchedTransport(on_post_failure)
        )

    if target.transport == "sse":
        return await stack.enter_async_context(
            sse_client(target.url or "", headers=headers, timeout=connect_timeout, httpx_client_factory=http_client)
        )
    if target.transport == "streamable-http":
        http = await stack.enter_async_context(http_client(headers, httpx.Timeout(connect_timeout, read=300)))
        read, write, _ = await stack.enter_async_context(streamable_http_client(target.url or "", http_client=http))
        return read, write
    params = StdioServerParameters(
        command=target.command[0], args=list(target.command[1:]), env={**os.environ, **target.env}
    )
    return await stack.enter_async_context(stdio_client(params, errlog=errlog or sys.stderr))


async def watch_stream(stack: AsyncExitStack, read: Any, stop: asyncio.Event) -> Any:
    """Relay the server's messages to the session and set ``stop`` when the server's stream ends, so the holder
    notices a server that went away even while no call is running."""
    send, receive = anyio.create_memory_object_stream[Any](0)

    async def pump() -> None:
        try:
            async with send:
                async for message in read:
                    await send.send(message)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            pass
        finally:
            stop.set()

    group = await stack.enter_async_context(anyio.create_task_group())
    stack.callback(group.cancel_scope.cancel)  # runs before the group exits: the pump would otherwise wait forever
    group.start_soon(pump)
    return receive


class _WatchedTransport(httpx.AsyncHTTPTransport):
    """Tells the session holder when a message POST fails, and whether the server can have seen the message:
    a refused connection or an unknown session (404/410) means it never ran; a broken answer stream means it may
    have. The SDK itself only logs these and leaves the caller waiting for its timeout."""

    def __init__(self, on_post_failure: Callable[[bool], None]) -> None:
        super().__init__()
        self._on_post_failure = on_post_failure

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST":
            return await super().handle_async_request(request)
        try:
            response = await super().handle_async_request(request)
        except httpx.ConnectError:
            self._on_post_failure(True)
            raise
        except httpx.TransportError:
            self._on_post_failure(False)
            raise
        if response.status_code in (404, 410):
            self._on_post_failure(True)
        elif response.status_code >= 500:
            self._on_post_failure(False)
        elif response.headers.get("content-type", "").startswith("text/event-stream"):
            response.stream = _WatchedStream(response.stream, lambda: self._on_post_failure(False))
        return response


class _WatchedStream(httpx.AsyncByteStream):
    """An answer stream that reports ending before the client was done with it (the server went away)."""

    def __init__(self, inner: Any, on_broken: Callable[[], None]) -> None:
        self._inner, self._on_broken, self._done = inner, on_broken, False

    async def __aiter__(self) -> Any:
        try:
            async for chunk in self._inner:
                yield chunk
        except Exception:
            if not self._done:
                self._on_broken()
            raise
        if not self._done:
            self._on_broken()

    async def aclose(self) -> None:
        self._done = True
        await self._inner.aclose()
