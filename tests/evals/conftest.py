"""One sandbox server per scenario for the whole eval session; the world is reset after a case that changed it.

With a real model (``-m llm``) each case's result is collected and a summary (pass rate, LLM calls, prompt tokens
per case) is printed at the end of the run.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

import pytest

from .runner import CaseResult

LIVE_RESULTS: list[CaseResult] = []


class Sandboxes:
    """Served lazily, one per scenario; ``after`` puts the world back for the next case."""

    def __init__(self) -> None:
        self.handles: dict[str, Any] = {}

    def get(self, scenario: str) -> Any:
        if scenario not in self.handles:
            from kubecopilot.sandbox.runner import start_sandbox

            self.handles[scenario] = start_sandbox(scenario=scenario, port=0)
        return self.handles[scenario]

    def after(self, scenario: str, mutated: bool) -> None:
        if mutated:  # the runner has already served it again if the case stopped it
            self.handles[scenario].cluster.reset()

    def close(self) -> None:
        for handle in self.handles.values():
            handle.stop()


@pytest.fixture(scope="session")
def sandboxes():
    served = Sandboxes()
    yield served
    served.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not LIVE_RESULTS:
        return
    write = terminalreporter.write_line
    passed = sum(r.passed for r in LIVE_RESULTS)
    terminalreporter.section("live LLM evals")
    write(f"{'case':<34} {'result':<7} {'turns':>5} {'LLM calls':>9} {'prompt tokens':>13} {'seconds':>8}")
    for r in sorted(LIVE_RESULTS, key=lambda r: r.case):
        write(f"{r.case:<34} {'pass' if r.passed else 'FAIL':<7} {r.turns:>5} {r.llm_calls:>9} {r.prompt_tokens:>13} "
              f"{r.seconds:>8.1f}")
    calls = sum(r.llm_calls for r in LIVE_RESULTS)
    tokens = sum(r.prompt_tokens for r in LIVE_RESULTS)
    report = os.environ.get("KUBECOPILOT_EVAL_REPORT")  # a JSON copy, for docs/evals.md
    if report:
        with open(report, "w", encoding="utf-8") as out:
            json.dump([dataclasses.asdict(r) for r in LIVE_RESULTS], out, indent=1)
    write(f"pass rate {passed}/{len(LIVE_RESULTS)} ({100 * passed / len(LIVE_RESULTS):.0f} %) · "
          f"{calls / len(LIVE_RESULTS):.1f} LLM calls and {tokens / len(LIVE_RESULTS):.0f} prompt tokens per case")
