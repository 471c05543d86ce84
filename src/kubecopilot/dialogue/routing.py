"""Routing a reading to exactly one turn: an answer to the open question, a follow-up, "did you mean …?", slot
filling, or the handler table. Everything here works on the ``Reading``; the text is never read again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubecopilot.dialogue import fixes, handlers
from kubecopilot.dialogue.clarify import INTENT_SLOT, did_you_mean
from kubecopilot.dialogue.kit import Kit
from kubecopilot.dialogue.models import RoutedRequest
from kubecopilot.dialogue.reading import FOLLOW_UPS, ROUTED_UNSURE, SURE, Reading, Reply
from kubecopilot.dialogue.registry import FREE_SLOTS, kind_name, spec
from kubecopilot.dialogue.session import PendingRequest, Session
from kubecopilot.dialogue.slots import SlotFiller, parse_free_value
from kubecopilot.dialogue.turns import Answer, Ask, Turn
from kubecopilot.errors import StaleReference
from kubecopilot.k8s import owner_prefix
from kubecopilot.messages import Language, say

NAMESPACED_LISTS = frozenset({"list_pods", "list_deployments", "list_services"})


class Router:
    """``follow`` runs a suggested command as if typed: the conversation reads it (a command is words too)."""

    def __init__(self, kit: Kit, follow: Callable[[str], Turn]) -> None:
        self.kit, self.follow = kit, follow

    @property
    def session(self) -> Session:
        return self.kit.session

    @property
    def lang(self) -> Language:
        return self.kit.lang

    # --- a reading in, a turn out ---------------------------------------------------------------------------------

    def dispatch(self, reading: Reading) -> Turn:
        pending = self.session.pending
        if pending is not None and reading.reply is not None:
            return self.answer(pending, reading.reply)
        if pending is not None:
            turn = self._not_an_answer(pending, reading)
            if turn is not None:
                return turn
        return self.route(reading)

    def route(self, reading: Reading) -> Turn:
        req = reading.request
        if reading.answer_without_question is not None:
            return self._nothing_asked()
        if req.intent == "cancel":
            self.session.pending = None
            return Answer(title=say("cancelled", self.lang))
        if req.intent == "choose" and reading.reply is not None:  # "-1": a number that picks nothing
            return self._no_such_choice(reading.reply.number)
        if req.intent == "choose":
            return self.pick_choice(req.choice)
        if not reading.sure and reading.unsure not in ROUTED_UNSURE:
            return self._ask_intent(reading)
        return self.route_request(reading)

    def route_request(self, reading: Reading, req: RoutedRequest | None = None) -> Turn:
        req = req or reading.request
        self._said(reading)
        if req.cluster and req.cluster != self.session.cluster:
            self.session.set_cluster(req.cluster)
            if req.intent != "switch_context":
                self.kit.flows.notices.append(say("switched_for_request", self.lang, cluster=req.cluster))
        if reading.unknown_place:
            cluster = self.session.cluster or next((n.name for n in self.kit.names.of("cluster") if n.current), None)
            return self.ask_namespace(reading, req, say("no_such_namespace", self.lang, namespace=reading.unknown_place,
                                                          cluster=cluster or say("current_cluster", self.lang)))
        if req.namespace and req.intent in NAMESPACED_LISTS:
            self.session.set_namespace(req.namespace)
        intent = spec(req.intent)
        job = PendingRequest(request=req, filled={}, slot="", reading=reading)
        if intent.group != "follow_up" and not intent.slots:
            return handlers.run(self.kit, job)
        if req.intent == "fix":
            routed = fixes.route(self.kit, reading)
            if routed is None or isinstance(routed, RoutedRequest):
                job.request = routed or req
                return self._outside_whitelist(job.request) or self.proceed(job)
            return routed
        refused = self._outside_whitelist(req)
        if refused is not None:
            return refused
        if intent.slots:
            return self.proceed(job)
        return self.unknown()

    def _said(self, reading: Reading) -> None:
        """What the reading took for granted ("prodution" → production, a replaced pod's successor), said."""
        for note in reading.notes:
            self.kit.flows.notices.append(say(note.key, self.lang, **dict(note.values)))

    def _nothing_asked(self) -> Answer:
        waiting = self.session.last_plan_id
        if waiting and self._plan_waits(waiting):
            return Answer(title=say("plan_waits", self.lang, plan=waiting[:8]))
        return Answer(title=say("nothing_asked", self.lang), blocks=handlers.menu(self.session).blocks)

    def _plan_waits(self, plan_id: str) -> bool:
        try:
            return self.kit.ctx.plans.get(plan_id).status == "pending"
        except Exception:  # noqa: BLE001 - an unknown or unreadable plan waits for nothing
            return False

    def pick_choice(self, index: int | None) -> Turn:
        """A number, "the second one", "the last one": the numbered choices on screen, else say there is none."""
        choices = self.session.choices
        command = None
        if index is not None and 1 <= index <= len(choices):
            command = choices[index - 1].command
        elif index is not None and -len(choices) <= index <= -1:
            command = choices[index].command  # "the last one" (-1), "倒数第二个" (-2)
        if command is not None:
            return self.follow(command)
        return self._no_such_choice(index)

    def _no_such_choice(self, index: int | None) -> Answer:
        count = len(self.session.choices)
        return Answer(title=say("no_such_choice", self.lang, number=index, count=count),
                      blocks=handlers.menu(self.session).blocks)

    def _ask_intent(self, reading: Reading) -> Turn:
        """Not sure what is meant: offer the nearest intents, numbered — never act on a guess."""
        asked = did_you_mean(reading, self.lang)
        if asked is None:
            return self.unknown()
        self.session.pending = asked[1]
        return asked[0]

    def _outside_whitelist(self, req: RoutedRequest) -> Answer | None:
        """A change the whitelist does not allow ("delete namespace production") is refused before any question."""
        change = spec(req.intent).change
        plans = self.kit.ctx.plans
        if change is None or plans is None:
            return None
        action, kind = change.action, kind_name(req.kind) or change.kind
        if (action, kind) in {tuple(pair) for pair in plans.whitelist}:
            return None
        allowed = ", ".join(f"{a} {k}" for a, k in plans.whitelist)
        return Answer(title=say("not_allowed", self.lang, action=action, kind=kind, allowed=allowed),
                      outcome="refused_by_policy")

    def ask_namespace(self, reading: Reading, req: RoutedRequest, why: str) -> Turn:
        """A namespace the person named that the cluster does not have (or no longer has): asked, with fresh options."""
        req = req.model_copy(update={"namespace": None, "target": req.target})
        if self.session.namespace == reading.unknown_place:
            self.session.set_namespace(None)
        job = PendingRequest(request=req, filled={}, slot="namespace", reading=reading)
        filler = SlotFiller(self.kit.ctx.gateway, self.session, notices=self.kit.flows.notices)
        asked = filler.namespace_question(job, fresh=True)
        if not isinstance(asked, Ask):  # only one namespace has what was named: taken, and both said
            self.kit.flows.notices.insert(0, why)
            job.filled["namespace"] = asked.value
            return self.proceed(job)
        self.session.pending = job
        job.options = job.full_options = list(asked.options)
        return asked.model_copy(update={"question": why})

    # --- slot filling ------------------------------------------------------------------------------------------

    def proceed(self, pending: PendingRequest) -> Turn:
        filler = SlotFiller(self.kit.ctx.gateway, self.session, notices=self.kit.flows.notices)
        try:
            ask = filler.fill(pending)
            if ask is not None:
                self.session.pending = pending
                return ask
            self.session.pending = None
            return self.run(pending)
        except StaleReference as exc:
            return self._recover(pending, exc)

    def _recover(self, pending: PendingRequest, exc: StaleReference) -> Turn:
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
        self.kit.flows.notices.append(say("stale_refreshed", self.lang, value=exc.stale_value))
        named = pending.request.target in (None, exc.stale_value)
        if stale in ("pod", "object", "workload") and exc.stale_value and named:
            # "cart-service-v2-7d9f8b6c5d-x2k4p" was recreated under a new suffix: look for its siblings
            pending.request = pending.request.model_copy(update={"target": owner_prefix(exc.stale_value)})
        return self.proceed(pending)

    def run(self, job: PendingRequest) -> Turn:
        if job.request.intent in NAMESPACED_LISTS and job.filled.get("namespace"):
            self.session.set_namespace(job.filled["namespace"])  # a list's namespace, once answered, is where we are
        return handlers.run(self.kit, job) if job.request.intent in handlers.HANDLERS else self.unknown()

    def unknown(self) -> Answer:
        menu = handlers.menu(self.session)
        offered = [{"label": s.label, "command": s.command} for s in self.session.choices]  # what a script can ask instead
        return Answer(title=say("unknown", self.lang), blocks=menu.blocks, outcome="not_understood",
                      data={"options": offered})

    # --- answers to the open question --------------------------------------------------------------------------

    def _not_an_answer(self, pending: PendingRequest, reading: Reading) -> Turn | None:
        """A message that answers nothing: a new request (the question is dropped), or the question again."""
        if reading.intent == "cancel" or pending.slot == INTENT_SLOT:
            self.session.pending = None
            return None
        if reading.sure and reading.intent not in FOLLOW_UPS:
            self.session.pending = None
            return None
        return self.reask(pending, say("ask_again_unmatched", self.lang, reply=reading.text))

    def answer(self, pending: PendingRequest, reply: Reply) -> Turn:
        if reply.kind == "cancel":
            self.session.pending = None
            return Answer(title=say("cancelled", self.lang))
        if pending.slot in fixes.SLOTS:
            return fixes.answer(self.kit, pending, reply)
        if pending.slot == "confirm":
            if reply.kind in ("yes", "no"):
                return self.kit.flows.confirm_health_check(reply.kind == "yes")
            return self.reask(pending, say("ask_yes_no", self.lang))
        if pending.slot == INTENT_SLOT:
            return self._answer_intent(pending, reply)
        if reply.kind == "list":
            pending.options = list(pending.full_options)
            question = (say("list_namespaces_again", self.lang, target=f"`{pending.request.target}`")
                        if pending.slot == "namespace" and pending.request.target else None)
            return self.reask(pending, question)
        if reply.kind in ("pick", "correction", "value"):
            return self._fill(pending, reply)
        if reply.kind == "narrowed":
            pending.options = list(reply.options)
            return self.reask(pending, say("ask_again_narrowed", self.lang, reply=reply.value or ""))
        return self.reask(pending, self._invalid(pending, reply))

    def _invalid(self, pending: PendingRequest, reply: Reply) -> str:
        if reply.number is not None:
            return say("ask_again_number", self.lang, number=reply.number, count=len(pending.options))
        return say("ask_again_unmatched", self.lang, reply=reply.value)

    def _fill(self, pending: PendingRequest, reply: Reply) -> Turn:
        if reply.kind == "correction" and reply.slot not in (None, pending.slot):
            return self._correct_earlier(pending, reply)
        value: Any = reply.option.value if reply.option is not None else reply.value
        if reply.note:
            self.kit.flows.notices.append(say("took_name", self.lang, said=reply.note, name=value))
        if pending.slot in FREE_SLOTS:
            try:
                value = parse_free_value(pending.slot, value)
            except ValueError as exc:
                return self.reask(pending, f"{say('ask_again_unmatched', self.lang, reply=reply.value or value)} ({exc})")
        elif reply.kind == "correction" and reply.option is None:
            return self.reask(pending, say("ask_again_unmatched", self.lang, reply=reply.value))
        pending.filled[pending.slot] = value
        return self.proceed(pending)

    def _correct_earlier(self, pending: PendingRequest, reply: Reply) -> Turn:
        """"no wait, production" while asked for a pod of dev: the namespace is changed, what depended on it asked again."""
        order: list[str] = [need.slot for need in spec(pending.request.intent).slots]
        slot = str(reply.slot)
        if slot in order:
            for later in order[order.index(slot):]:
                pending.filled.pop(later, None)
        pending.filled[slot] = reply.value
        pending.target_object = None
        self.kit.flows.notices.append(say("corrected", self.lang, value=reply.value))
        return self.proceed(pending)

    def _answer_intent(self, pending: PendingRequest, reply: Reply) -> Turn:
        """The answer to "did you mean …?": a pick runs that intent."""
        if reply.kind in ("pick", "correction") and reply.option is not None:
            self.session.pending = None
            chosen = pending.request.model_copy(update={"intent": reply.option.value, "confidence": SURE})
            reading = pending.reading or Reading("", chosen)
            return self.route_request(reading, chosen)
        return self.reask(pending, self._invalid(pending, reply))

    def reask(self, pending: PendingRequest, question: str | None) -> Turn:
        pending.asked += 1
        if pending.asked > 4:
            self.session.pending = None
            return Answer(title=say("gave_up", self.lang))
        if pending.slot in fixes.SLOTS or pending.slot in ("confirm", INTENT_SLOT):
            return Ask(question=question or say("ask_yes_no", self.lang), slot=pending.slot, options=pending.options)
        filler = SlotFiller(self.kit.ctx.gateway, self.session)
        base = filler.ask_again(pending)
        if not isinstance(base, Ask):
            pending.filled[pending.slot] = base.value
            return self.proceed(pending)
        return base.model_copy(update={"question": question or base.question, "options": pending.options,
                                       "free_text": pending.slot in FREE_SLOTS, "notices": []})  # said once already


def _slot_value_matches(value: Any, stale: str | None) -> bool:
    if value is None or stale is None:
        return False
    return value == stale or (isinstance(value, str) and value.endswith("/" + stale))

