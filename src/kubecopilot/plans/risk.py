"""Deterministic risk rating of a plan from the rules in ``risk_rules.yaml`` (data) and the condition types here.

``assess(plan, context)`` returns the plan's ``Risk``: level, score, the factors that fired (as sentences), a
rationale and the post-conditions the executor will verify. No LLM is involved, so the same plan always gets the
same rating.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kubecopilot.errors import ConfigError
from kubecopilot.messages import has
from kubecopilot.plans.changes import LeafChange, leaf_changes
from kubecopilot.plans.model import Phrase, PhraseValue, Risk, RiskLevel, RiskPhrases
from kubecopilot.plans.patches import after_of, resolve
from kubecopilot.plans.safe_changes import SafeChange, expand, outside
from kubecopilot.plans.summary import WHAT_KEYS
from kubecopilot.plans.wording import said, values_in
from kubecopilot.quantity import parse_quantity
from kubecopilot.resources import read_yaml

LEVELS: tuple[RiskLevel, ...] = ("low", "medium", "high")
RULES_FILE = Path(__file__).with_name("risk_rules.yaml")


@dataclass(frozen=True)
class RiskContext:
    """What the plan alone cannot tell. ``pods_affected=None``: derived from the object and the patch."""

    namespace_labels: dict[str, str] = field(default_factory=dict)
    prompt_risk_tier: str | None = None
    expected_targets: tuple[Any, ...] | None = None  # what the person asked about (kind, namespace, name); None: any
    pods_affected: int | None = None
    verify_timeout_s: float = 60.0
    # The pod templates of the workload's own revisions (ReplicaSets it controls, by uid): images they ran and
    # templates they had are known; None or () — nothing is known beyond the current template.
    revision_templates: tuple[dict[str, Any], ...] = ()


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    when: dict[str, Any]
    weight: float = Field(ge=0.0, le=1.0)
    min_level: RiskLevel = "low"
    factor: str | None = None  # English only; a shipped rule's words are the catalogue's (``words_key``)

    @property
    def words_key(self) -> str:
        """The catalogue key of this rule's factor sentence: ``risk_factor_`` and the id with underscores."""
        return "risk_factor_" + self.id.replace("-", "_")


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    base_score: float = Field(ge=0.0, le=1.0)
    thresholds: dict[Literal["medium", "high"], float]
    rules: list[Rule]
    post_conditions: dict[str, str] = Field(default_factory=dict)  # custom English templates; else the catalogue's
    safe_changes: list[SafeChange] = Field(default_factory=list)
    # path pattern (a prefix) → what the factor calls it: a catalogue key (``risk_what_*``), or English words
    describe: dict[str, str] = Field(default_factory=dict)

    def check(self) -> RuleSet:
        for rule in self.rules:
            if rule.when.get("type") not in CONDITIONS:
                raise ConfigError(f"risk rule {rule.id}: unknown condition type {rule.when.get('type')!r}",
                                  hint=f"known types: {', '.join(sorted(CONDITIONS))}")
            if rule.factor is None and not has(rule.words_key):
                raise ConfigError(f"risk rule {rule.id} has no words: give it a factor text",
                                  hint=f"or add {rule.words_key} to the message catalogue")
        return self


def load_rules(path: Path | None = None) -> RuleSet:
    return _load_rules(str(path or RULES_FILE))


@lru_cache(maxsize=8)
def _load_rules(path: str) -> RuleSet:
    try:
        return RuleSet.model_validate(read_yaml(Path(path))).check()
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"risk rules {path} are invalid: {exc}") from None


def assess(plan: Any, context: RiskContext | None = None, rules: RuleSet | None = None) -> Risk:
    context = context or RiskContext()
    rules = rules or load_rules()
    facts = _Facts.of(plan, context)
    facts.rules = rules
    fired: list[tuple[Rule, Phrase, str]] = []
    for rule in rules.rules:
        params = {k: v for k, v in rule.when.items() if k != "type"}
        found = CONDITIONS[rule.when["type"]](facts, **params)
        if found is not None:
            phrase = Phrase(key=rule.words_key, values={**facts.names(), **found})
            english = rule.factor.format(**values_in(phrase.values, "en")) if rule.factor else said(phrase, "en")
            fired.append((rule, phrase, english))
    keep = 1.0 - rules.base_score
    for rule, _, _ in fired:
        keep *= 1.0 - rule.weight
    score = round(1.0 - keep, 3)
    level = _level(score, rules.thresholds, [rule.min_level for rule, _, _ in fired])
    factor_phrases = [phrase for _, phrase, _ in fired]
    why = _rationale(level, score, factor_phrases, facts)
    check, check_text = _post_condition(rules, facts)
    return Risk(level=level, score=score, factors=[text for _, _, text in fired], rationale=said(why, "en"),
                post_conditions=[check_text],
                phrases=RiskPhrases(rationale=why, factors=factor_phrases, post_conditions=[check]))


def _level(score: float, thresholds: Mapping[Literal["medium", "high"], float], floors: list[RiskLevel]) -> RiskLevel:
    band: RiskLevel = "high" if score >= thresholds["high"] else "medium" if score >= thresholds["medium"] else "low"
    return max([band, *floors], key=LEVELS.index)


# The catalogue keys of the risk's own words (named here so they are found): the level as a headline word,
# and each post-condition the executor verifies.
LEVEL_WORDS = {"low": "risk_level_title_low", "medium": "risk_level_title_medium", "high": "risk_level_title_high"}
CHECK_WORDS = {"scale": "risk_check_scale", "scale_to_zero": "risk_check_scale_to_zero",
               "restart": "risk_check_restart", "update": "risk_check_update",
               "delete_owned": "risk_check_delete_owned", "delete_unowned": "risk_check_delete_unowned"}


def _rationale(level: str, score: float, factors: list[Phrase], facts: _Facts) -> Phrase:
    head: dict[str, PhraseValue] = {"level": Phrase(key=LEVEL_WORDS[level]), "score": f"{score:.2f}"}
    if factors:
        return Phrase(key="risk_rationale", values={**head, "factors": list(factors)})
    return Phrase(key="risk_rationale_calm", values={**head, "count": facts.pods_affected})


def _post_condition(rules: RuleSet, facts: _Facts) -> tuple[Phrase, str]:
    """What the executor verifies, as a phrase and in English (a custom template of the rules file wins)."""
    key = facts.action
    if key == "scale" and facts.new_replicas == 0:
        key = "scale_to_zero"
    elif key == "delete":
        key = "delete_owned" if facts.owner else "delete_unowned"
    if key not in CHECK_WORDS and key not in rules.post_conditions:
        key = "update"
    values: dict[str, PhraseValue] = {**facts.names(), "replicas": facts.new_replicas if facts.new_replicas is not None
                                      else "?", "owner": facts.owner or "controller",
                                      "timeout": f"{facts.verify_timeout_s:g}"}
    phrase = Phrase(key=CHECK_WORDS.get(key, "risk_check_update"), values=values)
    template = rules.post_conditions.get(key)
    return phrase, template.format(**values) if template else said(phrase, "en")


@dataclass
class _Facts:
    """Everything the conditions look at, computed once per plan."""

    plan: Any
    action: str
    kind: str
    name: str
    namespace: str
    labels: dict[str, str]
    tier: str | None
    old_replicas: int | None
    new_replicas: int | None
    owner: str | None
    pods_affected: int
    verify_timeout_s: float
    changes: list[LeafChange]
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] | None = None
    expected_targets: tuple[Any, ...] | None = None
    revision_templates: tuple[dict[str, Any], ...] = ()
    rules: RuleSet | None = None

    @classmethod
    def of(cls, plan: Any, ctx: RiskContext) -> _Facts:
        before = plan.diff.before or {}
        after = after_of(plan)
        old = _replicas(before)
        new = _replicas(after) if after is not None else None
        owners = (before.get("metadata") or {}).get("ownerReferences") or []
        owner = next((o.get("kind") for o in owners if o.get("controller")), None)
        pods = ctx.pods_affected if ctx.pods_affected is not None else _pods_affected(plan.action, plan.resource.kind,
                                                                                     old, new)
        return cls(plan, plan.action, plan.resource.kind, plan.resource.name, plan.resource.namespace,
                   dict(ctx.namespace_labels), ctx.prompt_risk_tier, old, new, owner, pods, ctx.verify_timeout_s,
                   leaf_changes(plan), before, after, ctx.expected_targets, tuple(ctx.revision_templates or ()))

    def names(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "namespace": self.namespace}


def _replicas(obj: dict[str, Any] | None) -> int | None:
    if not obj or obj.get("kind") == "Pod":
        return None
    value = resolve(obj, "/spec/replicas")
    return 1 if value is None else int(value)


def _pods_affected(action: str, kind: str, old: int | None, new: int | None) -> int:
    if kind == "Pod":
        return 1
    if action == "scale":
        return abs((new or 0) - (old or 0))
    return max(old or 0, new or 0)


# --- condition types: each returns the template fields when it fires, else None --------------------------------


def _production_namespace(f: _Facts, pattern: str, labels: dict[str, list[str]]) -> dict[str, Any] | None:
    if re.match(pattern, f.namespace, flags=re.IGNORECASE):
        return {"why": Phrase(key="risk_why_name")}
    for key, values in labels.items():
        if str(f.labels.get(key, "")).lower() in {v.lower() for v in values}:
            return {"why": Phrase(key="risk_why_label", values={"label": f"{key}={f.labels[key]}"})}
    return None


def _action_in(f: _Facts, actions: list[str]) -> dict[str, Any] | None:
    return {} if f.action in actions else None


def _replicas_to_zero(f: _Facts) -> dict[str, Any] | None:
    if f.new_replicas == 0 and (f.old_replicas or 0) > 0:
        return {"old": f.old_replicas}
    return None


def _replicas_ratio_over(f: _Facts, ratio: float) -> dict[str, Any] | None:
    old, new = f.old_replicas, f.new_replicas
    if old is None or new is None or old == new or new == 0:
        return None  # scaling to 0 has its own rule
    if old == 0 or max(new / old, old / new) > ratio:
        return {"old": old, "new": new, "ratio": f"{ratio:g}"}
    return None


def _field_changed(f: _Facts, fields: list[str]) -> dict[str, Any] | None:
    for change in f.changes:
        if change.field in fields:
            return {"container": change.container, "old": change.before, "new": change.after}
    return None


def _resource_decrease(f: _Facts, resources: list[str]) -> dict[str, Any] | None:
    for change in f.changes:
        section, _, resource = change.field.partition(".")
        if section not in ("limits", "requests") or resource not in resources:
            continue
        old, new = parse_quantity(change.before), parse_quantity(change.after)
        if old is not None and new is not None and new < old:
            key = WHAT_KEYS.get(change.field) or ("plan_what_limits" if section == "limits" else "plan_what_requests")
            what = Phrase(key=key, values={"resource": resource})
            return {"container": change.container, "what": what, "old": change.before, "new": change.after}
    return None


def _no_rollback(f: _Facts, unless_controller_owned: bool = True) -> dict[str, Any] | None:
    has_rollback = f.plan.reversible and bool(f.plan.diff.rollback_patch)
    if has_rollback or (unless_controller_owned and f.action == "delete" and f.owner):
        return None
    return {}


def _prompt_risk_tier(f: _Facts, tiers: list[str]) -> dict[str, Any] | None:
    return {"tier": f.tier} if f.tier and f.tier.lower() in tiers else None


def _pods_affected_at_least(f: _Facts, count: int) -> dict[str, Any] | None:
    return {"pods": f.pods_affected} if f.pods_affected >= count else None


def _replicas_scale_up_over(f: _Facts, factor: float, increase: int) -> dict[str, Any] | None:
    """A scale-up beyond what the rule allows: more than ``old × factor`` AND more than ``old + increase``."""
    old, new = f.old_replicas, f.new_replicas
    if old is None or new is None or new <= old:
        return None
    allowed = max(old * factor, old + increase)
    return {"old": old, "new": new, "factor": f"{factor:g}", "increase": increase} if new > allowed else None


def _replicas_over(f: _Facts, limit: int) -> dict[str, Any] | None:
    new = f.new_replicas
    return {"new": new, "limit": limit} if new is not None and new > limit and new != f.old_replicas else None


def _sensitive_change(f: _Facts, paths: list[str], when_set: bool = False) -> dict[str, Any] | None:
    """Fires when a value at one of ``paths`` differs between before and after (``when_set``: and is now truthy).

    Paths are JSON pointers where ``*`` matches any key or list index, ``{podspec}`` is where the pod spec sits
    for the kind and ``{containers}`` any of the container lists, so a patch that replaces a whole subtree (the
    containers list, the pod spec) is judged by what it leaves behind, not by how it is spelled.
    """
    if f.after is None:
        return None
    for pattern in paths:
        for parts in expand_path(pattern, f.kind):
            old, new = select(f.before, parts), select(f.after, parts)
            for path in sorted(set(old) | set(new)):
                value = new.get(path, _MISSING)
                if old.get(path, _MISSING) != value and (not when_set or (value is not _MISSING and value)):
                    return {"path": path, "value": REMOVED if value is _MISSING else _short(value)}
    return None


def _outside_safe_changes(f: _Facts) -> dict[str, Any] | None:
    """Fires when the plan changes anything the allow-list (``safe_changes``) does not name: high unless known safe."""
    if f.after is None or f.rules is None:
        return None
    found = outside(f.kind, f.before, f.after, f.rules.safe_changes, f.revision_templates)
    if found is None:
        return None
    path, value = found
    what = next((text for pattern, text in f.rules.describe.items()
                 if any(_prefix(p, path) for p in expand(pattern, f.kind))), "risk_what_unknown")
    return {"path": path, "value": REMOVED if value is None else _short(value),
            "what": Phrase(key=what) if has(what) else what}


def _prefix(pattern: list[str], path: str) -> bool:
    parts = path.strip("/").split("/")
    return len(parts) >= len(pattern) and all(w in ("*", p) for w, p in zip(pattern, parts, strict=False))


def _target_not_requested(f: _Facts) -> dict[str, Any] | None:
    if f.expected_targets is None:
        return None
    asked = [(str(w.kind), str(w.namespace or ""), str(w.name)) for w in f.expected_targets]
    if (f.kind, f.namespace or "", f.name) in asked:
        return None
    return {"asked": ", ".join(f"{k} {ns}/{n}" for k, ns, n in asked) or Phrase(key="risk_asked_nothing")}


_MISSING = object()
REMOVED = Phrase(key="risk_value_removed")  # a value the change removes
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def expand_path(pattern: str, kind: str) -> list[list[str]]:
    podspec = "spec" if kind == "Pod" else "spec/template/spec"
    text = pattern.replace("{podspec}", podspec).strip("/")
    variants = [text.replace("{containers}", c) for c in _CONTAINER_LISTS] if "{containers}" in text else [text]
    return [v.split("/") for v in variants]


def select(doc: Any, parts: list[str], prefix: str = "") -> dict[str, Any]:
    """Every value at the path ``parts`` (``*`` matches any key or index), by its concrete JSON pointer."""
    if not parts:
        return {prefix: doc}
    head, rest = parts[0], parts[1:]
    if isinstance(doc, dict):
        keys = list(doc) if head == "*" else [head] if head in doc else []
        items = [(str(k), doc[k]) for k in keys]
    elif isinstance(doc, list):
        items = [(str(i), v) for i, v in enumerate(doc)] if head == "*" else (
            [(head, doc[int(head)])] if head.isdigit() and int(head) < len(doc) else [])
    else:
        return {}
    found: dict[str, Any] = {}
    for key, child in items:
        found.update(select(child, rest, f"{prefix}/{key.replace('~', '~0').replace('/', '~1')}"))
    return found


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


CONDITIONS: dict[str, Callable[..., dict[str, Any] | None]] = {
    "replicas_scale_up_over": _replicas_scale_up_over,
    "replicas_over": _replicas_over,
    "sensitive_change": _sensitive_change,
    "outside_safe_changes": _outside_safe_changes,
    "target_not_requested": _target_not_requested,
    "production_namespace": _production_namespace,
    "action_in": _action_in,
    "replicas_to_zero": _replicas_to_zero,
    "replicas_ratio_over": _replicas_ratio_over,
    "field_changed": _field_changed,
    "resource_decrease": _resource_decrease,
    "no_rollback": _no_rollback,
    "prompt_risk_tier": _prompt_risk_tier,
    "pods_affected_at_least": _pods_affected_at_least,
}
