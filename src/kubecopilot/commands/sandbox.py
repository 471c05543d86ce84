"""``kubecopilot sandbox``: serve the built-in demo cluster over MCP."""

from __future__ import annotations

from typing import Any

from kubecopilot.commands import command


def add_parser(sub: Any) -> None:
    p = command(sub, "sandbox", "kubecopilot.sandbox.server:run_cli", "serve the built-in demo cluster over MCP")
    p.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback only)")
    p.add_argument("--port", type=int, default=8001, help="port (default 8001; 0 picks a free one)")
    p.add_argument(
        "--transport",
        choices=("sse", "streamable-http", "stdio"),
        default="sse",
        help="sse (/sse, default) or streamable-http (/mcp): both are served on the port, this picks the URL "
        "announced; stdio serves on stdin/stdout",
    )
    p.add_argument(
        "--write-kubeconfig",
        dest="write_kubeconfig",
        default=None,
        metavar="PATH",
        help="also write a kubeconfig for the sandbox's Kubernetes API (one context per cluster), e.g. for "
        "KUBECONFIG=PATH kubectl get pods -n dev -w",
    )
    p.add_argument(
        "--scenario",
        default=None,
        help="scenario to load: default, healthy, minimal (default: $KUBECOPILOT_SANDBOX_SCENARIO or default)",
    )
    # With --scenario (as the REPL starts its child) the settings have nothing to add: not loading them is a tenth of
    # a second off every start of the REPL.
    p.set_defaults(needs_settings=lambda args: args.scenario is None)
