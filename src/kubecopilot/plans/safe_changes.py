"""The allow-list of known-safe changes: every value a plan changes must be on it, or the plan is high risk.

A plan is compared as before → after (status and server bookkeeping left out), leaf by leaf, however its patch is
spelled (one big ``replace`` of the pod spec, an append with ``/-`` …). Each changed leaf must match a ``safe_changes``
entry of ``risk_rules.yaml`` — a path pattern (``*`` any key or index, ``{podspec}``, ``{containers}``, ``{template}``)
and a check on the new value:

- ``any``: the path alone is enough (replicas — bounded by their own rules —, the restart annotation);
- ``quantity_within``: a CPU/memory quantity no more than ``max_factor`` × the old value (or ``floor`` when that is
  more) and at most ``max``; a new quantity counts from zero; removing one is not within bounds;
- ``known_image``: an image this workload already ran (its current pod template, or a revision it owns by uid);
- ``pattern``: a string matching ``regex`` (an HTTP probe's path: a plain URL path, nothing to execute), with
  ``replace_only`` where only a change of an existing value is known (a new probe is not a new path).

A pod template that becomes exactly one of the workload's own revisions (``kubectl rollout undo``) is known too.
Everything else — probes' commands, lifecycle hooks, env, volumes, security context, metadata, images never run
here, fields KubeCopilot does not know — is not, and ``outside`` names the first such leaf.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kubecopilot.plans.patches import without_status
from kubecopilot.quantity import parse_quantity

HASH_LABEL = "pod-template-hash"
_MISSING = object()


class SafeChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    paths: list[str]
    check: Literal["any", "quantity_within", "known_image", "pattern"] = "any"
    params: dict[str, Any] = Field(default_factory=dict)


def changed_leaves(before: Any, after: Any) -> dict[str, tuple[Any, Any]]:
    """Every leaf (scalar, or empty map or list) whose value differs, by JSON pointer: (old, new), None if absent."""
    old, new = _leaves(before), _leaves(after)
    return {path: (old.get(path), new.get(path)) for path in sorted(set(old) | set(new))
            if old.get(path, _MISSING) != new.get(path, _MISSING)}


def _leaves(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping) and value:
        return {p: v for key, child in value.items() for p, v in _leaves(child, f"{path}/{_escape(key)}").items()}
    if isinstance(value, list) and value:
        return {p: v for index, child in enumerate(value) for p, v in _leaves(child, f"{path}/{index}").items()}
    return {path: value}


def outside(kind: str, before: Mapping[str, Any], after: Mapping[str, Any], safe: Sequence[SafeChange],
            revision_templates: Iterable[Mapping[str, Any]] = ()) -> tuple[str, Any] | None:
    """The first changed leaf that is not a known-safe change, with its new value; None when every one is."""
    leaves = changed_leaves(without_status(before), without_status(after))
    template = "/spec/template"
    if kind != "Pod" and _is_a_revision((after.get("spec") or {}).get("template"), revision_templates):
        leaves = {p: v for p, v in leaves.items() if not (p == template or p.startswith(template + "/"))}
    known = known_images(before, revision_templates)
    for path, (old, new) in leaves.items():
        if not any(_allows(entry, kind, path, old, new, known) for entry in safe):
            return path, new
    return None


def known_images(before: Mapping[str, Any], revision_templates: Iterable[Mapping[str, Any]]) -> set[str]:
    """Images this workload already ran: in its pod template now, or in a pod template of one of its revisions."""
    templates = [(before.get("spec") or {}).get("template") or {}, *revision_templates]
    if before.get("kind") == "Pod":
        templates.append(before)
    images: set[str] = set()
    for template in templates:
        spec = template.get("spec") or {}
        for key in ("containers", "initContainers"):
            images.update(str(c.get("image")) for c in spec.get(key) or [] if c.get("image"))
    return images


def matches(pattern: str, kind: str, path: str) -> bool:
    parts = path.strip("/").split("/")
    return any(len(want) == len(parts) and all(w in ("*", p) for w, p in zip(want, parts, strict=True))
               for want in expand(pattern, kind))


def expand(pattern: str, kind: str) -> list[list[str]]:
    podspec = "spec" if kind == "Pod" else "spec/template/spec"
    text = pattern.replace("{podspec}", podspec).replace("{template}", "spec/template").strip("/")
    lists = ("containers", "initContainers", "ephemeralContainers")
    variants = [text.replace("{containers}", c) for c in lists] if "{containers}" in text else [text]
    return [v.split("/") for v in variants]


def _allows(entry: SafeChange, kind: str, path: str, old: Any, new: Any, known: set[str]) -> bool:
    if not any(matches(p, kind, path) for p in entry.paths):
        return False
    if entry.check == "any":
        return True
    if entry.check == "known_image":
        return isinstance(new, str) and new in known
    if entry.check == "pattern":
        if entry.params.get("replace_only") and old is None:
            return False  # a new value there (a new probe) is not the known-safe change of an existing one
        return isinstance(new, str) and re.fullmatch(str(entry.params["regex"]), new) is not None
    return _quantity_within(path.rsplit("/", 1)[-1], old, new, entry.params)


def _quantity_within(resource: str, old: Any, new: Any, bounds: Mapping[str, Any]) -> bool:
    new_q = parse_quantity(new) if new is not None else None
    if new_q is None or new_q < 0:
        return False  # removed, or not a quantity: unbounded or unknown
    old_q = parse_quantity(old) if old is not None else None
    ceiling = parse_quantity(str((bounds.get("max") or {}).get(resource, ""))) if bounds.get("max") else None
    floor = parse_quantity(str((bounds.get("floor") or {}).get(resource, "0"))) or Decimal(0)
    allowed = max((old_q or Decimal(0)) * Decimal(str(bounds.get("max_factor", 1))), floor)
    return new_q <= allowed and (ceiling is None or new_q <= ceiling)


def _is_a_revision(template: Any, revisions: Iterable[Mapping[str, Any]]) -> bool:
    if not isinstance(template, Mapping):
        return False
    mine = _comparable(template)
    return any(_comparable(other) == mine for other in revisions)


def _comparable(template: Mapping[str, Any]) -> Any:
    """A pod template as a revision compares: without the hash label its ReplicaSet adds."""
    meta = dict(template.get("metadata") or {})
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k != HASH_LABEL}
    return {**template, "metadata": {**meta, "labels": labels}}


def _escape(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")
