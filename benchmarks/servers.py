"""Benchmark: the same work through each public Kubernetes MCP server, beside the sandbox's own MCP server.

One sandbox (scenario ``default``, frozen clock) serves its Kubernetes API; each server variant runs unmodified in
front of it (tests/realservers' variants, from npm). Through each, with the real ToolGateway and plan service, and the
world reset before each task:

- ``scan dev`` and ``scan all``: ``kubecopilot scan -n dev`` / ``kubecopilot scan`` (every namespace);
- ``diagnose``: evidence + analyzers for Deployment ``billing-api`` (crash loop, its logs read);
- ``fix``: plan the OOM cure of ``report-worker``, approve, execute, verify.

Printed per variant and task: wall seconds (median of ``--repeat``) and MCP tool calls (counted at the client). The
scan also says whether it was complete. Needs node and npm (the packages are installed once into
``KUBECOPILOT_NPM_CACHE``).

Run: ``uv run python benchmarks/servers.py [--repeat N] [--json] [--only ID …]``, or ``measure()`` for a dict.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SANDBOX = "sandbox"
RUN = (SANDBOX, "kms-0.0.66-sse", "kms-0.0.66-http-yaml", "kms-0.0.67-http", "flux159-http", "flux159-stdio")
NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
TASKS = ("scan dev", "scan all", "diagnose", "fix")


class Counting:
    """Wraps the gateway's MCP client: counts tool calls."""

    def __init__(self, client: Any) -> None:
        self.client, self.calls = client, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def call_tool(self, name: str, args: Any = None, timeout: float | None = None) -> Any:
        self.calls += 1
        return self.client.call_tool(name, args, timeout)


def _tasks(app: Any, gateway: Any) -> dict[str, Callable[[], dict[str, Any]]]:
    from kubecopilot.diagnosis.diagnose import analyze
    from kubecopilot.diagnosis.evidence import gather_evidence
    from kubecopilot.diagnosis.scan import scan
    from kubecopilot.plans.model import ApprovalDecision

    def scan_in(namespace: str | None) -> dict[str, Any]:
        report = scan(gateway, namespace=namespace, fresh=True)
        return {"complete": report.complete, "objects": report.objects_read, "findings": len(report.findings)}

    def diagnose() -> dict[str, Any]:
        return {"category": analyze(gather_evidence(gateway, namespace="dev", target="billing-api", fresh=True)).category}

    def fix() -> dict[str, Any]:
        proposal = app.conversation.handle("fix report-worker -n dev")
        if getattr(proposal, "kind", "") != "plan":
            return {"verified": None, "refused": True}
        app.conversation.approve(proposal.plan_id, lambda plan: ApprovalDecision(approved=True, by="user:bench",
                                                                                 typed_name=plan.resource.name))
        return {"verified": app.plans.get(proposal.plan_id).status == "executed"}

    return {"scan dev": lambda: scan_in("dev"), "scan all": lambda: scan_in(None), "diagnose": diagnose, "fix": fix}


def _through(variant_id: str, handle: Any, home: Path, repeat: int) -> dict[str, Any]:
    from kubecopilot.app import App
    from kubecopilot.config import load_settings
    from kubecopilot.testing import servers
    from kubecopilot.tools.factory import connect_gateway

    server = None
    overrides: dict[str, Any] = {"offline": True, "mcp.call_timeout": 120.0, "mcp.connect_timeout": 30.0,
                                 "plans.verify_timeout": 10.0}
    url = handle.url
    if variant_id != SANDBOX:
        variant = next(v for v in servers.VARIANTS if v.id == variant_id)
        env = servers.server_env(handle.write_kubeconfig(home / "kubeconfig"), home / variant_id)
        server = servers.start_server(variant, env, home / f"{variant_id}.log")
        if server.target.transport == "stdio":
            overrides.update({"mcp.command": list(server.target.command), "mcp.env": dict(server.target.env)})
        url = server.target.url
    try:
        gateway = connect_gateway(load_settings(overrides), url=url)
        counter = Counting(gateway._client)  # noqa: SLF001 - a benchmark counts what crosses the wire
        gateway._client = counter  # noqa: SLF001
        results: dict[str, Any] = {}
        for name in TASKS:
            runs = []
            for _ in range(repeat):
                handle.cluster.reset()
                gateway.refresh_cache()
                settings = load_settings({**overrides, "audit.url": f"sqlite:///{home / f'{variant_id}-{time.time_ns()}.db'}"})
                app = App.assemble(settings, gateway)
                run_task = _tasks(app, gateway)[name]
                counter.calls, started = 0, time.perf_counter()
                outcome = run_task()
                runs.append((time.perf_counter() - started, counter.calls, outcome))
            results[name] = {"seconds": round(statistics.median(r[0] for r in runs), 3),
                             "calls": int(statistics.median(r[1] for r in runs)), **runs[-1][2]}
        gateway.close()
        return results
    finally:
        handle.cluster.reset()
        if server is not None:
            server.stop()


def measure(repeat: int = 1, only: tuple[str, ...] = RUN) -> dict[str, Any]:
    from common import isolated_home  # benchmarks/ is on sys.path: these scripts run from it

    from kubecopilot.sandbox.runner import start_sandbox
    from kubecopilot.sandbox.timeutil import fixed_clock
    from kubecopilot.testing.servers import missing_tools

    if missing_tools() and any(v != SANDBOX for v in only):
        raise SystemExit(f"node and npm are needed for the public servers ({', '.join(missing_tools())} missing)")
    with isolated_home(), tempfile.TemporaryDirectory(prefix="kubecopilot-servers-") as tmp:
        handle = start_sandbox("default", clock=fixed_clock(NOW))
        try:
            return {variant: _through(variant, handle, Path(tmp), repeat) for variant in only}
        finally:
            handle.stop()


def _table(results: dict[str, Any]) -> str:
    lines = ["| through | " + " | ".join(f"{t} s / calls" for t in TASKS) + " |", "|---|" + "---:|" * len(TASKS)]
    for variant, by_task in results.items():
        cells = []
        for task in TASKS:
            r = by_task[task]
            note = "" if r.get("complete", True) and r.get("verified", True) is not False else " (incomplete)"
            if r.get("refused"):
                note = " (refused)"
            cells.append(f"{r['seconds']:.2f} / {r['calls']}{note}")
        lines.append(f"| {variant} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per task (the median is printed)")
    parser.add_argument("--only", nargs="*", default=list(RUN), help=f"variants (default: {' '.join(RUN)})")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = measure(args.repeat, tuple(args.only))
    print(json.dumps(results, indent=2) if args.json else _table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
