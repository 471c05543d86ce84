"""Fix builders for scan findings: structured facts of a match in, a ``FixSpec`` (or None) and template values out.

Only changes the default whitelist allows are built (scale, set resources, roll back a Deployment or StatefulSet);
the plan domain still validates, rates and asks before anything runs. A finding without a safe change says what to
do by hand (its ``manual_fix`` text).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from kubecopilot.diagnosis.checks import Match
from kubecopilot.diagnosis.models import FixAction, FixSpec
from kubecopilot.diagnosis.objects import name_of, namespace_of
from kubecopilot.diagnosis.remedies import format_memory, previous_revision, revision
from kubecopilot.diagnosis.snapshot import Obj, Snapshot
from kubecopilot.quantity import parse_quantity

Fix = tuple[FixSpec | None, dict[str, str]]
FixBuilder = Callable[[Snapshot, Match], Fix]
SCALABLE = ("Deployment", "StatefulSet")
HPA_CPU_REQUEST = "100m"  # a modest first request; the HPA then reports real utilization to size it by
_QUOTA = re.compile(r"requested: (?P<resource>requests\.(?:cpu|memory))=(?P<requested>[^,\s]+), "
                    r"used: [^=]+=(?P<used>[^,\s]+), limited: [^=]+=(?P<limit>[^,\s]+)")


def _spec(workload: Obj, action: FixAction, **fields: Any) -> FixSpec:
    return FixSpec(action=action, kind=workload["kind"], namespace=namespace_of(workload), name=name_of(workload), **fields)


def no_fix(snap: Snapshot, match: Match) -> Fix:
    return None, {}


def matched(snap: Snapshot, match: Match) -> Fix:
    """pod_failures: the fix of the pod analyzer that matched (built by its remedy)."""
    diagnosis = match.data.get("diagnosis")
    return (diagnosis.fix if diagnosis is not None else None), {}


def scale_up_from_zero(snap: Snapshot, match: Match) -> Fix:
    workload = match.data.get("scale_from_zero")
    if workload is None or workload.get("kind") not in SCALABLE:
        return None, {}
    return _spec(workload, "scale", replicas=1), {}


def scale_for_budget(snap: Snapshot, match: Match) -> Fix:
    target = match.data.get("target") or {}
    replicas = (target.get("spec") or {}).get("replicas")
    if target.get("kind") not in SCALABLE or not isinstance(replicas, int):
        return None, {}
    return _spec(target, "scale", replicas=replicas + 1), {}


def rollback_if_earlier_revision_ran(snap: Snapshot, match: Match) -> Fix:
    """Back to the previous revision when there is one whose template differs (it started before the change)."""
    workload = match.data.get("rollback") or {}
    if workload.get("kind") != "Deployment":
        return None, {}
    previous = previous_revision(workload, list(snap.owned(workload, "ReplicaSet")))
    if previous is None or (previous.get("spec") or {}).get("template", {}).get("spec") == workload["spec"]["template"].get("spec"):
        return None, {}
    return _spec(workload, "rollback"), {"revision": str(revision(previous))}


def cpu_request_for_hpa(snap: Snapshot, match: Match) -> Fix:
    target, missing = match.data.get("target"), match.data.get("containers") or []
    if target is None or target.get("kind") not in SCALABLE or len(missing) != 1:
        return None, {}
    values = {"new_request": HPA_CPU_REQUEST, "container": str(missing[0])}
    return _spec(target, "set_resources", container=missing[0], requests={"cpu": HPA_CPU_REQUEST}), values


def fit_quota(snap: Snapshot, match: Match) -> Fix:
    """Lower a single container's request so every replica fits the quota that refused the pods."""
    rs, target = match.data.get("replicaset") or {}, match.data.get("target") or {}
    message = next((str(c.get("message")) for c in (rs.get("status") or {}).get("conditions") or ()
                    if c.get("type") == "ReplicaFailure"), "")
    m = _QUOTA.search(message)
    containers = ((target.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or []
    if m is None or target.get("kind") not in SCALABLE or len(containers) != 1:
        return None, {}
    resource = m.group("resource").split(".")[1]
    limit, used, requested = (parse_quantity(m.group(g)) for g in ("limit", "used", "requested"))
    replicas = (target.get("spec") or {}).get("replicas") or 1
    running = (rs.get("status") or {}).get("replicas", 0) or 0
    if limit is None or used is None or requested is None:
        return None, {}
    others = Decimal(used) - Decimal(requested) * running  # what other pods of the namespace use
    step = Decimal(2**26) if resource == "memory" else Decimal("0.01")  # 64Mi or 10m
    new = ((Decimal(limit) - others) / replicas / step).to_integral_value(rounding=ROUND_FLOOR) * step
    if new <= 0 or new >= Decimal(requested):
        return None, {}
    text = format_memory(new) if resource == "memory" else f"{int(new * 1000)}m"
    values = {"resource": resource, "container": str(containers[0].get("name")), "new_request": text,
              "limit": m.group("limit")}
    return _spec(target, "set_resources", container=containers[0].get("name"), requests={resource: text}), values


FIXES: dict[str, FixBuilder] = {
    "none": no_fix,
    "matched": matched,
    "scale_up_from_zero": scale_up_from_zero,
    "scale_for_budget": scale_for_budget,
    "rollback_if_earlier_revision_ran": rollback_if_earlier_revision_ran,
    "cpu_request_for_hpa": cpu_request_for_hpa,
    "fit_quota": fit_quota,
}
