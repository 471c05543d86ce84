"""The interactive REPL's start: the prompt first, the connection behind it.

In a terminal the prompt is drawn as soon as this process has its settings and prompt-toolkit — before the sandbox
child listens, before the MCP SDK is imported and the tool list read. Meanwhile ``Opening`` opens the App (and reads
the clusters and namespaces) in a background thread; when it is done, the rest of the banner and the quick-command
menu are printed above the prompt (prompt-toolkit's ``patch_stdout``), keeping what was typed. A first line entered
sooner waits for the connection under a spinner, then runs as any other; Ctrl-D leaves (once the App can be closed,
so the sandbox child is stopped); a connection that fails ends the prompt with the error, as it did before.

Piped input and tests keep the sequential start (``commands.repl.start_repl``): there is nobody to type early.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any

from kubecopilot.errors import KubeCopilotError

if TYPE_CHECKING:
    from kubecopilot.commands.repl import EarlySandbox
    from kubecopilot.config import Settings
    from kubecopilot.ui.repl import Repl

PROMPT = [("class:prompt", "❯ ")]


class Opening:
    """``App.open`` and the first reads in a background thread; ``get`` waits for them and raises what failed. (Started
    before the prompt is drawn: drawing it costs the main thread little, so the prompt comes as soon either way, and
    the connection is ready sooner.)"""

    def __init__(self, settings: Settings, early: EarlySandbox | None, on_done: Any) -> None:
        self.names: Any = None  # the NameIndex the first reads fill (for completion)
        self.notices: list[str] = []
        self._done = threading.Event()
        self._result: tuple[Any, str | None] | None = None
        self._error: BaseException | None = None
        self._on_done = on_done
        self._thread = threading.Thread(target=self._open, args=(settings, early), name="kubecopilot-connect",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _open(self, settings: Settings, early: EarlySandbox | None) -> None:
        try:
            from kubecopilot.app import App
            from kubecopilot.ui.completion import NameIndex

            self.names = NameIndex()
            app = App.open(settings, on_notice=self.notices.append, sandbox=early)
            self._result = (app, discover(app, self.names))
        except BaseException as exc:  # noqa: BLE001 - raised in the main thread by get()
            self._error = exc
        finally:
            self._done.set()
            self._on_done(self)

    @property
    def ready(self) -> bool:
        return self._done.is_set() and self._error is None

    @property
    def failed(self) -> BaseException | None:
        return self._error if self._done.is_set() else None

    def get(self) -> tuple[Any, str | None]:
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def app_or_none(self) -> Any:
        return self._result[0] if self.ready and self._result else None


class FirstPrompt:
    """What the first prompt shows and when: the rest of the banner once the App is open (above the prompt while it
    is up, else before the first answer), exactly once."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self.reader: Any = None
        self.repl: Repl | None = None
        self._lock = threading.RLock()
        self._prompt_up = False
        self._told = False
        self._early: Opening | None = None  # an opening that finished before the prompt was drawn

    def toolbar_fields(self) -> list[tuple[str, str]]:
        if self.repl is not None:
            return self.repl.toolbar_fields()
        return [("cluster", "connecting…")]

    def prompt_shown(self) -> None:
        """The prompt is on screen (prompt-toolkit's ``pre_run``): what finished before it is told now."""
        with self._lock:
            self._prompt_up = True
            if self._early is not None:
                self.opened(self._early)

    def prompt_done(self) -> None:
        with self._lock:
            self._prompt_up = False

    def opened(self, opening: Opening) -> None:
        """In the opening thread: tell what was opened above the prompt, or end the prompt with the failure."""
        with self._lock:
            if not self._prompt_up:
                self._early = opening  # told as soon as the prompt is drawn (or before the first answer)
                return
            if opening.failed is not None:
                self._end_prompt()
                return
            self._complete_from(opening)
            self._tell(opening)

    def tell_once(self, opening: Opening) -> None:
        with self._lock:
            self._tell(opening)

    def _tell(self, opening: Opening) -> None:
        if self._told:
            return
        self._told = True
        from rich.text import Text

        from kubecopilot.ui.banner import details
        from kubecopilot.ui.render import render_turn

        app, cluster = opening.get()
        for notice in opening.notices:
            self.console.print(Text(f"ℹ {notice}", style="yellow"))
        self.console.print(details(app, cluster))
        self.console.print()
        self.console.print(render_turn(app.conversation.menu(), app.conversation.session.language))

    def _complete_from(self, opening: Opening) -> None:
        """Tab completion once there is something to complete from: slash commands, quick commands, names."""
        from kubecopilot.dialogue.handlers import QUICK_COMMANDS
        from kubecopilot.ui.completion import ReplCompleter
        from kubecopilot.ui.slash import COMMANDS

        app = opening.app_or_none()
        self.reader.session.completer = ReplCompleter(COMMANDS, [command for _, command in QUICK_COMMANDS],
                                                      opening.names, plan_ids=lambda: plan_ids(app))

    def complete_once(self, opening: Opening) -> None:
        with self._lock:
            if self.reader.session.completer is None:
                self._complete_from(opening)

    def _end_prompt(self) -> None:
        """The connection failed while the prompt is up: end it (in prompt-toolkit's loop); ``run`` raises the error."""
        session_app = getattr(getattr(self.reader, "session", None), "app", None)
        loop = getattr(session_app, "loop", None)
        if session_app is not None and loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop just ended: the main thread sees the failure anyway
                loop.call_soon_threadsafe(lambda: session_app.exit(exception=EOFError()))


def run_prompt_first(settings: Settings, console: Any, early: EarlySandbox | None) -> int:
    """The terminal REPL, prompt first (see the module's docstring)."""
    from prompt_toolkit.patch_stdout import patch_stdout
    from rich.text import Text

    from kubecopilot.ui.banner import title
    from kubecopilot.ui.reader import PromptInterrupt, PromptReader
    from kubecopilot.ui.toolbar import toolbar

    state = FirstPrompt(console)
    opening = Opening(settings, early, on_done=state.opened)
    opening.start()
    console.print(title())
    starting = "starting the built-in sandbox cluster" if early is not None else "connecting to the MCP server"
    console.print(Text(f"{starting}… (type away: the first answer waits for it)", style="dim"))
    # No completer yet: it is set once the App is open (slash and quick commands, names read from the cluster).
    reader = state.reader = PromptReader(history_file=settings.history_file, completer=None,
                                         bottom_toolbar=toolbar(state.toolbar_fields), input=None, output=None)
    line: str | None = None
    interrupted = 0
    with patch_stdout(raw=True):  # what the opening thread prints goes above the prompt, keeping what was typed
        try:
            line = reader.read(PROMPT, state.prompt_shown)
        except PromptInterrupt as exc:
            interrupted = 1 if exc.empty else 0
        except EOFError:
            interrupted = -1
        finally:
            state.prompt_done()  # under the lock: a banner being printed above the prompt is finished first
    app, cluster = _opened(opening, console)
    try:
        from kubecopilot.ui.repl import Repl

        state.complete_once(opening)
        state.tell_once(opening)
        repl = state.repl = Repl(app, console, reader, names=opening.names, default_cluster=cluster)
        if interrupted == -1:
            console.print(Text(_bye(app), style="dim"))
            return 0
        repl.warm_up_in_background()  # now, not at the next prompt: the first line may need the model
        if interrupted:
            console.print(Text(_ctrl_c_again(app), style="dim"))
        if line is not None and not repl.handle_line(line):
            console.print(Text(_bye(app), style="dim"))
            return 0
        return repl.run(interrupted=interrupted)
    finally:
        app.close()


def _opened(opening: Opening, console: Any) -> tuple[Any, str | None]:
    """The App, waiting for it under a spinner when the first line came before it."""
    from rich.text import Text

    if opening.ready or opening.failed is not None:
        return opening.get()
    with console.status(Text("connecting…", style="cyan")):
        return opening.get()


def _bye(app: Any) -> str:
    from kubecopilot.messages import say

    return say("bye", app.conversation.session.language)


def _ctrl_c_again(app: Any) -> str:
    from kubecopilot.messages import say

    return say("ctrl_c_again", app.conversation.session.language)


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
