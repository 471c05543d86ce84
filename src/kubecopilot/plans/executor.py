"""``PlanExecutor``: run an approved plan — idempotency, drift check, step-by-step apply, rollback, verify.

Guarantees: a plan runs only when confirmed; an idempotencyKey that already ran never runs again (claimed in the
ledger atomically, so two processes cannot both run it); nothing is written when the object drifted; a failure or
Ctrl-C part-way rolls back the applied steps in reverse and the ledger says so — never half-applied silently. A write
whose answer was lost (timeout, dropped connection) is read back before anything is said (``plans.readback``):
applied → the run goes on; still not visible after ``write_settle`` seconds → ``WriteOutcomeUnknown`` with what the
server shows, and the ledger records "unknown" — never "reverted" for a write that may still land.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from kubecopilot.errors import (
    Interrupted,
    KubeCopilotError,
    MCPDisconnected,
    MCPTimeout,
    PlanDrifted,
    PlanError,
    PlanExecutionFailed,
    PlanNotApproved,
    PlanNotFound,
    StatusConflict,
    WriteOutcomeUnknown,
)
from kubecopilot.plans.model import OperationPlan, Phrase, ResourceRef, Step, utcnow
from kubecopilot.plans.patches import PatchConflict, apply_ops, as_dicts, diff_ops, without_status
from kubecopilot.plans.ports import ClusterOps
from kubecopilot.plans.readback import ReadBack, read_back
from kubecopilot.plans.redact import fill_redacted
from kubecopilot.plans.verify import ConditionResult, verify_post_conditions
from kubecopilot.plans.wording import said

if TYPE_CHECKING:  # only a type here: the ledger (and SQLAlchemy) load when one is opened
    from kubecopilot.plans.ledger import AuditLedger


class ExecutionReport(BaseModel):
    """What happened. JSON (``by_alias=True``) uses camelCase like the plan it carries."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    plan: OperationPlan
    outcome: Literal["executed", "reverted", "already-executed"]
    applied_steps: list[str] = Field(default_factory=list)
    rolled_back_steps: list[str] = Field(default_factory=list)
    conditions: list[ConditionResult] = Field(default_factory=list)
    verified: bool | None = None  # None: nothing verified (reverted, already executed, or the check could not read)
    message: str = ""
    error: str | None = None
    said: Phrase | None = Field(default=None, exclude=True)  # the message as a catalogue phrase (``plans.wording``)


class PlanExecutor:
    def __init__(self, ops: ClusterOps, ledger: AuditLedger, *, actor: str = "system", verify_timeout: float = 60.0,
                 poll_interval: float = 1.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, now: Callable[[], datetime] = utcnow,
                 write_settle: float = 30.0) -> None:
        self.ops, self.ledger, self.actor = ops, ledger, actor
        self.verify_timeout, self.poll_interval, self.write_settle = verify_timeout, poll_interval, write_settle
        self._clock, self._sleep, self._now = clock, sleep, now

    def execute(self, plan: OperationPlan, approval: Any) -> ExecutionReport:
        if plan.status != "confirmed":
            raise PlanNotApproved(f"plan {plan.plan_id} is {plan.status}; only a confirmed (approved) plan runs")
        key = plan.audit.idempotency_key or plan.plan_id
        done = self.ledger.executed_with_key(key)
        if done is not None:
            return self._already_executed(plan, done.plan_id, done.at)
        current = self.ops.read_object(plan.resource)
        self._check_drift(plan, current)
        claim = self.ledger.claim_execution(plan, self.actor)
        if not claim.granted and claim.prior is not None:
            if claim.prior.event == "executed":
                return self._already_executed(plan, claim.prior.plan_id, claim.prior.at)
            self._refused(plan, {"reason": "already started", "byPlan": claim.prior.plan_id, "at": claim.prior.at})
            raise PlanError(f"this change (idempotencyKey {key}) was already started at {claim.prior.at} by plan "
                            f"{claim.prior.plan_id}; it will not run twice, and plan {plan.plan_id[:8]} is recorded "
                            "as failed", hint="`kubecopilot audit list --plan ID` shows what happened")
        return self._run(plan, current, approval)

    # --- the run ---------------------------------------------------------------------------------------------

    def _run(self, plan: OperationPlan, current: dict[str, Any], approval: Any) -> ExecutionReport:
        applied: list[Step] = []
        lost: dict[str, str] = {}  # steps whose answer was lost, and what reading them back showed
        step: Step | None = None
        expected: dict[str, Any] | None = None
        try:
            for step in plan.steps:
                expected = None if step.action == "delete" else apply_ops(current, step.patch)
                try:
                    current = self._apply_step(plan, step, current, expected, approval)
                except (MCPTimeout, MCPDisconnected) as exc:
                    current = self._answer_lost(plan, step, expected, exc, applied, lost)
                applied.append(step)
        except WriteOutcomeUnknown:
            raise  # recorded already; rolling back now could race the write that may still land
        except KeyboardInterrupt:
            undone = self._undo(plan, applied, step, expected, approval, "interrupted (Ctrl-C)")
            raise Interrupted(f"interrupted during execution; the applied steps were rolled back "
                              f"({', '.join(undone) or 'none'})", hint=f"plan {plan.plan_id} is now reverted") from None
        except Exception as exc:  # noqa: BLE001 - any failure of a write must trigger the rollback
            reason = exc.message if isinstance(exc, KubeCopilotError) else f"{type(exc).__name__}: {exc}"
            undone = self._undo(plan, applied, step, expected, approval, reason)
            reverted = self.ledger.latest(plan.plan_id) or plan
            failed = Phrase(key="report_step_failed", values={"step": step.id if step else "?", "why": reason,
                                                              "count": len(undone)})
            return ExecutionReport(plan=reverted, outcome="reverted", applied_steps=[s.id for s in applied],
                                   rolled_back_steps=undone, error=reason, message=said(failed, "en"), said=failed)
        executed = plan.transition("executed", executed_at=self._now(), executed_by=self.actor)
        detail: dict[str, Any] = {"steps": [s.id for s in applied]}
        if lost:
            detail["readBack"] = lost
        self.ledger.append(executed, "executed", self.actor, detail)
        report = self._verify(executed, [s.id for s in applied])
        if lost:
            report.message += " (" + "; ".join(f"{sid}: {what}" for sid, what in lost.items()) + ")"
        return report

    def _answer_lost(self, plan: OperationPlan, step: Step, expected: dict[str, Any] | None, exc: KubeCopilotError,
                     applied: list[Step], lost: dict[str, str]) -> dict[str, Any]:
        """The write's answer was lost: applied (read back) → the object as it is now; else record and raise."""
        seen = self._read_back(plan, step, expected, lost=True)
        if seen.outcome == "applied" and (seen.obj is not None or step.action == "delete"):
            lost[step.id] = f"applied (its answer was lost: {exc.message}; read back from the server)"
            return seen.obj if seen.obj is not None else {}
        failed = plan.transition("failed", failed_at=self._now())
        self.ledger.append(failed, "failed", self.actor, {
            "error": exc.message, "step": step.id, "outcome": "unknown", "serverShows": seen.shows,
            "note": seen.note, "applied": [s.id for s in applied]})
        done = f"; applied before it: {', '.join(s.id for s in applied)}" if applied else ""
        raise WriteOutcomeUnknown(
            f"the write of {step.id} to {plan.resource.label()} got no answer ({exc.message}); whether it is applied "
            f"is unknown: {seen.describe()}{done}",
            hint=f"look at the object before anything else; `kubecopilot plans show {plan.plan_id[:8]}` shows the "
                 "ledger", step=step.id, server_shows=seen.shows)

    def _read_back(self, plan: OperationPlan, step: Step, expected: dict[str, Any] | None, *, lost: bool) -> ReadBack:
        return read_back(self.ops, plan.resource, step, expected, lost=lost, settle_s=self.write_settle,
                         interval_s=self.poll_interval, clock=self._clock, sleep=self._sleep)

    def _apply_step(self, plan: OperationPlan, step: Step, current: dict[str, Any],
                    expected: dict[str, Any] | None, approval: Any) -> dict[str, Any]:
        # Each write is pinned to the version its `after` was computed from (optimistic concurrency).
        ref = _ref_at(plan.resource, current)
        if step.action == "delete":
            self.ops.delete(ref, approval)
            return current
        result = self.ops.apply_patch(ref, as_dicts(step.patch), expected or {}, approval)
        if isinstance(result, dict) and result.get("metadata"):
            return result
        return self.ops.read_object(plan.resource)

    def _undo(self, plan: OperationPlan, applied: list[Step], failing: Step | None,
              expected: dict[str, Any] | None, approval: Any, reason: str) -> list[str]:
        """Roll back in reverse; record failed, then reverted (or failed with what could not be undone)."""
        to_undo = list(applied)
        detail: dict[str, Any] = {"error": reason, "step": failing.id if failing else None}
        if failing is not None and failing not in applied and failing.action != "delete":
            seen = self._read_back(plan, failing, expected, lost=False)
            detail.update(outcome=seen.outcome, serverShows=seen.shows)
            if seen.outcome == "applied":
                to_undo.append(failing)  # the call failed but the server applied it
        failed = plan.transition("failed", failed_at=self._now())
        self.ledger.append(failed, "failed", self.actor, detail)
        undone: list[str] = []
        problems: list[str] = []
        for step in reversed(to_undo):
            try:
                self._rollback_step(plan, step, approval)
                undone.append(step.id)
            except KeyboardInterrupt:  # a second Ctrl-C must not leave the rollback half done: retry, go on
                self._retry_once(plan, step, approval, undone, problems)
            except Exception as exc:  # noqa: BLE001
                problems.append(f"{step.id}: {exc.message if isinstance(exc, KubeCopilotError) else exc}")
        if problems:
            self.ledger.append(failed, "failed", self.actor, {"rollback_failed": problems, "rolled_back": undone})
            raise PlanExecutionFailed(f"plan {plan.plan_id} failed ({reason}) and its rollback is incomplete: "
                                      + "; ".join(problems), hint="inspect the object and fix it by hand")
        reverted = failed.transition("reverted", reverted_at=self._now())
        self.ledger.append(reverted, "reverted", self.actor, {"rolled_back": undone, "reason": reason})
        return undone

    def _retry_once(self, plan: OperationPlan, step: Step, approval: Any, undone: list[str],
                    problems: list[str]) -> None:
        try:
            self._rollback_step(plan, step, approval)
            undone.append(step.id)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{step.id}: {exc}")

    def _rollback_step(self, plan: OperationPlan, step: Step, approval: Any) -> None:
        if not step.rollback_patch:
            raise PlanError(f"step {step.id} ({step.action}) has no rollback")
        current = self.ops.read_object(plan.resource)
        try:
            after = apply_ops(current, step.rollback_patch)
        except PatchConflict as exc:
            raise PlanError(f"its rollback patch no longer applies: {exc}") from None
        self.ops.apply_patch(_ref_at(plan.resource, current), as_dicts(step.rollback_patch), after, approval)

    # --- checks ----------------------------------------------------------------------------------------------

    def _check_drift(self, plan: OperationPlan, current: dict[str, Any]) -> None:
        # Values the ledger copy had redacted are taken from the live object: never stored, never drift.
        paths = drift_paths(fill_redacted(plan.diff.before or {}, current), current)
        if not paths:
            return
        shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        failed = plan.transition("failed", failed_at=self._now())
        self.ledger.append(failed, "failed", self.actor, {"reason": "drifted", "paths": paths})
        raise PlanDrifted(f"{plan.resource.label()} changed since the plan was made ({shown}); nothing was applied",
                          hint="make a new plan from the current object", paths=paths)

    def _verify(self, plan: OperationPlan, applied: list[str]) -> ExecutionReport:
        try:
            conditions = verify_post_conditions(plan, self.ops, timeout_s=self.verify_timeout,
                                                interval_s=self.poll_interval, clock=self._clock, sleep=self._sleep)
        except KeyboardInterrupt:
            raise Interrupted(f"plan {plan.plan_id} was executed; verifying its post-conditions was interrupted",
                              hint="check the workload's pods") from None
        verified: bool | None = all(c.met for c in conditions)
        note = "verified" if verified else "executed, but the post-conditions are not met yet"
        if any(c.state == "unverified" for c in conditions):  # neither ✓ nor ✗: the cluster could not be read
            verified, note = None, "executed, but its result could not be verified"
        return ExecutionReport(plan=plan, outcome="executed", applied_steps=applied, conditions=conditions,
                               verified=verified, message=f"{plan.resource.label()}: {note}")

    def _already_executed(self, plan: OperationPlan, by_plan: str, at: str) -> ExecutionReport:
        """The change ran before. Another plan that makes it again is refused, and the refusal is its end: it is
        recorded ``failed`` (never left ``confirmed``, which would list it as waiting to run for ever)."""
        latest, key = plan, "report_already_this"
        if by_plan != plan.plan_id:
            latest, key = self._refused(plan, {"reason": "already executed", "byPlan": by_plan, "at": at}), "report_already"
        phrase = Phrase(key=key, values={"key": plan.audit.idempotency_key, "at": at, "by": by_plan,
                                         "plan": plan.plan_id[:8]})
        return ExecutionReport(plan=latest, outcome="already-executed", message=said(phrase, "en"), said=phrase)

    def _refused(self, plan: OperationPlan, detail: dict[str, Any]) -> OperationPlan:
        """Record that the idempotency guard refused ``plan``: ``failed`` (nothing ran), with why."""
        failed = plan.transition("failed", failed_at=self._now())
        # StatusConflict: someone else ended it a moment ago, theirs stands; PlanNotFound: a plan never recorded
        with contextlib.suppress(StatusConflict, PlanNotFound):
            self.ledger.append_if(failed, "failed", self.actor, {**detail, "stage": "idempotency"},
                                  expect=("confirmed",))
        return self.ledger.latest(plan.plan_id) or failed


def drift_paths(before: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Where ``current`` differs from the plan's snapshot in anything a person approved.

    Status and resourceVersion are left out: controllers rewrite status all the time (and bump resourceVersion
    with it), and that churn does not change what the plan would do. A resourceVersion change *together with*
    any other difference (spec, labels, annotations, …) is drift, and so is a different uid (deleted and
    recreated under the same name).
    """
    old_uid, new_uid = (before.get("metadata") or {}).get("uid"), (current.get("metadata") or {}).get("uid")
    if old_uid and new_uid and old_uid != new_uid:
        return ["/metadata/uid (the object was deleted and recreated)"]
    a, b = without_status(before), without_status(current)
    if a == b:
        return []
    return sorted({op["path"] for op in diff_ops(a, b)})


def _ref_at(ref: ResourceRef, obj: dict[str, Any]) -> ResourceRef:
    version = (obj.get("metadata") or {}).get("resourceVersion")
    return ref.model_copy(update={"resource_version": version}) if version else ref
