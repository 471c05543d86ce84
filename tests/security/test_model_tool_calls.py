"""A model reached either way crewAI reaches one (its native OpenAI-compatible client, or litellm) can call a read
tool, get the sandbox's answer back and then answer: the stub plays the model, the sandbox serves over SSE."""

from __future__ import annotations

import json

import pytest

from kubecopilot.cli import main
from kubecopilot.testing.openai_stub import OpenAIStub, RecordedRequest

from .hostile import ROLES
from .hostile_model import MODEL_PATHS, model_env

ROUTED = {"intent": "diagnose", "kind": "deployment", "target": "report-worker", "namespace": "dev", "language": "en",
          "confidence": 0.95}
DIAGNOSIS = {"summary": "report-worker is killed for memory (model's words)", "root_cause": "limit below working set",
             "category": "OOMKilled", "evidence": [], "confidence": 0.9, "suggested_fix": "raise the limit", "fix": None}


READ = {"kind": "Deployment", "name": "report-worker", "namespace": "dev"}


def _model(request: RecordedRequest) -> str | list[dict]:
    """Calls ``get_resource`` once, the way it was offered: as a function (native tool calling) or, when crewAI
    describes the tools in the prompt instead (litellm says the model cannot call functions), as ReAct text."""
    system = str((request.messages[0] if request.messages else {}).get("content") or "")
    role = next((r for r, title in ROLES.items() if title in system), "coordinator")
    if role != "diagnostician":
        return json.dumps(ROUTED)
    if request.tool_names and not any(m.get("role") == "tool" for m in request.messages):
        return [{"name": "get_resource", "arguments": {**READ, "cluster": None}}]
    if not request.tool_names and not any(m.get("role") == "assistant" for m in request.messages):
        return f"Thought: read the deployment first\nAction: get_resource\nAction Input: {json.dumps(READ)}"
    return json.dumps(DIAGNOSIS)


def _tool_output(stub: OpenAIStub) -> str:
    """What the model was given back from the tool: a tool message, or the ReAct observation."""
    native = [str(m.get("content")) for r in stub.requests for m in r.messages if m.get("role") == "tool"]
    react = [str(m.get("content")).split("Observation:", 1)[1] for r in stub.requests for m in r.messages
             if m.get("role") == "assistant" and "Observation:" in str(m.get("content"))]
    return (native + react + [""])[0]


@pytest.mark.parametrize("path", sorted(MODEL_PATHS))
def test_the_model_calls_a_read_tool_and_answers_from_what_it_read(server, monkeypatch, capsys, path):
    with OpenAIStub(policy=_model) as stub:
        for name, value in model_env(stub, path, retries=0).items():
            monkeypatch.setenv(name, value)
        code = main(["ask", "why is report-worker failing?", "--mcp-url", server.url, "--output", "json"])
    turn = json.loads(capsys.readouterr().out)["turn"]
    output = _tool_output(stub)
    assert code == 0 and '"kind": "Deployment"' in output and '"report-worker"' in output, turn.get("notices")
    diagnosis = next(b["diagnosis"] for b in turn["blocks"] if b["type"] == "diagnosis")
    assert diagnosis["summary"] == DIAGNOSIS["summary"] and diagnosis["source"] == "llm"
