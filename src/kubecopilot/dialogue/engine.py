"""The conversation: one user message in, exactly one turn out (Ask, Answer, PlanProposal or ErrorTurn).

A message is read once (``reader.read``: the rules, the names of the cluster, the open question) into a ``Reading``;
when the rules are not sure and a model is configured, the coordinator's reading replaces theirs. Routing
(``routing.Router``) works on the reading only. Reads are answered by slot filling + the gateway with no LLM;
diagnosis and planning use the analyzers, or the crew when one is configured, and fall back to the analyzers when
the LLM is unavailable.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import ValidationError

from kubecopilot.dialogue import fixes, handlers, reader
from kubecopilot.dialogue.clarify import INTENT_SLOT
from kubecopilot.dialogue.deadline import Clock, Deadline, call_within
from kubecopilot.dialogue.flows import Flows
from kubecopilot.dialogue.freshness import ChangesElsewhere
from kubecopilot.dialogue.inventory import Inventory
from kubecopilot.dialogue.kit import Kit
from kubecopilot.dialogue.ports import Brain, PlanDesk, TurnContext
from kubecopilot.dialogue.reading import Reading
from kubecopilot.dialogue.registry import CHANGE_INTENTS
from kubecopilot.dialogue.routing import Router
from kubecopilot.dialogue.session import Session
from kubecopilot.dialogue.slots import NothingToPick
from kubecopilot.dialogue.turns import Answer, Ask, ErrorTurn, TextBlock, Turn
from kubecopilot.dialogue.views import Views
from kubecopilot.errors import (
    InputRejected,
    KubeCopilotError,
    LLMOutputInvalid,
    LLMStillLoading,
    LLMUnavailable,
    NothingToChange,
    StaleReference,
    ToolFailed,
)
from kubecopilot.messages import language, say
from kubecopilot.tools.ports import Gateway

T = TypeVar("T")
_NAMESPACE_GONE = re.compile(r'namespaces? "([^"]+)" not found')


class Conversation:
    def __init__(self, gateway: Gateway, plans: PlanDesk, *, session: Session | None = None, brain: Brain | None = None,
                 clock: Callable[[], datetime] | None = None, progress: Callable[[str], None] | None = None,
                 turn_deadline: float = 45.0, timer: Clock = time.monotonic) -> None:
        self.gateway, self.plans = gateway, plans
        self.session = session or Session()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.turn_deadline, self.timer = turn_deadline, timer
        self.deadline = Deadline(turn_deadline, timer)
        self.views = Views(gateway, self.session)
        self.ctx = TurnContext(gateway=gateway, plans=plans, session=self.session, brain=brain, clock=self.clock,
                               progress=progress or (lambda message: None), ask_model=self.ask_model)
        self.flows = Flows(self.ctx)
        self.kit = Kit(self.ctx, self.views, self.flows, Inventory(gateway, self.session.cluster))
        self.router = Router(self.kit, follow=self._follow)
        self.llm_calls = 0
        self._reading: Reading | None = None
        ledger = getattr(plans, "ledger", None)  # a colleague's executions, seen in the shared ledger
        self.elsewhere = ChangesElsewhere(ledger, gateway, clock=timer) if ledger is not None else None
        self._offers = 0  # the session's offer count when the turn began

    @property
    def brain(self) -> Brain | None:
        return self.ctx.brain

    @brain.setter
    def brain(self, brain: Brain | None) -> None:  # plugged in after start (the REPL's /model, tests)
        self.ctx.brain = brain

    @property
    def progress(self) -> Callable[[str], None]:
        return self.ctx.progress

    @progress.setter
    def progress(self, progress: Callable[[str], None]) -> None:
        self.ctx.progress = progress

    # --- entry points --------------------------------------------------------------------------------------------

    def handle(self, text: str) -> Turn:
        text = text.strip()
        if not text:
            return self.menu()
        self.session.history.append(("user", text[:500]))  # a refused 50 kB line is not kept whole
        self._offers = self.session.offers
        self.forget_changed_elsewhere()
        self.deadline = Deadline(self.turn_deadline, self.timer)  # one budget for all model calls of this turn
        try:
            reading = self._reading = self.read(text)
            if reading.language_said is not None:
                self.session.language = language(reading.language_said)
            turn = self.router.dispatch(reading)
        except NothingToPick as exc:
            turn = Answer(title=say("empty", self.session.language), blocks=[TextBlock(text=str(exc))])
        except NothingToChange as exc:  # "scale to 1" when it is 1: success, said so (kubectl agrees)
            self.session.pending = None
            turn = Answer(title=say("nothing_to_change", self.session.language, what=exc.details.get("what", "it")),
                          outcome="nothing_to_do")
        except KubeCopilotError as exc:
            turn = self._vanished(exc) or self._error(exc)
        except ValidationError as exc:  # a value no model of ours accepts (from the user or a model): said, not raised
            self.session.pending = None
            turn = ErrorTurn(message=f"that request has a value I cannot use: {exc.errors()[0].get('msg', exc)}",
                             hint="rephrase it with a smaller or simpler value", code=InputRejected.code)
        self._after(turn)
        return turn

    def approve(self, plan_id: str, approve_fn: Callable[[Any], Any] | None) -> Turn:
        """Decide a PlanProposal with the injected approval function (none → deny), then execute and verify."""
        self.deadline = Deadline(self.turn_deadline, self.timer)
        self._offers = self.session.offers
        try:
            turn = fixes.offer_next(self.kit, self.flows.approve(plan_id, approve_fn))
        except KubeCopilotError as exc:
            turn = ErrorTurn(message=exc.message, hint=exc.hint, code=exc.code)
        self._after(turn)
        return turn

    def forget_changed_elsewhere(self) -> list[str | None]:
        """Evict the cached reads that changes executed by others (the ledger) made stale; a ledger that cannot be
        read costs nothing but this check."""
        if self.elsewhere is None:
            return []
        try:
            return self.elsewhere.check(own={done.plan_id for done in self.session.executed})
        except KubeCopilotError:
            return []

    def ask_model(self, step: str, call: Callable[[], T]) -> T:
        """One model call, shown as a progress step, within what is left of the turn's deadline (else LLMTooSlow)."""
        if getattr(self.brain, "loading", False):  # crewAI is importing in the background: the rules answer now
            raise LLMStillLoading("the model is still loading (crewAI is being imported in the background)",
                                  hint="ask again in a few seconds for the model's reading")
        warm_up = getattr(self.brain, "warm_up", None)  # the first call imports crewAI: not the model's time
        if warm_up is not None:
            with self.deadline.paused():
                warm_up()
        self.progress(say(step, self.session.language))  # ``step``: a catalogue key; errors stay in English
        self.llm_calls += 1
        return call_within(call, self.deadline, say(step, "en"))

    def menu(self) -> Answer:
        return handlers.menu(self.session)

    def refresh_cache(self) -> Answer:
        return handlers.refresh_cache(self.kit)

    # --- understanding: one reading per message -------------------------------------------------------------------

    def read(self, text: str) -> Reading:
        """The rules' reading; when they are not sure (and the text answers no question) and a model is configured,
        the coordinator's, its names linked to the cluster like the rules' names."""
        names = self.kit.names = Inventory(self.gateway, self.session.cluster)
        rules = reader.read(text, self.session.view(), names)
        pending = self.session.pending
        answering = pending is not None and pending.slot != INTENT_SLOT  # an answer the rules could not match: asked again
        settled = rules.sure or rules.reply is not None or rules.answer_without_question is not None or answering
        if self.brain is None or settled or rules.intent in ("choose", "cancel"):
            return rules
        brain, context = self.brain, self.session.context()
        try:
            routed = self.ask_model("step_understanding", lambda: brain.understand(text, context))
        except (LLMUnavailable, LLMOutputInvalid) as exc:  # the rules' reading, said to be one
            self.flows.fall_back(exc)
            return rules
        model = reader.from_model(routed, rules, names)
        if rules.unsure == "question" and routed.intent in CHANGE_INTENTS:
            # the model read a question as a command: ask, with its reading as one explicit choice
            return replace(model, candidates=(routed.intent, *rules.candidates), unsure="question")
        return model

    def _follow(self, command: str) -> Turn:
        """A suggested command picked by its number: read like anything typed."""
        return self.router.route(self.read(command))

    # --- errors ------------------------------------------------------------------------------------------------------

    def _vanished(self, exc: KubeCopilotError) -> Turn | None:
        """A namespace the session used was deleted: asked again with fresh options, not a bare "not found"."""
        m = _NAMESPACE_GONE.search(exc.message) if isinstance(exc, ToolFailed) else None
        gone = exc.stale_value if isinstance(exc, StaleReference) else (m.group(1) if m else None)
        reading = self._reading
        if gone is None or reading is None:
            return None
        pending = self.session.pending
        request = pending.request if pending is not None else reading.request
        if gone not in (self.session.namespace, request.namespace):
            return None
        self.session.pending = None
        if self.session.namespace == gone:
            self.session.set_namespace(None)
        try:
            return self.router.ask_namespace(replace(reading, unknown_place=gone), request,
                                             say("namespace_gone", self.session.language, namespace=gone))
        except KubeCopilotError:
            return None

    def _error(self, exc: KubeCopilotError) -> ErrorTurn:
        self.session.pending = None
        return ErrorTurn(message=exc.message, hint=exc.hint, code=exc.code)

    def _after(self, turn: Turn) -> None:
        """Attach notices gathered during the turn and record which numbered choices are now on screen: the
        question's options, the answer's next steps, the menu the turn showed — or, when it showed no list at all
        ("refresh cache", an error, a plan), the quick menu, never the list of an older answer."""
        if self.flows.notices:
            turn.notices[:0] = list(dict.fromkeys(self.flows.notices))
            self.flows.notices = []
        if isinstance(turn, Ask):
            self.session.offer([], "ask")
        elif isinstance(turn, Answer) and turn.suggestions:
            self.session.offer(turn.suggestions, "suggestions")
        elif self.session.offers == self._offers:  # no list shown by this turn
            handlers.menu(self.session)
        said = getattr(turn, "title", None) or getattr(turn, "question", None) or getattr(turn, "summary", None)
        self.session.history.append(("assistant", str(said or getattr(turn, "message", ""))))
