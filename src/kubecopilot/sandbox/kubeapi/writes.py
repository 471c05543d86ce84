"""Writes through the REST API, on the sandbox's own machinery: admission (``admission.prepare``), the store, and
the same operations the MCP write tools run (``patch_resource``, ``scale_deployment``, ``delete_resource`` …), so a
write has the same effects either way: controllers reconcile at once, resourceVersions bump, events are recorded.

A failed write leaves the cluster as it was (it runs on a snapshot, as ``ClusterSet.call`` does for the tools);
``dryRun=All`` runs the write and then restores the snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kubecopilot.sandbox import kinds
from kubecopilot.sandbox.admission import prepare
from kubecopilot.sandbox.errors import BadRequest, Conflict
from kubecopilot.sandbox.kubeapi.objects import Call, MethodNotAllowed, Obj, Reply, UnsupportedMediaType, export
from kubecopilot.sandbox.kubeapi.smp import merge_diff, strategic_merge
from kubecopilot.sandbox.objects import random_suffix
from kubecopilot.sandbox.ops import OPERATIONS
from kubecopilot.sandbox.ops.common import replace
from kubecopilot.sandbox.selectors import Selector
from kubecopilot.sandbox.timeutil import stamp

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, APPLY_PATCH)


def transaction(c: Cluster, call: Call, write: Callable[[], Reply]) -> Reply:
    """Run ``write`` all or nothing; with ``dryRun=All`` nothing stays either. The caller holds the world's lock."""
    state = c.snapshot()
    try:
        reply = write()
    except BaseException:
        c.restore(state)
        raise
    if call.dry_run():
        c.restore(state)
    return reply


def _stored(c: Cluster, k: kinds.Kind, name: str, namespace: str | None) -> Obj:
    return c.store.require(k.kind, name, namespace if k.namespaced else None)


def _check_identity(k: kinds.Kind, body: Obj, call: Call, name: str | None) -> Obj:
    body.setdefault("apiVersion", k.api_version)
    body.setdefault("kind", k.kind)
    if body["kind"] != k.kind:
        raise BadRequest(f"the object kind {body['kind']} does not match the resource {k.resource}")
    meta = body.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise BadRequest("metadata must be an object")
    if k.namespaced:
        if meta.get("namespace") not in (None, "", call.path.namespace):
            raise BadRequest("the namespace of the provided object does not match the namespace sent on the request")
        meta["namespace"] = call.path.namespace
    if name is not None and meta.get("name") not in (None, name):
        raise BadRequest("the name of the object does not match the name on the URL")
    if name is not None:
        meta["name"] = name
    return body


def create(c: Cluster, k: kinds.Kind, call: Call, body: Obj | None = None) -> Reply:
    obj = _check_identity(k, body if body is not None else call.object_body(), call, None)
    meta = obj["metadata"]
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = f"{meta['generateName']}{random_suffix(c.rng)}"
    if k.kind == "Node":
        raise BadRequest(f'nodes "{meta.get("name")}" cannot be created here: nodes register through their kubelet')
    stored = c.store.create(prepare(c, obj))
    c.reconcile()
    return Reply(201, export(_stored(c, k, stored["metadata"]["name"], stored["metadata"].get("namespace"))))


def update(c: Cluster, k: kinds.Kind, call: Call, name: str) -> Reply:
    obj = _check_identity(k, call.object_body(), call, name)
    current = _stored(c, k, name, call.path.namespace)
    _precondition(k, name, current, obj["metadata"].get("resourceVersion"))
    return Reply(200, export(replace(c, obj)))


def _precondition(k: kinds.Kind, name: str, current: Obj, resource_version: Any) -> None:
    if resource_version not in (None, "") and str(resource_version) != current["metadata"]["resourceVersion"]:
        raise Conflict(f'Operation cannot be fulfilled on {k.resource} "{name}": the object has been modified; '
                       "please apply your changes to the latest version and try again")


def patched(current: Obj, content_type: str, patch: Any) -> Obj:
    """``current`` with a strategic-merge, merge or JSON patch applied (JSON patch via the ``jsonpatch`` library)."""
    import jsonpatch

    if content_type == JSON_PATCH:
        try:
            result: Obj = jsonpatch.JsonPatch(patch).apply(current)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, AttributeError) as exc:
            raise BadRequest(f"the patch does not apply: {exc}") from None
        return result
    if not isinstance(patch, dict):
        raise BadRequest("a merge or strategic merge patch must be a JSON object")
    if content_type == MERGE_PATCH:
        from kubecopilot.sandbox.ops.generic import merge_patch

        merged: Obj = merge_patch(current, patch)
        return merged
    return dict(strategic_merge(current, patch))


def patch(c: Cluster, k: kinds.Kind, call: Call, name: str) -> Reply:
    content_type = call.content_type.split(";")[0].strip()
    if content_type not in PATCH_TYPES:
        raise UnsupportedMediaType(f'the body of the request was in an unknown format - accepted media types include: {", ".join(PATCH_TYPES)}')
    namespace = call.path.namespace if k.namespaced else None
    if content_type == APPLY_PATCH:
        return _server_side_apply(c, k, call, name)
    current = c.store.get(k.kind, name, namespace)
    document = call.json_body()
    if content_type == JSON_PATCH:
        if not isinstance(document, list):
            raise BadRequest("a JSON patch must be an array of RFC 6902 operations")
        OPERATIONS["patch_resource"](c, kind=k.kind, name=name, namespace=namespace, patch=document, patch_type="json")
    else:
        changes = merge_diff(current, patched(current, content_type, document))
        OPERATIONS["patch_resource"](c, kind=k.kind, name=name, namespace=namespace, patch=changes, patch_type="merge")
    return Reply(200, export(_stored(c, k, name, namespace)))


def _server_side_apply(c: Cluster, k: kinds.Kind, call: Call, name: str) -> Reply:
    """Server-side apply, approximated: the applied configuration is merged into the object (lists by their merge
    keys) and its manager recorded in managedFields; fields a manager stops applying are kept, and there is no
    conflict detection between managers."""
    applied = _check_identity(k, call.object_body(), call, name)
    namespace = call.path.namespace if k.namespaced else None
    manager = call.query.get("fieldManager") or "unknown"
    current = c.store.peek(k.kind, name, namespace)
    if current is None:
        create(c, k, call, dict(applied))
        status = 201
    else:
        changes = merge_diff(current, strategic_merge(current, applied))
        changes.pop("status", None)
        OPERATIONS["patch_resource"](c, kind=k.kind, name=name, namespace=namespace, patch=changes, patch_type="merge")
        status = 200
    _record_manager(c, k, name, namespace, manager, applied)
    return Reply(status, export(_stored(c, k, name, namespace)))


def _record_manager(c: Cluster, k: kinds.Kind, name: str, namespace: str | None, manager: str, applied: Obj) -> None:
    obj = c.store.get(k.kind, name, namespace)
    entries = [e for e in obj["metadata"].get("managedFields") or () if e.get("manager") != manager]
    entries.append({"manager": manager, "operation": "Apply", "apiVersion": k.api_version, "time": stamp(c.now()),
                    "fieldsType": "FieldsV1", "fieldsV1": _fields(
                        {key: value for key, value in applied.items() if key not in ("apiVersion", "kind")})})
    obj["metadata"]["managedFields"] = entries
    c.store.update(obj)


def _fields(value: Any) -> Obj:
    """FieldsV1 of an applied configuration, minimally: every map key it sets, as ``f:<key>``."""
    if not isinstance(value, dict):
        return {}
    return {f"f:{key}": _fields(inner) for key, inner in value.items() if key not in ("resourceVersion", "uid")}


def delete(c: Cluster, k: kinds.Kind, call: Call, name: str) -> Reply:
    options = call.json_body() or {}
    if not isinstance(options, dict):
        raise BadRequest("the request body must be DeleteOptions")
    obj = _stored(c, k, name, call.path.namespace)
    pre = options.get("preconditions") or {}
    _precondition(k, name, obj, pre.get("resourceVersion"))
    if pre.get("uid") and pre["uid"] != obj["metadata"].get("uid"):
        raise Conflict(f'Precondition failed: UID in precondition: {pre["uid"]}, UID in object meta: {obj["metadata"].get("uid")}')
    propagation = call.query.get("propagationPolicy") or options.get("propagationPolicy") or "Background"
    if propagation == "Orphan":
        _orphan_dependents(c, obj["metadata"]["uid"])
    OPERATIONS["delete_resource"](c, kind=k.kind, name=name, namespace=obj["metadata"].get("namespace"))
    return Reply(200, export(obj))


def _orphan_dependents(c: Cluster, uid: str) -> None:
    # Store.all, not Store.owned_by: the latter's annotation names the Store.list method, not the builtin.
    for dependent in [o for o in c.store.all() if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences") or ())]:
        meta = dependent["metadata"]
        changed = c.store.get(dependent["kind"], meta["name"], meta.get("namespace"))
        changed["metadata"]["ownerReferences"] = [r for r in meta["ownerReferences"] if r.get("uid") != uid]
        if not changed["metadata"]["ownerReferences"]:
            del changed["metadata"]["ownerReferences"]
        c.store.update(changed)


# --- the scale subresource ------------------------------------------------------------------------------------------


def scale_of(obj: Obj) -> Obj:
    meta = obj["metadata"]
    return {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {key: meta[key] for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if key in meta},
        "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 1)},
        "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                   "selector": _selector_text(Selector.from_spec((obj.get("spec") or {}).get("selector")))},
    }


def _selector_text(selector: Selector) -> str:
    parts = []
    for r in selector.requirements:
        if r.op == "In" and len(r.values) == 1:
            parts.append(f"{r.key}={r.values[0]}")
        elif r.op in ("In", "NotIn"):
            parts.append(f"{r.key} {r.op.lower()} ({','.join(r.values)})")
        else:
            parts.append(r.key if r.op == "Exists" else f"!{r.key}")
    return ",".join(parts)


def scale(c: Cluster, k: kinds.Kind, call: Call, name: str) -> Reply:
    obj = _stored(c, k, name, call.path.namespace)
    current = scale_of(obj)
    if call.method == "GET":
        return Reply(200, current)
    if call.method == "PUT":
        wanted = call.object_body()
    elif call.method == "PATCH":
        content_type = call.content_type.split(";")[0].strip()
        wanted = patched(current, MERGE_PATCH if content_type == APPLY_PATCH else content_type, call.json_body())
    else:
        raise MethodNotAllowed(f"the server does not allow this method on the requested resource ({call.method} {k.plural}/scale)")
    _precondition(k, name, obj, (wanted.get("metadata") or {}).get("resourceVersion"))
    replicas = (wanted.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise BadRequest(f'Scale.autoscaling "{name}" is invalid: spec.replicas: Invalid value: {replicas!r}: must be a non-negative integer')
    _set_replicas(c, k, obj, replicas)
    return Reply(200, scale_of(_stored(c, k, name, call.path.namespace)))


def _set_replicas(c: Cluster, k: kinds.Kind, obj: Obj, replicas: int) -> None:
    name, namespace = obj["metadata"]["name"], obj["metadata"]["namespace"]
    if k.kind == "Deployment":
        OPERATIONS["scale_deployment"](c, namespace=namespace, deployment_name=name, replicas=replicas)
    elif k.kind == "StatefulSet":
        OPERATIONS["scale_statefulset"](c, namespace=namespace, statefulset_name=name, replicas=replicas)
    else:
        changed = c.store.get(k.kind, name, namespace)
        changed["spec"]["replicas"] = replicas
        replace(c, changed)
