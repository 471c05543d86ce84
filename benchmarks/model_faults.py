"""Benchmark: what a broken model costs one LLM step — requests sent, wall time, and the typed error it ends in.

The model is the OpenAI-compatible stub on 127.0.0.1 (``kubecopilot.testing.openai_stub``), reached through the
real ``CrewBrain`` (crewAI's provider client, our retry loop with its real backoff) with the documented defaults:
``llm.max_retries`` 3. The timeout case uses ``llm.timeout`` 1 s (the default is 60 s: 4 × 60 s plus backoff) so the
run stays short; its time scales with the setting. One row per fault, for the native client and for litellm.

Run: ``uv run python benchmarks/model_faults.py`` (a table) or call ``measure()`` (returns a dict).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from common import isolated_home  # benchmarks/ is on sys.path: these scripts run from it

FAULTS = ("http_500", "http_429", "timeout", "http_401", "non_json_200", "tool_call_without_tools")
MODELS = {"native": "openrouter/google/gemini-2.5-flash", "litellm": "groq/llama-3.1-8b-instant"}


def _replies() -> dict[str, Any]:
    from kubecopilot.testing import openai_stub as r

    return {
        "http_500": r.http_error(500), "http_429": r.http_error(429), "timeout": r.slow(30, "late"),
        "http_401": r.http_error(401, echo_key=True), "non_json_200": r.raw_body("<html>502</html>"),
        "tool_call_without_tools": r.tool_call("list_pods", namespace="dev"),
    }


def one(fault: str, path: str) -> dict[str, Any]:
    from kubecopilot.config import load_settings
    from kubecopilot.crew.brain import CrewBrain
    from kubecopilot.errors import KubeCopilotError
    from kubecopilot.prompting.sanitizer import Sanitizer
    from kubecopilot.testing.openai_stub import OpenAIStub, always

    class NoCluster:
        catalog: list[Any] = []

    with OpenAIStub(policy=always(_replies()[fault])) as stub:
        settings = load_settings({"offline": False, "llm.model": MODELS[path], "llm.base_url": stub.base_url,
                                  "llm.api_key": "sk-bench-not-a-key-0000", "llm.timeout": 1.0})
        brain = CrewBrain(settings, NoCluster(), Sanitizer())
        brain.warm_up()
        started = time.perf_counter()
        try:
            brain.understand("could you pull up whatever cart-service has been printing", {"namespace": "dev"})
            error = "none"
        except KubeCopilotError as exc:
            error = type(exc).__name__
        return {"fault": fault, "path": path, "requests": len(stub.requests),
                "seconds": round(time.perf_counter() - started, 2), "error": error}


def measure() -> dict[str, Any]:
    logging.disable(logging.CRITICAL)
    with isolated_home():
        rows = [one(fault, path) for path in MODELS for fault in FAULTS]
    return {"rows": rows, "max_retries": 3, "timeout_s": 1.0}


if __name__ == "__main__":
    result = measure()
    print(f"{'path':8} {'fault':26} {'requests':>8} {'seconds':>8}  error")
    for row in result["rows"]:
        print(f"{row['path']:8} {row['fault']:26} {row['requests']:>8} {row['seconds']:>8}  {row['error']}")
