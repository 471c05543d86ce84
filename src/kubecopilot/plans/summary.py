"""Layers 1–3 of the approval prompt as plain data (no rich): summary sentence, change rows, YAML diff.

Everything is computed from the patch and the ``before`` snapshot, never from the LLM's prose, so what a person
reads is what will be applied.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import yaml

from kubecopilot.plans.changes import LeafChange, leaf_changes
from kubecopilot.plans.patches import PatchConflict, after_of, apply_ops, concrete_path, resolve, without_status
from kubecopilot.quantity import parse_quantity

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: ~10× faster on big objects


@dataclass(frozen=True)
class ChangeRow:
    op: str
    path: str
    before: Any  # None: the path did not exist
    after: Any  # None: removed


def summarize(plan: Any) -> str:
    """One sentence: "Scale Deployment dev/cart from 2 to 5 replicas"."""
    where = f"{plan.resource.kind} {_where(plan)}"
    before = plan.diff.before or {}
    if plan.action == "delete":
        return f"Delete {where} ({_delete_consequence(before)})"
    changes = leaf_changes(plan)
    if plan.action == "scale":
        old, new = _replicas(before), resolve(after_of(plan), "/spec/replicas")
        return f"Scale {where} from {old} to {new} replicas"
    if plan.action == "restart":
        pods = _replicas(before)
        return f"Restart {where} (rolling restart of {pods} pod{'' if pods == 1 else 's'})"
    clauses = [_clause(c) for c in changes]
    if len(clauses) == 1:
        return _single_sentence(changes[0], where)
    if not clauses:
        return f"Update {where} (no effective change)"
    return f"Update {where}: " + "; ".join(clauses)


def change_rows(plan: Any) -> list[ChangeRow]:
    """Layer 2: one row per patch op (``test`` guards excluded), with the value before and after the plan."""
    before = plan.diff.before or {}
    if plan.action == "delete":
        return [ChangeRow("delete", "(whole object)", f"{plan.resource.kind} {plan.resource.name}", None)]
    after = after_of(plan) or {}
    rows, state = [], before
    for op in plan.diff.patch:
        path = concrete_path(state, op.path)  # an append ("/-") is shown at the index it lands at
        if op.op != "test":
            rows.append(ChangeRow(op.op, path, resolve(before, path), resolve(after, path)))
        state = _applied(state, op, path)
    return rows


def _applied(state: dict[str, Any], op: Any, path: str) -> dict[str, Any]:
    try:
        return apply_ops(state, [{**op.model_dump(mode="json"), "path": path}])
    except PatchConflict:
        return state


def yaml_diff(plan: Any, context: int = 5) -> str:
    """Layer 3: unified diff of the before/after YAML, status and server bookkeeping stripped."""
    before = without_status(plan.diff.before)
    after = without_status(after_of(plan))
    old = _yaml(before).splitlines() if before else []
    new = _yaml(after).splitlines() if after else []
    label = f"{plan.resource.kind.lower()}/{plan.resource.name}"
    lines = difflib.unified_diff(old, new, f"{label} (before)", f"{label} (after)", n=context, lineterm="")
    return "\n".join(lines)


def _yaml(obj: dict[str, Any]) -> str:
    return yaml.dump(obj, Dumper=_DUMPER, sort_keys=False, default_flow_style=False, allow_unicode=True)


def describe_rollback(plan: Any) -> str:
    """What rolling this plan back would do, for the [e]xplain answer."""
    if not plan.reversible or not plan.diff.rollback_patch:
        if plan.action == "delete":
            return f"A delete cannot be undone; {_delete_consequence(plan.diff.before or {})}."
        return "This plan has no rollback patch."
    paths = sorted({op.path for op in plan.diff.rollback_patch if op.op != "test"})
    return (f"Rollback restores {', '.join(paths)} to the values in the snapshot taken when the plan was made "
            f"(`kubecopilot rollback {str(plan.id)[:8]}` makes a new plan for it, approved like this one).")


def _where(plan: Any) -> str:
    ref = plan.resource
    return f"{ref.cluster + ':' if ref.cluster else ''}{ref.namespace}/{ref.name}"


def _replicas(obj: dict[str, Any]) -> int:
    value = resolve(obj, "/spec/replicas")
    return 1 if value is None else int(value)  # the API server defaults replicas to 1


def _delete_consequence(before: dict[str, Any]) -> str:
    owners = (before.get("metadata") or {}).get("ownerReferences") or []
    controller = next((o for o in owners if o.get("controller")), owners[0] if owners else None)
    if controller:
        return f"its {controller.get('kind', 'controller')} recreates it"
    return "no controller owns it, so it will not come back"


def _single_sentence(change: LeafChange, where: str) -> str:
    if change.field == "image":
        return f"Set image of container {change.container} in {where} to {change.after}"
    if "." in change.field:
        kind, resource = change.field.split(".", 1)
        noun = f"{resource} {'limit' if kind == 'limits' else 'request'}"
        verb, span = _quantity_verb(change)
        return f"{verb} {noun} of container {change.container} in {where}{span}"
    return f"Update {where}: {_clause(change)}"


def _clause(change: LeafChange) -> str:
    if change.field == "image":
        return f"set image of container {change.container} to {change.after}"
    if "." in change.field:
        kind, resource = change.field.split(".", 1)
        verb, span = _quantity_verb(change)
        noun = f"{resource} {'limit' if kind == 'limits' else 'request'}"
        return f"{verb.lower()} {noun} of container {change.container}{span}"
    if change.field == "replicas":
        return f"change replicas from {change.before} to {change.after}"
    if change.after is None:
        return f"remove {change.path}"
    if change.before is None:
        return f"set {change.path} to {_short(change.after)}"
    return f"change {change.path} from {_short(change.before)} to {_short(change.after)}"


def _quantity_verb(change: LeafChange) -> tuple[str, str]:
    old, new = parse_quantity(change.before), parse_quantity(change.after)
    if change.after is None:
        return "Remove", f" (was {change.before})"
    if old is None:
        return "Set", f" to {change.after}"
    verb = "Raise" if new is not None and new > old else "Lower" if new is not None and new < old else "Change"
    return verb, f" from {change.before} to {change.after}"


def _short(value: Any, limit: int = 40) -> str:
    text = value if isinstance(value, str) else yaml.safe_dump(value, default_flow_style=True).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
