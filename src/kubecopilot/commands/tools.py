"""``kubecopilot tools [--output json]``: the MCP server's tools as KubeCopilot sees them — class (list / read /
write), why, the capability each serves, and how long its answers are cached."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kubecopilot.commands import add_output_flag, command
from kubecopilot.config import Settings


def add_parser(sub: Any) -> None:
    p = command(sub, "tools", "kubecopilot.commands.tools:run", "list the MCP server's tools, classified")
    add_output_flag(p)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from kubecopilot.app import App
    from kubecopilot.messages import say
    from kubecopilot.redaction import mask_url_credentials
    from kubecopilot.tools.catalog import catalog_rows

    with App.open(settings) as app:
        if app.sandbox is not None:
            print(say("sandbox_started", "en", url=app.mcp_url), file=sys.stderr)
        gateway = app.gateway
        rows = catalog_rows(gateway.catalog, gateway.cache.ttls)
        server = mask_url_credentials(app.mcp_url)
        if args.output == "json":
            print(json.dumps({"server": server, "profile": gateway.profile.name, "tools": rows}, indent=2))
        else:
            print(render_table(rows, server, gateway.profile.name))
    return 0


def render_table(rows: list[dict[str, Any]], server: str, profile: str) -> str:
    columns = ("name", "class", "why", "capability", "cache")
    cells = [[str(row.get(c) or "-") for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) if cells else len(c) for i, c in enumerate(columns)]
    lines = [f"{len(rows)} tools at {server} (profile: {profile})", ""]
    lines.append("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    counts = {k: sum(1 for r in rows if r["class"] == k) for k in ("list", "read", "write")}
    lines += [
        "",
        f"{counts['list']} list · {counts['read']} read · {counts['write']} write "
        "(writes run only through approved plans; unknown tools count as writes)",
    ]
    # A server's annotation we overruled is worth a line of its own: the server may be buggy or hostile.
    overruled = [r for r in rows if str(r.get("detail") or "").startswith("server says")]
    lines += [f"! {r['name']}: {r['detail']}" for r in overruled]
    return "\n".join(lines)
