"""A scripted crewAI LLM (a ``BaseLLM`` subclass): replies from a list or a policy, and records every call.

A reply is a string (final answer), a list of tool calls ``[{"name": …, "arguments": {…}}]``, or an exception
instance to raise (e.g. to simulate a 503). Imports crewAI: only use it where crewAI is loaded anyway.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from crewai.llms.base_llm import BaseLLM
from pydantic import Field

from kubecopilot.testing.openai_stub import estimate_tokens


class ScriptedLLM(BaseLLM):
    script: list[Any] = Field(default_factory=list)
    policy: Callable[[list[dict[str, Any]], list[str]], Any] | None = None
    calls: list[dict[str, Any]] = Field(default_factory=list)

    def call(self, messages: Any, tools: Any = None, callbacks: Any = None, available_functions: Any = None,
             from_task: Any = None, from_agent: Any = None, response_model: Any = None) -> Any:
        msgs = [{"role": "user", "content": messages}] if isinstance(messages, str) else [dict(m) for m in messages]
        names = [t.get("function", {}).get("name", "") if isinstance(t, dict) else str(t) for t in tools or []]
        self.calls.append({"messages": msgs, "tools": names, "prompt_tokens": estimate_tokens({"m": msgs, "t": tools})})
        reply = self.policy(msgs, names) if self.policy else (self.script.pop(0) if self.script else "")
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, list):
            return [{"id": f"call_{len(self.calls)}_{i}", "type": "function",
                     "function": {"name": c["name"], "arguments": json.dumps(c.get("arguments", {}))}}
                    for i, c in enumerate(reply)]
        return reply

    def supports_function_calling(self) -> bool:
        return True

    def supports_stop_words(self) -> bool:
        return False

    def get_context_window_size(self) -> int:
        return 128_000
