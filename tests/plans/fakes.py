"""Small in-memory stand-ins for the tool layer: a cluster of Kubernetes-shaped objects and an approval registry.

Not mocks: they behave like the real thing in the ways the plan domain depends on (jsonpatch writes bump
resourceVersion and reconcile pods, writes without a matching approval are refused, deleted pods come back from
their ReplicaSet), and can be told to fail on a given write.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jsonpatch

from kubecopilot.errors import MCPTimeout, ToolFailed, WriteRefused
from kubecopilot.k8s import revisions_of

Key = tuple[str, str, str]


@dataclass
class FakeApproval:
    plan_id: str
    kind: str
    namespace: str
    name: str
    cluster: str | None
    revoked: bool = False


@dataclass
class FakeApprovals:
    grants: dict[str, FakeApproval] = field(default_factory=dict)
    revoked: list[str] = field(default_factory=list)

    def grant(self, plan_id, *, kind, namespace, name, cluster=None, ttl_s=600, calls=None):
        approval = FakeApproval(plan_id, kind, namespace, name, cluster)
        self.grants[plan_id] = approval
        return approval

    def revoke(self, approval):
        self.revoked.append(approval.plan_id)
        approval.revoked = True

    def check(self, approval, ref) -> None:
        if not isinstance(approval, FakeApproval) or approval.revoked:
            raise WriteRefused("write refused: no valid approval")
        if (approval.namespace, approval.name) != (ref.namespace, ref.name):
            raise WriteRefused("write refused: the approval is for another resource")


def deployment(name: str, namespace: str = "dev", *, replicas: int = 2, image: str = "example/app:1.0",
               memory: str = "128Mi", container: str = "app", uid: str | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "uid": uid or _uid(namespace, name), "resourceVersion": "1",
                     "generation": 1, "labels": {"app": name}, "creationTimestamp": "2025-01-01T00:00:00Z"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": container, "image": image,
                                                       "resources": {"limits": {"memory": memory}}}]}}},
        "status": {},
    }


def _uid(*parts: str) -> str:
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


class FakeCluster:
    """``ClusterOps`` over a dict. ``fail_on_write=n``: the n-th write (1-based) raises; ``interrupt_on_write=n``:
    raises KeyboardInterrupt; ``land_then_fail_on_write=n``: applies, then raises a timeout."""

    def __init__(self, *objects: dict[str, Any], approvals: FakeApprovals | None = None) -> None:
        self.objects: dict[Key, dict[str, Any]] = {}
        self.approvals = approvals or FakeApprovals()
        self.writes: list[tuple[str, str, Any]] = []
        self.fail_on_write: int | None = None
        self.interrupt_on_write: int | None = None
        self.land_then_fail_on_write: int | None = None  # applies, then the answer is lost (a timeout)
        self.land_then_refuse_on_write: int | None = None  # applies, then answers with an error
        self.lose_on_write: int | None = None  # the answer is lost and the write never lands
        self.healthy: Callable[[dict[str, Any]], bool] = lambda pod: True
        self._rv = itertools.count(100)
        self._pod_ids = itertools.count(1)
        for obj in objects:
            self.put(obj)

    # --- setup helpers ---------------------------------------------------------------------------------------

    def put(self, obj: dict[str, Any]) -> None:
        obj = copy.deepcopy(obj)
        self.objects[_key(obj)] = obj
        if obj["kind"] == "Deployment":
            self._reconcile(obj)

    def edit(self, kind: str, namespace: str, name: str, change: Callable[[dict[str, Any]], None]) -> None:
        """Someone else's write (kubectl edit): changes the object and bumps resourceVersion."""
        obj = self.objects[(kind, namespace, name)]
        change(obj)
        obj["metadata"]["resourceVersion"] = str(next(self._rv))
        if kind == "Deployment":
            self._reconcile(obj)

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any]:
        return copy.deepcopy(self.objects[(kind, namespace, name)])

    # --- ClusterOps ------------------------------------------------------------------------------------------

    def read_object(self, ref) -> dict[str, Any]:
        key = (ref.kind, ref.namespace or "", ref.name)
        if key not in self.objects:
            raise ToolFailed(f"{ref.kind} {ref.namespace}/{ref.name} not found")
        return copy.deepcopy(self.objects[key])

    def apply_patch(self, ref, patch, after, approval):
        self.approvals.check(approval, ref)
        number = self._count_write("patch", ref, patch)
        obj = self.objects.get((ref.kind, ref.namespace, ref.name))
        if obj is None:
            raise ToolFailed(f"{ref.kind} {ref.namespace}/{ref.name} not found")
        if number == self.lose_on_write:
            raise MCPTimeout("patch_resource did not answer within 30 s")
        if ref.resource_version and ref.resource_version != obj["metadata"]["resourceVersion"]:
            raise ToolFailed("Operation cannot be fulfilled: the object has been modified")
        new = jsonpatch.JsonPatch(patch).apply(obj)
        if new.get("spec") != obj.get("spec"):
            new["metadata"]["generation"] = obj["metadata"].get("generation", 1) + 1
        if new["kind"] == "Deployment" and new["spec"]["template"] != obj["spec"]["template"]:
            # like the deployment controller: a new ReplicaSet revision, noted on the Deployment
            annotations = new["metadata"].setdefault("annotations", {})
            revision = int(annotations.get("deployment.kubernetes.io/revision", "1")) + 1
            annotations["deployment.kubernetes.io/revision"] = str(revision)
        new["metadata"]["resourceVersion"] = str(next(self._rv))
        self.objects[_key(new)] = new
        if new["kind"] == "Deployment":
            self._reconcile(new)
        if number == self.land_then_fail_on_write:
            raise MCPTimeout("patch_resource timed out after 30s")
        if number == self.land_then_refuse_on_write:
            raise ToolFailed("etcdserver: request timed out")
        return copy.deepcopy(new)

    def delete(self, ref, approval):
        self.approvals.check(approval, ref)
        self._count_write("delete", ref, None)
        obj = self.objects.pop((ref.kind, ref.namespace, ref.name), None)
        if obj is None:
            raise ToolFailed(f"{ref.kind} {ref.namespace}/{ref.name} not found")
        owner = next((o for o in obj["metadata"].get("ownerReferences", []) if o.get("controller")), None)
        if owner:  # the ReplicaSet makes a replacement straight away
            self._new_pod(obj["metadata"]["namespace"], owner["name"], obj["spec"]["containers"])

    def planned_patch(self, ref, patch, current, after):
        return "patch", {"name": ref.name, "namespace": ref.namespace, "patch": patch}

    def planned_delete(self, ref):
        return "delete", {"name": ref.name, "namespace": ref.namespace}

    def revisions_of(self, ref) -> list[dict[str, Any]]:
        """ReplicaSets put here that the workload controls by uid (none unless a test puts some)."""
        workload = self.read_object(ref)
        return [copy.deepcopy(o) for o in revisions_of(workload, [o for k, o in self.objects.items()
                                                                   if k[0] == "ReplicaSet" and k[1] == ref.namespace])]

    def pods_of(self, ref) -> list[dict[str, Any]]:
        owner = ref.name if ref.kind == "ReplicaSet" else f"{ref.name}-rs"
        return [copy.deepcopy(o) for (kind, ns, _), o in self.objects.items()
                if kind == "Pod" and ns == ref.namespace
                and any(r.get("name") == owner for r in o["metadata"].get("ownerReferences", []))]

    # --- internals -------------------------------------------------------------------------------------------

    def _count_write(self, what: str, ref, patch) -> int:
        self.writes.append((what, ref.name, patch))
        number = len(self.writes)
        if number == self.interrupt_on_write:
            raise KeyboardInterrupt
        if number == self.fail_on_write:
            raise ToolFailed(f"admission webhook denied write #{number}")
        return number

    def _reconcile(self, dep: dict[str, Any]) -> None:
        """Replace the deployment's pods with ones from the current template (instant rollout)."""
        ns, name = dep["metadata"]["namespace"], dep["metadata"]["name"]
        for key in [k for k, o in self.objects.items() if k[0] == "Pod" and k[1] == ns
                    and any(r.get("name") == f"{name}-rs" for r in o["metadata"].get("ownerReferences", []))]:
            del self.objects[key]
        containers = dep["spec"]["template"]["spec"]["containers"]
        pods = [self._new_pod(ns, f"{name}-rs", containers) for _ in range(dep["spec"].get("replicas", 1))]
        ready = sum(1 for p in pods if p["status"]["conditions"][0]["status"] == "True")
        dep["status"] = {"observedGeneration": dep["metadata"].get("generation", 1), "replicas": len(pods),
                         "readyReplicas": ready, "updatedReplicas": len(pods), "availableReplicas": ready}

    def _new_pod(self, ns: str, owner: str, containers: list[dict[str, Any]]) -> dict[str, Any]:
        number = next(self._pod_ids)
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": f"{owner}-{number:05d}", "namespace": ns, "uid": _uid(ns, owner, str(number)),
                            "resourceVersion": str(next(self._rv)),
                            "ownerReferences": [{"kind": "ReplicaSet", "name": owner, "controller": True}]},
               "spec": {"containers": copy.deepcopy(containers)}}
        ok = self.healthy(pod)
        pod["status"] = {"phase": "Running" if ok else "Pending",
                         "conditions": [{"type": "Ready", "status": "True" if ok else "False"}],
                         "containerStatuses": [{"name": c["name"], "ready": ok, "state": {"running": {}} if ok else
                                                {"waiting": {"reason": "CrashLoopBackOff"}}} for c in containers]}
        self.objects[_key(pod)] = pod
        return pod


def _key(obj: dict[str, Any]) -> Key:
    return (obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
