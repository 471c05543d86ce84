"""The clusters and the overview: which cluster this session is on (not the server's default), and which are degraded.

A cluster is degraded when some of its nodes are not Ready — from the server's own summary when it gives one
(``nodes`` / ``nodesReady`` / ``status`` of ``list_clusters``), else from its node list. A cluster whose nodes
cannot be read is "unknown", never healthy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubecopilot.dialogue import records as as_data
from kubecopilot.dialogue.session import Session
from kubecopilot.dialogue.turns import Answer, TableBlock, TextBlock
from kubecopilot.dialogue.views import Reads, is_unhealthy, pod_table, suggestion
from kubecopilot.errors import KubeCopilotError
from kubecopilot.messages import Language, say
from kubecopilot.tools.ports import Gateway


@dataclass
class ClusterHealth:
    name: str
    version: str
    current: bool
    ready: int | None  # None: the nodes could not be read
    total: int | None
    not_ready: list[str]

    def state(self, lang: Language) -> str:
        if self.ready is None or self.total is None:
            return say("cluster_unknown", lang)
        if self.ready < self.total:
            return say("cluster_degraded", lang, ready=self.ready, total=self.total)
        return say("cluster_healthy", lang, ready=self.ready, total=self.total)

    def data(self) -> dict[str, Any]:
        """For ``--output json|yaml``: the facts, unknown as null."""
        return {"name": self.name, "version": self.version or None, "current": self.current,
                "nodes": {"ready": self.ready, "total": self.total, "notReady": self.not_ready}}


def current_cluster(session: Session, records: list[Any]) -> str | None:
    """The session's cluster, else the one the server calls current."""
    return session.cluster or next((r.name for r in records if r.raw.get("current")), None)


def cluster_health(gateway: Gateway, reads: Reads, session: Session) -> list[ClusterHealth]:
    records = reads.records("list_clusters")
    current = current_cluster(session, records)
    return [_health(gateway, r, r.name == current) for r in records]


def _health(gateway: Gateway, record: Any, current: bool) -> ClusterHealth:
    raw = record.raw
    version = str(raw.get("version", ""))
    not_ready: list[str] = []
    ready, total = raw.get("nodesReady"), raw.get("nodes")
    if gateway.has("list_nodes"):
        try:
            nodes = gateway.records("list_nodes", cluster=record.name).records
            ready, total = sum(1 for n in nodes if n.status == "Ready"), len(nodes)
            not_ready = [n.name for n in nodes if n.status != "Ready"]
        except KubeCopilotError:
            pass  # the server's summary, if it gave one; else unknown
    return ClusterHealth(record.name, version, current, ready if isinstance(ready, int) else None,
                         total if isinstance(total, int) else None, not_ready)


def list_clusters(gateway: Gateway, session: Session) -> Answer:
    lang = session.language
    reads = Reads(gateway, session.cluster)
    health = cluster_health(gateway, reads, session)
    rows = [[h.name, h.version, h.state(lang), "*" if h.current else ""] for h in health]
    return Answer(title=say("title_clusters", lang), source=reads.source, notices=_degraded(health, lang),
                  blocks=[TableBlock(columns=["NAME", "VERSION", "STATUS", "CURRENT"], rows=rows)],
                  data={"clusters": [h.data() for h in health]},
                  suggestions=[suggestion("overview", lang, "cluster overview"),
                               suggestion("namespaces", lang, "list namespaces")])


def cluster_status(gateway: Gateway, session: Session) -> Answer:
    """The clusters (this session's marked current, degraded ones said), then this cluster's nodes, namespaces,
    deployments and pods, and the pods that need attention."""
    lang = session.language
    reads = Reads(gateway, session.cluster)
    blocks: list[Any] = []
    health = cluster_health(gateway, reads, session) if gateway.has("list_clusters") else []
    if health:
        rows = [[h.name, h.version, h.state(lang), "*" if h.current else ""] for h in health]
        blocks.append(TableBlock(title=say("title_clusters", lang), columns=["NAME", "VERSION", "STATUS", "CURRENT"],
                                 rows=rows))
    nodes = reads.records("list_nodes") if gateway.has("list_nodes") else []
    namespaces = reads.records("list_namespaces")
    pods = reads.records("list_pods")
    deployments = reads.records("list_deployments") if gateway.has("list_deployments") else []
    bad = [p for p in pods if is_unhealthy(p)]
    ready_nodes = sum(1 for n in nodes if n.status == "Ready")
    overview = [
        [say("title_nodes", lang), say("row_nodes_ready", lang, ready=ready_nodes, total=len(nodes)) if nodes else "—"],
        [say("title_namespaces", lang), str(len(namespaces))],
        [say("row_deployments", lang), str(len(deployments))],
        [say("row_pods", lang), say("row_pods_healthy", lang, healthy=len(pods) - len(bad), total=len(pods))],
    ]
    blocks.append(TableBlock(title=say("title_overview", lang), columns=["", ""], rows=overview))
    if bad:
        blocks.append(pod_table(bad, all_namespaces=True, title=say("title_pods_needing_attention", lang)))
    suggestions = [suggestion("diagnose", lang, f"diagnose pod {bad[0].name} -n {bad[0].namespace}", name=bad[0].name)] if bad else []
    suggestions += [suggestion("warnings", lang, "warning events"), suggestion("health", lang, "check the health of my services")]
    here = next((h.name for h in health if h.current), None) or session.cluster
    title = say("title_cluster_status_of", lang, cluster=here) if here else say("title_cluster_status", lang)
    degraded = _degraded(health, lang)
    if degraded:
        blocks.insert(0, TextBlock(text="\n".join(degraded)))
    overview_data = {"nodes": {"ready": ready_nodes, "total": len(nodes)} if nodes else None,
                     "namespaces": len(namespaces), "deployments": len(deployments),
                     "pods": {"healthy": len(pods) - len(bad), "total": len(pods)}}
    return Answer(title=title, blocks=blocks, source=reads.source, suggestions=suggestions[:3],
                  data={"clusters": [h.data() for h in health], "overview": overview_data,
                        "unhealthyPods": [as_data.pod(r) for r in bad]})


def _degraded(health: list[ClusterHealth], lang: Language) -> list[str]:
    return [say("cluster_is_degraded", lang, cluster=h.name, ready=h.ready, total=h.total,
                nodes=", ".join(h.not_ready) or "—")
            for h in health if h.ready is not None and h.total is not None and h.ready < h.total]
