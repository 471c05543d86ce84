"""The short forms kubectl prints: a pod's STATUS and READY columns, restarts, ages."""

from __future__ import annotations

from datetime import datetime

from kubecopilot.sandbox.store import Obj
from kubecopilot.sandbox.timeutil import human_age, parse_stamp


def pod_status(pod: Obj) -> str:
    """kubectl's STATUS column: CrashLoopBackOff, ImagePullBackOff, Pending, Completed, Terminating, Running …"""
    status = pod.get("status") or {}
    if pod["metadata"].get("deletionTimestamp"):
        return "Terminating"
    reason = status.get("reason") or status.get("phase") or "Unknown"
    for cs in reversed(status.get("containerStatuses") or []):
        state = cs.get("state") or {}
        if state.get("waiting", {}).get("reason"):
            return str(state["waiting"]["reason"])
        if "terminated" in state:
            reason = state["terminated"].get("reason") or f"ExitCode:{state['terminated'].get('exitCode')}"
    return reason


def ready_column(pod: Obj) -> str:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    total = len(pod["spec"].get("containers") or [])
    return f"{sum(1 for cs in statuses if cs.get('ready'))}/{total}"


def restarts(pod: Obj) -> int:
    return sum(cs.get("restartCount", 0) for cs in (pod.get("status") or {}).get("containerStatuses") or [])


def is_problem(pod: Obj) -> bool:
    status = pod_status(pod)
    if status in ("Completed", "Succeeded"):
        return False
    if status == "Running":
        ready, total = ready_column(pod).split("/")
        return ready != total
    return True


def problem_reason(pod: Obj) -> str:
    status = pod_status(pod)
    if status == "Running" and is_problem(pod):
        return "NotReady"
    if status == "CrashLoopBackOff":
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            last = (cs.get("lastState") or {}).get("terminated") or {}
            if last.get("reason") == "OOMKilled":
                return "CrashLoopBackOff (OOMKilled)"
    return status


def age(obj: Obj, now: datetime) -> str:
    return human_age(now - parse_stamp(obj["metadata"]["creationTimestamp"]))
