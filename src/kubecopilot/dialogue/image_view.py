"""The images the pods run: "what images are running in production?", "dev 里用了哪些镜像".

Read from each pod's container spec (what the kubelet runs, not what a Deployment was last set to), as whole objects:
a server whose pod list is a table is asked for each pod (``ObjectReader``); pods that could not be read are said,
and a pod list with no specs at all is unknown, never an empty answer.
"""

from __future__ import annotations

from typing import Any

from kubecopilot.dialogue.session import Session
from kubecopilot.dialogue.turns import Answer, Block, Source, TableBlock, TextBlock
from kubecopilot.dialogue.views import Reads
from kubecopilot.k8s import workload_of
from kubecopilot.messages import Language, say
from kubecopilot.tools.objects import ObjectReader

MAX_GAPS = 5


def images(reads: Reads, session: Session, namespace: str | None, target: str | None) -> Answer:
    listed = ObjectReader(reads.gateway, cluster=session.cluster).objects("Pod", namespace=namespace)
    pods = [p for p in listed.items if not target or target in str((p.get("metadata") or {}).get("name", ""))]
    return images_answer(pods, listed.gaps, session.language, namespace, Source(tools=listed.tools))


def images_answer(pods: list[dict[str, Any]], gaps: list[str], lang: Language, namespace: str | None,
                  source: Source) -> Answer:
    """One row per workload, container and image, with how many of its pods run it."""
    where = namespace or say("all_namespaces", lang)
    title = say("title_images", lang, where=where)
    if pods and all(not _containers(p) for p in pods):
        return Answer(title=title, source=source, data={"images": None},
                      blocks=[TextBlock(text=say("images_unknown", lang, tool=", ".join(source.tools) or "?"))])
    counted: dict[tuple[str, str, str, str], int] = {}
    for pod in pods:
        meta = pod.get("metadata") or {}
        name = str(meta.get("name", ""))
        workload = workload_of(pod, name).partition("/")[2] or name
        for container in _containers(pod):
            key = (str(meta.get("namespace") or ""), workload, str(container.get("name") or ""),
                   str(container.get("image") or "?"))
            counted[key] = counted.get(key, 0) + 1
    rows = sorted(counted.items())
    blocks: list[Block] = []
    if rows:
        columns = (["NAMESPACE"] if namespace is None else []) + ["WORKLOAD", "CONTAINER", "IMAGE", "PODS"]
        blocks.append(TableBlock(columns=columns, rows=[([ns] if namespace is None else []) + [w, c, i, str(n)]
                                                        for (ns, w, c, i), n in rows]))
    elif not gaps:
        blocks.append(TextBlock(text=say("no_images", lang, where=where)))
    if gaps:
        blocks.append(TextBlock(text="\n".join(gaps[:MAX_GAPS] + (["…"] if len(gaps) > MAX_GAPS else []))))
    data = [{"namespace": ns, "workload": w, "container": c, "image": i, "pods": n} for (ns, w, c, i), n in rows]
    return Answer(title=title, source=source, blocks=blocks, data={"images": data, "unread": gaps})


def _containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    spec = pod.get("spec")
    containers = spec.get("containers") if isinstance(spec, dict) else None
    return [c for c in containers or [] if isinstance(c, dict)]
