"""Context building for the LLM tasks (the seed's pipeline: contextBuilder → promptLoader → LLM → validator).

Each function returns the ``inputs`` of one prompt in the registry: compact, redacted text. Redaction happens here,
before anything can reach a model; the crew adapter only passes these strings on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kubecopilot.diagnosis.models import Diagnosis, Evidence
from kubecopilot.messages import language_name
from kubecopilot.prompting.prompts import registry
from kubecopilot.prompting.sanitizer import Sanitizer

LOG_LINES = 40


def understand_inputs(text: str, context: dict[str, Any], sanitizer: Sanitizer, intents: Mapping[str, str]) -> dict[str, str]:
    """``intents``: every intent's name and help line (the dialogue's registry), for the coordinator to pick from."""
    return {
        "request": sanitizer.redact(text),
        "context": sanitizer.redact(json.dumps(context, ensure_ascii=False, default=str)),
        "intents": "\n".join(f"- {name}: {help_}" for name, help_ in intents.items()),
        "schema": registry().schema_json("understand-request"),
    }


def diagnose_inputs(evidence: Evidence, findings: Diagnosis, language: str, sanitizer: Sanitizer) -> dict[str, str]:
    return {
        "target": evidence.target,
        "namespace": evidence.namespace,
        "cluster": evidence.cluster or "current",
        "evidence": sanitizer.redact(format_evidence(evidence)),
        "findings": sanitizer.redact(findings.model_dump_json(include={"category", "root_cause", "confidence", "suggested_fix"})),
        "language": language_name(language),
        "schema": registry().schema_json("diagnose"),
    }


def plan_inputs(request: str, resource: dict[str, Any], diagnosis: Diagnosis | None, sanitizer: Sanitizer) -> dict[str, str]:
    return {
        "request": sanitizer.redact(request),
        "resource": sanitizer.redact(json.dumps(trim_resource(resource), ensure_ascii=False)),
        "diagnosis": sanitizer.redact(diagnosis.model_dump_json(exclude={"evidence"})) if diagnosis else "none",
        "schema": registry().schema_json("plan-change"),
    }


def verify_inputs(summary: str, checks: list[str], language: str, sanitizer: Sanitizer) -> dict[str, str]:
    return {
        "plan_summary": sanitizer.redact(summary),
        "checks": sanitizer.redact("\n".join(checks) or "no checks ran"),
        "language": language_name(language),
        "schema": registry().schema_json("verify-change"),
    }


def format_evidence(evidence: Evidence) -> str:
    """Describe output first (it already holds state, limits and events), then events, then log tails."""
    parts: list[str] = []
    for name, text in evidence.describe.items():  # pods by name; nodes as "node/<name>"
        parts.append(f"## describe {name if name.startswith('node/') else 'pod ' + name}\n{text.strip()}")
    if not evidence.describe:
        for pod in evidence.pods:
            parts.append(f"## pod {pod['metadata']['name']} status\n{json.dumps(pod.get('status', {}), default=str)}")
    if evidence.events:
        lines = [f"{e.get('type')} {e.get('reason')} x{e.get('count', 1)} {(e.get('involvedObject') or {}).get('name')}: "
                 f"{e.get('message')}" for e in evidence.events[-15:]]
        parts.append("## events\n" + "\n".join(lines))
    for name, text in evidence.previous_logs.items():
        parts.append(f"## previous logs {name}\n{_tail(text)}")
    for name, text in evidence.logs.items():
        parts.append(f"## logs {name}\n{_tail(text)}")
    for node in evidence.nodes:
        conditions = [f"{c.get('type')}={c.get('status')}" for c in (node.get("status") or {}).get("conditions", [])]
        parts.append(f"## node {node['metadata']['name']}: {' '.join(conditions)}")
    return "\n\n".join(parts) or "no evidence could be read"


def trim_resource(obj: dict[str, Any]) -> dict[str, Any]:
    """What a planner needs of a workload: identity, replicas, and per container image, resources, env, probes."""
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    pod_spec = (spec.get("template") or {}).get("spec") or spec
    keep = ("name", "image", "resources", "env", "readinessProbe", "livenessProbe", "args")
    return {
        "kind": obj.get("kind"),
        "metadata": {k: meta.get(k) for k in ("name", "namespace", "labels", "annotations") if meta.get(k)},
        "spec": {
            "replicas": spec.get("replicas"),
            "containers": [{k: c[k] for k in keep if k in c} for c in pod_spec.get("containers", [])],
        },
    }


def _tail(text: str) -> str:
    return "\n".join(text.strip().splitlines()[-LOG_LINES:])
