"""benchmarks/scan.py builds the world it claims and scans it (a smoke test of the script, not a timing)."""

from __future__ import annotations

from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_the_scan_benchmark_builds_its_world_and_finds_its_failures(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import common

    bench = common.load("scan")
    result = bench.measure(sizes=((40, 8), (80, 16)))
    small, large = result["sizes"]
    assert (small["pods"], small["workloads"]) == (40, 8) and large["pods"] == 80
    # one workload in ten crash-loops (pod finding + its Service without ready pods), one in seven has a blocking budget
    assert small["findings"] == 2 + 2 and large["findings"] == 2 * 2 + 3
    assert small["objects"] > 40 + 3 * 8 and result["growth_vs_linear"] is not None


def test_the_servers_benchmark_runs_each_task_and_counts_its_calls(monkeypatch):
    """benchmarks/servers.py through the sandbox's own MCP server (the public servers need node; the tier runs them)."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import common

    result = common.load("servers").measure(repeat=1, only=("sandbox",))["sandbox"]
    assert result["scan dev"]["complete"] and result["scan dev"]["findings"] >= 5 and result["scan dev"]["calls"] > 0
    assert result["diagnose"]["category"] == "CrashLoopBackOff" and result["fix"]["verified"] is True
    assert all(task["seconds"] > 0 for task in result.values())
