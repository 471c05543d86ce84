"""Every user message ends in exactly one turn: Ask, Answer, PlanProposal or ErrorTurn.

Turns are plain data. The REPL and ``kubecopilot ask`` render them; tests assert on them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kubecopilot.diagnosis.models import Diagnosis


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Option(_Model):
    """One numbered choice. ``value`` is what picking it fills in; ``detail`` is shown beside the label."""

    value: str
    label: str
    detail: str | None = None


class Suggestion(_Model):
    """A next step. ``command`` is the text that runs it (the rule engine understands it without an LLM)."""

    label: str
    command: str


class Source(_Model):
    """Where an answer's data came from. ``from_cache`` only when every read was served by the cache (then
    ``age_s`` is the oldest); ``cached`` names the reads that were, e.g. the pod list behind a fresh log."""

    tools: list[str] = Field(default_factory=list)
    from_cache: bool = False
    age_s: float | None = None
    cached: list[str] = Field(default_factory=list)


class TextBlock(_Model):
    type: Literal["text"] = "text"
    text: str


class TableBlock(_Model):
    type: Literal["table"] = "table"
    title: str | None = None
    columns: list[str]
    rows: list[list[str]]


class CodeBlock(_Model):
    type: Literal["code"] = "code"
    title: str | None = None
    language: str = "text"  # "log", "yaml", "json", "text"
    text: str


class DiagnosisBlock(_Model):
    type: Literal["diagnosis"] = "diagnosis"
    diagnosis: Diagnosis


Block = Annotated[TextBlock | TableBlock | CodeBlock | DiagnosisBlock, Field(discriminator="type")]


class Ask(_Model):
    """A clarifying question. A bare number, a name or a unique fragment of one answers it."""

    kind: Literal["ask"] = "ask"
    question: str
    slot: str  # what the answer fills: "namespace", "pod", "deployment", "replicas", "confirm", …
    options: list[Option] = Field(default_factory=list)
    free_text: bool = False  # an open value (replicas, image, size): options are examples, not numbered choices
    steps: list[str] = Field(default_factory=list)  # for a confirmation of a multi-step request
    next_step: str | None = None  # what happens once it is answered
    notices: list[str] = Field(default_factory=list)


# What an answer came to, for exit codes and scripts: an answer; "nothing to do" (the cluster already looks like
# that); a change refused by policy (the whitelist); a request not understood (the answer offers what can be asked).
AnswerOutcome = Literal["ok", "nothing_to_do", "refused_by_policy", "not_understood"]


class Answer(_Model):
    kind: Literal["answer"] = "answer"
    title: str
    blocks: list[Block] = Field(default_factory=list)
    outcome: AnswerOutcome = "ok"
    # The answer's data for scripts (``--output json|yaml``): records as objects with numbers and timestamps, keyed by
    # what they are ("pods", "events", …); ``blocks`` is the same answer as people see it.
    data: dict[str, Any] = Field(default_factory=dict)
    source: Source = Field(default_factory=Source)
    suggestions: list[Suggestion] = Field(default_factory=list, max_length=3)
    tip: str | None = None
    notices: list[str] = Field(default_factory=list)


class PlanProposal(_Model):
    """An OperationPlan awaiting approval. ``plan`` is the plan's JSON (camelCase, as in the ledger)."""

    kind: Literal["plan"] = "plan"
    plan_id: str
    summary: str
    risk_level: Literal["low", "medium", "high"]
    plan: dict[str, Any]
    diagnosis: Diagnosis | None = None
    notices: list[str] = Field(default_factory=list)


class ErrorTurn(_Model):
    kind: Literal["error"] = "error"
    message: str
    hint: str | None = None
    code: str = "error"
    notices: list[str] = Field(default_factory=list)


Turn = Annotated[Ask | Answer | PlanProposal | ErrorTurn, Field(discriminator="kind")]


class TurnEnvelope(_Model):
    """For ``--output json`` and round-trips: one turn, tagged by ``kind``."""

    turn: Turn
