"""The OperationPlan contract (seed section 8, SPEC §7) as pydantic v2 models.

Every write KubeCopilot makes is one of these. Field names are the seed's camelCase on the wire (JSON, ledger, LLM
drafts) and snake_case in Python. Unknown fields are refused (``extra="forbid"``) so a drifting LLM draft fails
validation instead of being silently trimmed.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator, model_serializer, model_validator
from pydantic.alias_generators import to_camel

# Bump when a field changes meaning or shape; ``validate_plan`` refuses versions it does not know, and the audit
# ledger stores plans with their version so old rows stay readable after a migration.
SCHEMA_VERSION = "1"
SUPPORTED_SCHEMA_VERSIONS = frozenset({"1"})

# "rejected" is not in the seed's enum. We add it because a person saying "no" is a terminal state of its own:
# leaving the plan "pending" would keep it approvable forever, and "failed" would claim an execution that never
# happened. The ledger's "rejected" event sets it. "expired" (also ours): nobody decided before the plan's expiry
# (teams approve from other terminals, so a plan can wait; it must not wait forever). The "expired" event sets it.
PlanStatus = Literal["pending", "confirmed", "executed", "failed", "reverted", "rejected", "expired"]
Action = Literal["create", "update", "delete", "scale", "restart"]
RiskLevel = Literal["low", "medium", "high"]
PatchOpName = Literal["add", "remove", "replace", "test"]

REVERSIBLE_ACTIONS: frozenset[str] = frozenset({"update", "scale", "restart"})


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)


class PatchOp(_Model):
    """One RFC 6902 operation. ``test`` guards a precondition (e.g. the container at index 0 is still "web")."""

    op: PatchOpName
    path: str = Field(pattern=r"^(/.*)?$")
    value: Any = None

    @model_validator(mode="before")
    @classmethod
    def _value_required(cls, data: Any) -> Any:
        # JSON null is a legal value, so "no value" must be told apart from "value: null" by the key itself.
        if isinstance(data, dict) and data.get("op") in {"add", "replace", "test"} and "value" not in data:
            raise ValueError(f"{data.get('op')} operation on {data.get('path')!r} needs a value")
        return data

    @model_serializer(mode="wrap")
    def _drop_value_of_remove(self, handler: Any) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if self.op == "remove":
            data.pop("value", None)
        return data


JsonPatch = list[PatchOp]


class Step(_Model):
    id: str
    action: Action
    description: str
    patch: JsonPatch | None = None
    rollback_patch: JsonPatch | None = None


class ResourceRef(_Model):
    """What a plan changes. ``uid``/``resource_version`` pin the exact object seen at plan time."""

    kind: str
    namespace: str
    name: str
    uid: str | None = None
    resource_version: str | None = None
    cluster: str | None = None  # None: the session's current cluster

    @model_serializer(mode="wrap")
    def _omit_default_cluster(self, handler: Any) -> dict[str, Any]:
        # Not in the seed's schema: leave it out unless set, so plans stay byte-compatible with other consumers.
        data: dict[str, Any] = handler(self)
        if self.cluster is None:
            data.pop("cluster", None)
        return data

    def label(self) -> str:
        where = f"{self.cluster}:" if self.cluster else ""
        return f"{self.kind} {where}{self.namespace}/{self.name}"


class Diff(_Model):
    before: dict[str, Any] | None
    patch: JsonPatch
    patch_format: Literal["rfc6902", "strategic-merge"] = "rfc6902"
    rollback_patch: JsonPatch | None = None


class Phrase(_Model):
    """A sentence kept as its message-catalogue key and values (``kubecopilot.messages``), so it is said in the
    reader's language when shown (``plans.wording``). A value may itself be a phrase (a word that needs
    translating) or a list of phrases (said joined)."""

    key: str
    values: dict[str, PhraseValue] = Field(default_factory=dict)


PhraseValue = str | int | float | bool | Phrase | list[Phrase] | None


class RiskPhrases(_Model):
    """The risk's words as phrases, beside the English the plan records (``Risk.rationale`` and so on)."""

    rationale: Phrase
    factors: list[Phrase] = Field(default_factory=list)
    post_conditions: list[Phrase] = Field(default_factory=list)


class Risk(_Model):
    level: RiskLevel
    rationale: str
    score: float | None = Field(default=None, ge=0.0, le=1.0)
    factors: list[str] = Field(default_factory=list)
    slo_budget_impact: Literal["none", "low", "medium", "high"] | None = None
    post_conditions: list[str] = Field(default_factory=list)
    # Not in the seed's schema: the same texts as phrases, to say them in the session's language. The English above
    # stays the ledger's stable record; a plan made before phrases existed is shown in that English.
    phrases: RiskPhrases | None = None

    @model_serializer(mode="wrap")
    def _omit_missing_phrases(self, handler: Any) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if self.phrases is None:
            data.pop("phrases", None)
        return data


class Timestamps(_Model):
    created_at: datetime
    confirmed_at: datetime | None = None
    executed_at: datetime | None = None
    failed_at: datetime | None = None
    reverted_at: datetime | None = None

    @field_validator("*")
    @classmethod
    def _utc_milliseconds(cls, value: datetime | None) -> datetime | None:
        # The wire form has millisecond precision; keep the model at the same precision so a plan read back
        # from the ledger equals the plan that was written. Naive times are taken as UTC.
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).replace(microsecond=value.microsecond // 1000 * 1000)

    @field_serializer("*", when_used="json")
    def _iso_utc(self, value: datetime | None) -> str | None:
        # Millisecond precision with "Z", as in the seed's example ("2025-01-12T06:19:55.000Z").
        if value is None:
            return None
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Audit(_Model):
    requested_by: str  # "user:alice" or "ai:planner"
    confirmed_by: str | None = None
    executed_by: str = "system"
    idempotency_key: str | None = None
    source_prompt_id: str | None = None  # prompt registry id@version that drafted the plan
    timestamps: Timestamps


class OperationPlan(_Model):
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    version: str = SCHEMA_VERSION
    status: PlanStatus = "pending"
    action: Action
    steps: list[Step] = Field(default_factory=list)
    resource: ResourceRef
    diff: Diff
    risk: Risk
    ai_rationale: str = ""
    audit: Audit

    @property
    def plan_id(self) -> str:
        return str(self.id)

    @property
    def reversible(self) -> bool:
        return self.action in REVERSIBLE_ACTIONS

    def to_json(self) -> str:
        """Canonical JSON (camelCase, sorted keys): what the ledger stores and hashes."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> OperationPlan:
        return cls.model_validate_json(text)

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """JSON Schema of the wire form (camelCase), e.g. for an LLM's structured output or other tools."""
        schema = cls.model_json_schema(by_alias=True, mode="validation")
        schema["$id"] = f"https://kubecopilot.dev/schemas/operation-plan/v{SCHEMA_VERSION}.json"
        return schema

    def transition(self, status: PlanStatus, *, confirmed_by: str | None = None, executed_by: str | None = None,
                   **stamps: datetime) -> OperationPlan:
        """A copy in a new state, with the matching timestamp (``confirmed_at=…``) and actor set."""
        audit: dict[str, Any] = {"timestamps": self.audit.timestamps.model_copy(update=stamps)}
        if confirmed_by:
            audit["confirmed_by"] = confirmed_by
        if executed_by:
            audit["executed_by"] = executed_by
        return self.model_copy(update={"status": status, "audit": self.audit.model_copy(update=audit)})

    def patch_steps(self) -> list[Step]:
        """The steps the executor runs; a plan with no explicit steps runs its diff as one update step."""
        if self.steps:
            return list(self.steps)
        return [Step(id="step-1", action="update", description="apply the plan's patch",
                     patch=self.diff.patch, rollback_patch=self.diff.rollback_patch)]


class ApprovalDecision(_Model):
    """What the approval callable answers. ``interrupted``: the person never answered (EOF, Ctrl-C)."""

    approved: bool
    by: str
    typed_name: str | None = None
    interrupted: bool = False
    reason: str = ""
