"""The interactive loop: read a line, run one turn, render it; slash commands on the side. It never dies.

A turn runs synchronously in the calling (main) thread, so Ctrl-C arrives as ``KeyboardInterrupt`` in the middle of
it: we catch that, say what happened (a plan that was not applied stays pending) and read the next line. Errors the
engine could not turn into an ``ErrorTurn`` (bugs) are shown the same calm way and logged for ``--verbose``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

from rich.console import Console, RenderableType
from rich.status import Status
from rich.text import Text

from kubecopilot.dialogue.registry import slot_word
from kubecopilot.dialogue.turns import Answer, DiagnosisBlock, ErrorTurn, PlanProposal, Turn
from kubecopilot.errors import KubeCopilotError
from kubecopilot.messages import Language, say
from kubecopilot.ui import slash
from kubecopilot.ui.approval import INTERACTIVE, Approver
from kubecopilot.ui.banner import model_report
from kubecopilot.ui.completion import NameIndex
from kubecopilot.ui.plan_view import render_plan
from kubecopilot.ui.progress import StepTimer
from kubecopilot.ui.reader import LineReader
from kubecopilot.ui.render import render_proposal, render_turn

if TYPE_CHECKING:
    from kubecopilot.app import App
    from kubecopilot.diagnosis.models import Diagnosis
    from kubecopilot.dialogue.session import Session

T = TypeVar("T")

log = logging.getLogger(__name__)
EXIT_WORDS = frozenset({"exit", "quit", "bye", "退出", "再见", ":q"})
CLEAR_WORDS = frozenset({"clear", "cls", "清屏"})  # what a shell user types out of habit


class Repl:
    def __init__(self, app: App, console: Console, reader: LineReader, *, names: NameIndex | None = None,
                 default_cluster: str | None = None, on_ready: Callable[[Repl], None] | None = None) -> None:
        self.app, self.console, self.reader = app, console, reader
        self.names = names or NameIndex()
        self.default_cluster = default_cluster
        self.on_ready = on_ready or (lambda repl: None)  # called whenever we wait for the person (tests, benchmark)
        self.brain_state = "offline" if app.offline else "not loaded yet"
        self.slash = slash.SlashContext(
            console=console, conversation=app.conversation, gateway=app.gateway, plans=app.plans, names=self.names,
            server=app.mcp_url, default_cluster=default_cluster, show=self.show, decide=self.decide,
            model=self.model_report)
        self._status: Status | None = None
        self._spinning = False
        self.steps = StepTimer()  # the step the spinner shows, with its seconds
        self._last_diagnosis: Diagnosis | None = None
        self.warm_thread: threading.Thread | None = None
        app.conversation.progress = self.progress

    @property
    def session(self) -> Session:
        return self.app.conversation.session

    @property
    def lang(self) -> Language:
        return self.app.conversation.session.language

    # --- the loop -----------------------------------------------------------------------------------------------

    def run(self, interrupted: int = 0) -> int:
        """Read and answer lines until /quit, Ctrl-D or a second Ctrl-C on an empty line. The crew (when an LLM
        is configured) is warmed up once the first prompt is on screen, never before it. ``interrupted``: Ctrl-C
        already pressed on an empty first prompt (read before this loop began)."""
        empty_interrupts, first = interrupted, True
        while True:
            self.on_ready(self)
            shown, first = (self._warm_up if first else None), False
            try:
                line = self.reader.read(self.prompt(), shown)
            except EOFError:
                break
            except KeyboardInterrupt as exc:
                if self.session.pending is not None:  # Ctrl-C at an open question cancels the question
                    self.session.pending, empty_interrupts = None, 0
                    self.console.print(Text(say("question_cancelled", self.lang), style="yellow"))
                    continue
                empty_interrupts = empty_interrupts + 1 if getattr(exc, "empty", True) else 0
                if empty_interrupts >= 2:
                    break
                if empty_interrupts:
                    self.console.print(Text(say("ctrl_c_again", self.lang), style="dim"))
                continue
            empty_interrupts = 0
            if not self.handle_line(line):
                break
        self.console.print(Text(say("bye", self.lang), style="dim"))
        return 0

    def handle_line(self, line: str) -> bool:
        """One line of input; False when it asked to leave."""
        text = line.strip()
        if not text:
            return True
        if text.lower() in EXIT_WORDS:
            return False
        if text.lower() in CLEAR_WORDS:
            text = "/clear"
        if slash.is_slash(text):
            return self.slash_command(text)
        self.turn(lambda: self.app.conversation.handle(text))
        return True

    def slash_command(self, text: str) -> bool:
        """Run one slash command from the table; False for /quit."""
        name, command, arg = slash.parse(text)
        if command is None:
            self.show(slash.unknown(name, self.lang))
            return True
        if command.leaves:
            return False
        self.guarded(lambda: command.run(self.slash, arg), name.lstrip("/"))
        return True

    def prompt(self) -> list[tuple[str, str]]:
        pending = self.session.pending
        asked = slot_word(pending.slot, self.lang) if pending is not None and pending.slot else ""  # a word, not a slot name
        slot = [("class:prompt.slot", f"({asked}) ")] if asked else []
        return [*slot, ("class:prompt", "❯ ")]

    # --- turns --------------------------------------------------------------------------------------------------

    def turn(self, produce: Callable[[], Turn], what: str | None = None) -> Turn | None:
        """Run one turn under the spinner, render it, and take a plan to its approval prompt."""
        plan_before = self.session.last_plan_id
        turn = self.guarded(produce, what, plan_before=plan_before)
        if turn is None:
            return None
        self.show(turn)
        if isinstance(turn, PlanProposal):
            return self.decide(turn.plan_id)
        return turn

    def guarded(self, produce: Callable[[], T], what: str | None = None, *, plan_before: str | None = None,
                spin: bool = True) -> T | None:
        """``produce()`` under the spinner (unless it asks the person something); Ctrl-C and errors become a calm
        message and None."""
        try:
            with self.working(what) if spin else contextlib.nullcontext():
                return produce()
        except KeyboardInterrupt:
            self.cancelled(self._new_plan(plan_before))
        except KubeCopilotError as exc:
            self.show(ErrorTurn(message=exc.message, hint=exc.hint, code=exc.code))
        except Exception as exc:  # noqa: BLE001 - a bug must not end the session; --verbose shows the traceback
            log.debug("turn failed", exc_info=True)
            self.show(ErrorTurn(message=say("internal_error", self.lang, error=exc), code="internal",
                                hint=say("internal_error_hint", self.lang)))
        return None

    def decide(self, plan_id: str) -> Turn | None:
        """The three-layer approval prompt, then execution (with a spinner) if approved. A plan this person may
        not approve (four-eyes: they requested it) is shown all the same, with what it waits for."""
        if self.guarded(lambda: self._waits_for_another(plan_id), spin=False):
            return None
        approver = Approver(self.console, user=self.app.settings.user, flags=INTERACTIVE, read_line=self.read_answer,
                            lang=self.lang, on_approved=lambda: self._start_status(say("progress_applying", self.lang)))
        self._stop_status()  # a slash command (/rollback) may have started one: never spin over a question
        try:
            turn = self.guarded(lambda: self.app.conversation.approve(plan_id, approver), spin=False)
        finally:
            self._stop_status()
        if turn is None:
            self._say_if_pending(plan_id)
            return None
        self.show(turn)
        return turn

    def _waits_for_another(self, plan_id: str) -> bool:
        """Show a plan that needs a second person to its requester — summary, changes, risk — and the command
        a colleague runs; True when it did (nobody here is asked)."""
        plans = self.app.plans
        plan = plans.get(plan_id)
        why = plans.awaits_another(plan) if plan.status == "pending" else None
        if why is None:
            return False
        expires = f"{plans.expires_at(plan):%Y-%m-%d %H:%M}"
        self.console.print(render_plan(plan, lang=self.lang))
        self.console.print(Text(say("waiting_second_person", self.lang, why=why, plan=plan_id[:8], expires=expires),
                                style="yellow"))
        self.console.print()
        return True

    def read_answer(self, prompt: str) -> str:
        self.on_ready(self)
        return self.reader.read_answer(prompt)

    def show(self, turn: Turn) -> None:
        if isinstance(turn, PlanProposal):
            # The approval prompt follows with the plan's summary; a diagnosis shown a moment ago is not repeated.
            again = turn.diagnosis is not None and turn.diagnosis == self._last_diagnosis
            self.console.print(render_proposal(turn, summary=False, diagnosis=not again, lang=self.lang))
            if again:
                self.console.print(Text(say("diagnosis_above", self.lang), style="dim"))
        else:
            self.console.print(render_turn(turn, self.lang))
            if isinstance(turn, ErrorTurn) and turn.code.startswith("mcp_"):
                self.console.print(Text(self._outage_note(), style="dim"))
            self.console.print()
        self._last_diagnosis = last_diagnosis(turn) or self._last_diagnosis
        self.names.harvest(turn)

    def _outage_note(self) -> str:
        sandbox = self.app.sandbox
        code = getattr(sandbox, "returncode", None) if sandbox is not None else None
        if code is not None:
            return say("sandbox_exited", self.lang, code=code)
        return say("outage", self.lang)

    def cancelled(self, plan_id: str | None) -> None:
        self.console.print(Text(say("interrupted", self.lang), style="yellow"))
        if plan_id is not None:
            self._say_if_pending(plan_id)

    def _say_if_pending(self, plan_id: str) -> None:
        with contextlib.suppress(KubeCopilotError):
            if self.app.plans.get(plan_id).status == "pending":
                self.console.print(Text(say("still_pending", self.lang, plan=plan_id[:8]), style="yellow"))

    def _new_plan(self, before: str | None) -> str | None:
        now = self.session.last_plan_id
        return now if now and now != before else None

    # --- spinner ------------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def working(self, what: str | None = None) -> Iterator[None]:
        self._start_status(what)
        try:
            yield
        finally:
            self._stop_status()

    def progress(self, message: str) -> None:
        """The engine's progress callback ("asking the diagnostician"): shown in the spinner, with its seconds."""
        self.steps.lang = self.lang  # the turn may just have learnt the language from what was typed
        self.steps.start(message)
        if self._status is not None:
            self._status.update(self.steps)

    @property
    def spinning(self) -> bool:
        """Whether a spinner is (logically) running; drawn only on a terminal. Never true while we wait for input."""
        return self._spinning

    def _start_status(self, what: str | None = None) -> None:
        if self._spinning:
            return
        self._spinning = True
        self.steps.lang = self.lang
        self.steps.start(what or say("progress_working", self.lang))
        if self.console.is_terminal:
            self._status = self.console.status(self.steps, spinner="dots")
            self._status.start()

    def _stop_status(self) -> None:
        self._spinning = False
        if self._status is not None:
            self._status.stop()
            self._status = None

    # --- status for the toolbar and /model ----------------------------------------------------------------------

    def model_report(self) -> RenderableType:
        return model_report(self.app, self.brain_state)

    def toolbar_fields(self) -> list[tuple[str, str]]:
        session = self.session
        return [
            ("cluster", session.cluster or self.default_cluster or "default"),
            ("ns", session.namespace or "—"),
            ("model", self.model_status()),
            ("cache", say("toolbar_entries", self.lang, count=len(self.app.gateway.cache))),
        ]

    def model_status(self) -> str:
        if self.app.offline:
            return say("toolbar_offline", self.lang)
        name = self.app.settings.llm.model.rsplit("/", 1)[-1]
        return name if self.brain_state == "ready" else f"{name} ({self.brain_state})"

    def _warm_up(self) -> None:
        self.warm_up_in_background()

    def warm_up_in_background(self) -> threading.Thread | None:
        """Import crewAI and build the crew after the prompt is up, so the first LLM turn does not pay for it."""
        warm_up: Callable[[], None] | None = getattr(self.app.brain, "warm_up", None)  # CrewBrain's, not the protocol's
        if warm_up is None or self.warm_thread is not None:  # none to warm, or already warming (or warm)
            return self.warm_thread

        def warm() -> None:
            try:
                warm_up()
            except Exception as exc:  # noqa: BLE001 - reported in the toolbar and /model; a turn will retry
                log.debug("warm-up failed", exc_info=True)
                self.brain_state = f"not ready: {exc}"
            else:
                self.brain_state = "ready"

        self.brain_state = "loading"
        self.warm_thread = threading.Thread(target=warm, name="kubecopilot-warm-up", daemon=True)
        self.warm_thread.start()
        return self.warm_thread


def last_diagnosis(turn: Turn) -> Diagnosis | None:
    if isinstance(turn, PlanProposal):
        return turn.diagnosis
    if isinstance(turn, Answer):
        return next((b.diagnosis for b in reversed(turn.blocks) if isinstance(b, DiagnosisBlock)), None)
    return None
