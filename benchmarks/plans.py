"""Benchmark: plan build + validate + risk + render time (target ≤ 20 ms, the read excluded) and ledger throughput,
on SQLite and (when the server binaries are installed) on a throwaway PostgreSQL server on loopback.

Run: ``uv run python benchmarks/plans.py`` (prints a table) or call ``measure()`` (returns a dict).
"""

from __future__ import annotations

import copy
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_MS = 20.0


def sample_deployment() -> dict[str, Any]:
    """A Deployment as an API server returns it: managedFields, status, two containers, probes, env."""
    container = {
        "name": "worker", "image": "registry.example.com/shop/report-worker:1.8.2",
        "args": ["--queue", "reports", "--concurrency", "4"],
        "env": [{"name": f"VAR_{i}", "value": f"value-{i}"} for i in range(12)],
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "resources": {"limits": {"memory": "64Mi", "cpu": "500m"}, "requests": {"memory": "32Mi", "cpu": "100m"}},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5},
        "livenessProbe": {"httpGet": {"path": "/live", "port": 8080}, "periodSeconds": 10},
    }
    sidecar = {"name": "log-shipper", "image": "fluent/fluent-bit:3.0", "resources": {"limits": {"memory": "32Mi"}}}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {
            "name": "report-worker", "namespace": "dev", "uid": "6f1c2a44-3b7e-4e8e-9d51-0c9a8d7e6b21",
            "resourceVersion": "48213", "generation": 7, "creationTimestamp": "2025-01-10T08:00:00Z",
            "labels": {"app": "report-worker", "team": "reports"},
            "annotations": {"deployment.kubernetes.io/revision": "7"},
            "managedFields": [{"manager": "kubectl", "operation": "Apply", "fieldsV1": {"f:spec": {}}}] * 4,
        },
        "spec": {
            "replicas": 2, "selector": {"matchLabels": {"app": "report-worker"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {"metadata": {"labels": {"app": "report-worker"}},
                         "spec": {"containers": [container, sidecar], "restartPolicy": "Always"}},
        },
        "status": {"replicas": 2, "readyReplicas": 0, "unavailableReplicas": 2, "observedGeneration": 7,
                   "conditions": [{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable"}]},
    }


def plan_timings(rounds: int = 200) -> list[float]:
    from rich.console import Console

    from kubecopilot.config import DEFAULT_WHITELIST
    from kubecopilot.plans.builders import build_set_resources
    from kubecopilot.plans.risk import RiskContext, assess
    from kubecopilot.plans.validate import validate_plan
    from kubecopilot.ui.plan_view import render_diff, render_plan

    obj = sample_deployment()
    timings = []
    for _ in range(rounds + 10):
        current = copy.deepcopy(obj)  # stands in for the read, which is not timed
        start = time.perf_counter()
        plan = build_set_resources(current, "worker", limits={"memory": "256Mi"})
        plan = validate_plan(plan, DEFAULT_WHITELIST)
        plan = plan.model_copy(update={"risk": assess(plan, RiskContext(namespace_labels={"env": "dev"}))})
        console = Console(file=io.StringIO(), width=100, record=True)
        console.print(render_plan(plan))
        console.print(render_diff(plan))
        timings.append((time.perf_counter() - start) * 1000)
    return timings[10:]  # the first rounds warm up imports and caches


def ledger_throughput(appends: int = 300, url: str | None = None) -> tuple[float, float]:
    """(appends per second, verify ms) on ``url``; default a fresh SQLite file."""
    from kubecopilot.plans.builders import build_set_resources
    from kubecopilot.plans.ledger import AuditLedger

    plan = build_set_resources(sample_deployment(), "worker", limits={"memory": "256Mi"})
    with tempfile.TemporaryDirectory() as tmp:
        ledger = AuditLedger(url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        start = time.perf_counter()
        for _ in range(appends):
            ledger.append(plan, "created", "user:bench")
        elapsed = time.perf_counter() - start
        start = time.perf_counter()
        assert ledger.verify().ok
        verify_s = time.perf_counter() - start
        ledger.close()
    return appends / elapsed, verify_s * 1000


def postgresql_throughput(appends: int = 300) -> tuple[float | None, float | None]:
    """The same on a real PostgreSQL server started for the measurement; (None, None) without the binaries."""
    from kubecopilot.testing.postgres import PostgresUnavailable, running_postgres

    try:
        with running_postgres() as server:
            return ledger_throughput(appends, server.create_database("bench"))
    except PostgresUnavailable:
        return None, None


def measure(rounds: int = 200, appends: int = 300) -> dict[str, float | None]:
    timings = plan_timings(rounds)
    per_s, verify_ms = ledger_throughput(appends)
    pg_per_s, pg_verify_ms = postgresql_throughput(appends)
    return {
        "plan_build_validate_render_ms_median": round(statistics.median(timings), 2),
        "plan_build_validate_render_ms_p95": round(statistics.quantiles(timings, n=20)[18], 2),
        "plan_target_ms": TARGET_MS,
        "ledger_appends_per_s": round(per_s, 1),
        "ledger_verify_ms": round(verify_ms, 1),
        "ledger_rows": appends,
        "ledger_appends_per_s_postgresql": round(pg_per_s, 1) if pg_per_s is not None else None,
        "ledger_verify_ms_postgresql": round(pg_verify_ms, 1) if pg_verify_ms is not None else None,
    }


def main() -> int:
    result = measure()
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    ok = result["plan_build_validate_render_ms_p95"] <= TARGET_MS
    print(f"plan target ≤ {TARGET_MS:g} ms (p95): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
