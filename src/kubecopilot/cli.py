"""Command-line entry point. Thin: parse, load settings, call one handler, map typed errors to exit codes.

Handlers are imported lazily so ``--help``, ``--version`` and the REPL prompt never pay for crewAI.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import sys
from typing import Any

from kubecopilot import __version__
from kubecopilot.errors import ExitCode, KubeCopilotError

EPILOG = """\
exit codes: 0 ok · 1 error · 2 needs input (an Ask turn) or bad usage · 3 not approved · 4 plan refused
            69 MCP server or LLM unavailable · 78 bad configuration · 130 interrupted
With no MCP URL configured, KubeCopilot starts its built-in sandbox cluster. With no LLM key it runs offline."""


# Each module defines ``add_parser(subparsers)`` (cheap: argparse only) and a handler it names with
# ``set_defaults(handler="module:function")``; the handler is imported only when the command runs.
COMMANDS = (
    "kubecopilot.commands.sandbox",
    "kubecopilot.commands.config",
    "kubecopilot.commands.plans",
    "kubecopilot.commands.audit",
    "kubecopilot.commands.tools",
    "kubecopilot.commands.ask",
    "kubecopilot.commands.diagnose",
    "kubecopilot.commands.scan",
    "kubecopilot.commands.prompts",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kubecopilot",
        description="A conversational Kubernetes assistant. Run with no command for the interactive REPL.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"kubecopilot {__version__}")
    _add_global_flags(parser)
    parser.add_argument("--allow-writes", action="store_true",
                        help="with --kubeconfig: the server started offers write tools (changes still need your approval)")
    parser.set_defaults(handler="kubecopilot.commands.repl:run")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMANDS:
        importlib.import_module(module_name).add_parser(sub)
    for subparser in _subparsers(parser):
        _add_global_flags(subparser, after_command=True)
    return parser


def _add_global_flags(parser: argparse.ArgumentParser, *, after_command: bool = False) -> None:
    """The global flags. Repeated on every subcommand (``kubecopilot ask "…" --offline``) with SUPPRESS defaults,
    so a flag given after the command wins and one given before it is not reset."""
    g = parser.add_argument_group("global options")
    unset: dict[str, Any] = {"default": argparse.SUPPRESS} if after_command else {}
    g.add_argument("--mcp-url", help="MCP server URL (…/sse → SSE, …/mcp → streamable HTTP); default: built-in sandbox",
                   **unset)
    g.add_argument("--kubeconfig", help="start a supported public MCP server (kubernetes-mcp-server or mcp-server-kubernetes, "
                   "installed) for this kubeconfig over stdio, read-only unless --allow-writes", **unset)
    g.add_argument("--context", help="the kubeconfig context to use (default: its current one)", **unset)
    g.add_argument("--model", help="litellm model string (default openrouter/google/gemini-2.5-flash)", **unset)
    g.add_argument("--offline", action="store_true", help="no LLM: rule engine and analyzers only",
                   **(unset or {"default": None}))
    g.add_argument("--verbose", "-v", action="store_true", help="show debug logging on stderr", **unset)


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every subcommand parser, nested ones (``audit list``) included."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:  # argparse has no public accessor for its subparsers
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found += [child, *_subparsers(child)]
    return found


def settings_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """CLI flags as dotted settings paths (highest precedence)."""
    return {"mcp.url": args.mcp_url, "llm.model": args.model, "offline": args.offline,
            "mcp.kubeconfig": args.kubeconfig, "mcp.context": args.context,
            "mcp.server_writes": getattr(args, "allow_writes", None) or None}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    module_name, func_name = args.handler.split(":")
    try:
        from kubecopilot.config import load_settings

        settings = load_settings(settings_overrides(args))
        _mask_in_logs(settings)
        handler = getattr(importlib.import_module(module_name), func_name)
        return int(handler(args, settings) or 0)
    except KubeCopilotError as exc:
        _print_error(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED


def _print_error(exc: KubeCopilotError) -> None:
    print(f"error: {exc.message}", file=sys.stderr)
    if exc.hint:
        print(f"hint: {exc.hint}", file=sys.stderr)


def _configure_logging(verbose: bool) -> None:
    import logging

    from kubecopilot import logs

    logs.configure(verbose)  # every log line scrubbed of keys; crewAI's own error lines only with --verbose
    # The MCP SSE client logs a traceback when a server goes away; we report that ourselves, once, calmly.
    for noisy in ("mcp.client.sse", "mcp.client.streamable_http", "httpx", "LiteLLM", "litellm"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.CRITICAL)


def _mask_in_logs(settings: Any) -> None:
    """The secrets the settings hold never appear in a log line, even where a provider echoes them."""
    from kubecopilot import logs

    key = settings.llm_key()
    secrets = [value.get_secret_value() for value in settings.mcp.headers.values()]
    logs.add_secrets(secrets + ([key.get_secret_value()] if key else []))


def entry() -> None:
    """The console script: ``main``, then leave. When a model call the deadline abandoned is still running, leave
    without finalizing the interpreter: Python 3.11 aborts (SIGABRT) if that thread is inside native code then. The
    exit handlers (sandbox child, ledger, silencing the late call) still run first."""
    code = main()
    deadline = sys.modules.get("kubecopilot.dialogue.deadline")
    if deadline is not None and deadline.abandoned_calls():
        atexit._run_exitfuncs()  # CPython's own atexit runner: exactly what a normal exit would run
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
