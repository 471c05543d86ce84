"""``kubecopilot sandbox``: serve the built-in demo cluster over MCP."""

from __future__ import annotations

from typing import Any

from kubecopilot.commands import command


def add_parser(sub: Any) -> None:
    p = command(sub, "sandbox", "kubecopilot.sandbox.server:run_cli", "serve the built-in demo cluster over MCP")
    p.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback only)")
    p.add_argument("--port", type=int, default=8001, help="port (default 8001; 0 picks a free one)")
    p.add_argument(
        "--transport", choices=("sse", "streamable-http"), default="sse", help="sse (/sse) or streamable-http (/mcp)"
    )
    p.add_argument("--scenario", default="default", help="scenario to load (see README: Sandbox scenarios)")
