"""Benchmark: the 10-turn conversation of ``llm_economy`` with a REAL model — per-turn latency and LLM calls.

The model is the local llama.cpp server that ``benchmarks/local_llm.sh`` starts (found by asking 127.0.0.1:8080;
``KUBECOPILOT_LOCAL_URL`` for another address). When none runs, the section says so and measures nothing. The
conversation is the real engine with the real crew; each turn is timed from the message to the turn, with the
turn deadline in force (``KUBECOPILOT_TURN_DEADLINE``, default 45 s), so a slow model shows up as "too slow"
turns answered by the rules, not as a hang. Prompt tokens are the server's own counts (llama.cpp's tokenizer).

Run: ``uv run python benchmarks/local_model.py`` (a per-turn table) or call ``measure()`` (returns a dict).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from common import isolated_home, load  # benchmarks/ is on sys.path: these scripts run from it


def measure() -> dict[str, Any]:
    from kubecopilot.testing.local_llm import find_local_model

    local = find_local_model()
    if local is None:
        return {"available": False, "why": "no local model server (start one with benchmarks/local_llm.sh)"}
    logging.getLogger("crewai.llms.base_llm").setLevel(logging.ERROR)
    with isolated_home():
        return _measure(local)


def _measure(local: Any) -> dict[str, Any]:
    from kubecopilot.sandbox.runner import start_sandbox

    economy = load("llm_economy")
    with start_sandbox() as handle:
        turns = economy.conversation(economy.first_pods(handle))
        rows = run_turns(handle, turns, local)
    n = len(rows)
    llm_rows = [r for r in rows if r["model_calls_asked"]]
    return {
        "available": True,
        "model": local.model,
        "url": local.url,
        "turns": n,
        "seconds_per_turn": sum(r["seconds"] for r in rows) / n,
        "seconds_per_llm_turn": sum(r["seconds"] for r in llm_rows) / max(1, len(llm_rows)),
        "max_turn_seconds": max(r["seconds"] for r in rows),
        "llm_calls_per_turn": sum(r["model_calls_asked"] for r in rows) / n,
        "answered_in_time_per_turn": sum(r["llm_calls"] for r in rows) / n,
        "prompt_tokens_per_turn": sum(r["prompt_tokens"] for r in rows) / n,
        "too_slow_turns": sum(r["too_slow"] for r in rows),
        "per_turn": rows,
    }


def run_turns(handle: Any, turns: list[Any], local: Any) -> list[dict[str, Any]]:
    from kubecopilot.config import load_settings
    from kubecopilot.crew.brain import CrewBrain
    from kubecopilot.crew.llm import build_llm
    from kubecopilot.plans.model import ApprovalDecision
    from kubecopilot.testing.apps import app_for

    settings = load_settings({**local.settings(), "llm.max_retries": 0})
    settings.llm.timeout = min(settings.llm.timeout, settings.llm.turn_deadline)
    llm = build_llm(settings)
    app = app_for(handle)
    app.brain = app.conversation.brain = CrewBrain(settings, app.gateway, app.sanitizer, llm=llm)
    app.conversation.turn_deadline = settings.llm.turn_deadline
    talk, plan_id, rows = app.conversation, None, []
    try:
        app.brain.warm_up()  # importing crewAI is not the model's time
        for turn in turns:
            usage, asked, started = llm.get_token_usage_summary(), talk.llm_calls, time.perf_counter()
            if turn.approve and plan_id is not None:
                def approve(plan: Any) -> ApprovalDecision:
                    return ApprovalDecision(approved=True, by="user:bench", typed_name=plan.resource.name)

                result = talk.approve(plan_id, approve)
            else:
                result = talk.handle(turn.text)
            seconds = time.perf_counter() - started
            after = llm.get_token_usage_summary()
            plan_id = getattr(result, "plan_id", plan_id)
            rows.append({"turn": turn.text, "answered_by": turn.answered_by, "kind": result.kind,
                         "seconds": round(seconds, 2),
                         "model_calls_asked": talk.llm_calls - asked,  # the engine asked an agent
                         "llm_calls": after.successful_requests - usage.successful_requests,  # answered in time
                         "prompt_tokens": after.prompt_tokens - usage.prompt_tokens,
                         # the verifier's narrative is dropped silently when late: its turn's time says it
                         "too_slow": any("too slow" in n for n in result.notices)
                         or (talk.llm_calls > asked and seconds >= settings.llm.turn_deadline)})
    finally:
        app.close()
    return rows


def main() -> int:
    result = measure()
    if not result["available"]:
        print(result["why"])
        return 1
    print(f"model {result['model']} at {result['url']}")
    print(f"{'turn':<66} {'answered by':<30} {'kind':<7} {'asked':>5} {'in time':>7} {'tokens':>7} {'seconds':>8}")
    for row in result["per_turn"]:
        slow = "  too slow" if row["too_slow"] else ""
        print(f"{row['turn'][:64]:<66} {row['answered_by']:<30} {row['kind']:<7} {row['model_calls_asked']:>5} "
              f"{row['llm_calls']:>7} "
              f"{row['prompt_tokens']:>7} {row['seconds']:>8.1f}{slow}")
    print(f"{result['seconds_per_turn']:.1f} s per turn ({result['seconds_per_llm_turn']:.1f} s on turns that call "
          f"the model, slowest {result['max_turn_seconds']:.1f} s); {result['llm_calls_per_turn']:.2f} model calls "
          f"({result['answered_in_time_per_turn']:.2f} answered in time) and "
          f"{result['prompt_tokens_per_turn']:.0f} prompt tokens per turn; {result['too_slow_turns']} turns too slow")
    return 0


if __name__ == "__main__":
    sys.exit(main())
