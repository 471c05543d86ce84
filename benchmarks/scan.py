"""Benchmark: `kubecopilot scan` on sandbox clusters of growing size, over real SSE.

A world of W Deployments (each with its ReplicaSet, a Service and its pods; one in ten crash-looping with a
BackOff event, some with an HPA or a PodDisruptionBudget) is written into the sandbox's store directly — replaying it
through the scheduler would measure the simulator, not the scan — and then scanned through the ToolGateway as
`kubecopilot scan` does. Printed per size: objects read, wall time of the whole scan, of the reads (MCP + JSON) and
of the analysis, and findings. Target: 2,000 pods / 300 workloads scanned in ≤ 5 s on the benchmark machine.

Run: ``uv run python benchmarks/scan.py`` (table) or ``measure()`` (a dict for benchmarks/run.py).
"""

from __future__ import annotations

import copy
import sys
import time
from typing import Any

SIZES = ((250, 40), (500, 75), (1000, 150), (2000, 300), (4000, 600))  # (pods, workloads)
TARGET_S = 5.0
BROKEN_EVERY = 10  # one workload in ten crash-loops


def build_world(cluster: Any, pods: int, workloads: int) -> None:
    """Fill namespace ``bench`` of the sandbox cluster with ``workloads`` Deployments holding ``pods`` pods."""
    from kubecopilot.sandbox import objects

    store = cluster.store
    template_pod = next(p for p in store.list("Pod") if p["metadata"]["name"].startswith("cart-service-v1"))
    template_dep = store.require("Deployment", "cart-service-v1", "dev")
    template_rs = store.list("ReplicaSet", "dev")[0]
    store.create(objects.namespace("bench"))
    nodes = [n["metadata"]["name"] for n in store.list("Node")]
    per = [pods // workloads + (1 if i < pods % workloads else 0) for i in range(workloads)]
    for i, count in enumerate(per):
        name, broken = f"svc-{i:04d}", i % BROKEN_EVERY == 0
        labels = {"app": name}
        dep = _renamed(template_dep, name, labels)
        dep["spec"]["replicas"] = count
        dep["status"] = {"replicas": count, "readyReplicas": 0 if broken else count, "availableReplicas": 0 if broken else count}
        dep = store.create(dep)
        rs = _renamed(template_rs, f"{name}-7d9f8b6c5d", {**labels, "pod-template-hash": "7d9f8b6c5d"})
        rs["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name,
                                              "uid": dep["metadata"]["uid"], "controller": True}]
        rs["spec"]["replicas"] = count
        rs = store.create(rs)
        store.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "bench", "labels": labels},
                      "spec": {"selector": labels, "ports": [{"port": 80, "targetPort": 8080}], "type": "ClusterIP"}})
        for j in range(count):
            pod = _renamed(template_pod, f"{name}-7d9f8b6c5d-{j:05d}", {**labels, "pod-template-hash": "7d9f8b6c5d"})
            pod["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs["metadata"]["name"],
                                                   "uid": rs["metadata"]["uid"], "controller": True}]
            pod["spec"]["nodeName"] = nodes[(i + j) % len(nodes)]
            if broken:
                _crash_loop(pod)
            pod = store.create(pod)
            if broken:
                cluster.events.record(pod, "BackOff", f"Back-off restarting failed container {name} in pod {pod['metadata']['name']}",
                                      "Warning")
        if i % 7 == 0:
            store.create({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": name, "namespace": "bench"},
                          "spec": {"minAvailable": count, "selector": {"matchLabels": labels}},
                          "status": {"disruptionsAllowed": 0, "currentHealthy": count, "desiredHealthy": count,
                                     "expectedPods": count}})


def _renamed(obj: dict[str, Any], name: str, labels: dict[str, str]) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    out["metadata"] = {**out["metadata"], "name": name, "namespace": "bench", "labels": labels}
    out["metadata"].pop("ownerReferences", None)
    if "selector" in out.get("spec", {}):
        out["spec"]["selector"] = {"matchLabels": labels}
    if "template" in out.get("spec", {}):
        out["spec"]["template"]["metadata"]["labels"] = labels
    return out


def _crash_loop(pod: dict[str, Any]) -> None:
    status = pod["status"]
    status["conditions"] = [c if c["type"] != "Ready" else {**c, "status": "False"} for c in status["conditions"]]
    for cs in status["containerStatuses"]:
        cs.update(ready=False, restartCount=12, state={"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
                  lastState={"terminated": {"exitCode": 1, "reason": "Error"}})


def measure_size(pods: int, workloads: int) -> dict[str, Any]:
    from kubecopilot.diagnosis import scan as scan_module
    from kubecopilot.sandbox.runner import start_sandbox
    from kubecopilot.testing.apps import app_for

    with start_sandbox("minimal", port=0) as handle:
        with handle.cluster.lock:
            build_world(handle.cluster.cluster(), pods, workloads)
        app = app_for(handle)
        try:
            started = time.perf_counter()
            snap = scan_module.read_snapshot(app.gateway, scan_module.needed_kinds(), fresh=True)
            read_s = time.perf_counter() - started
            report = scan_module.analyze_snapshot(snap)
            total_s = time.perf_counter() - started
        finally:
            app.close()
    return {"pods": pods, "workloads": workloads, "objects": report.objects_read, "scan_s": round(total_s, 3),
            "read_s": round(read_s, 3), "analyze_s": round(total_s - read_s, 3), "findings": len(report.findings),
            "groups": len(report.groups)}


def measure(sizes: tuple[tuple[int, int], ...] = SIZES) -> dict[str, Any]:
    rows = [measure_size(p, w) for p, w in sizes]
    at_2000 = next((r for r in rows if r["pods"] == 2000), rows[-1])
    first, last = rows[0], rows[-1]
    growth = (last["scan_s"] / first["scan_s"]) / (last["pods"] / first["pods"]) if first["scan_s"] else None
    return {"sizes": rows, "scan_2000_pods_s": at_2000["scan_s"], "target_s": TARGET_S,
            "ok": at_2000["scan_s"] <= TARGET_S, "growth_vs_linear": round(growth, 2) if growth else None}


def main() -> int:
    from common import isolated_home

    with isolated_home():
        result = measure()
    print(f"{'pods':>6} {'workloads':>9} {'objects':>8} {'scan s':>7} {'read s':>7} {'analyze s':>9} {'findings':>8}")
    for r in result["sizes"]:
        print(f"{r['pods']:>6} {r['workloads']:>9} {r['objects']:>8} {r['scan_s']:>7.2f} {r['read_s']:>7.2f} "
              f"{r['analyze_s']:>9.2f} {r['findings']:>8}")
    print(f"2,000 pods / 300 workloads: {result['scan_2000_pods_s']:.2f} s (target ≤ {TARGET_S:.0f} s: "
          f"{'ok' if result['ok'] else 'MISSED'}); time per pod at the largest size vs the smallest: "
          f"{result['growth_vs_linear']}× (1.0 = linear)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
