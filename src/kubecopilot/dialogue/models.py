"""The structured data that flows between understanding, diagnosis, planning and verification.

These are also the output schemas of the LLM tasks (``prompts/manifest.json`` → ``schemaRef``), so the offline
engine and the crew produce exactly the same shapes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kubecopilot.diagnosis.models import FixSpec
from kubecopilot.dialogue.registry import Intent

ResourceKind = Literal["pod", "deployment", "statefulset", "node", "namespace", "service", "configmap", "secret"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoutedRequest(_Model):
    """What the user wants, in a form code can act on. Produced by the rule engine or the coordinator agent."""

    intent: Intent = Field(description="the single best-matching intent")
    kind: ResourceKind | None = Field(default=None, description="the kind of the target, when the user said it")
    target: str | None = Field(default=None, description="a resource name or a fragment of one, e.g. 'cart-service'")
    namespace: str | None = Field(default=None, description="namespace, only if the user named one")
    cluster: str | None = Field(default=None, description="cluster, only if the user named one")
    replicas: int | None = Field(default=None, ge=0, le=1000)
    choice: int | None = Field(default=None, description="for intent choose: the option's number as typed (-1: the last)")
    container: str | None = None
    image: str | None = None
    memory_limit: str | None = Field(default=None, description="e.g. '512Mi'")
    cpu_limit: str | None = Field(default=None, description="e.g. '500m'")
    memory_request: str | None = None
    cpu_request: str | None = None
    previous: bool = Field(default=False, description="logs of the previous (crashed) container")
    uses_context: bool = Field(default=False, description="the user refers to something from earlier ('it', '它')")
    language: Literal["en", "zh"] = "en"
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)

    @field_validator("target", "namespace", "cluster", "container")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip().strip("`'\"") or None if value else None


class PlanDraft(_Model):
    """The planner's output. Never executed as is: the plan domain's builders turn it into an OperationPlan."""

    fix: FixSpec
    rationale: str = Field(description="why this change, in one or two sentences")


class Verification(_Model):
    """After execution: did the change have the intended effect?"""

    ok: bool
    summary: str
    checks: list[str] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)
