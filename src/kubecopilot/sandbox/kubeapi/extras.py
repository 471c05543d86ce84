"""The parts of the API that are not stored objects: pod logs (``sandbox.logs``), access reviews (everything is
allowed: the sandbox has no RBAC), ``metrics.k8s.io`` (``sandbox.metrics``) and ``events.k8s.io/v1`` (the core
events in the newer shape)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from kubecopilot.sandbox import metrics
from kubecopilot.sandbox.errors import BadRequest, NotFound
from kubecopilot.sandbox.kubeapi.objects import Call, Obj, Reply
from kubecopilot.sandbox.logs import container_logs
from kubecopilot.sandbox.ops.common import find_container
from kubecopilot.sandbox.selectors import Selector

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster

ALL_LINES = 1_000_000
_LINE_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z\s")


def pod_log(c: Cluster, call: Call, name: str) -> Reply:
    namespace = call.path.namespace or "default"
    pod = c.store.require("Pod", name, namespace)
    containers = [ct["name"] for ct in pod["spec"].get("containers") or ()]
    wanted = call.query.get("container")
    if not wanted and len(containers) > 1:
        raise BadRequest(f"a container name must be specified for pod {name}, choose one of: [{' '.join(containers)}]")
    container = find_container(pod, wanted or None)
    tail = call.query.get("tailLines")
    try:
        lines = int(tail) if tail else ALL_LINES
    except ValueError:
        raise BadRequest(f'tailLines: Invalid value: "{tail}": must be an integer') from None
    text = container_logs(c, pod, container, call.flag("previous"), max(0, lines)) if lines else ""
    if call.flag("timestamps"):
        text = _with_timestamps(text, _started(pod, container["name"]))
    limit = call.query.get("limitBytes")
    if limit and limit.isdigit():
        text = text.encode()[: int(limit)].decode(errors="ignore")
    return Reply(200, text)


def _started(pod: Obj, container: str) -> str:
    for status in (pod.get("status") or {}).get("containerStatuses") or ():
        if status["name"] == container:
            running = (status.get("state") or {}).get("running") or {}
            return str(running.get("startedAt") or pod["metadata"]["creationTimestamp"])
    return str(pod["metadata"]["creationTimestamp"])


def _with_timestamps(text: str, fallback: str) -> str:
    """kubectl's ``--timestamps``: an RFC 3339 time before each line. The sandbox keeps no per-line times, so a line
    that starts with its own ISO time gets that one and any other line the last time seen (at first the container's
    start)."""
    out, last = [], fallback.rstrip("Z") + ".000000000Z"
    for line in text.splitlines():
        if m := _LINE_STAMP.match(line):
            last = f"{m[1]}.{(m[2] or '').ljust(9, '0')[:9]}Z"
        out.append(f"{last} {line}")
    return "\n".join(out) + ("\n" if out else "")


def access_review(call: Call) -> Reply:
    """Everything is allowed. client-go's typed clients send these reviews as protobuf, which the sandbox does not
    decode: the answer, in JSON, needs nothing from the question."""
    if "protobuf" in call.content_type:
        kind = "SelfSubjectRulesReview" if call.path.resource == "selfsubjectrulesreviews" else "SelfSubjectAccessReview"
        body: Obj = {"kind": kind, "apiVersion": "authorization.k8s.io/v1", "spec": {}}
    else:
        body = call.object_body()
    body.setdefault("kind", "SelfSubjectAccessReview")
    body.setdefault("apiVersion", "authorization.k8s.io/v1")
    if body.get("kind") == "SelfSubjectRulesReview":
        body["status"] = {"resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                          "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}], "incomplete": False}
    else:
        body["status"] = {"allowed": True, "reason": "the KubeCopilot sandbox has no RBAC: everything is allowed"}
    body.setdefault("metadata", {})
    return Reply(201, body)


def pod_metrics(c: Cluster, call: Call) -> Reply:
    path = call.path
    if path.name:
        pod = c.store.require("Pod", path.name, path.namespace or "default")
        if not metrics.container_usage(c, pod):
            raise NotFound(f'podmetrics.metrics.k8s.io "{path.namespace}/{path.name}" not found')
        return Reply(200, {"kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1", **metrics.pod_metrics(c, pod)})
    selector = Selector.parse(call.query["labelSelector"]) if call.query.get("labelSelector") else None
    pods = [p for p in c.store.list("Pod", path.namespace, selector) if metrics.container_usage(c, p)]
    items = [metrics.pod_metrics(c, p) for p in pods]
    return Reply(200, {"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": items})


def node_metrics(c: Cluster, call: Call) -> Reply:
    def shaped(node: Obj) -> Obj:
        return {k: v for k, v in metrics.node_metrics(c, node).items() if k != "percent"}

    if call.path.name:
        node = c.store.require("Node", call.path.name)
        return Reply(200, {"kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1", **shaped(node)})
    selector = Selector.parse(call.query["labelSelector"]) if call.query.get("labelSelector") else None
    items = [shaped(n) for n in c.store.list("Node", None, selector)]
    return Reply(200, {"kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": items})


def events_v1(event: Obj) -> Obj:
    """A core/v1 Event in the events.k8s.io/v1 shape."""
    source: dict[str, Any] = event.get("source") or {}
    return {
        "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": event["metadata"],
        "regarding": event.get("involvedObject"), "reason": event.get("reason"), "note": event.get("message"),
        "type": event.get("type"), "action": event.get("reason"),
        "reportingController": event.get("reportingComponent") or source.get("component", ""),
        "reportingInstance": event.get("reportingInstance", ""), "eventTime": None,
        "deprecatedSource": source, "deprecatedCount": event.get("count", 1),
        "deprecatedFirstTimestamp": event.get("firstTimestamp"), "deprecatedLastTimestamp": event.get("lastTimestamp"),
    }
