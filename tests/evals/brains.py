"""The LLM side of a case run: nothing (rules), a scripted model playing each agent, or the configured real model.

The scripted model is a crewAI ``BaseLLM`` (``ScriptedLLM``) whose policy tells the agents apart by the first line
of their prompt (the prompt registry's templates) and answers from the case's replies for that agent, in order. A
call for an agent with no reply left is an unscripted call: the run fails, so a case the rules answer proves that
it spends zero LLM calls in an LLM-enabled session too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .casefile import ScriptedReply

MARKERS = {  # the first line of each prompt template (prompts/*.md)
    "understand": "Classify one message",
    "diagnose": "Diagnose a Kubernetes workload",
    "plan": "Propose ONE change",
    "verify": "A change was just applied",
}
_PLACEHOLDER = re.compile(r"\$\{pod:([a-z0-9-]+)/([a-z0-9-]+)\}")


class UnscriptedCall(AssertionError):
    """The engine asked an agent for something the case did not script (or asked more often than scripted)."""


class ProviderError(Exception):
    """What a provider's SDK raises for an HTTP error: the retry policy looks at ``status_code``."""

    def __init__(self, status: int) -> None:
        super().__init__(f"scripted provider error {status}")
        self.status_code = status


@dataclass
class ScriptedRoles:
    """``ScriptedLLM`` policy: replies per agent, in order; records which agent each call was for."""

    replies: dict[str, list[ScriptedReply]]
    resolve: Callable[[str], str] = lambda text: text
    seen: list[str] = field(default_factory=list)
    unscripted: list[str] = field(default_factory=list)  # kept even if something swallows the exception

    def __post_init__(self) -> None:
        self.replies = {role: list(items) for role, items in self.replies.items()}

    def __call__(self, messages: list[dict[str, Any]], tools: list[str]) -> Any:
        text = "\n".join(str(m.get("content") or "") for m in messages)
        role = next((r for r, marker in MARKERS.items() if marker in text), "unknown")
        self.seen.append(role)
        queue = self.replies.get(role) or []
        if not queue:
            self.unscripted.append(f"unscripted LLM call for the {role} agent (call #{len(self.seen)})")
            raise UnscriptedCall(self.unscripted[-1])
        return self._reply(queue.pop(0))

    def left(self) -> dict[str, int]:
        return {role: len(items) for role, items in self.replies.items() if items}

    def _reply(self, reply: ScriptedReply) -> Any:
        if isinstance(reply, str):
            return self.resolve(reply)
        if "error" in reply:
            return ProviderError(int(reply["error"]))
        if "tool_calls" in reply:
            return json.loads(self.resolve(json.dumps(reply["tool_calls"])))
        return self.resolve(json.dumps(reply, ensure_ascii=False))


def pod_resolver(handle: Any) -> Callable[[str], str]:
    """``${pod:dev/report-worker}`` → the name of that deployment's first pod right now (names are generated)."""

    def resolve(text: str) -> str:
        def pod(match: re.Match[str]) -> str:
            namespace, prefix = match.groups()
            items = json.loads(handle.cluster.call("list_pods", {"namespace": namespace}))["items"]
            names = sorted(p["metadata"]["name"] for p in items if p["metadata"]["name"].startswith(prefix + "-")
                           and not p["metadata"].get("deletionTimestamp"))
            return names[0] if names else f"{prefix}-not-found"

        return _PLACEHOLDER.sub(pod, text)

    return resolve


@dataclass
class LLMSide:
    """How many model calls and prompt tokens a run used (0 for the rules mode)."""

    llm: Any = None
    roles: ScriptedRoles | None = None

    @property
    def calls(self) -> int:
        if self.llm is None:
            return 0
        if self.roles is not None:
            return len(self.llm.calls)
        return int(self.llm.get_token_usage_summary().successful_requests)

    @property
    def prompt_tokens(self) -> int:
        if self.llm is None:
            return 0
        if self.roles is not None:
            return sum(c["prompt_tokens"] for c in self.llm.calls)
        return int(self.llm.get_token_usage_summary().prompt_tokens)


def attach_scripted(app: Any, handle: Any, replies: dict[str, list[ScriptedReply]]) -> LLMSide:
    from kubecopilot.crew.brain import CrewBrain
    from kubecopilot.testing.scripted_llm import ScriptedLLM

    roles = ScriptedRoles(replies, resolve=pod_resolver(handle))
    llm = ScriptedLLM(model="scripted", policy=roles)
    _plug(app, CrewBrain(app.settings, app.gateway, app.sanitizer, llm=llm, sleep=lambda seconds: None))
    return LLMSide(llm=llm, roles=roles)


def attach_live(app: Any) -> LLMSide:
    """The model from the settings (``KUBECOPILOT_MODEL``, default OpenRouter) with its key from the environment."""
    from kubecopilot.config import load_settings
    from kubecopilot.crew.brain import CrewBrain
    from kubecopilot.crew.llm import build_llm

    settings = load_settings({"offline": False})
    usable, why = settings.llm_status()
    if not usable:
        raise RuntimeError(f"no usable LLM for the live evals: {why}")
    llm = build_llm(settings)
    _plug(app, CrewBrain(settings, app.gateway, app.sanitizer, llm=llm))
    return LLMSide(llm=llm)


def attach_local(app: Any, local: Any) -> LLMSide:
    """The local llama.cpp server (``benchmarks/local_llm.sh``): no retries, each request bounded by the deadline."""
    from kubecopilot.config import load_settings
    from kubecopilot.crew.brain import CrewBrain
    from kubecopilot.crew.llm import build_llm

    settings = load_settings({**local.settings(), "llm.max_retries": 0})
    settings.llm.timeout = min(settings.llm.timeout, settings.llm.turn_deadline)  # an abandoned call ends too
    llm = build_llm(settings)
    _plug(app, CrewBrain(settings, app.gateway, app.sanitizer, llm=llm))
    app.conversation.turn_deadline = settings.llm.turn_deadline
    return LLMSide(llm=llm)


def _plug(app: Any, brain: Any) -> None:
    app.brain = brain
    app.conversation.brain = brain
