"""``kubecopilot ask`` as a real process with the stub model configured the way a user configures one.

``--output json``: stdout is exactly one JSON document, whatever crewAI prints or logs on the way. A provider that
echoes the key in its 401 body: the key appears nowhere — stdout, stderr (with debug logging on), files under HOME
(audit ledger, history, crewAI's storage).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kubecopilot.testing import openai_stub as replies
from kubecopilot.testing.openai_stub import OpenAIStub

from .hostile_model import FAULTS, FREE_TEXT, KEY, model_env

KUBECOPILOT = [sys.executable, "-m", "kubecopilot"]
ROUTED = json.dumps({"intent": "logs", "target": "cart-service", "language": "en", "confidence": 0.9})


def ask(mcp_url: str, stub: OpenAIStub, *args: str, retries: int = 1) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **model_env(stub, retries=retries)}
    return subprocess.run([*KUBECOPILOT, "ask", FREE_TEXT, "--mcp-url", mcp_url, *args], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("reply", ["routed", "http_500", "tool_call_without_tools"])
def test_json_output_is_exactly_one_document(shared_sandbox, reply):
    with OpenAIStub(policy=replies.always(ROUTED if reply == "routed" else FAULTS[reply])) as stub:
        done = ask(shared_sandbox.url, stub, "--output", "json")
    document = json.loads(done.stdout)  # the whole of stdout, nothing before or after
    assert stub.requests, "the model was asked"
    turn = document["turn"]
    if reply == "routed":  # the coordinator understood: cart-service's logs, in which namespace?
        assert turn["kind"] == "ask" and turn["slot"] == "namespace", turn
    else:  # the offline rules answered instead, and said so
        # 2: the rules ask for a value; 8: they ask what was meant ("did you mean …?")
        assert turn["kind"] in ("answer", "ask") and done.returncode in (0, 2, 8), turn
        assert document["exitCode"] == done.returncode
        assert any("offline rules" in notice for notice in turn["notices"]), turn["notices"]
    assert "Traceback" not in done.stderr and "CrewAIEventsBus" not in done.stderr + done.stdout


def test_a_key_echoed_by_the_provider_is_shown_nowhere(shared_sandbox):
    with OpenAIStub(policy=replies.always(replies.http_error(401, echo_key=True))) as stub:
        verbose = ask(shared_sandbox.url, stub, "--verbose")
        as_json = ask(shared_sandbox.url, stub, "--output", "json")
    assert stub.requests and all(r.api_key == KEY for r in stub.requests)  # the key was sent, and echoed back
    for done in (verbose, as_json):
        assert KEY not in done.stdout and KEY not in done.stderr
        assert KEY[-12:] not in done.stdout + done.stderr  # not even its tail
    assert "refused the API key" in " ".join((verbose.stdout + verbose.stderr).split())  # said (rich wraps lines)
    leaked = [path for path in Path(os.environ["HOME"]).rglob("*")
              if path.is_file() and KEY.encode() in path.read_bytes()]
    assert leaked == []
