"""The crew: four agents and four tasks from the top-level ``agents.yaml`` / ``tasks.yaml`` (one method per key).

Each call runs ONE task with its one agent (routing is done by code, see ``kubecopilot.dialogue.engine``), so a
diagnosis costs one task's LLM calls, not a manager re-planning every step. Task text comes from the prompt
registry; outputs are validated by a pydantic guardrail that feeds the error back, at most 3 times.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from crewai import Agent, Crew, Process, Task
from crewai.project import CrewBase, agent, task
from pydantic import BaseModel, ValidationError

from kubecopilot.errors import LLMOutputInvalid
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

MAX_OUTPUT_RETRIES = 3
AGENT_MAX_ITER = {"coordinator": 2, "diagnostician": 4, "planner": 3, "remediator": 2}
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")

ToolsFor = Callable[[list[str]], list[Any]]  # an agent's capabilities (agents.yaml) → its tools
LLMFor = Callable[[PromptSpec], Any]  # a task's registry entry → the LLM with its temperature and maxTokens
Check = Callable[[BaseModel], None]


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
        except Exception as exc:
            if "guardrail" in str(exc).lower():
                raise LLMOutputInvalid(f"the {task_name} step returned invalid output {MAX_OUTPUT_RETRIES + 1} times",
                                       hint=str(exc).rsplit("Last error:", 1)[-1].strip()[:300]) from None
            raise
        return self._model(task_name).model_validate_json(_json_text(output.raw))

    def _agent(self, name: str) -> Agent:
        config = dict(self.agents_config[name])
        capabilities = config.pop("capabilities", []) or []
        spec = next(s for s in self.prompts.specs.values() if s.agent == name)
        llm = self.llm_for(spec) if self.llm_for is not None else self.llm
        # max_retry_limit=0: our tenacity policy is the one retry loop (crewAI's counter also accumulates across
        # runs of a reused agent, which would make retries depend on history).
        return Agent(config=config, llm=llm, tools=self.tools_for(list(capabilities)), allow_delegation=False,
                     max_iter=AGENT_MAX_ITER.get(name, 3), max_retry_limit=0, verbose=False, cache=False)

    def _task(self, name: str, check: Check | None = None) -> Task:
        config = dict(self.tasks_config[name])
        spec = self.prompts.spec(config.pop("prompt"))
        config["description"] = self.prompts.text(spec.id)
        return Task(config=config, guardrail=self._guardrail(name, check), guardrail_max_retries=MAX_OUTPUT_RETRIES)

    def _agent_of(self, task_name: str) -> str:
        return self.prompts.for_task(task_name).agent

    def _model(self, task_name: str) -> type[BaseModel]:
        return self.prompts.for_task(task_name).schema_model()

    def _guardrail(self, task_name: str, check: Check | None) -> Callable[[Any], tuple[bool, Any]]:
        def validate(output):  # type: ignore[no-untyped-def]  # crewAI rejects string annotations on guardrails
            text = _json_text(output.raw)
            try:
                model = self._model(task_name).model_validate_json(text)
                if check is not None:
                    check(model)
            except ValidationError as exc:
                return False, f"Invalid output: {_errors(exc)}. Answer with ONE JSON object matching the schema."
            except Exception as exc:  # a semantic check (e.g. the plan does not validate) says why
                return False, f"Rejected: {getattr(exc, 'message', str(exc))}. Propose a different, valid answer."
            return True, text

        return validate


def _json_text(raw: str) -> str:
    text = _FENCE.sub("", raw.strip())
    start, end = text.find("{"), text.rfind("}")
    return text[start:end + 1] if start != -1 and end > start else text


def _errors(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in exc.errors()[:5])
