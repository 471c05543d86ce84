"""The images the pods run: "what images are running in production?", "dev 里用了哪些镜像", "which image does checkout use?".

Read from each pod's container spec in the pod list (what the kubelet runs, not what a Deployment was last set to); a
list that does not carry the specs (a server's table) is said to be unknown, never an empty answer.
"""

from __future__ import annotations

from typing import Any

from kubecopilot.dialogue.session import Session
from kubecopilot.dialogue.turns import Answer, TableBlock, TextBlock
from kubecopilot.dialogue.views import Reads
from kubecopilot.k8s import workload_of
from kubecopilot.messages import say


def images(reads: Reads, session: Session, namespace: str | None, target: str | None) -> Answer:
    """One row per workload, container and image, with how many of its pods run it."""
    lang = session.language
    where = namespace or say("all_namespaces", lang)
    title = say("title_images", lang, where=where)
    pods = [r for r in reads.records("list_pods", namespace=namespace) if not target or target in r.name]
    if pods and all(not _containers(r.raw) for r in pods):
        return Answer(title=title, source=reads.source, data={"images": None},
                      blocks=[TextBlock(text=say("images_unknown", lang, tool=reads.last_tool))])
    counted: dict[tuple[str, str, str, str], int] = {}
    for r in pods:
        workload = workload_of(r.raw, r.name).partition("/")[2] or r.name
        for container in _containers(r.raw):
            key = (r.namespace or "", workload, str(container.get("name") or ""), str(container.get("image") or "?"))
            counted[key] = counted.get(key, 0) + 1
    if not counted:
        return Answer(title=title, source=reads.source, data={"images": []},
                      blocks=[TextBlock(text=say("no_images", lang, where=where))])
    rows = [([ns] if namespace is None else []) + [workload, container, image, str(n)]
            for (ns, workload, container, image), n in sorted(counted.items())]
    columns = (["NAMESPACE"] if namespace is None else []) + ["WORKLOAD", "CONTAINER", "IMAGE", "PODS"]
    data = [{"namespace": ns, "workload": workload, "container": container, "image": image, "pods": n}
            for (ns, workload, container, image), n in sorted(counted.items())]
    return Answer(title=title, source=reads.source, blocks=[TableBlock(columns=columns, rows=rows)], data={"images": data})


def _containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    spec = pod.get("spec")
    containers = spec.get("containers") if isinstance(spec, dict) else None
    return [c for c in containers or [] if isinstance(c, dict)]
