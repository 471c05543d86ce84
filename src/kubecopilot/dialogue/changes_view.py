""""What changed recently?": the changes KubeCopilot made (the audit ledger), the rollouts (each ReplicaSet revision
with its change cause) and the latest events — one answer, newest first, all from data read now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kubecopilot.dialogue.ports import PlanDesk
from kubecopilot.dialogue.session import Session
from kubecopilot.dialogue.turns import Answer, TableBlock, TextBlock
from kubecopilot.dialogue.views import Reads, suggestion
from kubecopilot.errors import KubeCopilotError
from kubecopilot.k8s import age
from kubecopilot.messages import say

MAX_ROWS = 8
REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"


def what_changed(reads: Reads, plans: PlanDesk, session: Session, namespace: str | None, name: str | None) -> Answer:
    lang = session.language
    where = "/".join(p for p in (namespace, name) if p) or say("all_namespaces", lang)
    blocks: list[Any] = []
    plan_rows = _plans(plans, namespace, name)
    if plan_rows:
        blocks.append(TableBlock(title=say("title_changes_made", lang), columns=["WHEN", "STATUS", "RESOURCE", "CHANGE"],
                                 rows=plan_rows))
    rollout_rows = _rollouts(reads, namespace, name)
    if rollout_rows:
        blocks.append(TableBlock(title=say("title_rollouts", lang), columns=["AGE", "DEPLOYMENT", "REVISION", "CAUSE"],
                                 rows=rollout_rows))
    event_rows = _events(reads, namespace, name)
    if event_rows:
        blocks.append(TableBlock(title=say("title_recent_events", lang), columns=["LAST SEEN", "TYPE", "REASON", "OBJECT"],
                                 rows=event_rows))
    if not blocks:
        blocks.append(TextBlock(text=say("nothing_changed", lang)))
    return Answer(title=say("title_what_changed", lang, where=where), blocks=blocks, source=reads.source,
                  suggestions=[suggestion("warnings", lang, "warning events"), suggestion("unhealthy", lang, "unhealthy pods")])


def _plans(plans: PlanDesk, namespace: str | None, name: str | None) -> list[list[str]]:
    try:
        done = [p for p in plans.list() if p.status in ("executed", "reverted", "failed")]
    except KubeCopilotError:
        return []
    done = [p for p in done if namespace in (None, p.resource.namespace) and name in (None, p.resource.name)]

    def when(plan: Any) -> datetime:
        stamps = plan.audit.timestamps
        moment: datetime = stamps.executed_at or stamps.failed_at or stamps.reverted_at or stamps.created_at
        return moment

    done.sort(key=when, reverse=True)
    return [[age(when(p).isoformat()) or "", p.status, p.resource.label(), p.steps[0].description if p.steps else p.action]
            for p in done[:MAX_ROWS]]


def _rollouts(reads: Reads, namespace: str | None, name: str | None) -> list[list[str]]:
    try:
        replicasets = reads.records("list_replicasets", namespace=namespace)
    except KubeCopilotError:
        return []
    rows = []
    for rs in replicasets:
        meta = rs.raw.get("metadata") or {}
        owner = next((o.get("name") for o in meta.get("ownerReferences") or [] if o.get("kind") == "Deployment"), None)
        annotations = meta.get("annotations") or {}
        if owner is None or REVISION not in annotations or name not in (None, owner):
            continue
        rows.append((str(meta.get("creationTimestamp") or ""), [age(str(meta.get("creationTimestamp") or "")) or "",
                     f"{rs.namespace}/{owner}" if namespace is None else owner, annotations[REVISION],
                     str(annotations.get(CHANGE_CAUSE) or "—")]))
    rows.sort(key=lambda r: r[0], reverse=True)
    return [row for _, row in rows[:MAX_ROWS]]


def _events(reads: Reads, namespace: str | None, name: str | None) -> list[list[str]]:
    try:
        events = reads.records("list_events", namespace=namespace)
    except KubeCopilotError:
        return []
    rows = []
    for e in events:
        obj = e.raw.get("involvedObject") or {}
        if name and not str(obj.get("name", "")).startswith(name):
            continue
        stamp = str(e.raw.get("lastTimestamp") or e.raw.get("eventTime") or e.raw.get("firstTimestamp") or "")
        rows.append((stamp, [age(stamp) or stamp, str(e.raw.get("type") or ""), str(e.raw.get("reason") or ""),
                             f"{str(obj.get('kind', '')).lower()}/{obj.get('name', '')}"]))
    rows.sort(key=lambda r: r[0], reverse=True)
    return [row for _, row in rows[:MAX_ROWS]]
