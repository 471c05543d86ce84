"""Services and their ready endpoints: "which services in dev have no ready endpoints?", "哪些 service 没有可用的后端".

A Service's endpoints are the ready pods its selector matches (what the endpoints controller publishes). They are
worked out from the Service's own selector and the pods the server lists; a Service whose selector or whose pods'
labels and readiness the server did not give (a table without them, a Service with no selector, whose endpoints are
managed by hand) is said to be unknown — counted and named, never shown as having none or as fine.
"""

from __future__ import annotations

from typing import Any

from kubecopilot.dialogue import records as as_data
from kubecopilot.dialogue.session import Session
from kubecopilot.dialogue.turns import Answer, Block, TableBlock, TextBlock
from kubecopilot.dialogue.views import Reads, suggestion
from kubecopilot.k8s import labels_of, pod_ready, selector_matches
from kubecopilot.messages import say


def services_without_endpoints(reads: Reads, session: Session, namespace: str | None) -> Answer:
    """The Services of ``namespace`` (or every namespace) whose selector matches no ready pod."""
    lang = session.language
    where = namespace or say("all_namespaces", lang)
    services = reads.records("list_services", namespace=namespace)
    pods = [r.raw for r in reads.records("list_pods", namespace=namespace)] if services else []
    judged = [(s, ready_endpoints(s.raw, [p for p in pods if _namespace(p) in (s.namespace, None)])) for s in services]
    empty = [s for s, ready in judged if ready == 0]
    unknown = [s for s, ready in judged if ready is None]
    blocks: list[Block] = []
    if empty:
        rows = [([s.namespace or ""] if namespace is None else []) + [s.name, "0", s.age or ""] for s in empty]
        columns = (["NAMESPACE"] if namespace is None else []) + ["NAME", "READY ENDPOINTS", "AGE"]
        blocks.append(TableBlock(columns=columns, rows=rows))
    elif not services:
        blocks.append(TextBlock(text=say("empty", lang)))
    elif not unknown:
        blocks.append(TextBlock(text=say("all_services_have_endpoints", lang, count=len(services), where=where)))
    if unknown:
        names = ", ".join(s.name for s in unknown)
        blocks.append(TextBlock(text=say("endpoints_unknown", lang, count=len(unknown), names=names)))
    return Answer(title=say("title_services_no_endpoints", lang, where=where), source=reads.source, blocks=blocks,
                  data={"services": [{**as_data.service(s), "readyEndpoints": ready} for s, ready in judged if not ready]},
                  suggestions=[suggestion("unhealthy", lang, "unhealthy pods")])


def ready_endpoints(service: dict[str, Any], pods: list[dict[str, Any]]) -> int | None:
    """How many ready pods the Service selects; None when that cannot be told from what was read."""
    selector = (service.get("spec") or {}).get("selector")
    if not isinstance(selector, dict) or not selector:
        return None  # a table row without the spec, or a Service whose endpoints are not chosen by a selector
    if any(not isinstance(p.get("metadata"), dict) or not isinstance(p.get("status"), dict) for p in pods):
        return None  # the pods came without labels or status: their readiness is unknown
    return sum(1 for p in pods if selector_matches(selector, labels_of(p)) and pod_ready(p))


def _namespace(pod: dict[str, Any]) -> str | None:
    metadata = pod.get("metadata")
    return metadata.get("namespace") if isinstance(metadata, dict) else None
