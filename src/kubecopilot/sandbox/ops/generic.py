"""Kind-agnostic tools: get, patch (RFC 6902 via jsonpatch, or RFC 7386 merge), apply and delete."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

import jsonpatch
import yaml

from kubecopilot.sandbox import controllers, kinds
from kubecopilot.sandbox.admission import invalid, prepare
from kubecopilot.sandbox.errors import BadRequest, Conflict
from kubecopilot.sandbox.ops.clusters import delete_namespace
from kubecopilot.sandbox.ops.common import deleted, export, listed, operation, replace, require
from kubecopilot.sandbox.store import Obj

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster

_IDENTITY = (("kind",), ("apiVersion",), ("metadata", "name"), ("metadata", "namespace"), ("metadata", "uid"))


def _lookup(c: Cluster, kind: str, name: str, namespace: str | None) -> tuple[kinds.Kind, Obj]:
    k = kinds.resolve(kind)
    ns = (namespace or "default") if k.namespaced else None
    return k, require(c, k.kind, name, ns)


@operation
def list_resources(c: Cluster, kind: str, namespace: str | None = None, label_selector: str | None = None) -> dict[str, Any]:
    k = kinds.resolve(kind)
    return listed(c, k.kind, namespace if k.namespaced else None, label_selector)


@operation
def get_resource(c: Cluster, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
    return export(_lookup(c, kind, name, namespace)[1])


@operation
def patch_resource(c: Cluster, kind: str, name: str, patch: Any, namespace: str | None = None,
                   patch_type: str = "json") -> dict[str, Any]:
    k, current = _lookup(c, kind, name, namespace)
    document = _parse_patch(patch, patch_type)
    patched = _apply_json_patch(current, document) if patch_type == "json" else merge_patch(current, document)
    for path in _IDENTITY:
        if _dig(patched, path) != _dig(current, path):
            raise invalid(current, ".".join(path), "Invalid value: field is immutable")
    wanted_rv = patched["metadata"].get("resourceVersion")
    if wanted_rv != current["metadata"]["resourceVersion"]:
        raise Conflict(f'Operation cannot be fulfilled on {k.resource} "{name}": the object has been modified; '
                       "please apply your changes to the latest version and try again")
    before = current["metadata"]["resourceVersion"]
    result = replace(c, patched)
    changed = result["metadata"]["resourceVersion"] != before
    return {"message": f"{k.resource}/{name} patched" + ("" if changed else " (no change)"), "object": export(result)}


def _parse_patch(patch: Any, patch_type: str) -> Any:
    if isinstance(patch, str):
        try:
            patch = json.loads(patch)
        except json.JSONDecodeError as exc:
            raise BadRequest(f"the patch is not valid JSON: {exc}") from None
    if patch_type == "json" and not isinstance(patch, list):
        raise BadRequest('a "json" patch must be an array of RFC 6902 operations, e.g. '
                         '[{"op": "replace", "path": "/spec/replicas", "value": 3}]; use patch_type "merge" for a partial object')
    if patch_type == "merge" and not isinstance(patch, dict):
        raise BadRequest('a "merge" patch must be a JSON object, e.g. {"spec": {"replicas": 3}}')
    return patch


def _apply_json_patch(obj: Obj, operations: list[Any]) -> Obj:
    """Apply operation by operation so the error names the one that failed; all or nothing."""
    doc = copy.deepcopy(obj)
    for index, op in enumerate(operations):
        label = f"{op.get('op')} {op.get('path')}" if isinstance(op, dict) else repr(op)
        try:
            doc = jsonpatch.JsonPatch([op]).apply(doc)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, AttributeError) as exc:
            raise BadRequest(f"the patch does not apply: operation {index} ({label}) failed: {exc}",
                             hint="nothing was changed") from None
    return doc


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _dig(obj: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


@operation
def apply_manifest(c: Cluster, manifest: str) -> dict[str, Any]:
    """Apply every document in order; ``ClusterSet.call`` rolls all of them back if one fails."""
    results = []
    for doc in _documents(manifest):
        k = kinds.resolve(str(doc.get("kind", "")), str(doc.get("apiVersion", "")) or None)
        meta = doc.get("metadata") or {}
        ns = (meta.get("namespace") or "default") if k.namespaced else None
        existing = c.store.peek(k.kind, str(meta.get("name", "")), ns)
        if k.kind == "Node" and existing is None:
            raise BadRequest(f'nodes "{meta.get("name")}" cannot be created here: nodes register through their kubelet')
        if existing is None:
            stored, action = c.store.create(prepare(c, doc)), "created"
        else:
            before = existing["metadata"]["resourceVersion"]
            c.store.update(prepare(c, doc, existing=existing))
            stored = c.store.require(k.kind, meta["name"], ns)
            action = "configured" if stored["metadata"]["resourceVersion"] != before else "unchanged"
        results.append({"kind": k.kind, "name": stored["metadata"]["name"], "namespace": ns, "action": action})
    c.reconcile()
    for entry in results:
        entry["resourceVersion"] = c.store.require(entry["kind"], entry["name"], entry["namespace"])["metadata"]["resourceVersion"]
    summary = ", ".join(f"{kinds.by_kind(r['kind']).resource}/{r['name']} {r['action']}" for r in results)
    return {"message": summary, "results": results}


def _documents(manifest: str) -> list[dict[str, Any]]:
    try:
        docs = [d for d in yaml.safe_load_all(manifest) if d is not None]
    except yaml.YAMLError as exc:
        raise BadRequest(f"the manifest is not valid YAML: {exc}".replace("\n", " ")) from None
    expanded: list[dict[str, Any]] = []
    for i, doc in enumerate(docs):
        if isinstance(doc, dict) and doc.get("kind") == "List":
            expanded.extend(doc.get("items") or [])
        elif isinstance(doc, dict):
            expanded.append(doc)
        else:
            raise BadRequest(f"document {i} of the manifest is not an object (got {type(doc).__name__})")
    if not expanded:
        raise BadRequest("the manifest holds no objects")
    for i, doc in enumerate(expanded):
        missing = [f for f in ("apiVersion", "kind") if not doc.get(f)] + ([] if (doc.get("metadata") or {}).get("name") else ["metadata.name"])
        if missing:
            raise BadRequest(f"document {i} of the manifest is missing {', '.join(missing)}")
    return expanded


@operation
def delete_resource(c: Cluster, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
    k = kinds.resolve(kind)
    if k.kind == "Namespace":
        return delete_namespace(c, name)
    _, obj = _lookup(c, kind, name, namespace)
    if k.kind == "Pod":
        controllers.delete_pod(c, obj)
    else:
        c.store.delete(k.kind, name, obj["metadata"].get("namespace"))
    if k.kind == "Node":
        for pod in c.store.list("Pod"):
            if pod["spec"].get("nodeName") == name:
                controllers.delete_pod(c, pod)
    c.reconcile()
    return deleted(f'{k.resource} "{name}" deleted', obj)


