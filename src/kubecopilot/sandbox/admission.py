"""What the API server does to an object before storing it: defaulting, validation and admission
(cluster IPs, secret ``stringData``, immutable fields). Used by the scenario builder and by every write tool.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import re
from typing import TYPE_CHECKING, Any

from kubecopilot.sandbox import kinds, quantity
from kubecopilot.sandbox.errors import BadRequest, Invalid
from kubecopilot.sandbox.objects import default
from kubecopilot.sandbox.selectors import Selector
from kubecopilot.sandbox.store import Obj

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_WORKLOADS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet")
_POD_TEMPLATE_KINDS = (*_WORKLOADS, "Job")
_SERVER_ANNOTATION_PREFIXES = ("deployment.kubernetes.io/",)


def prepare(c: Cluster, obj: Obj, existing: Obj | None = None) -> Obj:
    """The object as it will be stored: checked, defaulted and admitted. Raises ``Invalid``/``NotFound``."""
    obj = copy.deepcopy(obj)
    kind = _kind_of(obj)
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta, dict) or not meta.get("name"):
        raise Invalid(f"{kind.kind} is invalid: metadata.name: Required value: name or generateName is required")
    if kind.namespaced:
        meta.setdefault("namespace", "default")
        c.require_namespace(meta["namespace"])
    else:
        meta.pop("namespace", None)
    obj["apiVersion"] = kind.api_version
    default(obj)
    if existing is not None:
        _keep_server_metadata(obj, existing)
        _check_immutable(obj, existing)
    validate(obj)
    _admit(obj, existing)
    # status is a subresource: writers cannot set it; a replace keeps what the controllers computed.
    obj.pop("status", None)
    if existing is not None:
        if "status" in existing:
            obj["status"] = copy.deepcopy(existing["status"])
    elif kind.kind == "Namespace":
        obj["status"] = {"phase": "Active"}
    return obj


def _kind_of(obj: Any) -> kinds.Kind:
    if not isinstance(obj, dict) or not obj.get("kind") or not obj.get("apiVersion"):
        raise BadRequest("invalid object: every document needs apiVersion, kind and metadata.name")
    return kinds.resolve(str(obj["kind"]), str(obj["apiVersion"]))


def invalid(obj: Obj, field: str, detail: str) -> Invalid:
    kind = kinds.by_kind(obj["kind"])
    group = f".{kind.group}" if kind.group else ""
    return Invalid(f'{kind.kind}{group} "{obj["metadata"].get("name")}" is invalid: {field}: {detail}')


def validate(obj: Obj) -> None:
    name, kind = obj["metadata"]["name"], obj["kind"]
    pattern = _LABEL if kind in ("Namespace", "Service") else _SUBDOMAIN
    if not isinstance(name, str) or len(name) > (63 if pattern is _LABEL else 253) or not pattern.match(name):
        raise invalid(obj, "metadata.name", f'Invalid value: "{name}": a lowercase RFC 1123 '
                      f'{"label" if pattern is _LABEL else "subdomain"} must consist of lower case alphanumeric '
                      "characters, '-' or '.', and must start and end with an alphanumeric character")
    for label_field in ("labels", "annotations"):
        values = obj["metadata"].get(label_field) or {}
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            raise invalid(obj, f"metadata.{label_field}", "Invalid value: values must be strings")
    if kind in _POD_TEMPLATE_KINDS:
        _validate_workload(obj)
    elif kind == "Pod":
        _validate_pod_spec(obj, obj.get("spec") or {}, "spec")
    elif kind == "Service":
        _validate_service(obj)
    elif kind == "ConfigMap" and not all(isinstance(v, str) for v in (obj.get("data") or {}).values()):
        raise invalid(obj, "data", "Invalid value: ConfigMap values must be strings")


def _validate_workload(obj: Obj) -> None:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        raise invalid(obj, "spec", "Required value")
    replicas = spec.get("replicas", 1)
    if obj["kind"] in ("Deployment", "ReplicaSet", "StatefulSet"):
        if not isinstance(replicas, int) or isinstance(replicas, bool):
            raise invalid(obj, "spec.replicas", f"Invalid value: {replicas!r}: must be an integer")
        if replicas < 0:
            raise invalid(obj, "spec.replicas", f"Invalid value: {replicas}: must be greater than or equal to 0")
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    if obj["kind"] in _WORKLOADS:
        selector = spec.get("selector")
        if not selector or not (selector.get("matchLabels") or selector.get("matchExpressions")):
            raise invalid(obj, "spec.selector", "Required value")
        if not Selector.from_spec(selector).matches(labels):
            raise invalid(obj, "spec.template.metadata.labels", f"Invalid value: {labels}: `selector` does not match template `labels`")
    _validate_pod_spec(obj, template.get("spec") or {}, "spec.template.spec")
    if obj["kind"] == "Job" and template.get("spec", {}).get("restartPolicy") not in ("Never", "OnFailure"):
        raise invalid(obj, "spec.template.spec.restartPolicy", 'Unsupported value: "Always": supported values: "OnFailure", "Never"')


def _validate_pod_spec(obj: Obj, spec: dict[str, Any], path: str) -> None:
    containers = spec.get("containers")
    if not containers or not isinstance(containers, list):
        raise invalid(obj, f"{path}.containers", "Required value")
    seen: set[str] = set()
    for i, c in enumerate(containers):
        where = f"{path}.containers[{i}]"
        if not isinstance(c, dict) or not c.get("name"):
            raise invalid(obj, f"{where}.name", "Required value")
        if c["name"] in seen:
            raise invalid(obj, f"{where}.name", f'Duplicate value: "{c["name"]}"')
        seen.add(c["name"])
        if not c.get("image"):
            raise invalid(obj, f"{where}.image", "Required value")
        _validate_resources(obj, c.get("resources") or {}, f"{where}.resources")


def _validate_resources(obj: Obj, resources: dict[str, Any], path: str) -> None:
    limits, requests = resources.get("limits") or {}, resources.get("requests") or {}
    for section, values in (("limits", limits), ("requests", requests)):
        for res, value in values.items():
            try:
                quantity.parse(value)
            except Invalid:
                raise invalid(obj, f"{path}.{section}[{res}]", f"Invalid value: {value!r}: quantities must match the "
                              "regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'") from None
    for res, value in requests.items():
        if res in limits and quantity.parse(value) > quantity.parse(limits[res]):
            raise invalid(obj, f"{path}.requests", f'Invalid value: "{value}": must be less than or equal to {res} limit of {limits[res]}')


def _validate_service(obj: Obj) -> None:
    spec = obj.get("spec") or {}
    if spec.get("type") == "ExternalName":
        return
    ports = spec.get("ports")
    if not ports:
        raise invalid(obj, "spec.ports", "Required value")
    for i, port in enumerate(ports):
        number = port.get("port")
        if not isinstance(number, int) or not 0 < number < 65536:
            raise invalid(obj, f"spec.ports[{i}].port", f"Invalid value: {number!r}: must be between 1 and 65535, inclusive")


def _admit(obj: Obj, existing: Obj | None) -> None:
    if obj["kind"] == "Service":
        spec = obj["spec"]
        old_ip = (existing or {}).get("spec", {}).get("clusterIP")
        if spec.get("type") != "ExternalName":
            spec.setdefault("clusterIP", old_ip or cluster_ip(obj["metadata"]["namespace"], obj["metadata"]["name"]))
            spec["clusterIPs"] = [spec["clusterIP"]]
            spec.setdefault("ipFamilies", ["IPv4"])
            spec.setdefault("ipFamilyPolicy", "SingleStack")
            spec.setdefault("internalTrafficPolicy", "Cluster")
    elif obj["kind"] == "Secret":
        data = obj.setdefault("data", {})
        for key, value in (obj.pop("stringData", None) or {}).items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        for key, value in data.items():
            try:
                base64.b64decode(str(value), validate=True)
            except (binascii.Error, ValueError):
                raise invalid(obj, f"data[{key}]", "Invalid value: <secret contents redacted>: illegal base64 data") from None


def _check_immutable(obj: Obj, existing: Obj) -> None:
    if obj["kind"] in _WORKLOADS and obj["spec"].get("selector") != existing["spec"].get("selector"):
        raise invalid(obj, "spec.selector", "Invalid value: field is immutable")
    wanted_ip = obj["spec"].get("clusterIP") if obj["kind"] == "Service" else None
    if wanted_ip and wanted_ip != existing["spec"].get("clusterIP"):
        raise invalid(obj, "spec.clusterIP", "Invalid value: field is immutable")
    if obj["kind"] == "Pod":
        old_spec, new_spec = copy.deepcopy(existing["spec"]), copy.deepcopy(obj["spec"])
        for s in (old_spec, new_spec):
            for c in s.get("containers") or ():
                c.pop("image", None)
        if old_spec != new_spec:
            raise invalid(obj, "spec", "Forbidden: pod updates may not change fields other than `spec.containers[*].image`, "
                          "`spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations)")


def _keep_server_metadata(obj: Obj, existing: Obj) -> None:
    """What controllers wrote into metadata survives a replace that does not mention it (as with kubectl apply)."""
    meta, old = obj["metadata"], existing["metadata"]
    for key, value in (old.get("annotations") or {}).items():
        if key.startswith(_SERVER_ANNOTATION_PREFIXES):
            meta.setdefault("annotations", {}).setdefault(key, value)
    for field_name in ("ownerReferences", "finalizers"):
        if field_name in old and field_name not in meta:
            meta[field_name] = copy.deepcopy(old[field_name])


def cluster_ip(namespace: str, name: str) -> str:
    """A stable address in 10.96.0.0/16 derived from the service's identity (no allocator state to replay)."""
    h = int(hashlib.sha256(f"{namespace}/{name}".encode()).hexdigest()[:8], 16)
    return f"10.96.{(h >> 8) % 255}.{h % 250 + 2}"
