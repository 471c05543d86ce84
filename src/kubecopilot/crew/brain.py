"""``CrewBrain``: the dialogue's LLM side, implemented with the crew.

Built lazily on first use (importing crewAI costs seconds). Every input is built and redacted by
``kubecopilot.prompting.context``; every call is retried on transient errors (``crew.llm``: one loop, the documented
count) and every failure is typed: ``LLMUnavailable`` when the model stays away or breaks the protocol (the dialogue
falls back to the offline rules), ``LLMOutputInvalid`` when its output never validated. A refused key is not tried
again in this session: each later call fails at once with the same ``LLMKeyRefused``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kubecopilot.config import Settings
from kubecopilot.diagnosis.models import Diagnosis, Evidence
from kubecopilot.dialogue.models import PlanDraft, RoutedRequest, Verification
from kubecopilot.dialogue.registry import intent_help
from kubecopilot.errors import LLMKeyRefused
from kubecopilot.prompting import context
from kubecopilot.prompting.prompts import registry
from kubecopilot.prompting.sanitizer import Sanitizer

if TYPE_CHECKING:  # the crew reads the catalog itself (its tools and the write guard), so the concrete gateway
    from kubecopilot.tools.gateway import ToolGateway


class CrewBrain:
    def __init__(self, settings: Settings, gateway: ToolGateway, sanitizer: Sanitizer, *, llm: Any = None,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.settings, self.gateway, self.sanitizer = settings, gateway, sanitizer
        self._llm, self._sleep = llm, sleep
        self._crew: Any = None
        self._lock = threading.Lock()
        self._refused: LLMKeyRefused | None = None

    @property
    def crew(self) -> Any:
        with self._lock:
            if self._crew is None:
                self._crew = self._build()
            return self._crew

    def warm_up(self) -> None:
        """Import crewAI and build the crew now (the REPL calls this in the background after the prompt shows)."""
        _ = self.crew

    @property
    def loading(self) -> bool:
        """Another thread is building the crew right now (the REPL's warm-up): a turn does not wait seconds for it,
        the rules answer (``Conversation.ask_model``). False before any warm-up began: then the first call builds it."""
        return self._crew is None and self._lock.locked()

    def _build(self) -> Any:
        from kubecopilot.crew.crew import KubeCopilotCrew
        from kubecopilot.crew.hooks import install_deadline_stop, install_write_guard
        from kubecopilot.crew.llm import build_llm
        from kubecopilot.crew.tools import tools_serving

        install_write_guard(self.gateway.catalog)
        install_deadline_stop()
        llm = self._llm or build_llm(self.settings)
        # Each task's temperature and maxTokens from the prompt registry (a model handed in — tests — is used as is).
        llm_for = None if self._llm is not None else (
            lambda spec: build_llm(self.settings, temperature=spec.temperature, max_tokens=spec.max_tokens))
        return KubeCopilotCrew(llm, lambda capabilities: tools_serving(self.gateway, capabilities,
                                                                       redact=self.sanitizer.redact), llm_for=llm_for)

    def _run(self, task: str, inputs: dict[str, str], check: Callable[[Any], None] | None = None) -> Any:
        from kubecopilot.crew.llm import call_with_retries, key_source

        if self._refused is not None:
            raise LLMKeyRefused(self._refused.message, hint=self._refused.hint)
        try:
            return call_with_retries(lambda: self.crew.run(task, inputs, check), attempts=self.settings.llm.max_retries + 1,
                                     sleep=self._sleep, what=self.settings.llm.model,
                                     key_name=key_source(self.settings))
        except LLMKeyRefused as exc:
            self._refused = exc
            raise

    # --- the Brain protocol --------------------------------------------------------------------------------------

    def understand(self, text: str, ctx: dict[str, Any]) -> RoutedRequest:
        routed: RoutedRequest = self._run("understand_request", context.understand_inputs(text, ctx, self.sanitizer,
                                                                                          intent_help()))
        return routed

    def diagnose(self, evidence: Evidence, findings: Diagnosis, language: str) -> tuple[Diagnosis, str]:
        diagnosis = self._run("diagnose", context.diagnose_inputs(evidence, findings, language, self.sanitizer))
        # The model saw placeholders; the person reading the answer on this machine sees the real values.
        shown = Diagnosis.model_validate_json(self.sanitizer.restore(diagnosis.model_dump_json()))
        return shown.model_copy(update={"source": "llm"}), registry().spec("diagnose").source_id

    def plan(self, request: str, resource: dict[str, Any], diagnosis: Diagnosis | None,
             check: Callable[[PlanDraft], None] | None = None) -> tuple[PlanDraft, str]:
        draft = self._run("plan_change", context.plan_inputs(request, resource, diagnosis, self.sanitizer), check)
        return draft, registry().spec("plan-change").source_id

    def verify(self, summary: str, checks: list[str], language: str) -> Verification:
        verification: Verification = self._run("verify_change", context.verify_inputs(summary, checks, language, self.sanitizer))
        return verification
