"""Settings out of range are a configuration error (exit 78), never a traceback; library warnings stay off stderr
without ``--verbose``; annotation values are redacted in the ledger like env values."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kubecopilot.cli import main
from kubecopilot.errors import ExitCode
from kubecopilot.plans.builders import build_scale
from kubecopilot.plans.model import ResourceRef
from kubecopilot.testing import openai_stub as replies
from kubecopilot.testing.openai_stub import OpenAIStub

from .hostile_model import FAULTS, FREE_TEXT, model_env

WORKER = ResourceRef(kind="Deployment", namespace="dev", name="report-worker")


@pytest.mark.parametrize(("variable", "value"), [
    ("KUBECOPILOT_PLAN_TTL", "1e30"), ("KUBECOPILOT_PLAN_TTL", "-5"), ("KUBECOPILOT_PLAN_TTL", ".inf"),
    ("KUBECOPILOT_VERIFY_TIMEOUT", "nan"), ("KUBECOPILOT_CALL_TIMEOUT", "1e300"), ("KUBECOPILOT_LLM_RETRIES", "1e9"),
    ("KUBECOPILOT_TURN_DEADLINE", "-1"),
])
def test_a_numeric_setting_out_of_range_is_a_config_error(monkeypatch, capsys, shared_sandbox, variable, value):
    monkeypatch.setenv(variable, value)
    code = main(["ask", "scale cart-service-v1 to 2", "--mcp-url", shared_sandbox.url, "--offline"])
    err = capsys.readouterr().err
    assert code == ExitCode.CONFIG, err
    assert err.startswith("error: invalid setting ") and "Traceback" not in err


def test_no_library_warning_reaches_stderr_without_verbose(shared_sandbox):
    """A model answering with a tool call where none was offered makes crewAI trip pydantic's serializer warnings."""
    with OpenAIStub(policy=replies.always(FAULTS["tool_call_without_tools"])) as stub:
        env = {**os.environ, **model_env(stub, retries=0)}
        runs = {flag: subprocess.run([sys.executable, "-m", "kubecopilot", "ask", FREE_TEXT, "--mcp-url",
                                      shared_sandbox.url, *flag], env=env, capture_output=True, text=True, timeout=120)
                for flag in ((), ("--verbose",))}
    quiet, verbose = runs[()], runs[("--verbose",)]
    assert stub.requests and "offline rules" in " ".join(quiet.stdout.split())
    assert "Warning" not in quiet.stderr and "pydantic" not in quiet.stderr.lower(), quiet.stderr
    assert "PydanticSerializationUnexpectedValue" in verbose.stderr  # shown, as a log line, when asked for


def test_annotation_values_are_redacted_in_the_ledger(service, ledger, server):
    notes = {"owner-email": "Jane.Doe@shop.example.com", "contact": "page jane.doe@shop.example.com after 18:00",
             "webhook-token": "tok_4f9a8b7c6d5e", "deployment.kubernetes.io/revision": "2"}
    server.cluster.call("patch_resource", {"kind": "Deployment", "namespace": "dev", "name": "report-worker", "patch": [
        {"op": "add", "path": f"/metadata/annotations/{key.replace('/', '~1')}", "value": value}
        for key, value in notes.items()]})
    plan = service.propose(WORKER, lambda obj: build_scale(obj, 2))
    stored = json.dumps([json.loads(e.plan_json) for e in ledger.history(plan.plan_id)])
    assert "shop.example.com" not in stored and "tok_4f9a8b7c6d5e" not in stored
    annotations = ledger.latest(plan.plan_id).diff.before["metadata"]["annotations"]
    assert annotations["owner-email"] == "[REDACTED]" and annotations["webhook-token"] == "[REDACTED]"
    assert annotations["contact"] == "page [REDACTED] after 18:00"
    assert annotations["deployment.kubernetes.io/revision"] == "2"  # nothing secret: kept as it was
