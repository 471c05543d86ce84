"""Turn a rules outcome into the pod's ``status`` and the events the kubelet and scheduler would have emitted.

Everything here is a function of (pod, outcome, previous status, now), so running it twice gives the same result
and restart counts grow with the pod's age the way a back-off would make them grow.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from kubecopilot.sandbox.apps import Image
from kubecopilot.sandbox.events import EventSpec
from kubecopilot.sandbox.rules import ContainerOutcome, PodOutcome
from kubecopilot.sandbox.store import Obj
from kubecopilot.sandbox.timeutil import parse_stamp, stamp

PULL_S = 3
MAX_BACKOFF_S = 300


def crash_timeline(elapsed: float, run_s: int) -> list[tuple[float, float]]:
    """(start, end) offsets of the finished attempts of a crash-looping container, at least two.

    Back-off doubles from 10 s up to 5 min. A pod too young for two attempts has them squeezed into its age, so a
    freshly rolled-out bad pod already shows CrashLoopBackOff with one restart (the simulation skips ahead).
    """
    attempts, start, backoff = [], 0.0, 10
    while start + run_s <= elapsed:
        attempts.append((start, start + run_s))
        start += run_s + backoff
        backoff = min(backoff * 2, MAX_BACKOFF_S)
    if len(attempts) >= 2:
        return attempts
    needed = 2 * run_s + 10
    f = elapsed / needed
    return [(0.0, run_s * f), ((run_s + 10) * f, needed * f)]


def retries(elapsed: float) -> int:
    """How many times a back-off loop (10 s doubling to 5 min) has tried after ``elapsed`` seconds, at least 1."""
    count, t, backoff = 1, 0.0, 10
    while t + backoff <= elapsed:
        t += backoff
        count += 1
        backoff = min(backoff * 2, MAX_BACKOFF_S)
    return count


def build_status(pod: Obj, outcome: PodOutcome, now: datetime, unschedulable: str | None) -> dict[str, Any]:
    created = parse_stamp(pod["metadata"]["creationTimestamp"])
    old = pod.get("status") or {}
    status: dict[str, Any] = {"qosClass": qos_class(pod["spec"])}
    if not outcome.scheduled:
        status["phase"] = "Pending"
        status["conditions"] = [_condition("PodScheduled", False, created, "Unschedulable", unschedulable)]
        return status
    started = created + timedelta(seconds=min(PULL_S, max(0, (now - created).total_seconds())))
    previous = {c["name"]: c for c in old.get("containerStatuses") or ()}
    statuses = [_container_status(pod, c, previous.get(c.name), started, now) for c in outcome.containers]
    ready = outcome.ready
    status.update(
        {
            "phase": _phase(outcome),
            "hostIP": old.get("hostIP"),
            "podIP": old.get("podIP"),
            "podIPs": [{"ip": old["podIP"]}] if old.get("podIP") else [],
            "startTime": stamp(created),
            "containerStatuses": statuses,
        }
    )
    ready_since = _ready_since(old, ready, started, now)
    not_ready_reason = "ContainersNotReady" if outcome.node_ready else None
    status["conditions"] = [
        _condition("PodReadyToStartContainers", True, created + timedelta(seconds=1)),
        _condition("Initialized", True, created),
        _condition("Ready", ready, ready_since, None if ready else not_ready_reason, _not_ready_message(statuses)),
        _condition("ContainersReady", all(s["ready"] for s in statuses), ready_since),
        _condition("PodScheduled", True, created),
    ]
    if not outcome.node_ready:
        status["conditions"][2]["reason"] = "NodeNotReady"
    return status


def _container_status(pod: Obj, c: ContainerOutcome, old: dict[str, Any] | None, started: datetime, now: datetime) -> dict[str, Any]:
    meta = pod["metadata"]
    base: dict[str, Any] = {"name": c.name, "image": c.image, "ready": c.ready, "restartCount": 0, "started": False}
    if c.mode == "waiting":
        base.update(imageID="", state={"waiting": {"reason": c.reason, **({"message": c.message} if c.message else {})}})
        base["lastState"] = {}
        return base
    base["imageID"] = _image_id(c.image)
    base["containerID"] = "containerd://" + _hex(f"{meta.get('uid')}/{c.name}", 64)
    if c.mode == "completed":
        finished = started + timedelta(seconds=45)
        base["state"] = {"terminated": _terminated(0, "Completed", started, min(finished, now))}
        base["lastState"] = {}
        return base
    if c.mode == "crashloop":
        attempts = crash_timeline((now - started).total_seconds(), c.run_s)
        last_start, last_end = attempts[-1]
        backoff = min(10 * 2 ** (len(attempts) - 1), MAX_BACKOFF_S)
        pod_ref = f"{meta['name']}_{meta['namespace']}({meta.get('uid')})"
        base.update(
            restartCount=len(attempts) - 1,
            started=False,
            state={"waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off {_go_duration(backoff)} restarting failed container={c.name} pod={pod_ref}",
            }},
            lastState={"terminated": _terminated(
                c.exit_code or 1, c.exit_reason or "Error",
                started + timedelta(seconds=last_start), started + timedelta(seconds=last_end),
            )},
        )
        return base
    return _running_status(base, c, old, started, now)


def _running_status(base: dict[str, Any], c: ContainerOutcome, old: dict[str, Any] | None, started: datetime, now: datetime) -> dict[str, Any]:
    old = old or {}
    old_state = old.get("state") or {}
    base["started"] = True
    if old.get("image") == c.image and "running" in old_state:
        base.update(restartCount=old["restartCount"], state=old_state, lastState=old.get("lastState") or {})
    elif old.get("image") == c.image and old.get("lastState", {}).get("terminated"):
        # The cause went away while the container was backing off: the next attempt starts and stays up.
        base.update(restartCount=old["restartCount"] + 1, state={"running": {"startedAt": stamp(now)}}, lastState=old["lastState"])
    else:
        base.update(state={"running": {"startedAt": stamp(started)}}, lastState={})
    return base


def pod_events(pod: Obj, outcome: PodOutcome, now: datetime, unschedulable: str | None) -> list[EventSpec]:
    meta = pod["metadata"]
    created = parse_stamp(meta["creationTimestamp"])
    if not outcome.scheduled:
        count = 1 + int((now - created).total_seconds() // MAX_BACKOFF_S)
        last = created + timedelta(seconds=(count - 1) * MAX_BACKOFF_S)
        return [EventSpec("FailedScheduling", unschedulable or "", "Warning", "default-scheduler", count, created, last)]
    node = pod["spec"].get("nodeName")
    events = [EventSpec("Scheduled", f"Successfully assigned {meta['namespace']}/{meta['name']} to {node}",
                        component="default-scheduler", first=created, last=created)]
    started = created + timedelta(seconds=min(PULL_S, max(0, (now - created).total_seconds())))
    for c in outcome.containers:
        events.extend(_container_events(pod, c, started, now))
    return events


def _container_events(pod: Obj, c: ContainerOutcome, started: datetime, now: datetime) -> list[EventSpec]:
    meta = pod["metadata"]
    fp = f"spec.containers{{{c.name}}}"
    created = parse_stamp(meta["creationTimestamp"])
    elapsed = (now - created).total_seconds()

    def ev(reason: str, message: str, type_: str = "Normal", count: int = 1, first: datetime = started,
           last: datetime | None = None) -> EventSpec:
        return EventSpec(reason, message, type_, "kubelet", count, first, last or first, fp)

    if c.reason == "ContainerCreating":
        return []  # the pod-level FailedMount event tells the story
    if c.reason == "ImagePullBackOff":
        n = retries(elapsed)
        return [
            ev("Pulling", f'Pulling image "{c.image}"', count=n, first=created, last=now),
            ev("Failed", f'Failed to pull image "{c.image}": {c.pull_error}', "Warning", n, created, now),
            ev("Failed", "Error: ErrImagePull", "Warning", n, created, now),
            ev("BackOff", f'Back-off pulling image "{c.image}"', count=max(1, 2 * n - 1), first=created, last=now),
            ev("Failed", "Error: ImagePullBackOff", "Warning", max(1, 2 * n - 1), created, now),
        ]
    if c.reason == "CreateContainerConfigError":
        return [ev("Failed", f"Error: {c.message}", "Warning", retries(elapsed), created, now)]
    pulled = ev("Pulled", f'Successfully pulled image "{c.image}" in 1.843s (1.843s including waiting). '
                f"Image size: {_image_size(c.image)} bytes.", first=created + timedelta(seconds=1))
    if c.mode == "crashloop":
        attempts = crash_timeline((now - started).total_seconds(), c.run_s)
        n, first_end, last_start = len(attempts), attempts[0][1], attempts[-1][0]
        last = started + timedelta(seconds=last_start)
        events = [
            ev("Pulled", f'Container image "{c.image}" already present on machine', count=n, last=last),
            ev("Created", f"Created container: {c.name}", count=n, last=last),
            ev("Started", f"Started container {c.name}", count=n, last=last),
            ev("BackOff", f"Back-off restarting failed container {c.name} in pod {meta['name']}_{meta['namespace']}"
               f"({meta.get('uid')})", "Warning", max(1, 2 * (n - 1)), started + timedelta(seconds=first_end), now),
        ]
        if c.probe_path:
            events.append(ev("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 404", "Warning",
                             3 * n, started, last))
            events.append(ev("Killing", f"Container {c.name} failed liveness probe, will be restarted", count=n, last=last))
        return events
    events = [pulled, ev("Created", f"Created container: {c.name}"), ev("Started", f"Started container {c.name}")]
    if c.mode == "running" and c.probe_path:
        probe = _probe(pod, c.name, "readinessProbe")
        delay, period = probe.get("initialDelaySeconds", 0), probe.get("periodSeconds", 10)
        count = max(1, int(((now - started).total_seconds() - delay) // period))
        events.append(ev("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 404", "Warning",
                         count, started + timedelta(seconds=delay), now))
    return events


def qos_class(spec: dict[str, Any]) -> str:
    resources = [c.get("resources") or {} for c in spec.get("containers") or ()]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    for r in resources:
        limits, requests = r.get("limits") or {}, r.get("requests") or {}
        if not {"cpu", "memory"} <= set(limits) or any(requests.get(k, limits[k]) != limits[k] for k in limits):
            return "Burstable"
    return "Guaranteed"


def _probe(pod: Obj, container: str, kind: str) -> dict[str, Any]:
    for c in pod["spec"].get("containers") or ():
        if c["name"] == container:
            return c.get(kind) or {}
    return {}


def _phase(outcome: PodOutcome) -> str:
    modes = {c.mode for c in outcome.containers}
    if modes and modes <= {"completed"}:
        return "Succeeded"
    return "Running" if modes & {"running", "crashloop"} else "Pending"


def _ready_since(old: dict[str, Any], ready: bool, started: datetime, now: datetime) -> datetime:
    for cond in old.get("conditions") or ():
        if cond["type"] == "Ready" and (cond["status"] == "True") == ready:
            return parse_stamp(cond["lastTransitionTime"])
    return started if not old.get("conditions") else now


def _not_ready_message(statuses: list[dict[str, Any]]) -> str | None:
    names = [s["name"] for s in statuses if not s["ready"]]
    return f"containers with unready status: [{' '.join(names)}]" if names else None


def _condition(type_: str, ok: bool, at: datetime, reason: str | None = None, message: str | None = None) -> dict[str, Any]:
    cond: dict[str, Any] = {"type": type_, "status": "True" if ok else "False", "lastProbeTime": None,
                            "lastTransitionTime": stamp(at)}
    if not ok and reason:
        cond["reason"] = reason
    if not ok and message:
        cond["message"] = message
    return cond


def _terminated(code: int, reason: str, start: datetime, end: datetime) -> dict[str, Any]:
    return {"exitCode": code, "reason": reason, "startedAt": stamp(start), "finishedAt": stamp(end)}


def _image_id(image: str) -> str:
    ref = Image.parse(image).reference.rsplit(":", 1)[0]
    return f"{ref}@sha256:{_hex(image, 64)}"


def _image_size(image: str) -> int:
    return 20_000_000 + int(_hex(image, 6), 16) % 180_000_000


def _hex(text: str, n: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def _go_duration(seconds: int) -> str:
    return f"{seconds // 60}m{seconds % 60}s" if seconds >= 60 else f"{seconds}s"
