"""What the person sees is masked like what a model sees: a bearer token a service logs, a password in a
Deployment's env, in logs, describe and YAML answers — with a notice that says the text was masked."""

from __future__ import annotations

import json
import re

import pytest

from kubecopilot.dialogue.turns import Answer, CodeBlock
from kubecopilot.testing.apps import app_for

JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjYXJ0In0.c2lnbmF0dXJlLXNlY3JldA"
PASSWORD = "s3cr3t-Hunter2-pw"
TOKEN = re.compile(r"Bearer eyJ[\w-]+\.[\w-]+\.[\w-]+")


@pytest.fixture
def app(sandbox):
    opened = app_for(sandbox)
    yield opened
    opened.close()


def shown(turn: object) -> str:
    assert isinstance(turn, Answer), turn
    return "\n".join(b.text for b in turn.blocks if isinstance(b, CodeBlock))


def cart_pod(sandbox) -> str:
    pods = json.loads(sandbox.cluster.call("list_pods", {"namespace": "dev"}))
    return next(p["metadata"]["name"] for p in pods["items"] if p["metadata"]["name"].startswith("cart-service-v1"))


def test_a_token_in_the_logs_is_masked_and_said(app, sandbox):
    pod = cart_pod(sandbox)
    raw = sandbox.cluster.call("get_pod_logs", {"namespace": "dev", "pod_name": pod, "tail_lines": 400})
    assert TOKEN.search(raw), "the sandbox's cart service logs a bearer token"
    turn = app.conversation.handle(f"logs of pod {pod} -n dev")
    text = shown(turn)
    assert "Authorization: Bearer [REDACTED]" in text and not TOKEN.search(text)
    assert not TOKEN.search(turn.model_dump_json())  # --output json carries the same masked lines
    assert any("[REDACTED]" in notice for notice in turn.notices)


def test_clean_logs_carry_no_notice(app):
    turn = app.conversation.handle("logs of redis-0 -n dev")
    assert shown(turn) and "[REDACTED]" not in shown(turn) and turn.notices == []


def test_env_passwords_are_masked_in_yaml_and_describe(app, sandbox):
    env = [{"name": "DB_PASSWORD", "value": PASSWORD}, {"name": "QUEUE", "value": "reports"}]
    sandbox.cluster.call("patch_resource", {"kind": "Deployment", "namespace": "dev", "name": "report-worker", "patch": [
        {"op": "add", "path": "/spec/template/spec/containers/0/env", "value": env},
        {"op": "add", "path": "/spec/template/spec/containers/0/args", "value": [f"--auth=Bearer {JWT}"]}]})
    app.conversation.handle("refresh cache")
    for request in ("show me the yaml of deployment report-worker in dev", "describe deployment report-worker -n dev"):
        turn = app.conversation.handle(request)
        text = shown(turn)
        assert "DB_PASSWORD" in text and "reports" in text, (request, text)  # the names and harmless values stay
        assert PASSWORD not in text and JWT not in text and PASSWORD not in turn.model_dump_json(), request
        assert turn.notices, request
