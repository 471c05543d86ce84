"""Capability profiles: what KubeCopilot needs (list pods, logs, scale, …) mapped to one server's tools.

A profile is data (``profiles/*.yaml``, or a user's YAML file): per capability, the tool to call, how slot names
(``namespace``, ``name``, ``tail_lines`` …) become that tool's argument names, fixed arguments, and how to parse
the answer. A capability may list alternatives; the first whose tool is loaded and whose ``requires``/``when``
conditions hold is used (``pods_list_in_namespace`` when a namespace is known, else ``pods_list``). A capability
without a usable tool is missing: ``CapabilityMissing`` says so, nothing crashes.
"""

from __future__ import annotations

import functools
import json
import string
from collections.abc import Collection, Container, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kubecopilot.errors import CapabilityMissing, ConfigError
from kubecopilot.messages import Language, say
from kubecopilot.resources import read_yaml

CAPABILITIES = (
    "list_clusters",
    "cluster_overview",
    "list_namespaces",
    "list_nodes",
    "list_pods",
    "list_deployments",
    "list_replicasets",
    "list_services",
    "list_events",
    "list_kind",
    "pod_metrics",
    "node_metrics",
    "pod_logs",
    "describe_pod",
    "describe",
    "events_for",
    "get_resource",
    "scale",
    "restart",
    "patch",
    "apply",
    "delete_pod",
    "delete",
)
SLOTS = (
    "cluster",
    "namespace",
    "name",
    "kind",
    "api_version",
    "container",
    "tail_lines",
    "previous",
    "replicas",
    "patch",
    "patch_type",
    "manifest",
    "label_selector",
)
_WHAT = {
    "list_clusters": "tool that lists clusters",
    "cluster_overview": "cluster overview tool",
    "list_namespaces": "namespace list tool",
    "list_nodes": "node list tool",
    "list_pods": "pod list tool",
    "list_deployments": "deployment list tool",
    "list_replicasets": "ReplicaSet list tool",
    "list_services": "service list tool",
    "list_events": "event list tool",
    "list_kind": "tool that lists objects of any kind as full objects",
    "pod_metrics": "pod metrics tool (kubectl top pods)",
    "node_metrics": "node metrics tool (kubectl top nodes)",
    "pod_logs": "logs tool",
    "describe_pod": "pod describe tool",
    "describe": "describe tool",
    "events_for": "tool for a resource's events",
    "get_resource": "tool to read a resource",
    "scale": "scale tool",
    "restart": "restart tool",
    "patch": "patch tool",
    "apply": "apply / create-or-update tool",
    "delete_pod": "pod delete tool",
    "delete": "delete tool",
}
API_VERSIONS = {
    **dict.fromkeys(
        (
            "Pod",
            "Service",
            "ConfigMap",
            "Secret",
            "Namespace",
            "Node",
            "Event",
            "ServiceAccount",
            "PersistentVolumeClaim",
            "PersistentVolume",
            "Endpoints",
        ),
        "v1",
    ),
    **dict.fromkeys(("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"), "apps/v1"),
    **dict.fromkeys(("Job", "CronJob"), "batch/v1"),
    "ResourceQuota": "v1",
    "PodDisruptionBudget": "policy/v1",
    "StorageClass": "storage.k8s.io/v1",
    **dict.fromkeys(("Ingress", "NetworkPolicy"), "networking.k8s.io/v1"),
    "HorizontalPodAutoscaler": "autoscaling/v2",
}
# What a profile may warn its users about (``caveats: {transport: name}``) → the message that says it.
CAVEATS = {"single-sse-client": "caveat_single_sse_client"}
_API_VERSIONS_BY_LOWER = {k.lower(): v for k, v in API_VERSIONS.items()}
PROFILE_DIR = Path(__file__).resolve().parent / "profiles"


@dataclass(frozen=True)
class CapabilityBinding:
    capability: str
    tool: str
    args: Mapping[str, str] = field(default_factory=dict)  # slot → the tool's argument name
    fixed: Mapping[str, Any] = field(default_factory=dict)  # argument → constant value
    parser: str = "auto"  # json | table | yaml | kubeconfig | auto | text
    kind: str | None = None  # what a listing holds, for records
    requires: tuple[str, ...] = ()  # slots that must be given for this alternative
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # slot → accepted values (case-insensitive)
    template: Mapping[str, str] = field(default_factory=dict)  # argument → "involvedObject.name={name}"
    defaults: Mapping[str, Any] = field(default_factory=dict)  # slot values used when not given
    lower: tuple[str, ...] = ()  # arguments whose values the server wants lower-case
    patch_format: str | None = None  # for ``patch``: json-patch (RFC 6902) or merge-patch (RFC 7386)
    text_key: str | None = None  # the answer is a JSON object whose text is this field (Flux159's {"logs": …})

    def accepts(self, slots: Mapping[str, Any]) -> bool:
        given = self._with_defaults(slots)
        if any(given.get(s) in (None, "") for s in self.requires):
            return False
        return all(str(given.get(slot, "")).lower() in values for slot, values in self.when.items())

    def build_args(self, slots: Mapping[str, Any]) -> dict[str, Any]:
        """The tool's arguments for these slots (unknown slots are ignored, ``None`` means not given)."""
        given = self._with_defaults(slots)
        if given.get("kind") and not given.get("api_version"):
            given["api_version"] = _API_VERSIONS_BY_LOWER.get(str(given["kind"]).lower())
        args: dict[str, Any] = dict(self.fixed)
        for slot, arg in self.args.items():
            if given.get(slot) is not None:
                args[arg] = given[slot]
        for arg, template in self.template.items():
            fields = [f for _, f, _, _ in string.Formatter().parse(template) if f]
            if all(given.get(f) is not None for f in fields):
                args[arg] = template.format(**given)
        for arg in self.lower:
            if isinstance(args.get(arg), str):
                args[arg] = args[arg].lower()
        return args

    def _with_defaults(self, slots: Mapping[str, Any]) -> dict[str, Any]:
        return {**self.defaults, **{k: v for k, v in slots.items() if v is not None}}


@dataclass(frozen=True)
class Profile:
    name: str
    description: str = ""
    detect: tuple[str, ...] = ()  # tools that must all be present for auto-detection
    bindings: Mapping[str, tuple[CapabilityBinding, ...]] = field(default_factory=dict)
    caveats: Mapping[str, str] = field(default_factory=dict)  # transport → the message key of what users must know

    def capabilities_by_tool(self) -> dict[str, tuple[str, ...]]:
        served: dict[str, list[str]] = {}
        for capability, alternatives in self.bindings.items():
            for binding in alternatives:
                caps = served.setdefault(binding.tool, [])
                if capability not in caps:
                    caps.append(capability)
        return {tool: tuple(caps) for tool, caps in served.items()}

    def has(self, capability: str, tools: Container[str]) -> bool:
        return any(b.tool in tools for b in self.bindings.get(capability, ()))

    def resolve(self, capability: str, slots: Mapping[str, Any], tools: Container[str]) -> CapabilityBinding:
        """The binding to use for these slots, or ``CapabilityMissing`` explaining what the server lacks."""
        if capability not in CAPABILITIES:
            raise CapabilityMissing(f"unknown capability {capability!r}", hint=f"known: {', '.join(CAPABILITIES)}")
        loaded = [b for b in self.bindings.get(capability, ()) if b.tool in tools]
        if not loaded:
            raise CapabilityMissing(
                f"this server has no {_WHAT[capability]} (profile {self.name})",
                hint="the server's other tools still work; a profile YAML can map one (docs/tool-layer.md)",
                capability=capability,
            )
        for binding in loaded:
            if binding.accepts(slots):
                return binding
        needed = sorted({s for b in loaded for s in (*b.requires, *b.when)})
        raise CapabilityMissing(
            f"this server's {_WHAT[capability]} cannot be used for {_slot_text(slots)}",
            hint=f"it needs: {', '.join(needed)}" if needed else None,
            capability=capability,
        )

    def caveat(self, transport: str, lang: Language = "en") -> str | None:
        """What users of this server over ``transport`` should know, said in ``lang`` (None: nothing)."""
        key = self.caveats.get(transport)
        return say(key, lang) if key else None

    def coverage(self, tools: Collection[str]) -> float:
        bound = {b.tool for alts in self.bindings.values() for b in alts}
        return len(bound & set(tools)) / len(bound) if bound else 0.0


def parse_profile(data: Mapping[str, Any], source: str = "<profile>") -> Profile:
    if not isinstance(data, Mapping) or not isinstance(data.get("capabilities"), Mapping):
        raise ConfigError(f"{source}: a profile needs a 'capabilities' mapping", hint="see docs/tool-layer.md")
    bindings = {}
    for capability, spec in data["capabilities"].items():
        if capability not in CAPABILITIES:
            raise ConfigError(f"{source}: unknown capability {capability!r}", hint=f"known: {', '.join(CAPABILITIES)}")
        alternatives = spec if isinstance(spec, list) else [spec]
        bindings[capability] = tuple(_binding(capability, alt, source) for alt in alternatives)
    detect = data.get("detect") or []
    return Profile(
        name=str(data.get("name") or Path(source).stem),
        description=str(data.get("description") or ""),
        detect=tuple(detect.get("all", []) if isinstance(detect, Mapping) else detect),
        bindings=bindings,
        caveats=_caveats(data.get("caveats") or {}, source),
    )


def _binding(capability: str, spec: Any, source: str) -> CapabilityBinding:
    if isinstance(spec, str):
        spec = {"tool": spec}
    if not isinstance(spec, Mapping) or not spec.get("tool"):
        raise ConfigError(f"{source}: capability {capability!r} needs a 'tool'")
    unknown = set(spec.get("args") or {}) - set(SLOTS)
    if unknown:
        raise ConfigError(
            f"{source}: {capability}.args maps unknown slots {sorted(unknown)}", hint=f"slots: {', '.join(SLOTS)}"
        )
    return CapabilityBinding(
        capability=capability,
        tool=str(spec["tool"]),
        args=dict(spec.get("args") or {}),
        fixed=dict(spec.get("fixed") or {}),
        parser=str(spec.get("parser") or "auto"),
        kind=spec.get("kind"),
        requires=tuple(spec.get("requires") or ()),
        when={k: tuple(str(v).lower() for v in vs) for k, vs in (spec.get("when") or {}).items()},
        template=dict(spec.get("template") or {}),
        defaults=dict(spec.get("defaults") or {}),
        lower=tuple(spec.get("lower") or ()),
        patch_format=spec.get("patch_format"),
        text_key=spec.get("text_key"),
    )


def _caveats(spec: Mapping[str, Any], source: str) -> dict[str, str]:
    unknown = sorted(str(v) for v in spec.values() if v not in CAVEATS)
    if unknown:
        raise ConfigError(f"{source}: unknown caveat {unknown[0]!r}", hint=f"known: {', '.join(CAVEATS)}")
    return {str(transport): CAVEATS[str(name)] for transport, name in spec.items()}


def load_profile_file(path: Path) -> Profile:
    try:
        data = read_yaml(path)
    except OSError as exc:
        raise ConfigError(f"cannot read profile {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"profile {path} is not valid YAML: {exc}") from None
    return parse_profile(data, str(path))


def shipped_profiles() -> dict[str, Profile]:
    return dict(_shipped())


@functools.cache
def _shipped() -> tuple[tuple[str, Profile], ...]:
    profiles = (load_profile_file(p) for p in sorted(PROFILE_DIR.glob("*.yaml")))
    return tuple((p.name, p) for p in profiles)


def detect_profile(tool_names: Iterable[str]) -> Profile:
    """The shipped profile whose signature tools are all loaded (best coverage wins), else an empty one."""
    tools = set(tool_names)
    candidates = [p for p in shipped_profiles().values() if p.detect and set(p.detect) <= tools]
    if not candidates:
        candidates = [p for p in shipped_profiles().values() if p.coverage(tools) >= 0.5]
    if not candidates:
        return Profile(name="generic", description="no shipped profile matches this server's tools")
    return max(candidates, key=lambda p: p.coverage(tools))


def load_profile(choice: str, tool_names: Iterable[str]) -> Profile:
    """``settings.mcp.profile``: "auto", a shipped profile's name, or a path to a profile YAML."""
    if choice in ("", "auto"):
        return detect_profile(tool_names)
    shipped = shipped_profiles()
    if choice in shipped:
        return shipped[choice]
    path = Path(choice).expanduser()
    if path.suffix in (".yaml", ".yml") or path.exists():
        return load_profile_file(path)
    raise ConfigError(
        f"unknown MCP profile {choice!r}", hint=f"use auto, {', '.join(shipped)} or a path to a YAML file"
    )


def fit_to_schema(args: Mapping[str, Any], properties: Mapping[str, Any]) -> dict[str, Any]:
    """Shape values the way the tool's JSON schema asks: documents become YAML/JSON text when it wants a string,
    numeric text becomes a number when it wants one."""
    fitted = {}
    for key, value in args.items():
        wanted = (properties.get(key) or {}).get("type")
        if wanted == "string" and isinstance(value, Mapping | list):
            value = _as_text(key, value)
        elif wanted in ("integer", "number") and isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        elif wanted == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        fitted[key] = value
    return fitted


def _as_text(key: str, value: Any) -> str:
    if key.lower() in ("yaml", "manifest", "resource") and isinstance(value, Mapping):
        return yaml.safe_dump(dict(value), sort_keys=False)
    return json.dumps(value)


def _slot_text(slots: Mapping[str, Any]) -> str:
    given = {k: v for k, v in slots.items() if v is not None}
    return ", ".join(f"{k}={v}" for k, v in given.items()) or "no arguments"
