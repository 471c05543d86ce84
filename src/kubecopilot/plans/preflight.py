"""The checks a plan passes right before it is approved and again right before it runs, wherever it came from.

A plan read back from the ledger (another process, another day, or a forged row) is data, not a promise:
``revalidate`` runs the full validation again (schema, whitelist, protected paths, patches apply, rollback
restores) and re-rates it; a plan now rated higher than it says it is was changed after it was made.

``planned_calls`` lists the exact tool calls (tool + arguments) the executor will make for a plan — each step and
each step's rollback — so the approval token can be bound to them and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kubecopilot.errors import PlanInvalid
from kubecopilot.plans.model import OperationPlan
from kubecopilot.plans.patches import apply_ops, as_dicts
from kubecopilot.plans.redact import fill_redacted
from kubecopilot.plans.risk import LEVELS, RiskContext, RuleSet, assess
from kubecopilot.plans.validate import validate_plan


def revalidate(plan: OperationPlan, whitelist: Iterable[tuple[str, str]], context: RiskContext | None = None,
               rules: RuleSet | None = None) -> OperationPlan:
    """The plan, validated again; ``PlanInvalid`` when it fails validation or is riskier than it claims."""
    checked = validate_plan(plan, whitelist)
    fresh = assess(checked, context, rules)
    if LEVELS.index(fresh.level) > LEVELS.index(checked.risk.level):
        raise PlanInvalid(f"plan {plan.plan_id} says its risk is {checked.risk.level} but it rates {fresh.level} "
                          f"({'; '.join(fresh.factors) or fresh.rationale}): it was changed after it was made",
                          hint="make a new plan", plan_id=plan.plan_id)
    return checked


def planned_calls(ops: Any, plan: OperationPlan, live: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every (tool, arguments) the executor may send for ``plan``: each step, then each step's rollback.

    ``live`` is the object now; it fills the values the stored snapshot had redacted (a full-object apply sends
    them), and the drift check makes sure the executor starts from the same object.
    """
    state = fill_redacted(plan.diff.before or {}, live)
    calls: list[tuple[str, dict[str, Any]]] = []
    for step in plan.steps:
        if step.action == "delete":
            calls.append(ops.planned_delete(plan.resource))
            continue
        forward = as_dicts(step.patch)
        after = apply_ops(state, forward)
        calls.append(ops.planned_patch(plan.resource, forward, state, after))
        if step.rollback_patch:
            back = as_dicts(step.rollback_patch)
            calls.append(ops.planned_patch(plan.resource, back, after, apply_ops(after, back)))
        state = after
    return calls
