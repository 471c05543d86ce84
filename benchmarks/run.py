"""All benchmarks in one run: a table of medians, the targets met or missed, and ``results/latest.json``.

Each section is another script's ``measure()`` (start-up, tool layer, plans, LLM economy, memory), measured side by
side in this run on this machine; nothing is a constant. A section that fails is reported as not measured and
its targets as missed, and the run goes on.

Run: ``uv run python benchmarks/run.py [--json] [--out PATH]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import HERE, load

RESULTS = HERE / "results" / "latest.json"


def section(name: str, fn: Callable[[], dict[str, Any]], log: Callable[[str], None]) -> dict[str, Any] | None:
    log(f"· {name} …")
    started = time.perf_counter()
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - one broken section must not hide the others' numbers
        log(f"  {name} failed: {type(exc).__name__}: {exc}")
        log(traceback.format_exc(limit=3))
        return None
    log(f"  done in {time.perf_counter() - started:.1f} s")
    return result


def measure_all(log: Callable[[str], None]) -> dict[str, dict[str, Any] | None]:
    return {
        "startup": section("start-up (kubecopilot → prompt, offline; import crewai)",
                           lambda: load("startup").measure(runs=9, crewai_runs=5), log),
        "tool_layer": section("tool layer over SSE (load, cached vs uncached read)",
                              lambda: load("tool_layer").measure(), log),
        "plans": section("plans (build+validate+render, audit appends)", lambda: load("plans").measure(), log),
        "llm_economy": section("LLM economy (KubeCopilot vs one agent with all tools)",
                               lambda: load("llm_economy").measure(), log),
        "memory": section("memory (REPL RSS offline, after the crew loads)", lambda: load("memory").measure(runs=3),
                          log),
        "scan": section("cluster scan over SSE (500 and 2,000 pods; benchmarks/scan.py for the full growth curve)",
                        lambda: load("scan").measure(sizes=((500, 75), (2000, 300))), log),
        # a real model, when benchmarks/local_llm.sh serves one (else {"available": False})
        "local_model": section("the 10-turn conversation with the local model (llama.cpp)",
                               lambda: load("local_model").measure(), log),
    }


def headline(parts: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    """The issue's keys (medians), None where a section was not measured."""

    def pick(part: str, key: str) -> Any:
        found = parts.get(part)
        return None if found is None else found.get(key)

    return {
        "startup_s": pick("startup", "prompt_s_median"),
        "crewai_import_s": pick("startup", "import_crewai_s"),
        "connected_s": pick("startup", "ready_s_median"),
        "version_s": pick("startup", "version_s_median"),
        "first_diagnosis_s": pick("startup", "first_diagnosis_s_median"),
        "tool_load_ms": pick("tool_layer", "load_ms"),
        "cached_read_ms": pick("tool_layer", "cached_list_ms"),
        "uncached_read_ms": pick("tool_layer", "uncached_list_ms"),
        "prompt_tokens_per_turn": pick("llm_economy", "prompt_tokens_per_turn"),
        "baseline_prompt_tokens_per_turn": pick("llm_economy", "baseline_prompt_tokens_per_turn"),
        "llm_calls_per_turn": pick("llm_economy", "llm_calls_per_turn"),
        "baseline_llm_calls_per_turn": pick("llm_economy", "baseline_llm_calls_per_turn"),
        "llm_calls_on_slot_and_quick_turns": pick("llm_economy", "llm_calls_on_slot_and_quick_turns"),
        "plan_render_ms": pick("plans", "plan_build_validate_render_ms_median"),
        "plan_render_p95_ms": pick("plans", "plan_build_validate_render_ms_p95"),
        "audit_appends_per_s": pick("plans", "ledger_appends_per_s"),
        "rss_offline_mb": pick("memory", "rss_offline_mb"),
        "rss_crew_mb": pick("memory", "rss_crew_mb"),
        "rss_sandbox_mb": pick("memory", "rss_sandbox_mb"),
        "local_model": pick("local_model", "model"),
        "local_seconds_per_turn": pick("local_model", "seconds_per_turn"),
        "local_seconds_per_llm_turn": pick("local_model", "seconds_per_llm_turn"),
        "local_llm_calls_per_turn": pick("local_model", "llm_calls_per_turn"),
        "local_too_slow_turns": pick("local_model", "too_slow_turns"),
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


TARGETS: list[tuple[str, str, Callable[[dict[str, Any]], float | None], Callable[[float], bool]]] = [
    # (name, the target in words, the measured quantity, whether it meets the target)
    ("startup_vs_crewai_import", "REPL ready ≤ ⅓ of `import crewai`",
     lambda h: _ratio(h["startup_s"], h["crewai_import_s"]), lambda r: r <= 1 / 3),
    ("version", "`kubecopilot --version` ≤ 0.15 s", lambda h: h["version_s"], lambda v: v <= 0.15),
    ("first_diagnosis_vs_crewai", "a diagnosis typed once connected answered while crewAI loads (≤ ⅓ of `import crewai`)",
     lambda h: _ratio(h["first_diagnosis_s"], h["crewai_import_s"]), lambda r: r <= 1 / 3),
    ("tool_load", "tool load over SSE ≤ 150 ms", lambda h: h["tool_load_ms"], lambda v: v <= 150.0),
    ("cached_read_speedup", "cached list read ≥ 20× faster than uncached",
     lambda h: _ratio(h["uncached_read_ms"], h["cached_read_ms"]), lambda r: r >= 20.0),
    ("prompt_tokens", "prompt tokens per turn ≤ 25 % of the baseline's",
     lambda h: _ratio(h["prompt_tokens_per_turn"], h["baseline_prompt_tokens_per_turn"]), lambda r: r <= 0.25),
    ("zero_llm_on_slot_and_quick", "0 LLM calls on slot-filling and quick-command turns",
     lambda h: h["llm_calls_on_slot_and_quick_turns"], lambda n: n == 0),
    ("plan_render", "plan build+validate+render p95 ≤ 20 ms", lambda h: h["plan_render_p95_ms"], lambda v: v <= 20.0),
]


def targets(h: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for name, words, quantity, meets in TARGETS:
        value = quantity(h)
        out[name] = {"target": words, "value": value, "met": value is not None and bool(meets(value))}
    return out


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    memory_kb = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines()
                      if line.startswith("MemTotal:")), 0)
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_gb": round(memory_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "platform": platform.platform()}


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def git_commit() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True,
                              check=False, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def table(h: dict[str, Any], t: dict[str, dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    def fmt(value: Any, pattern: str) -> str:
        return "not measured" if value is None else pattern.format(value)

    def verdict(name: str) -> str:
        return "met" if t[name]["met"] else "MISSED"

    ratio = t["prompt_tokens"]["value"]
    speedup = t["cached_read_speedup"]["value"]
    return [
        ("start-up: kubecopilot → prompt (offline, sandbox)", fmt(h["startup_s"], "{:.2f} s"),
         "≤ ⅓ import crewai", verdict("startup_vs_crewai_import")),
        ('python -c "import crewai"', fmt(h["crewai_import_s"], "{:.2f} s"), "reference", ""),
        ("REPL connected (banner and menu under way to the prompt)", fmt(h["connected_s"], "{:.2f} s"), "", ""),
        ("kubecopilot --version", fmt(h["version_s"], "{:.3f} s"), "≤ 0.15 s", verdict("version")),
        ("a diagnosis typed once connected (model loading)", fmt(h["first_diagnosis_s"], "{:.2f} s"),
         "≤ ⅓ import crewai", verdict("first_diagnosis_vs_crewai")),
        ("tool load over SSE (connect + tools/list)", fmt(h["tool_load_ms"], "{:.1f} ms"), "≤ 150 ms",
         verdict("tool_load")),
        ("uncached list read (list_pods dev)", fmt(h["uncached_read_ms"], "{:.2f} ms"), "", ""),
        ("cached list read", fmt(h["cached_read_ms"], "{:.3f} ms"), "≥ 20× faster",
         f"{fmt(speedup, '{:.0f}×')} {verdict('cached_read_speedup')}"),
        ("prompt tokens per turn (KubeCopilot)", fmt(h["prompt_tokens_per_turn"], "{:.0f}"),
         "≤ 25 % of baseline",
         f"{fmt(None if ratio is None else 100 * ratio, '{:.1f} %')} {verdict('prompt_tokens')}"),
        ("prompt tokens per turn (one agent, all tools)", fmt(h["baseline_prompt_tokens_per_turn"], "{:.0f}"), "", ""),
        ("LLM calls per turn (KubeCopilot)", fmt(h["llm_calls_per_turn"], "{:.2f}"), "", ""),
        ("LLM calls per turn (one agent, all tools)", fmt(h["baseline_llm_calls_per_turn"], "{:.2f}"), "", ""),
        ("LLM calls on slot-filling / quick-command turns", fmt(h["llm_calls_on_slot_and_quick_turns"], "{}"), "0",
         verdict("zero_llm_on_slot_and_quick")),
        ("plan build + validate + render (median)", fmt(h["plan_render_ms"], "{:.1f} ms"), "p95 ≤ 20 ms",
         f"p95 {fmt(h['plan_render_p95_ms'], '{:.1f} ms')} {verdict('plan_render')}"),
        ("audit ledger appends", fmt(h["audit_appends_per_s"], "{:.0f} /s"), "", ""),
        ("REPL RSS at the prompt, offline", fmt(h["rss_offline_mb"], "{:.0f} MB"), "", ""),
        ("REPL RSS after the crew is loaded", fmt(h["rss_crew_mb"], "{:.0f} MB"), "", ""),
        (f"real model ({h['local_model'] or 'no local server'}): seconds per turn", fmt(h["local_seconds_per_turn"],
                                                                                    "{:.1f} s"), "", ""),
        ("real model: seconds per turn that calls it", fmt(h["local_seconds_per_llm_turn"], "{:.1f} s"),
         "≤ turn deadline", ""),
        ("real model: LLM calls per turn (scripted: above)", fmt(h["local_llm_calls_per_turn"], "{:.2f}"), "", ""),
        ("real model: turns ended by the deadline", fmt(h["local_too_slow_turns"], "{}"), "", ""),
    ]


def render(rows: list[tuple[str, str, str, str]], info: dict[str, Any]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"{label:<{widths[0]}}  {value:>{widths[1]}}  {target:<{widths[2]}}  {verdict}".rstrip()
             for label, value, target, verdict in rows]
    lines.append(f"machine: {info['cores']} cores, {info['cpu']}, {info['memory_gb']} GB, Python {info['python']}, "
                 f"{info['platform']}")
    load = info.get("load_average_1m")
    if load:
        lines.append(f"load average (1 min) at start / end: {load['start']} / {load['end']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of the table")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"where to write the JSON (default {RESULTS})")
    args = parser.parse_args(argv)
    log = (lambda msg: print(msg, file=sys.stderr)) if args.json else print
    started, load_before = time.perf_counter(), os.getloadavg()
    parts = measure_all(log)
    h = headline(parts)
    t = targets(h)
    # other work on the machine skews every timing: the 1-minute load average is part of the result
    info = {**machine(), "load_average_1m": {"start": round(load_before[0], 2), "end": round(os.getloadavg()[0], 2)}}
    duration = round(time.perf_counter() - started, 1)
    result = {**h, "machine": info, "targets": t, "details": parts, "duration_s": duration,
              "measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "commit": git_commit()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    else:
        print()
        print(render(table(h, t), info))
        print(f"written to {args.out} ({result['duration_s']:.0f} s)")
    return 0 if all(p is not None for p in parts.values()) else 1  # local_model unavailable is not a failure


if __name__ == "__main__":
    sys.exit(main())
