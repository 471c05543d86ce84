"""``PlanService``: the plan lifecycle the dialogue, the REPL and the CLI use.

propose (read → build → validate → rate → ledger "created", with its expiry) → decide (injected approval; none =
deny; four-eyes policy; drift check; ledger "confirmed") → execute (read the confirmed plan back from the ledger,
re-validate, approval token from this process's registry → executor) → rollback (a NEW plan, approved the same way).

The ledger is the only state: a plan proposed in one process can be approved in a second and executed in a third
(``kubecopilot plans approve ID``). Approval tokens never leave the process that executes; what crosses processes is
the "confirmed" row, which the executing process checks (status, expiry, four-eyes, validation) before it grants one.
Pending (and approved but unexecuted) plans expire after ``pending_ttl``: whoever reads them next records "expired".
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from kubecopilot.errors import (
    FourEyesRequired,
    Interrupted,
    KubeCopilotError,
    NothingToChange,
    PlanDrifted,
    PlanError,
    PlanExpired,
    PlanNotApproved,
    PlanNotFound,
    StatusConflict,
)
from kubecopilot.plans.builders import build_json_patch
from kubecopilot.plans.executor import ExecutionReport, PlanExecutor, drift_paths
from kubecopilot.plans.model import ApprovalDecision, OperationPlan, ResourceRef, utcnow
from kubecopilot.plans.patches import apply_ops, diff_ops, resolve
from kubecopilot.plans.policy import FourEyesPolicy, same_person
from kubecopilot.plans.ports import ApprovalRegistry, ClusterOps
from kubecopilot.plans.preflight import planned_calls, revalidate
from kubecopilot.plans.redact import fill_redacted
from kubecopilot.plans.risk import RiskContext, RuleSet, assess
from kubecopilot.plans.summary import summarize
from kubecopilot.plans.validate import require_expected_target, validate_plan

if TYPE_CHECKING:  # only a type here: the ledger (and SQLAlchemy) load when one is opened
    from kubecopilot.plans.ledger import AuditLedger

ApproveFn = Callable[[OperationPlan], ApprovalDecision]
Builder = Callable[[dict[str, Any]], OperationPlan]
OPEN = ("pending", "confirmed")  # waiting for a decision, or approved and waiting for its execution


class PlanService:
    def __init__(self, ops: ClusterOps, ledger: AuditLedger, approvals: ApprovalRegistry, *,
                 whitelist: Iterable[tuple[str, str]], user: str, clock: Callable[[], datetime] = utcnow,
                 executor: PlanExecutor | None = None, verify_timeout: float = 60.0, rules: RuleSet | None = None,
                 namespace_labels: Callable[[str, str | None], dict[str, str]] | None = None,
                 policy: FourEyesPolicy | None = None, pending_ttl: float = 86400.0) -> None:
        self.ops, self.ledger, self.approvals = ops, ledger, approvals
        self.policy, self.pending_ttl = policy or FourEyesPolicy(), pending_ttl
        self.whitelist = list(whitelist)
        self.user = user if ":" in user else f"user:{user}"
        self._clock, self._rules, self.verify_timeout = clock, rules, verify_timeout
        self.executor = executor or PlanExecutor(ops, ledger, verify_timeout=verify_timeout, now=clock)
        self._namespace_labels = namespace_labels or self._labels_from_cluster

    # --- propose ---------------------------------------------------------------------------------------------

    def propose(self, ref: ResourceRef, build: Builder, *, ai_rationale: str = "", source_prompt_id: str | None = None,
                prompt_risk_tier: str | None = None, requested_by: str | None = None,
                detail: dict[str, Any] | None = None,
                expected_targets: Collection[ResourceRef] | None = None) -> OperationPlan:
        """Read the object fresh, build the plan from it, validate, rate and record it as "created".

        ``expected_targets``: what the person asked about (a diagnosed workload and its pods). A draft aimed at
        anything else is refused here, before a read, so a model cannot choose what gets changed.
        """
        require_expected_target(ref, expected_targets)
        current = self.ops.read_object(ref)
        return self._register(current, build, ref.cluster, ai_rationale=ai_rationale, source_prompt_id=source_prompt_id,
                              prompt_risk_tier=prompt_risk_tier, requested_by=requested_by, detail=detail)

    def _register(self, current: dict[str, Any], build: Builder, cluster: str | None, *, ai_rationale: str,
                  source_prompt_id: str | None, prompt_risk_tier: str | None, requested_by: str | None,
                  detail: dict[str, Any] | None) -> OperationPlan:
        plan = build(current)
        audit = plan.audit.model_copy(update={
            "requested_by": requested_by or self.user, "source_prompt_id": source_prompt_id,
            "timestamps": plan.audit.timestamps.model_copy(update={"created_at": self._clock()})})
        plan = plan.model_copy(update={"audit": audit, "ai_rationale": ai_rationale or plan.ai_rationale,
                                       "resource": plan.resource.model_copy(update={"cluster": cluster})})
        plan = validate_plan(plan, self.whitelist)
        context = RiskContext(namespace_labels=self._namespace_labels(plan.resource.namespace, cluster),
                              prompt_risk_tier=prompt_risk_tier, verify_timeout_s=self.verify_timeout)
        plan = plan.model_copy(update={"risk": assess(plan, context, self._rules)})
        # The expiry and the four-eyes requirement are fixed when the plan is made, for every process that reads it.
        record = {**(detail or {}), "expiresAt": iso_utc(self._clock() + timedelta(seconds=self.pending_ttl))}
        second = self.policy.reason(plan)
        if second:
            record["fourEyes"] = second
        self.ledger.append(plan, "created", plan.audit.requested_by, record)
        return plan

    # --- decide ----------------------------------------------------------------------------------------------

    def decide(self, plan: OperationPlan, approve_fn: ApproveFn | None) -> bool:
        """Ask ``approve_fn``; approved → drift check → "confirmed". Unanswered (Ctrl-C/EOF) → stays pending.

        Raises ``FourEyesRequired`` (the plan stays pending) when the policy wants a second person and the one
        answering requested it, ``PlanDrifted`` when the object changed since the plan was made."""
        plan = self._current(plan.plan_id)
        if plan.status != "pending":
            raise PlanError(f"plan {plan.plan_id} is {plan.status}; only a pending plan can be approved or rejected")
        plan = self._revalidate(plan)  # a row from the ledger is data: nobody is asked about an invalid plan
        second = self.second_person(plan)
        if second and approve_fn is not None:
            self._refuse_own_approval(plan, self.user, second)  # before asking: the answer could not count
        if approve_fn is None:
            decision = ApprovalDecision(approved=False, by="system", reason="no one could be asked (non-interactive)")
        else:
            try:
                decision = approve_fn(plan)
            except KeyboardInterrupt:
                raise Interrupted(f"approval interrupted; plan {plan.plan_id} stays pending") from None
        if decision.interrupted:
            return False
        if decision.approved and plan.risk.level == "high" and decision.typed_name != plan.resource.name:
            decision = decision.model_copy(update={"approved": False,
                                                   "reason": "high risk: the typed name did not match the resource"})
        if not decision.approved:
            rejected = plan.model_copy(update={"status": "rejected"})
            self.ledger.append_if(rejected, "rejected", decision.by,
                                  {"reason": decision.reason} if decision.reason else None, expect=("pending",))
            return False
        if second:
            self._refuse_own_approval(plan, decision.by, second)
        self._check_drift(plan, decision.by)
        confirmed = plan.transition("confirmed", confirmed_by=decision.by, confirmed_at=self._clock())
        detail = {"fourEyes": second, "requestedBy": plan.audit.requested_by} if second else None
        self.ledger.append_if(confirmed, "confirmed", decision.by, detail, expect=("pending",))
        return True

    def reject(self, plan_id: str, by: str, reason: str = "") -> OperationPlan:
        """Say no (from any process). The requester may withdraw their own plan: four-eyes is about approving."""
        plan = self._current(self.ledger.resolve(plan_id))
        if plan.status not in OPEN:
            raise PlanError(f"plan {plan.plan_id} is {plan.status}; only a pending or approved plan can be rejected")
        rejected = plan.model_copy(update={"status": "rejected"})
        self.ledger.append_if(rejected, "rejected", by, {"reason": reason} if reason else None, expect=OPEN)
        return rejected

    def second_person(self, plan: OperationPlan) -> str | None:
        """Why this plan needs someone other than its requester to approve it (recorded or local policy), or None."""
        recorded = self.ledger.created_detail(plan.plan_id).get("fourEyes")
        return str(recorded) if recorded else self.policy.reason(plan)

    def _refuse_own_approval(self, plan: OperationPlan, by: str, why: str) -> None:
        if same_person(by, plan.audit.requested_by):
            raise FourEyesRequired(f"{plan.audit.requested_by} requested plan {plan.plan_id[:8]} and cannot approve it "
                                   f"({why}); it stays pending",
                                   hint=f"another person runs `kubecopilot plans approve {plan.plan_id[:8]}`")

    def _check_drift(self, plan: OperationPlan, by: str) -> None:
        """At approval: the object must still be what the plan was made from (the executor checks again)."""
        live = self.ops.read_object(plan.resource)
        paths = drift_paths(fill_redacted(plan.diff.before or {}, live), live)  # the ledger copy is redacted
        if not paths:
            return
        failed = plan.transition("failed", failed_at=self._clock())
        self.ledger.append_if(failed, "failed", by, {"reason": "drifted", "stage": "approval", "paths": paths},
                              expect=("pending",))
        raise PlanDrifted(f"{plan.resource.label()} changed since plan {plan.plan_id[:8]} was made "
                          f"({', '.join(paths[:5])}); not approved, nothing was applied",
                          hint="make a new plan from the current object", paths=paths)

    # --- execute ---------------------------------------------------------------------------------------------

    def execute(self, plan: OperationPlan | str) -> ExecutionReport:
        """Run a confirmed plan as the ledger holds it, whichever process approved it.

        The token the gateway demands is granted here, in the executing process, only after the plan read back
        from the ledger is confirmed, unexpired, approved by a second person where required, and valid again."""
        plan_id = plan if isinstance(plan, str) else plan.plan_id
        latest = self._current(plan_id)
        if latest.status == "expired":
            raise PlanExpired(f"plan {plan_id[:8]} expired before it was executed", hint="make a new plan")
        if latest.status != "confirmed":
            raise PlanNotApproved(f"plan {plan_id[:8]} is {latest.status}; only an approved plan runs",
                                  hint=f"`kubecopilot plans approve {plan_id[:8]}`")
        second = self.second_person(latest)
        if second and same_person(latest.audit.confirmed_by or "", latest.audit.requested_by):
            raise FourEyesRequired(f"plan {plan_id[:8]} was approved by its own requester ({second}); not run")
        latest = self._revalidate(latest)  # whitelist, protected paths and risk again, wherever the row came from
        ref = latest.resource
        calls = planned_calls(self.ops, latest, self.ops.read_object(ref))  # the token covers these calls only
        token = self.approvals.grant(plan_id, kind=ref.kind, namespace=ref.namespace, name=ref.name,
                                     cluster=ref.cluster, calls=calls)
        try:
            return self.executor.execute(latest, token)
        finally:
            self.approvals.revoke(token)

    # --- expiry ----------------------------------------------------------------------------------------------

    def expires_at(self, plan: OperationPlan, detail: dict[str, Any] | None = None) -> datetime:
        """When a plan stops being approvable: its recorded ``expiresAt``; older rows: created + ``pending_ttl``."""
        recorded = (detail if detail is not None else self.ledger.created_detail(plan.plan_id)).get("expiresAt")
        if recorded:
            return datetime.fromisoformat(str(recorded).replace("Z", "+00:00"))
        return plan.audit.timestamps.created_at + timedelta(seconds=self.pending_ttl)

    def expire_due(self) -> list[OperationPlan]:
        """Record "expired" for every open plan past its expiry; returns them."""
        now = self._clock()
        return [self._expire(plan) for plan, detail in self.ledger.open_plans() if self.expires_at(plan, detail) <= now]

    def pending(self) -> list[tuple[OperationPlan, datetime]]:
        """Plans waiting for approval or execution, with their expiry (after recording the ones that expired)."""
        self.expire_due()
        return [(plan, self.expires_at(plan, detail)) for plan, detail in self.ledger.open_plans()]

    def _current(self, plan_id: str) -> OperationPlan:
        """The latest state, after recording the expiry when it is due."""
        plan = self._latest(plan_id)
        if plan.status in OPEN and self.expires_at(plan) <= self._clock():
            return self._expire(plan)
        return plan

    def _expire(self, plan: OperationPlan) -> OperationPlan:
        expired = plan.model_copy(update={"status": "expired"})
        try:
            self.ledger.append_if(expired, "expired", "system", {"was": plan.status}, expect=(plan.status,))
        except StatusConflict:  # someone decided (or expired) it a moment ago: theirs stands
            return self._latest(plan.plan_id)
        return expired

    # --- read ------------------------------------------------------------------------------------------------

    def get(self, plan_id: str) -> OperationPlan:
        return self._current(self.ledger.resolve(plan_id))

    def list(self) -> list[OperationPlan]:
        self.expire_due()
        return self.ledger.plans()

    def _latest(self, plan_id: str) -> OperationPlan:
        plan = self.ledger.latest(plan_id)
        if plan is None:
            raise PlanNotFound(f"no plan {plan_id} in the audit ledger")
        return plan

    # --- rollback --------------------------------------------------------------------------------------------

    def rollback(self, plan_id: str, *, requested_by: str | None = None) -> OperationPlan:
        """A new pending plan putting back, on the CURRENT object, the values an executed plan changed."""
        original = self.get(plan_id)
        if original.status != "executed":
            raise PlanError(f"plan {original.plan_id} is {original.status}; only an executed plan can be rolled back")
        if not original.reversible:
            raise PlanError(f"a {original.action} cannot be rolled back ({summarize(original)})")
        current = self.ops.read_object(original.resource)
        restore: list[Mapping[str, Any]] = list(restore_patch(original, current))
        description = f"Roll back plan {original.plan_id}"
        return self._register(
            current, lambda obj: build_json_patch(obj, restore, original.action, description),
            original.resource.cluster, ai_rationale=f"{description}: undo \u201c{summarize(original)}\u201d.",
            source_prompt_id=None, prompt_risk_tier=None, requested_by=requested_by,
            detail={"rollbackOf": original.plan_id})

    def _revalidate(self, plan: OperationPlan) -> OperationPlan:
        context = RiskContext(namespace_labels=self._namespace_labels(plan.resource.namespace, plan.resource.cluster),
                              verify_timeout_s=self.verify_timeout)
        return revalidate(plan, self.whitelist, context, self._rules)

    def _labels_from_cluster(self, namespace: str, cluster: str | None) -> dict[str, str]:
        try:
            # read_object only looks at kind, name, namespace and cluster: a Namespace has no namespace of its own.
            scoped = cast(ResourceRef, _ClusterScoped(kind="Namespace", name=namespace, cluster=cluster))
            obj = self.ops.read_object(scoped)
        except KubeCopilotError:
            return {}  # the name-based production rule still applies
        return dict((obj.get("metadata") or {}).get("labels") or {})


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class _ClusterScoped:
    """A reference to a cluster-scoped object (a Namespace): ``namespace`` is None, not ""."""

    kind: str
    name: str
    cluster: str | None = None
    namespace: None = None


def restore_patch(original: OperationPlan, current: dict[str, Any]) -> list[dict[str, Any]]:
    """The patch that gives ``current`` back the before-values of every path ``original`` changed."""
    before = original.diff.before or {}
    guards = [op.model_dump(mode="json") for op in original.diff.patch if op.op == "test"]
    for guard in guards:
        if resolve(current, guard["path"]) != guard["value"]:
            raise PlanError(f"cannot roll back plan {original.plan_id}: {guard['path']} is no longer "
                            f"{guard['value']!r} (the containers changed since)")
    target = apply_ops(current, [])
    missing = object()
    for path in dict.fromkeys(op.path for op in original.diff.patch if op.op != "test"):
        old = resolve(before, path, missing)
        now = resolve(target, path, missing)
        if old is missing and now is not missing:
            target = apply_ops(target, [{"op": "remove", "path": path}])
        elif old is not missing:
            target = apply_ops(target, [{"op": "replace" if now is not missing else "add", "path": path, "value": old}])
    patch = diff_ops(current, target)
    if not patch:
        ref = original.resource
        raise NothingToChange(f"nothing to roll back: the object already has the values from before plan "
                              f"{original.plan_id}", what=f"{ref.kind} {ref.namespace}/{ref.name}")
    return guards + patch
