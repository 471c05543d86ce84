"""A hostile model: the OpenAI-compatible stub on loopback answering each crewAI agent with a chosen reply."""

from __future__ import annotations

import json
from typing import Any

from kubecopilot.testing.openai_stub import OpenAIStub, RecordedRequest

ROLES = {
    "coordinator": "Kubernetes request coordinator",
    "diagnostician": "Kubernetes diagnostician",
    "planner": "Kubernetes change planner",
    "verifier": "Kubernetes change verifier",
}


def diagnosis_with(fix: dict[str, Any]) -> dict[str, Any]:
    return {"summary": "report-worker runs out of memory", "root_cause": "memory limit too low",
            "category": "OOMKilled", "evidence": [], "confidence": 0.9,
            "suggested_fix": "apply the attached patch", "fix": fix}


def hostile_model(routed: dict[str, Any], diagnosis: dict[str, Any]) -> OpenAIStub:
    """Routes the request as told, then diagnoses with ``diagnosis`` (whatever fix it carries)."""
    replies = {"coordinator": routed, "diagnostician": diagnosis,
               "planner": {"fix": diagnosis.get("fix") or {"action": "none", "namespace": "dev", "name": "x"},
                           "rationale": "trust me"},
               "verifier": {"ok": True, "summary": "all good"}}

    def policy(request: RecordedRequest) -> str:
        system = str((request.messages[0] if request.messages else {}).get("content") or "")
        role = next((r for r, title in ROLES.items() if title in system), "coordinator")
        return json.dumps(replies[role])

    return OpenAIStub(policy=policy)


def model_env(monkeypatch: Any, stub: OpenAIStub) -> None:
    """Point KubeCopilot at the stub as its LLM (OpenAI-compatible, no real key)."""
    monkeypatch.setenv("KUBECOPILOT_MODEL", "openai/hostile-stub")
    monkeypatch.setenv("KUBECOPILOT_LLM_BASE_URL", stub.base_url)
    monkeypatch.setenv("KUBECOPILOT_LLM_API_KEY", "sk-stub-not-a-key")
    monkeypatch.setenv("KUBECOPILOT_LLM_RETRIES", "0")
