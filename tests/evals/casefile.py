"""The schema of ``cases/<NN_name>/case.yaml`` (pydantic, ``extra="forbid"``: a typo in a case fails loudly).

A case is a sandbox scenario, optional setup calls, a list of steps (user turns, approvals, changes made behind the
assistant's back, the MCP server going away) each with what must be true after it, and the cluster's end state.
Expectations can differ per mode (``by_mode``): ``rules`` (offline engine), ``scripted`` (a scripted LLM plays each
agent) and ``live`` (a real model).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

Mode = Literal["rules", "scripted", "live"]
Agent = Literal["understand", "diagnose", "plan", "verify"]
MODES: tuple[Mode, ...] = ("rules", "scripted", "live")
CASES_DIR = Path(__file__).with_name("cases")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Strings(_Model):
    """Substrings that must / must not appear (case-sensitive)."""

    contains: list[str] = Field(default_factory=list)
    absent: list[str] = Field(default_factory=list)


class OptionsExpect(_Model):
    """The numbered options of an Ask, by value (``contain``/``exclude`` match whole values, ``all_contain`` a part)."""

    contain: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    any_contain: list[str] = Field(default_factory=list)  # for each fragment, some option value contains it
    all_contain: str | None = None
    count: int | None = None
    min: int | None = None


class ToolsExpect(_Model):
    """``Answer.source``: the MCP tools that answered and whether the cache served them."""

    contain: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    from_cache: bool | None = None


class DiagnosisExpect(_Model):
    category: str | None = None
    source: Literal["rules", "llm"] | None = None
    fix_action: str | None = None  # "none": no automatic fix
    evidence_sources: list[str] = Field(default_factory=list)  # each must be among the quoted evidence's sources


class PlanExpect(_Model):
    summary_contains: list[str] = Field(default_factory=list)
    resource: str | None = None  # "namespace/name"
    risk: Literal["low", "medium", "high"] | None = None
    status: str | None = None  # the plan's status in the plan service now (pending, executed, rejected …)
    ledger: list[str] | None = None  # the ledger's events for the plan, in order


class SessionExpect(_Model):
    namespace: str | None = None
    cluster: str | None = None
    pending: bool | None = None


class Expect(_Model):
    kind: Literal["ask", "answer", "plan", "error"] | None = None
    slot: str | None = None
    steps_min: int | None = None  # an Ask confirming a multi-step request shows at least this many steps
    text: Strings | None = None  # over a plain rendering of the whole turn
    title: Strings | None = None  # the Answer title / Ask question / plan summary / error message only
    options: OptionsExpect | None = None
    tools: ToolsExpect | None = None
    diagnosis: DiagnosisExpect | None = None
    plan: PlanExpect | None = None
    error_code: str | None = None
    notices: Strings | None = None
    suggestions: Strings | None = None  # over the suggested commands
    session: SessionExpect | None = None
    llm_calls: int | None = None  # agent calls made during this turn (Conversation.llm_calls delta)

    def overlay(self, other: Expect | None) -> Expect:
        """``other``'s fields that were set replace ours (a mode-specific expectation wins)."""
        if other is None:
            return self
        return self.model_copy(update={name: getattr(other, name) for name in other.model_fields_set})


class ClusterCall(_Model):
    """A sandbox tool run in-process, past the assistant (set-up, drift, deleting things behind its back)."""

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)


class Step(_Model):
    say: str | None = None
    approve: Literal["yes", "no", "none"] | None = None  # decide the last PlanProposal
    cluster: ClusterCall | None = None
    server: Literal["stop", "restart"] | None = None
    menu: bool = False  # show the quick-command menu (as /menu does)
    expect: Expect = Field(default_factory=Expect)
    by_mode: dict[Mode, Expect] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        actions = [self.say is not None, self.approve is not None, self.cluster is not None, self.server is not None,
                   self.menu]
        if sum(actions) != 1:
            raise ValueError("a step does exactly one of: say, approve, cluster, server, menu")
        return self

    @property
    def is_turn(self) -> bool:
        return self.say is not None or self.approve is not None or self.menu

    def expectation(self, mode: Mode) -> Expect:
        return self.expect.overlay(self.by_mode.get(mode))


class EndCheck(_Model):
    """One fact about the cluster after the conversation, read through the sandbox (not through the assistant)."""

    deployment: str | None = None  # "namespace/name"
    namespace: str | None = None
    cluster: str | None = None
    exists: bool | None = None
    replicas: int | None = None
    pod_count: int | None = None
    pods_ready: bool | None = None  # every pod Running with all containers ready (False: at least one is not)
    image: str | None = None
    memory_limit: list[str] | None = None  # any of these values
    probe_path: str | None = None
    unchanged: bool | None = None  # resourceVersion equal to the one before the conversation

    @model_validator(mode="after")
    def _one_subject(self) -> EndCheck:
        if (self.deployment is None) == (self.namespace is None):
            raise ValueError("an end_state entry names exactly one of: deployment, namespace")
        return self


ScriptedReply = str | dict[str, Any]


class Case(_Model):
    title: str
    covers: list[str] = Field(default_factory=list)  # what the case is evidence for (the list)
    scenario: Literal["default", "healthy", "minimal", "breadth"] = "default"
    modes: list[Mode] = Field(default_factory=lambda: list(MODES))
    menu_at_start: bool = True  # the REPL shows the quick-command menu before the first prompt
    setup: list[ClusterCall] = Field(default_factory=list)
    # Replies per agent for the scripted mode, in order: a mapping is sent as JSON, {tool_calls: [...]} makes tool
    # calls, {error: 503} fails like a provider would, a string is sent as is. Each must be used, none may be missing.
    scripted: dict[Agent, list[ScriptedReply]] = Field(default_factory=dict)
    steps: list[Step]
    end_state: list[EndCheck] = Field(default_factory=list)
    xfail: dict[Mode, str] = Field(default_factory=dict)  # per mode: a known engine bug (only while it is unfixed)
    name: str = ""  # the folder name, filled in by load_cases

    def __repr__(self) -> str:  # pytest prints parameters of failed tests: the name says enough
        return f"Case({self.name!r})"

    @property
    def mutates(self) -> bool:
        """Whether the world may differ afterwards (the shared sandbox is reset after such a case)."""
        return bool(self.setup) or any(s.approve == "yes" or s.cluster or s.server for s in self.steps)


def load_case(path: Path) -> Case:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Case.model_validate({**data, "name": path.parent.name})
    except (yaml.YAMLError, ValueError) as exc:  # ValidationError is a ValueError
        raise ValueError(f"{path}: {exc}") from None


def load_cases(root: Path = CASES_DIR) -> list[Case]:
    return [load_case(p) for p in sorted(root.glob("*/case.yaml"))]
