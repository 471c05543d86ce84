"""The crew: four agents and four tasks from the top-level ``agents.yaml`` / ``tasks.yaml`` (one method per key).

Each call runs ONE task with its one agent (routing is done by code, see ``kubecopilot.dialogue.engine``), so a
diagnosis costs one task's LLM calls, not a manager re-planning every step. The agents' and tasks' settings
(``max_iter``, ``allow_delegation``, ``guardrail_max_retries``, …) are their YAML entries, handed to crewAI as
``config`` the way its project template does; only what is built at run time (the LLM, the tools, the task text
from the prompt registry, the guardrail) is passed here. Outputs are validated by a pydantic guardrail that feeds
the error back, ``guardrail_max_retries`` times.
"""

# No ``from __future__ import annotations`` here: crewAI inspects a guardrail's signature at run time and refuses
# a return annotation it cannot read as ``tuple[bool, Any]`` (a postponed annotation is a string).

import re
from collections.abc import Callable
from typing import Any

from crewai import Agent, Crew, Process, Task
from crewai.crews.crew_output import CrewOutput
from crewai.lite_agent_output import LiteAgentOutput
from crewai.project import CrewBase, agent, task
from crewai.tasks.task_output import TaskOutput
from pydantic import BaseModel, ValidationError

from kubecopilot.errors import ConfigError, LLMOutputInvalid
from kubecopilot.prompting.prompts import PromptRegistry, PromptSpec, registry
from kubecopilot.resources import data_path


def _quiet_event_bus() -> None:
    """crewAI's event bus prints "[CrewAIEventsBus] Warning: Event pairing mismatch" to stdout whenever an LLM call
    fails (its own bookkeeping, nothing the user can act on) — into the middle of an answer, or before the JSON
    document of ``--output json``. We report the failure ourselves, once; silence the bus's complaint."""
    try:
        from crewai.events import event_context
    except ImportError:  # pragma: no cover - a crewAI without it prints nothing to silence
        return
    config = event_context._default_config
    config.mismatch_behavior = config.empty_pop_behavior = event_context.MismatchBehavior.SILENT


_quiet_event_bus()

_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")

ToolsFor = Callable[[list[str]], list[Any]]  # an agent's capabilities (agents.yaml) → its tools
LLMFor = Callable[[PromptSpec], Any]  # a task's registry entry → the LLM with its temperature and maxTokens
Check = Callable[[BaseModel], None]


class GuardrailExhausted(Exception):
    """The guardrail rejected the last answer crewAI would ask for: the task's output never validated."""

    def __init__(self, attempts: int, last_error: str) -> None:
        super().__init__(f"invalid output {attempts} times; last: {last_error}")
        self.attempts, self.last_error = attempts, last_error


class OutputGuardrail:
    """A task's guardrail: the output must parse as the registry's schema model and pass the run's ``check``; a
    rejection goes back to the model with the reason.

    When retries run out crewAI raises a bare ``Exception``; so that running out is known by its type, this guardrail
    counts its rejections and raises ``GuardrailExhausted`` itself on the last one (crewAI lets a guardrail's own
    exception through). ``retries`` is the task's ``guardrail_max_retries``, set once crewAI has built the task.
    crewAI takes ``validate`` (it reads a guardrail's source for its events, so it must be a function)."""

    def __init__(self, model: type[BaseModel], check: Check | None) -> None:
        self.model, self.check = model, check
        self.retries = 0
        self.rejected = 0

    def validate(self, output: TaskOutput | LiteAgentOutput) -> tuple[bool, Any]:
        text = _json_text(output.raw)
        reason = self._rejection(text)
        if reason is None:
            return True, text
        self.rejected += 1
        if self.rejected > self.retries:
            raise GuardrailExhausted(self.rejected, reason)
        return False, reason

    def _rejection(self, text: str) -> str | None:
        try:
            parsed = self.model.model_validate_json(text)
            if self.check is not None:
                self.check(parsed)
        except ValidationError as exc:
            return f"Invalid output: {_errors(exc)}. Answer with ONE JSON object matching the schema."
        except Exception as exc:  # noqa: BLE001 - a semantic check (e.g. the plan does not validate) says why
            return f"Rejected: {getattr(exc, 'message', str(exc))}. Propose a different, valid answer."
        return None


@CrewBase
class KubeCopilotCrew:
    agents_config = str(data_path("agents.yaml"))
    tasks_config = str(data_path("tasks.yaml"))

    def __init__(self, llm: Any, tools_for: ToolsFor, prompts: PromptRegistry | None = None,
                 llm_for: LLMFor | None = None) -> None:
        self.llm = llm
        self.tools_for = tools_for
        self.prompts = prompts or registry()
        self.llm_for = llm_for  # None: ``llm`` for every task (a scripted test model)
        unapproved = [spec.source_id for spec in self.prompts.specs.values() if not spec.approved]
        if unapproved:  # the registry's governance: only a reviewed prompt reaches a model
            raise ConfigError(f"prompt {', '.join(unapproved)} is not approved for use",
                              hint="review it and set \"approved\": true in prompts/manifest.json, or run --offline")

    # --- agents (agents.yaml) ---------------------------------------------------------------------------------

    @agent
    def coordinator(self) -> Agent:
        return self._agent("coordinator")

    @agent
    def diagnostician(self) -> Agent:
        return self._agent("diagnostician")

    @agent
    def planner(self) -> Agent:
        return self._agent("planner")

    @agent
    def remediator(self) -> Agent:
        return self._agent("remediator")

    # --- tasks (tasks.yaml) -----------------------------------------------------------------------------------

    @task
    def understand_request(self) -> Task:
        return self._task("understand_request")

    @task
    def diagnose(self) -> Task:
        return self._task("diagnose")

    @task
    def plan_change(self) -> Task:
        return self._task("plan_change")

    @task
    def verify_change(self) -> Task:
        return self._task("verify_change")

    # --- running ----------------------------------------------------------------------------------------------

    def run(self, task_name: str, inputs: dict[str, str], check: Check | None = None) -> BaseModel:
        """Run one task; its validated output model. ``LLMOutputInvalid`` when it never validated."""
        # A fresh task and agent per run: the memoized ones may still be busy in a call the turn's deadline
        # abandoned, and crewAI refuses to run one agent's executor twice at once. The check goes with the run.
        one = self._task(task_name, check)
        one.agent = self._agent(self._agent_of(task_name))
        crew = Crew(agents=[one.agent], tasks=[one], process=Process.sequential, verbose=False)
        try:
            output = crew.kickoff(inputs=inputs)
        except GuardrailExhausted as exc:
            raise LLMOutputInvalid(f"the {task_name} step returned invalid output {exc.attempts} times",
                                   hint=exc.last_error[:300]) from None
        if not isinstance(output, CrewOutput):  # a streaming crew: never built here
            raise TypeError(f"the {task_name} step streamed; KubeCopilot runs its crew without streaming")
        return self._model(task_name).model_validate_json(_json_text(output.raw))

    def _agent(self, name: str) -> Agent:
        config = _entry(self.agents_config, "agents.yaml", name)
        capabilities = config.pop("capabilities", []) or []
        spec = next(s for s in self.prompts.specs.values() if s.agent == name)
        llm = self.llm_for(spec) if self.llm_for is not None else self.llm
        return Agent(config=config, llm=llm, tools=self.tools_for(list(capabilities)))

    def _task(self, name: str, check: Check | None = None) -> Task:
        config = _entry(self.tasks_config, "tasks.yaml", name)
        spec = self.prompts.spec(config.pop("prompt"))
        expected = str(config.pop("expected_output"))
        guardrail = OutputGuardrail(self._model(name), check)
        built = Task(config=config, description=self.prompts.text(spec.id), expected_output=expected,
                     guardrail=guardrail.validate)
        guardrail.retries = built.guardrail_max_retries  # tasks.yaml's, as crewAI read it
        return built

    def _agent_of(self, task_name: str) -> str:
        return self.prompts.for_task(task_name).agent

    def _model(self, task_name: str) -> type[BaseModel]:
        return self.prompts.for_task(task_name).schema_model()


def _entry(table: object, file: str, name: str) -> dict[str, Any]:
    """A copy of one entry of a crew YAML file, as ``@CrewBase`` loaded it (it replaces the path with the dict)."""
    if not isinstance(table, dict) or not isinstance(table.get(name), dict):
        raise ConfigError(f"{file} has no entry {name!r}")
    return dict(table[name])


def _json_text(raw: str) -> str:
    text = _FENCE.sub("", raw.strip())
    start, end = text.find("{"), text.rfind("}")
    return text[start:end + 1] if start != -1 and end > start else text


def _errors(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in exc.errors()[:5])
