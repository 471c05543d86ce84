"""A real HTTP model endpoint (the OpenAI-compatible stub) that is too slow or answers garbage.

The turn must end by its deadline with what the rules and analyzers know and say why; output that never validates
falls back to the rules' diagnosis or plan with a notice, and nothing is executed. The deadline is measured by a
fake clock that the "model" advances while it thinks, so no test waits for it.
"""

from __future__ import annotations

import json
import threading

import pytest

from kubecopilot.crew.brain import CrewBrain
from kubecopilot.crew.hooks import uninstall
from kubecopilot.dialogue.turns import Answer, DiagnosisBlock, ErrorTurn, PlanProposal
from kubecopilot.testing.apps import app_for
from kubecopilot.testing.clock import FakeClock
from kubecopilot.testing.openai_stub import OpenAIStub, RecordedRequest

GARBAGE = ["sure! here is the diagnosis", "{}", "[1, 2, 3]", "OOMKilled"]


@pytest.fixture(autouse=True)
def _no_global_hooks():
    yield
    uninstall()


def stub_app(handle, stub, clock=None, **overrides):
    from crewai import LLM

    llm = LLM(model="openai/stub-model", base_url=stub.base_url, api_key="sk-test-not-real", max_retries=0)
    app = app_for(handle, **{"offline": True, **overrides})
    app.brain = app.conversation.brain = CrewBrain(app.settings, app.gateway, app.sanitizer, llm=llm,
                                                   sleep=lambda s: None)
    if clock is not None:
        app.conversation.timer = clock
    steps: list[str] = []
    app.conversation.progress = steps.append
    return app, steps


def diagnosis_without_fix() -> str:
    return json.dumps({"summary": "report-worker runs out of memory", "root_cause": "the limit is too low",
                       "category": "OOMKilled", "evidence": [{"source": "describe", "quote": "OOMKilled"}],
                       "confidence": 0.8, "suggested_fix": "raise the memory limit", "fix": None})


def rules_diagnosis(turn) -> object:
    assert isinstance(turn, Answer), turn
    return next(b for b in turn.blocks if isinstance(b, DiagnosisBlock)).diagnosis


def test_a_model_slower_than_the_deadline_ends_the_turn_with_the_analyzers_answer(shared_sandbox):
    clock, release = FakeClock(), threading.Event()

    def thinks_for_a_minute(request: RecordedRequest) -> str:
        clock.advance(60)
        release.wait(30)
        return diagnosis_without_fix()

    with OpenAIStub(policy=thinks_for_a_minute) as stub:
        app, steps = stub_app(shared_sandbox, stub, clock)
        try:
            turn = app.conversation.handle("why is report-worker crashing?")
        finally:
            release.set()
            app.close()
    diagnosis = rules_diagnosis(turn)
    assert diagnosis.source == "rules" and diagnosis.category == "OOMKilled"
    assert any("too slow" in n and "45 s" in n and "asking the diagnostician" in n for n in turn.notices), turn.notices
    assert "asking the diagnostician" in steps and len(stub.requests) == 1


def test_the_deadline_is_configurable_and_shared_by_the_turn(shared_sandbox):
    clock, release = FakeClock(), threading.Event()
    routed = json.dumps({"intent": "diagnose", "target": "report-worker", "namespace": "dev", "confidence": 0.9,
                         "language": "en"})

    def coordinator_8_s_then_diagnostician_5_s(request: RecordedRequest) -> str:
        first = len(stub.requests) == 1
        clock.advance(8 if first else 5)  # 8 s fit in 10; the diagnostician then has 2 s left, and takes 5
        if not first:
            release.wait(30)
        return routed if first else diagnosis_without_fix()

    with OpenAIStub(policy=coordinator_8_s_then_diagnostician_5_s) as stub:
        app, steps = stub_app(shared_sandbox, stub, clock, **{"llm.turn_deadline": 10})
        try:
            turn = app.conversation.handle("report-worker keeps falling over, any idea?")
        finally:
            release.set()
            app.close()
    assert steps[0] == "understanding the request" and "asking the diagnostician" in steps
    assert rules_diagnosis(turn).source == "rules"
    assert any("10 s" in n for n in turn.notices), turn.notices


def test_a_diagnosis_that_never_validates_falls_back_to_the_rules_with_a_notice(shared_sandbox):
    with OpenAIStub(script=list(GARBAGE)) as stub:
        app, _ = stub_app(shared_sandbox, stub)
        try:
            turn = app.conversation.handle("why is report-worker crashing?")
        finally:
            app.close()
    diagnosis = rules_diagnosis(turn)
    assert diagnosis.source == "rules" and diagnosis.category == "OOMKilled"
    assert any("did not validate" in n for n in turn.notices), turn.notices
    assert len(stub.requests) == 4  # first answer + 3 retries with the validation error


def test_a_plan_that_never_validates_falls_back_to_the_rules_plan_which_still_needs_approval(sandbox):
    with OpenAIStub(script=[diagnosis_without_fix(), *GARBAGE]) as stub:
        app, _ = stub_app(sandbox, stub)
        try:
            shown = app.conversation.handle("why is report-worker crashing?")
            assert rules_diagnosis(shown).source == "llm"
            turn = app.conversation.handle("fix it")
            assert isinstance(turn, PlanProposal), turn
            assert "256Mi" in turn.summary  # the analyzers' fix, built and validated like any plan
            assert any("did not validate" in n for n in turn.notices), turn.notices
            assert app.plans.get(turn.plan_id).status == "pending"  # proposed, never executed
        finally:
            app.close()
    assert "64Mi" in sandbox.cluster.call("get_resource", {"kind": "Deployment", "namespace": "dev",
                                                           "name": "report-worker"})


def test_garbage_with_no_rules_answer_is_still_an_error_and_runs_nothing(shared_sandbox):
    with OpenAIStub(script=list(GARBAGE)) as stub:
        app, _ = stub_app(shared_sandbox, stub)
        try:
            turn = app.conversation.handle("why is no-such-app crashing?")
        finally:
            app.close()
    if isinstance(turn, ErrorTurn):
        assert turn.code == "llm_output_invalid"
    else:  # nothing of that name: no model was needed, or the coordinator's garbage fell back to the rules (issue 10)
        assert not isinstance(turn, PlanProposal)
        assert len(stub.requests) == 0 or any("did not validate" in n for n in turn.notices)


def test_the_next_turn_works_while_an_abandoned_call_is_still_running(shared_sandbox):
    """crewAI refuses to run one agent twice at once: each run gets a fresh agent, so a call the deadline abandoned
    (still waiting for the model) does not break the next diagnosis."""
    clock, release = FakeClock(), threading.Event()

    def first_call_hangs(request: RecordedRequest) -> str:
        if len(stub.requests) == 1:
            clock.advance(60)
            release.wait(30)
        return diagnosis_without_fix()

    with OpenAIStub(policy=first_call_hangs) as stub:
        app, _ = stub_app(shared_sandbox, stub, clock)
        try:
            first = app.conversation.handle("why is report-worker crashing?")
            second = app.conversation.handle("why is report-worker crashing?")
        finally:
            release.set()
            app.close()
    assert rules_diagnosis(first).source == "rules"
    assert rules_diagnosis(second).source == "llm"  # the diagnostician answered the second time
