"""One retry loop with the documented count (``llm.max_retries``, default 3): a request that keeps failing is sent
exactly ``max_retries + 1`` times — counted at the model's end, for both ways crewAI reaches a provider.

Before, the provider client's own retries (the OpenAI SDK's, litellm's) and crewAI's rate-limit loop ran under
ours: "3 retries" sent 12 requests on a 500, 36 on a 429 and 12 on a timeout.
"""

from __future__ import annotations

import pytest

from kubecopilot.config import load_settings
from kubecopilot.crew.llm import build_llm
from kubecopilot.errors import LLMKeyRefused, LLMUnavailable
from kubecopilot.testing import openai_stub as replies
from kubecopilot.testing.openai_stub import OpenAIStub

from .hostile_model import FAULTS, FREE_TEXT, MODEL_PATHS, hostile_brain, model_overrides

CTX = {"cluster": None, "namespace": "dev"}


@pytest.mark.parametrize("path", sorted(MODEL_PATHS))
@pytest.mark.parametrize("fault", ["http_500", "http_429", "timeout"])
def test_a_failing_request_is_sent_exactly_retries_plus_one_times(path, fault):
    waits: list[float] = []
    with OpenAIStub(policy=replies.always(FAULTS[fault])) as stub:
        brain = hostile_brain(stub, path=path, waits=waits)  # the documented default: 3 retries
        with pytest.raises(LLMUnavailable, match="after 4 attempts"):
            brain.understand(FREE_TEXT, CTX)
    assert len(stub.requests) == 4
    assert len(waits) == 3 and waits == sorted(waits)  # backoff between attempts, growing


@pytest.mark.parametrize("retries", [0, 1])
def test_the_configured_retry_count_is_the_one_used(retries):
    with OpenAIStub(policy=replies.always(FAULTS["http_500"])) as stub:
        brain = hostile_brain(stub, **{"llm.max_retries": retries})
        with pytest.raises(LLMUnavailable):
            brain.understand(FREE_TEXT, CTX)
    assert len(stub.requests) == retries + 1


@pytest.mark.parametrize("path", sorted(MODEL_PATHS))
def test_a_refused_key_is_sent_once(path):
    with OpenAIStub(policy=replies.always(FAULTS["http_401"])) as stub:
        with pytest.raises(LLMKeyRefused):
            hostile_brain(stub, path=path).understand(FREE_TEXT, CTX)
    assert len(stub.requests) == 1


def test_a_recovered_model_answers_on_the_retry():
    routed = '{"intent": "logs", "target": "cart-service", "language": "en", "confidence": 0.9}'
    with OpenAIStub(script=[FAULTS["http_500"], FAULTS["http_429"], routed]) as stub:
        result = hostile_brain(stub).understand(FREE_TEXT, CTX)
    assert result.target == "cart-service" and len(stub.requests) == 3


@pytest.mark.parametrize("path", sorted(MODEL_PATHS))
def test_every_call_has_the_configured_timeout_and_no_client_retries(path):
    with OpenAIStub() as stub:
        llm = build_llm(load_settings(model_overrides(stub, path, **{"llm.timeout": 7.5})))
    assert llm.timeout == 7.5
    if llm.is_litellm:
        assert llm.additional_params["num_retries"] == 0 and llm.additional_params["max_retries"] == 0
    else:
        assert llm.max_retries == 0
