"""Post-condition checks after a plan ran: the workload's pods Ready with the new template, or the deleted pod
replaced. Polls within a bounded wait; the clock and sleep are injected so tests never really wait.

Three outcomes, each from what was read: ``met`` (✓), ``not_met`` (✗: the cluster was read and is not there yet) and
``unverified`` (?: the cluster could not be read, or not understood, until the deadline) — never ✓ or ✗ on a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from kubecopilot.errors import KubeCopilotError
from kubecopilot.k8s import pod_ready as is_ready
from kubecopilot.plans.changes import containers_base
from kubecopilot.plans.model import OperationPlan, Phrase, PhraseValue, ResourceRef
from kubecopilot.plans.patches import pointer, resolve
from kubecopilot.plans.wording import said

State = Literal["met", "not_met", "unverified"]
MARKS: dict[str, str] = {"met": "✓", "not_met": "✗", "unverified": "?"}


class ConditionResult(BaseModel):
    text: str
    met: bool
    detail: str
    state: State = "not_met"
    # The text and the detail as catalogue phrases, to be said in the reader's language (``plans.wording``); the
    # English above is what a machine reads (``--output json``), so the phrases are not part of it.
    text_said: Phrase | None = Field(default=None, exclude=True)
    detail_said: Phrase | None = Field(default=None, exclude=True)

    @property
    def mark(self) -> str:
        return MARKS[self.state]


@dataclass(frozen=True)
class _Check:
    met: bool | None  # None: the cluster could not be read (or understood)
    said: Phrase  # what was read, as a catalogue phrase

    @property
    def detail(self) -> str:
        return said(self.said, "en")


def _check(met: bool | None, key: str, **values: PhraseValue) -> _Check:
    return _Check(met, Phrase(key=key, values=values))


def verify_post_conditions(plan: OperationPlan, ops: Any, *, timeout_s: float, interval_s: float,
                           clock: Callable[[], float], sleep: Callable[[float], None]) -> list[ConditionResult]:
    check = _check_for(plan, ops)
    risk = plan.risk
    text = risk.post_conditions[0] if risk.post_conditions else said(Phrase(key="check_default"), "en")
    text_said = (risk.phrases.post_conditions[0] if risk.phrases and risk.phrases.post_conditions and
                 risk.post_conditions else None) or (None if risk.post_conditions else Phrase(key="check_default"))
    deadline = clock() + timeout_s
    while True:
        try:
            result = check()
        except KubeCopilotError as exc:  # a transient read failure is "not yet"; at the deadline, "unverified"
            result = _check(None, "check_unreadable", error=exc.message)
        if result.met or clock() >= deadline:
            state: State = "met" if result.met else "unverified" if result.met is None else "not_met"
            return [ConditionResult(text=text, met=bool(result.met), detail=result.detail, state=state,
                                    text_said=text_said, detail_said=result.said)]
        sleep(min(interval_s, max(0.0, deadline - clock())))


def _check_for(plan: OperationPlan, ops: Any) -> Callable[[], _Check]:
    if plan.action == "delete":
        return lambda: _pod_replaced(plan, ops)
    return lambda: _workload_ready(plan, ops)


def _workload_ready(plan: OperationPlan, ops: Any) -> _Check:
    obj = ops.read_object(plan.resource)
    desired = int(resolve(obj, "/spec/replicas", 1))
    status = obj.get("status") or {}
    generation, observed = obj.get("metadata", {}).get("generation"), status.get("observedGeneration")
    if generation is not None and observed is not None and observed < generation:
        return _check(False, "check_controller_lag", observed=observed, generation=generation)
    pods = [p for p in ops.pods_of(plan.resource) if not (p.get("metadata") or {}).get("deletionTimestamp")]
    template = resolve(obj, pointer("spec", "template")) or {}
    current = [p for p in pods if _runs_template(p, template)]
    ready = [p for p in current if is_ready(p)]
    if desired == 0:
        return _check(True, "check_no_pods_left") if not pods else _check(False, "check_pods_present", count=len(pods))
    stale = len(pods) - len(current)
    blockers = _waiting_reasons(current)
    why = f" ({blockers})" if blockers else ""  # the pods' own reasons, as Kubernetes says them
    met = len(ready) >= desired and stale == 0
    if stale:
        return _check(met, "check_ready_stale", ready=len(ready), desired=desired, count=stale, why=why)
    return _check(met, "check_ready", ready=len(ready), desired=desired, why=why)


def _pod_replaced(plan: OperationPlan, ops: Any) -> _Check:
    before = plan.diff.before or {}
    meta = before.get("metadata") or {}
    owner = next((o for o in meta.get("ownerReferences") or [] if o.get("controller")), None)
    if owner is None:
        try:
            ops.read_object(plan.resource)
        except KubeCopilotError as exc:
            return _check("not found" in exc.message.lower(), "check_pod_read", name=plan.resource.name,
                          error=exc.message)
        return _check(False, "check_pod_exists", name=plan.resource.name)
    owner_ref = ResourceRef(kind=owner.get("kind", "ReplicaSet"), namespace=plan.resource.namespace,
                            name=owner.get("name", ""), cluster=plan.resource.cluster)
    pods = ops.pods_of(owner_ref)
    if any((p.get("metadata") or {}).get("uid") == meta.get("uid") for p in pods):
        return _check(False, "check_pod_still_there", name=plan.resource.name)
    fresh = [p for p in pods if is_ready(p) and (p.get("status") or {}).get("phase") == "Running"]
    if fresh:
        return _check(True, "check_replaced", name=fresh[0]["metadata"]["name"])
    reasons = _waiting_reasons(pods)
    return _check(False, "check_no_replacement", why=f" ({reasons})" if reasons else "")


def _runs_template(pod: dict[str, Any], template: dict[str, Any]) -> bool:
    """Whether a pod runs the template's images and resources (what an update or a rollout changes)."""
    wanted = {c.get("name"): c for c in resolve(template, pointer(*containers_base("Pod")), []) or []}
    have = {c.get("name"): c for c in resolve(pod, pointer(*containers_base("Pod")), []) or []}
    for name, spec in wanted.items():
        got = have.get(name)
        if got is None or got.get("image") != spec.get("image"):
            return False
        if (got.get("resources") or {}) != (spec.get("resources") or {}):
            return False
    return True


def _waiting_reasons(pods: list[dict[str, Any]]) -> str:
    reasons: set[str] = set()
    for pod in pods:
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            state = cs.get("state") or {}
            for key in ("waiting", "terminated"):
                if (state.get(key) or {}).get("reason"):
                    reasons.add(state[key]["reason"])
    return ", ".join(sorted(reasons))
