"""``PlanService``: the plan lifecycle the dialogue, the REPL and the CLI use.

propose (read → build → validate → rate → ledger "created", with its expiry) → decide (injected approval; none =
deny; four-eyes policy; drift check; ledger "confirmed") → execute (read the confirmed plan back from the ledger,
re-validate, approval token from this process's registry → executor) → rollback (a NEW plan, approved the same way).

The ledger is the only state: a plan proposed in one process can be approved in a second and executed in a third
(``kubecopilot plans approve ID``). Approval tokens never leave the process that executes. A row is not an approval:
the proposal and each decision are signed by the person who made them (``plans.signatures``, their key from
``plans.trust``), and before a token is granted ``plans.approval`` checks that the history is created → one signed
confirmation by a key that counts (another person's where four-eyes applies), that the content to run is the content
proposed and signed, and that the hash chain up to the approval verifies. Pending (and approved but unexecuted)
plans expire after ``pending_ttl``: whoever reads them next records "expired".
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from kubecopilot.errors import (
    ApprovalNotVerified,
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
from kubecopilot.plans.approval import SignedRow, VerifiedApproval, check_approval, check_proposal
from kubecopilot.plans.builders import build_json_patch
from kubecopilot.plans.content import content_hash
from kubecopilot.plans.executor import ExecutionReport, PlanExecutor, drift_paths
from kubecopilot.plans.model import ApprovalDecision, OperationPlan, ResourceRef, utcnow
from kubecopilot.plans.patches import apply_ops, diff_ops, resolve
from kubecopilot.plans.policy import FourEyesPolicy
from kubecopilot.plans.ports import ApprovalRegistry, ClusterOps
from kubecopilot.plans.preflight import planned_calls, revalidate
from kubecopilot.plans.redact import fill_redacted
from kubecopilot.plans.risk import RiskContext, RuleSet, assess
from kubecopilot.plans.signatures import Signer, sign
from kubecopilot.plans.summary import summarize
from kubecopilot.plans.trust import Trust, TrustConfig, open_trust
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
                 policy: FourEyesPolicy | None = None, pending_ttl: float = 86400.0,
                 trust: Trust | TrustConfig | None = None, write_settle: float = 30.0) -> None:
        self.ops, self.ledger, self.approvals = ops, ledger, approvals
        self.policy, self.pending_ttl = policy or FourEyesPolicy(), pending_ttl
        self.whitelist = list(whitelist)
        self.user = user if user.startswith("user:") else f"user:{user}"
        self._trust_source = trust or TrustConfig()
        self._trust = trust if isinstance(trust, Trust) else None
        self._clock, self._rules, self.verify_timeout = clock, rules, verify_timeout
        self.executor = executor or PlanExecutor(ops, ledger, verify_timeout=verify_timeout, now=clock,
                                                 write_settle=write_settle)
        self._namespace_labels = namespace_labels or self._labels_from_cluster

    @property
    def trust(self) -> Trust:
        """This person's key and the ledger's team, opened on first use (it reads the ledger)."""
        if self._trust is None:
            config = self._trust_source if isinstance(self._trust_source, TrustConfig) else TrustConfig()
            self._trust = open_trust(self.ledger, config, self.user.removeprefix("user:"))
        return self._trust

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
        signer = self.trust.signing_name()  # before building: a key the team does not list proposes nothing
        plan = build(current)
        audit = plan.audit.model_copy(update={
            "requested_by": requested_by or f"user:{signer}", "source_prompt_id": source_prompt_id,
            "timestamps": plan.audit.timestamps.model_copy(update={"created_at": self._clock()})})
        plan = plan.model_copy(update={"audit": audit, "ai_rationale": ai_rationale or plan.ai_rationale,
                                       "resource": plan.resource.model_copy(update={"cluster": cluster})})
        plan = validate_plan(plan, self.whitelist)
        planned_calls(self.ops, plan, current)  # ChangeNotPossible: a server that cannot make it is found out now
        plan = plan.model_copy(update={"risk": assess(plan, self._context(plan, prompt_risk_tier), self._rules)})
        # The expiry and the four-eyes requirement are fixed when the plan is made, for every process that reads it.
        record = {**(detail or {}), "expiresAt": iso_utc(self._clock() + timedelta(seconds=self.pending_ttl))}
        second = self.trust.policy.reason(plan) or self.policy.reason(plan)
        if second:
            record["fourEyes"] = second
        record["signature"] = self._sign(plan, "propose")
        self.ledger.append(plan, "created", plan.audit.requested_by, record)
        return plan

    def _sign(self, plan: OperationPlan, decision: str) -> dict[str, Any]:
        return sign(self.trust.key, self.trust.signing_name(), plan.plan_id, content_hash(plan), decision,
                    iso_utc(self._clock()))

    def _actor(self, said: str = "") -> str:
        """Who decided, for the ledger and people: the signer's name (the team's), plus how (" (--yes)")."""
        how = said[said.index(" ("):] if " (" in said else ""
        return f"user:{self.trust.signing_name()}{how}"

    # --- decide ----------------------------------------------------------------------------------------------

    def decide(self, plan: OperationPlan, approve_fn: ApproveFn | None) -> bool:
        """Ask ``approve_fn``; approved → drift check → signed "confirmed". Unanswered (Ctrl-C/EOF) → stays pending.

        Raises ``ApprovalNotVerified`` when the proposal in the ledger is not a signed proposal of this content,
        ``FourEyesRequired`` (the plan stays pending) when the policy wants a second person and the one answering
        requested it, ``PlanDrifted`` when the object changed since the plan was made."""
        plan = self._current(plan.plan_id)
        if plan.status != "pending":
            raise PlanError(f"plan {plan.plan_id} is {plan.status}; only a pending plan can be approved or rejected")
        proposal = self._verified(plan.plan_id, "approval", lambda entries: check_proposal(
            entries, self.trust, self.ledger.chain_problems))
        plan = self._revalidate(plan)  # a row from the ledger is data: nobody is asked about an invalid plan
        planned_calls(self.ops, plan, plan.diff.before or {})  # nor about one this server cannot make
        second = self.second_person(plan)
        if second and approve_fn is not None:
            self._refuse_own_approval(plan, proposal, second)  # before asking: the answer could not count
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
        actor = self._actor(decision.by) if approve_fn is not None else "system"
        if not decision.approved:
            rejected = plan.model_copy(update={"status": "rejected"})
            detail = {"reason": decision.reason} if decision.reason else {}
            self.ledger.append_if(rejected, "rejected", actor, {**detail, "signature": self._sign(plan, "reject")},
                                  expect=("pending",))
            return False
        self._check_drift(plan, actor)
        confirmed = plan.transition("confirmed", confirmed_by=actor, confirmed_at=self._clock())
        detail = {"fourEyes": second, "requestedBy": plan.audit.requested_by} if second else {}
        self.ledger.append_if(confirmed, "confirmed", actor, {**detail, "signature": self._sign(plan, "approve")},
                              expect=("pending",))
        return True

    def reject(self, plan_id: str, by: str, reason: str = "") -> OperationPlan:
        """Say no (from any process). The requester may withdraw their own plan: four-eyes is about approving."""
        plan = self._current(self.ledger.resolve(plan_id))
        if plan.status not in OPEN:
            raise PlanError(f"plan {plan.plan_id} is {plan.status}; only a pending or approved plan can be rejected")
        rejected = plan.model_copy(update={"status": "rejected"})
        detail = {"reason": reason} if reason else {}
        self.ledger.append_if(rejected, "rejected", self._actor(by), {**detail, "signature": self._sign(plan, "reject")},
                              expect=OPEN)
        return rejected

    def second_person(self, plan: OperationPlan) -> str | None:
        """Why this plan needs someone other than its requester to approve it (recorded, the team's or the local
        policy), or None."""
        recorded = self.ledger.created_detail(plan.plan_id).get("fourEyes")
        return str(recorded) if recorded else self.trust.policy.reason(plan) or self.policy.reason(plan)

    def awaits_another(self, plan: OperationPlan) -> str | None:
        """Why this person's approval of ``plan`` could not count (four-eyes: they requested it), or None."""
        second = self.second_person(plan)
        with contextlib.suppress(ApprovalNotVerified):  # ``decide`` refuses that one and records why
            try:
                if second:
                    rows = self.ledger.history(plan.plan_id)
                    self._refuse_own_approval(plan, check_proposal(rows, self.trust, self.ledger.chain_problems), second)
            except FourEyesRequired:
                return second
        return None

    def _refuse_own_approval(self, plan: OperationPlan, proposal: SignedRow, why: str) -> None:
        if self.trust.team is None:
            raise FourEyesRequired(f"plan {plan.plan_id[:8]} needs a second person ({why}), and this ledger has no "
                                   "team file: no other person's key can approve it; it stays pending",
                                   hint="a team lists its members' keys in a team file (KUBECOPILOT_TEAM_FILE)")
        me = Signer(key=self.trust.key.public, name=self.trust.name)
        if self.trust.same_person(me, proposal.signer):
            raise FourEyesRequired(f"{plan.audit.requested_by} requested plan {plan.plan_id[:8]} and cannot approve it "
                                   f"({why}); it stays pending",
                                   hint=f"another person runs `kubecopilot plans approve {plan.plan_id[:8]}`")

    def _verified(self, plan_id: str, stage: str, check: Callable[[list[Any]], Any]) -> Any:
        """``check`` over the plan's ledger rows; when it refuses, the refusal is recorded (the plan fails)."""
        try:
            return check(self.ledger.history(plan_id))
        except ApprovalNotVerified as exc:
            latest = self._latest(plan_id)
            failed = latest.transition("failed", failed_at=self._clock())
            with contextlib.suppress(StatusConflict):
                self.ledger.append_if(failed, "failed", self.user, {"reason": "approval not verified", "stage": stage,
                                                                    "problems": exc.problems}, expect=OPEN)
            raise

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

        The token the gateway demands is granted here, in the executing process, only after the approval verifier
        found a signed approval of exactly this content (by a second person where required), and the plan is
        unexpired and valid again."""
        plan_id = plan if isinstance(plan, str) else plan.plan_id
        latest = self._current(plan_id)
        if latest.status == "expired":
            raise PlanExpired(f"plan {plan_id[:8]} expired before it was executed", hint="make a new plan")
        if latest.status != "confirmed":
            raise PlanNotApproved(f"plan {plan_id[:8]} is {latest.status}; only an approved plan runs",
                                  hint=f"`kubecopilot plans approve {plan_id[:8]}`")
        approved: VerifiedApproval = self._verified(plan_id, "execution", lambda entries: check_approval(
            entries, self.trust, self.ledger.chain_problems, self.second_person))
        latest = self._revalidate(approved.plan)  # whitelist, protected paths and risk again
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
        return revalidate(plan, self.whitelist, self._context(plan), self._rules)

    def _context(self, plan: OperationPlan, prompt_risk_tier: str | None = None) -> RiskContext:
        """What the risk rules need beyond the plan: namespace labels, the prompt's tier, the workload's revisions."""
        ref = plan.resource
        return RiskContext(namespace_labels=self._namespace_labels(ref.namespace, ref.cluster),
                           prompt_risk_tier=prompt_risk_tier, verify_timeout_s=self.verify_timeout,
                           revision_templates=self._revision_templates(ref))

    def _revision_templates(self, ref: ResourceRef) -> tuple[dict[str, Any], ...]:
        try:
            revisions = self.ops.revisions_of(ref)
        except KubeCopilotError:
            return ()  # unknown: only the current template's images count as run here
        return tuple(rs["spec"]["template"] for rs in revisions if (rs.get("spec") or {}).get("template"))

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
