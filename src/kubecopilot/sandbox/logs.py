"""Container logs, rendered on demand from the app profile and the container's status (nothing is stored).

A run's text is seeded by (pod uid, container, run start), so the same request gives the same lines. A healthy
run prints its startup lines and then traffic up to now; a crashed run prints what that failure prints
(``config_missing``, ``oom``); a failing readiness probe shows up as the kubelet's 404s in the access log.
"""

from __future__ import annotations

import base64
import posixpath
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from kubecopilot.sandbox import rules
from kubecopilot.sandbox.apps import AppProfile, Image
from kubecopilot.sandbox.errors import BadRequest
from kubecopilot.sandbox.podstatus import MAX_BACKOFF_S
from kubecopilot.sandbox.quantity import format_memory, mebibytes
from kubecopilot.sandbox.store import Obj
from kubecopilot.sandbox.timeutil import parse_stamp

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster

MAX_LINES = 400
LINE_INTERVAL_S = 20
EMAILS = ("alex.chen@example.com", "maria.garcia@example.org", "j.smith@shop.example.com", "li.wei@example.net")


@dataclass
class Run:
    story: str  # healthy | config_missing | oom | killed | completed
    start: datetime
    end: datetime


def container_logs(c: Cluster, pod: Obj, container: dict[str, Any], previous: bool, tail_lines: int) -> str:
    meta = pod["metadata"]
    name = container["name"]
    node = c.store.peek("Node", pod["spec"].get("nodeName") or "")
    if node is not None and not rules.node_is_ready(node):
        ip = pod["status"].get("hostIP")
        raise BadRequest(f'Get "https://{ip}:10250/containerLogs/{meta["namespace"]}/{meta["name"]}/{name}": '
                         f"dial tcp {ip}:10250: connect: no route to host", hint="the pod's node is NotReady")
    status = next((cs for cs in pod.get("status", {}).get("containerStatuses") or () if cs["name"] == name), None)
    run = _select_run(c, pod, name, status, previous)
    lines = render_run(c, pod, container, run)
    return "\n".join(lines[-tail_lines:]) + ("\n" if lines else "")


def _select_run(c: Cluster, pod: Obj, name: str, status: dict[str, Any] | None, previous: bool) -> Run:
    pod_name = pod["metadata"]["name"]
    if status is None:
        raise BadRequest(f'container "{name}" in pod "{pod_name}" is waiting to start: the pod is not scheduled to a '
                         "node yet (see its FailedScheduling events)")
    state, last = status.get("state") or {}, (status.get("lastState") or {}).get("terminated")
    crashing = "waiting" in state and last is not None
    if previous:
        if not last:
            raise BadRequest(f'previous terminated container "{name}" in pod "{pod_name}" not found')
        run = _terminated_run(last)
        if crashing:  # the instance before the last one: same failure, one back-off earlier
            backoff = min(MAX_BACKOFF_S, 10 * 2 ** min(8, max(0, status.get("restartCount", 1) - 1)))
            shift = run.end - run.start + timedelta(seconds=backoff)
            run = Run(run.story, run.start - shift, run.end - shift)
        return run
    if "running" in state:
        return Run("healthy", parse_stamp(state["running"]["startedAt"]), c.now())
    if "terminated" in state:
        return _terminated_run(state["terminated"])
    if crashing and last is not None:
        return _terminated_run(last)
    reason = state.get("waiting", {}).get("reason", "ContainerCreating")
    why = "trying and failing to pull image" if reason == "ImagePullBackOff" else reason
    raise BadRequest(f'container "{name}" in pod "{pod_name}" is waiting to start: {why}')


def _terminated_run(term: dict[str, Any]) -> Run:
    reason, code = term.get("reason"), term.get("exitCode")
    story = {"OOMKilled": "oom", "Completed": "completed"}.get(reason or "") or ("config_missing" if code == 1 else "killed")
    return Run(story, parse_stamp(term["startedAt"]), parse_stamp(term["finishedAt"]))


def render_run(c: Cluster, pod: Obj, container: dict[str, Any], run: Run) -> list[str]:
    app = c.catalog.profile(container.get("image", ""))
    rng = random.Random(f"{pod['metadata'].get('uid')}/{container['name']}/{run.start.isoformat()}")
    ctx = _context(c, pod, container, app)
    if run.story == "config_missing" and app.config_missing:
        return _spread(app, app.config_missing, run.start, run.end, rng, ctx)
    if run.story == "oom" and app.oom:
        return _spread(app, app.oom, run.start, run.end, rng, ctx)
    duration = max(0.0, (run.end - run.start).total_seconds())
    count = min(MAX_LINES, max(3, int(duration // LINE_INTERVAL_S)))
    body = [rng.choice(app.lines) for _ in range(count)]
    probe = _failing_readiness_path(container, app)
    if probe and run.story == "healthy":
        probe_line = '{node_ip} - - "GET ' + probe + ' HTTP/1.1" 404 19 0ms "kube-probe/1.30"'
        body = [line for pair in zip(body, [probe_line] * len(body), strict=True) for line in pair]
    tail = list(app.finish) if run.story == "completed" else []
    if run.story == "killed":
        tail = ["INFO  received SIGTERM, shutting down"]
    startup = _spread(app, app.startup, run.start, run.start + timedelta(seconds=min(3, duration)), rng, ctx)
    # The body is the most recent stretch of traffic, one line per LINE_INTERVAL_S, ending now.
    body_start = max(run.start + timedelta(seconds=min(5, duration)), run.end - timedelta(seconds=LINE_INTERVAL_S * len(body)))
    rest = _spread(app, body + tail, body_start, run.end, rng, ctx)
    return startup + rest


def _failing_readiness_path(container: dict[str, Any], app: AppProfile) -> str | None:
    http = (container.get("readinessProbe") or {}).get("httpGet")
    if not http or app.serves is None:
        return None
    path = http.get("path", "/")
    return None if path in app.serves else path


def _spread(app: AppProfile, templates: Any, start: datetime, end: datetime, rng: random.Random, ctx: dict[str, Any]) -> list[str]:
    templates = list(templates)
    if not templates:
        return []
    step = max(0.0, (end - start).total_seconds()) / max(1, len(templates))
    out = []
    for i, template in enumerate(templates):
        at = start + timedelta(seconds=step * i + rng.random() * step * 0.5)
        text = template.format_map(_Values(ctx, rng, at))
        out.append(f"{at.strftime('%Y-%m-%dT%H:%M:%S.')}{at.microsecond // 1000:03d}Z {text}" if app.timestamp == "iso" else text)
    return out


def _context(c: Cluster, pod: Obj, container: dict[str, Any], app: AppProfile) -> dict[str, Any]:
    limit = mebibytes(((container.get("resources") or {}).get("limits") or {}).get("memory")) or app.memory_mi
    path = rules.config_path(app, container) or ""
    directory = posixpath.dirname(path)
    mounted = rules.mounted_files(container, pod["spec"], pod["metadata"]["namespace"], c.store).get(directory, [])
    return {
        "version": Image.parse(container.get("image", "")).tag,
        "namespace": pod["metadata"]["namespace"],
        "pod": pod["metadata"]["name"],
        "container": container["name"],
        "node_ip": (pod.get("status") or {}).get("hostIP") or "10.0.1.1",
        "path": path,
        "dir": directory,
        "files": ", ".join(mounted) or "(empty)",
        "limit": format_memory(limit),
        "rss30": format_memory(limit * 30 // 100),
        "rss60": format_memory(limit * 60 // 100),
        "rss85": format_memory(limit * 85 // 100),
    }


class _Values(dict[str, Any]):
    """Fills a log template: fixed context first, then fresh random values per placeholder."""

    def __init__(self, ctx: dict[str, Any], rng: random.Random, at: datetime) -> None:
        super().__init__(ctx)
        self.rng, self.at = rng, at

    def __missing__(self, key: str) -> str:
        r, at = self.rng, self.at
        generators = {
            "client_ip": lambda: f"10.244.{r.randint(1, 3)}.{r.randint(2, 250)}" if r.random() < 0.7 else f"203.0.113.{r.randint(2, 250)}",
            "id": lambda: str(r.randint(1000, 99999)),
            "id2": lambda: str(r.randint(100, 999)),
            "bytes": lambda: str(r.randint(200, 9000)),
            "ms": lambda: str(r.randint(2, 120)),
            "slow_ms": lambda: str(r.randint(800, 2500)),
            "email": lambda: r.choice(EMAILS),
            "token": lambda: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + _b64(r, 36) + "." + _b64(r, 24),
            "rows": lambda: str(r.randint(10_000, 900_000)),
            "n": lambda: str(r.randint(1, 50)),
            "ngx_time": lambda: at.strftime("%Y/%m/%d %H:%M:%S"),
            "clf_time": lambda: at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "redis_time": lambda: at.strftime("%d %b %Y %H:%M:%S.") + f"{at.microsecond // 1000:03d}",
            "date": lambda: at.strftime("%Y-%m-%d"),
        }
        return generators[key]() if key in generators else "{" + key + "}"


def _b64(rng: random.Random, n: int) -> str:
    return base64.urlsafe_b64encode(rng.randbytes(n)).decode().rstrip("=")
