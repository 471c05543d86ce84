"""Route one REST call to its handler and shape reads (JSON, Table, PartialObjectMetadata). Everything here runs
with the ClusterSet's lock held (``handle``), in a worker thread of the server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubecopilot.sandbox import kinds
from kubecopilot.sandbox.errors import NotFound
from kubecopilot.sandbox.kubeapi import discovery, extras, writes
from kubecopilot.sandbox.kubeapi.fields import FieldSelector
from kubecopilot.sandbox.kubeapi.objects import Call, MethodNotAllowed, Obj, Reply, export, list_of, wants
from kubecopilot.sandbox.kubeapi.tables import table
from kubecopilot.sandbox.selectors import Selector

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster
    from kubecopilot.sandbox.world import ClusterSet


def handle(world: ClusterSet, cluster_name: str, call: Call) -> Reply:
    with world.lock:
        c = world.cluster(cluster_name)
        return _route(c, call)


def _route(c: Cluster, call: Call) -> Reply:
    path = call.path
    gv = path.group_version
    if gv == discovery.AUTHORIZATION and call.method == "POST" and path.name is None:
        return extras.access_review(call)
    if gv == discovery.METRICS and call.method == "GET":
        return extras.pod_metrics(c, call) if path.resource == "pods" else extras.node_metrics(c, call)
    if gv == discovery.EVENTS and path.resource == "events" and call.method == "GET":
        return _read(c, kinds.by_kind("Event"), call, convert=extras.events_v1)
    k = discovery.stored_kind(gv, path.resource)
    if k is None or (path.namespace is not None and not k.namespaced):
        raise NotFound(f"the server could not find the requested resource ({call.method} {path.resource})")
    if path.subresource is not None:
        return _subresource(c, k, call)
    return _resource(c, k, call)


def _resource(c: Cluster, k: kinds.Kind, call: Call) -> Reply:
    name, method = call.path.name, call.method
    if method == "GET":
        return _read(c, k, call)
    if name is None and method == "POST":
        return writes.transaction(c, call, lambda: writes.create(c, k, call))
    if name is not None and method == "PUT":
        return writes.transaction(c, call, lambda: writes.update(c, k, call, name))
    if name is not None and method == "PATCH":
        return writes.transaction(c, call, lambda: writes.patch(c, k, call, name))
    if name is not None and method == "DELETE":
        return writes.transaction(c, call, lambda: writes.delete(c, k, call, name))
    raise MethodNotAllowed(f"the server does not allow this method on the requested resource ({method} {k.resource})")


def _subresource(c: Cluster, k: kinds.Kind, call: Call) -> Reply:
    sub, name = call.path.subresource, call.path.name
    assert name is not None
    if sub == "log" and k.kind == "Pod" and call.method == "GET":
        return extras.pod_log(c, call, name)
    if sub == "scale" and k.plural in discovery.SCALABLE:
        return writes.transaction(c, call, lambda: writes.scale(c, k, call, name))
    if sub == "status" and k.plural in discovery.WITH_STATUS:
        if call.method == "GET":
            return _read(c, k, call)
        raise MethodNotAllowed(f"{k.resource}/status is computed by the sandbox's controllers; it cannot be written")
    raise NotFound(f"the server could not find the requested resource ({call.method} {k.plural}/{sub})")


def selected(c: Cluster, k: kinds.Kind, namespace: str | None, query: dict[str, str] | Any) -> list[Obj]:
    """The objects a list (or watch) names: namespace, ``labelSelector`` and ``fieldSelector``."""
    labels = Selector.parse(query.get("labelSelector")) if query.get("labelSelector") else None
    fields = FieldSelector.parse(query.get("fieldSelector"))
    ns = namespace if k.namespaced else None
    return [o for o in c.store.list(k.kind, ns, labels) if fields.matches(o)]


def _read(c: Cluster, k: kinds.Kind, call: Call, convert: Any = None) -> Reply:
    name = call.path.name
    if name is not None:
        items = [c.store.require(k.kind, name, call.path.namespace if k.namespaced else None)]
    else:
        items = selected(c, k, call.path.namespace, call.query)
    items = [export(o) for o in items]
    if convert is not None:
        items = [convert(o) for o in items]
    return Reply(200, shape(c, k, call, items, single=name is not None))


def shape(c: Cluster, k: kinds.Kind, call: Call, items: list[Obj], single: bool, headers: bool = True) -> Obj:
    """JSON, a Table, or PartialObjectMetadata(List), as the Accept header asks."""
    version = str(c.store.revision)
    if wants(call.accept, "Table"):
        kind = k.kind if call.path.group_version == k.api_version else f"{call.path.group_version}/{k.kind}"
        return table(kind, items, c.now(), version, call.query.get("includeObject", "Metadata"), headers)
    if wants(call.accept, "PartialObjectMetadataList") or wants(call.accept, "PartialObjectMetadata"):
        partial = [{"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]} for o in items]
        if single:
            return partial[0]
        return {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": version},
                "items": partial}
    if single:
        return items[0]
    envelope = list_of(k, c, items)
    if call.path.group_version != k.api_version:
        envelope["apiVersion"] = call.path.group_version
    return envelope
