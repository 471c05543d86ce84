"""The crew adapter: YAML ↔ methods, prompt inputs, output validation with retries, LLM errors → retries.

Driven by a scripted BaseLLM and by a local OpenAI-compatible stub (both the native OpenAI client path and the
litellm path), never by a real model.
"""

from __future__ import annotations

import json

import pytest
import yaml

from kubecopilot.config import load_settings
from kubecopilot.crew.crew import KubeCopilotCrew
from kubecopilot.crew.llm import call_with_retries, is_transient
from kubecopilot.diagnosis.models import Diagnosis, Evidence
from kubecopilot.dialogue.models import RoutedRequest
from kubecopilot.dialogue.registry import intent_help
from kubecopilot.errors import LLMBadResponse, LLMOutputInvalid, LLMUnavailable
from kubecopilot.prompting import context
from kubecopilot.prompting.sanitizer import Sanitizer
from kubecopilot.resources import data_path
from kubecopilot.testing.openai_stub import OpenAIStub
from kubecopilot.testing.scripted_llm import ScriptedLLM

ROUTED = {"intent": "logs", "target": "cart-service", "language": "en", "confidence": 0.9}


def crew_with(llm):
    return KubeCopilotCrew(llm, lambda classes: [])


def understand_inputs(text="could you pull up what cart-service has been printing"):
    return context.understand_inputs(text, {"cluster": None, "namespace": "dev"}, Sanitizer(), intent_help())


def test_yaml_keys_match_agent_and_task_methods():
    agents = set(yaml.safe_load(data_path("agents.yaml").read_text()))
    tasks = set(yaml.safe_load(data_path("tasks.yaml").read_text()))
    methods = {k: v for k, v in vars(KubeCopilotCrew).items() if callable(v)}
    agent_methods = {k for k, v in methods.items() if getattr(v, "is_agent", False)}
    task_methods = {k for k, v in methods.items() if getattr(v, "is_task", False)}
    assert agents == agent_methods == {"coordinator", "diagnostician", "planner", "remediator"}
    assert tasks == task_methods == {"understand_request", "diagnose", "plan_change", "verify_change"}


def test_each_agent_gets_only_the_capabilities_it_uses():
    asked = {}
    crew = KubeCopilotCrew(ScriptedLLM(model="scripted"), lambda caps: asked.setdefault(len(asked), caps) and [])
    for name in ("coordinator", "diagnostician", "planner", "remediator"):
        getattr(crew, name)()
    reads = ("describe_pod", "describe", "events_for", "pod_logs", "get_resource")
    assert sorted(map(tuple, asked.values())) == [(), (), reads, reads]


def test_each_task_runs_with_its_registry_temperature_and_max_tokens():
    from kubecopilot.crew.llm import build_llm

    settings = load_settings({"llm.model": "openai/stub-model", "llm.base_url": "http://127.0.0.1:9/v1",
                              "llm.api_key": "sk-test-not-real"})
    crew = KubeCopilotCrew(build_llm(settings), lambda caps: [],
                           llm_for=lambda spec: build_llm(settings, temperature=spec.temperature,
                                                          max_tokens=spec.max_tokens))
    diagnostician, coordinator = crew.diagnostician().llm, crew.coordinator().llm
    assert (diagnostician.temperature, diagnostician.max_tokens) == (0.2, 1200)  # prompts/manifest.json
    assert (coordinator.temperature, coordinator.max_tokens) == (0.0, 400)


def test_understand_request_returns_a_validated_model_and_redacts_the_request():
    llm = ScriptedLLM(model="scripted", script=[json.dumps(ROUTED)])
    result = crew_with(llm).run("understand_request", understand_inputs("logs of cart-service from 10.1.2.3"))
    assert isinstance(result, RoutedRequest) and result.target == "cart-service"
    sent = "\n".join(m["content"] or "" for m in llm.calls[0]["messages"])
    assert "10.1.2.3" not in sent and "[REDACTED_IP" in sent
    assert '"intent"' in sent  # the output schema is in the prompt


def test_invalid_output_is_retried_with_the_validation_error():
    llm = ScriptedLLM(model="scripted", script=["no json here", json.dumps({**ROUTED, "intent": "dance"}), json.dumps(ROUTED)])
    result = crew_with(llm).run("understand_request", understand_inputs())
    assert result.intent == "logs"
    assert len(llm.calls) == 3
    retry_prompt = json.dumps(llm.calls[2]["messages"])
    assert "intent" in retry_prompt and "Invalid output" in retry_prompt


def test_output_that_never_validates_becomes_a_typed_error_after_three_retries():
    llm = ScriptedLLM(model="scripted", script=["garbage"] * 10)
    with pytest.raises(LLMOutputInvalid):
        crew_with(llm).run("understand_request", understand_inputs())
    assert len(llm.calls) == 4  # the first answer plus 3 retries


AGENT_SETTINGS = ("max_iter", "allow_delegation", "max_retry_limit", "cache", "verbose")


def test_agents_and_tasks_take_their_settings_from_the_yaml_as_crewai_config():
    agents = yaml.safe_load(data_path("agents.yaml").read_text())
    tasks = yaml.safe_load(data_path("tasks.yaml").read_text())
    crew = crew_with(ScriptedLLM(model="scripted"))
    for name, entry in agents.items():
        assert set(AGENT_SETTINGS) <= set(entry), name  # said in the YAML: crewAI's defaults (max_iter 25) never apply
        built = getattr(crew, name)()
        assert {key: getattr(built, key) for key in AGENT_SETTINGS} == {key: entry[key] for key in AGENT_SETTINGS}
        assert built.allow_delegation is False and built.max_retry_limit == 0
    for name, entry in tasks.items():
        assert getattr(crew, name)().guardrail_max_retries == entry["guardrail_max_retries"], name


def test_the_guardrail_retries_are_the_tasks_yaml_entry():
    llm = ScriptedLLM(model="scripted", script=["garbage"] * 10)
    crew = crew_with(llm)
    crew.tasks_config["understand_request"]["guardrail_max_retries"] = 1  # what CrewBase loaded from tasks.yaml
    with pytest.raises(LLMOutputInvalid) as raised:
        crew.run("understand_request", understand_inputs())
    assert len(llm.calls) == 2 and "invalid output 2 times" in raised.value.message


def test_an_error_that_mentions_a_guardrail_is_not_taken_for_invalid_output():
    """Exhaustion is known by its type: a provider's refusal that says "guardrail" stays what it is."""
    llm = ScriptedLLM(model="scripted", script=[RuntimeError("the provider's content guardrail blocked this")])
    with pytest.raises(Exception) as raised:
        crew_with(llm).run("understand_request", understand_inputs())
    assert not isinstance(raised.value, LLMOutputInvalid)
    assert "content guardrail" in str(raised.value)


def test_a_semantic_check_rejects_and_the_reason_goes_back_to_the_model():
    verification = {"ok": True, "summary": "ok", "checks": [], "next_steps": []}
    llm = ScriptedLLM(model="scripted", script=[json.dumps(verification), json.dumps({**verification, "ok": False})])

    def check(model):
        if model.ok:
            raise ValueError("checks failed, so ok must be false")

    result = crew_with(llm).run("verify_change", context.verify_inputs("Scale x", ["✗ 0/2 ready"], "en", Sanitizer()), check)
    assert result.ok is False
    assert "ok must be false" in json.dumps(llm.calls[1]["messages"])


def test_diagnose_inputs_fill_every_placeholder():
    evidence = Evidence(namespace="dev", target="report-worker", logs={"report-worker-1/worker": "OOM soon, mail ops@example.com"})
    findings = Diagnosis(summary="s", root_cause="r", category="OOMKilled", confidence=0.9, suggested_fix="raise the limit")
    diagnosis = {"summary": "s", "root_cause": "r", "category": "OOMKilled", "confidence": 0.8, "suggested_fix": "f",
                 "evidence": [{"source": "logs", "quote": "OOM soon"}]}
    llm = ScriptedLLM(model="scripted", script=[json.dumps(diagnosis)])
    result = crew_with(llm).run("diagnose", context.diagnose_inputs(evidence, findings, "zh", Sanitizer()))
    assert result.category == "OOMKilled"
    sent = json.dumps(llm.calls[0]["messages"], ensure_ascii=False)
    assert "ops@example.com" not in sent and "Simplified Chinese" in sent


class _Status(Exception):
    def __init__(self, status_code):
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code


def test_transient_errors_are_retried_with_backoff_then_reported():
    waits, attempts = [], []

    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise _Status(503)
        return "ok"

    assert call_with_retries(flaky, attempts=4, sleep=waits.append) == "ok"
    assert len(attempts) == 3 and len(waits) == 2 and waits[1] >= waits[0]
    with pytest.raises(LLMUnavailable, match="3 attempts"):
        call_with_retries(lambda: (_ for _ in ()).throw(_Status(429)), attempts=3, sleep=waits.append)
    broken = []

    def bad_request():
        broken.append(1)
        raise ValueError("bad request")

    with pytest.raises(LLMBadResponse):  # not transient: no retry, but still a typed error (never a traceback)
        call_with_retries(bad_request, attempts=3, sleep=waits.append)
    assert len(broken) == 1
    assert is_transient(TimeoutError()) and not is_transient(_Status(400))


@pytest.mark.parametrize("litellm_path", [False, True])
def test_the_openai_compatible_endpoint_path(litellm_path, monkeypatch):
    from crewai import LLM

    with OpenAIStub(script=[json.dumps(ROUTED)]) as stub:
        llm = LLM(model="openai/stub-model", base_url=stub.base_url, api_key="sk-test-not-real", is_litellm=litellm_path)
        result = crew_with(llm).run("understand_request", understand_inputs())
    assert result.target == "cart-service"
    assert len(stub.requests) == 1 and stub.requests[0].tool_names == []  # the coordinator gets no tools
    assert "cart-service" in stub.requests[0].text()


def test_server_errors_from_the_endpoint_end_in_llm_unavailable():
    from crewai import LLM

    settings = load_settings({"llm.max_retries": 2})
    with OpenAIStub(script=[{"status": 500}] * 20) as stub:
        llm = LLM(model="openai/stub-model", base_url=stub.base_url, api_key="sk-test-not-real", max_retries=0)
        crew = crew_with(llm)
        with pytest.raises(LLMUnavailable):
            call_with_retries(lambda: crew.run("understand_request", understand_inputs()),
                              attempts=settings.llm.max_retries + 1, sleep=lambda s: None)
    assert len(stub.requests) == 3  # the SDK's retries are off (max_retries=0): ours is the only loop


def test_the_diagnostician_gets_the_sandbox_tools_for_describe_events_logs_and_get_only(shared_sandbox):
    from kubecopilot.crew.tools import tools_serving
    from kubecopilot.tools.factory import connect_gateway

    gateway = connect_gateway(load_settings({"offline": True}), url=shared_sandbox.url)
    try:
        caps = yaml.safe_load(data_path("agents.yaml").read_text())["diagnostician"]["capabilities"]
        names = {tool.name for tool in tools_serving(gateway, caps)}
        assert names == {"describe_pod", "describe_deployment", "describe_node", "get_pod_events", "list_events",
                         "get_pod_logs", "get_resource"}
        assert len(names) < len([spec for spec in gateway.catalog if not spec.is_write]) / 4  # was every read tool
    finally:
        gateway.close()
