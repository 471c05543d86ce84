"""``kubecopilot tools [--output json]``: the MCP server's tools as KubeCopilot sees them — class (list / read /
write), why, the capability each serves, and how long its answers are cached."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from kubecopilot.commands import add_output_flag, command, machine_output

if TYPE_CHECKING:
    from kubecopilot.config import Settings


def add_parser(sub: Any) -> None:
    p = command(sub, "tools", "kubecopilot.commands.tools:run", "list the MCP server's tools, classified")
    add_output_flag(p)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from kubecopilot.app import App
    from kubecopilot.messages import say
    from kubecopilot.redaction import mask_url_credentials
    from kubecopilot.tools.catalog import catalog_rows
    from kubecopilot.ui.tables import tools_table

    with App.open(settings) as app:
        if app.sandbox is not None:
            print(say("sandbox_started", "en", url=app.mcp_url), file=sys.stderr)
        gateway = app.gateway
        rows = catalog_rows(gateway.catalog, gateway.cache.ttls)
        server = mask_url_credentials(app.mcp_url)
        if not machine_output(args, {"server": server, "profile": gateway.profile.name, "tools": rows}):
            print(tools_table(rows, server, gateway.profile.name))
    return 0
