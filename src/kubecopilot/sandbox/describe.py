"""``kubectl describe`` text for pods, deployments and nodes, events included."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubecopilot.sandbox import display
from kubecopilot.sandbox.quantity import format_cpu, format_memory, mebibytes, millicores
from kubecopilot.sandbox.scheduler import TERMINAL_PHASES
from kubecopilot.sandbox.store import Obj
from kubecopilot.sandbox.timeutil import human_age, parse_stamp

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster


def _date(ts: str | None) -> str:
    return parse_stamp(ts).strftime("%a, %d %b %Y %H:%M:%S +0000") if ts else "<unset>"


def _pairs(values: dict[str, Any] | None, sep: str = "=") -> list[str]:
    return [f"{k}{sep}{v}" for k, v in sorted((values or {}).items())] or ["<none>"]


class Text:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def kv(self, key: str, value: Any, indent: int = 0, width: int = 18) -> None:
        values = value if isinstance(value, list) else [value]
        pad = " " * indent
        label = f"{pad}{key}:".ljust(indent + width)
        self.lines.append(f"{label}{values[0] if values else '<none>'}".rstrip())
        for more in values[1:]:
            self.lines.append(f"{' ' * (indent + width)}{more}")

    def line(self, text: str = "") -> None:
        self.lines.append(text)

    def table(self, rows: list[list[str]], indent: int = 2) -> None:
        widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            cells = [str(cell).ljust(widths[i]) for i, cell in enumerate(row)]
            self.lines.append((" " * indent + "  ".join(cells)).rstrip())

    def render(self) -> str:
        return "\n".join(self.lines) + "\n"


def events_for(c: Cluster, obj: Obj) -> list[Obj]:
    uid = obj["metadata"].get("uid")
    found = [e for e in c.store.list("Event") if e["involvedObject"].get("uid") == uid]
    return sorted(found, key=lambda e: (e["lastTimestamp"], e["firstTimestamp"]))


def _events(t: Text, c: Cluster, obj: Obj, width: int = 18) -> None:
    events = events_for(c, obj)
    if not events:
        t.kv("Events", "<none>", 0, width)
        return
    t.line("Events:")
    rows = [["Type", "Reason", "Age", "From", "Message"], ["----", "------", "----", "----", "-------"]]
    now = c.now()
    for e in events:
        age = human_age(now - parse_stamp(e["lastTimestamp"]))
        if e.get("count", 1) > 1:
            age += f" (x{e['count']} over {human_age(now - parse_stamp(e['firstTimestamp']))})"
        rows.append([e["type"], e["reason"], age, e["source"]["component"], e["message"]])
    t.table(rows)


def _owner(obj: Obj) -> str | None:
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return f"{ref['kind']}/{ref['name']}"
    return None


def _probe(p: dict[str, Any]) -> str:
    http = p.get("httpGet")
    if http:
        scheme = http.get("scheme", "HTTP").lower()
        target = f"http-get {scheme}://:{http.get('port')}{http.get('path', '/')}"
    elif "tcpSocket" in p:
        target = f"tcp-socket :{p['tcpSocket'].get('port')}"
    else:
        target = "exec " + str(p.get("exec", {}).get("command", []))
    return (f"{target} delay={p.get('initialDelaySeconds', 0)}s timeout={p.get('timeoutSeconds', 1)}s "
            f"period={p.get('periodSeconds', 10)}s #success={p.get('successThreshold', 1)} #failure={p.get('failureThreshold', 3)}")


def _env(c: dict[str, Any]) -> list[str]:
    lines = []
    for env in c.get("env") or ():
        if "value" in env:
            lines.append(f"{env['name']}:  {env['value']}")
            continue
        source = env.get("valueFrom") or {}
        for ref_name, kind in (("secretKeyRef", "secret"), ("configMapKeyRef", "config map")):
            ref = source.get(ref_name)
            if ref:
                lines.append(f"{env['name']}:  <set to the key '{ref.get('key')}' in {kind} '{ref.get('name')}'>  "
                             f"Optional: {str(bool(ref.get('optional'))).lower()}")
    for source in c.get("envFrom") or ():
        for ref_name, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            if ref := source.get(ref_name):
                lines.append(f"{ref.get('name')}  {kind}  Optional: {str(bool(ref.get('optional'))).lower()}")
    return lines or ["<none>"]


def _container_spec(t: Text, c: dict[str, Any], indent: int) -> None:
    for port in c.get("ports") or [None]:
        t.kv("Port", f"{port['containerPort']}/{port.get('protocol', 'TCP')}" if port else "<none>", indent, 16)
    if c.get("command"):
        t.kv("Command", list(c["command"]), indent, 16)
    if c.get("args"):
        t.kv("Args", list(c["args"]), indent, 16)
    resources = c.get("resources") or {}
    for section in ("limits", "requests"):
        if resources.get(section):
            t.line(f"{' ' * indent}{section.capitalize()}:")
            for k, v in sorted(resources[section].items()):
                t.kv(k, v, indent + 2, 10)
    for label, key in (("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"), ("Startup", "startupProbe")):
        if c.get(key):
            t.kv(label, _probe(c[key]), indent, 16)
    t.line(f"{' ' * indent}Environment:" if c.get("env") or c.get("envFrom") else f"{' ' * indent}Environment:  <none>")
    if c.get("env") or c.get("envFrom"):
        for line in _env(c):
            t.line(f"{' ' * (indent + 2)}{line}")
    mounts = [f"{m['mountPath']} from {m['name']} ({'ro' if m.get('readOnly') else 'rw'})" for m in c.get("volumeMounts") or ()]
    if not mounts:
        t.kv("Mounts", "<none>", indent, 16)
        return
    t.line(f"{' ' * indent}Mounts:")
    for mount in mounts:
        t.line(f"{' ' * (indent + 2)}{mount}")


def _state(t: Text, label: str, state: dict[str, Any], indent: int) -> None:
    if not state:
        return
    name, detail = next(iter(state.items()))
    t.kv(label, name.capitalize(), indent, 16)
    if name == "running":
        t.kv("Started", _date(detail.get("startedAt")), indent + 2, 14)
        return
    if detail.get("reason"):
        t.kv("Reason", detail["reason"], indent + 2, 14)
    if detail.get("message"):
        t.kv("Message", detail["message"], indent + 2, 14)
    if name == "terminated":
        t.kv("Exit Code", detail.get("exitCode"), indent + 2, 14)
        t.kv("Started", _date(detail.get("startedAt")), indent + 2, 14)
        t.kv("Finished", _date(detail.get("finishedAt")), indent + 2, 14)


def _volumes(t: Text, volumes: list[dict[str, Any]], indent: int) -> None:
    if not volumes:
        t.kv("Volumes", "<none>", indent - 2)
        return
    t.line(f"{' ' * (indent - 2)}Volumes:")
    for v in volumes:
        t.line(f"{' ' * indent}{v['name']}:")
        if "configMap" in v:
            t.kv("Type", "ConfigMap (a volume populated by a ConfigMap)", indent + 2, 11)
            t.kv("Name", v["configMap"].get("name"), indent + 2, 11)
            t.kv("Optional", str(bool(v["configMap"].get("optional"))).lower(), indent + 2, 11)
        elif "secret" in v:
            t.kv("Type", "Secret (a volume populated by a Secret)", indent + 2, 13)
            t.kv("SecretName", v["secret"].get("secretName"), indent + 2, 13)
            t.kv("Optional", str(bool(v["secret"].get("optional"))).lower(), indent + 2, 13)
        elif "persistentVolumeClaim" in v:
            t.kv("Type", "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)", indent + 2, 11)
            t.kv("ClaimName", v["persistentVolumeClaim"].get("claimName"), indent + 2, 11)
            t.kv("ReadOnly", "false", indent + 2, 11)
        else:
            t.kv("Type", ", ".join(k for k in v if k != "name"), indent + 2, 11)


def describe_pod(c: Cluster, pod: Obj) -> str:
    meta, spec, status = pod["metadata"], pod["spec"], pod.get("status") or {}
    t = Text()
    t.kv("Name", meta["name"])
    t.kv("Namespace", meta["namespace"])
    t.kv("Priority", 0)
    t.kv("Service Account", spec.get("serviceAccountName", "default"))
    node = spec.get("nodeName")
    t.kv("Node", f"{node}/{status.get('hostIP')}" if node else "<none>")
    t.kv("Start Time", _date(status.get("startTime")) if status.get("startTime") else "<none>")
    t.kv("Labels", _pairs(meta.get("labels")))
    t.kv("Annotations", _pairs(meta.get("annotations"), ": "))
    t.kv("Status", display.pod_status(pod) if meta.get("deletionTimestamp") else status.get("phase"))
    if meta.get("deletionTimestamp"):
        t.line(f"Termination Grace Period:  {meta.get('deletionGracePeriodSeconds', 30)}s")
    t.kv("IP", status.get("podIP") or "")
    if status.get("podIP"):
        t.line("IPs:")
        t.kv("IP", status["podIP"], 2, 14)
    if _owner(pod):
        t.kv("Controlled By", _owner(pod), 0, 16)
    t.line("Containers:")
    by_name = {cs["name"]: cs for cs in status.get("containerStatuses") or ()}
    for container in spec.get("containers") or ():
        cs = by_name.get(container["name"], {})
        t.line(f"  {container['name']}:")
        if cs.get("containerID"):
            t.kv("Container ID", cs["containerID"], 4, 16)
        t.kv("Image", container.get("image"), 4, 16)
        t.kv("Image ID", cs.get("imageID", ""), 4, 16)
        _state(t, "State", cs.get("state") or {"waiting": {"reason": "Pending"}}, 4)
        _state(t, "Last State", cs.get("lastState") or {}, 4)
        t.kv("Ready", str(bool(cs.get("ready"))), 4, 16)
        t.kv("Restart Count", cs.get("restartCount", 0), 4, 16)
        _container_spec(t, container, 4)
    t.line("Conditions:")
    rows = [["Type", "Status"]] + [[cond["type"], cond["status"]] for cond in status.get("conditions") or ()]
    t.table(rows)
    _volumes(t, spec.get("volumes") or [], 2)
    t.kv("QoS Class", status.get("qosClass", "BestEffort"), 0, 29)
    t.kv("Node-Selectors", _pairs(spec.get("nodeSelector"))[0] if spec.get("nodeSelector") else "<none>", 0, 29)
    tolerations = [f"{x.get('key', '')}:{x.get('effect', '')} op={x.get('operator', 'Equal')}"
                   + (f" for {x['tolerationSeconds']}s" if "tolerationSeconds" in x else "") for x in spec.get("tolerations") or ()]
    t.kv("Tolerations", tolerations or ["<none>"], 0, 29)
    _events(t, c, pod, 29)
    return t.render()


def describe_deployment(c: Cluster, d: Obj) -> str:
    meta, spec, status = d["metadata"], d["spec"], d.get("status") or {}
    t = Text()
    w = 24
    t.kv("Name", meta["name"], 0, w)
    t.kv("Namespace", meta["namespace"], 0, w)
    t.kv("CreationTimestamp", _date(meta["creationTimestamp"]), 0, w)
    t.kv("Labels", _pairs(meta.get("labels")), 0, w)
    t.kv("Annotations", _pairs(meta.get("annotations"), ": "), 0, w)
    t.kv("Selector", ",".join(_pairs(spec["selector"].get("matchLabels"))), 0, w)
    desired, total = spec.get("replicas", 1), status.get("replicas", 0)
    available = status.get("availableReplicas", 0)
    t.kv("Replicas", f"{desired} desired | {status.get('updatedReplicas', 0)} updated | {total} total | "
         f"{available} available | {status.get('unavailableReplicas', 0)} unavailable", 0, w)
    strategy = spec.get("strategy") or {}
    t.kv("StrategyType", strategy.get("type", "RollingUpdate"), 0, w)
    t.kv("MinReadySeconds", spec.get("minReadySeconds", 0), 0, w)
    ru = strategy.get("rollingUpdate") or {}
    t.kv("RollingUpdateStrategy", f"{ru.get('maxUnavailable', '25%')} max unavailable, {ru.get('maxSurge', '25%')} max surge", 0, w)
    template = spec["template"]
    t.line("Pod Template:")
    t.kv("Labels", _pairs((template.get("metadata") or {}).get("labels")), 2, 9)
    if (template.get("metadata") or {}).get("annotations"):
        t.kv("Annotations", _pairs(template["metadata"]["annotations"], ": "), 2, 14)
    t.line("  Containers:")
    for container in template["spec"].get("containers") or ():
        t.line(f"   {container['name']}:")
        t.kv("Image", container.get("image"), 4, 16)
        _container_spec(t, container, 4)
    _volumes(t, template["spec"].get("volumes") or [], 4)
    t.line("Conditions:")
    rows = [["Type", "Status", "Reason"], ["----", "------", "------"]]
    rows += [[cond["type"], cond["status"], cond.get("reason", "")] for cond in status.get("conditions") or ()]
    t.table(rows)
    rs_list = sorted(c.store.owned_by(meta["uid"], "ReplicaSet"), key=lambda rs: rs["metadata"]["name"])
    revision = (meta.get("annotations") or {}).get("deployment.kubernetes.io/revision")
    new = [rs for rs in rs_list if (rs["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision") == revision]
    old = [rs for rs in rs_list if rs not in new and rs["spec"].get("replicas", 0) > 0]
    t.kv("OldReplicaSets", ", ".join(_rs_line(rs) for rs in old) or "<none>", 0, 17)
    t.kv("NewReplicaSet", ", ".join(_rs_line(rs) for rs in new) or "<none>", 0, 17)
    _events(t, c, d, 17)
    return t.render()


def _rs_line(rs: Obj) -> str:
    return f"{rs['metadata']['name']} ({rs.get('status', {}).get('replicas', 0)}/{rs['spec'].get('replicas', 0)} replicas created)"


def describe_node(c: Cluster, node: Obj) -> str:
    meta, spec, status = node["metadata"], node["spec"], node["status"]
    t = Text()
    w = 20
    roles = [k.split("/", 1)[1] for k in meta.get("labels") or {} if k.startswith("node-role.kubernetes.io/")]
    t.kv("Name", meta["name"], 0, w)
    t.kv("Roles", ",".join(roles) or "<none>", 0, w)
    t.kv("Labels", _pairs(meta.get("labels")), 0, w)
    t.kv("Annotations", _pairs(meta.get("annotations"), ": "), 0, w)
    t.kv("CreationTimestamp", _date(meta["creationTimestamp"]), 0, w)
    taints = [f"{x['key']}:{x['effect']}" if not x.get("value") else f"{x['key']}={x['value']}:{x['effect']}" for x in spec.get("taints") or ()]
    t.kv("Taints", taints or ["<none>"], 0, w)
    t.kv("Unschedulable", str(bool(spec.get("unschedulable"))).lower(), 0, w)
    t.line("Conditions:")
    rows = [["Type", "Status", "LastHeartbeatTime", "LastTransitionTime", "Reason", "Message"],
            ["----", "------", "-----------------", "------------------", "------", "-------"]]
    rows += [[x["type"], x["status"], _date(x.get("lastHeartbeatTime")), _date(x.get("lastTransitionTime")),
              x.get("reason", ""), x.get("message", "")] for x in status.get("conditions") or ()]
    t.table(rows)
    t.line("Addresses:")
    for a in status.get("addresses") or ():
        t.kv(a["type"], a["address"], 2, 13)
    for label, key in (("Capacity", "capacity"), ("Allocatable", "allocatable")):
        t.line(f"{label}:")
        for k, v in sorted(status.get(key, {}).items()):
            t.kv(k, v, 2, 20)
    t.line("System Info:")
    info = status.get("nodeInfo") or {}
    for label, key in (("Kernel Version", "kernelVersion"), ("OS Image", "osImage"), ("Operating System", "operatingSystem"),
                       ("Architecture", "architecture"), ("Container Runtime Version", "containerRuntimeVersion"),
                       ("Kubelet Version", "kubeletVersion"), ("Kube-Proxy Version", "kubeProxyVersion")):
        t.kv(label, info.get(key, ""), 2, 28)
    t.kv("PodCIDR", spec.get("podCIDR"), 0, 30)
    t.kv("ProviderID", spec.get("providerID"), 0, 30)
    _node_pods(t, c, node)
    _events(t, c, node, w)
    return t.render()


def _node_pods(t: Text, c: Cluster, node: Obj) -> None:
    alloc_cpu = max(1, millicores(node["status"]["allocatable"]["cpu"]))
    alloc_mem = max(1, mebibytes(node["status"]["allocatable"]["memory"]))
    pods = [p for p in c.store.list("Pod") if p["spec"].get("nodeName") == node["metadata"]["name"]
            and p["status"].get("phase") not in TERMINAL_PHASES]
    t.kv("Non-terminated Pods", f"({len(pods)} in total)", 0, 30)
    rows = [["Namespace", "Name", "CPU Requests", "CPU Limits", "Memory Requests", "Memory Limits", "Age"],
            ["---------", "----", "------------", "----------", "---------------", "-------------", "---"]]
    totals = [0, 0, 0, 0]
    for p in pods:
        figures = _pod_resources(p)
        totals = [a + b for a, b in zip(totals, figures, strict=True)]
        rows.append([p["metadata"]["namespace"], p["metadata"]["name"], *_cells(figures, alloc_cpu, alloc_mem),
                     display.age(p, c.now())])
    t.table(rows)
    t.line("Allocated resources:")
    t.line("  (Total limits may be over 100 percent, i.e., overcommitted.)")
    cells = _cells(totals, alloc_cpu, alloc_mem)
    t.table([["Resource", "Requests", "Limits"], ["--------", "--------", "------"],
             ["cpu", cells[0], cells[1]], ["memory", cells[2], cells[3]]])


def _pod_resources(pod: Obj) -> list[int]:
    out = [0, 0, 0, 0]
    for container in pod["spec"].get("containers") or ():
        res = container.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        out[0] += millicores(req.get("cpu", lim.get("cpu")))
        out[1] += millicores(lim.get("cpu"))
        out[2] += mebibytes(req.get("memory", lim.get("memory")))
        out[3] += mebibytes(lim.get("memory"))
    return out


def _cells(f: list[int], alloc_cpu: int, alloc_mem: int) -> list[str]:
    return [f"{format_cpu(f[0]) if f[0] else '0'} ({100 * f[0] // alloc_cpu}%)",
            f"{format_cpu(f[1]) if f[1] else '0'} ({100 * f[1] // alloc_cpu}%)",
            f"{format_memory(f[2]) if f[2] else '0'} ({100 * f[2] // alloc_mem}%)",
            f"{format_memory(f[3]) if f[3] else '0'} ({100 * f[3] // alloc_mem}%)"]
