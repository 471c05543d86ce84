"""A hostile or broken model, played by the OpenAI-compatible stub on 127.0.0.1, plugged into the real crew.

The model is configured the way a user configures one (model string, base URL, key), so every request goes through
``crew.llm.build_llm`` and crewAI's provider client (the native OpenAI-compatible client, or litellm) over HTTP.
"""

from __future__ import annotations

from typing import Any

from kubecopilot.config import Settings, load_settings
from kubecopilot.crew.brain import CrewBrain
from kubecopilot.prompting.sanitizer import Sanitizer
from kubecopilot.testing import openai_stub as stub_replies
from kubecopilot.testing.apps import app_for
from kubecopilot.testing.openai_stub import OpenAIStub

# A key that looks real enough that a provider would echo it; it must never be seen anywhere.
KEY = "sk-or-v1-5ecre7-h0stile-0123456789abcdef0123456789abcdef"

# The two ways crewAI reaches a provider: its native OpenAI-compatible client (OpenRouter, the default model) and
# litellm (providers crewAI has no native client for; groq here).
MODEL_PATHS = {
    "native": "openrouter/google/gemini-2.5-flash",
    "litellm": "groq/llama-3.1-8b-instant",
}

# A request the offline rules are not sure about, so the coordinator (an agent with no tools) is asked.
FREE_TEXT = "could you pull up whatever cart-service has been printing lately"

# The faults a model can have, as stub replies (each given to every request).
FAULTS: dict[str, Any] = {
    "tool_call_without_tools": stub_replies.tool_call("list_pods", namespace="dev"),
    "non_json_200": stub_replies.raw_body("<html><body>502 upstream gone</body></html>"),
    "empty_json_200": stub_replies.raw_body('{"object": "chat.completion", "choices": []}'),
    "http_401": stub_replies.http_error(401, echo_key=True),
    "http_403": stub_replies.http_error(403, echo_key=True),
    "http_500": stub_replies.http_error(500),
    "http_429": stub_replies.http_error(429),
    "timeout": stub_replies.slow(30, "too late"),
}


def model_overrides(stub: OpenAIStub, path: str = "native", **extra: Any) -> dict[str, Any]:
    """Settings (dotted paths) for a model served by ``stub``. Short timeout: the slow fault must time out fast."""
    return {"llm.model": MODEL_PATHS[path], "llm.base_url": stub.base_url, "llm.api_key": KEY, "llm.timeout": 0.5,
            **extra}


def model_env(stub: OpenAIStub, path: str = "native", retries: int | None = None) -> dict[str, str]:
    """The same, as the environment a user would set for the CLI."""
    env = {"KUBECOPILOT_MODEL": MODEL_PATHS[path], "KUBECOPILOT_LLM_BASE_URL": stub.base_url,
           "KUBECOPILOT_LLM_TIMEOUT": "0.5", "OPENROUTER_API_KEY": KEY, "GROQ_API_KEY": KEY}
    if retries is not None:
        env["KUBECOPILOT_LLM_RETRIES"] = str(retries)
    return env


class NoCluster:
    """A gateway with an empty catalog: enough for the coordinator, which gets no tools."""

    catalog: list[Any] = []


def hostile_brain(stub: OpenAIStub, *, path: str = "native", gateway: Any = None,
                  waits: list[float] | None = None, **extra: Any) -> CrewBrain:
    """The real ``CrewBrain`` (real crewAI, real provider client) against the stub; backoff waits are recorded."""
    settings = load_settings({"offline": False, **model_overrides(stub, path, **extra)})
    recorded = waits if waits is not None else []
    return CrewBrain(settings, gateway or NoCluster(), Sanitizer(), sleep=recorded.append)


def hostile_app(handle: Any, stub: OpenAIStub, *, path: str = "native", **extra: Any) -> Any:
    """An App on the sandbox whose brain talks to the stub; backoff waits are skipped, not slept."""
    overrides = model_overrides(stub, path, **extra)
    settings: Settings = load_settings({"offline": False, **overrides})
    gateway_app = app_for(handle, **overrides)  # offline at first; the hostile brain is plugged in below
    gateway_app.brain = CrewBrain(settings, gateway_app.gateway, gateway_app.sanitizer, sleep=lambda s: None)
    gateway_app.conversation.brain = gateway_app.brain
    return gateway_app
