"""What "it", "its", "that", "它", "那个", "the first one" refer to: the conversation's last entity of a fitting kind.

A write needs a workload: "restart it" after looking at a pod means the pod's Deployment. "Logs" need a pod: "its
logs" after a diagnosis of a Deployment means that Deployment's pod. "describe the first one" after a table is its
first row. A pod replaced since (a fix rolled it) is followed to its successor — the pod of the same workload that
exists now — and said so.
"""

from __future__ import annotations

from kubecopilot.dialogue.inventory import Names
from kubecopilot.dialogue.reading import HowMatched, Mention, MentionKind, Note, Recent, SessionView
from kubecopilot.k8s import owner_prefix

WANTS_POD = frozenset({"logs", "delete_pod"})
WANTS_WORKLOAD = frozenset({"scale", "restart", "rollback", "set_image", "set_resources", "fix"})
_KINDS: dict[str, MentionKind] = {"pod": "pod", "deployment": "deployment", "node": "node"}


def resolve(intent: str, view: SessionView, names: Names, *, row: int | None) -> tuple[Mention | None, list[Note]]:
    """The entity a reference means for ``intent``: a table row (``row``: 1-based, -1 the last) or the last one."""
    notes: list[Note] = []
    if row is not None:
        entity = _row(view, row)
        how: HowMatched = "row"
    else:
        entity = _recent(intent, view)
        how = "reference"
    if entity is None:
        return None, notes
    if entity.kind == "pod" and intent in WANTS_WORKLOAD:
        owner_kind, _, owner = (entity.owner or "").partition("/")
        if owner_kind == "deployment":
            return Mention("deployment", owner, "owner", said=entity.name, namespace=entity.namespace), notes
    if entity.kind == "pod":
        return _live_pod(entity, names, how, notes), notes
    return Mention(_KINDS.get(entity.kind, "object"), entity.name, how, said=entity.name, namespace=entity.namespace), notes


def _row(view: SessionView, row: int) -> Recent | None:
    rows = view.rows
    if 1 <= row <= len(rows):
        return rows[row - 1]
    if -len(rows) <= row <= -1:
        return rows[row]
    return None


def _recent(intent: str, view: SessionView) -> Recent | None:
    """The most recent entity that fits: a pod or a workload for logs, a workload (or a pod's) for a write."""
    fitting = {"pod", "deployment"} if intent in WANTS_POD | WANTS_WORKLOAD else {"pod", "deployment", "node"}
    return next((e for e in view.recent if e.kind in fitting), None)


def _live_pod(entity: Recent, names: Names, how: HowMatched, notes: list[Note]) -> Mention:
    """The pod itself while it exists; else the pod of the same workload that replaced it (or that workload)."""
    known = names.of("pod")
    if not known or any(p.name == entity.name for p in known):
        return Mention("pod", entity.name, how, said=entity.name, namespace=entity.namespace)
    fresh = names.fresh("pod")
    if any(p.name == entity.name for p in fresh):
        return Mention("pod", entity.name, how, said=entity.name, namespace=entity.namespace)
    owner = entity.owner or f"deployment/{owner_prefix(entity.name)}"
    successors = [p for p in fresh if p.namespace == entity.namespace and p.owner == owner]
    if len(successors) == 1:
        notes.append(Note.of("replaced_pod", old=entity.name, new=successors[0].name))
        return Mention("pod", successors[0].name, "successor", said=entity.name, namespace=entity.namespace)
    workload = owner.partition("/")[2]
    notes.append(Note.of("replaced_pod_many", old=entity.name, workload=workload))
    return Mention("deployment", workload, "successor", said=entity.name, namespace=entity.namespace)
