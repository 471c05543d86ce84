"""``kubecopilot`` with no command: open the App (starting the sandbox if no server is configured), show the
banner and the quick-command menu, then the REPL. The sandbox child is stopped on every way out: /quit, Ctrl-D,
a second Ctrl-C, SIGTERM, SIGHUP (terminal closed) and errors.

crewAI is not imported before the prompt shows; with an LLM configured the crew is built in a background thread.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kubecopilot.config import Settings
    from kubecopilot.sandbox.runner import SandboxProcess

# The server settings that mean "not the sandbox"; when one is set anywhere, nothing is started early.
SERVER_VARIABLES = ("KUBECOPILOT_MCP_URL", "KUBECOPILOT_MCP_COMMAND", "KUBECOPILOT_KUBECONFIG")


def run(args: argparse.Namespace, settings: Settings) -> int:

    with exit_on_termination():
        early = adopt(args, settings)
        if sys.stdin.isatty() and sys.stdout.isatty():  # a person: the prompt first, the connection behind it
            return prompt_first(settings, early)
        try:
            if early is not None:
                import_while_the_sandbox_boots()
            from rich.console import Console

            console = Console(highlight=False)
            app = open_app(settings, console, early)
        except BaseException:
            if early is not None:
                early.discard()
            raise
        try:
            return start_repl(app, console, settings, interactive=False)
        finally:
            app.close()


# What the REPL imports between "the sandbox listens" and its prompt. Imported while the child boots instead (this
# process would otherwise wait idle for it), they are off the critical path of the start-up.
NEEDED_AT_THE_PROMPT = (
    "kubecopilot.tools.factory", "kubecopilot.tools.ops", "kubecopilot.dialogue.engine", "kubecopilot.dialogue.handlers",
    "kubecopilot.plans.service", "kubecopilot.plans.policy", "kubecopilot.prompting.sanitizer", "rich.console",
    "kubecopilot.ui.banner", "kubecopilot.ui.completion", "kubecopilot.ui.reader", "kubecopilot.ui.repl",
    "kubecopilot.ui.slash", "kubecopilot.ui.toolbar",
)


def import_while_the_sandbox_boots() -> None:
    import importlib

    for module in NEEDED_AT_THE_PROMPT:
        importlib.import_module(module)


def prompt_first(settings: Settings, early: EarlySandbox | None) -> int:
    from rich.console import Console

    from kubecopilot.commands.first_prompt import run_prompt_first

    try:
        return run_prompt_first(settings, Console(highlight=False), early)
    except BaseException:
        if early is not None:
            early.discard()  # the App never took it over (a failed open stops its own child)
        raise


def prestart(args: argparse.Namespace) -> EarlySandbox | None:
    """Start the sandbox child before the settings are even loaded (a quarter second of pydantic), when it is sure
    to be needed: no server on the command line, in the environment or in ``.env``, and no config file (which could
    name one — then the REPL starts it after reading the settings, as before). ``adopt`` checks the guess against
    the real settings and stops a child they do not want."""
    if args.mcp_url or args.kubeconfig or (config_file().exists()):
        return None
    environment = {**_dotenv(), **os.environ}
    if any(environment.get(name) for name in SERVER_VARIABLES):
        return None
    return EarlySandbox(environment.get("KUBECOPILOT_SANDBOX_SCENARIO") or "default")


def adopt(args: argparse.Namespace, settings: Settings) -> EarlySandbox | None:
    """The child ``prestart`` started when the settings want the sandbox with its scenario; else a new one (or
    none, with a server configured). The sandbox child boots on the other core while this process imports the rest."""
    from kubecopilot.app import needs_sandbox

    early: EarlySandbox | None = getattr(args, "early_sandbox", None)
    args.early_sandbox = None  # ours now: cli.main no longer cleans it up
    wanted = needs_sandbox(settings)
    if early is not None and (not wanted or early.scenario != settings.sandbox_scenario):
        early.discard()
        early = None
    if early is None and wanted:
        early = EarlySandbox(settings.sandbox_scenario)
    return early


def config_file() -> Any:
    from kubecopilot.paths import config_home

    return config_home() / "config.yaml"


def _dotenv() -> dict[str, str]:
    from pathlib import Path

    from dotenv import dotenv_values

    path = Path.cwd() / ".env"
    return {k: v for k, v in dotenv_values(path).items() if v is not None} if path.exists() else {}


class EarlySandbox:
    """The sandbox child (``runner.spawn_sandbox``, as ``app.start_sandbox`` starts it) in a background thread,
    started before the heavy imports.

    The runner is imported here, in the calling thread: imports in two threads only take turns on the GIL, so
    importing it first gets the child process going soonest; it then boots on the other core while we import the
    rest and waits in the thread for its "listening on" line.
    """

    def __init__(self, scenario: str) -> None:
        from kubecopilot.sandbox.runner import spawn_sandbox

        self.scenario = scenario
        self._process: SandboxProcess | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._spawn, args=(spawn_sandbox, scenario),
                                        name="kubecopilot-sandbox-start", daemon=True)
        self._thread.start()

    def _spawn(self, spawn: Callable[..., SandboxProcess], scenario: str) -> None:
        try:
            self._process = spawn(scenario=scenario)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread by get()
            self._error = exc

    def get(self) -> SandboxProcess:
        """The running sandbox process (waits for its "listening on" line)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._process is not None  # the thread ended without an error: it set the process
        return self._process

    def discard(self) -> None:
        """Start-up failed or was interrupted: stop the child if it got that far (the runner's parent-death
        signal and atexit hook cover a thread still waiting for it)."""
        self._thread.join(timeout=5)
        if self._process is not None:
            self._process.stop()


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


def open_app(settings: Settings, console: Any, early: EarlySandbox | None = None) -> Any:
    from rich.text import Text

    from kubecopilot.app import App
    from kubecopilot.redaction import mask_url_credentials

    def notice(message: str) -> None:
        console.print(Text(f"ℹ {message}", style="yellow"))

    starting = ("no MCP server configured: starting the built-in sandbox cluster" if early is not None
                else f"connecting to {mask_url_credentials(settings.mcp.url or ' '.join(settings.mcp.command or []))}")
    status = console.status(Text(f"{starting}…", style="cyan")) if console.is_terminal else contextlib.nullcontext()
    with status:
        return App.open(settings, on_notice=notice, sandbox=early)


def start_repl(app: Any, console: Any, settings: Settings, *, interactive: bool, input: Any = None,
               output: Any = None, on_ready: Any = None) -> int:
    """Banner, menu, REPL. ``input``/``output`` are prompt-toolkit's (tests pass a pipe input and a dummy output)."""
    from rich.text import Text

    from kubecopilot.commands.first_prompt import discover, plan_ids
    from kubecopilot.dialogue.handlers import QUICK_COMMANDS
    from kubecopilot.ui.banner import banner
    from kubecopilot.ui.completion import NameIndex, ReplCompleter
    from kubecopilot.ui.reader import PlainReader, PromptReader
    from kubecopilot.ui.repl import Repl
    from kubecopilot.ui.slash import COMMANDS
    from kubecopilot.ui.toolbar import toolbar

    names = NameIndex()
    cluster = discover(app, names)
    console.print(banner(app, cluster))
    console.print()
    repl = Repl(app, console, PlainReader(echo=lambda line: console.print(Text(line, style="bold"))), names=names,
                default_cluster=cluster, on_ready=on_ready)
    if interactive:
        quick = [command for _, command in QUICK_COMMANDS]
        completer = ReplCompleter(COMMANDS, quick, names, plan_ids=lambda: plan_ids(app))
        repl.reader = PromptReader(history_file=settings.history_file, completer=completer,
                                   bottom_toolbar=toolbar(repl.toolbar_fields), input=input, output=output)
    repl.show(app.conversation.menu())
    return repl.run()
