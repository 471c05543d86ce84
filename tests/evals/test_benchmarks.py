"""The benchmark runner's bookkeeping, and the LLM-economy claim itself (token counts are deterministic, not timings:
the stub's replies are scripted, so this is a regression test of what each design sends to a model)."""

from __future__ import annotations

from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture
def bench(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # the scripts import their helpers as top-level modules
    import common

    return common


def test_a_section_that_failed_is_not_measured_and_its_targets_are_missed(bench):
    run = bench.load("run")
    parts = {"startup": None, "tool_layer": {"load_ms": 60.0, "cached_list_ms": 0.01, "uncached_list_ms": 12.0},
             "plans": None, "llm_economy": None, "memory": None}
    headline = run.headline(parts)
    targets = run.targets(headline)
    assert headline["startup_s"] is None and headline["tool_load_ms"] == 60.0
    assert targets["tool_load"]["met"] and targets["cached_read_speedup"]["value"] == pytest.approx(1200)
    assert not targets["startup_vs_crewai_import"]["met"] and targets["startup_vs_crewai_import"]["value"] is None
    rows = run.table(headline, targets)
    assert ("start-up: kubecopilot → prompt (offline, sandbox)", "not measured", "≤ ⅓ import crewai", "MISSED") in rows


def test_targets_are_judged_from_the_measured_numbers(bench):
    run = bench.load("run")
    slow = {**run.headline({}), "startup_s": 2.0, "crewai_import_s": 5.0, "prompt_tokens_per_turn": 300.0,
            "baseline_prompt_tokens_per_turn": 1000.0, "llm_calls_on_slot_and_quick_turns": 1}
    targets = run.targets(slow)
    assert targets["startup_vs_crewai_import"] == {"target": "REPL ready ≤ ⅓ of `import crewai`", "value": 0.4,
                                                   "met": False}
    assert not targets["prompt_tokens"]["met"] and not targets["zero_llm_on_slot_and_quick"]["met"]


def test_kubecopilot_sends_under_a_quarter_of_the_naive_agents_prompt_tokens(bench):
    result = bench.load("llm_economy").measure()
    assert result["ok"] == {"tokens": True, "zero_llm_on_slot_and_quick": True}, result["per_turn"]
    assert result["slot_and_quick_turns"] == 6 and result["llm_calls_on_slot_and_quick_turns"] == 0
    rows = {row["answered_by"]: row for row in result["per_turn"]}
    diagnosis = rows["diagnostician"]
    assert 1 <= diagnosis["llm_calls"] < diagnosis["baseline_llm_calls"]
    assert diagnosis["tools_offered"] < diagnosis["baseline_tools_offered"]  # read tools only, not all of them
    assert rows["coordinator"]["tools_offered"] == 0 and rows["coordinator"]["llm_calls"] == 1
    assert result["baseline_llm_calls_per_turn"] > 2 * result["llm_calls_per_turn"]
