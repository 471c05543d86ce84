"""What diagnosis works on and returns.

- ``Evidence``: what was read about one workload; ``Diagnosis``: its root cause, backed by quoted evidence, and the fix
  as a ``FixSpec`` the plan domain turns into an approvable plan. These are also the output schemas of the LLM tasks
  (``prompts/manifest.json`` → ``schemaRef``), so the offline analyzers and the crew produce the same shapes.
- ``ScanReport``: a scan's findings (an analyzer's verdict on one object, with quoted evidence, a confidence, a
  follow-up command and, when a whitelisted change cures it, the fix), grouped by workload, most severe first.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
    notes: list[str] = Field(default_factory=list)  # remarks on the gathering, including everything in ``unread``
    unread: list[str] = Field(default_factory=list)  # "could not check X: reason" — a failed or unintelligible read


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


Severity = Literal["critical", "high", "medium", "low"]
SEVERITY_RANK: dict[str, int] = {"critical": 4, "high": 3, "medium": 2, "low": 1}


class ScanFinding(_Model):
    analyzer: str
    category: str
    severity: Severity
    confidence: float = Field(ge=0.0, le=1.0)
    object: str = Field(description="Kind/namespace/name of what the analyzer looked at")
    summary: str
    explanation: str
    evidence: list[EvidenceQuote] = Field(default_factory=list)
    follow_up: str = Field(description="a command that shows more")
    suggested_fix: str
    fix: FixSpec | None = None
    fix_command: str | None = Field(default=None, description="what to type to get the fix as a plan")


class WorkloadGroup(_Model):
    workload: str  # Kind/namespace/name (or Kind/name for a node)
    severity: Severity
    findings: list[ScanFinding]


class Skipped(_Model):
    analyzer: str
    reason: str
    needs: list[str] = Field(default_factory=list, description="the kinds it needs that could not be read")


class ScanReport(_Model):
    """A scan's verdict. ``complete`` only when every analyzer judged everything it needs: otherwise ``unread`` says
    what could not be read and ``skipped`` which analyzers could not judge, and nobody may call it an all-clear."""

    cluster: str | None = None
    namespace: str | None = None
    groups: list[WorkloadGroup] = Field(default_factory=list)
    skipped: list[Skipped] = Field(default_factory=list)
    unread: list[str] = Field(default_factory=list, description="could not check …: reason (kinds, objects)")
    objects_read: int = 0
    calls: int = 0
    tools: list[str] = Field(default_factory=list)
    seconds: float = 0.0

    @property
    def findings(self) -> list[ScanFinding]:
        return [f for g in self.groups for f in g.findings]

    @property
    def complete(self) -> bool:
        return not self.skipped and not self.unread
