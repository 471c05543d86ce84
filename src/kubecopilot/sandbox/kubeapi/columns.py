"""The columns the API server prints per kind (``kubectl get``'s server-side printing), after the Kubernetes
printers: NAME READY STATUS RESTARTS AGE for pods, NAME READY UP-TO-DATE AVAILABLE AGE for deployments, … .
Priority-1 columns are the ones ``-o wide`` adds. Pod STATUS/READY/RESTARTS come from ``sandbox.display``, the
sandbox's own notion of what kubectl prints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from kubecopilot.sandbox import display
from kubecopilot.sandbox.rules import node_is_ready
from kubecopilot.sandbox.timeutil import parse_stamp

Obj = dict[str, Any]
Cell = str | int
Column = tuple[str, int, Callable[[Obj, datetime], Cell]]  # (header, priority, cell of an object at a time)


def human_duration(delta: timedelta) -> str:
    """kubectl's AGE: apimachinery's ``duration.HumanDuration`` (45s, 7m30s, 150m, 3h20m, 26h, 4d5h, 30d, 3y)."""
    seconds = int(delta.total_seconds())
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    minutes, hours = seconds // 60, seconds // 3600
    if seconds < 120:
        return f"{seconds}s"
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = hours // 24
        return f"{days // 365}y{days % 365}d" if days % 365 else f"{days // 365}y"
    return f"{hours // 24 // 365}y"


def _age(stamp: str | None, now: datetime) -> str:
    return human_duration(now - parse_stamp(stamp)) if stamp else "<unknown>"


def age(obj: Obj, now: datetime) -> str:
    return _age(obj["metadata"].get("creationTimestamp"), now)


def _spec(obj: Obj) -> dict[str, Any]:
    return obj.get("spec") or {}


def _status(obj: Obj) -> dict[str, Any]:
    return obj.get("status") or {}


def _none(values: list[str], sep: str = ",") -> str:
    return sep.join(v for v in values if v) or "<none>"


def _labels(selector: dict[str, Any] | None) -> str:
    return _none([f"{k}={v}" for k, v in sorted(((selector or {}).get("matchLabels") or selector or {}).items())
                  if isinstance(v, str)])


def _template_containers(obj: Obj) -> list[Obj]:
    return list(((_spec(obj).get("template") or {}).get("spec") or {}).get("containers") or [])


def _containers(obj: Obj, _: datetime) -> str:
    return _none([c["name"] for c in _template_containers(obj)])


def _images(obj: Obj, _: datetime) -> str:
    return _none([c.get("image", "") for c in _template_containers(obj)])


def _selector(obj: Obj, _: datetime) -> str:
    return _labels(_spec(obj).get("selector"))


def _pod_restarts(pod: Obj, now: datetime) -> str:
    count = display.restarts(pod)
    finished = [((cs.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
                for cs in _status(pod).get("containerStatuses") or ()]
    last = max((f for f in finished if f), default=None)
    return f"{count} ({_age(last, now)} ago)" if count and last else str(count)


def _node_status(node: Obj, _: datetime) -> str:
    state = "Ready" if node_is_ready(node) else "NotReady"
    return state + (",SchedulingDisabled" if _spec(node).get("unschedulable") else "")


def _node_roles(node: Obj, _: datetime) -> str:
    prefix = "node-role.kubernetes.io/"
    return _none([k[len(prefix):] for k in (node["metadata"].get("labels") or {}) if k.startswith(prefix)])


def _node_address(kind: str) -> Callable[[Obj, datetime], str]:
    def cell(node: Obj, _: datetime) -> str:
        return _none([a["address"] for a in _status(node).get("addresses") or () if a.get("type") == kind])
    return cell


def _service_ports(svc: Obj, _: datetime) -> str:
    ports = []
    for p in _spec(svc).get("ports") or ():
        node_port = f":{p['nodePort']}" if p.get("nodePort") else ""
        ports.append(f"{p.get('port')}{node_port}/{p.get('protocol', 'TCP')}")
    return _none(ports)


def _external_ip(svc: Obj, _: datetime) -> str:
    ingress = (_status(svc).get("loadBalancer") or {}).get("ingress") or []
    ips = [i.get("ip") or i.get("hostname") or "" for i in ingress] + list(_spec(svc).get("externalIPs") or [])
    if ips:
        return _none(ips)
    return "<pending>" if _spec(svc).get("type") == "LoadBalancer" else "<none>"


def _endpoints(ep: Obj, _: datetime) -> str:
    found = [f"{a['ip']}:{p.get('port')}" for s in ep.get("subsets") or () for a in s.get("addresses") or ()
             for p in s.get("ports") or [{}]]
    return _none(found[:3]) + (f" + {len(found) - 3} more..." if len(found) > 3 else "")


def _event_object(ev: Obj, _: datetime) -> str:
    inv = ev.get("involvedObject") or {}
    return f"{str(inv.get('kind', '')).lower()}/{inv.get('name', '')}"


def _event_last_seen(ev: Obj, now: datetime) -> str:
    return _age(ev.get("lastTimestamp") or ev.get("eventTime") or ev.get("firstTimestamp"), now)


def _job_status(job: Obj, _: datetime) -> str:
    conditions = {c["type"]: c["status"] for c in _status(job).get("conditions") or ()}
    for kind, word in (("Complete", "Complete"), ("Failed", "Failed"), ("Suspended", "Suspended")):
        if conditions.get(kind) == "True":
            return word
    return "Running"


def _job_duration(job: Obj, now: datetime) -> str:
    start, end = _status(job).get("startTime"), _status(job).get("completionTime")
    if not start:
        return ""
    return human_duration((parse_stamp(end) if end else now) - parse_stamp(start))


def _hpa_targets(hpa: Obj, _: datetime) -> str:
    current = {m.get("resource", {}).get("name"): m.get("resource", {}).get("current", {})
               for m in _status(hpa).get("currentMetrics") or ()}
    cells = []
    for metric in _spec(hpa).get("metrics") or ():
        resource = metric.get("resource") or {}
        target = (resource.get("target") or {}).get("averageUtilization")
        now_value = (current.get(resource.get("name")) or {}).get("averageUtilization")
        cells.append(f"{resource.get('name')}: {'<unknown>' if now_value is None else f'{now_value}%'}/{target}%")
    return _none(cells)


def _last_schedule(cronjob: Obj, now: datetime) -> str:
    last = _status(cronjob).get("lastScheduleTime")
    return _age(last, now) if last else "<none>"


def _get(*path: str, default: Cell = "<none>") -> Callable[[Obj, datetime], Cell]:
    def cell(obj: Obj, _: datetime) -> Cell:
        value: Any = obj
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None or value == "":
            return default
        return value if isinstance(value, int | str) else str(value)
    return cell


def _fraction(ready: tuple[str, ...], total: tuple[str, ...]) -> Callable[[Obj, datetime], str]:
    return lambda obj, now: f"{_get(*ready, default=0)(obj, now)}/{_get(*total, default=0)(obj, now)}"


_NAME: Column = ("Name", 0, lambda o, _: str(o["metadata"]["name"]))
_AGE: Column = ("Age", 0, age)
_WORKLOAD_WIDE: list[Column] = [("Containers", 1, _containers), ("Images", 1, _images), ("Selector", 1, _selector)]

COLUMNS: dict[str, list[Column]] = {
    "Pod": [_NAME, ("Ready", 0, lambda p, _: display.ready_column(p)), ("Status", 0, lambda p, _: display.pod_status(p)),
            ("Restarts", 0, _pod_restarts), _AGE, ("IP", 1, _get("status", "podIP")), ("Node", 1, _get("spec", "nodeName")),
            ("Nominated Node", 1, _get("status", "nominatedNodeName")), ("Readiness Gates", 1, lambda p, _: "<none>")],
    "Deployment": [_NAME, ("Ready", 0, _fraction(("status", "readyReplicas"), ("spec", "replicas"))),
                   ("Up-to-date", 0, _get("status", "updatedReplicas", default=0)),
                   ("Available", 0, _get("status", "availableReplicas", default=0)), _AGE, *_WORKLOAD_WIDE],
    "ReplicaSet": [_NAME, ("Desired", 0, _get("spec", "replicas", default=0)), ("Current", 0, _get("status", "replicas", default=0)),
                   ("Ready", 0, _get("status", "readyReplicas", default=0)), _AGE, *_WORKLOAD_WIDE],
    "StatefulSet": [_NAME, ("Ready", 0, _fraction(("status", "readyReplicas"), ("spec", "replicas"))), _AGE, *_WORKLOAD_WIDE[:2]],
    "DaemonSet": [_NAME, ("Desired", 0, _get("status", "desiredNumberScheduled", default=0)),
                  ("Current", 0, _get("status", "currentNumberScheduled", default=0)), ("Ready", 0, _get("status", "numberReady", default=0)),
                  ("Up-to-date", 0, _get("status", "updatedNumberScheduled", default=0)),
                  ("Available", 0, _get("status", "numberAvailable", default=0)),
                  ("Node Selector", 0, lambda o, _: _labels((_spec(o).get("template") or {}).get("spec", {}).get("nodeSelector"))),
                  _AGE, *_WORKLOAD_WIDE],
    "Service": [_NAME, ("Type", 0, _get("spec", "type", default="ClusterIP")), ("Cluster-IP", 0, _get("spec", "clusterIP")),
                ("External-IP", 0, _external_ip), ("Port(s)", 0, _service_ports), _AGE,
                ("Selector", 1, lambda o, _: _labels(_spec(o).get("selector")))],
    "Endpoints": [_NAME, ("Endpoints", 0, _endpoints), _AGE],
    "Node": [_NAME, ("Status", 0, _node_status), ("Roles", 0, _node_roles), _AGE,
             ("Version", 0, _get("status", "nodeInfo", "kubeletVersion")), ("Internal-IP", 1, _node_address("InternalIP")),
             ("External-IP", 1, _node_address("ExternalIP")), ("OS-Image", 1, _get("status", "nodeInfo", "osImage")),
             ("Kernel-Version", 1, _get("status", "nodeInfo", "kernelVersion")),
             ("Container-Runtime", 1, _get("status", "nodeInfo", "containerRuntimeVersion"))],
    "Namespace": [_NAME, ("Status", 0, _get("status", "phase", default="Active")), _AGE],
    "Event": [("Last Seen", 0, _event_last_seen), ("Type", 0, _get("type")), ("Reason", 0, _get("reason")),
              ("Object", 0, _event_object), ("Subobject", 1, _get("involvedObject", "fieldPath", default="")),
              ("Source", 1, _get("source", "component", default="")), ("Message", 0, _get("message", default="")),
              ("First Seen", 1, lambda e, now: _age(e.get("firstTimestamp"), now)), ("Count", 1, _get("count", default=1)),
              ("Name", 1, lambda o, _: str(o["metadata"]["name"]))],
    "ConfigMap": [_NAME, ("Data", 0, lambda o, _: len(o.get("data") or {}) + len(o.get("binaryData") or {})), _AGE],
    "Secret": [_NAME, ("Type", 0, _get("type", default="Opaque")), ("Data", 0, lambda o, _: len(o.get("data") or {})), _AGE],
    "PersistentVolumeClaim": [_NAME, ("Status", 0, _get("status", "phase")), ("Volume", 0, _get("spec", "volumeName", default="")),
                              ("Capacity", 0, _get("status", "capacity", "storage", default="")),
                              ("Access Modes", 0, lambda o, _: _none(_status(o).get("accessModes") or [], ",").replace("ReadWriteOnce", "RWO")),
                              ("StorageClass", 0, _get("spec", "storageClassName", default="<unset>")),
                              ("VolumeAttributesClass", 0, lambda o, _: "<unset>"), _AGE],
    "PersistentVolume": [_NAME, ("Capacity", 0, _get("spec", "capacity", "storage")),
                         ("Access Modes", 0, lambda o, _: _none(_spec(o).get("accessModes") or []).replace("ReadWriteOnce", "RWO")),
                         ("Reclaim Policy", 0, _get("spec", "persistentVolumeReclaimPolicy")), ("Status", 0, _get("status", "phase")),
                         ("Claim", 0, lambda o, _: "/".join(filter(None, [_spec(o).get("claimRef", {}).get("namespace"),
                                                                          _spec(o).get("claimRef", {}).get("name")]))),
                         ("StorageClass", 0, _get("spec", "storageClassName", default="")),
                         ("VolumeAttributesClass", 0, lambda o, _: "<unset>"), ("Reason", 0, _get("status", "reason", default="")), _AGE],
    "Job": [_NAME, ("Status", 0, _job_status),
            ("Completions", 0, _fraction(("status", "succeeded"), ("spec", "completions"))), ("Duration", 0, _job_duration), _AGE,
            *_WORKLOAD_WIDE],
    "CronJob": [_NAME, ("Schedule", 0, _get("spec", "schedule")), ("Timezone", 0, _get("spec", "timeZone")),
                ("Suspend", 0, lambda o, _: "True" if _spec(o).get("suspend") else "False"),
                ("Active", 0, lambda o, _: len(_status(o).get("active") or [])),
                ("Last Schedule", 0, _last_schedule),
                _AGE],
    "Ingress": [_NAME, ("Class", 0, _get("spec", "ingressClassName")),
                ("Hosts", 0, lambda o, _: _none([r.get("host", "*") for r in _spec(o).get("rules") or ()])),
                ("Address", 0, lambda o, _: _none([i.get("ip") or i.get("hostname") or ""
                                                   for i in (_status(o).get("loadBalancer") or {}).get("ingress") or ()])),
                ("Ports", 0, lambda o, _: "80, 443" if _spec(o).get("tls") else "80"), _AGE],
    "HorizontalPodAutoscaler": [_NAME, ("Reference", 0, lambda o, _: "/".join([str(_spec(o).get("scaleTargetRef", {}).get("kind")),
                                                                                str(_spec(o).get("scaleTargetRef", {}).get("name"))])),
                                ("Targets", 0, _hpa_targets), ("MinPods", 0, _get("spec", "minReplicas", default=1)),
                                ("MaxPods", 0, _get("spec", "maxReplicas", default=0)),
                                ("Replicas", 0, _get("status", "currentReplicas", default=0)), _AGE],
    "PodDisruptionBudget": [_NAME, ("Min Available", 0, _get("spec", "minAvailable", default="N/A")),
                            ("Max Unavailable", 0, _get("spec", "maxUnavailable", default="N/A")),
                            ("Allowed Disruptions", 0, _get("status", "disruptionsAllowed", default=0)), _AGE],
    "ResourceQuota": [_NAME, _AGE, ("Request", 0, lambda o, _: ", ".join(
        f"{k}: {_status(o).get('used', {}).get(k, 0)}/{v}" for k, v in (_spec(o).get("hard") or {}).items() if not k.startswith("limits."))),
        ("Limit", 0, lambda o, _: ", ".join(
            f"{k}: {_status(o).get('used', {}).get(k, 0)}/{v}" for k, v in (_spec(o).get("hard") or {}).items() if k.startswith("limits.")))],
    "StorageClass": [_NAME, ("Provisioner", 0, _get("provisioner")), ("ReclaimPolicy", 0, _get("reclaimPolicy", default="Delete")),
                     ("VolumeBindingMode", 0, _get("volumeBindingMode", default="Immediate")),
                     ("AllowVolumeExpansion", 0, lambda o, _: "true" if o.get("allowVolumeExpansion") else "false"), _AGE],
}
DEFAULT: list[Column] = [_NAME, _AGE]


def columns_for(kind: str) -> list[Column]:
    return COLUMNS.get(kind, DEFAULT)
