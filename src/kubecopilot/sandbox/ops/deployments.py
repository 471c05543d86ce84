"""Deployments: reads, scaling, restarts, rollbacks and template edits (each edit rolls out a new ReplicaSet)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from kubecopilot.sandbox.controllers import owned_replicasets, revision
from kubecopilot.sandbox.describe import describe_deployment as render_deployment
from kubecopilot.sandbox.errors import BadRequest, NotFound
from kubecopilot.sandbox.objects import CHANGE_CAUSE, HASH_LABEL, RESTARTED_AT
from kubecopilot.sandbox.ops.common import export, listed, operation, replace, require, written
from kubecopilot.sandbox.store import Obj
from kubecopilot.sandbox.timeutil import stamp

if TYPE_CHECKING:
    from kubecopilot.sandbox.cluster import Cluster


@operation
def list_deployments(c: Cluster, namespace: str | None = None) -> dict[str, Any]:
    return listed(c, "Deployment", namespace)


@operation
def get_deployment(c: Cluster, namespace: str, deployment_name: str) -> dict[str, Any]:
    return export(require(c, "Deployment", deployment_name, namespace))


@operation
def describe_deployment(c: Cluster, namespace: str, deployment_name: str) -> str:
    return render_deployment(c, require(c, "Deployment", deployment_name, namespace))


def _editable(c: Cluster, namespace: str, name: str) -> Obj:
    require(c, "Deployment", name, namespace)
    return c.store.get("Deployment", name, namespace)


@operation
def scale_deployment(c: Cluster, namespace: str, deployment_name: str, replicas: int) -> dict[str, Any]:
    d = _editable(c, namespace, deployment_name)
    old = d["spec"].get("replicas", 1)
    d["spec"]["replicas"] = replicas
    result = replace(c, d)
    return written(f"deployment.apps/{deployment_name} scaled from {old} to {replicas} replicas", result)


@operation
def restart_deployment(c: Cluster, namespace: str, deployment_name: str) -> dict[str, Any]:
    d = _editable(c, namespace, deployment_name)
    template_meta = d["spec"]["template"].setdefault("metadata", {})
    template_meta.setdefault("annotations", {})[RESTARTED_AT] = stamp(c.now())
    _cause(d, f"kubectl rollout restart deployment/{deployment_name}")
    return written(f"deployment.apps/{deployment_name} restarted", replace(c, d))


@operation
def rollback_deployment(c: Cluster, namespace: str, deployment_name: str, to_revision: int | None = None) -> dict[str, Any]:
    d = _editable(c, namespace, deployment_name)
    history = owned_replicasets(c, d)
    current = revision(d)
    if to_revision is None:
        earlier = [rs for rs in history if revision(rs) < current]
        if not earlier:
            raise BadRequest(f'no rollout history found for deployment "{deployment_name}": there is no earlier revision to roll back to')
        target = earlier[-1]
    else:
        found = next((rs for rs in history if revision(rs) == to_revision), None)
        if found is None:
            known = ", ".join(str(revision(rs)) for rs in history)
            raise NotFound(f"unable to find specified revision {to_revision} in history", hint=f"revisions: {known}")
        target = found
    if revision(target) == current:
        return written(f"deployment.apps/{deployment_name} skipped rollback (current template already matches revision {current})",
                       c.store.require("Deployment", deployment_name, namespace))
    template = copy.deepcopy(target["spec"]["template"])
    template["metadata"]["labels"].pop(HASH_LABEL, None)
    d["spec"]["template"] = template
    # As the deployment controller does: the deployment takes over the annotations of the revision it returns to.
    d["metadata"].setdefault("annotations", {}).pop(CHANGE_CAUSE, None)
    if cause := (target["metadata"].get("annotations") or {}).get(CHANGE_CAUSE):
        d["metadata"]["annotations"][CHANGE_CAUSE] = cause
    result = replace(c, d)
    c.events.record(result, "DeploymentRollback", f'Rolled back deployment "{deployment_name}" to revision {revision(target)}',
                    component="deployment-controller")
    return written(f"deployment.apps/{deployment_name} rolled back to revision {revision(target)} "
                   f"(now revision {revision(result)})", result)


@operation
def get_rollout_history(c: Cluster, namespace: str, deployment_name: str) -> dict[str, Any]:
    d = require(c, "Deployment", deployment_name, namespace)
    current = revision(d)
    return {
        "kind": "DeploymentRolloutHistory",
        "namespace": namespace,
        "deployment": deployment_name,
        "currentRevision": current,
        "revisions": [
            {
                "revision": revision(rs),
                "changeCause": (rs["metadata"].get("annotations") or {}).get(CHANGE_CAUSE),
                "replicaSet": rs["metadata"]["name"],
                "images": [ct.get("image") for ct in rs["spec"]["template"]["spec"].get("containers") or ()],
                "created": rs["metadata"]["creationTimestamp"],
                "replicas": rs["spec"].get("replicas", 0),
                "current": revision(rs) == current,
            }
            for rs in owned_replicasets(c, d)
        ],
    }


def _template_container(d: Obj, container: str) -> dict[str, Any]:
    containers: list[dict[str, Any]] = d["spec"]["template"]["spec"].get("containers") or []
    for ct in containers:
        if ct["name"] == container:
            return ct
    names = " ".join(ct["name"] for ct in d["spec"]["template"]["spec"].get("containers") or ())
    raise NotFound(f'container "{container}" not found in deployment "{d["metadata"]["name"]}"', hint=f"containers: [{names}]")


def _cause(d: Obj, text: str) -> None:
    d["metadata"].setdefault("annotations", {})[CHANGE_CAUSE] = text


@operation
def set_deployment_image(c: Cluster, namespace: str, deployment_name: str, container: str, image: str) -> dict[str, Any]:
    d = _editable(c, namespace, deployment_name)
    target = _template_container(d, container)
    old = target.get("image")
    target["image"] = image
    _cause(d, f"kubectl set image deployment/{deployment_name} {container}={image}")
    return written(f"deployment.apps/{deployment_name} image updated: {container} {old} -> {image}", replace(c, d))


@operation
def set_container_resources(c: Cluster, namespace: str, deployment_name: str, container: str, limits_cpu: str | None = None,
                            limits_memory: str | None = None, requests_cpu: str | None = None,
                            requests_memory: str | None = None) -> dict[str, Any]:
    values = {("limits", "cpu"): limits_cpu, ("limits", "memory"): limits_memory,
              ("requests", "cpu"): requests_cpu, ("requests", "memory"): requests_memory}
    if all(v is None for v in values.values()):
        raise BadRequest("set_container_resources needs at least one of limits_cpu, limits_memory, requests_cpu, requests_memory")
    d = _editable(c, namespace, deployment_name)
    resources = _template_container(d, container).setdefault("resources", {})
    changes = []
    for (section, resource), value in values.items():
        if value is not None:
            resources.setdefault(section, {})[resource] = str(value)
            changes.append(f"{section}.{resource}={value}")
    _cause(d, f"kubectl set resources deployment/{deployment_name} -c={container} " + " ".join(changes))
    return written(f"deployment.apps/{deployment_name} resource requirements updated: {', '.join(changes)}", replace(c, d))
