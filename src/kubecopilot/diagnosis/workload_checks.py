"""Checks on workloads and their controllers: Jobs, CronJobs, StatefulSets, ReplicaSets, autoscalers, disruption
budgets, containers that cannot be configured — and on nodes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubecopilot.diagnosis.checks import Match, _base, check
from kubecopilot.diagnosis.objects import (
    condition,
    event_quote,
    name_of,
    namespace_of,
    owner,
    pods_selected,
    ref,
    spec_quote,
    status_quote,
    workload_of,
)
from kubecopilot.diagnosis.snapshot import Obj, Snapshot
from kubecopilot.k8s import pod_ready

_CONFIG_REF = re.compile(r"(?:couldn't find key (?P<key>\S+) in (?P<kind>ConfigMap|Secret) [^/]+/(?P<name>\S+)"
                         r"|(?P<kind2>configmap|secret) \"(?P<name2>[^\"]+)\" not found)")


@check
def create_container_config_error(snap: Snapshot) -> Iterator[Match]:
    seen: set[str] = set()
    for pod in snap.of("Pod"):
        for status in (pod.get("status") or {}).get("containerStatuses") or ():
            waiting = (status.get("state") or {}).get("waiting") or {}
            workload = workload_of(snap, pod)
            if waiting.get("reason") != "CreateContainerConfigError" or ref(workload) in seen:
                continue
            seen.add(ref(workload))
            message = str(waiting.get("message") or "")
            m = _CONFIG_REF.search(message)
            kind = (m.group("kind") or m.group("kind2") or "") if m else ""
            kind = {"configmap": "ConfigMap", "secret": "Secret"}.get(kind, kind)
            values = {**_base(pod, pod=name_of(pod), container=status.get("name"), message=message,
                              ref_kind=kind or "ConfigMap/Secret", ref_kind_lower=kind.lower() or "secret",
                              ref_name=(m.group("name") or m.group("name2")) if m else "?", workload=ref(workload))}
            quotes = [status_quote(pod, f"containerStatuses[{status.get('name')}].state.waiting.reason", "CreateContainerConfigError"),
                      status_quote(pod, f"containerStatuses[{status.get('name')}].state.waiting.message", message)]
            yield Match(pod, workload, values, quotes, {"rollback": workload})


@check
def failed_jobs(snap: Snapshot) -> Iterator[Match]:
    for job in snap.of("Job"):
        failed = condition(job, "Failed")
        if not failed or failed.get("status") != "True":
            continue
        cronjob = owner(snap, job, "CronJob")
        values = _base(job, reason=failed.get("reason", "Failed"), message=failed.get("message", ""),
                       owner_note="", owner_fix="", cronjob=name_of(cronjob) if cronjob else "")
        phrases = {"owner_note": "started_by_cronjob", "owner_fix": "in_cronjob"} if cronjob else {}
        quotes = [status_quote(job, "conditions[Failed].reason", failed.get("reason")),
                  *[event_quote(e) for e in snap.events_about(job)[:1]]]
        yield Match(job, cronjob or job, values, quotes, phrases=phrases)


@check
def suspended_cronjobs(snap: Snapshot) -> Iterator[Match]:
    for cj in snap.of("CronJob"):
        spec = cj.get("spec") or {}
        if spec.get("suspend") is True:
            last = (cj.get("status") or {}).get("lastScheduleTime") or "it was created"
            values = _base(cj, last_run=last, schedule=spec.get("schedule", "?"))
            yield Match(cj, cj, values, [spec_quote(cj, "spec.suspend", "true"), status_quote(cj, "status.lastScheduleTime", last)])


@check
def statefulset_unready(snap: Snapshot) -> Iterator[Match]:
    for sts in snap.of("StatefulSet"):
        want = (sts.get("spec") or {}).get("replicas", 1)
        ready = (sts.get("status") or {}).get("readyReplicas", 0) or 0
        if want == 0 or ready >= want:
            continue
        pods = sorted(snap.owned(sts, "Pod"), key=name_of)
        stuck = next((p for p in pods if not pod_ready(p)), None)
        state, facts = _pod_state(snap, stuck) if stuck else ("pods_not_created", {})
        values = _base(sts, ready=ready, replicas=want, pod=name_of(stuck) if stuck else f"{name_of(sts)}-0", **facts)
        quotes = [status_quote(sts, "status.readyReplicas", ready), spec_quote(sts, "spec.replicas", want)]
        if stuck is not None:
            quotes += [event_quote(e) for e in snap.events_about(stuck)[:1]]
        yield Match(sts, sts, values, quotes, phrases={"pod_state": state})


def _pod_state(snap: Snapshot, pod: Obj) -> tuple[str, dict[str, str]]:
    """The phrase that says why ``pod`` is not ready, and its values (the reason, or the phase and latest warning)."""
    status = pod.get("status") or {}
    for cs in status.get("containerStatuses") or ():
        waiting = (cs.get("state") or {}).get("waiting")
        if waiting:
            return "pod_waiting", {"stuck": name_of(pod), "state": str(waiting.get("reason"))}
    events = [e for e in snap.events_about(pod) if e.get("type") == "Warning"]
    facts = {"stuck": name_of(pod), "state": str(status.get("phase", "Pending"))}
    if events:
        return "pod_state_event", {**facts, "event": str(events[0].get("message"))}
    return "pod_waiting", facts


@check
def replicaset_failures(snap: Snapshot) -> Iterator[Match]:
    for rs in snap.of("ReplicaSet"):
        failure = condition(rs, "ReplicaFailure")
        desired = (rs.get("spec") or {}).get("replicas", 0)
        current = (rs.get("status") or {}).get("replicas", 0) or 0
        if not failure or failure.get("status") != "True" or current >= desired:
            continue
        message = str(failure.get("message") or "")
        cause = "exceeded_quota" if "exceeded quota" in message else "admission_refused"
        workload = workload_of(snap, rs)
        values = _base(rs, message=message, current=current, desired=desired, workload=ref(workload))
        quotes = [status_quote(rs, "conditions[ReplicaFailure].message", message),
                  *[event_quote(e) for e in snap.events_about(rs)[:1]]]
        yield Match(rs, workload, values, quotes, {"replicaset": rs, "target": workload}, phrases={"cause": cause})


@check
def hpa_cannot_compute(snap: Snapshot) -> Iterator[Match]:
    for hpa in snap.of("HorizontalPodAutoscaler"):
        active = condition(hpa, "ScalingActive")
        if not active or active.get("status") != "False":
            continue
        target_ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        target = snap.get(str(target_ref.get("kind")), str(target_ref.get("name")), namespace_of(hpa))
        containers = (((target or {}).get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or []
        missing = [c.get("name") for c in containers if not ((c.get("resources") or {}).get("requests") or {}).get("cpu")
                   and not ((c.get("resources") or {}).get("limits") or {}).get("cpu")]
        values = _base(hpa, target=f"{target_ref.get('kind')}/{namespace_of(hpa)}/{target_ref.get('name')}",
                       message=active.get("message", ""), containers=", ".join(map(str, missing)),
                       target_name=target_ref.get("name"))
        quotes = [status_quote(hpa, "conditions[ScalingActive].reason", active.get("reason")),
                  status_quote(hpa, "conditions[ScalingActive].message", active.get("message"))]
        if missing and target is not None:
            quotes.append(spec_quote(target, f"template.spec.containers[{missing[0]}].resources.requests.cpu", "(not set)"))
        yield Match(hpa, target or hpa, values, quotes, {"target": target, "containers": missing},
                    phrases={"cause": "no_cpu_request" if missing else "no_metrics"})


@check
def hpa_limited(snap: Snapshot) -> Iterator[Match]:
    for hpa in snap.of("HorizontalPodAutoscaler"):
        limited = condition(hpa, "ScalingLimited")
        if not limited or limited.get("status") != "True" or limited.get("reason") != "TooManyReplicas":
            continue
        spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
        target_ref = spec.get("scaleTargetRef") or {}
        util = next((m["resource"]["current"].get("averageUtilization") for m in status.get("currentMetrics") or ()
                     if m.get("type") == "Resource"), None)
        target_util = next((m["resource"]["target"].get("averageUtilization") for m in spec.get("metrics") or ()
                            if m.get("type") == "Resource"), None)
        values = _base(hpa, target=f"{target_ref.get('kind')}/{namespace_of(hpa)}/{target_ref.get('name')}",
                       current=status.get("currentReplicas", "?"), max=spec.get("maxReplicas"),
                       utilization=f"{util}%" if util is not None else "?", target_utilization=f"{target_util}%",
                       suggested_max=int(spec.get("maxReplicas", 1)) * 2)
        quotes = [status_quote(hpa, "conditions[ScalingLimited].message", limited.get("message")),
                  status_quote(hpa, "status.currentReplicas", status.get("currentReplicas")),
                  spec_quote(hpa, "spec.maxReplicas", spec.get("maxReplicas"))]
        target = snap.get(str(target_ref.get("kind")), str(target_ref.get("name")), namespace_of(hpa))
        yield Match(hpa, target or hpa, values, quotes)


@check
def pdb_blocks(snap: Snapshot) -> Iterator[Match]:
    for pdb in snap.of("PodDisruptionBudget"):
        status = pdb.get("status") or {}
        if status.get("disruptionsAllowed", 1) != 0 or not status.get("expectedPods"):
            continue
        pods = pods_selected(snap, namespace_of(pdb), (pdb.get("spec") or {}).get("selector"))
        workload = workload_of(snap, pods[0]) if pods else pdb
        replicas = (workload.get("spec") or {}).get("replicas")
        values = _base(pdb, healthy=status.get("currentHealthy", 0), desired=status.get("desiredHealthy", 0),
                       workload=ref(workload), replicas=replicas, new_replicas=(replicas or 0) + 1)
        quotes = [status_quote(pdb, "status.disruptionsAllowed", 0),
                  status_quote(pdb, "status.currentHealthy", status.get("currentHealthy")),
                  status_quote(pdb, "status.desiredHealthy", status.get("desiredHealthy"))]
        yield Match(pdb, workload, values, quotes, {"target": workload, "budget": pdb})


# --- nodes -----------------------------------------------------------------------------------------------------

_PRESSURE = {"MemoryPressure": "memory", "DiskPressure": "disk space", "PIDPressure": "process IDs"}


@check
def nodes_not_ready(snap: Snapshot) -> Iterator[Match]:
    for node in snap.of("Node"):
        ready = condition(node, "Ready")
        if ready is not None and ready.get("status") != "True":
            values = _base(node, status=ready.get("status"), message=ready.get("message", ""))
            yield Match(node, node, values, [status_quote(node, "conditions[Ready].status", ready.get("status")),
                                             status_quote(node, "conditions[Ready].message", ready.get("message"))])


@check
def nodes_under_pressure(snap: Snapshot) -> Iterator[Match]:
    for node in snap.of("Node"):
        if (condition(node, "Ready") or {}).get("status") != "True":
            continue  # a lost node's conditions are Unknown; nodes_not_ready says it
        for type_, resource in _PRESSURE.items():
            cond = condition(node, type_)
            if cond is None or cond.get("status") != "True":
                continue
            taint = next((f"{t.get('key')}:{t.get('effect')}" for t in (node.get("spec") or {}).get("taints") or ()
                          if "pressure" in str(t.get("key"))), "node.kubernetes.io/*-pressure")
            values = _base(node, condition=type_, message=cond.get("message", ""), resource=resource, taint=taint)
            yield Match(node, node, values, [status_quote(node, f"conditions[{type_}].status", "True"),
                                             status_quote(node, f"conditions[{type_}].message", cond.get("message"))])


@check
def nodes_cordoned(snap: Snapshot) -> Iterator[Match]:
    for node in snap.of("Node"):
        if (node.get("spec") or {}).get("unschedulable"):
            since = next((t.get("timeAdded") for t in (node.get("spec") or {}).get("taints") or ()
                          if t.get("key") == "node.kubernetes.io/unschedulable"), None) or "an unknown time"
            yield Match(node, node, _base(node, since=since), [spec_quote(node, "spec.unschedulable", "true")])
