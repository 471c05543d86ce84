"""Helpers shared by the operations: the registry, lookups with the API server's errors, list envelopes,
and the one place Secret values are removed from anything a tool returns.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from kubecopilot.sandbox import kinds
from kubecopilot.sandbox.admission import prepare
from kubecopilot.sandbox.errors import NotFound
from kubecopilot.sandbox.selectors import Selector
from kubecopilot.sandbox.store import Obj

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster

Operation = Callable[..., Any]
OPERATIONS: dict[str, Operation] = {}
REDACTED = "<redacted>"


F = TypeVar("F", bound=Operation)


def operation(fn: F) -> F:
    """Register ``fn`` as the implementation of the tool with the same name."""
    OPERATIONS[fn.__name__] = fn
    return fn


def require(c: Cluster, kind: str, name: str, namespace: str | None = None) -> Obj:
    """The stored object, or NotFound naming the missing namespace first (the more useful message)."""
    if namespace is not None and kinds.by_kind(kind).namespaced:
        c.require_namespace(namespace)
    return c.store.require(kind, name, namespace)


def listed(c: Cluster, kind: str, namespace: str | None = None, label_selector: str | None = None,
           where: Callable[[Obj], bool] | None = None) -> dict[str, Any]:
    if namespace:
        c.require_namespace(namespace)
    selector = Selector.parse(label_selector) if label_selector else None
    items = [o for o in c.store.list(kind, namespace, selector) if where is None or where(o)]
    return envelope(c, kind, items)


def envelope(c: Cluster, kind: str, items: list[Obj]) -> dict[str, Any]:
    k = kinds.by_kind(kind)
    return {
        "apiVersion": k.api_version,
        "kind": k.list_kind,
        "metadata": {"resourceVersion": str(c.store.revision)},
        "items": [export(o) for o in items],
    }


def export(obj: Obj, redacted: str = REDACTED) -> Obj:
    """What a tool may hand out: Secret values never leave the sandbox (each reads ``redacted``). Other objects are
    returned as stored — every caller renders them to JSON at once — since copying each of thousands of listed pods
    is the bulk of a large list's cost (the cluster scan lists them all)."""
    if obj.get("kind") != "Secret":
        return obj
    out = copy.deepcopy(obj)
    out["data"] = {key: redacted for key in out.get("data") or {}}
    out.pop("stringData", None)
    return out


def written(message: str, obj: Obj) -> dict[str, Any]:
    return {"message": message, "object": export(obj)}


def deleted(message: str, obj: Obj) -> dict[str, Any]:
    meta = obj["metadata"]
    details = {"kind": obj["kind"], "name": meta["name"], "uid": meta.get("uid")}
    if meta.get("namespace"):
        details["namespace"] = meta["namespace"]
    return {"message": message, "deleted": details}


def find_container(obj: Obj, container: str | None, pod_spec: dict[str, Any] | None = None) -> dict[str, Any]:
    """A container of a pod spec by name; with no name, the default-container annotation or the first one."""
    spec = pod_spec if pod_spec is not None else obj["spec"]
    containers: list[dict[str, Any]] = spec.get("containers") or []
    if container is None:
        default = (obj["metadata"].get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
        return next((c for c in containers if c["name"] == default), containers[0])
    for c in containers:
        if c["name"] == container:
            return c
    names = " ".join(c["name"] for c in containers)
    raise NotFound(f'container "{container}" not found in {obj["kind"].lower()} "{obj["metadata"]["name"]}"',
                   hint=f"choose one of: [{names}]")


def replace(c: Cluster, changed: Obj) -> Obj:
    """Admit and store a changed copy of an existing object, reconcile, and return the stored result."""
    meta = changed["metadata"]
    existing = c.store.require(changed["kind"], meta["name"], meta.get("namespace"))
    c.store.update(prepare(c, changed, existing=existing))
    c.reconcile()
    return c.store.require(changed["kind"], meta["name"], meta.get("namespace"))
