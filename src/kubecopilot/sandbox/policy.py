"""Namespace policies: ResourceQuota admission and status, PodDisruptionBudget status.

A quota is checked when a controller creates a pod (the API server's ``ResourceQuota`` admission): a pod that
would take a namespace over a hard limit is refused with the API server's ``exceeded quota`` message, which the
ReplicaSet reports as a ``FailedCreate`` event and a ``ReplicaFailure`` condition. A budget's status counts the
healthy pods its selector matches and how many of them may be evicted now (``disruptionsAllowed``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from kubecopilot.sandbox.quantity import format_cpu, format_memory, mebibytes, millicores
from kubecopilot.sandbox.selectors import Selector
from kubecopilot.sandbox.store import Obj

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster

TERMINAL_PHASES = ("Succeeded", "Failed")
# resource name → (how one container asks for it, how to count, how to print)
_RESOURCES = ("pods", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory")


def pod_usage(spec: dict[str, Any]) -> dict[str, int]:
    """What one pod counts against a quota: 1 pod, and its requests/limits in millicores and MiB."""
    usage = dict.fromkeys(_RESOURCES, 0)
    usage["pods"] = 1
    for container in spec.get("containers") or ():
        resources = container.get("resources") or {}
        for section in ("requests", "limits"):
            values = resources.get(section) or {}
            if section == "requests":  # a container with only limits requests its limits, as the API server defaults
                values = {**(resources.get("limits") or {}), **values}
            usage[f"{section}.cpu"] += millicores(values.get("cpu"))
            usage[f"{section}.memory"] += mebibytes(values.get("memory"))
    return usage


def namespace_usage(c: Cluster, namespace: str) -> dict[str, int]:
    total = dict.fromkeys(_RESOURCES, 0)
    for pod in c.store.list("Pod", namespace):
        if pod["metadata"].get("deletionTimestamp") or (pod.get("status") or {}).get("phase") in TERMINAL_PHASES:
            continue
        for key, value in pod_usage(pod["spec"]).items():
            total[key] += value
    return total


def quota_refusal(c: Cluster, namespace: str, pod_spec: dict[str, Any], pod_name: str) -> str | None:
    """The API server's refusal of a new pod in ``namespace``, or None when every quota admits it."""
    quotas = c.store.list("ResourceQuota", namespace)
    if not quotas:
        return None
    wanted, used = pod_usage(pod_spec), namespace_usage(c, namespace)
    for quota in quotas:
        hard = {k: _amount(k, v) for k, v in (quota["spec"].get("hard") or {}).items() if k in _RESOURCES}
        over = [k for k, limit in hard.items() if wanted[k] and used[k] + wanted[k] > limit]
        if over:
            requested = ",".join(f"{k}={_format(k, wanted[k])}" for k in over)
            in_use = ",".join(f"{k}={_format(k, used[k])}" for k in over)
            limited = ",".join(f"{k}={_format(k, hard[k])}" for k in over)
            return (f'pods "{pod_name}" is forbidden: exceeded quota: {quota["metadata"]["name"]}, '
                    f"requested: {requested}, used: {in_use}, limited: {limited}")
    return None


def quota_status(c: Cluster, quota: Obj) -> dict[str, Any]:
    hard = {k: v for k, v in (quota["spec"].get("hard") or {}).items() if k in _RESOURCES}
    used = namespace_usage(c, quota["metadata"]["namespace"])
    return {"hard": dict(hard), "used": {k: _format(k, used[k]) for k in hard}}


def budget_status(c: Cluster, pdb: Obj) -> dict[str, Any]:
    spec = pdb["spec"]
    selector = Selector.from_spec(spec.get("selector"))
    pods = [p for p in c.store.list("Pod", pdb["metadata"]["namespace"], selector)
            if not p["metadata"].get("deletionTimestamp")]
    healthy = sum(_ready(p) for p in pods)
    expected = len(pods)
    if "minAvailable" in spec:
        desired = _scaled(spec["minAvailable"], expected)
    else:
        desired = max(0, expected - _scaled(spec.get("maxUnavailable", 0), expected))
    allowed = max(0, healthy - desired)
    return {
        "observedGeneration": pdb["metadata"].get("generation", 1),
        "currentHealthy": healthy, "desiredHealthy": desired, "expectedPods": expected, "disruptionsAllowed": allowed,
        "conditions": [{"type": "DisruptionAllowed", "status": "True" if allowed else "False",
                        "reason": "SufficientPods" if allowed else "InsufficientPods", "message": "",
                        "observedGeneration": pdb["metadata"].get("generation", 1),
                        "lastTransitionTime": pdb["metadata"]["creationTimestamp"]}],
    }


def _scaled(value: int | str, total: int) -> int:
    """An int, or a percentage of ``total`` rounded up (as the disruption controller rounds)."""
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(total * int(value[:-1]) / 100)
    return int(value)


def _ready(pod: Obj) -> bool:
    return any(cond["type"] == "Ready" and cond["status"] == "True" for cond in (pod.get("status") or {}).get("conditions") or ())


def _amount(key: str, value: Any) -> int:
    if key == "pods":
        return int(value)
    return millicores(value) if key.endswith("cpu") else mebibytes(value)


def _format(key: str, value: int) -> str:
    if key == "pods":
        return str(value)
    return format_cpu(value) if key.endswith("cpu") else format_memory(value)
