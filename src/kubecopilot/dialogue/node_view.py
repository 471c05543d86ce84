"""Where things run and what they use: the pods of one node, and CPU/memory in use (``kubectl top``).

"what runs on dev-node-1", "dev-node-2 上有哪些 pod": the pods the server lists on that node, every namespace unless
one was named; a list that does not say where its pods run is said to be unknown, never "nothing runs there".
``kubectl top pods -n dev``, "memory usage in dev": the metrics API's figures; a pod that reports none (not running)
is counted and said, and a server without a metrics tool is said to have none.
"""

from __future__ import annotations

from typing import Any

from kubecopilot.dialogue import records as as_data
from kubecopilot.dialogue.session import EntityRef, Session
from kubecopilot.dialogue.turns import Answer, Block, TableBlock, TextBlock
from kubecopilot.dialogue.views import Reads, pod_table, suggestion
from kubecopilot.k8s import workload_of
from kubecopilot.messages import say
from kubecopilot.quantity import parse_quantity

MI = 1024 * 1024
MAX_NAMED = 10  # pods named in "… report no usage"; the count says how many there are


def pods_on_node(reads: Reads, session: Session, node: str, namespace: str | None) -> Answer:
    """The pods the server lists on ``node`` (in ``namespace``, or every namespace)."""
    lang = session.language
    listed = reads.records("list_pods", namespace=namespace)
    where = namespace or say("all_namespaces", lang)
    title = say("title_pods_on_node", lang, node=node, where=where)
    if listed and all(_node(r) is None for r in listed):
        return Answer(title=title, source=reads.source, data={"pods": None},
                      blocks=[TextBlock(text=say("pods_node_unknown", lang, tool=reads.last_tool))])
    pods = [r for r in listed if _node(r) == node]
    session.show_rows([EntityRef("pod", r.name, r.namespace, owner=workload_of(r.raw, r.name)) for r in pods])
    if not pods:
        return Answer(title=title, source=reads.source, data={"pods": []},
                      blocks=[TextBlock(text=say("no_pods_on_node", lang, node=node, where=where))])
    return Answer(title=title, source=reads.source, blocks=[pod_table(pods, all_namespaces=namespace is None)],
                  data={"node": node, "pods": [as_data.pod(r) for r in pods]},
                  suggestions=[suggestion("describe", lang, f"describe node {node}", name=node),
                               suggestion("events", lang, f"events of node {node}", name=node)])


def usage(reads: Reads, session: Session, kind: str | None, namespace: str | None, target: str | None) -> Answer:
    """CPU and memory in use by pods (``kind`` "node": by nodes), most memory first, as the metrics API says."""
    lang = session.language
    nodes = kind == "node"
    capability = "node_metrics" if nodes else "pod_metrics"
    where = namespace or say("all_namespaces", lang)
    title = say("title_usage_nodes" if nodes else "title_usage_pods", lang, where=where)
    if not reads.gateway.has(capability):
        return Answer(title=title, data={"usage": None}, blocks=[TextBlock(text=say("no_metrics_tool", lang))])
    data = reads.data(capability, namespace=None if nodes else namespace)
    items = [i for i in (data or {}).get("items") or [] if isinstance(i, dict) and (nodes or i.get("containers"))]
    rows = sorted((_usage_row(i, nodes) for i in items), key=lambda r: -r["memoryMiB"])
    if target:
        rows = [r for r in rows if target in r["name"]]
    columns = (["NAMESPACE"] if not nodes and namespace is None else []) + ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    table = [([r["namespace"] or ""] if not nodes and namespace is None else []) +
             [r["name"], f"{r['cpuMillicores']}m", f"{r['memoryMiB']}Mi"] for r in rows]
    blocks: list[Block] = [TableBlock(columns=columns, rows=table)] if table else [
        TextBlock(text=say("no_usage", lang, where=where))]
    if not nodes:
        silent = _not_reporting(reads, namespace, {(r["namespace"], r["name"]) for r in rows}, target)
        if silent:
            names = ", ".join(silent[:MAX_NAMED]) + (", …" if len(silent) > MAX_NAMED else "")
            blocks.append(TextBlock(text=say("usage_not_reporting", lang, count=len(silent), names=names)))
    return Answer(title=title, source=reads.source, blocks=blocks, data={"usage": rows})


def _usage_row(item: dict[str, Any], nodes: bool) -> dict[str, Any]:
    meta = item.get("metadata") or {}
    parts = [item.get("usage") or {}] if nodes else [c.get("usage") or {} for c in item.get("containers") or []]
    cpu = sum((parse_quantity(p.get("cpu")) or 0) for p in parts)
    memory = sum((parse_quantity(p.get("memory")) or 0) for p in parts)
    return {"namespace": meta.get("namespace"), "name": str(meta.get("name") or ""),
            "cpuMillicores": round(cpu * 1000), "memoryMiB": round(memory / MI)}


def _not_reporting(reads: Reads, namespace: str | None, reported: set[tuple[Any, str]], target: str | None) -> list[str]:
    """The pods listed that report no usage (no running container, as with metrics-server): never shown as 0."""
    return [r.name for r in reads.records("list_pods", namespace=namespace)
            if (r.namespace, r.name) not in reported and (not target or target in r.name)]


def _node(record: Any) -> str | None:
    node = record.node or (record.raw.get("spec") or {}).get("nodeName")
    return str(node) if node else None
