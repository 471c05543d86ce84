"""``PlanService``: the plan lifecycle the dialogue, the REPL and the CLI use.

propose (read → build → validate → rate → ledger "created") → decide (injected approval; none = deny) →
execute (approval token from the registry → executor) → rollback (a NEW plan, approved the same way).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kubecopilot.errors import Interrupted, KubeCopilotError, PlanError, PlanNotApproved, PlanNotFound
from kubecopilot.plans.builders import build_json_patch
from kubecopilot.plans.executor import ExecutionReport, PlanExecutor
from kubecopilot.plans.model import ApprovalDecision, OperationPlan, ResourceRef, utcnow
from kubecopilot.plans.patches import apply_ops, diff_ops, resolve
from kubecopilot.plans.ports import ApprovalRegistry, ClusterOps
from kubecopilot.plans.risk import RiskContext, RuleSet, assess
from kubecopilot.plans.summary import summarize
from kubecopilot.plans.validate import validate_plan

if TYPE_CHECKING:  # only a type here: the ledger (and SQLAlchemy) load when one is opened
    from kubecopilot.plans.ledger import AuditLedger

ApproveFn = Callable[[OperationPlan], ApprovalDecision]
Builder = Callable[[dict[str, Any]], OperationPlan]


class PlanService:
    def __init__(self, ops: ClusterOps, ledger: AuditLedger, approvals: ApprovalRegistry, *,
                 whitelist: Iterable[tuple[str, str]], user: str, clock: Callable[[], datetime] = utcnow,
                 executor: PlanExecutor | None = None, verify_timeout: float = 60.0, rules: RuleSet | None = None,
                 namespace_labels: Callable[[str, str | None], dict[str, str]] | None = None) -> None:
        self.ops, self.ledger, self.approvals = ops, ledger, approvals
        self.whitelist = list(whitelist)
        self.user = user if ":" in user else f"user:{user}"
        self._clock, self._rules, self.verify_timeout = clock, rules, verify_timeout
        self.executor = executor or PlanExecutor(ops, ledger, verify_timeout=verify_timeout, now=clock)
        self._namespace_labels = namespace_labels or self._labels_from_cluster
        self._tokens: dict[str, Any] = {}  # plan id → approval token; in memory on purpose: approvals never persist

    # --- propose ---------------------------------------------------------------------------------------------

    def propose(self, ref: ResourceRef, build: Builder, *, ai_rationale: str = "", source_prompt_id: str | None = None,
                prompt_risk_tier: str | None = None, requested_by: str | None = None,
                detail: dict[str, Any] | None = None) -> OperationPlan:
        """Read the object fresh, build the plan from it, validate, rate and record it as "created"."""
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
        self.ledger.append(plan, "created", plan.audit.requested_by, detail)
        return plan

    # --- decide ----------------------------------------------------------------------------------------------

    def decide(self, plan: OperationPlan, approve_fn: ApproveFn | None) -> bool:
        """Ask ``approve_fn``; approved → confirmed + approval token. Unanswered (Ctrl-C/EOF) → stays pending."""
        plan = self._latest(plan.plan_id)
        if plan.status != "pending":
            raise PlanError(f"plan {plan.plan_id} is {plan.status}; only a pending plan can be approved or rejected")
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
            self.ledger.append(rejected, "rejected", decision.by, {"reason": decision.reason} if decision.reason else None)
            return False
        confirmed = plan.transition("confirmed", confirmed_by=decision.by, confirmed_at=self._clock())
        ref = plan.resource
        # Grant before recording, so a registry failure leaves the plan pending rather than "confirmed" but unusable.
        self._tokens[plan.plan_id] = self.approvals.grant(plan.plan_id, kind=ref.kind, namespace=ref.namespace,
                                                          name=ref.name, cluster=ref.cluster)
        self.ledger.append(confirmed, "confirmed", decision.by)
        return True

    # --- execute ---------------------------------------------------------------------------------------------

    def execute(self, plan: OperationPlan | str) -> ExecutionReport:
        plan_id = plan if isinstance(plan, str) else plan.plan_id
        latest = self._latest(plan_id)
        token = self._tokens.get(plan_id)
        if token is None:
            raise PlanNotApproved(f"plan {plan_id} has no approval in this session",
                                  hint="approve it first (approvals are not kept across processes)")
        try:
            return self.executor.execute(latest, token)
        finally:
            self._tokens.pop(plan_id, None)
            self.approvals.revoke(token)

    # --- read ------------------------------------------------------------------------------------------------

    def get(self, plan_id: str) -> OperationPlan:
        return self._latest(self.ledger.resolve(plan_id))

    def list(self) -> list[OperationPlan]:
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
        restore = restore_patch(original, current)
        description = f"Roll back plan {original.plan_id}"
        return self._register(
            current, lambda obj: build_json_patch(obj, restore, original.action, description),
            original.resource.cluster, ai_rationale=f"{description}: undo \u201c{summarize(original)}\u201d.",
            source_prompt_id=None, prompt_risk_tier=None, requested_by=requested_by,
            detail={"rollbackOf": original.plan_id})

    def _labels_from_cluster(self, namespace: str, cluster: str | None) -> dict[str, str]:
        try:
            obj = self.ops.read_object(_ClusterScoped(kind="Namespace", name=namespace, cluster=cluster))
        except KubeCopilotError:
            return {}  # the name-based production rule still applies
        return dict((obj.get("metadata") or {}).get("labels") or {})


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
        raise PlanError(f"nothing to roll back: the object already has the values from before plan "
                        f"{original.plan_id}")
    return guards + patch
