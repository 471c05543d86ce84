"""What a plan changes, in Kubernetes terms: leaf-level before/after values with the container they belong to.

Patches may replace whole sub-objects (``add /spec/template/spec/containers/0/resources``); summaries and risk
rules need the leaves ("memory limit 64Mi → 256Mi"), so each op's subtree is flattened and compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubecopilot.plans.patches import PatchConflict, after_of, apply_ops, concrete_path, pointer, pointer_parts, resolve

_MISSING = object()
RESTART_ANNOTATION = "kubectl.kubernetes.io/restartedAt"


@dataclass(frozen=True)
class LeafChange:
    path: str
    before: Any  # None when the leaf did not exist
    after: Any  # None when the leaf is removed
    container: str | None = None  # the container this leaf belongs to, by name
    field: str = ""  # "image", "limits.memory", "requests.cpu", "replicas", "restartedAt", or "" (other)


def containers_base(kind: str) -> list[str]:
    """Where the containers list sits for a kind (a Pod has no template)."""
    return ["spec", "containers"] if kind == "Pod" else ["spec", "template", "spec", "containers"]


def container_index(obj: dict[str, Any], kind: str, name: str) -> int:
    containers = resolve(obj, pointer(*containers_base(kind)), []) or []
    for index, container in enumerate(containers):
        if container.get("name") == name:
            return index
    names = ", ".join(c.get("name", "?") for c in containers) or "none"
    raise KeyError(f"{kind} {obj.get('metadata', {}).get('name')} has no container {name!r} (containers: {names})")


def leaf_changes(plan: Any) -> list[LeafChange]:
    before = plan.diff.before or {}
    after = after_of(plan)
    if after is None:
        return []
    seen: dict[str, LeafChange] = {}
    state = before
    for op in plan.diff.patch:
        path = concrete_path(state, op.path)  # "/-" appends: compare at the index the value lands at
        if op.op != "test":
            state = _applied(state, op, path)
        else:
            continue
        old_leaves = _flatten(resolve(before, path, _MISSING), path)
        new_leaves = _flatten(resolve(after, path, _MISSING), path)
        for path in sorted(set(old_leaves) | set(new_leaves)):
            old, new = old_leaves.get(path), new_leaves.get(path)
            if old != new and path not in seen:
                seen[path] = _describe(plan.resource.kind, before, after, path, old, new)
    return list(seen.values())


def _applied(state: dict[str, Any], op: Any, path: str) -> dict[str, Any]:
    try:
        return apply_ops(state, [{**op.model_dump(mode="json"), "path": path}])
    except PatchConflict:
        return state


def _flatten(value: Any, path: str) -> dict[str, Any]:
    if value is _MISSING:
        return {}
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, child in value.items():
            out.update(_flatten(child, f"{path}/{_escape(key)}"))
        return out
    return {path: value}


def _escape(key: str) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _describe(kind: str, before: dict[str, Any], after: dict[str, Any], path: str, old: Any, new: Any) -> LeafChange:
    parts = pointer_parts(path)
    base = containers_base(kind)
    container, field = None, ""
    if parts[: len(base)] == base and len(parts) > len(base):
        index = parts[len(base)]
        entry = resolve(before, pointer(*base, index)) or resolve(after, pointer(*base, index)) or {}
        container = entry.get("name") if isinstance(entry, dict) else None
        rest = parts[len(base) + 1:]
        if rest == ["image"]:
            field = "image"
        elif len(rest) == 3 and rest[0] == "resources" and rest[1] in ("limits", "requests"):
            field = f"{rest[1]}.{rest[2]}"
    elif parts == ["spec", "replicas"]:
        field = "replicas"
    elif parts == ["spec", "template", "metadata", "annotations", RESTART_ANNOTATION]:
        field = "restartedAt"
    return LeafChange(path=path, before=old, after=new, container=container, field=field)
