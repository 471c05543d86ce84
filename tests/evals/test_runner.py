"""The scorer itself: a wrong expectation, an unscripted or unused LLM reply and a wrong end state each fail a case
with a message that says what was expected and what happened."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from .casefile import Case
from .runner import run_case


def case(text: str) -> Case:
    return Case.model_validate({**yaml.safe_load(text), "name": "meta"})


def run(sandboxes, c: Case, mode: str = "rules"):
    try:
        return run_case(c, sandboxes.get(c.scenario), mode)
    finally:
        sandboxes.after(c.scenario, c.mutates)


def test_a_correct_case_passes_and_counts_its_turns(sandboxes):
    result = run(sandboxes, case("""
        title: t
        steps:
          - say: "list namespaces"
            expect: {kind: answer, text: {contains: [production]}, tools: {contain: [list_namespaces]}, llm_calls: 0}
    """))
    assert result.passed, result.report()
    assert result.turns == 1 and result.llm_calls == 0


def test_wrong_turn_kind_and_text_are_reported(sandboxes):
    result = run(sandboxes, case("""
        title: t
        steps:
          - say: "list namespaces"
            expect: {kind: plan}
          - say: "list namespaces"
            expect: {text: {contains: [staging], absent: [production]}, tools: {contain: [list_pods]}}
    """))
    assert result.failures[0].startswith("step 1 (say 'list namespaces'): expected a plan turn, got answer")
    assert any("text should contain 'staging'" in f for f in result.failures)
    assert any("text must not contain 'production'" in f for f in result.failures)
    assert any("tool 'list_pods' should have answered" in f for f in result.failures)


def test_an_llm_call_the_case_did_not_script_fails_it(sandboxes):
    result = run(sandboxes, case("""
        title: t
        steps:
          - say: "could you pull up whatever cart-service has been printing lately"
    """), mode="scripted")
    assert any("unscripted LLM call for the understand agent" in f for f in result.failures), result.failures
    assert result.llm_calls == 1


def test_scripted_replies_that_were_never_asked_for_fail_the_case(sandboxes):
    result = run(sandboxes, case("""
        title: t
        scripted: {diagnose: ["never used"]}
        steps:
          - say: "list namespaces"
    """), mode="scripted")
    assert result.failures == ["scripted replies never asked for: diagnose ×1"]


def test_end_state_is_read_from_the_sandbox(sandboxes):
    result = run(sandboxes, case("""
        title: t
        steps:
          - cluster: {tool: scale_deployment, args: {namespace: dev, deployment_name: cart-service-v1, replicas: 2}}
        end_state:
          - {deployment: dev/cart-service-v1, replicas: 5, unchanged: true}
          - {deployment: dev/no-such-thing}
          - {namespace: production, exists: false}
    """))
    assert "dev/cart-service-v1 replicas: expected 5, got 2" in result.failures
    assert any(f.startswith("dev/cart-service-v1: expected unchanged=True") for f in result.failures)
    assert "deployment dev/no-such-thing is gone" in result.failures
    assert "namespace production: expected exists=False, got True" in result.failures


def test_mode_specific_expectations_replace_the_common_ones():
    c = case("""
        title: t
        steps:
          - say: "x"
            expect: {kind: answer, llm_calls: 0}
            by_mode: {scripted: {llm_calls: 1}}
    """)
    assert c.steps[0].expectation("rules").llm_calls == 0
    scripted = c.steps[0].expectation("scripted")
    assert scripted.llm_calls == 1 and scripted.kind == "answer"


@pytest.mark.parametrize("step", [{"say": "a", "approve": "yes"}, {"expect": {"kind": "answer"}},
                                  {"say": "a", "expect": {"kidn": "answer"}}])
def test_malformed_steps_are_rejected_when_the_case_loads(step):
    with pytest.raises(ValidationError):
        Case.model_validate({"title": "t", "steps": [step]})
