"""Pod failures in a scan: the container/pod/node analyzers (``analyzers.yaml``) run per unhealthy workload, on the
pods, events, ReplicaSets and nodes the snapshot already holds — one diagnosis per workload, no extra reads.

Logs are not read cluster-wide (one call per pod would not scale), so a crash loop the analyzers can only explain
from its log is reported as a crash loop with "read the previous log" as the follow-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kubecopilot.diagnosis.checks import Match, check
from kubecopilot.diagnosis.diagnose import diagnosis_of, find
from kubecopilot.diagnosis.models import Evidence
from kubecopilot.diagnosis.objects import name_of, namespace_of, owner, ref, workload_of
from kubecopilot.diagnosis.snapshot import Obj, Snapshot
from kubecopilot.k8s import pod_healthy

MAX_PODS = 3


def _config_error(pod: Obj) -> bool:
    """CreateContainerConfigError has its own analyzer (it can roll back); failed Jobs too (job_failed)."""
    return any(((s.get("state") or {}).get("waiting") or {}).get("reason") == "CreateContainerConfigError"
               for s in (pod.get("status") or {}).get("containerStatuses") or ())


def _failed_job(snap: Snapshot, pod: Obj) -> bool:
    job = owner(snap, pod, "Job")
    return job is not None and any(c.get("type") == "Failed" and c.get("status") == "True"
                                   for c in (job.get("status") or {}).get("conditions") or ())


@check
def pod_analyzers(snap: Snapshot) -> Iterator[Match]:
    by_workload: dict[str, tuple[Obj, list[Obj]]] = {}
    for pod in snap.of("Pod"):
        if not pod_healthy(pod) and not _config_error(pod) and not _failed_job(snap, pod):
            workload = workload_of(snap, pod)
            by_workload.setdefault(ref(workload), (workload, []))[1].append(pod)
    for workload, pods in by_workload.values():
        evidence = _evidence(snap, workload, pods)
        findings = find(evidence)
        if not findings:  # no known pod failure: other analyzers (quota, budget, …) may still say why
            continue
        diagnosis = diagnosis_of(evidence, findings, language=snap.language)
        first = evidence.pods[0]
        values = {"name": name_of(workload), "namespace": namespace_of(first), "kind": str(workload.get("kind")),
                  "pod": name_of(first), "summary": diagnosis.summary, "explanation": diagnosis.root_cause,
                  "manual_fix": diagnosis.suggested_fix}
        yield Match(first, workload, values, list(diagnosis.evidence), {"diagnosis": diagnosis, "pods": len(pods),
                                                                 "severity": findings[0].analyzer.severity})


def _evidence(snap: Snapshot, workload: Obj, pods: list[Obj]) -> Evidence:
    """What ``gather_evidence`` would have read for this workload, taken from the snapshot."""
    newest = sorted(pods, key=lambda p: str((p.get("metadata") or {}).get("creationTimestamp") or ""), reverse=True)[:MAX_PODS]
    kind = workload.get("kind")
    is_workload = kind in ("Deployment", "StatefulSet")
    pending = any(not (p.get("spec") or {}).get("nodeName") for p in newest)
    hosts = {(p.get("spec") or {}).get("nodeName") for p in newest}
    nodes = [n for n in snap.of("Node") if pending or name_of(n) in hosts]
    events: list[dict[str, Any]] = [e for p in newest for e in snap.events_about(p)]
    return Evidence(
        namespace=namespace_of(newest[0]), target=name_of(workload), pods=newest,
        workload=workload if is_workload else None,
        replicasets=snap.owned(workload, "ReplicaSet") if kind == "Deployment" else [],
        events=events, nodes=nodes,
    )
