"""What a scan returns: findings (an analyzer's verdict on one object, with quoted evidence, a confidence, a
follow-up command and, when a whitelisted change cures it, the fix), grouped by workload, most severe first."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kubecopilot.dialogue.models import EvidenceQuote, FixSpec

Severity = Literal["critical", "high", "medium", "low"]
SEVERITY_RANK: dict[str, int] = {"critical": 4, "high": 3, "medium": 2, "low": 1}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class ScanReport(_Model):
    cluster: str | None = None
    namespace: str | None = None
    groups: list[WorkloadGroup] = Field(default_factory=list)
    skipped: list[Skipped] = Field(default_factory=list)
    objects_read: int = 0
    tools: list[str] = Field(default_factory=list)
    seconds: float = 0.0

    @property
    def findings(self) -> list[ScanFinding]:
        return [f for g in self.groups for f in g.findings]
