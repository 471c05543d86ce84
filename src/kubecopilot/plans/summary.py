"""Layers 1–3 of the approval prompt as plain data (no rich): summary sentence, change rows, YAML diff.

Everything is computed from the patch and the ``before`` snapshot, never from the LLM's prose, so what a person
reads is what will be applied. The sentences are the message catalogue's (``plan_sum_*``, ``plan_clause_*``), said
in the reader's language when shown; the ledger keeps the plan's data, not its words.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import yaml

from kubecopilot.messages import Language, say
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


def summarize(plan: Any, lang: Language = "en") -> str:
    """One sentence: "Scale Deployment dev/cart from 2 to 5 replicas", in ``lang`` (the catalogue's ``plan_sum_*``)."""
    where = f"{plan.resource.kind} {_where(plan)}"
    before = plan.diff.before or {}
    if plan.action == "delete":
        return say("plan_sum_delete", lang, where=where, consequence=_delete_consequence(before, lang))
    changes = leaf_changes(plan)
    if plan.action == "scale":
        old, new = _replicas(before), resolve(after_of(plan), "/spec/replicas")
        return say("plan_sum_scale", lang, where=where, old=old, new=new)
    if plan.action == "restart":
        return say("plan_sum_restart", lang, where=where, count=_replicas(before))
    if len(changes) == 1:
        return _single_sentence(changes[0], where, lang)
    if not changes:
        return say("plan_sum_nothing", lang, where=where)
    clauses = say("plan_clause_separator", lang).join(_clause(c, lang) for c in changes)
    return say("plan_sum_update", lang, where=where, changes=clauses)


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


def describe_rollback(plan: Any, lang: Language = "en") -> str:
    """What rolling this plan back would do, for the [e]xplain answer."""
    if not plan.reversible or not plan.diff.rollback_patch:
        if plan.action == "delete":
            return say("plan_rollback_delete", lang, consequence=_delete_consequence(plan.diff.before or {}, lang))
        return say("plan_rollback_none", lang)
    paths = sorted({op.path for op in plan.diff.rollback_patch if op.op != "test"})
    return say("plan_rollback_restores", lang, paths=", ".join(paths), plan=str(plan.id)[:8])


def _where(plan: Any) -> str:
    ref = plan.resource
    return f"{ref.cluster + ':' if ref.cluster else ''}{ref.namespace}/{ref.name}"


def _replicas(obj: dict[str, Any]) -> int:
    value = resolve(obj, "/spec/replicas")
    return 1 if value is None else int(value)  # the API server defaults replicas to 1


def _delete_consequence(before: dict[str, Any], lang: Language = "en") -> str:
    owners = (before.get("metadata") or {}).get("ownerReferences") or []
    controller = next((o for o in owners if o.get("controller")), owners[0] if owners else None)
    if controller:
        return say("plan_delete_owned", lang, owner=controller.get("kind", "controller"))
    return say("plan_delete_unowned", lang)


def _single_sentence(change: LeafChange, where: str, lang: Language) -> str:
    if change.field == "image":
        return say("plan_sum_image", lang, container=change.container, where=where, image=change.after)
    if "." in change.field:
        verb, old, new = _quantity_verb(change)
        return say(f"plan_sum_{verb}", lang, what=_what(change, lang), container=change.container, where=where,
                   old=old, new=new)
    return say("plan_sum_update", lang, where=where, changes=_clause(change, lang))


def _clause(change: LeafChange, lang: Language) -> str:
    if change.field == "image":
        return say("plan_clause_image", lang, container=change.container, image=change.after)
    if "." in change.field:
        verb, old, new = _quantity_verb(change)
        return say(f"plan_clause_{verb}", lang, what=_what(change, lang), container=change.container, old=old, new=new)
    if change.field == "replicas":
        return say("plan_clause_replicas", lang, old=change.before, new=change.after)
    if change.after is None:
        return say("plan_clause_remove_path", lang, path=change.path)
    if change.before is None:
        return say("plan_clause_set_path", lang, path=change.path, value=_short(change.after))
    return say("plan_clause_change_path", lang, path=change.path, old=_short(change.before), new=_short(change.after))


# Catalogue keys of a quantity change's verb: plan_sum_raise / plan_clause_raise, … (named here so they are found)
QUANTITY_VERBS = {"raise": ("plan_sum_raise", "plan_clause_raise"), "lower": ("plan_sum_lower", "plan_clause_lower"),
                  "change": ("plan_sum_change", "plan_clause_change"), "set": ("plan_sum_set", "plan_clause_set"),
                  "remove": ("plan_sum_remove", "plan_clause_remove")}
WHAT_KEYS = {"limits.memory": "plan_what_limits_memory", "limits.cpu": "plan_what_limits_cpu",
             "requests.memory": "plan_what_requests_memory", "requests.cpu": "plan_what_requests_cpu"}


def _what(change: LeafChange, lang: Language) -> str:
    """"memory limit", "内存上限": the resource and whether it is a limit or a request."""
    key = WHAT_KEYS.get(change.field)
    if key is not None:
        return say(key, lang)
    kind, resource = change.field.split(".", 1)
    return say("plan_what_limits" if kind == "limits" else "plan_what_requests", lang, resource=resource)


def _quantity_verb(change: LeafChange) -> tuple[str, Any, Any]:
    """(verb, old, new): raise / lower / change from old to new, set to new, remove (was old)."""
    old, new = parse_quantity(change.before), parse_quantity(change.after)
    if change.after is None:
        return "remove", change.before, None
    if old is None:
        return "set", None, change.after
    verb = "raise" if new is not None and new > old else "lower" if new is not None and new < old else "change"
    return verb, change.before, change.after


def _short(value: Any, limit: int = 40) -> str:
    text = value if isinstance(value, str) else yaml.safe_dump(value, default_flow_style=True).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
