"""The control loops, run to completion after every change: Deployment → ReplicaSet → Pods, StatefulSets,
DaemonSets, Jobs, garbage collection, then scheduling and pod status (``kubelet.py``) and the status roll-ups.

Rollouts are immediate: a new template gets a new ReplicaSet with all the replicas and the old ones go to 0
(the sandbox has no surge phase). A rollback re-activates the old ReplicaSet under a new revision, as
``kubectl rollout undo`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubecopilot.sandbox import kubelet, policy, statuses, storage
from kubecopilot.sandbox.events import EventSpec
from kubecopilot.sandbox.objects import (
    CHANGE_CAUSE,
    HASH_LABEL,
    REVISION,
    pod_from_template,
    random_suffix,
    replicaset_for,
    template_hash,
)
from kubecopilot.sandbox.podstatus import retries
from kubecopilot.sandbox.store import Obj
from kubecopilot.sandbox.timeutil import parse_stamp

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster


MAX_PASSES = 4


def reconcile(c: Cluster) -> None:
    """Run every loop until a pass changes nothing (an eviction, say, needs a second pass to be replaced)."""
    for _ in range(MAX_PASSES):
        before = c.store.revision
        _reconcile_once(c)
        if c.store.revision == before:
            return


def _reconcile_once(c: Cluster) -> None:
    for d in c.store.list("Deployment"):
        sync_deployment(c, d)
    for rs in c.store.list("ReplicaSet"):
        sync_replicaset(c, rs)
    for sts in c.store.list("StatefulSet"):
        sync_statefulset(c, sts)
    for ds in c.store.list("DaemonSet"):
        sync_daemonset(c, ds)
    for job in c.store.list("Job"):
        sync_job(c, job)
    collect_garbage(c)
    storage.sync_claims(c)  # before scheduling: a pod waits for its claims to bind
    kubelet.sync_nodes(c)
    kubelet.sync_pods(c)
    statuses.sync_all(c)
    c.events.expire()


def revision(obj: Obj) -> int:
    return int((obj["metadata"].get("annotations") or {}).get(REVISION, "0"))


def owned_replicasets(c: Cluster, deployment: Obj) -> list[Obj]:
    return sorted(c.store.owned_by(deployment["metadata"]["uid"], "ReplicaSet"), key=revision)


def sync_deployment(c: Cluster, d: Obj) -> None:
    pod_hash = template_hash(d["spec"]["template"])
    owned = owned_replicasets(c, d)
    top = max((revision(rs) for rs in owned), default=0)
    current = next((rs for rs in owned if rs["metadata"]["labels"].get(HASH_LABEL) == pod_hash), None)
    if current is None:
        fresh = replicaset_for(d, pod_hash, top + 1)
        fresh["spec"]["replicas"] = 0
        current = c.store.create(fresh)
    elif revision(current) < top:
        current = _promote(c, d, current, top + 1)
    _scale_rs(c, d, current, d["spec"].get("replicas", 1))
    for rs in owned:
        if rs["metadata"]["uid"] != current["metadata"]["uid"]:
            _scale_rs(c, d, rs, 0)
    dep = c.store.get("Deployment", d["metadata"]["name"], d["metadata"]["namespace"])
    dep["metadata"].setdefault("annotations", {})[REVISION] = str(revision(current))
    c.store.update(dep)
    _prune_history(c, d)


def _promote(c: Cluster, d: Obj, rs: Obj, new_revision: int) -> Obj:
    rs = c.store.get("ReplicaSet", rs["metadata"]["name"], rs["metadata"]["namespace"])
    annotations = rs["metadata"].setdefault("annotations", {})
    annotations[REVISION] = str(new_revision)
    cause = (d["metadata"].get("annotations") or {}).get(CHANGE_CAUSE)
    if cause:
        annotations[CHANGE_CAUSE] = cause
    c.store.update(rs)
    return c.store.require("ReplicaSet", rs["metadata"]["name"], rs["metadata"]["namespace"])


def _scale_rs(c: Cluster, d: Obj, rs: Obj, replicas: int) -> None:
    old = rs["spec"].get("replicas", 0)
    if old == replicas:
        return
    rs = c.store.get("ReplicaSet", rs["metadata"]["name"], rs["metadata"]["namespace"])
    rs["spec"]["replicas"] = replicas
    rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] = str(d["spec"].get("replicas", 1))
    c.store.update(rs)
    direction = "up" if replicas > old else "down"
    c.events.record(d, "ScalingReplicaSet", f"Scaled {direction} replica set {rs['metadata']['name']} from {old} to {replicas}",
                    component="deployment-controller")


def _prune_history(c: Cluster, d: Obj) -> None:
    limit = d["spec"].get("revisionHistoryLimit", 10)
    idle = [rs for rs in owned_replicasets(c, d) if rs["spec"].get("replicas", 0) == 0 and not _live_pods(c, rs)]
    for rs in idle[: max(0, len(idle) - limit)]:
        c.store.delete("ReplicaSet", rs["metadata"]["name"], rs["metadata"]["namespace"])


def _live_pods(c: Cluster, owner: Obj) -> list[Obj]:
    """Pods an owner counts: not being deleted (pods stuck Terminating on a lost node are replaced)."""
    return [p for p in c.store.owned_by(owner["metadata"]["uid"], "Pod") if not p["metadata"].get("deletionTimestamp")]


def sync_replicaset(c: Cluster, rs: Obj) -> None:
    pods = _live_pods(c, rs)
    want = rs["spec"].get("replicas", 1)
    for _ in range(want - len(pods)):
        # Admission runs before the generated name is filled in, so the refusal names the prefix ("web-5d8f-").
        if refused := policy.quota_refusal(c, rs["metadata"]["namespace"], rs["spec"]["template"]["spec"], f"{rs['metadata']['name']}-"):
            created = parse_stamp(rs["metadata"]["creationTimestamp"])
            c.events.observe(rs, EventSpec("FailedCreate", f"Error creating: {refused}", "Warning", "replicaset-controller",
                                           retries((c.now() - created).total_seconds()), created, c.now()))
            break
        name = _unique_pod_name(c, rs["metadata"]["name"], rs["metadata"]["namespace"])
        c.store.create(pod_from_template(rs, rs["spec"]["template"], name))
        c.events.record(rs, "SuccessfulCreate", f"Created pod: {name}", component="replicaset-controller")
    for pod in sorted(pods, key=_deletion_order)[: max(0, len(pods) - want)]:
        delete_pod(c, pod)
        c.events.record(rs, "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}", component="replicaset-controller")


def _deletion_order(pod: Obj) -> tuple[Any, ...]:
    """Which surplus pod goes first: unscheduled, then not ready, then the youngest (the controller's ranking)."""
    status = pod.get("status") or {}
    ready = any(cond["type"] == "Ready" and cond["status"] == "True" for cond in status.get("conditions") or ())
    return (bool(pod["spec"].get("nodeName")), ready, -parse_stamp(pod["metadata"]["creationTimestamp"]).timestamp())


def delete_pod(c: Cluster, pod: Obj) -> None:
    for container in pod["spec"].get("containers") or ():
        if pod["spec"].get("nodeName"):
            c.events.record(pod, "Killing", f"Stopping container {container['name']}")
    c.store.delete("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"])


def _unique_pod_name(c: Cluster, prefix: str, namespace: str) -> str:
    while True:
        name = f"{prefix}-{random_suffix(c.rng)}"
        if c.store.peek("Pod", name, namespace) is None:
            return name


def sync_statefulset(c: Cluster, sts: Obj) -> None:
    name = sts["metadata"]["name"]
    revision_hash = f"{name}-{template_hash(sts['spec']['template'])}"
    want = sts["spec"].get("replicas", 1)
    pods = {p["metadata"]["name"]: p for p in c.store.owned_by(sts["metadata"]["uid"], "Pod")}
    for ordinal in range(want):
        pod_name = f"{name}-{ordinal}"
        existing = pods.pop(pod_name, None)
        if existing and existing["metadata"]["labels"].get("controller-revision-hash") == revision_hash:
            continue
        if existing:
            delete_pod(c, existing)
        _ensure_claims(c, sts, ordinal)
        pod = pod_from_template(sts, sts["spec"]["template"], pod_name, {
            "controller-revision-hash": revision_hash,
            "statefulset.kubernetes.io/pod-name": pod_name,
            "apps.kubernetes.io/pod-index": str(ordinal),
        })
        pod["spec"]["hostname"] = pod_name
        pod["spec"].setdefault("volumes", []).extend(
            {"name": t["metadata"]["name"], "persistentVolumeClaim": {"claimName": f"{t['metadata']['name']}-{pod_name}"}}
            for t in sts["spec"].get("volumeClaimTemplates") or ()
        )
        c.store.create(pod)
        c.events.record(sts, "SuccessfulCreate", f"create Pod {pod_name} in StatefulSet {name} successful",
                        component="statefulset-controller")
    for pod in sorted(pods.values(), key=lambda p: p["metadata"]["name"], reverse=True):
        delete_pod(c, pod)
        c.events.record(sts, "SuccessfulDelete", f"delete Pod {pod['metadata']['name']} in StatefulSet {name} successful",
                        component="statefulset-controller")


def _ensure_claims(c: Cluster, sts: Obj, ordinal: int) -> None:
    name, ns = sts["metadata"]["name"], sts["metadata"]["namespace"]
    for template in sts["spec"].get("volumeClaimTemplates") or ():
        claim = f"{template['metadata']['name']}-{name}-{ordinal}"
        if c.store.peek("PersistentVolumeClaim", claim, ns) is None:
            c.store.create({
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": claim, "namespace": ns, "labels": dict(sts["spec"]["selector"].get("matchLabels") or {})},
                "spec": {"volumeMode": "Filesystem", **template.get("spec", {})},
                "status": {"phase": "Pending"},
            })
            c.events.record(sts, "SuccessfulCreate", f"create Claim {claim} Pod {name}-{ordinal} in StatefulSet {name} success",
                            component="statefulset-controller")


def sync_daemonset(c: Cluster, ds: Obj) -> None:
    revision_hash = template_hash(ds["spec"]["template"])
    selector = ds["spec"]["template"]["spec"].get("nodeSelector") or {}
    pods = {p["spec"].get("nodeName"): p for p in c.store.owned_by(ds["metadata"]["uid"], "Pod")}
    for node in c.store.list("Node"):
        labels = node["metadata"].get("labels") or {}
        if any(labels.get(k) != v for k, v in selector.items()):
            continue
        node_name = node["metadata"]["name"]
        existing = pods.pop(node_name, None)
        if existing and existing["metadata"]["labels"].get("controller-revision-hash") == revision_hash:
            continue
        if existing:
            delete_pod(c, existing)
        name = _unique_pod_name(c, ds["metadata"]["name"], ds["metadata"]["namespace"])
        pod = pod_from_template(ds, ds["spec"]["template"], name, {"controller-revision-hash": revision_hash})
        pod["spec"]["nodeName"] = node_name  # the DaemonSet controller binds its pods itself
        pod["spec"]["tolerations"] = pod["spec"].get("tolerations", []) + [
            {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
        ]
        kubelet.bind(c, pod, node)
        c.store.create(pod)
        c.events.record(ds, "SuccessfulCreate", f"Created pod: {name}", component="daemonset-controller")
    for pod in pods.values():
        delete_pod(c, pod)


def sync_job(c: Cluster, job: Obj) -> None:
    if c.store.owned_by(job["metadata"]["uid"], "Pod") or (job.get("status") or {}).get("completionTime"):
        return
    name = _unique_pod_name(c, job["metadata"]["name"], job["metadata"]["namespace"])
    labels = {"batch.kubernetes.io/job-name": job["metadata"]["name"], "job-name": job["metadata"]["name"],
              "batch.kubernetes.io/controller-uid": job["metadata"]["uid"]}
    c.store.create(pod_from_template(job, job["spec"]["template"], name, labels))
    c.events.record(job, "SuccessfulCreate", f"Created pod: {name}", component="job-controller")


def collect_garbage(c: Cluster) -> None:
    """Delete objects whose owner is gone (background cascading deletion), until nothing is left to delete."""
    while True:
        uids = {o["metadata"].get("uid") for o in c.store.all()}
        orphans = [
            o for o in c.store.all()
            if o["kind"] != "Event" and (refs := o["metadata"].get("ownerReferences"))
            and not any(r.get("uid") in uids for r in refs)
        ]
        if not orphans:
            return
        for o in orphans:
            if o["kind"] == "Pod":
                delete_pod(c, o)
            else:
                c.store.delete(o["kind"], o["metadata"]["name"], o["metadata"].get("namespace"))
