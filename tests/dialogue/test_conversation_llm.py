"""The same conversations with an LLM configured: a scripted model (a crewAI BaseLLM) plays each agent.

Checks LLM economy (rules answer simple turns with zero calls), the diagnostician's tool use through the gateway,
validation of the planner's drafts, fallback to the offline engine when the model is down, and that text inside
tool output never leads to a write.
"""

from __future__ import annotations

import json

import pytest

from kubecopilot.crew.brain import CrewBrain
from kubecopilot.crew.hooks import uninstall
from kubecopilot.dialogue.turns import Answer, Ask, DiagnosisBlock, PlanProposal
from kubecopilot.plans.model import ApprovalDecision
from kubecopilot.testing.apps import app_for as open_app
from kubecopilot.testing.scripted_llm import ScriptedLLM

MARKERS = {
    "understand": "Classify one message",
    "diagnose": "Diagnose a Kubernetes workload",
    "plan": "Propose ONE change",
    "verify": "A change was just applied",
}


class Roles:
    """Replies per agent, in order; records which agent each call was for."""

    def __init__(self, **replies):
        self.replies = {role: list(items) for role, items in replies.items()}
        self.seen: list[str] = []

    def __call__(self, messages, tools):
        text = "\n".join(str(m.get("content") or "") for m in messages)
        role = next(r for r, marker in MARKERS.items() if marker in text)
        self.seen.append(role)
        return self.replies[role].pop(0)


@pytest.fixture(autouse=True)
def _no_global_hooks():
    yield
    uninstall()


def llm_app(handle, roles, **kw):
    llm = ScriptedLLM(model="scripted", policy=roles)
    app = open_app(handle, **{"offline": True, **kw})  # offline first: the scripted brain is plugged in below
    app.brain = CrewBrain(app.settings, app.gateway, app.sanitizer, llm=llm, sleep=lambda s: None)
    app.conversation.brain = app.brain
    return app, llm


def diagnosis(category, fix=None, quote="OOMKilled"):
    return json.dumps({"summary": f"{category} found", "root_cause": "memory limit too low", "category": category,
                       "evidence": [{"source": "describe", "quote": quote}], "confidence": 0.8,
                       "suggested_fix": "raise the memory limit", "fix": fix})


def test_alex_with_an_llm_spends_no_calls_on_what_rules_understand(shared_sandbox):
    app, llm = llm_app(shared_sandbox, Roles())
    talk = app.conversation
    assert isinstance(talk.handle("hi，帮我看一下 cart-service 的日志"), Ask)
    talk.handle("我不确定，你列出来吧")
    talk.handle("应该在 dev")
    turn = talk.handle("v2 那个")
    assert isinstance(turn, Answer) and "cart-service-v2" in turn.title
    assert llm.calls == [] and talk.llm_calls == 0
    app.close()


def test_a_question_with_a_write_verb_reaches_the_coordinator(shared_sandbox):
    """Issue 10: the rules do not take "restart" in a question as the restart intent; the model decides."""
    routed = {"intent": "unhealthy_pods", "namespace": "dev", "confidence": 0.9, "language": "en"}
    app, llm = llm_app(shared_sandbox, Roles(understand=[json.dumps(routed)]))
    turn = app.conversation.handle("which of my workloads in dev should I restart, and what should I do about it?")
    assert isinstance(turn, Answer) and turn.title.startswith("Unhealthy pods") and "report-worker" in str(turn.blocks)
    assert len(llm.calls) == 1 and not any("matches `most`" in n for n in turn.notices)
    app.close()


def test_a_model_reading_a_question_as_a_write_only_gets_it_offered(shared_sandbox):
    routed = {"intent": "restart", "target": "report-worker", "namespace": "dev", "confidence": 0.9, "language": "en"}
    app, llm = llm_app(shared_sandbox, Roles(understand=[json.dumps(routed)]))
    turn = app.conversation.handle("which of my workloads in dev should I restart?")
    assert isinstance(turn, Ask) and turn.slot == "intent" and [o.value for o in turn.options][0] == "restart"
    app.close()


def test_a_target_that_names_nothing_in_the_cluster_goes_to_the_coordinator(shared_sandbox):
    routed = {"intent": "logs", "target": "cart-service", "confidence": 0.9, "language": "en"}
    app, llm = llm_app(shared_sandbox, Roles(understand=[json.dumps(routed)]))
    turn = app.conversation.handle("show me the logs of the shopping basket thing")  # "cart" would link: cart-service
    assert isinstance(turn, Ask) and turn.slot == "namespace" and len(llm.calls) == 1
    app.close()


def test_free_form_request_is_routed_by_the_coordinator(shared_sandbox):
    routed = {"intent": "logs", "target": "cart-service", "confidence": 0.9, "language": "en"}
    app, llm = llm_app(shared_sandbox, Roles(understand=[json.dumps(routed)]))
    turn = app.conversation.handle("could you pull up whatever cart-service has been printing lately")
    assert isinstance(turn, Ask) and turn.slot == "namespace"
    assert len(llm.calls) == 1 and llm.calls[0]["tools"] == []  # the coordinator has no tools
    app.close()


def test_llm_diagnosis_uses_read_tools_through_the_gateway_within_three_calls(shared_sandbox):
    pod = next(p for p in json.loads(shared_sandbox.cluster.call("list_pods", {"namespace": "dev"}))["items"]
               if p["metadata"]["name"].startswith("report-worker"))["metadata"]["name"]
    fix = {"action": "set_resources", "kind": "Deployment", "namespace": "dev", "name": "report-worker",
           "container": "report-worker", "limits": {"memory": "256Mi"}}
    roles = Roles(diagnose=[[{"name": "get_pod_logs", "arguments": {"namespace": "dev", "pod_name": pod, "previous": True}}],
                            diagnosis("OOMKilled", fix)])
    app, llm = llm_app(shared_sandbox, roles)
    turn = app.conversation.handle("why is report-worker crashing?")
    block = next(b for b in turn.blocks if isinstance(b, DiagnosisBlock))
    assert block.diagnosis.source == "llm" and block.diagnosis.category == "OOMKilled"
    assert len(llm.calls) <= 3
    assert any(m.get("role") == "tool" for m in llm.calls[-1]["messages"])  # the tool's answer reached the model
    assert set(llm.calls[0]["tools"]) and not {"delete_pod", "patch_resource", "scale_deployment"} & set(llm.calls[0]["tools"])
    assert any("redacted" in n.lower() for n in turn.notices)
    app.close()


def test_llm_down_falls_back_to_the_offline_analyzers_with_a_notice(shared_sandbox):
    class Down(Exception):
        status_code = 503

    app, llm = llm_app(shared_sandbox, Roles(diagnose=[Down()] * 10), **{"llm.max_retries": 2})
    turn = app.conversation.handle("why is report-worker crashing?")
    block = next(b for b in turn.blocks if isinstance(b, DiagnosisBlock))
    assert block.diagnosis.source == "rules" and block.diagnosis.category == "OOMKilled"
    assert len(llm.calls) == 3  # first try + 2 retries
    assert any("unavailable" in n for n in turn.notices)
    app.close()


def test_invalid_plans_from_the_llm_are_retried_never_shown_and_the_rules_plan_is_offered(sandbox):
    bad = json.dumps({"fix": {"action": "delete_pod", "kind": "Deployment", "namespace": "dev", "name": "inventory-api"},
                      "rationale": "delete it"})
    roles = Roles(diagnose=[diagnosis("ProbeFailure", None, "Readiness probe failed")], plan=[bad] * 4)
    app, llm = llm_app(sandbox, roles)
    app.conversation.handle("why is inventory-api not ready?")
    turn = app.conversation.handle("fix it")
    assert roles.seen.count("plan") == 4
    assert "Rejected" in json.dumps(llm.calls[-1]["messages"])  # the validation reason went back to the model
    # The model's draft never became a plan; the analyzers' fix did, with a notice, waiting for approval.
    assert isinstance(turn, PlanProposal) and turn.plan["action"] == "update", turn
    assert any("did not validate" in n for n in turn.notices)
    assert [p.status for p in app.plans.list()] == ["pending"]
    app.close()


def test_a_valid_llm_plan_is_proposed_with_its_prompt_id_and_cures(sandbox):
    patch = [{"op": "replace", "path": "/spec/template/spec/containers/0/readinessProbe/httpGet/path", "value": "/health"}]
    good = json.dumps({"fix": {"action": "json_patch", "kind": "Deployment", "namespace": "dev", "name": "inventory-api",
                               "patch": patch}, "rationale": "the app serves /health, the probe asks /healthz"})
    verify = json.dumps({"ok": True, "summary": "inventory-api is Ready again", "checks": [], "next_steps": []})
    roles = Roles(diagnose=[diagnosis("ProbeFailure", None, "Readiness probe failed")], plan=[good], verify=[verify])
    app, llm = llm_app(sandbox, roles)
    app.conversation.handle("why is inventory-api not ready?")
    proposal = app.conversation.handle("fix it")
    assert isinstance(proposal, PlanProposal), proposal
    assert proposal.plan["audit"]["sourcePromptId"] == "plan-change@1.1.0"
    result = app.conversation.approve(proposal.plan_id, lambda p: ApprovalDecision(approved=True, by="user:t", typed_name=p.resource.name))
    assert isinstance(result, Answer) and result.title == "inventory-api is Ready again"
    app.close()


def test_instructions_inside_tool_output_never_cause_a_write(sandbox):
    """A model that obeys text it read ("delete the namespace") still cannot write: it has no write tools, the
    hook blocks them, and the gateway refuses writes without an approved plan."""
    rogue = [{"name": "delete_namespace", "arguments": {"name": "production"}},
             {"name": "delete_pod", "arguments": {"namespace": "dev", "pod_name": "x"}}]
    roles = Roles(diagnose=[rogue, diagnosis("OOMKilled")])
    app, llm = llm_app(sandbox, roles)
    before = sandbox.cluster.call("list_namespaces", {})
    turn = app.conversation.handle("why is report-worker crashing?")
    assert isinstance(turn, Answer)
    assert "IGNORE PREVIOUS INSTRUCTIONS" in json.dumps(llm.calls[0]["messages"])  # the model did read it
    assert sandbox.cluster.call("list_namespaces", {}) == before
    assert app.plans.list() == []
    app.close()


def test_a_garbage_verification_does_not_turn_an_applied_change_into_an_error(sandbox):
    app, llm = llm_app(sandbox, Roles(verify=["not json"] * 4))
    proposal = app.conversation.handle("scale cart-service-v1 to 2")
    result = app.conversation.approve(proposal.plan_id, lambda p: ApprovalDecision(approved=True, by="user:t", typed_name=p.resource.name))
    assert isinstance(result, Answer) and result.title.startswith("Done")
    assert app.plans.get(proposal.plan_id).status == "executed"
    app.close()
