"""Failure rules: what happens to a pod, computed from its spec and the cluster (never stored as a flag).

Because the outcome is derived, fixing the cause cures the symptom: raise the memory limit and the new pods run,
fix the image tag and they pull, mount the right config file and the app starts.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from kubecopilot.sandbox.apps import AppProfile, Catalog
from kubecopilot.sandbox.quantity import mebibytes
from kubecopilot.sandbox.store import Obj, Store

CONFIG_CRASH_RUN_S = 2
OOM_RUN_S = 25


@dataclass
class ContainerOutcome:
    name: str
    image: str
    mode: str  # running | crashloop | waiting | completed
    ready: bool = False
    reason: str | None = None  # waiting reason
    message: str | None = None
    exit_code: int | None = None
    exit_reason: str | None = None  # OOMKilled | Error | Completed
    run_s: int = 0  # how long one attempt runs before it dies (crashloop)
    probe_path: str | None = None  # the failing probe's path (readiness or liveness)
    pull_error: str | None = None


@dataclass
class PodOutcome:
    scheduled: bool
    node_ready: bool = True
    mount_error: str | None = None
    containers: list[ContainerOutcome] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return self.scheduled and self.node_ready and all(c.ready for c in self.containers)


def evaluate(pod: Obj, store: Store, catalog: Catalog) -> PodOutcome:
    spec, ns = pod["spec"], pod["metadata"]["namespace"]
    node_name = spec.get("nodeName")
    if not node_name:
        return PodOutcome(scheduled=False)
    node = store.peek("Node", node_name)
    outcome = PodOutcome(scheduled=True, node_ready=node is not None and node_is_ready(node))
    outcome.mount_error = _mount_error(spec, ns, store)
    batch = spec.get("restartPolicy") in ("Never", "OnFailure")
    for container in spec.get("containers") or ():
        outcome.containers.append(_container(container, spec, ns, store, catalog, outcome.mount_error, batch))
    if not outcome.node_ready:
        for c in outcome.containers:
            c.ready = False
    return outcome


def node_is_ready(node: Obj) -> bool:
    for cond in node.get("status", {}).get("conditions") or ():
        if cond["type"] == "Ready":
            return bool(cond["status"] == "True")
    return False


def _container(
    c: dict[str, Any], pod_spec: dict[str, Any], ns: str, store: Store, catalog: Catalog, mount_error: str | None, batch: bool
) -> ContainerOutcome:
    name, image = c["name"], c.get("image", "")
    if mount_error:
        return ContainerOutcome(name, image, "waiting", reason="ContainerCreating")
    if pull_error := catalog.pull_error(image):
        return ContainerOutcome(
            name, image, "waiting", reason="ImagePullBackOff", message=f'Back-off pulling image "{image}"', pull_error=pull_error
        )
    if env_error := _env_error(c, ns, store):
        return ContainerOutcome(name, image, "waiting", reason="CreateContainerConfigError", message=env_error)
    app = catalog.profile(image)
    if _config_missing(app, c, pod_spec, ns, store):
        return ContainerOutcome(name, image, "crashloop", exit_code=1, exit_reason="Error", run_s=CONFIG_CRASH_RUN_S)
    limit = mebibytes(((c.get("resources") or {}).get("limits") or {}).get("memory"))
    if limit and limit < app.memory_mi:
        return ContainerOutcome(name, image, "crashloop", exit_code=137, exit_reason="OOMKilled", run_s=OOM_RUN_S)
    if (path := _unserved_probe_path(c.get("livenessProbe"), app)) is not None:
        probe = c["livenessProbe"]
        run_s = probe.get("initialDelaySeconds", 0) + probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3)
        return ContainerOutcome(name, image, "crashloop", exit_code=137, exit_reason="Error", run_s=run_s, probe_path=path)
    if batch or app.batch:
        return ContainerOutcome(name, image, "completed", exit_code=0, exit_reason="Completed")
    if (path := _unserved_probe_path(c.get("readinessProbe"), app)) is not None:
        return ContainerOutcome(name, image, "running", ready=False, probe_path=path)
    return ContainerOutcome(name, image, "running", ready=True)


def _mount_error(spec: dict[str, Any], ns: str, store: Store) -> str | None:
    for vol in spec.get("volumes") or ():
        for kind, field_name, key in (("ConfigMap", "configMap", "name"), ("Secret", "secret", "secretName")):
            source = vol.get(field_name)
            if source and not source.get("optional") and store.peek(kind, source.get(key, ""), ns) is None:
                return f'MountVolume.SetUp failed for volume "{vol["name"]}" : {kind.lower()} "{source.get(key)}" not found'
    return None


def _env_error(c: dict[str, Any], ns: str, store: Store) -> str | None:
    for env in c.get("env") or ():
        source = env.get("valueFrom") or {}
        for kind, ref_name in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
            ref = source.get(ref_name)
            if not ref or ref.get("optional"):
                continue
            obj = store.peek(kind, ref.get("name", ""), ns)
            if obj is None:
                return f'{kind.lower()} "{ref.get("name")}" not found'
            if ref.get("key") not in (obj.get("data") or {}):
                return f"couldn't find key {ref.get('key')} in {kind} {ns}/{ref.get('name')}"
    for source in c.get("envFrom") or ():
        for kind, ref_name in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            ref = source.get(ref_name)
            if ref and not ref.get("optional") and store.peek(kind, ref.get("name", ""), ns) is None:
                return f'{kind.lower()} "{ref.get("name")}" not found'
    return None


def config_path(app: AppProfile, c: dict[str, Any]) -> str | None:
    """The config file the app will try to open: its env var if set, else its built-in default."""
    if not app.config_env:
        return None
    for env in c.get("env") or ():
        if env.get("name") == app.config_env and "value" in env:
            return str(env["value"])
    return app.config_default


def mounted_files(c: dict[str, Any], pod_spec: dict[str, Any], ns: str, store: Store) -> dict[str, list[str]]:
    """Mount path → the file names a ConfigMap/Secret volume puts there (what ``ls`` would show)."""
    volumes = {v["name"]: v for v in pod_spec.get("volumes") or ()}
    found: dict[str, list[str]] = {}
    for mount in c.get("volumeMounts") or ():
        vol = volumes.get(mount.get("name"), {})
        for kind, field_name, key in (("ConfigMap", "configMap", "name"), ("Secret", "secret", "secretName")):
            source = vol.get(field_name)
            if not source:
                continue
            obj = store.peek(kind, source.get(key, ""), ns)
            keys = sorted((obj or {}).get("data") or {})
            if source.get("items"):
                keys = [item["path"] for item in source["items"] if item.get("key") in keys]
            found[mount["mountPath"].rstrip("/") or "/"] = keys
    return found


def _config_missing(app: AppProfile, c: dict[str, Any], pod_spec: dict[str, Any], ns: str, store: Store) -> bool:
    path = config_path(app, c)
    if not path:
        return False
    directory, filename = posixpath.split(path)
    return filename not in mounted_files(c, pod_spec, ns, store).get(directory, [])


def _unserved_probe_path(probe: dict[str, Any] | None, app: AppProfile) -> str | None:
    http = (probe or {}).get("httpGet")
    if not http or app.serves is None:
        return None
    path = http.get("path", "/")
    return None if path in app.serves else path
