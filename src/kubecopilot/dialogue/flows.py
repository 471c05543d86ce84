"""The multi-step flows of a conversation: diagnose, plan a change, approve and execute it, check health.

Diagnosis: evidence through the gateway → rule analyzers → (the diagnostician agent, when an LLM is configured).
Changes: FixSpec → plan builder → validation + whitelist + risk (the plan domain) → PlanProposal. Execution only
happens in ``approve``, after the injected approval function said yes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from kubecopilot.diagnosis.diagnose import analyze
from kubecopilot.diagnosis.evidence import gather_evidence
from kubecopilot.diagnosis.models import Diagnosis, FixSpec
from kubecopilot.diagnosis.scan import diagnosis_for
from kubecopilot.dialogue.changes import builder_for, diagnosed_targets, fix_from_slots, ref_of, refuse_known_broken
from kubecopilot.dialogue.health import HealthCheck
from kubecopilot.dialogue.ports import TurnContext
from kubecopilot.dialogue.session import EntityRef, Executed, PendingRequest
from kubecopilot.dialogue.turns import Answer, Ask, DiagnosisBlock, ErrorTurn, Option, PlanProposal, TextBlock, Turn
from kubecopilot.dialogue.views import suggestion
from kubecopilot.errors import (
    Interrupted,
    KubeCopilotError,
    LLMError,
    LLMOutputInvalid,
    LLMTooSlow,
    LLMUnavailable,
    NothingToChange,
    PlanInvalid,
    PlanNotVerified,
    PlanUnverified,
    ToolFailed,
)
from kubecopilot.messages import Language, say
from kubecopilot.plans.redact import redact_plan
from kubecopilot.plans.summary import summarize
from kubecopilot.plans.validate import validate_plan
from kubecopilot.plans.wording import condition_line, report_headline
from kubecopilot.prompting.prompts import registry
from kubecopilot.tools.objects import ObjectReader

# Nothing the planner could change on a workload fixes these (a NotReady node needs its kubelet back).
NO_WORKLOAD_FIX = {"Healthy", "Unknown", "NodeNotReady"}


class Flows:
    def __init__(self, ctx: TurnContext) -> None:
        self.ctx = ctx
        self.notices: list[str] = []
        self.rules_diagnosis: Diagnosis | None = None  # the analyzers' verdict behind the last diagnosis shown

    @property
    def lang(self) -> Language:
        return self.ctx.session.language

    # --- diagnosis -----------------------------------------------------------------------------------------------

    def diagnose(self, namespace: str | None, kind: str, name: str) -> tuple[Turn, Diagnosis | None]:
        where = f"{namespace}/{name}" if namespace else name
        self.ctx.progress(say("progress_evidence", self.lang, where=where))
        evidence = gather_evidence(self.ctx.gateway, namespace=namespace or "", target=name, cluster=self.ctx.session.cluster)
        self.notices.extend(evidence.notes)
        diagnosis = analyze(evidence, language=self.lang)
        if diagnosis.category in ("Healthy", "Unknown"):  # not a pod failure: a Service, claim, quota, budget …?
            diagnosis = diagnosis_for(self.ctx.gateway, namespace=namespace or "", target=name, kind=kind or None,
                                      cluster=self.ctx.session.cluster, language=self.lang) or diagnosis
        self.rules_diagnosis = diagnosis
        # What a fix may change: what was diagnosed, or what the rules (code, not the model) found to fix.
        targets = diagnosed_targets(evidence, self.ctx.session.cluster)
        if diagnosis.fix is not None:
            targets.append(ref_of(diagnosis.fix, self.ctx.session.cluster))
        self.ctx.session.fix_targets = targets
        if self.ctx.brain is not None:
            diagnosis = self._llm_diagnosis(evidence, diagnosis)
        self.ctx.session.last_diagnosis = diagnosis
        self.ctx.session.diagnosed = EntityRef(kind, name, namespace, self.ctx.session.cluster)
        suggestions = []
        if diagnosis.fix is not None:  # self-contained, so it also works as a one-shot `kubecopilot ask`
            fix = diagnosis.fix
            command = f"fix {fix.kind.lower()} {fix.name} -n {fix.namespace}"
            suggestions.append(suggestion("fix", self.lang, command, fix=diagnosis.suggested_fix))
        pod = next((p["metadata"]["name"] for p in evidence.pods), None)
        if pod:
            suggestions.append(suggestion("events", self.lang, f"events of pod {pod} -n {namespace}", name=pod))
            suggestions.append(suggestion("previous_logs", self.lang, f"previous logs of pod {pod} -n {namespace}", name=pod))
        title = say("title_diagnosis", self.lang, kind=kind.capitalize(), where=where)
        answer = Answer(title=title, blocks=[DiagnosisBlock(diagnosis=diagnosis)], suggestions=suggestions[:3],
                        tip=diagnosis.best_practice or say("tip_events_first", self.lang))
        return answer, diagnosis

    def _llm_diagnosis(self, evidence: Any, findings: Diagnosis) -> Diagnosis:
        self._tell_redaction()
        brain = self.ctx.brain
        if brain is None:
            return findings
        try:
            diagnosis, _prompt_id = self.ctx.ask_model("step_diagnostician",
                                                     lambda: brain.diagnose(evidence, findings, self.lang))
            return diagnosis
        except LLMUnavailable as exc:
            self.fall_back(exc)
            return findings
        except LLMOutputInvalid as exc:  # the analyzers' verdict, when they have one; never a guess
            if findings.category == "Unknown":
                raise
            self.fall_back(exc)
            return findings

    # --- changes -------------------------------------------------------------------------------------------------

    def propose_from_slots(self, intent: str, filled: dict[str, Any]) -> Turn:
        return self.propose(fix_from_slots(intent, filled), rationale="")

    def fix_from_diagnosis(self, diagnosis: Diagnosis, text: str) -> Turn:
        fix, source, rationale = diagnosis.fix, None, diagnosis.root_cause
        if fix is None and self.ctx.brain is not None and diagnosis.category not in NO_WORKLOAD_FIX:
            fix, source, rationale = self._llm_fix(diagnosis, text)
        if fix is None:
            return Answer(title=say("no_automatic_fix", self.lang, fix=diagnosis.suggested_fix),
                          blocks=[DiagnosisBlock(diagnosis=diagnosis)])
        if diagnosis.source == "llm" and source is None:
            source = registry().spec("diagnose").source_id
        return self.propose(fix, rationale=rationale, source_prompt_id=source, diagnosis=diagnosis)

    def _llm_fix(self, diagnosis: Diagnosis, text: str) -> tuple[FixSpec | None, str | None, str]:
        fix = diagnosis.fix
        target = self.ctx.session.last("deployment", "pod")
        if target is None:
            return None, None, diagnosis.root_cause
        kind = "Deployment" if target.kind == "deployment" else "Pod"
        resource = self.ctx.gateway.invoke("get_resource", kind=kind, name=target.name, namespace=target.namespace,
                                         cluster=self.ctx.session.cluster).data

        def check(draft: Any) -> None:  # the planner's draft must build and validate, or it is sent back
            if draft.fix.action == "none":
                return  # "no safe change" is a valid answer, said plainly to the user
            if "[REDACTED_" in draft.fix.model_dump_json():
                raise PlanInvalid("the draft contains a redaction placeholder; use only values visible in the resource")
            plan = builder_for(draft.fix, now=self.ctx.clock, replicasets=lambda: self._replicasets(draft.fix.namespace))(resource)
            validate_plan(plan, self.ctx.plans.whitelist)

        brain, rules_fix = self.ctx.brain, fix or self._rules_fix(diagnosis)
        if brain is None:
            return rules_fix, None, diagnosis.root_cause
        try:
            draft, source = self.ctx.ask_model("step_planner", lambda: brain.plan(text, resource, diagnosis, check))
        except LLMUnavailable as exc:
            self.fall_back(exc)
            return rules_fix, None, diagnosis.root_cause
        except LLMOutputInvalid as exc:  # the rules' plan (validated like any other), or the error
            if rules_fix is None:
                raise
            self.fall_back(exc)
            return rules_fix, None, diagnosis.root_cause
        return draft.fix, source, draft.rationale

    def _rules_fix(self, diagnosis: Diagnosis) -> FixSpec | None:
        """The analyzers' fix for the workload the (LLM's) diagnosis is about, if they had one."""
        rules = self.rules_diagnosis
        if rules is None or rules.fix is None or diagnosis is rules:
            return None
        return rules.fix if self.ctx.session.last_diagnosis is diagnosis else None

    def fall_back(self, exc: LLMError) -> None:
        """The model did not help this turn (down, too slow, or invalid output): say so; the rules answer."""
        key = {LLMTooSlow: "llm_too_slow", LLMOutputInvalid: "llm_invalid"}.get(type(exc), "llm_fallback")
        self.notices.append(say(key, self.lang, why=exc.message))

    def propose(self, fix: FixSpec, *, rationale: str, source_prompt_id: str | None = None,
                diagnosis: Diagnosis | None = None) -> Turn:
        """Build, validate and rate a plan; only a plan that passed all of that is shown as approvable."""
        if fix.action == "none":
            return Answer(title=say("no_automatic_fix", self.lang, fix=fix.description or rationale))
        session = self.ctx.session
        self.ctx.progress(say("progress_planning", self.lang, action=fix.action, target=f"{fix.kind} {fix.namespace}/{fix.name}"))
        tier = registry().spec(source_prompt_id.split("@")[0]).risk_tier if source_prompt_id else None
        builder = refuse_known_broken(builder_for(fix, now=self.ctx.clock, replicasets=lambda: self._replicasets(fix.namespace)),
                                      session.broken_templates(fix.kind, fix.name, fix.namespace), self.lang)
        try:
            plan = self.ctx.plans.propose(ref_of(fix, session.cluster), builder, ai_rationale=rationale,
                                        source_prompt_id=source_prompt_id, prompt_risk_tier=tier,
                                        expected_targets=session.fix_targets if diagnosis is not None else None)
        except NothingToChange:
            session.remember(fix.kind.lower(), fix.name, fix.namespace)  # it is what "it" means next, all the same
            raise
        except PlanInvalid as exc:
            return ErrorTurn(message=say("plan_rejected", self.lang, why=exc.message),
                             hint=exc.hint, code=exc.code)
        session.last_plan_id = plan.plan_id
        session.remember(fix.kind.lower(), fix.name, fix.namespace)
        return PlanProposal(plan_id=plan.plan_id, summary=summarize(plan, self.lang), risk_level=plan.risk.level,
                            plan=redact_plan(plan).model_dump(mode="json", by_alias=True), diagnosis=diagnosis)

    def _replicasets(self, namespace: str) -> list[dict[str, Any]]:
        """Whole ReplicaSets (a roll back needs their templates), also from servers whose lists are tables."""
        found = ObjectReader(self.ctx.gateway, cluster=self.ctx.session.cluster).objects("ReplicaSet", namespace=namespace)
        if found.gaps:  # a revision history with holes could roll back to the wrong template
            raise ToolFailed("; ".join(found.gaps[:3]), tool=", ".join(found.tools))
        return found.items

    def approve(self, plan_id: str, approve_fn: Callable[[Any], Any] | None) -> Turn:
        """Ask the injected approval function; on yes execute (drift check, rollback on failure) and verify."""
        plans = self.ctx.plans
        plan = plans.get(plan_id)
        try:
            approved = plans.decide(plan, approve_fn)
        except Interrupted:
            return Answer(title=say("pending_kept", self.lang, plan_id=plan.plan_id[:8]))
        if not approved:
            latest = plans.get(plan.plan_id)
            if latest.status == "pending":
                return Answer(title=say("pending_kept", self.lang, plan_id=plan.plan_id[:8]))
            return Answer(title=say("rejected", self.lang, plan=plan.plan_id[:8]))
        self.ctx.progress(say("progress_executing", self.lang, summary=summarize(plan, self.lang)))
        # only a change to the pod template can move a workload away from a broken one (a scale cannot)
        changes_pods = any(op.path == "/spec/template" or op.path.startswith("/spec/template/spec") for op in plan.diff.patch)
        template = self._template(plan.resource) if changes_pods else None
        report = plans.execute(plan.plan_id)  # the gateway evicts what the write touched
        if report.outcome == "executed":
            session = self.ctx.session
            session.executed.insert(0, Executed(plan.plan_id, plan.resource, summarize(plan, self.lang), report.verified, template,
                                                undoes=session.undo_plans.get(plan.plan_id)))
        return self._report(plan, report)

    def _template(self, ref: Any) -> dict[str, Any] | None:
        """The workload's pod template before a change: what it moved away from, if the change cures it."""
        if ref.kind not in ("Deployment", "StatefulSet"):
            return None
        with contextlib.suppress(KubeCopilotError):
            obj = self.ctx.gateway.invoke("get_resource", kind=ref.kind, name=ref.name, namespace=ref.namespace,
                                          cluster=ref.cluster).data
            template = ((obj or {}).get("spec") or {}).get("template")
            return dict(template) if isinstance(template, dict) else None
        return None

    def _report(self, plan: Any, report: Any) -> Turn:
        """The execution's outcome in the session's language, in the same words ``plans apply`` prints
        (``plans.wording``): done ✓, applied but not verified ✗ / ?, rolled back, or not run again."""
        checks = [condition_line(c, self.lang) for c in report.conditions]
        headline, hint = report_headline(report, self.lang)
        if report.outcome == "reverted":
            return ErrorTurn(message=headline, hint=hint, code="plan_execution_failed")
        if report.outcome == "already-executed":
            return Answer(title=headline)
        if report.verified is not True:  # applied, but not ✓: an error turn, so exit codes say so
            failed = PlanUnverified if any(c.state == "unverified" for c in report.conditions) else PlanNotVerified
            return ErrorTurn(message="\n".join([headline, *checks]), code=failed.code, hint=hint)
        verification_text = headline
        if self.ctx.brain is not None:
            # The change is applied and code checked it; a model that is down or answers garbage only loses the
            # narrative, never turns a done change into an error.
            brain, summary = self.ctx.brain, summarize(plan, self.lang)
            with contextlib.suppress(LLMError):
                verification_text = self.ctx.ask_model("step_verifier",
                                                     lambda: brain.verify(summary, checks, self.lang)).summary
        ref = plan.resource
        again = [] if ref.kind == "Pod" else [suggestion("diagnose", self.lang, f"diagnose {ref.kind.lower()} {ref.name} -n {ref.namespace}",
                                                         name=ref.name)]
        return Answer(title=verification_text, blocks=[TextBlock(text="\n".join(checks))] if checks else [],
                      suggestions=(again + [suggestion("unhealthy", self.lang, "unhealthy pods")])[:3])

    # --- health check --------------------------------------------------------------------------------------------

    def ask_health_check(self, request: Any) -> Ask:
        check = HealthCheck(self.ctx.gateway, self.ctx.session)
        pending = PendingRequest(request=request, filled={}, slot="confirm")
        self.ctx.session.pending = pending
        return Ask(question=say("health_intro", self.lang), slot="confirm", steps=check.steps(),
                   options=[Option(value="yes", label=say("yes_run", self.lang)), Option(value="no", label=say("no_cancel", self.lang))])

    def confirm_health_check(self, yes: bool) -> Turn:
        self.ctx.session.pending = None
        if not yes:
            return Answer(title=say("cancelled", self.lang))
        self.ctx.progress(say("progress_health", self.lang))
        return HealthCheck(self.ctx.gateway, self.ctx.session).run()

    def _tell_redaction(self) -> None:
        if not self.ctx.session.redaction_told:
            self.ctx.session.redaction_told = True
            self.notices.append(say("redaction_notice", self.lang))
