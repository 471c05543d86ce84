"""Command-line entry point. Thin: parse, load settings, call one handler, map its outcome to an exit code.

Handlers are imported lazily so ``--help``, ``--version``, shell completion and the REPL prompt never pay for crewAI
(nor, for ``--version``, for pydantic or yaml). Exit codes are one table (``errors.EXIT_CODES``) for every command;
``outcomes.outcome_of`` maps a turn, a report or an error to its row. With ``--output json|yaml`` stdout is exactly
one document for every outcome, errors included (``commands.output``).
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import sys
from typing import Any, NoReturn

from kubecopilot import __version__

MACHINE_FORMATS = ("json", "yaml")
REPL = "kubecopilot.commands.repl:run"
VERSION = f"kubecopilot {__version__}"


def exit_code_epilog() -> str:
    from kubecopilot.errors import EXIT_CODES

    rows = "\n".join(f"  {code:>3}  {', '.join(names):<26} {meaning}" for code, names, meaning in EXIT_CODES)
    return (f"exit codes (the same for every command; with --output json|yaml the document's \"outcome\" names the row):\n"
            f"{rows}\n\nWith no MCP URL configured, KubeCopilot starts its built-in sandbox cluster. With no LLM key it "
            "runs offline.\nShell completion: eval \"$(kubecopilot completion bash)\" (or zsh, fish).")


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
    "kubecopilot.commands.completion",
)


class Parser(argparse.ArgumentParser):
    """argparse, except that bad usage is a ``UsageError`` (exit 2, and a document with ``--output json|yaml``)."""

    def error(self, message: str) -> NoReturn:
        from kubecopilot.errors import UsageError

        raise UsageError(message, hint=f"{self.prog} --help")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="kubecopilot",
        description="A conversational Kubernetes assistant. Run with no command for the interactive REPL.",
        epilog=exit_code_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=VERSION)
    _add_global_flags(parser)
    parser.add_argument("--allow-writes", action="store_true",
                        help="with --kubeconfig: the server started offers write tools (changes still need your approval)")
    parser.set_defaults(handler=REPL)
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
    g.add_argument("--verbose", "-v", action="count", help="-v: KubeCopilot's own steps (INFO) on stderr; -vv: "
                   "everything at DEBUG, the HTTP, MCP and crewAI libraries included", **(unset or {"default": 0}))
    g.add_argument("--log-file", metavar="PATH", help="also write every log line, at DEBUG, to this file (secrets "
                   "masked; setting logging.file)", **unset)


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
            "mcp.server_writes": getattr(args, "allow_writes", None) or None,
            "logging.file": getattr(args, "log_file", None)}


def requested_format(argv: list[str]) -> str | None:
    """``json``/``yaml`` when the command line asks for it — read before parsing, so that bad usage is a document too."""
    for i, arg in enumerate(argv):
        value = None
        if arg in ("-o", "--output") and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--output="):
            value = arg.split("=", 1)[1]
        elif arg.startswith("-o") and len(arg) > 2 and not arg.startswith("--"):
            value = arg[2:].lstrip("=")
        if value in MACHINE_FORMATS:
            return value
    return None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # what scripts and packagers run most: no parser, no command modules
        print(VERSION)
        return 0
    from kubecopilot.errors import UsageError

    parser = build_parser()
    if "_ARGCOMPLETE" in os.environ:  # the shell asks for completions: answer and exit (nothing else is imported)
        import argcomplete

        argcomplete.autocomplete(parser)
    fmt = requested_format(argv)
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        return _failed(exc, fmt, None, parser)
    fmt = args.output if getattr(args, "output", None) in MACHINE_FORMATS else None
    _configure_logging(args.verbose or 0, getattr(args, "log_file", None))
    if args.handler == REPL:  # the sandbox child boots while this process loads its settings and the rest
        from kubecopilot.commands.repl import prestart

        args.early_sandbox = prestart(args)
    if fmt is None:
        return _run(args, None)
    from kubecopilot.commands import output as machine

    with machine.capture(fmt) as documents:
        code = _run(args, documents)
        if documents.written is None:  # a handler that had nothing to say still leaves its document
            documents.write(_bare_document(code))
    return code


def _run(args: argparse.Namespace, documents: Any) -> int:
    from kubecopilot.errors import KubeCopilotError

    module_name, func_name = args.handler.split(":")
    try:
        settings = None
        needs_settings = getattr(args, "needs_settings", True)
        if needs_settings(args) if callable(needs_settings) else needs_settings:
            from kubecopilot.config import load_settings

            settings = load_settings(settings_overrides(args))
            _settings_for_logs(settings)
            _log_start(args, settings)
        handler = getattr(importlib.import_module(module_name), func_name)
        code = int(handler(args, settings) or 0)
        _log().info("%s: exit %d", args.command or "repl", code)
        return code
    except KubeCopilotError as exc:
        return _failed(exc, documents and documents.fmt, documents)
    except KeyboardInterrupt as exc:
        return _failed(exc, documents and documents.fmt, documents)
    finally:
        early = getattr(args, "early_sandbox", None)
        if early is not None:  # started before the settings, which then failed: nobody adopted it
            early.discard()


def _failed(exc: BaseException, fmt: str | None, documents: Any, parser: argparse.ArgumentParser | None = None) -> int:
    """Say what went wrong (stderr; the document on stdout with --output json|yaml) and return its exit code."""
    from kubecopilot.outcomes import outcome_of

    outcome = outcome_of(exc)
    if fmt is not None:
        from kubecopilot.commands import output as machine

        if documents is None:
            machine.emit(machine.error_document(exc, outcome), fmt)
        elif documents.written is None:
            documents.write(machine.error_document(exc, outcome))
    if isinstance(exc, KeyboardInterrupt):
        print("interrupted", file=sys.stderr)
    elif outcome.name == "nothing_to_do":  # not an error: the cluster already looks like that
        print(f"nothing to do: {getattr(exc, 'message', exc)}", file=sys.stderr if fmt else sys.stdout)
    else:
        if parser is not None and fmt is None:
            parser.print_usage(sys.stderr)
        _print_error(exc)
    return outcome.code


def _log() -> Any:
    import logging  # not at import: --version loads nothing it does not print

    return logging.getLogger("kubecopilot.cli")


def _log_start(args: argparse.Namespace, settings: Any) -> None:
    """What ``-v`` says first: which command runs against what (URLs masked; the log scrubber masks keys)."""
    from kubecopilot.redaction import mask_url_credentials

    usable, model = settings.llm_status()
    server = settings.mcp.url or " ".join(settings.mcp.command or []) or (
        f"kubeconfig {settings.mcp.kubeconfig}" if settings.mcp.kubeconfig else "the built-in sandbox")
    _log().info(
        "%s: server %s · model %s · config %s · audit %s", args.command or "repl", mask_url_credentials(server),
        model if usable else f"none ({model})", settings.config_file, mask_url_credentials(settings.audit_url))


def _bare_document(code: int) -> dict[str, Any]:
    from kubecopilot.outcomes import NAMES

    return {"outcome": next((name for name, c in NAMES.items() if c == code), "error"), "exitCode": code}


def _print_error(exc: BaseException) -> None:
    print(f"error: {getattr(exc, 'message', exc)}", file=sys.stderr)
    hint = getattr(exc, "hint", None)
    if hint:
        print(f"hint: {hint}", file=sys.stderr)


def _configure_logging(verbose: int = 0, log_file: str | None = None) -> None:
    from kubecopilot import logs

    logs.configure(int(verbose), log_file=log_file)


def _settings_for_logs(settings: Any) -> None:
    """The secrets the settings hold never appear in a log line, even where a provider echoes them; the log file
    of the settings (``logging.file``) joins the one given on the command line."""
    from kubecopilot import logs

    key = settings.llm_key()
    secrets = [value.get_secret_value() for value in settings.mcp.headers.values()]
    logs.add_secrets(secrets + ([key.get_secret_value()] if key else []))
    if settings.logging.file is not None:
        logs.add_file(settings.logging.file)


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
