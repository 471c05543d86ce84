"""Status roll-ups: ReplicaSets, Deployments, StatefulSets, DaemonSets, Jobs and CronJobs count their pods;
Endpoints follow Services; autoscalers report their target's replicas.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from kubecopilot.sandbox import metrics, policy
from kubecopilot.sandbox.selectors import Selector
from kubecopilot.sandbox.store import Obj
from kubecopilot.sandbox.timeutil import parse_stamp, stamp

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster


def sync_all(c: Cluster) -> None:
    for rs in c.store.list("ReplicaSet"):
        _set_status(c, rs, _replicaset_status(c, rs))
    for d in c.store.list("Deployment"):
        _set_status(c, d, _deployment_status(c, d))
    for sts in c.store.list("StatefulSet"):
        _set_status(c, sts, _statefulset_status(c, sts))
    for ds in c.store.list("DaemonSet"):
        _set_status(c, ds, _daemonset_status(c, ds))
    for job in c.store.list("Job"):
        _set_status(c, job, _job_status(c, job))
    for cj in c.store.list("CronJob"):
        _set_status(c, cj, _cronjob_status(c, cj))
    _sync_endpoints(c)
    for hpa in c.store.list("HorizontalPodAutoscaler"):
        _set_status(c, hpa, _hpa_status(c, hpa))
    for quota in c.store.list("ResourceQuota"):
        _set_status(c, quota, policy.quota_status(c, quota))
    for pdb in c.store.list("PodDisruptionBudget"):
        _set_status(c, pdb, policy.budget_status(c, pdb))


def is_ready(pod: Obj) -> bool:
    return any(cond["type"] == "Ready" and cond["status"] == "True" for cond in (pod.get("status") or {}).get("conditions") or ())


def _set_status(c: Cluster, obj: Obj, status: dict[str, Any]) -> None:
    if obj.get("status") == status:
        return
    updated = c.store.get(obj["kind"], obj["metadata"]["name"], obj["metadata"].get("namespace"))
    updated["status"] = status
    c.store.update(updated)


def _pods(c: Cluster, owner: Obj) -> list[Obj]:
    return [p for p in c.store.owned_by(owner["metadata"]["uid"], "Pod") if not p["metadata"].get("deletionTimestamp")]


def _replicaset_status(c: Cluster, rs: Obj) -> dict[str, Any]:
    pods = _pods(c, rs)
    ready = sum(is_ready(p) for p in pods)
    status: dict[str, Any] = {"replicas": len(pods), "fullyLabeledReplicas": len(pods), "readyReplicas": ready,
                              "availableReplicas": ready, "observedGeneration": rs["metadata"].get("generation", 1)}
    if len(pods) < rs["spec"].get("replicas", 1):
        refused = policy.quota_refusal(c, rs["metadata"]["namespace"], rs["spec"]["template"]["spec"], f"{rs['metadata']['name']}-")
        if refused:
            old = (rs.get("status") or {}).get("conditions") or [{}]
            since = old[0].get("lastTransitionTime") or stamp(c.now())
            status["conditions"] = [{"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
                                     "message": refused, "lastTransitionTime": since}]
    return status


def _deployment_status(c: Cluster, d: Obj) -> dict[str, Any]:
    owned = c.store.owned_by(d["metadata"]["uid"], "ReplicaSet")
    revision = (d["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision")
    current = next((rs for rs in owned if (rs["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision") == revision), None)
    all_pods = [p for rs in owned for p in _pods(c, rs)]
    new_pods = _pods(c, current) if current else []
    desired = d["spec"].get("replicas", 1)
    ready = sum(is_ready(p) for p in all_pods)
    updated_available = sum(is_ready(p) for p in new_pods)
    status: dict[str, Any] = {"observedGeneration": d["metadata"].get("generation", 1), "replicas": len(all_pods),
                              "updatedReplicas": len(new_pods), "readyReplicas": ready, "availableReplicas": ready}
    if desired - ready > 0:
        status["unavailableReplicas"] = desired - ready
    max_unavailable = math.floor(desired * 0.25)
    old = {cond["type"]: cond for cond in (d.get("status") or {}).get("conditions") or ()}
    available = ready >= desired - max_unavailable
    rs_name = current["metadata"]["name"] if current else d["metadata"]["name"]
    conditions = [
        _condition(old, "Available", available, "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                   "Deployment has minimum availability." if available else "Deployment does not have minimum availability.",
                   c.now()),
        _progressing(c, d, old, current, rs_name, updated_available >= desired),
    ]
    status["conditions"] = conditions
    return {k: v for k, v in status.items() if v != 0 or k in ("observedGeneration", "replicas")}


def _progressing(c: Cluster, d: Obj, old: dict[str, Any], current: Obj | None, rs_name: str, complete: bool) -> dict[str, Any]:
    if complete:
        return _condition(old, "Progressing", True, "NewReplicaSetAvailable", f'ReplicaSet "{rs_name}" has successfully progressed.', c.now())
    started = parse_stamp(current["metadata"]["creationTimestamp"]) if current else c.now()
    deadline = started + timedelta(seconds=d["spec"].get("progressDeadlineSeconds", 600))
    if c.now() < deadline:
        return _condition(old, "Progressing", True, "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.', c.now())
    return _condition(old, "Progressing", False, "ProgressDeadlineExceeded", f'ReplicaSet "{rs_name}" has timed out progressing.', deadline)


def _condition(old: dict[str, Any], type_: str, ok: bool, reason: str, message: str, at: datetime) -> dict[str, Any]:
    status = "True" if ok else "False"
    previous: dict[str, Any] | None = old.get(type_)
    if previous and previous["status"] == status and previous.get("reason") == reason:
        return previous
    return {"type": type_, "status": status, "reason": reason, "message": message,
            "lastUpdateTime": stamp(at), "lastTransitionTime": stamp(at)}


def _statefulset_status(c: Cluster, sts: Obj) -> dict[str, Any]:
    pods = _pods(c, sts)
    ready = sum(is_ready(p) for p in pods)
    revisions = sorted({p["metadata"]["labels"].get("controller-revision-hash", "") for p in pods})
    rev = revisions[-1] if revisions else ""
    return {"observedGeneration": sts["metadata"].get("generation", 1), "replicas": len(pods), "readyReplicas": ready,
            "currentReplicas": len(pods), "updatedReplicas": len(pods), "availableReplicas": ready,
            "currentRevision": rev, "updateRevision": rev, "collisionCount": 0}


def _daemonset_status(c: Cluster, ds: Obj) -> dict[str, Any]:
    pods = _pods(c, ds)
    ready = sum(is_ready(p) for p in pods)
    return {"observedGeneration": ds["metadata"].get("generation", 1), "currentNumberScheduled": len(pods),
            "desiredNumberScheduled": len(pods), "numberMisscheduled": 0, "numberReady": ready,
            "numberAvailable": ready, "updatedNumberScheduled": len(pods),
            **({"numberUnavailable": len(pods) - ready} if len(pods) > ready else {})}


def _job_status(c: Cluster, job: Obj) -> dict[str, Any]:
    pods = c.store.owned_by(job["metadata"]["uid"], "Pod")
    status: dict[str, Any] = {"startTime": job["metadata"]["creationTimestamp"], "ready": 0, "terminating": 0}
    done = [p for p in pods if p["status"].get("phase") == "Succeeded"]
    if done or (job.get("status") or {}).get("completionTime"):
        finished = max((cs["state"]["terminated"]["finishedAt"] for p in done for cs in p["status"]["containerStatuses"]),
                       default=(job.get("status") or {}).get("completionTime"))
        status.update(succeeded=1, completionTime=finished, conditions=[
            {"type": "SuccessCriteriaMet", "status": "True", "lastProbeTime": finished, "lastTransitionTime": finished},
            {"type": "Complete", "status": "True", "lastProbeTime": finished, "lastTransitionTime": finished},
        ])
    elif _restarts(pods) >= job["spec"].get("backoffLimit", 6):
        # The job controller gives up: the Job is Failed (its crash-looping pod is kept, so its logs can be read).
        since = (job.get("status") or {}).get("conditions", [{}])[-1].get("lastTransitionTime") or stamp(c.now())
        status.update(failed=1, conditions=[
            {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded",
             "message": "Job has reached the specified backoff limit", "lastProbeTime": since, "lastTransitionTime": since},
            {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
             "message": "Job has reached the specified backoff limit", "lastProbeTime": since, "lastTransitionTime": since},
        ])
        if not (job.get("status") or {}).get("failed"):
            c.events.record(job, "BackoffLimitExceeded", "Job has reached the specified backoff limit", "Warning",
                            "job-controller")
    else:
        status["active"] = len(pods)
        status["ready"] = sum(is_ready(p) for p in pods)
    return status


def _restarts(pods: list[Obj]) -> int:
    return sum(cs.get("restartCount", 0) for p in pods for cs in (p.get("status") or {}).get("containerStatuses") or ())


def _cronjob_status(c: Cluster, cj: Obj) -> dict[str, Any]:
    jobs = c.store.owned_by(cj["metadata"]["uid"], "Job")
    status: dict[str, Any] = {}
    if jobs:
        status["lastScheduleTime"] = max(j["metadata"]["creationTimestamp"] for j in jobs)
        finished = [j["status"]["completionTime"] for j in jobs if (j.get("status") or {}).get("completionTime")]
        if finished:
            status["lastSuccessfulTime"] = max(finished)
        active = [j for j in jobs if not (j.get("status") or {}).get("completionTime") and not (j.get("status") or {}).get("failed")]
        if active:
            status["active"] = [{"kind": "Job", "namespace": j["metadata"]["namespace"], "name": j["metadata"]["name"],
                                 "uid": j["metadata"]["uid"], "apiVersion": "batch/v1"} for j in active]
    return status


def _sync_endpoints(c: Cluster) -> None:
    for svc in c.store.list("Service"):
        selector = svc["spec"].get("selector")
        if not selector:
            continue
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        pods = [p for p in c.store.list("Pod", ns, Selector.from_labels(selector))
                if (p.get("status") or {}).get("podIP") and not p["metadata"].get("deletionTimestamp")]
        subset: dict[str, Any] = {}
        ready = [_address(p) for p in pods if is_ready(p)]
        not_ready = [_address(p) for p in pods if not is_ready(p)]
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        if subset:
            subset["ports"] = [{"name": p.get("name", ""), "port": _target_port(p, pods), "protocol": p.get("protocol", "TCP")}
                               for p in svc["spec"].get("ports") or ()]
        ep: dict[str, Any] = {"apiVersion": "v1", "kind": "Endpoints",
              "metadata": {"name": name, "namespace": ns, "labels": dict(svc["metadata"].get("labels") or {})},
              "subsets": [subset] if subset else []}
        existing = c.store.peek("Endpoints", name, ns)
        if existing is None:
            c.store.create(ep)
        else:
            ep["metadata"] = {**existing["metadata"], "labels": ep["metadata"]["labels"]}
            c.store.update(ep)
    for ep in c.store.list("Endpoints"):
        if c.store.peek("Service", ep["metadata"]["name"], ep["metadata"]["namespace"]) is None:
            c.store.delete("Endpoints", ep["metadata"]["name"], ep["metadata"]["namespace"])


def _address(pod: Obj) -> dict[str, Any]:
    meta = pod["metadata"]
    return {"ip": pod["status"]["podIP"], "nodeName": pod["spec"].get("nodeName"),
            "targetRef": {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"], "uid": meta["uid"]}}


def _target_port(port: dict[str, Any], pods: list[Obj]) -> int:
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    for pod in pods:
        for container in pod["spec"].get("containers") or ():
            for p in container.get("ports") or ():
                if p.get("name") == target:
                    return int(p["containerPort"])
    return int(port.get("port", 0))


def _hpa_status(c: Cluster, hpa: Obj) -> dict[str, Any]:
    ref = hpa["spec"]["scaleTargetRef"]
    target = c.store.peek(ref["kind"], ref["name"], hpa["metadata"]["namespace"])
    current = (target or {}).get("status", {}).get("replicas", 0)
    util = metrics.cpu_utilization(c, target) if target else None
    status: dict[str, Any] = {"currentReplicas": current, "desiredReplicas": min(max(current, hpa["spec"].get("minReplicas", 1)),
                                                                              hpa["spec"]["maxReplicas"])}
    if util is not None:
        status["currentMetrics"] = [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": util}}}]
    able = target is not None
    limited = _scaling_limit(hpa, current, util)
    status["conditions"] = [
        {"type": "AbleToScale", "status": "True" if able else "False",
         "reason": "ReadyForNewScale" if able else "FailedGetScale",
         "message": "recommended size matches current size" if able else f'{ref["kind"].lower()}s "{ref["name"]}" not found'},
        {"type": "ScalingActive", "status": "True" if util is not None else "False",
         "reason": "ValidMetricFound" if util is not None else "FailedGetResourceMetric",
         "message": "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"
         if util is not None else "the HPA was unable to compute the replica count: no metrics returned from resource metrics API"},
        limited,
    ]
    return status


def _scaling_limit(hpa: Obj, current: int, util: int | None) -> dict[str, Any]:
    """The ScalingLimited condition: would the CPU target ask for more than maxReplicas (or fewer than min)?"""
    spec = hpa["spec"]
    target = next((m["resource"]["target"].get("averageUtilization") for m in spec.get("metrics") or ()
                   if m.get("type") == "Resource" and m["resource"].get("name") == "cpu"), None)
    wanted = math.ceil(current * util / target) if util is not None and target and current else current
    if wanted > spec["maxReplicas"]:
        return {"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas",
                "message": "the desired replica count is more than the maximum replica count"}
    if wanted < spec.get("minReplicas", 1):
        return {"type": "ScalingLimited", "status": "True", "reason": "TooFewReplicas",
                "message": "the desired replica count is less than the minimum replica count"}
    return {"type": "ScalingLimited", "status": "False", "reason": "DesiredWithinRange",
            "message": "the desired count is within the acceptable range"}
