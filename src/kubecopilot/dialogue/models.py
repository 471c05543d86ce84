"""The structured data that flows between understanding, diagnosis, planning and verification.

These are also the output schemas of the LLM tasks (``prompts/manifest.json`` → ``schemaRef``), so the offline
engine and the crew produce exactly the same shapes.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Intent = Literal[
    # read-only, answered by slot filling + the gateway (no LLM)
    "list_clusters",
    "cluster_status",
    "list_namespaces",
    "list_nodes",
    "list_pods",
    "list_deployments",
    "list_services",
    "unhealthy_pods",
    "warning_events",
    "logs",
    "describe",
    "events",
    # analysis
    "diagnose",
    "health_check",
    # changes (always through an OperationPlan)
    "scale",
    "restart",
    "rollback",
    "set_image",
    "set_resources",
    "delete_pod",
    "fix",
    # session
    "refresh_cache",
    "help",
    "menu",
    "context",
    "switch_context",
    # follow-ups: a numbered option on screen ("2", "the second one", "第二个"), or dropping the question
    "choose",
    "cancel",
    "unknown",
]

READ_INTENTS = {
    "list_clusters", "cluster_status", "list_namespaces", "list_nodes", "list_pods", "list_deployments",
    "list_services", "unhealthy_pods", "warning_events", "logs", "describe", "events",
}  # fmt: skip
CHANGE_INTENTS = {"scale", "restart", "rollback", "set_image", "set_resources", "delete_pod", "fix"}

ResourceKind = Literal["pod", "deployment", "statefulset", "node", "namespace", "service"]


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


class Evidence(_Model):
    """What the diagnosis looked at, gathered through the gateway."""

    cluster: str | None = None
    namespace: str
    target: str  # the workload or pod the user asked about
    pods: list[dict[str, Any]] = Field(default_factory=list)  # full Pod objects
    workload: dict[str, Any] | None = None  # the Deployment/StatefulSet, when there is one
    replicasets: list[dict[str, Any]] = Field(default_factory=list)  # the workload's ReplicaSets (revision history)
    events: list[dict[str, Any]] = Field(default_factory=list)  # Event objects for the pods / workload
    logs: dict[str, str] = Field(default_factory=dict)  # "pod/container" → current log tail
    previous_logs: dict[str, str] = Field(default_factory=dict)  # "pod/container" → previous container's log tail
    describe: dict[str, str] = Field(default_factory=dict)  # pod name → describe text
    nodes: list[dict[str, Any]] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # what could not be read (a missing capability, a failed read)


QuoteSource = Literal["describe", "events", "logs", "previous_logs", "status", "spec", "node"]
Category = Literal[
    "CrashLoopBackOff", "OOMKilled", "ImagePullBackOff", "Unschedulable", "ProbeFailure", "NodeNotReady",
    "ConfigError", "ServiceNoEndpoints", "StoragePending", "IngressBackend", "JobFailed", "CronJobSuspended",
    "StatefulSetNotReady", "QuotaExceeded", "AutoscalerLimited", "DisruptionBlocked", "NodePressure", "NodeCordoned",
    "Healthy", "Unknown",
]  # fmt: skip


class EvidenceQuote(_Model):
    source: QuoteSource
    quote: str = Field(description="text copied verbatim from the source")
    object: str | None = Field(default=None, description="which pod/container/event it came from")


FixAction = Literal["set_resources", "set_image", "restart", "rollback", "scale", "delete_pod", "json_patch", "none"]


class FixSpec(_Model):
    """A proposed fix in plan-builder terms; turned into a validated OperationPlan by the plan domain."""

    action: FixAction
    kind: Literal["Deployment", "StatefulSet", "Pod"] = "Deployment"
    namespace: str
    name: str
    container: str | None = None
    replicas: int | None = None
    image: str | None = None
    limits: dict[str, str] = Field(default_factory=dict)  # {"memory": "256Mi", "cpu": "500m"}
    requests: dict[str, str] = Field(default_factory=dict)
    patch: list[dict[str, Any]] = Field(default_factory=list)  # RFC 6902, for json_patch
    description: str = ""


class Diagnosis(_Model):
    """The diagnostician's answer: a root cause backed by quoted evidence, and a fix."""

    summary: str = Field(description="one sentence a person can act on")
    root_cause: str
    category: Category
    evidence: list[EvidenceQuote] = Field(default_factory=list)
    confidence: float = Field(ge=0.0, le=1.0)
    suggested_fix: str = Field(description="what to change, in words")
    fix: FixSpec | None = Field(default=None, description="the change as a plan-builder request, when one applies")
    best_practice: str | None = None
    source: Literal["rules", "llm"] = "rules"


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
