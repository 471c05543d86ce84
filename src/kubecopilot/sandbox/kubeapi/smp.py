"""Strategic merge patch (``application/strategic-merge-patch+json``), as the API server applies it to the
built-in kinds, and the RFC 7386 merge patch that takes an object from one state to another.

Maps merge recursively and ``null`` deletes, as in a JSON merge patch. Lists are replaced, except those the Kubernetes
types declare with ``patchStrategy: merge``: their elements are matched by ``patchMergeKey`` (``MERGE_KEYS``) and
merged one by one, so ``{"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "x"}]}}}}`` changes
one container and keeps the others. kubectl's directives are understood: ``$patch: replace|delete``,
``$retainKeys``, ``$setElementOrder/<list>`` and ``$deleteFromPrimitiveList/<list>``.
"""

from __future__ import annotations

import copy
from typing import Any

from kubecopilot.sandbox.errors import BadRequest

# field name → merge key(s) from the Kubernetes Go types (`patchMergeKey`); a field name means the same list in
# every kind the sandbox serves, except `ports`: containerPort in a container, port in a Service.
MERGE_KEYS: dict[str, tuple[str, ...]] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "ports": ("containerPort", "port"),
    "volumes": ("name",),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "imagePullSecrets": ("name",),
    "conditions": ("type",),
    "ownerReferences": ("uid",),
    "taints": ("key",),
    "hostAliases": ("ip",),
    "resourceClaims": ("name",),
    "topologySpreadConstraints": ("topologyKey",),
}
# Lists of scalars with patchStrategy merge: a patch adds its values to the stored ones.
PRIMITIVE_MERGE = frozenset({"finalizers"})

_ORDER = "$setElementOrder/"
_DELETE_FROM = "$deleteFromPrimitiveList/"


def strategic_merge(original: Any, patch: Any) -> Any:
    """``original`` with ``patch`` applied; neither argument is modified."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if directive not in (None, "merge"):
        raise BadRequest(f'unknown patch directive "$patch: {directive}" for a map')
    result: dict[str, Any] = copy.deepcopy(original) if isinstance(original, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list):
            result[key] = _merge_list(key, result.get(key), value)
        elif isinstance(value, dict):
            if value.get("$patch") == "delete":
                result.pop(key, None)
            else:
                result[key] = strategic_merge(result.get(key), value)
        else:
            result[key] = value
    _apply_directives(result, patch)
    return result


def _apply_directives(result: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if key.startswith(_DELETE_FROM) and isinstance(result.get(field := key[len(_DELETE_FROM):]), list):
            result[field] = [v for v in result[field] if v not in value]
        elif key.startswith(_ORDER) and isinstance(result.get(field := key[len(_ORDER):]), list):
            result[field] = _ordered(field, result[field], value)
    retain = patch.get("$retainKeys")
    if isinstance(retain, list):
        for key in [k for k in result if k not in retain]:
            del result[key]


def _merge_list(field: str, original: Any, patch: list[Any]) -> list[Any]:
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch):
        return [copy.deepcopy(i) for i in patch if not (isinstance(i, dict) and "$patch" in i)]
    current = list(original) if isinstance(original, list) else []
    if field in PRIMITIVE_MERGE:
        return current + [v for v in patch if v not in current]
    key = merge_key(field, patch)
    if key is None:
        return copy.deepcopy(patch)
    merged = [copy.deepcopy(item) for item in current]
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            raise BadRequest(f"map: {item!r} does not contain declared merge key: {key}")
        at = next((i for i, old in enumerate(merged) if isinstance(old, dict) and old.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if at is not None:
                del merged[at]
        elif at is None:
            merged.append(strategic_merge({}, item))
        else:
            merged[at] = strategic_merge(merged[at], item)
    return merged


def merge_key(field: str, items: list[Any]) -> str | None:
    """The patchMergeKey of list ``field``, or None when the list is replaced as a whole."""
    candidates = MERGE_KEYS.get(field, ())
    if not candidates or not all(isinstance(i, dict) for i in items):
        return None
    for key in candidates:
        if all(key in i for i in items if i.get("$patch") != "replace"):
            return key
    return candidates[0]


def _ordered(field: str, values: list[Any], order: list[Any]) -> list[Any]:
    """Reorder as ``$setElementOrder`` lists them; elements it does not name keep their place after those."""
    key = merge_key(field, [o for o in order if isinstance(o, dict)] or values)

    def identity(item: Any) -> Any:
        return item.get(key) if key is not None and isinstance(item, dict) else item

    wanted = [identity(o) for o in order]
    listed = sorted((v for v in values if identity(v) in wanted), key=lambda v: wanted.index(identity(v)))
    return listed + [v for v in values if identity(v) not in wanted]


def merge_diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The RFC 7386 merge patch that turns ``old`` into ``new`` (lists are replaced whole)."""
    patch: dict[str, Any] = {key: None for key in old if key not in new}
    for key, value in new.items():
        before = old.get(key)
        if key in old and before == value:
            continue
        if isinstance(before, dict) and isinstance(value, dict):
            patch[key] = merge_diff(before, value)
        else:
            patch[key] = copy.deepcopy(value)
    return patch
