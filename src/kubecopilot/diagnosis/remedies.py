"""Fix builders for the condition analyzers (``fix:`` in ``analyzers.yaml``): structured data in, a ``FixSpec`` out.

They read specs, ReplicaSets and nodes only — never free text — except ``probe_path``, which takes the real health
path from a log line but accepts nothing that is not a plain URL path. Each returns (fix or None, template values,
extra quotes); None means no whitelisted change is known to cure it, and the analyzer's ``manual_fix`` text is used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from kubecopilot.diagnosis.conditions import Subject
from kubecopilot.diagnosis.models import EvidenceQuote, FixAction, FixSpec
from kubecopilot.k8s import controlled_by, labels_of, selector_matches
from kubecopilot.k8s import previous_revision as previous_revision  # revisions by owner uid (k8s.controlled_by)
from kubecopilot.k8s import revision as revision
from kubecopilot.quantity import parse_quantity

REVISION = "deployment.kubernetes.io/revision"
MI = Decimal(2**20)
GI = Decimal(2**30)
MIN_MEMORY_LIMIT = 256 * MI
STEPS = {"memory": 64 * MI, "cpu": Decimal("0.1")}
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9._~-][A-Za-z0-9._~/-]{0,99}")
_HEALTHY_WORD = re.compile(r"(?i)health|ready|live|alive|ping|status")
# Where apps say which health endpoint they serve: "health endpoint exposed at /health", "readiness on :8080/ready",
# or an access-log line of a probe that succeeded: "GET /health HTTP/1.1" 200.
_HEALTH_MENTIONS = (
    re.compile(r"(?i)\b(?:health|readiness|liveness|ready|alive)\w*(?:[ -]?check)?\b[^/\n]{0,40}?(?:https?://[^/\s]+)?"
               r"(?P<path>/[A-Za-z0-9._~-][A-Za-z0-9._~/-]{0,99})"),
    re.compile(r"\"(?:GET|HEAD) (?P<path>/[A-Za-z0-9._~/-]{1,100})(?:\?\S*)? HTTP/[\d.]+\" (?:2\d\d|3\d\d)\b"),
)

Fix = tuple[FixSpec | None, dict[str, str], list[EvidenceQuote]]


def no_fix(s: Subject, quotes: list[EvidenceQuote], values: Mapping[str, str]) -> Fix:
    return None, {}, []


def raise_memory_limit(s: Subject, quotes: list[EvidenceQuote], values: Mapping[str, str]) -> Fix:
    """Limit → max(2 × current, 256Mi), rounded up to 64Mi: enough headroom that one step cures most OOM loops."""
    container = _workload_container(s) or s.spec
    current = parse_quantity(((container.get("resources") or {}).get("limits") or {}).get("memory"))
    if not current:
        return None, {}, []
    new = _round(max(2 * current, MIN_MEMORY_LIMIT), STEPS["memory"], ROUND_CEILING)
    vals = {"new_memory_limit": format_memory(new)}
    workload = _workload(s)
    if workload is None:
        return None, vals, []
    fix = _spec(workload, "set_resources", container=s.container, limits={"memory": vals["new_memory_limit"]})
    return fix, vals, []


def previous_image(s: Subject, quotes: list[EvidenceQuote], values: Mapping[str, str]) -> Fix:
    """The image of the newest earlier revision that differs from the failing one (it pulled when it ran)."""
    workload = _workload(s)
    failing = (_workload_container(s) or s.spec).get("image")
    if workload is None or workload.get("kind") != "Deployment":
        return None, {}, []
    for rs in sorted(_owned_replicasets(s, workload), key=revision, reverse=True):
        image = next((c.get("image") for c in _template_containers(rs) if c.get("name") == s.container), None)
        if image and image != failing:
            vals = {"previous_image": image, "revision": str(revision(rs))}
            return _spec(workload, "set_image", container=s.container, image=image), vals, []
    return None, {}, []


def rollback(s: Subject, quotes: list[EvidenceQuote], values: Mapping[str, str]) -> Fix:
    """Back to the previous revision's pod template, when there is one and it differs from the current one."""
    workload = _workload(s)
    if workload is None or workload.get("kind") != "Deployment":
        return None, {}, []
    previous = previous_revision(workload, s.evidence.replicasets)
    if previous is None:
        return None, {}, []
    if _pod_spec(previous) == _pod_spec(workload):
        return None, {}, []
    image = next((c.get("image") for c in _template_containers(previous) if c.get("name") == s.container), "")
    vals = {"revision": str(revision(previous)), "previous_image": image or "?"}
    return _spec(workload, "rollback"), vals, []


def fit_request(s: Subject, quotes: list[EvidenceQuote], values: Mapping[str, str]) -> Fix:
    """Lower the requests the scheduler named ("Insufficient cpu") to what the roomiest schedulable node has free."""
    named = re.findall(r"Insufficient (cpu|memory)", " ".join(q.quote for q in quotes if q.source == "events"))
    resources = list(dict.fromkeys(named or [values.get("resource", "cpu")]))
    containers = (s.pod or {}).get("spec", {}).get("containers") or []
    nodes = [n for n in s.evidence.nodes if _schedulable(n, s.pod or {})]
    vals: dict[str, list[str]] = {"resource": [], "request": [], "node_free": [], "new_request": []}
    requests: dict[str, str] = {}
    container = None
    for res in resources:
        per_container = {c.get("name"): _request(c, res) for c in containers}
        total = sum(per_container.values(), Decimal(0))
        free = max((f for f in (_free(n, res, s) for n in nodes) if f is not None), default=None)
        vals["resource"].append(res)
        vals["request"].append(_format(res, total))
        vals["node_free"].append(_format(res, free) if free is not None else "?")
        if free is None or not per_container:
            continue
        container = max(per_container, key=per_container.__getitem__)
        others = total - per_container[container]
        new = _round(free, STEPS[res], ROUND_FLOOR) - others
        if STEPS[res] <= new < per_container[container]:
            requests[res] = _format(res, new)
            vals["new_request"].append(requests[res])
    flat = {k: "/".join(v) for k, v in vals.items() if v}
    workload = _workload(s)
    if workload is None or container is None or set(requests) != set(resources):
        return None, flat, []
    flat["container"] = container
    return _spec(workload, "set_resources", container=container, requests=requests), flat, []


def probe_path(s: Subject, quotes: list[EvidenceQuote], values: Mapping[str, str]) -> Fix:
    """Point the failing HTTP probe at the health path the app's own log names, when it names one."""
    kind = "livenessProbe" if values.get("probe_event") == "Liveness" else "readinessProbe"
    current = (((_workload_container(s) or s.spec).get(kind) or {}).get("httpGet") or {}).get("path")
    vals = {"probe": kind.removesuffix("Probe"), "probe_path": current or "?"}
    if not current:
        return None, vals, []
    spec_quote = EvidenceQuote(source="spec", quote=current,
                               object=f"pod/{s.pod_name} container {s.container}: {kind}.httpGet.path")
    found = served_health_path(s, current)
    workload = _workload(s)
    if found is None or workload is None:
        return None, vals, [spec_quote]
    real, log_quote = found
    index = next(i for i, c in enumerate(_template_containers(workload)) if c.get("name") == s.container)
    base = f"/spec/template/spec/containers/{index}"
    patch = [{"op": "test", "path": f"{base}/name", "value": s.container},
             {"op": "replace", "path": f"{base}/{kind}/httpGet/path", "value": real}]
    return (_spec(workload, "json_patch", container=s.container, patch=patch), {**vals, "real_path": real},
            [spec_quote, log_quote])


def served_health_path(s: Subject, probe: str) -> tuple[str, EvidenceQuote] | None:
    """A health path the container's log says it serves, other than the failing probe's, and the line saying so."""
    for regex in _HEALTH_MENTIONS:
        for source, key, line in s.log_lines():
            for m in regex.finditer(line):
                path = m.group("path").rstrip(".")
                if path != probe and _PLAIN_PATH.fullmatch(path) and _HEALTHY_WORD.search(path):
                    return path, EvidenceQuote(source=source, quote=line.strip(), object=key)
    return None


FIXES: dict[str, Callable[..., Fix]] = {
    "none": no_fix, "raise_memory_limit": raise_memory_limit, "previous_image": previous_image,
    "rollback": rollback, "fit_request": fit_request, "probe_path": probe_path,
}


# --- workload and node helpers ----------------------------------------------------------------------------------


def _workload(s: Subject) -> Mapping[str, Any] | None:
    """The Deployment/StatefulSet in the evidence, if the subject's pod belongs to it."""
    workload = s.evidence.workload
    if not workload or workload.get("kind") not in ("Deployment", "StatefulSet") or s.pod is None:
        return None
    return workload if selector_matches((workload.get("spec") or {}).get("selector"), labels_of(s.pod)) else None


def _workload_container(s: Subject) -> Mapping[str, Any]:
    workload = _workload(s)
    return next((c for c in _template_containers(workload) if c.get("name") == s.container), {}) if workload else {}


def _owned_replicasets(s: Subject, workload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [rs for rs in s.evidence.replicasets if controlled_by(rs, workload)]  # by uid, never by name


def _template_containers(obj: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    return _pod_spec(obj).get("containers") or []


def _pod_spec(obj: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return (((obj or {}).get("spec") or {}).get("template") or {}).get("spec") or {}


def _spec(workload: Mapping[str, Any], action: FixAction, **fields: Any) -> FixSpec:
    meta = workload["metadata"]
    return FixSpec(action=action, kind=workload["kind"], namespace=meta.get("namespace", ""), name=meta["name"],
                   **fields)


def _request(container: Mapping[str, Any], res: str) -> Decimal:
    """The container's request; an unset request defaults to the limit, as the API server does."""
    resources = container.get("resources") or {}
    value = (resources.get("requests") or {}).get(res) or (resources.get("limits") or {}).get(res)
    return parse_quantity(value) or Decimal(0)


def _schedulable(node: Mapping[str, Any], pod: Mapping[str, Any]) -> bool:
    conditions = (node.get("status") or {}).get("conditions") or []
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    spec = node.get("spec") or {}
    blocking = [t for t in spec.get("taints") or [] if t.get("effect") in ("NoSchedule", "NoExecute")]
    return ready and not spec.get("unschedulable") and all(_tolerated(t, tolerations) for t in blocking)


def _tolerated(taint: Mapping[str, Any], tolerations: list[Mapping[str, Any]]) -> bool:
    return any((t.get("operator") == "Exists" and t.get("key") in (None, "", taint.get("key")))
               or (t.get("key") == taint.get("key") and t.get("value") == taint.get("value")) for t in tolerations)


def _free(node: Mapping[str, Any], res: str, s: Subject) -> Decimal | None:
    """Allocatable minus what is already requested, from the node's describe text ("Allocated resources"); None when
    that was not read. The pods in the evidence are no substitute: they are only some of the node's pods (a scan
    reads one namespace), so their sum would overstate what is free and propose a request that still does not fit."""
    name = node["metadata"]["name"]
    allocatable = parse_quantity(((node.get("status") or {}).get("allocatable") or {}).get(res)) or Decimal(0)
    text = s.evidence.describe.get(f"node/{name}", "")
    section = text.split("Allocated resources:", 1)[1] if "Allocated resources:" in text else ""
    if m := re.search(rf"(?m)^\s*{res}\s+(\S+)\s+\(", section):
        return allocatable - (parse_quantity(m.group(1)) or Decimal(0))
    return None


def _round(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    return (value / step).quantize(Decimal(1), rounding=rounding) * step


def _format(res: str, value: Decimal) -> str:
    return format_memory(value) if res == "memory" else format_cpu(value)


def format_cpu(cores: Decimal) -> str:
    millis = int((cores * 1000).to_integral_value(ROUND_FLOOR))
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def format_memory(size: Decimal) -> str:
    if size % GI == 0:
        return f"{int(size / GI)}Gi"
    return f"{int((size / MI).to_integral_value(ROUND_CEILING))}Mi"
