"""``kubecopilot`` with no command: open the App (starting the sandbox if no server is configured), show the
banner and the quick-command menu, then the REPL. The sandbox child is stopped on every way out: /quit, Ctrl-D,
a second Ctrl-C, SIGTERM, SIGHUP (terminal closed) and errors.

crewAI is not imported before the prompt shows; with an LLM configured the crew is built in a background thread.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Iterator
from typing import Any

from kubecopilot.config import Settings
from kubecopilot.errors import KubeCopilotError


def run(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    console = Console(highlight=False)
    with exit_on_termination():
        app = open_app(settings, console)
        try:
            return start_repl(app, console, settings, interactive=sys.stdin.isatty() and sys.stdout.isatty())
        finally:
            app.close()


@contextlib.contextmanager
def exit_on_termination() -> Iterator[None]:
    """SIGTERM/SIGHUP → ``SystemExit``, so ``finally`` blocks run and the sandbox child is stopped."""

    def leave(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, leave) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def open_app(settings: Settings, console: Any) -> Any:
    from rich.text import Text

    from kubecopilot.app import App

    def notice(message: str) -> None:
        console.print(Text(f"ℹ {message}", style="yellow"))

    starting = (f"connecting to {settings.mcp.url}" if settings.mcp.url or settings.mcp.command
                else "no MCP server configured: starting the built-in sandbox cluster")
    status = console.status(Text(f"{starting}…", style="cyan")) if console.is_terminal else contextlib.nullcontext()
    with status:
        return App.open(settings, on_notice=notice)


def start_repl(app: Any, console: Any, settings: Settings, *, interactive: bool, input: Any = None,
               output: Any = None, on_ready: Any = None) -> int:
    """Banner, menu, REPL. ``input``/``output`` are prompt-toolkit's (tests pass a pipe input and a dummy output)."""
    from rich.text import Text

    from kubecopilot.dialogue.engine import QUICK_COMMANDS
    from kubecopilot.ui.banner import banner
    from kubecopilot.ui.completion import NameIndex, ReplCompleter
    from kubecopilot.ui.reader import PlainReader, PromptReader
    from kubecopilot.ui.repl import Repl
    from kubecopilot.ui.slash import SLASH_HELP
    from kubecopilot.ui.toolbar import toolbar

    names = NameIndex()
    cluster = discover(app, names)
    console.print(banner(app, cluster))
    console.print()
    repl = Repl(app, console, PlainReader(echo=lambda line: console.print(Text(line, style="bold"))), names=names,
                default_cluster=cluster, on_ready=on_ready)
    if interactive:
        quick = [command for _, _, command in QUICK_COMMANDS]
        completer = ReplCompleter(SLASH_HELP, quick, names, plan_ids=lambda: plan_ids(app))
        repl.reader = PromptReader(history_file=settings.history_file, completer=completer,
                                   bottom_toolbar=toolbar(repl.toolbar_fields), input=input, output=output)
    repl.slash.menu("")
    repl.warm_up_in_background()
    return repl.run()


def discover(app: Any, names: Any) -> str | None:
    """The cluster we are on and its namespaces, read once at start (cached for later turns and completion)."""
    gateway, current = app.gateway, None
    with contextlib.suppress(KubeCopilotError):
        if gateway.has("list_clusters"):
            clusters = gateway.records("list_clusters").records
            names.add("cluster", [c.name for c in clusters])
            current = next((c.name for c in clusters if c.raw.get("current")), clusters[0].name if clusters else None)
        if gateway.has("list_namespaces"):
            names.add("namespace", gateway.records("list_namespaces").names())
    return app.conversation.session.cluster or current


def plan_ids(app: Any) -> list[str]:
    with contextlib.suppress(KubeCopilotError):
        return [plan.plan_id[:8] for plan in app.plans.list()]
    return []
