"""A synchronous MCP client for tests: one real session (SSE, streamable HTTP or stdio) held by one task on a
private event-loop thread, as the product's tool layer does it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import threading
from contextlib import AsyncExitStack
from typing import Any

import mcp.types as types
from mcp import ClientSession, StdioServerParameters
from mcp.client.sse import sse_client
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client

CALL_TIMEOUT_S = 30


class MCPSession:
    def __init__(self, url: str | None = None, *, stdio: StdioServerParameters | None = None) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._ready: concurrent.futures.Future[ClientSession] = concurrent.futures.Future()
        self._closing: asyncio.Event | None = None
        self._holder = asyncio.run_coroutine_threadsafe(self._hold(url, stdio), self._loop)
        self.session = self._ready.result(CALL_TIMEOUT_S)

    async def _hold(self, url: str | None, stdio: StdioServerParameters | None) -> None:
        """Enter and leave the transport and session in this one task (anyio scopes demand it)."""
        self._closing = asyncio.Event()
        try:
            async with AsyncExitStack() as stack:
                if stdio is not None:
                    read, write = await stack.enter_async_context(stdio_client(stdio))
                elif url and url.endswith("/mcp"):
                    read, write, _ = await stack.enter_async_context(streamablehttp_client(url))
                else:
                    read, write = await stack.enter_async_context(sse_client(url))
                session = await stack.enter_async_context(ClientSession(read, write))
                await session.initialize()
                self._ready.set_result(session)
                await self._closing.wait()
        except BaseException as exc:
            if not self._ready.done():
                self._ready.set_exception(exc)
            raise

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(CALL_TIMEOUT_S)

    def list_tools(self) -> list[types.Tool]:
        return self._run(self.session.list_tools()).tools

    def call(self, tool: str, **arguments: Any) -> types.CallToolResult:
        return self._run(self.session.call_tool(tool, arguments))

    def text(self, tool: str, **arguments: Any) -> str:
        """The tool's text; fails the test if the server reported an error."""
        result = self.call(tool, **arguments)
        body = result.content[0].text
        assert not result.isError, f"{tool}({arguments}) failed: {body}"
        return body

    def json(self, tool: str, **arguments: Any) -> Any:
        return json.loads(self.text(tool, **arguments))

    def error(self, tool: str, **arguments: Any) -> str:
        """The error text; fails the test if the call succeeded."""
        result = self.call(tool, **arguments)
        assert result.isError, f"{tool}({arguments}) should have failed"
        return result.content[0].text

    def close(self) -> None:
        if self._closing is not None:
            self._loop.call_soon_threadsafe(self._closing.set)
        with contextlib.suppress(Exception):  # the server may already be gone (restart tests)
            self._holder.result(CALL_TIMEOUT_S)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(CALL_TIMEOUT_S)
        self._loop.close()

    def __enter__(self) -> MCPSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
