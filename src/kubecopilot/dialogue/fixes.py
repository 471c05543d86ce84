"""Fixes that know what was fixed: which workload "fix it" means, "fix all of them", and undo in words.

The session remembers every plan it executed and whether its verification passed. A workload a verified change of
this session cured is never the target of "fix it" again (the person is told, and offered what is still broken);
"fix all of them" proposes one plan per fix of the last scan, each approved on its own; "undo that" proposes the
rollback of the last executed plan through the normal plan path.
"""

from __future__ import annotations

from kubecopilot.diagnosis.models import FixSpec
from kubecopilot.diagnosis.scan import scan as run_scan
from kubecopilot.dialogue.kit import Kit
from kubecopilot.dialogue.models import RoutedRequest
from kubecopilot.dialogue.reading import Reading, Reply
from kubecopilot.dialogue.scan_answer import report_answer
from kubecopilot.dialogue.session import Executed, PendingRequest
from kubecopilot.dialogue.turns import Answer, Ask, Option, PlanProposal, TextBlock, Turn
from kubecopilot.dialogue.views import suggestion
from kubecopilot.messages import say
from kubecopilot.plans.redact import redact_plan
from kubecopilot.plans.summary import summarize

FIX_CHOICE, NEXT_FIX = "fix_choice", "next_fix"  # the slots of "which one shall I fix?" and "the next fix?"
SLOTS = frozenset({FIX_CHOICE, NEXT_FIX})


def scan(kit: Kit, namespace: str | None) -> Answer:
    """The cluster scan; its fixes (of what this session has not cured) are what "fix all of them" means next."""
    kit.ctx.progress(say("progress_health", kit.lang))
    report = run_scan(kit.ctx.gateway, namespace=namespace, cluster=kit.session.cluster, language=kit.lang)
    fixes = [f.fix.model_copy(update={"description": f.fix.description or f.suggested_fix})
             for f in report.findings if f.fix is not None]
    kit.session.last_fixes = [f for f in _unique(fixes) if _cure_of(kit, f) is None]
    return report_answer(report, kit.lang)


def route(kit: Kit, reading: Reading) -> Turn | RoutedRequest | None:
    """"fix …" before any slot is filled: a turn, the request to fill (retargeted), or None (fill it as it is)."""
    session, req = kit.session, reading.request
    if reading.scope == "all":
        return fix_all(kit)
    target = reading.target()
    if target is not None and target.kind in ("deployment", "pod") and target.candidates == 1:
        namespace = target.namespace or req.namespace or session.namespace
        if session.cured(target.kind, target.name, namespace) is not None:
            return _cured_elsewhere(kit, target.kind, target.name, namespace)
        last = session.last_diagnosis
        if last is not None and _diagnosed(kit, target.name, namespace):
            return kit.flows.fix_from_diagnosis(last, reading.text)
        return None
    if target is not None:
        return None
    last, about = session.last_diagnosis, session.diagnosed
    if last is not None and (about is None or session.cured(about.kind, about.name, about.namespace) is None) and \
            (last.fix is None or _cure_of(kit, last.fix) is None):
        return kit.flows.fix_from_diagnosis(last, reading.text)
    pending = [f for f in session.last_fixes if _cure_of(kit, f) is None]
    if pending:
        return _propose_or_ask(kit, pending)
    recent = session.last("deployment", "pod")
    if recent is not None and session.cured(recent.kind, recent.name, recent.namespace) is None:
        return req.model_copy(update={"target": recent.name, "kind": recent.kind, "namespace": recent.namespace})
    return Answer(title=say("no_fix", kit.lang))


def already_cured(kit: Kit, kind: str, name: str, namespace: str | None) -> Turn | None:
    """A workload this session cured is not "fixed" again (its previous revision is the broken one)."""
    return _cured_elsewhere(kit, kind, name, namespace) if kit.session.cured(kind, name, namespace) else None


def _cured_elsewhere(kit: Kit, kind: str, name: str, namespace: str | None) -> Turn:
    done = kit.session.cured(kind, name, namespace)
    pending = [f for f in kit.session.last_fixes if _cure_of(kit, f) is None]
    cured = say("already_cured", kit.lang, name=name, plan=done.plan_id[:8] if done else "—")
    if pending:
        turn = _propose_or_ask(kit, pending)
        turn.notices.insert(0, cured)
        return turn
    return Answer(title=cured, suggestions=[suggestion("undo", kit.lang, "undo"),
                                            suggestion("unhealthy", kit.lang, "unhealthy pods")])


def fix_all(kit: Kit) -> Turn:
    """One plan per fix of the last scan (what this session has not cured yet), each approved on its own."""
    fixes = [f for f in kit.session.last_fixes if _cure_of(kit, f) is None]
    if not fixes:
        return Answer(title=say("no_fix_list", kit.lang), suggestions=[suggestion("unhealthy", kit.lang, "unhealthy pods")])
    kit.session.fix_queue = fixes[1:]
    turn = _propose(kit, fixes[0])
    turn.notices.append(say("fix_one_of", kit.lang, index=1, count=len(fixes)))
    return turn


def offer_next(kit: Kit, turn: Turn) -> Turn:
    """After a queued plan was decided: the next fix is offered (y/n), never proposed unasked."""
    queue = kit.session.fix_queue
    if not queue or not isinstance(turn, Answer):
        return turn
    nxt = queue[0]
    request = RoutedRequest(intent="fix", language=kit.lang)
    kit.session.pending = PendingRequest(request=request, filled={}, slot=NEXT_FIX,
                                         options=[Option(value="yes", label=say("yes_run", kit.lang)),
                                                  Option(value="no", label=say("no_cancel", kit.lang))])
    turn.blocks.append(TextBlock(text=say("next_fix", kit.lang, fix=(nxt.description or f"{nxt.action} {nxt.name}").rstrip(".。"),
                                          left=len(queue))))
    turn.suggestions = []
    return turn


def answer(kit: Kit, pending: PendingRequest, reply: Reply) -> Turn:
    """The answer to "which one shall I fix?" or "the next fix?"."""
    kit.session.pending = None
    if pending.slot == NEXT_FIX:
        if reply.kind == "yes":
            fix, kit.session.fix_queue = kit.session.fix_queue[0], kit.session.fix_queue[1:]
            return _propose(kit, fix)
        left, kit.session.fix_queue = len(kit.session.fix_queue), []
        return Answer(title=say("fixes_stopped", kit.lang, left=left))
    chosen = next((f for f in kit.session.last_fixes if reply.option and f"{f.namespace}/{f.name}" == reply.option.value), None)
    if chosen is None:
        return Answer(title=say("cancelled", kit.lang))
    return _propose(kit, chosen)


def undo(kit: Kit, job: PendingRequest) -> Turn:
    """"undo that", "撤销刚才的操作": the rollback of the last plan this session executed (of the named workload, if
    one is named), proposed like any plan — the person approves it."""
    target = job.request.target
    undone = {e.undoes for e in kit.session.executed if e.undoes}
    # the last change not undone yet (an undo itself included: undoing it puts the change back)
    done = [e for e in kit.session.executed if e.plan_id not in undone and (target is None or e.ref.name == target)]
    if not done:
        return Answer(title=say("nothing_to_undo", kit.lang),
                      suggestions=[suggestion("rollback", kit.lang, f"rollback {target}", name=target)] if target else [])
    original = done[0]
    kit.ctx.progress(say("progress_planning", kit.lang, action="undo", target=original.ref.label()))
    plan = kit.ctx.plans.rollback(original.plan_id)
    kit.session.undo_plans[plan.plan_id] = original.plan_id
    kit.session.last_plan_id = plan.plan_id
    notices = [say("undoing", kit.lang, summary=original.summary)]
    if original.verified and original.template_before is not None and original.undoes is None:
        # the change was verified to work: the template it replaced is the one that may have been failing
        notices.append(say("undo_restores_replaced", kit.lang, name=original.ref.name, plan=original.plan_id[:8]))
    return PlanProposal(plan_id=plan.plan_id, summary=summarize(plan, kit.lang), risk_level=plan.risk.level,
                        plan=redact_plan(plan).model_dump(mode="json", by_alias=True), notices=notices)


def _propose(kit: Kit, fix: FixSpec) -> Turn:
    kit.session.remember(fix.kind.lower(), fix.name, fix.namespace)
    return kit.flows.propose(fix, rationale=fix.description)


def _propose_or_ask(kit: Kit, fixes: list[FixSpec]) -> Turn:
    if len(fixes) == 1:
        return _propose(kit, fixes[0])
    options = [Option(value=f"{f.namespace}/{f.name}", label=f"{f.namespace}/{f.name}", detail=f.description or None)
               for f in fixes]
    kit.session.pending = PendingRequest(request=RoutedRequest(intent="fix", language=kit.lang), filled={},
                                         slot=FIX_CHOICE, options=options, full_options=list(options))
    return Ask(question=say("ask_which_fix", kit.lang, count=len(fixes)), slot=FIX_CHOICE, options=options)


def _diagnosed(kit: Kit, name: str, namespace: str | None) -> bool:
    """The diagnosis on screen is about this workload (or its fix changes it): no need to diagnose it again."""
    about, last = kit.session.diagnosed, kit.session.last_diagnosis
    named = {about.name} if about is not None else set()
    if last is not None and last.fix is not None:
        named.add(last.fix.name)
    spaces = {about.namespace if about else None, last.fix.namespace if last and last.fix else None}
    return name in named and (namespace is None or namespace in spaces)


def _cure_of(kit: Kit, fix: FixSpec) -> Executed | None:
    return kit.session.cured(fix.kind, fix.name, fix.namespace)


def _unique(fixes: list[FixSpec]) -> list[FixSpec]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for fix in fixes:
        key = (fix.kind, fix.namespace, fix.name)
        if key not in seen:
            seen.add(key)
            out.append(fix)
    return out
