"""Run one case in one mode against a served sandbox and score it.

The assistant is the real one: ``app_for(handle)`` connects a ToolGateway over SSE to the sandbox's MCP server and
assembles the plan service and the conversation exactly as the REPL does. Only the LLM side differs by mode.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from kubecopilot.dialogue.turns import PlanProposal
from kubecopilot.plans.model import ApprovalDecision
from kubecopilot.testing.apps import app_for

from .brains import LLMSide, attach_live, attach_local, attach_scripted, pod_resolver
from .casefile import Case, Mode, Step
from .checks import check_end_state, check_session, check_turn, snapshot_versions

APPROVERS = {
    "yes": lambda plan: ApprovalDecision(approved=True, by="user:eval", typed_name=plan.resource.name),
    "no": lambda plan: ApprovalDecision(approved=False, by="user:eval"),
    "none": None,  # no approval function at all: the engine must deny
}


@dataclass
class CaseResult:
    case: str
    mode: Mode
    failures: list[str] = field(default_factory=list)
    turns: int = 0
    llm_calls: int = 0  # requests to the model
    agent_calls: int = 0  # times the engine asked an agent (Conversation.llm_calls)
    prompt_tokens: int = 0
    seconds: float = 0.0
    model: str = ""  # the live model, when one played

    @property
    def passed(self) -> bool:
        return not self.failures

    def report(self) -> str:
        return f"{self.case} [{self.mode}]:\n  " + "\n  ".join(self.failures)


@dataclass
class PlanTracker:
    """The plan service and the plan the conversation proposed last (what ``approve`` steps decide)."""

    service: Any
    last_id: str | None = None


def run_case(case: Case, handle: Any, mode: Mode, local: Any = None) -> CaseResult:
    """``local``: a ``LocalModel`` to play the ``live`` mode instead of the configured (remote) model."""
    result = CaseResult(case=case.name, mode=mode)
    started = time.perf_counter()
    resolve = pod_resolver(handle)
    for call in case.setup:
        handle.cluster.call(call.tool, _resolved(call.args, resolve))
    before = snapshot_versions(handle, case.end_state)
    app = app_for(handle)
    side = LLMSide()
    try:
        if mode == "scripted":
            side = attach_scripted(app, handle, case.scripted)
        elif mode == "live":
            side = attach_local(app, local) if local is not None else attach_live(app)
        if case.menu_at_start:
            app.conversation.menu()
        _run_steps(case, app, handle, mode, result)
        result.failures += check_end_state(handle, case.end_state, before)
        result.failures += [f for f in _scripted_leftovers(side) if not any(f in seen for seen in result.failures)]
    finally:
        app.close()
        if not handle.running:  # a case that stopped the server and failed before restarting it
            handle.serve()
    result.llm_calls, result.prompt_tokens = side.calls, side.prompt_tokens
    result.agent_calls = app.conversation.llm_calls
    result.seconds = time.perf_counter() - started
    return result


def _run_steps(case: Case, app: Any, handle: Any, mode: Mode, result: CaseResult) -> None:
    plans = PlanTracker(app.plans)
    resolve = pod_resolver(handle)
    for number, step in enumerate(case.steps, 1):
        where = f"step {number} ({_label(step)})"
        try:
            failures = _run_step(step, app, handle, mode, plans, resolve)
        except Exception as exc:  # noqa: BLE001 - a crash is a failed case, reported with its step
            result.failures.append(f"{where}: crashed with {type(exc).__name__}: {exc}")
            return
        result.turns += step.is_turn
        result.failures += [f"{where}: {f}" for f in failures]


def _run_step(step: Step, app: Any, handle: Any, mode: Mode, plans: PlanTracker, resolve: Any) -> list[str]:
    if step.cluster is not None:
        handle.cluster.call(step.cluster.tool, _resolved(step.cluster.args, resolve))
        return []
    if step.server is not None:
        handle.stop() if step.server == "stop" else handle.restart()
        return []
    talk = app.conversation
    calls_before = talk.llm_calls
    if step.menu:
        turn = talk.menu()
    elif step.approve is not None:
        if plans.last_id is None:
            return ["nothing to approve: no plan was proposed"]
        turn = talk.approve(plans.last_id, APPROVERS[step.approve])
    else:
        turn = talk.handle(resolve(step.say or ""))
    if isinstance(turn, PlanProposal):
        plans.last_id = turn.plan_id
    expect = step.expectation(mode)
    return (check_turn(turn, expect, plans=plans, llm_calls=talk.llm_calls - calls_before)
            + check_session(talk.session, expect))


def _scripted_leftovers(side: LLMSide) -> list[str]:
    if side.roles is None:
        return []
    unused = [f"scripted replies never asked for: {role} ×{n}" for role, n in side.roles.left().items()]
    return list(side.roles.unscripted) + unused


def _resolved(args: dict[str, Any], resolve: Any) -> dict[str, Any]:
    return {k: resolve(v) if isinstance(v, str) else v for k, v in args.items()}


def _label(step: Step) -> str:
    if step.say is not None:
        return f"say {step.say!r}"
    if step.approve is not None:
        return f"approve {step.approve}"
    if step.cluster is not None:
        return f"cluster {step.cluster.tool}"
    return f"server {step.server}" if step.server else "menu"
