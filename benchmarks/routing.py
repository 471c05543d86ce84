"""Benchmark: how well the coordinator routes free text — the utterance table scored for the rules and a real model.

The table is ``tests/dialogue/utterances.yaml`` and the scorer ``kubecopilot.dialogue.scoring`` (the dialogue
issue's): every row says what a person typed and what it means. The rules are scored on every row; the coordinator
runs on the local llama.cpp model (``benchmarks/local_llm.sh``) through the real crew, each utterance within the
turn deadline like a real turn (a reply that comes too late counts as wrong and is counted as "too slow").
A real model on a busy 2-core machine is slow, so ``--every N`` scores every N-th row (the same rows for both).

Run: ``uv run python benchmarks/routing.py [--every 4] [--json]``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from common import HERE, isolated_home  # benchmarks/ is on sys.path: these scripts run from it

TABLE = HERE.parent / "tests" / "dialogue" / "utterances.yaml"


def measure(every: int = 1) -> dict[str, Any]:
    from kubecopilot.testing.local_llm import find_local_model

    scoring = importlib.import_module("kubecopilot.dialogue.scoring")  # the dialogue issue's scorer
    full = scoring.load_table(TABLE)
    table = scoring.Table(full.context, full.utterances[::every])
    score = scoring.score
    rules = score(scoring.rules_understand, table)
    result: dict[str, Any] = {"rows": len(table.utterances), "of_rows": len(full.utterances),
                              "rules": _summary(rules), "model": None}
    local = find_local_model()
    if local is None:
        result["model"] = {"available": False, "why": "no local model server (benchmarks/local_llm.sh)"}
        return result
    logging.getLogger("crewai.llms.base_llm").setLevel(logging.ERROR)
    with isolated_home():
        result["model"] = {"available": True, "name": local.model, **_score_model(local, table, score)}
    return result


def _score_model(local: Any, table: Any, score: Any) -> dict[str, Any]:
    from kubecopilot.config import load_settings
    from kubecopilot.crew.brain import CrewBrain
    from kubecopilot.crew.llm import build_llm
    from kubecopilot.dialogue.deadline import Deadline, call_within
    from kubecopilot.errors import KubeCopilotError, LLMTooSlow, LLMUnavailable
    from kubecopilot.prompting.sanitizer import Sanitizer
    from kubecopilot.sandbox.runner import start_sandbox
    from kubecopilot.tools.factory import connect_gateway

    settings = load_settings({**local.settings(), "llm.max_retries": 0})
    settings.llm.timeout = min(settings.llm.timeout, settings.llm.turn_deadline)
    too_slow: list[str] = []
    seconds: list[float] = []
    with start_sandbox() as handle:
        gateway = connect_gateway(settings, url=handle.url)
        try:
            brain = CrewBrain(settings, gateway, Sanitizer(), llm=build_llm(settings))
            brain.warm_up()

            def understand(text: str, context: dict[str, Any]) -> Any:
                started = time.perf_counter()
                try:
                    return call_within(lambda: brain.understand(text, context),
                                       Deadline(settings.llm.turn_deadline), "understanding the request")
                except LLMTooSlow:
                    too_slow.append(text)
                    raise
                except KubeCopilotError:
                    raise
                except Exception as exc:  # noqa: BLE001 - a crash on one row is a wrong answer, not the end
                    raise LLMUnavailable(f"the model call failed: {type(exc).__name__}") from None
                finally:
                    seconds.append(time.perf_counter() - started)

            scored = score(understand, table)
        finally:
            gateway.close()
    return {**_summary(scored), "too_slow": len(too_slow),
            "seconds_per_utterance": sum(seconds) / max(1, len(seconds))}


def _summary(scored: Any) -> dict[str, Any]:
    return {"accuracy": scored.accuracy, "correct": scored.correct, "total": scored.total,
            "wrong_writes": list(scored.wrong_writes), "failures": [list(f) for f in scored.failures]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=int, default=1, help="score every N-th row (default: all)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    result = measure(args.every)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
        return 0
    rules, model = result["rules"], result["model"]
    print(f"{result['rows']} of {result['of_rows']} utterances")
    print(f"rules:  {rules['correct']}/{rules['total']} ({100 * rules['accuracy']:.0f} %), "
          f"{len(rules['wrong_writes'])} wrong writes")
    if not model["available"]:
        print(f"model:  not measured — {model['why']}")
        return 0
    print(f"model {model['name']}: {model['correct']}/{model['total']} ({100 * model['accuracy']:.0f} %), "
          f"{len(model['wrong_writes'])} wrong writes, {model['too_slow']} too slow, "
          f"{model['seconds_per_utterance']:.1f} s per utterance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
