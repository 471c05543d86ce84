"""From a change request (slots, an analyzer's fix or the planner's draft) to an OperationPlan.

Everything ends in a ``FixSpec`` and one of the plan domain's builders; the builder reads the object fresh, and
validation, the whitelist and the risk rules decide whether the plan is shown at all. Nothing here writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from kubecopilot.diagnosis.models import FixSpec
from kubecopilot.diagnosis.remedies import previous_revision
from kubecopilot.dialogue.registry import Slot, spec
from kubecopilot.errors import PlanInvalid
from kubecopilot.messages import Language, say
from kubecopilot.plans.builders import build_delete_pod, build_json_patch, build_restart, build_scale, build_set_image, build_set_resources
from kubecopilot.plans.model import OperationPlan, ResourceRef
from kubecopilot.plans.patches import apply_ops, diff_ops

Builder = Callable[[dict[str, Any]], OperationPlan]


def fix_from_slots(intent: str, filled: dict[str, Any]) -> FixSpec:
    """The FixSpec for a change the user asked for directly ("scale cart to 5"): the intent's fix and kind from the
    registry, the target and values from the filled slots."""
    change = spec(intent).change
    if change is None:
        raise PlanInvalid(f"{intent} is not a change KubeCopilot can plan")
    target = filled[Slot.POD] if change.kind == "Pod" else filled[Slot.DEPLOYMENT]
    resources = filled.get(Slot.RESOURCES) or {}
    replicas = filled.get(Slot.REPLICAS)
    return FixSpec(action=change.fix, kind=change.kind, namespace=filled[Slot.NAMESPACE], name=target,
                   replicas=int(replicas) if replicas is not None else None, container=filled.get(Slot.CONTAINER),
                   image=filled.get(Slot.IMAGE), limits=resources.get("limits", {}), requests=resources.get("requests", {}))


def ref_of(fix: FixSpec, cluster: str | None) -> ResourceRef:
    return ResourceRef(kind=fix.kind, namespace=fix.namespace, name=fix.name, cluster=cluster)


def diagnosed_targets(evidence: Any, cluster: str | None) -> list[ResourceRef]:
    """What a diagnosis may change: the workload it looked at and that workload's pods, nothing else."""
    objects = ([evidence.workload] if evidence.workload else []) + list(evidence.pods)
    return [ResourceRef(kind=o["kind"] if "kind" in o else "Pod", namespace=o["metadata"].get("namespace") or evidence.namespace,
                        name=o["metadata"]["name"], cluster=cluster) for o in objects]


def builder_for(fix: FixSpec, *, now: Callable[[], datetime], replicasets: Callable[[], list[dict[str, Any]]]) -> Builder:
    """A builder taking the current object. ``replicasets`` is only called for a rollback (revision history)."""
    if fix.action == "scale":
        replicas = fix.replicas
        if replicas is None:
            raise PlanInvalid("scale needs a number of replicas")
        return lambda obj: build_scale(obj, replicas)
    if fix.action == "restart":
        return lambda obj: build_restart(obj, now())
    if fix.action == "set_image":
        return lambda obj: build_set_image(obj, _container(fix, "set_image"), fix.image or "")
    if fix.action == "set_resources":
        return lambda obj: build_set_resources(obj, _container(fix, "set_resources"), limits=fix.limits or None,
                                               requests=fix.requests or None)
    if fix.action == "delete_pod":
        return build_delete_pod
    if fix.action == "rollback":
        return lambda obj: build_json_patch(obj, list(rollback_patch(obj, replicasets())), "update",
                                            "Roll back the pod template to the previous revision")
    if fix.action == "json_patch":
        if not fix.patch:
            raise PlanInvalid("json_patch needs at least one RFC 6902 operation")
        patch: list[Mapping[str, Any]] = list(fix.patch)
        return lambda obj: build_json_patch(obj, patch, "update", fix.description or "Apply a JSON patch")
    raise PlanInvalid(f"no automatic change for action {fix.action!r}")


def refuse_known_broken(build: Builder, broken: list[tuple[str, dict[str, Any]]], lang: Language) -> Builder:
    """A builder that refuses a plan putting back a pod template this session moved away from because it failed
    (billing-api's revision 3, after a rollback cured it): the plan would re-break a cured workload."""
    if not broken:
        return build

    def guarded(obj: dict[str, Any]) -> OperationPlan:
        plan = build(obj)
        after = apply_ops(obj, plan.diff.patch)
        template = _comparable((after.get("spec") or {}).get("template"))
        for plan_id, before in broken:
            if template == _comparable(before):
                raise PlanInvalid(say("refused_known_broken", lang, name=plan.resource.name, plan=plan_id[:8]),
                                  hint=say("refused_known_broken_hint", lang))
        return plan

    return guarded


def _comparable(template: Any) -> Any:
    """A pod template without what the controllers add (the ReplicaSet's hash label)."""
    if not isinstance(template, dict):
        return template
    copy = json.loads(json.dumps(template))
    labels = (copy.get("metadata") or {}).get("labels") or {}
    labels.pop("pod-template-hash", None)
    return copy


def rollback_patch(deployment: dict[str, Any], replicasets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The patch that puts back the pod template of the previous revision (what ``kubectl rollout undo`` does)."""
    previous = previous_revision(deployment, list(replicasets))
    if previous is None:
        raise PlanInvalid(f"Deployment {deployment['metadata']['name']} has no earlier revision to roll back to")
    template = previous["spec"]["template"]
    labels = dict((template.get("metadata") or {}).get("labels") or {})
    labels.pop("pod-template-hash", None)  # added by the ReplicaSet controller, not part of the Deployment
    template = {**template, "metadata": {**(template.get("metadata") or {}), "labels": labels}}
    ops = diff_ops(deployment["spec"]["template"], template)
    if not ops:
        raise PlanInvalid("the previous revision has the same pod template; nothing to roll back")
    return [{**op, "path": "/spec/template" + op["path"]} for op in ops]


def _container(fix: FixSpec, action: str) -> str:
    if not fix.container:
        raise PlanInvalid(f"{action} needs the container name")
    return fix.container
