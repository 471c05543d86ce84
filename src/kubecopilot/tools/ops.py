"""``ClusterOps``: what the plan executor needs from a cluster, mapped to the best tools the server has.

``apply_patch`` prefers a patch tool (an RFC 6902 JSON patch, or a merge patch when that is all the tool takes),
then a create-or-update of the full object, then a specific tool (scale when the patch only sets
``/spec/replicas``, restart when it only adds the ``restartedAt`` template annotation). Reads are always fresh:
the executor compares resourceVersions and must never see cached data. A server that cannot make a change at all is
found out when the plan is made (``planned_patch`` raises ``ChangeNotPossible``), before anyone is asked to approve.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

from kubecopilot.errors import ChangeNotPossible, ToolFailed
from kubecopilot.k8s import SERVER_OWNED_METADATA, labels_of, revisions_of, selector_matches, selector_query
from kubecopilot.tools.gate import Approval
from kubecopilot.tools.gateway import ToolGateway, ToolResult
from kubecopilot.tools.objects import ObjectReader, as_object

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


class ResourceRef(Protocol):
    """What ops reads of a plan's resource. Read-only properties: ``plans.model.ResourceRef`` (namespace always
    set) satisfies it, and so does anything else that only exposes these values."""

    @property
    def kind(self) -> str: ...

    @property
    def namespace(self) -> str | None: ...

    @property
    def name(self) -> str: ...

    @property
    def cluster(self) -> str | None: ...


class ClusterOps:
    def __init__(self, gateway: ToolGateway) -> None:
        self.gateway = gateway

    def read_object(self, ref: ResourceRef) -> dict[str, Any]:
        """The live object, uncached. ``ToolFailed`` (``is_not_found``) when it does not exist."""
        result = self.gateway.invoke("get_resource", fresh=True, **_slots(ref))
        obj = as_object(result.data, result.text, result.tool)
        if obj.get("kind") and obj["kind"].endswith("List"):
            raise ToolFailed(f"{result.tool} answered a list where one {ref.kind} was expected", tool=result.tool)
        return obj

    def apply_patch(
        self, ref: ResourceRef, patch: list[dict[str, Any]], after: Mapping[str, Any], approval: Approval
    ) -> ToolResult:
        """Make the live object look like ``after`` (``patch`` is the RFC 6902 patch from before to after)."""
        capability, slots = self._patch_call(ref, patch, after, None)
        return self.gateway.invoke(capability, approval=approval, **slots)

    def planned_patch(
        self, ref: ResourceRef, patch: list[dict[str, Any]], current: Mapping[str, Any], after: Mapping[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        """The exact (tool, arguments) ``apply_patch`` will send when the object is ``current`` (for approvals)."""
        capability, slots = self._patch_call(ref, patch, after, current)
        return self.gateway.prepare(capability, **slots)

    def delete(self, ref: ResourceRef, approval: Approval) -> ToolResult:
        return self.gateway.invoke(self._delete_capability(ref), approval=approval, **_slots(ref))

    def planned_delete(self, ref: ResourceRef) -> tuple[str, dict[str, Any]]:
        return self.gateway.prepare(self._delete_capability(ref), **_slots(ref))

    def _delete_capability(self, ref: ResourceRef) -> str:
        return "delete_pod" if ref.kind == "Pod" and self.gateway.has("delete_pod") else "delete"

    def _patch_call(
        self, ref: ResourceRef, patch: list[dict[str, Any]], after: Mapping[str, Any], current: Mapping[str, Any] | None
    ) -> tuple[str, dict[str, Any]]:
        """Which capability makes this change, with which slots: patch tool → full apply → scale / restart."""
        g, slots = self.gateway, _slots(ref)
        if g.has("patch"):
            if g.binding("patch", **slots).patch_format == "merge-patch":
                document: Any = merge_patch(current if current is not None else self.read_object(ref), after)
                return "patch", {"patch": document, "patch_type": "merge", **slots}
            return "patch", {"patch": list(patch), "patch_type": "json", **slots}
        if g.has("apply"):
            return "apply", {"manifest": manifest_of(after, ref), **slots}
        replicas = _only_replicas(patch)
        if replicas is not None and g.has("scale"):
            return "scale", {"replicas": replicas, **slots}
        if _only_restart(patch) and g.has("restart"):
            return "restart", slots
        raise ChangeNotPossible(
            f"this server cannot make this change to {ref.kind} {ref.name}: it has no patch or create-or-update tool"
            " (is it running read-only?), and the change is not a plain scale or restart",
            hint="nothing was proposed or changed; use a server with write tools, or map one in a profile YAML",
        )

    def revisions_of(self, ref: ResourceRef) -> list[dict[str, Any]]:
        """The workload's own revisions, fresh: ReplicaSets it controls by uid (``k8s.revisions_of``), oldest first.
        A server that lists ReplicaSets without their ownerReferences yields none: nothing is known, not guessed."""
        if ref.kind != "Deployment":
            return []
        workload = self.read_object(ref)
        listing = self.gateway.records("list_replicasets", fresh=True, namespace=ref.namespace, cluster=ref.cluster)
        return [dict(rs) for rs in revisions_of(workload, [r.raw for r in listing.records if isinstance(r.raw, dict)])]

    def pods_of(self, ref: ResourceRef) -> list[dict[str, Any]]:
        """Live pods selected by a workload, as whole objects (for post-conditions such as "all Ready").

        Raises (typed) when they cannot all be read: a post-check on some of the pods would be a guess."""
        if ref.kind == "Pod":
            return [self.read_object(ref)]
        workload = self.read_object(ref)
        selector = (workload.get("spec") or {}).get("selector")
        if not selector:
            raise ToolFailed(f"{ref.kind} {ref.name} has no label selector to find its pods")
        reader = ObjectReader(self.gateway, cluster=getattr(ref, "cluster", None) or None, fresh=True)
        found = reader.objects("Pod", namespace=ref.namespace or None, label_selector=selector_query(selector))
        if found.gaps:
            raise ToolFailed("; ".join(found.gaps[:3]), tool=", ".join(found.tools))
        return [pod for pod in found.items if selector_matches(selector, labels_of(pod))]


def _slots(ref: ResourceRef) -> dict[str, Any]:
    # An empty namespace (cluster-scoped objects) or cluster means "not given", not "the namespace named ''".
    return {
        "kind": ref.kind,
        "namespace": ref.namespace or None,
        "name": ref.name,
        "cluster": getattr(ref, "cluster", None) or None,
    }


def manifest_of(after: Mapping[str, Any], ref: ResourceRef) -> dict[str, Any]:
    """The full desired object for a create-or-update, without the fields the API server owns."""
    obj: dict[str, Any] = json.loads(json.dumps(after))  # a deep copy that also drops non-JSON values
    obj.pop("status", None)
    meta = obj.setdefault("metadata", {})
    for key in SERVER_OWNED_METADATA:
        meta.pop(key, None)
    meta.setdefault("name", ref.name)
    if ref.namespace:
        meta.setdefault("namespace", ref.namespace)
    return obj


def merge_patch(before: Any, after: Any) -> Any:
    """An RFC 7386 merge patch turning ``before`` into ``after`` (lists are replaced whole, removals are null)."""
    if not isinstance(before, Mapping) or not isinstance(after, Mapping):
        return after
    patch: dict[str, Any] = {}
    for key in before.keys() - after.keys():
        patch[key] = None
    for key, value in after.items():
        if key not in before:
            patch[key] = value
        elif before[key] != value:
            patch[key] = merge_patch(before[key], value)
    patch.pop("status", None)
    meta = patch.get("metadata")
    if isinstance(meta, dict):
        for key in SERVER_OWNED_METADATA:
            meta.pop(key, None)
        if not meta:
            patch.pop("metadata")
    return patch


def _only_replicas(patch: list[dict[str, Any]]) -> int | None:
    if len(patch) == 1 and patch[0].get("op") in ("replace", "add") and patch[0].get("path") == "/spec/replicas":
        return int(patch[0]["value"])
    return None


def _only_restart(patch: list[dict[str, Any]]) -> bool:
    """True when the patch does exactly what ``kubectl rollout restart`` does: stamp the restartedAt annotation."""
    prefix = "/spec/template/metadata/annotations"
    escaped = RESTARTED_AT.replace("~", "~0").replace("/", "~1")
    if not patch:
        return False
    for op in patch:
        path, value = op.get("path"), op.get("value")
        if op.get("op") not in ("add", "replace"):
            return False
        if path == f"{prefix}/{escaped}":
            continue
        if path == prefix and isinstance(value, Mapping) and set(value) == {RESTARTED_AT}:
            continue
        return False
    return True
