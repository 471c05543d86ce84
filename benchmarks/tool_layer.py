"""Benchmark: the MCP tool layer against the sandbox over SSE.

Prints the tool-load time (connect + tools/list), the median latency of a cached vs an uncached list read through
the gateway (same process), and calls per second through the gateway. Targets: load ≤ 150 ms, cached read ≤ 1 ms
and at least 20× faster than the uncached one.

Run: ``uv run python benchmarks/tool_layer.py`` (prints a table) or call ``measure()`` (returns a dict).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

TARGET_LOAD_MS = 150.0
TARGET_CACHED_MS = 1.0
TARGET_SPEEDUP = 20.0


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _median_ms(fn: Any, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(_ms(time.perf_counter() - started))
    return statistics.median(samples)


def measure_load(url: str, runs: int = 7) -> dict[str, float]:
    """Median time for a new client to connect and load the tools (the first run warms imports and is dropped)."""
    from kubecopilot.tools.client import MCPClient, MCPTarget

    loads, lists = [], []
    for _ in range(runs + 1):
        client = MCPClient(MCPTarget.from_url(url))
        started = time.perf_counter()
        client.connect()
        connected = time.perf_counter()
        tools = client.list_tools()
        loads.append(_ms(time.perf_counter() - started))
        lists.append(_ms(time.perf_counter() - connected))
        client.close()
    return {"load_ms": statistics.median(loads[1:]), "tools_list_ms": statistics.median(lists[1:]), "tools": len(tools)}


def measure(runs: int = 200) -> dict[str, Any]:
    from kubecopilot.config import MCPSettings, Settings
    from kubecopilot.sandbox.runner import start_sandbox
    from kubecopilot.tools.factory import connect_gateway

    handle = start_sandbox(transport="sse")
    try:
        load = measure_load(handle.url)
        gateway = connect_gateway(Settings(mcp=MCPSettings(url=handle.url)))
        try:

            def uncached() -> None:
                gateway.call("list_pods", {"namespace": "dev"}, fresh=True)

            def cached() -> None:
                assert gateway.call("list_pods", {"namespace": "dev"}).from_cache

            uncached()  # warm the session
            uncached_ms = _median_ms(uncached, max(30, runs // 5))
            cached_ms = _median_ms(cached, runs)
            started = time.perf_counter()
            for _ in range(runs // 2):
                gateway.call("list_namespaces", {}, fresh=True)
            calls_per_s = (runs // 2) / (time.perf_counter() - started)
        finally:
            gateway.close()
    finally:
        handle.stop()
    speedup = uncached_ms / cached_ms if cached_ms else float("inf")
    return {
        **load,
        "uncached_list_ms": uncached_ms,
        "cached_list_ms": cached_ms,
        "speedup": speedup,
        "calls_per_s": calls_per_s,
        "ok": {
            "load": load["load_ms"] <= TARGET_LOAD_MS,
            "cached": cached_ms <= TARGET_CACHED_MS,
            "speedup": speedup >= TARGET_SPEEDUP,
        },
    }


def main() -> int:
    result = measure()
    ok = result["ok"]

    def mark(passed: bool) -> str:
        return "ok" if passed else "MISSED"

    rows = [
        (
            "tool load over SSE (connect + tools/list)",
            f"{result['load_ms']:.1f} ms",
            f"≤ {TARGET_LOAD_MS:.0f} ms",
            mark(ok["load"]),
        ),
        ("  of which tools/list", f"{result['tools_list_ms']:.1f} ms", f"{result['tools']} tools", ""),
        ("uncached list read (list_pods dev)", f"{result['uncached_list_ms']:.2f} ms", "", ""),
        (
            "cached list read (median)",
            f"{result['cached_list_ms']:.3f} ms",
            f"≤ {TARGET_CACHED_MS:.0f} ms",
            mark(ok["cached"]),
        ),
        ("cached vs uncached", f"{result['speedup']:.0f}×", f"≥ {TARGET_SPEEDUP:.0f}×", mark(ok["speedup"])),
        ("calls through the gateway (uncached)", f"{result['calls_per_s']:.0f} /s", "", ""),
    ]
    width = max(len(r[0]) for r in rows)
    for label, value, target, verdict in rows:
        print(f"{label:<{width}}  {value:>12}  {target:>12}  {verdict}")
    return 0 if all(ok.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
