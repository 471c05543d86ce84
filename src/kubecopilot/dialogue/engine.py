"""The conversation: one user message in, exactly one turn out (Ask, Answer, PlanProposal or ErrorTurn).

Routing is a table lookup on the RoutedRequest (the rule engine's, or the coordinator agent's when the rules are
not confident). Reads are answered by slot filling + the gateway with no LLM; diagnosis and planning use the
analyzers, or the crew when one is configured, and fall back to the analyzers when the LLM is unavailable.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import ValidationError

from kubecopilot.diagnosis.models import Diagnosis
from kubecopilot.dialogue import handlers, intents
from kubecopilot.dialogue.clarify import INTENT_SLOT, did_you_mean
from kubecopilot.dialogue.deadline import Clock, Deadline, call_within
from kubecopilot.dialogue.flows import Flows
from kubecopilot.dialogue.intents import Understood
from kubecopilot.dialogue.models import RoutedRequest
from kubecopilot.dialogue.ports import Brain, PlanDesk, TurnContext
from kubecopilot.dialogue.registry import CHANGE_INTENTS, FREE_SLOTS, kind_name, spec
from kubecopilot.dialogue.replies import resolve_reply
from kubecopilot.dialogue.session import PendingRequest, Session
from kubecopilot.dialogue.slots import NothingToPick, SlotFiller, parse_free_value
from kubecopilot.dialogue.turns import Answer, Ask, ErrorTurn, TextBlock, Turn
from kubecopilot.dialogue.understanding import KnownNames
from kubecopilot.dialogue.views import Views
from kubecopilot.errors import (
    InputRejected,
    KubeCopilotError,
    LLMOutputInvalid,
    LLMStillLoading,
    LLMUnavailable,
    NothingToChange,
    StaleReference,
)
from kubecopilot.k8s import owner_prefix
from kubecopilot.messages import language, say
from kubecopilot.tools.ports import Gateway

T = TypeVar("T")

_BARE_NUMBER = re.compile(r"^\s*(\d{1,2})\s*$")


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
        self.names = KnownNames(gateway)
        self.ctx = TurnContext(gateway=gateway, plans=plans, session=self.session, brain=brain, clock=self.clock,
                               progress=progress or (lambda message: None), ask_model=self.ask_model)
        self.flows = Flows(self.ctx)
        self.kit = handlers.Kit(self.ctx, self.views, self.flows, self.names)
        self.llm_calls = 0

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
        said_in = intents.language_said(text)
        if said_in is not None:
            self.session.language = language(said_in)
        self.session.history.append(("user", text[:500]))  # a refused 50 kB line is not kept whole
        self.deadline = Deadline(self.turn_deadline, self.timer)  # one budget for all model calls of this turn
        try:
            turn = self._dispatch(text)
        except NothingToPick as exc:
            turn = Answer(title=say("empty", self.session.language), blocks=[TextBlock(text=str(exc))])
        except NothingToChange as exc:  # "scale to 1" when it is 1: success, said so (kubectl agrees)
            self.session.pending = None
            turn = Answer(title=say("nothing_to_change", self.session.language, what=exc.details.get("what", "it")),
                          outcome="nothing_to_do")
        except KubeCopilotError as exc:
            self.session.pending = None
            turn = ErrorTurn(message=exc.message, hint=exc.hint, code=exc.code)
        except ValidationError as exc:  # a value no model of ours accepts (from the user or a model): said, not raised
            self.session.pending = None
            turn = ErrorTurn(message=f"that request has a value I cannot use: {exc.errors()[0].get('msg', exc)}",
                             hint="rephrase it with a smaller or simpler value", code=InputRejected.code)
        self._after(turn)
        return turn

    def approve(self, plan_id: str, approve_fn: Callable[[Any], Any] | None) -> Turn:
        """Decide a PlanProposal with the injected approval function (none → deny), then execute and verify."""
        self.deadline = Deadline(self.turn_deadline, self.timer)
        try:
            turn = self.flows.approve(plan_id, approve_fn)
        except KubeCopilotError as exc:
            turn = ErrorTurn(message=exc.message, hint=exc.hint, code=exc.code)
        self._after(turn)
        return turn

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

    # --- dispatch ----------------------------------------------------------------------------------------------

    def _dispatch(self, text: str) -> Turn:
        number = _BARE_NUMBER.match(text)
        if number and not self.session.pending:
            choice = self._choice(int(number.group(1)))
            if choice is not None:
                return self._dispatch(choice)
            shown = len(self.session.choices)
            menu = self.menu()  # numbers now pick from the menu
            return Answer(title=say("no_such_choice", self.session.language, number=number.group(1), count=shown),
                          blocks=menu.blocks)
        if self.session.pending:
            turn = self._reply(text)
            if turn is not None:
                return turn
        return self._route(self.understand(text), text)

    def _choice(self, index: int) -> str | None:
        choices = self.session.choices
        if index == -1 and choices:
            return choices[-1].command
        return choices[index - 1].command if 1 <= index <= len(choices) else None

    def understand(self, text: str) -> Understood:
        """The rules' reading; when they are not sure and a model is configured, the coordinator's."""
        understood = self.names.read(text, cluster=self.session.cluster, model_configured=self.brain is not None)
        if self.brain is None or understood.sure:
            return understood
        brain, context = self.brain, self.session.context()
        try:
            routed = self.ask_model("step_understanding", lambda: brain.understand(text, context))
        except (LLMUnavailable, LLMOutputInvalid) as exc:  # the rules' reading, said to be one
            self.flows.fall_back(exc)
            return understood
        routed = routed.model_copy(update={"language": understood.request.language})
        if understood.unsure == "question" and routed.intent in CHANGE_INTENTS:
            # the model read a question as a command: ask, with its reading as one explicit choice
            return Understood(routed, (routed.intent, *understood.candidates), "question")
        return Understood(routed)

    def _route(self, understood: Understood, text: str) -> Turn:
        req = understood.request
        if req.intent == "cancel":
            self.session.pending = None
            return Answer(title=say("cancelled", self.session.language))
        if req.intent == "choose":
            return self._pick_choice(req.choice)
        if not understood.sure and understood.unsure != "unresolved_target":
            return self._ask_intent(understood)
        return self._route_request(req, text)

    def _pick_choice(self, index: int | None) -> Turn:
        """A number, "the second one", "the last one": the numbered choices on screen, else say there is none."""
        choice = self._choice(index) if index is not None else None
        if choice is not None:
            return self._dispatch(choice)
        menu = self.menu()
        return Answer(title=say("no_such_choice", self.session.language, number=index, count=len(self.session.choices)),
                      blocks=menu.blocks)

    def _ask_intent(self, understood: Understood) -> Turn:
        """Not sure what is meant: offer the nearest intents, numbered — never act on a guess."""
        asked = did_you_mean(understood, self.session.language)
        if asked is None:
            return self._unknown()
        self.session.pending = asked[1]
        return asked[0]

    def _route_request(self, req: RoutedRequest, text: str) -> Turn:
        lang = self.session.language
        if req.cluster:
            self.session.set_cluster(req.cluster)
        if req.namespace and req.intent in ("list_pods", "list_deployments", "list_services"):
            self.session.set_namespace(req.namespace)
        intent = spec(req.intent)
        if intent.group != "follow_up" and not intent.slots:
            return handlers.HANDLERS[req.intent](self.kit, req, {}, text)
        last = self.session.last_diagnosis
        if req.intent == "fix" and last and (not req.target or _diagnosed(last, req)):  # "fix it": the last diagnosis
            return self.flows.fix_from_diagnosis(last, text)
        if req.intent == "fix" and not req.target and not self.session.last("pod", "deployment"):
            return Answer(title=say("no_fix", lang))
        refused = self._outside_whitelist(req)
        if refused is not None:
            return refused
        if intent.slots:
            return self._continue(PendingRequest(request=req, filled={}, slot=""), text)
        return self._unknown()

    def _outside_whitelist(self, req: RoutedRequest) -> Answer | None:
        """A change the whitelist does not allow ("delete namespace production") is refused before any question."""
        change = spec(req.intent).change
        if change is None or self.plans is None:
            return None
        action, kind = change.action, kind_name(req.kind) or change.kind
        if (action, kind) in {tuple(pair) for pair in self.plans.whitelist}:
            return None
        allowed = ", ".join(f"{a} {k}" for a, k in self.plans.whitelist)
        return Answer(title=say("not_allowed", self.session.language, action=action, kind=kind, allowed=allowed),
                      outcome="refused_by_policy")

    # --- slot filling --------------------------------------------------------------------------------------------

    def _continue(self, pending: PendingRequest, text: str = "") -> Turn:
        filler = SlotFiller(self.gateway, self.session, notices=self.flows.notices)
        try:
            ask = filler.fill(pending)
            if ask is not None:
                self.session.pending = pending
                return ask
            self.session.pending = None
            return self._run(pending, text)
        except StaleReference as exc:
            return self._recover(pending, exc, text)

    def _recover(self, pending: PendingRequest, exc: StaleReference, text: str) -> Turn:
        """A value that came from a stale cached list is gone: forget it (and what depends on it), fill again once."""
        if pending.recovered:
            raise exc
        order: list[str] = [need.slot for need in spec(pending.request.intent).slots]
        stale = next((s for s in order if _slot_value_matches(pending.filled.get(s), exc.stale_value)), None)
        if stale is None:
            raise exc
        for slot in order[order.index(stale):]:
            pending.filled.pop(slot, None)
        pending.target_object, pending.recovered = None, True
        self.flows.notices.append(say("stale_refreshed", self.session.language, value=exc.stale_value))
        named = pending.request.target in (None, exc.stale_value)
        if stale in ("pod", "object", "workload") and exc.stale_value and named:
            # "cart-service-v2-7d9f8b6c5d-x2k4p" was recreated under a new suffix: look for its siblings
            pending.request = pending.request.model_copy(update={"target": owner_prefix(exc.stale_value)})
        return self._continue(pending, text)

    def _reply(self, text: str) -> Turn | None:
        """Answer the pending question; None when the text is a new request instead."""
        pending = self.session.pending
        assert pending is not None
        lang = self.session.language
        if pending.slot == "confirm":
            return self.flows.confirm_health_check(pending, text)
        if pending.slot == INTENT_SLOT:
            return self._reply_intent(pending, text)
        res = resolve_reply(text, pending.options, free_text=pending.slot in FREE_SLOTS)
        if res.outcome == "cancel":
            self.session.pending = None
            return Answer(title=say("cancelled", lang))
        if res.outcome == "list":
            pending.options = list(pending.full_options)
            question = (say("list_namespaces_again", lang, target=f"`{pending.request.target}`")
                        if pending.slot == "namespace" and pending.request.target else None)
            return self._reask(pending, question)
        if res.outcome == "picked" and res.option is not None:
            value: Any = res.option.value
            if pending.slot in FREE_SLOTS:
                value = parse_free_value(pending.slot, value)
            pending.filled[pending.slot] = value
            return self._continue(pending, text)
        if res.outcome == "free":
            try:
                pending.filled[pending.slot] = parse_free_value(pending.slot, res.text)
            except ValueError as exc:
                return self._reask(pending, f"{say('ask_again_unmatched', lang, reply=text)} ({exc})")
            return self._continue(pending, text)
        if res.outcome == "narrowed":
            pending.options = res.options
            return self._reask(pending, say("ask_again_narrowed", lang, reply=text))
        fresh = intents.parse(text)
        if fresh.intent not in ("unknown", "choose", "cancel") and fresh.confidence >= intents.CONFIDENT:
            self.session.pending = None
            return None
        return self._reask(pending, say("ask_again_unmatched", lang, reply=text))

    def _reply_intent(self, pending: PendingRequest, text: str) -> Turn | None:
        """The answer to "did you mean …?": a pick runs that intent; anything else is a new request."""
        res = resolve_reply(text, pending.options)
        self.session.pending = None
        if res.outcome == "cancel":
            return Answer(title=say("cancelled", self.session.language))
        if res.outcome == "picked" and res.option is not None:
            chosen = pending.request.model_copy(update={"intent": res.option.value, "confidence": intents.SURE})
            return self._route_request(chosen, text)
        return None

    def _reask(self, pending: PendingRequest, question: str | None) -> Turn:
        pending.asked += 1
        if pending.asked > 4:
            self.session.pending = None
            return Answer(title=say("gave_up", self.session.language))
        filler = SlotFiller(self.gateway, self.session)
        base = getattr(filler, f"_{pending.slot}")(pending)
        if not isinstance(base, Ask):
            pending.filled[pending.slot] = base.value
            return self._continue(pending)
        return base.model_copy(update={"question": question or base.question, "options": pending.options,
                                       "free_text": pending.slot in FREE_SLOTS, "notices": []})  # said once already

    # --- running a filled request --------------------------------------------------------------------------------

    def _run(self, p: PendingRequest, text: str) -> Turn:
        handler = handlers.HANDLERS.get(p.request.intent)
        return handler(self.kit, p.request, p.filled, text) if handler else self._unknown()

    def _unknown(self) -> Answer:
        menu = self.menu()
        offered = [{"label": s.label, "command": s.command} for s in self.session.choices]  # what a script can ask instead
        return Answer(title=say("unknown", self.session.language), blocks=menu.blocks, outcome="not_understood",
                      data={"options": offered})

    def _after(self, turn: Turn) -> None:
        """Attach notices gathered during the turn and record which numbered choices are now on screen."""
        if self.flows.notices:
            turn.notices[:0] = self.flows.notices
            self.flows.notices = []
        if isinstance(turn, Ask):
            self.session.offer([], "ask")
        elif isinstance(turn, Answer) and turn.suggestions:
            self.session.offer(turn.suggestions, "suggestions")
        said = getattr(turn, "title", None) or getattr(turn, "question", None) or getattr(turn, "summary", None)
        self.session.history.append(("assistant", str(said or getattr(turn, "message", ""))))


def _diagnosed(diagnosis: Diagnosis, req: RoutedRequest) -> bool:
    """The diagnosis on screen is about what this "fix …" names (so it need not be diagnosed again)."""
    fix = diagnosis.fix
    return fix is not None and fix.name == req.target and req.namespace in (None, fix.namespace)


def _slot_value_matches(value: Any, stale: str | None) -> bool:
    if value is None or stale is None:
        return False
    return value == stale or (isinstance(value, str) and value.endswith("/" + stale))
