"""Benchmark: LLM economy — prompt tokens and LLM calls per user turn, KubeCopilot vs the obvious way to build it.

Both sides talk to a local OpenAI-compatible stub (``kubecopilot.testing.openai_stub``) through crewAI's own
``LLM(model="openai/…")``, so what is counted is the request crewAI really sends: system prompt, tool schemas,
messages, tool results. Tokens are estimated the same way on both sides (~4 characters per token).

- KubeCopilot: the real conversation engine; rules and slot filling answer what they can, and the routed crew
  (coordinator / diagnostician / planner / verifier, each with only the tools it needs) gets the rest.
- Baseline: ONE crewAI agent holding ALL the sandbox's tools (list, read and write — the gateway refuses the
  writes anyway); each user turn is a task carrying the conversation so far; the stub makes the tool calls that
  turn needs (e.g. list_namespaces → list_pods → get_pod_logs) and then answers.

The stub's replies are scripted, so the count is deterministic; it depends only on what each design sends.
Run: ``uv run python benchmarks/llm_economy.py`` (a per-turn table) or call ``measure()`` (returns a dict);
``--per-step`` (or ``per_step()``): each agent's first prompt, with every read tool (before issue 11) and now.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from typing import Any

from common import isolated_home  # benchmarks/ is on sys.path: these scripts run from it

TARGET_RATIO = 0.25  # KubeCopilot's prompt tokens per turn ≤ 25 % of the baseline's
LLM_FREE = ("slot filling", "quick command")  # turns that must cost zero LLM calls


@dataclass
class UserTurn:
    text: str
    answered_by: str  # who answers it in KubeCopilot
    baseline: list[list[dict[str, Any]]]  # the baseline agent's tool-call rounds for this turn
    reply: str  # the baseline agent's final answer (it becomes part of the next turns' history)
    approve: bool = False  # in KubeCopilot this turn is the person approving the proposed plan


def conversation(pods: dict[str, str]) -> list[UserTurn]:
    """The PRD's Alex story, the quick-command menu, a diagnosis → fix → approval, and a free-form request."""
    v2, worker = pods["cart-service-v2"], pods["report-worker"]
    dev = {"namespace": "dev"}
    return [
        UserTurn("hi，帮我看一下 cart-service 的日志", "slot filling", [[call("list_namespaces")]],
                 "cart-service 在哪个命名空间？default、dev 还是 production？"),
        UserTurn("我不确定，你列出来吧", "slot filling", [[call("list_namespaces")]],
                 "当前集群有以下命名空间：default、dev、kube-system、production。"),
        UserTurn("应该在 dev", "slot filling", [[call("list_pods", **dev)]],
                 f"dev 里有两个 cart-service 的 Pod：cart-service-v1 和 {v2}。看哪个？"),
        UserTurn("v2 那个", "slot filling", [[call("get_pod_logs", pod_name=v2, tail_lines=100, **dev)]],
                 f"{v2} 最近的日志显示正常的 HTTP 请求，没有错误。"),
        UserTurn("menu", "quick command", [],
                 "1 list clusters · 2 cluster overview · 3 namespaces · 4 unhealthy pods · 5 warning events"),
        UserTurn("4", "quick command", [[call("list_pods")]],
                 "Unhealthy pods: billing-api, report-worker, web-frontend, ml-trainer, inventory-api (all in dev)."),
        UserTurn("why is report-worker crashing?", "diagnostician",
                 [[call("list_pods", **dev)], [call("describe_pod", pod_name=worker, **dev)],
                  [call("get_pod_events", pod_name=worker, **dev)],
                  [call("get_pod_logs", pod_name=worker, previous=True, **dev)]],
                 "report-worker is OOMKilled: its memory limit is 64Mi and it needs about 200Mi. Raise the limit."),
        UserTurn("fix it", "the diagnosis's fix (no LLM)",
                 [[call("get_deployment", deployment_name="report-worker", **dev)]],
                 "I will set the memory limit of container report-worker to 256Mi. Shall I go ahead?"),
        UserTurn("yes", "verifier", [[call("set_container_resources", deployment_name="report-worker",
                                           container="report-worker", limits_memory="256Mi", **dev)]],
                 "Done: report-worker now has a 256Mi memory limit.", approve=True),
        UserTurn("could you pull up whatever cart-service has been printing lately", "coordinator",
                 [[call("list_pods", **dev)]], "Which one: cart-service-v1 or cart-service-v2?"),
    ]


def call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"name": name, "arguments": arguments}


# --- KubeCopilot's side: the stub plays each agent of the crew --------------------------------------------------


def kubecopilot_policy(worker_pod: str) -> Any:
    from kubecopilot.prompting.prompts import registry

    first_line = {pid: registry().text(pid).strip().splitlines()[0] for pid in
                  ("understand-request", "diagnose", "plan-change", "verify-change")}
    fix = {"action": "set_resources", "kind": "Deployment", "namespace": "dev", "name": "report-worker",
           "container": "report-worker", "limits": {"memory": "256Mi"}}
    answers = {
        "understand-request": {"intent": "logs", "target": "cart-service", "confidence": 0.9, "language": "en"},
        "diagnose": {"summary": "report-worker is OOMKilled", "root_cause": "memory limit 64Mi, needs ~200Mi",
                     "category": "OOMKilled", "evidence": [{"source": "status", "quote": "OOMKilled"}],
                     "confidence": 0.9, "suggested_fix": "raise the memory limit to 256Mi", "fix": fix},
        "plan-change": {"fix": fix, "rationale": "the worker needs about 200Mi"},
        "verify-change": {"ok": True, "summary": "report-worker is Ready with 256Mi", "checks": [], "next_steps": []},
    }

    def policy(request: Any) -> Any:
        text = request.text()
        role = next((pid for pid, line in first_line.items() if line in text), None)
        if role == "diagnose" and not any(m.get("role") == "tool" for m in request.messages):
            return [call("get_pod_logs", namespace="dev", pod_name=worker_pod, previous=True)]
        return json.dumps(answers[role]) if role else ""

    return policy


def run_kubecopilot(handle: Any, turns: list[UserTurn], stub: Any, llm: Any) -> list[dict[str, Any]]:
    from kubecopilot.crew.brain import CrewBrain
    from kubecopilot.plans.model import ApprovalDecision
    from kubecopilot.testing.apps import app_for

    app = app_for(handle)
    app.brain = app.conversation.brain = CrewBrain(app.settings, app.gateway, app.sanitizer, llm=llm)
    talk, plan_id, rows = app.conversation, None, []
    try:
        for turn in turns:
            before = len(stub.requests)
            if turn.approve:
                def approve(plan: Any) -> ApprovalDecision:
                    return ApprovalDecision(approved=True, by="user:bench", typed_name=plan.resource.name)

                result = talk.approve(plan_id, approve)
            else:
                result = talk.handle(turn.text)
            plan_id = getattr(result, "plan_id", plan_id)
            rows.append(_row(turn, stub.requests[before:], result.kind))
    finally:
        app.close()
    return rows


# --- the baseline: one agent, all tools, one task per turn --------------------------------------------------------


def run_baseline(gateway: Any, turns: list[UserTurn], stub: Any, llm: Any) -> list[dict[str, Any]]:
    from crewai import Agent, Crew, Task

    from kubecopilot.crew.tools import tools_for

    agent = Agent(role="Kubernetes assistant", goal="Answer the user's questions about their Kubernetes clusters "
                  "and make the changes they ask for.", backstory="You operate the team's clusters with the tools "
                  "you have. Use them to look things up before you answer.", llm=llm,
                  tools=tools_for(gateway, {"list", "read", "write"}), allow_delegation=False, max_iter=8,
                  verbose=False)
    history: list[str] = []
    rows = []
    for turn in turns:
        stub.script = [*turn.baseline, turn.reply]
        before = len(stub.requests)
        task = Task(description="Conversation so far:\n" + ("\n".join(history) or "(none)") +
                    f"\n\nUser: {turn.text}\n\nReply to the user's latest message.",
                    expected_output="The reply to the user.", agent=agent)
        Crew(agents=[agent], tasks=[task], verbose=False).kickoff()
        history += [f"User: {turn.text}", f"Assistant: {turn.reply}"]
        rows.append(_row(turn, stub.requests[before:], "answer"))
    return rows


def _row(turn: UserTurn, requests: list[Any], kind: str) -> dict[str, Any]:
    return {"turn": turn.text, "answered_by": turn.answered_by, "kind": kind, "llm_calls": len(requests),
            "prompt_tokens": sum(r.prompt_tokens for r in requests),
            "tools_offered": max((len(r.tool_names) for r in requests), default=0)}


# --- measuring --------------------------------------------------------------------------------------------------


def first_pods(handle: Any) -> dict[str, str]:
    items = json.loads(handle.cluster.call("list_pods", {"namespace": "dev"}))["items"]
    names = sorted(p["metadata"]["name"] for p in items)
    return {prefix: next(n for n in names if n.startswith(prefix + "-"))
            for prefix in ("cart-service-v2", "report-worker")}


def measure() -> dict[str, Any]:
    # crewAI warns on every call that it estimates tokens for an unknown model: true, and said once here instead.
    logging.getLogger("crewai.llms.base_llm").setLevel(logging.ERROR)
    with isolated_home():
        return _measure()


def _measure() -> dict[str, Any]:
    from crewai import LLM

    from kubecopilot.config import load_settings
    from kubecopilot.crew.hooks import uninstall
    from kubecopilot.sandbox.runner import start_sandbox
    from kubecopilot.testing.openai_stub import OpenAIStub
    from kubecopilot.tools.factory import connect_gateway

    with start_sandbox() as handle, OpenAIStub() as ours_stub, OpenAIStub() as base_stub:
        pods = first_pods(handle)
        turns = conversation(pods)
        ours_stub.policy = kubecopilot_policy(pods["report-worker"])
        ours = run_kubecopilot(handle, turns, ours_stub, _llm(LLM, ours_stub))
        uninstall()  # the crew's write-guard hook is process-global: the baseline meets only the gateway's gate
        handle.cluster.reset()
        gateway = connect_gateway(load_settings({"offline": True}), url=handle.url)
        try:
            base = run_baseline(gateway, turns, base_stub, _llm(LLM, base_stub))
        finally:
            gateway.close()
    return summarize(ours, base)


def _llm(llm_class: Any, stub: Any) -> Any:
    return llm_class(model="openai/bench-model", base_url=stub.base_url, api_key="sk-bench-not-real", temperature=0)


def summarize(ours: list[dict[str, Any]], base: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(ours)
    tokens, base_tokens = sum(r["prompt_tokens"] for r in ours), sum(r["prompt_tokens"] for r in base)
    llm_turns = [i for i, r in enumerate(ours) if r["llm_calls"]]
    free = [r for r in ours if r["answered_by"] in LLM_FREE]
    ratio = tokens / base_tokens if base_tokens else float("inf")
    return {
        "turns": n,
        "prompt_tokens_per_turn": tokens / n,
        "baseline_prompt_tokens_per_turn": base_tokens / n,
        "llm_calls_per_turn": sum(r["llm_calls"] for r in ours) / n,
        "baseline_llm_calls_per_turn": sum(r["llm_calls"] for r in base) / n,
        "token_ratio": ratio,
        # on the turns where KubeCopilot does call the LLM, how the two compare (the routed crew's own economy)
        "llm_turn_prompt_tokens": sum(ours[i]["prompt_tokens"] for i in llm_turns) / max(1, len(llm_turns)),
        "baseline_llm_turn_prompt_tokens": sum(base[i]["prompt_tokens"] for i in llm_turns) / max(1, len(llm_turns)),
        "llm_calls_on_slot_and_quick_turns": sum(r["llm_calls"] for r in free),
        "slot_and_quick_turns": len(free),
        "per_turn": [{"turn": o["turn"], "answered_by": o["answered_by"], "kind": o["kind"],
                      "llm_calls": o["llm_calls"], "prompt_tokens": o["prompt_tokens"],
                      "tools_offered": o["tools_offered"], "baseline_llm_calls": b["llm_calls"],
                      "baseline_prompt_tokens": b["prompt_tokens"], "baseline_tools_offered": b["tools_offered"]}
                     for o, b in zip(ours, base, strict=True)],
        "ok": {"tokens": ratio <= TARGET_RATIO, "zero_llm_on_slot_and_quick": all(r["llm_calls"] == 0 for r in free)},
    }


# --- prompt size per step: what each agent is sent on its first call ---------------------------------------------


def per_step() -> dict[str, Any]:
    """Prompt tokens of each task's first request, with the tools the agents had before issue 11 (every list and
    read tool) and now (only the tools serving the capabilities in agents.yaml). Same evidence, same stub."""
    logging.getLogger("crewai.llms.base_llm").setLevel(logging.ERROR)
    with isolated_home():
        return _per_step()


def _per_step() -> dict[str, Any]:
    from crewai import LLM

    from kubecopilot.config import load_settings
    from kubecopilot.crew.crew import KubeCopilotCrew
    from kubecopilot.crew.tools import tools_for, tools_serving
    from kubecopilot.diagnosis.diagnose import analyze
    from kubecopilot.diagnosis.evidence import gather_evidence
    from kubecopilot.dialogue.registry import intent_help
    from kubecopilot.prompting import context
    from kubecopilot.prompting.sanitizer import Sanitizer
    from kubecopilot.sandbox.runner import start_sandbox
    from kubecopilot.testing.openai_stub import OpenAIStub
    from kubecopilot.tools.factory import connect_gateway

    sanitizer = Sanitizer()
    with start_sandbox() as handle, OpenAIStub() as stub:
        gateway = connect_gateway(load_settings({"offline": True}), url=handle.url)
        try:
            evidence = gather_evidence(gateway, namespace="dev", target="report-worker", cluster=None)
            findings = analyze(evidence, language="en")
            resource = gateway.invoke("get_resource", kind="Deployment", name="report-worker", namespace="dev").data
            inputs = {
                "understand_request": context.understand_inputs(
                    "could you pull up whatever cart-service has been printing lately", {"namespace": "dev"}, sanitizer, intent_help()),
                "diagnose": context.diagnose_inputs(evidence, findings, "en", sanitizer),
                "plan_change": context.plan_inputs("fix it", resource, findings, sanitizer),
                "verify_change": context.verify_inputs("Raise the memory limit of report-worker to 256Mi",
                                                       ["✓ 1/1 replicas Ready"], "en", sanitizer),
            }
            replies = {task: json.dumps(answer) for task, answer in _step_answers().items()}
            designs = {"before": lambda caps: tools_for(gateway, {"list", "read"}) if caps else [],
                       "after": lambda caps: tools_serving(gateway, caps)}
            rows: dict[str, dict[str, Any]] = {}
            for design, tools in designs.items():
                crew = KubeCopilotCrew(_llm(LLM, stub), tools)
                for task, task_inputs in inputs.items():
                    stub.script, first = [replies[task]], len(stub.requests)
                    crew.run(task, task_inputs)
                    sent = stub.requests[first]
                    rows.setdefault(task, {})[design] = {"prompt_tokens": sent.prompt_tokens,
                                                         "tools": len(sent.tool_names)}
        finally:
            gateway.close()
    return {"per_step": rows}


def _step_answers() -> dict[str, Any]:
    fix = {"action": "set_resources", "kind": "Deployment", "namespace": "dev", "name": "report-worker",
           "container": "report-worker", "limits": {"memory": "256Mi"}}
    return {
        "understand_request": {"intent": "logs", "target": "cart-service", "confidence": 0.9, "language": "en"},
        "diagnose": {"summary": "report-worker is OOMKilled", "root_cause": "memory limit 64Mi", "category": "OOMKilled",
                     "evidence": [{"source": "status", "quote": "OOMKilled"}], "confidence": 0.9,
                     "suggested_fix": "raise the memory limit to 256Mi", "fix": fix},
        "plan_change": {"fix": fix, "rationale": "the worker needs about 200Mi"},
        "verify_change": {"ok": True, "summary": "report-worker is Ready", "checks": [], "next_steps": []},
    }


def main() -> int:
    if "--per-step" in sys.argv:
        steps = per_step()["per_step"]
        print(f"{'step':<20} {'tokens before':>13} {'tools':>5} │ {'tokens after':>12} {'tools':>5}")
        for task, row in steps.items():
            print(f"{task:<20} {row['before']['prompt_tokens']:>13} {row['before']['tools']:>5} │ "
                  f"{row['after']['prompt_tokens']:>12} {row['after']['tools']:>5}")
        return 0
    result = measure()
    print(f"{'turn':<66} {'answered by':<30} {'calls':>5} {'tokens':>7} │ {'baseline calls':>14} {'tokens':>7}")
    for row in result["per_turn"]:
        print(f"{row['turn'][:64]:<66} {row['answered_by']:<30} {row['llm_calls']:>5} {row['prompt_tokens']:>7} │ "
              f"{row['baseline_llm_calls']:>14} {row['baseline_prompt_tokens']:>7}")
    print(f"prompt tokens per turn: {result['prompt_tokens_per_turn']:.0f} vs baseline "
          f"{result['baseline_prompt_tokens_per_turn']:.0f} ({100 * result['token_ratio']:.1f} %, target ≤ "
          f"{100 * TARGET_RATIO:.0f} %: {'met' if result['ok']['tokens'] else 'MISSED'})")
    print(f"LLM calls per turn: {result['llm_calls_per_turn']:.2f} vs baseline "
          f"{result['baseline_llm_calls_per_turn']:.2f}; "
          f"on slot-filling and quick-command turns: {result['llm_calls_on_slot_and_quick_turns']} "
          f"({'met' if result['ok']['zero_llm_on_slot_and_quick'] else 'MISSED'})")
    return 0 if all(result["ok"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
