"""A broken or hostile model never crashes a turn: each failure is a typed error, and the turn is answered by the
offline rules with a notice that says why.

The model is the OpenAI-compatible stub on 127.0.0.1, reached through the real crewAI provider client; the cluster
is the sandbox over real SSE.
"""

from __future__ import annotations

import pytest
import yaml

from kubecopilot.crew.hooks import uninstall
from kubecopilot.dialogue.turns import DiagnosisBlock, ErrorTurn
from kubecopilot.errors import LLMBadResponse, LLMKeyRefused, LLMUnavailable
from kubecopilot.resources import data_path
from kubecopilot.testing import openai_stub as replies
from kubecopilot.testing.openai_stub import OpenAIStub

from .hostile_model import FAULTS, FREE_TEXT, MODEL_PATHS, hostile_app, hostile_brain

CTX = {"cluster": None, "namespace": "dev"}


@pytest.fixture(autouse=True)
def _no_global_hooks():
    yield
    uninstall()


@pytest.mark.parametrize(("fault", "error"), [
    ("tool_call_without_tools", LLMBadResponse),
    ("non_json_200", LLMBadResponse),
    ("empty_json_200", LLMBadResponse),
    ("http_401", LLMKeyRefused),
    ("http_403", LLMKeyRefused),
    ("http_500", LLMUnavailable),
    ("http_429", LLMUnavailable),
    ("timeout", LLMUnavailable),
])
@pytest.mark.parametrize("path", sorted(MODEL_PATHS))
def test_every_model_failure_is_a_typed_error(fault, error, path):
    if path == "litellm" and error is LLMBadResponse:
        # litellm wraps a body it cannot parse in APIConnectionError (status 500): indistinguishable from a dropped
        # connection without reading the provider's message, so it is retried and ends as LLMUnavailable.
        error = LLMUnavailable
    with OpenAIStub(policy=replies.always(FAULTS[fault])) as stub:
        brain = hostile_brain(stub, path=path, **{"llm.max_retries": 1})
        with pytest.raises(error) as caught:
            brain.understand(FREE_TEXT, CTX)
    assert caught.value.exit_code == 69  # "LLM unavailable": the CLI's documented code
    assert "Traceback" not in str(caught.value)


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_every_model_failure_falls_back_to_the_offline_rules_with_a_notice(shared_sandbox, fault):
    with OpenAIStub(policy=replies.always(FAULTS[fault])) as stub:
        app = hostile_app(shared_sandbox, stub, **{"llm.max_retries": 1})
        try:
            turn = app.conversation.handle(FREE_TEXT)
        finally:
            app.close()
    assert not isinstance(turn, ErrorTurn), turn
    assert any("answered by the offline rules" in notice for notice in turn.notices), turn.notices
    assert stub.requests, "the model was asked first"


def test_a_refused_key_is_said_not_retried_and_not_tried_again_this_session(shared_sandbox):
    with OpenAIStub(policy=replies.always(replies.http_error(401, echo_key=True))) as stub:
        app = hostile_app(shared_sandbox, stub)  # the default: 3 retries, which a 401 must not use
        try:
            first = app.conversation.handle(FREE_TEXT)
            second = app.conversation.handle("why is report-worker crashing?")
        finally:
            app.close()
    assert len(stub.requests) == 1
    assert any("refused the API key" in notice for notice in first.notices), first.notices
    block = next(b for b in second.blocks if isinstance(b, DiagnosisBlock))
    assert block.diagnosis.source == "rules"
    assert any("refused the API key" in notice for notice in second.notices), second.notices


def test_an_endless_tool_call_loop_is_cut_off_and_the_rules_diagnose(shared_sandbox):
    pod_logs = replies.tool_call("list_pods", namespace="dev")  # a real read tool, called again and again
    with OpenAIStub(policy=replies.always(pod_logs)) as stub:
        app = hostile_app(shared_sandbox, stub)
        try:
            turn = app.conversation.handle("why is report-worker crashing?")
        finally:
            app.close()
    block = next(b for b in turn.blocks if isinstance(b, DiagnosisBlock))
    assert block.diagnosis.source == "rules" and block.diagnosis.category == "OOMKilled"
    assert any("answered by the offline rules" in notice for notice in turn.notices), turn.notices
    # Bounded: the diagnostician's iterations, once (a loop is not a transient fault, so it is not retried).
    max_iter = yaml.safe_load(data_path("agents.yaml").read_text())["diagnostician"]["max_iter"]
    assert len(stub.requests) <= max_iter + 2
