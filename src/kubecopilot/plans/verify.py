"""Post-condition checks after a plan ran: the workload's pods Ready with the new template, or the deleted pod
replaced. Polls within a bounded wait; the clock and sleep are injected so tests never really wait.

Three outcomes, each from what was read: ``met`` (✓), ``not_met`` (✗: the cluster was read and is not there yet) and
``unverified`` (?: the cluster could not be read, or not understood, until the deadline) — never ✓ or ✗ on a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from kubecopilot.errors import KubeCopilotError
from kubecopilot.k8s import pod_ready as is_ready
from kubecopilot.plans.changes import containers_base
from kubecopilot.plans.model import OperationPlan, ResourceRef
from kubecopilot.plans.patches import pointer, resolve

State = Literal["met", "not_met", "unverified"]
MARKS: dict[str, str] = {"met": "✓", "not_met": "✗", "unverified": "?"}


class ConditionResult(BaseModel):
    text: str
    met: bool
    detail: str
    state: State = "not_met"

    @property
    def mark(self) -> str:
        return MARKS[self.state]


@dataclass(frozen=True)
class _Check:
    met: bool | None  # None: the cluster could not be read (or understood)
    detail: str


def verify_post_conditions(plan: OperationPlan, ops: Any, *, timeout_s: float, interval_s: float,
                           clock: Callable[[], float], sleep: Callable[[float], None]) -> list[ConditionResult]:
    check = _check_for(plan, ops)
    text = plan.risk.post_conditions[0] if plan.risk.post_conditions else "the change took effect"
    deadline = clock() + timeout_s
    while True:
        try:
            result = check()
        except KubeCopilotError as exc:  # a transient read failure is "not yet"; at the deadline, "unverified"
            result = _Check(None, f"unverified: could not read the cluster: {exc.message}")
        if result.met or clock() >= deadline:
            state: State = "met" if result.met else "unverified" if result.met is None else "not_met"
            return [ConditionResult(text=text, met=bool(result.met), detail=result.detail, state=state)]
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
        return _Check(False, f"the controller has not seen the change yet (generation {observed} < {generation})")
    pods = [p for p in ops.pods_of(plan.resource) if not (p.get("metadata") or {}).get("deletionTimestamp")]
    template = resolve(obj, pointer("spec", "template")) or {}
    current = [p for p in pods if _runs_template(p, template)]
    ready = [p for p in current if is_ready(p)]
    if desired == 0:
        return _Check(not pods, "no pods left" if not pods else f"{len(pods)} pod(s) still present")
    stale = len(pods) - len(current)
    detail = f"{len(ready)}/{desired} replicas Ready" + (f", {stale} pod(s) still on the old template" if stale else "")
    blockers = _waiting_reasons(current)
    if blockers:
        detail += f" ({blockers})"
    return _Check(len(ready) >= desired and stale == 0, detail)


def _pod_replaced(plan: OperationPlan, ops: Any) -> _Check:
    before = plan.diff.before or {}
    meta = before.get("metadata") or {}
    owner = next((o for o in meta.get("ownerReferences") or [] if o.get("controller")), None)
    if owner is None:
        try:
            ops.read_object(plan.resource)
        except KubeCopilotError as exc:
            return _Check("not found" in exc.message.lower(), f"pod {plan.resource.name}: {exc.message}")
        return _Check(False, f"pod {plan.resource.name} still exists")
    owner_ref = ResourceRef(kind=owner.get("kind", "ReplicaSet"), namespace=plan.resource.namespace,
                            name=owner.get("name", ""), cluster=plan.resource.cluster)
    pods = ops.pods_of(owner_ref)
    if any((p.get("metadata") or {}).get("uid") == meta.get("uid") for p in pods):
        return _Check(False, f"pod {plan.resource.name} is still there")
    fresh = [p for p in pods if is_ready(p) and (p.get("status") or {}).get("phase") == "Running"]
    if fresh:
        return _Check(True, f"replaced by {fresh[0]['metadata']['name']} (Running, Ready)")
    reasons = _waiting_reasons(pods)
    return _Check(False, f"no Ready replacement yet{f' ({reasons})' if reasons else ''}")


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
