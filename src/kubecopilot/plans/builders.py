"""Plan builders: each takes the CURRENT object (read at plan time) and returns a pending, risk-rated plan.

A builder only says what the object should look like afterwards; ``jsonpatch`` computes the forward patch and the
rollback patch from the two states, so ``apply(apply(before, patch), rollback) == before`` by construction (and
by property test). Container edits are guarded by a ``test`` op on the container's name, so a patch applied after
someone reordered the containers fails instead of editing the wrong one.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from kubecopilot.errors import PlanInvalid
from kubecopilot.plans.changes import RESTART_ANNOTATION, container_index, containers_base
from kubecopilot.plans.model import Action, Audit, Diff, OperationPlan, PatchOp, ResourceRef, Risk, Step, Timestamps, utcnow
from kubecopilot.plans.patches import PatchConflict, apply_ops, diff_ops, pointer
from kubecopilot.plans.risk import RiskContext, assess


def build_scale(obj: Mapping[str, Any], replicas: int, **meta: Any) -> OperationPlan:
    if replicas < 0:
        raise PlanInvalid(f"replicas must be 0 or more, not {replicas}")
    after = copy.deepcopy(dict(obj))
    after.setdefault("spec", {})["replicas"] = int(replicas)
    return _plan(obj, after, "scale", f"Set spec.replicas to {replicas}", **meta)


def build_restart(obj: Mapping[str, Any], now: datetime | None = None, **meta: Any) -> OperationPlan:
    """Rolling restart the way ``kubectl rollout restart`` does it: stamp the pod template."""
    stamp = (now or utcnow()).strftime("%Y-%m-%dT%H:%M:%SZ")
    after = copy.deepcopy(dict(obj))
    template_meta = after.setdefault("spec", {}).setdefault("template", {}).setdefault("metadata", {})
    template_meta.setdefault("annotations", {})[RESTART_ANNOTATION] = stamp
    meta.setdefault("created_at", now)
    return _plan(obj, after, "restart", f"Annotate the pod template ({RESTART_ANNOTATION}={stamp})", **meta)


def build_set_image(obj: Mapping[str, Any], container: str, image: str, **meta: Any) -> OperationPlan:
    if not image.strip():
        raise PlanInvalid("the image must not be empty")
    after, index = _container_copy(obj, container)
    _containers(after)[index]["image"] = image
    return _plan(obj, after, "update", f"Set image of container {container} to {image}",
                 guard=(index, container), **meta)


def build_set_resources(obj: Mapping[str, Any], container: str, *, limits: Mapping[str, str] | None = None,
                        requests: Mapping[str, str] | None = None, **meta: Any) -> OperationPlan:
    """Set (not replace) the given limits/requests; a value of ``None`` removes that entry."""
    if not limits and not requests:
        raise PlanInvalid("set_resources needs limits or requests")
    after, index = _container_copy(obj, container)
    spec = _containers(after)[index]
    had = {key for key in ("limits", "requests") if key in spec.get("resources", {})} | (
        {"resources"} if "resources" in spec else set())
    resources = spec.setdefault("resources", {})
    for section, values in (("limits", limits), ("requests", requests)):
        for name, value in (values or {}).items():
            target = resources.setdefault(section, {})
            if value is None:
                target.pop(name, None)
            else:
                target[name] = str(value)
    # Removing a limit that was never set must not leave empty maps behind (a no-op would still look like a change).
    for section in ("limits", "requests"):
        if section in resources and not resources[section] and section not in had:
            del resources[section]
    if not resources and "resources" not in had:
        del spec["resources"]
    what = ", ".join(f"{s} {k}={v}" for s, vals in (("limits", limits), ("requests", requests))
                     for k, v in (vals or {}).items())
    return _plan(obj, after, "update", f"Set resources of container {container}: {what}",
                 guard=(index, container), **meta)


def build_delete_pod(obj: Mapping[str, Any], **meta: Any) -> OperationPlan:
    if obj.get("kind") != "Pod":
        raise PlanInvalid(f"build_delete_pod needs a Pod, got {obj.get('kind')}")
    name = obj.get("metadata", {}).get("name")
    step = Step(id="step-1", action="delete", description=f"Delete Pod {name}")
    return _assemble(obj, "delete", [step], [], None, **meta)


def build_json_patch(obj: Mapping[str, Any], patch: list[Mapping[str, Any]], action: Action = "update",
                     description: str = "Apply a JSON patch", **meta: Any) -> OperationPlan:
    """A generic RFC 6902 plan (e.g. an LLM draft); the rollback is computed from the resulting object."""
    ops = [PatchOp.model_validate(dict(op)) for op in patch]
    try:
        after = apply_ops(obj, ops)
    except PatchConflict as exc:
        raise PlanInvalid(f"the patch does not apply to the current object: {exc}",
                          op_index=exc.index, path=exc.op.get("path")) from None
    forward = [op.model_dump(mode="json") for op in ops]
    return _plan(obj, after, action, description, forward=forward, **meta)


# --- assembly -------------------------------------------------------------------------------------------------


def _plan(before: Mapping[str, Any], after: dict[str, Any], action: Action, description: str, *,
          guard: tuple[int, str] | None = None, forward: list[dict[str, Any]] | None = None,
          **meta: Any) -> OperationPlan:
    patch = forward if forward is not None else diff_ops(before, after)
    rollback = diff_ops(after, before)
    if guard is not None:
        index, name = guard
        test = {"op": "test", "path": pointer(*containers_base(before.get("kind", "")), index, "name"), "value": name}
        patch, rollback = [test, *patch], [test, *rollback]
    step = Step(id="step-1", action="update", description=description,
                patch=[PatchOp.model_validate(op) for op in patch], rollback_patch=[PatchOp.model_validate(op) for op in rollback])
    return _assemble(before, action, [step], patch, rollback, **meta)


def _assemble(before: Mapping[str, Any], action: Action, steps: list[Step], patch: list[Any],
              rollback: list[Any] | None, *, requested_by: str = "user:unknown", cluster: str | None = None,
              created_at: datetime | None = None, ai_rationale: str = "",
              source_prompt_id: str | None = None) -> OperationPlan:
    ref = resource_ref(before, cluster)
    plan = OperationPlan(
        action=action, steps=steps, resource=ref,
        diff=Diff(before=copy.deepcopy(dict(before)), patch=patch, rollback_patch=rollback),
        risk=Risk(level="low", rationale="not assessed yet"), ai_rationale=ai_rationale,
        audit=Audit(requested_by=requested_by, source_prompt_id=source_prompt_id,
                    idempotency_key=idempotency_key(ref, action, patch),
                    timestamps=Timestamps(created_at=created_at or utcnow())),
    )
    # Rated here with what the object alone tells; PlanService re-rates with namespace labels and the prompt tier.
    return plan.model_copy(update={"risk": assess(plan, RiskContext())})


def resource_ref(obj: Mapping[str, Any], cluster: str | None = None) -> ResourceRef:
    meta = obj.get("metadata") or {}
    if not obj.get("kind") or not meta.get("name"):
        raise PlanInvalid("the object has no kind or metadata.name; read it from the cluster first")
    return ResourceRef(kind=obj["kind"], namespace=meta.get("namespace") or "default", name=meta["name"],
                       uid=meta.get("uid"), resource_version=meta.get("resourceVersion"), cluster=cluster)


def idempotency_key(ref: ResourceRef, action: str, patch: list[Any]) -> str:
    """Same change to the same object version → same key, so a retried or duplicated plan runs at most once."""
    ops = [op.model_dump(mode="json") if hasattr(op, "model_dump") else op for op in patch]
    material = json.dumps([ref.cluster, ref.kind, ref.namespace, ref.name, ref.uid, ref.resource_version, action, ops],
                          sort_keys=True, separators=(",", ":"))
    return f"{action}-{ref.namespace}-{ref.name}-{hashlib.sha256(material.encode()).hexdigest()[:16]}"


def _container_copy(obj: Mapping[str, Any], container: str) -> tuple[dict[str, Any], int]:
    kind = obj.get("kind", "")
    try:
        index = container_index(dict(obj), kind, container)
    except KeyError as exc:
        raise PlanInvalid(str(exc.args[0])) from None
    return copy.deepcopy(dict(obj)), index


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    node: Any = obj
    for key in containers_base(obj.get("kind", "")):
        node = node[key]
    return cast(list[dict[str, Any]], node)
