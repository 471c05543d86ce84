"""``validate_plan``: the gate between "a plan exists" and "a person may see it as approvable".

Checks, in order, each failing with ``PlanInvalid`` and the reason: schema (and schema version); the plan's
resource matches its snapshot; (action, kind) is whitelisted; steps are ones the executor can run; no op touches a
protected path; every patch applies to ``before`` (naming the op that does not); a reversible action carries a
rollback that really restores ``before``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from kubecopilot.errors import NothingToChange, PlanInvalid, PolicyRefused
from kubecopilot.k8s import SERVER_OWNED_METADATA
from kubecopilot.plans.model import SUPPORTED_SCHEMA_VERSIONS, OperationPlan, ResourceRef
from kubecopilot.plans.patches import PatchConflict, apply_ops, without_status

# Identity and server-owned fields. Patching them is either meaningless (the server overwrites them) or an attempt
# to forge history (uid, ownerReferences) - never something a person should approve.
PROTECTED_PATHS = (
    *(f"/metadata/{field}" for field in SERVER_OWNED_METADATA),
    "/metadata/ownerReferences",
    "/metadata/name",
    "/metadata/namespace",
    "/kind",
    "/apiVersion",
    "/status",
)


def validate_plan(plan: OperationPlan | Mapping[str, Any], whitelist: Iterable[tuple[str, str]]) -> OperationPlan:
    """Return the validated plan or raise ``PlanInvalid`` saying what is wrong (``PolicyRefused`` off the whitelist;
    ``NothingToChange``, not an error, when the object already looks like that)."""
    plan = _schema(plan)
    _identity(plan)
    _whitelisted(plan, whitelist)
    _changes_something(plan)
    _steps(plan)
    for label, ops in _all_patches(plan):
        _protected(label, ops)
    _applies(plan)
    _rollback(plan)
    return plan


def _schema(plan: OperationPlan | Mapping[str, Any]) -> OperationPlan:
    data = plan.to_dict() if isinstance(plan, OperationPlan) else dict(plan)
    version = str(data.get("version", ""))
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        raise PlanInvalid(f"plan schema version {version!r} is not supported (supported: "
                          f"{', '.join(sorted(SUPPORTED_SCHEMA_VERSIONS))})")
    try:
        return OperationPlan.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(plan)"
        raise PlanInvalid(f"plan does not match the schema: {where}: {first['msg']}",
                          errors=len(exc.errors()), field=where) from None


def _identity(plan: OperationPlan) -> None:
    before = plan.diff.before
    if before is None:
        raise PlanInvalid("the plan has no before snapshot: read the object from the cluster when making the plan")
    meta = before.get("metadata") or {}
    ref = plan.resource
    expected = {"kind": before.get("kind"), "name": meta.get("name"), "namespace": meta.get("namespace") or "default"}
    actual = {"kind": ref.kind, "name": ref.name, "namespace": ref.namespace}
    for key, value in expected.items():
        if actual[key] != value:
            raise PlanInvalid(f"resource.{key} is {actual[key]!r} but the snapshot is of {value!r}")
    for key, snap in (("uid", meta.get("uid")), ("resource_version", meta.get("resourceVersion"))):
        if getattr(ref, key) is not None and snap is not None and getattr(ref, key) != snap:
            raise PlanInvalid(f"resource.{key} {getattr(ref, key)!r} does not match the snapshot's {snap!r}")


def _whitelisted(plan: OperationPlan, whitelist: Iterable[tuple[str, str]]) -> None:
    allowed = {(str(a), str(k)) for a, k in whitelist}
    if (plan.action, plan.resource.kind) not in allowed:
        pairs = ", ".join(f"{a} {k}" for a, k in sorted(allowed)) or "nothing"
        raise PolicyRefused(f"{plan.action} {plan.resource.kind} is not on the action whitelist",
                          hint=f"allowed: {pairs} (settings: plans.whitelist)")


def _changes_something(plan: OperationPlan) -> None:
    ops = [*plan.diff.patch, *(op for step in plan.steps for op in step.patch or [])]
    if plan.action != "delete" and not [op for op in ops if op.op != "test"]:
        ref = plan.resource
        what = f"{ref.kind} {ref.namespace}/{ref.name}"
        raise NothingToChange(f"the plan changes nothing: {what} already looks like that", what=what)


def _steps(plan: OperationPlan) -> None:
    if not plan.steps:
        raise PlanInvalid("the plan has no steps")
    for step in plan.steps:
        if step.action == "delete":
            if plan.action != "delete":
                raise PlanInvalid(f"step {step.id} deletes, but the plan's action is {plan.action}")
        elif step.action == "create":
            raise PlanInvalid(f"step {step.id}: creating objects is not supported by the executor")
        elif not step.patch:
            raise PlanInvalid(f"step {step.id} ({step.action}) has no patch")
    patched = [op for step in plan.steps for op in step.patch or []]
    if [op.model_dump() for op in patched] != [op.model_dump() for op in plan.diff.patch]:
        raise PlanInvalid("the steps' patches do not add up to diff.patch (the change shown would differ from the "
                          "change applied)")


def _all_patches(plan: OperationPlan) -> list[tuple[str, list[Any]]]:
    out: list[tuple[str, list[Any]]] = [("diff.patch", plan.diff.patch), ("diff.rollbackPatch",
                                                                          plan.diff.rollback_patch or [])]
    for step in plan.steps:
        out += [(f"step {step.id} patch", step.patch or []), (f"step {step.id} rollbackPatch",
                                                              step.rollback_patch or [])]
    return out


def _protected(label: str, ops: list[Any]) -> None:
    for index, op in enumerate(ops):
        if op.path == "" and op.op != "test":
            raise PlanInvalid(f"{label} op {index} replaces the whole object; patch the fields that change instead")
        for protected in PROTECTED_PATHS:
            if op.op != "test" and (op.path == protected or op.path.startswith(protected + "/")):
                raise PlanInvalid(f"{label} op {index} ({op.op} {op.path}) touches {protected}, which a plan may "
                                  "not change", op_index=index, path=op.path)


def _applies(plan: OperationPlan) -> None:
    state = plan.diff.before or {}
    for step in plan.steps:
        if step.action == "delete":
            continue
        try:
            state = apply_ops(state, step.patch)
        except PatchConflict as exc:
            raise PlanInvalid(f"step {step.id}: {exc.op.get('op')} {exc.op.get('path')} does not apply to the object "
                              f"(op {exc.index}): {exc.reason}", step=step.id, op_index=exc.index,
                              path=exc.op.get("path")) from None


def _rollback(plan: OperationPlan) -> None:
    if not plan.reversible:
        return
    if not plan.diff.rollback_patch or any(step.patch and not step.rollback_patch for step in plan.steps):
        raise PlanInvalid(f"a {plan.action} plan must carry a rollback patch for every step")
    before = plan.diff.before or {}
    # Undo the steps in reverse, exactly as the executor would after a failure, and demand the snapshot back.
    states = [before]
    for step in plan.steps:
        states.append(apply_ops(states[-1], step.patch))
    state = states[-1]
    for step in reversed(plan.steps):
        try:
            state = apply_ops(state, step.rollback_patch)
        except PatchConflict as exc:
            raise PlanInvalid(f"step {step.id}: its rollback patch does not apply after the step ({exc})") from None
    if without_status(state) != without_status(before):
        raise PlanInvalid("the rollback patch does not restore the object to its snapshot")
    try:
        whole = apply_ops(apply_ops(before, plan.diff.patch), plan.diff.rollback_patch)
    except PatchConflict as exc:
        raise PlanInvalid(f"diff.rollbackPatch does not apply after diff.patch ({exc})") from None
    if without_status(whole) != without_status(before):
        raise PlanInvalid("diff.rollbackPatch does not restore the object to its snapshot")


def same_target(a: ResourceRef, b: ResourceRef) -> bool:
    """The same object: kind, namespace, name and cluster (no cluster means the default one)."""
    return (a.kind, a.namespace or "", a.name, a.cluster or None) == (b.kind, b.namespace or "", b.name,
                                                                        b.cluster or None)


def require_expected_target(ref: ResourceRef, expected: Collection[ResourceRef] | None) -> None:
    """Refuse a plan for ``ref`` when the person asked about something else (``expected``; None: no constraint)."""
    if expected is None or any(same_target(ref, want) for want in expected):
        return
    asked = ", ".join(f"{w.kind} {w.namespace}/{w.name}" for w in expected) or "nothing that can be changed"
    raise PlanInvalid(f"the proposed change targets {ref.kind} {ref.namespace}/{ref.name}, but you asked about "
                      f"{asked}", hint="ask for a change to that resource by name", target=ref.name)
