"""Build the clusters of a scenario from YAML (``scenarios/<name>.yaml`` and its ``fragments/``).

A scenario names its clusters and, for each, the fragments to merge. A fragment holds plain Kubernetes
manifests plus a ``sandbox:`` block per object with its history: ``age`` (when it was created), ``rollouts``
(later JSON patches with a change cause, each making a new revision) and, for CronJobs, the ``jobs`` it ran.
The builder replays that history in time order through the same admission and controllers as live writes, so
ReplicaSets, revisions, restart counts and events come out as a real cluster would have them. Per cluster,
``notReady`` / ``cordoned`` name nodes and since when; ``pressure`` gives a node's pressure ``conditions`` and ``since``.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import jsonpatch

from kubecopilot.resources import read_yaml
from kubecopilot.sandbox import admission, objects
from kubecopilot.sandbox.apps import Catalog
from kubecopilot.sandbox.cluster import Cluster
from kubecopilot.sandbox.errors import UnknownScenario
from kubecopilot.sandbox.kubelet import node_conditions, set_node_pressure
from kubecopilot.sandbox.objects import CHANGE_CAUSE, owner_ref
from kubecopilot.sandbox.ops import OPERATIONS
from kubecopilot.sandbox.timeutil import Clock, parse_duration, stamp

SCENARIO_DIR = Path(__file__).with_name("scenarios")
FRAGMENT_DIR = SCENARIO_DIR / "fragments"


def names() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml") if p.stem != "apps")


def check_name(name: str) -> None:
    if name not in names():
        raise UnknownScenario(f'unknown sandbox scenario "{name}"', hint="choose one of: " + ", ".join(names()))


def describe(name: str) -> str:
    return str(_read(SCENARIO_DIR / f"{name}.yaml").get("description", "")).strip()


def build(name: str, clock: Clock, uid_salt: int = 0) -> tuple[dict[str, Cluster], str]:
    check_name(name)
    data = _read(SCENARIO_DIR / f"{name}.yaml")
    catalog = Catalog.load()
    clusters = {
        cluster_name: _build_cluster(cluster_name, fragments, f"{data.get('seed', name)}/{cluster_name}", clock, catalog, uid_salt)
        for cluster_name, fragments in data["clusters"].items()
    }
    return clusters, data.get("current", next(iter(clusters)))


def _read(path: Path) -> dict[str, Any]:
    return copy.deepcopy(_parsed(path))


@functools.lru_cache(maxsize=64)
def _parsed(path: Path) -> dict[str, Any]:
    """Scenario files are data shipped with the package: parse each once per process."""
    return read_yaml(path) or {}


def _merge(fragments: list[str]) -> dict[str, Any]:
    merged: dict[str, Any] = {"cluster": {}, "nodes": [], "namespaces": [], "objects": [], "notReady": {}, "cordoned": {},
                              "pressure": {}}
    for fragment in fragments:
        data = _read(FRAGMENT_DIR / f"{fragment}.yaml")
        merged["cluster"].update(data.get("cluster") or {})
        for key in ("notReady", "cordoned", "pressure"):
            merged[key].update(data.get(key) or {})
        for key in ("nodes", "namespaces", "objects"):
            merged[key].extend(copy.deepcopy(data.get(key) or []))
    return merged


Step = tuple[datetime, int, Callable[[], object]]


def _build_cluster(name: str, fragments: list[str], seed: str, clock: Clock, catalog: Catalog, uid_salt: int) -> Cluster:
    spec = _merge(fragments)
    info = spec["cluster"]
    c = Cluster(name, info["server"], info["version"], clock, seed, catalog, uid_salt)
    start = c.now()
    born = start - parse_duration(info.get("age", "30d"))
    steps: list[Step] = []

    def add(when: datetime, action: Callable[[], object]) -> None:
        steps.append((when, len(steps), action))

    for index, node in enumerate(spec["nodes"]):
        add(born, partial(_create_node, c, node, index, info["version"]))
    for node_name, since in spec["notReady"].items():
        add(start - parse_duration(since), partial(c.set_node_ready, node_name, False))
    for node_name, since in spec["cordoned"].items():
        add(start - parse_duration(since), partial(OPERATIONS["cordon_node"], c, node_name))
    for node_name, pressure in spec["pressure"].items():
        for condition in pressure["conditions"]:
            add(start - parse_duration(pressure["since"]), partial(set_node_pressure, c, node_name, condition))
    for ns in spec["namespaces"]:
        when = start - parse_duration(ns["age"]) if ns.get("age") else born
        add(when, partial(_create_namespace, c, ns))
    for manifest in spec["objects"]:
        history = manifest.pop("sandbox", None) or {}
        add(start - parse_duration(history.get("age", "7d")), partial(_create, c, manifest))
        for rollout in history.get("rollouts") or ():
            add(start - parse_duration(rollout["age"]), partial(_rollout, c, manifest, rollout))
        for job_age in history.get("jobs") or ():
            minutes_ago = int(parse_duration(job_age).total_seconds() // 60)
            add(start - parse_duration(job_age), partial(_run_cronjob, c, manifest, minutes_ago))
    _replay(c, steps, start)
    return c


def _replay(c: Cluster, steps: list[Step], start: datetime) -> None:
    """Run the steps in time order, reconciling once per distinct moment, then once more at ``start``.

    The last pass is pinned to ``start`` (not the clock) so what the build computes does not depend on how long
    it took: two builds of a scenario give the same objects.
    """
    steps.sort(key=lambda s: (s[0], s[1]))
    for i, (when, _, action) in enumerate(steps):
        with c.at(when):
            action()
            if i + 1 == len(steps) or steps[i + 1][0] != when:
                c.reconcile()
    with c.at(start):
        c.reconcile()


def _create_node(c: Cluster, spec: dict[str, Any], index: int, version: str) -> None:
    node = objects.node(spec, index + 1, version)
    node["status"]["conditions"] = node_conditions(True, stamp(c.now()))
    c.store.create(node)


def _create_namespace(c: Cluster, ns: dict[str, Any]) -> None:
    c.store.create(objects.namespace(ns["name"], ns.get("labels")))


def _create(c: Cluster, manifest: dict[str, Any]) -> None:
    c.store.create(admission.prepare(c, manifest))


def _rollout(c: Cluster, manifest: dict[str, Any], rollout: dict[str, Any]) -> None:
    meta = manifest["metadata"]
    current = c.store.get(manifest["kind"], meta["name"], meta.get("namespace"))
    changed = jsonpatch.apply_patch(current, rollout["patch"])
    if rollout.get("cause"):
        changed["metadata"].setdefault("annotations", {})[CHANGE_CAUSE] = rollout["cause"]
    c.store.update(admission.prepare(c, changed, existing=current))


# The CronJob controller names a Job after its scheduled minute since the epoch. Counting back from a fixed
# minute instead of the wall clock keeps the names identical from one sandbox start to the next.
_SCHEDULE_BASE_MINUTE = 28_650_000


def _run_cronjob(c: Cluster, manifest: dict[str, Any], minutes_ago: int) -> None:
    """A Job the CronJob controller started at this moment."""
    meta = manifest["metadata"]
    cronjob = c.store.require("CronJob", meta["name"], meta["namespace"])
    template = cronjob["spec"]["jobTemplate"]
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": f"{meta['name']}-{_SCHEDULE_BASE_MINUTE - minutes_ago}",
            "namespace": meta["namespace"],
            "labels": dict((template.get("metadata") or {}).get("labels") or {}),
            "ownerReferences": [owner_ref(cronjob)],
        },
        "spec": copy.deepcopy(template["spec"]),
    }
    c.store.create(admission.prepare(c, job))
    c.events.record(cronjob, "SuccessfulCreate", f"Created job {job['metadata']['name']}", component="cronjob-controller")
