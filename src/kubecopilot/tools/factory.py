"""Wire the tool layer from settings: client → tools/list → profile → catalog → cache → gateway."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kubecopilot.tools.cache import ReadCache
from kubecopilot.tools.catalog import Catalog
from kubecopilot.tools.client import MCPClient, MCPTarget
from kubecopilot.tools.gate import ApprovalRegistry
from kubecopilot.tools.gateway import ToolGateway
from kubecopilot.tools.profiles import load_profile


def connect_gateway(
    settings: Any,
    *,
    url: str | None = None,
    on_notice: Callable[[str], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ToolGateway:
    """Connect to the configured MCP server (or ``url``, e.g. a sandbox the caller started) and load its tools.

    Raises ``MCPUnavailable`` within the connect timeout when the server cannot be reached, ``ConfigError`` when
    nothing is configured or the profile is invalid.
    """
    target = MCPTarget.from_settings(settings.mcp, url=url)
    client = MCPClient(target, settings.mcp.connect_timeout, settings.mcp.call_timeout, on_notice=on_notice)
    try:
        client.connect()
        tools = client.list_tools()
        profile = load_profile(settings.mcp.profile, [t.name for t in tools])
        catalog = Catalog.build(tools, settings.tools.overrides, profile)
    except BaseException:
        client.close()
        raise
    cache = ReadCache(settings.cache.ttl, settings.cache.maxsize, clock=clock)
    gateway = ToolGateway(client, catalog, profile, cache, ApprovalRegistry(clock=clock))
    caveat = gateway.caveat()
    if caveat is not None and on_notice is not None:  # e.g. an SSE endpoint that one more client makes exit
        on_notice(f"{profile.name}: {caveat}")
    return gateway
