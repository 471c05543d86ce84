"""What the conversation needs from the outside world, as Protocols (as ``plans/ports.py`` does for the plan domain).

``kubecopilot.tools.ports.Gateway`` (the ``ToolGateway``) is the path to the cluster; ``kubecopilot.plans.service.PlanService`` the
``PlanDesk``, ``kubecopilot.crew.brain.CrewBrain`` the ``Brain``. ``TurnContext`` is the narrow per-turn context the
flows get instead of the whole conversation: the ports, the session, the clock, and the two callbacks of a turn —
progress and the model call within the turn's deadline.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from kubecopilot.diagnosis.models import Diagnosis, Evidence
from kubecopilot.dialogue.models import PlanDraft, RoutedRequest, Verification
from kubecopilot.dialogue.session import Session
from kubecopilot.tools.ports import Gateway

if TYPE_CHECKING:  # types only: the dialogue does not load the tool or plan layers to name them
    from kubecopilot.plans.executor import ExecutionReport
    from kubecopilot.plans.model import ApprovalDecision, OperationPlan, ResourceRef

T = TypeVar("T")


class PlanDesk(Protocol):
    """Where changes become plans, are decided and executed (``PlanService``)."""

    whitelist: list[tuple[str, str]]

    def propose(self, ref: ResourceRef, build: Callable[[dict[str, Any]], OperationPlan], *, ai_rationale: str = "",
                source_prompt_id: str | None = None, prompt_risk_tier: str | None = None,
                requested_by: str | None = None, detail: dict[str, Any] | None = None,
                expected_targets: Collection[ResourceRef] | None = None) -> OperationPlan: ...

    def get(self, plan_id: str) -> OperationPlan: ...

    def decide(self, plan: OperationPlan, approve_fn: Callable[[OperationPlan], ApprovalDecision] | None) -> bool: ...

    def execute(self, plan: OperationPlan | str) -> ExecutionReport: ...

    def rollback(self, plan_id: str, *, requested_by: str | None = None) -> OperationPlan: ...

    def list(self) -> list[OperationPlan]: ...


class Brain(Protocol):
    """The LLM side (implemented by ``kubecopilot.crew``). Every method may raise LLMUnavailable/LLMOutputInvalid."""

    def understand(self, text: str, ctx: dict[str, Any]) -> RoutedRequest: ...

    def diagnose(self, evidence: Evidence, findings: Diagnosis, language: str) -> tuple[Diagnosis, str]: ...

    def plan(self, request: str, resource: dict[str, Any], diagnosis: Diagnosis | None,
             check: Callable[[PlanDraft], None] | None = None) -> tuple[PlanDraft, str]: ...

    def verify(self, summary: str, checks: list[str], language: str) -> Verification: ...


class ModelCall(Protocol):
    """One model call as a named progress step (a catalogue key), within what is left of the turn's deadline."""

    def __call__(self, step: str, call: Callable[[], T]) -> T: ...


@dataclass
class TurnContext:
    """What a flow may use during a turn. No back-pointer to the conversation: a flow cannot reach its routing."""

    gateway: Gateway
    plans: PlanDesk
    session: Session
    brain: Brain | None
    clock: Callable[[], datetime]
    progress: Callable[[str], None]
    ask_model: ModelCall

    @property
    def lang(self) -> str:
        return self.session.language

