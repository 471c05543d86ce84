"""The start-up banner: where you are (cluster, MCP server, tools), what thinks (model or offline), where things go.

Everything in it is already known locally or was read into the cache at start, so printing it costs no extra call.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from kubecopilot import __version__
from kubecopilot.redaction import mask_url_credentials

OFFLINE_WORKS = "rules and analyzers only"
_KEY_VAR = re.compile(r"\((\w+) is not set\)")


def tool_counts(catalog: Any) -> Counter[str]:
    return Counter(spec.tool_class for spec in catalog)


def tools_line(app: Any) -> str:
    counts = tool_counts(app.gateway.catalog)
    reads = counts["list"] + counts["read"]
    profile = getattr(app.gateway.profile, "name", None)
    text = f"{sum(counts.values())} tools: {reads} read, {counts['write']} write"
    return text + (f" · profile {profile}" if profile else "")


def model_line(app: Any) -> tuple[str, str | None]:
    """(what the banner says about the LLM, a dim hint or None)."""
    if not app.offline:
        return app.settings.llm.model, None
    reason = app.llm_reason or "no LLM configured"
    var = _KEY_VAR.search(reason)
    if var:
        return f"offline (no LLM key): {OFFLINE_WORKS}", f"set {var.group(1)} for the LLM"
    if "offline" in reason:
        return f"offline (--offline): {OFFLINE_WORKS}", None
    return f"offline ({reason}): {OFFLINE_WORKS}", None


def model_report(app: Any, brain_state: str) -> RenderableType:
    """What /model says: the model (or why it is off), how far the crew got, and how to change it."""
    text, hint = model_line(app)
    lines = [Text.assemble(("model: ", "bold"), text)]
    if not app.offline:
        lines.append(Text(f"status: {brain_state}", style="dim"))
    if hint:
        lines.append(Text(hint, style="dim"))
    lines.append(Text("Change it with --model, KUBECOPILOT_MODEL or llm.model in the config file "
                      "(any litellm model string); --offline turns the LLM off.", style="dim"))
    return Group(*lines)


def cluster_line(app: Any, cluster: str | None) -> str:
    name = cluster or "(server default)"
    if app.sandbox is not None:
        return f"{name} — the built-in sandbox, started for this session (stops when you quit)"
    return name


def title() -> Text:
    return Text.assemble(("KubeCopilot ", "bold"), (__version__, "dim"), " — ask about your cluster in plain English or 中文")


def banner(app: Any, cluster: str | None) -> RenderableType:
    return Group(title(), details(app, cluster))


def details(app: Any, cluster: str | None) -> RenderableType:
    """The banner below its title: what is known once the server answered (the REPL may print it above a prompt
    that came first)."""
    settings = app.settings
    model, model_hint = model_line(app)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("cluster", cluster_line(app, cluster))
    grid.add_row("MCP", Text.assemble(mask_url_credentials(app.mcp_url) or "?", ("  ·  ", "dim"), tools_line(app)))
    grid.add_row("model", Text.assemble(model, (f"  ({model_hint})" if model_hint else "", "dim")))
    grid.add_row("config", short_path(settings.config_file))
    grid.add_row("audit", audit_location(settings.audit_url))
    parts: list[RenderableType] = [grid]
    if not app.offline and settings.redaction.enabled:
        parts.append(Text("ℹ Text is redacted before it goes to the LLM (IPs, emails, tokens, keys, Secret data).",
                          style="yellow"))
    parts.append(Text("Type a question, a number from the menu, or /help. Tab completes, Ctrl-R searches history.",
                      style="dim"))
    return Group(*parts)


def short_path(path: Path | str) -> str:
    text, home = str(path), str(Path.home())
    return "~" + text[len(home):] if text.startswith(home + "/") else text


def audit_location(url: str) -> str:
    """The ledger's file, or just the database kind: a team's database URL may carry a password."""
    if url.startswith("sqlite:///"):
        return short_path(url.removeprefix("sqlite:///")) + "  (kubecopilot audit verify checks it)"
    return url.split(":", 1)[0] + " database (see kubecopilot config show)"
