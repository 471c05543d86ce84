"""One handler per intent, in one table keyed by the intent's name (``HANDLERS``).

An intent's data — keywords, help, slots, the change it is — lives in ``intents.yaml`` (``registry.py``); here is only
what each one does. Every handler gets the same narrow ``Kit`` — the turn's context, the read-only views, the flows
and this turn's names — and the request as read and filled (a ``PendingRequest``: its ``request``, its ``filled``
slots and its ``reading``), never the conversation or the text. The follow-up intents (choose, cancel, unknown) are
the conversation's own and have no handler.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from kubecopilot.dialogue import fixes
from kubecopilot.dialogue.changes_view import what_changed
from kubecopilot.dialogue.cluster_view import cluster_status, list_clusters
from kubecopilot.dialogue.config_view import config
from kubecopilot.dialogue.image_view import images
from kubecopilot.dialogue.kit import Kit
from kubecopilot.dialogue.node_view import pods_on_node, usage
from kubecopilot.dialogue.registry import spec
from kubecopilot.dialogue.service_view import services_without_endpoints
from kubecopilot.dialogue.session import PendingRequest, Session
from kubecopilot.dialogue.turns import Answer, TableBlock, TextBlock, Turn
from kubecopilot.dialogue.views import suggestion
from kubecopilot.messages import say

QUICK_COMMANDS: list[tuple[str, str]] = [  # (label: a suggestion key, command)
    ("clusters", "list clusters"),
    ("overview", "cluster overview"),
    ("namespaces", "list namespaces"),
    ("unhealthy_pods", "unhealthy pods"),
    ("warning_events", "warning events"),
    ("refresh", "refresh cache"),
]


Handler = Callable[[Kit, PendingRequest], Turn]
REPEATABLE = frozenset({"read", "analysis", "change"})  # what "and in production?" may repeat (a change: only offered)
COUNTED = ("pods", "deployments", "nodes", "services", "namespaces", "clusters")  # Answer.data keys a count reads


def run(kit: Kit, job: PendingRequest) -> Turn:
    """The request's handler; a read, an analysis or a change is remembered as the one a follow-up repeats."""
    if spec(job.request.intent).group in REPEATABLE:
        kit.session.last_request = job
    return counted(kit, job, HANDLERS[job.request.intent](kit, job))


def counted(kit: Kit, job: PendingRequest, turn: Turn) -> Turn:
    """"how many pods are in dev": the list's answer, led by the number of what it lists (read, never guessed)."""
    if not _reading_flag(job, "count") or not isinstance(turn, Answer):
        return turn
    if job.request.intent == "list_config":
        lists = [turn.data[k] for k in ("configmaps", "secrets") if isinstance(turn.data.get(k), list)]
    else:
        lists = [turn.data[k] for k in COUNTED if isinstance(turn.data.get(k), list)][:1]
    if not lists:
        return turn  # nothing was listed (unreadable): no number is made up
    target = job.request.target if job.request.intent != "list_pods" or not _reading_flag(job, "on_node") else None
    matching = [item for items in lists for item in items if not target or target in str(item.get("name", ""))]
    number = len(matching)
    statuses = Counter(str(item["status"]) for item in matching if item.get("status"))
    if statuses and job.request.intent in ("list_pods", "unhealthy_pods"):  # "how many are running": the split says it
        said = ", ".join(f"{n} {status}" for status, n in statuses.most_common())
        turn.blocks.insert(0, TextBlock(text=say("count_total_by_status", kit.lang, what=turn.title, count=number,
                                                 statuses=said)))
        turn.data["countByStatus"] = dict(statuses)
    else:
        turn.blocks.insert(0, TextBlock(text=say("count_total", kit.lang, what=turn.title, count=number)))
    turn.data["count"] = number
    return turn


def menu(session: Session) -> Answer:
    """The quick commands, numbered: a bare number runs one."""
    lang = session.language
    suggestions = [suggestion(key, lang, cmd) for key, cmd in QUICK_COMMANDS]
    rows = [[str(i), s.label] for i, s in enumerate(suggestions, 1)]
    session.offer(suggestions, "menu")
    return Answer(title=say("title_quick_commands", lang), blocks=[TableBlock(columns=["#", "COMMAND"], rows=rows)])


def refresh_cache(kit: Kit, job: PendingRequest | None = None) -> Answer:
    return Answer(title=say("cache_cleared", kit.lang, count=kit.ctx.gateway.refresh_cache()))


def show_help(kit: Kit, job: PendingRequest) -> Answer:
    return Answer(title="KubeCopilot", blocks=[TextBlock(text=say("help", kit.lang)), *menu(kit.session).blocks])


def show_context(kit: Kit, job: PendingRequest) -> Answer:
    rows = [[k, str(v)] for k, v in kit.session.context().items()]
    return Answer(title=say("title_context", kit.lang), blocks=[TableBlock(columns=["", ""], rows=rows)])


def switch(kit: Kit, job: PendingRequest) -> Answer:
    """"switch to prod-cluster", "切换到 dev": the cluster was set by routing; set the namespace here."""
    req = job.request
    if not req.cluster and not req.namespace:
        return list_clusters(kit.ctx.gateway, kit.session)
    if req.namespace:
        kit.session.set_namespace(req.namespace)
    current = kit.session.cluster or next((n.name for n in kit.names.of("cluster") if n.current), None)
    return Answer(title=say("switched", kit.lang, cluster=current or say("current_cluster", kit.lang),
                            namespace=kit.session.namespace or "—"))


def here(kit: Kit, job: PendingRequest) -> str | None:
    """The namespace a list is for: the one answered, the one named, or the session's (none: every namespace)."""
    if job.reading is not None and job.reading.everywhere and not job.request.namespace:
        return None
    namespace: str | None = job.filled.get("namespace") or job.request.namespace or kit.session.namespace
    return namespace


def logs(kit: Kit, job: PendingRequest) -> Turn:
    ns: str = job.filled.get("namespace") or ""
    pod = job.filled["pod"]
    kit.session.remember("pod", pod, ns, owner=_owner(kit, pod, ns))
    kit.ctx.progress(say("progress_logs", kit.lang, where=f"{ns}/{pod}"))
    return kit.views.logs(ns, pod, previous=job.request.previous)


def describe_or_events(kit: Kit, job: PendingRequest) -> Turn:
    ns: str | None = job.filled.get("namespace")
    kind, _, name = (job.filled.get("object") or "/").partition("/")
    intent = job.request.intent
    if name:
        kit.session.remember(kind, name, ns, owner=_owner(kit, name, ns) if kind == "pod" else None)
    step = {"describe": "progress_describe", "show_yaml": "progress_describe"}.get(intent, "progress_events")
    kit.ctx.progress(say(step if name else "progress_events_in", kit.lang, where=f"{ns}/{name}", namespace=ns))
    if intent == "describe":
        return kit.views.describe(ns, kind, name)
    if intent == "show_yaml":
        return kit.views.yaml(ns, kind, name)
    return kit.views.events(ns, kind or None, name or None)


def diagnose(kit: Kit, job: PendingRequest) -> Turn:
    """Diagnose the workload; for "fix …" go on to the plan of the diagnosis' fix."""
    ns: str | None = job.filled.get("namespace")
    kind, _, name = job.filled["workload"].partition("/")
    kit.session.remember(kind, name, ns, owner=_owner(kit, name, ns) if kind == "pod" else None)
    cured = fixes.already_cured(kit, kind, name, ns) if job.request.intent == "fix" else None
    if cured is not None:
        return cured
    diagnosis_turn, diagnosis = kit.flows.diagnose(ns, kind, name)
    if job.request.intent == "diagnose" or diagnosis is None:
        return diagnosis_turn
    return kit.flows.fix_from_diagnosis(diagnosis, job.reading.text if job.reading else "")


def propose(kit: Kit, job: PendingRequest) -> Turn:
    return kit.flows.propose_from_slots(job.request.intent, job.filled)


def changes(kit: Kit, job: PendingRequest) -> Turn:
    _, _, name = (job.filled.get("object") or "/").partition("/")
    return what_changed(kit.views.reads(), kit.ctx.plans, kit.session, here(kit, job), name or None)


def list_pods(kit: Kit, job: PendingRequest) -> Turn:
    node = _reading_flag(job, "on_node")
    if node:  # "what runs on dev-node-1": every namespace, unless one was named
        return pods_on_node(kit.views.reads(), kit.session, node, job.request.namespace)
    return kit.views.list_pods(here(kit, job), job.request.target, sort=_reading_flag(job, "sort"))


def unhealthy(kit: Kit, job: PendingRequest) -> Turn:
    """The cluster scan of what is unhealthy; "how many …": the unhealthy pods, counted."""
    namespace = job.filled.get("namespace") or job.request.namespace
    return kit.views.unhealthy_pods(namespace) if _reading_flag(job, "count") else fixes.scan(kit, namespace)


def config_objects(kit: Kit, job: PendingRequest) -> Turn:
    namespace = job.filled.get("namespace") or job.request.namespace
    return config(kit.views.reads(), kit.session, kit.names, namespace, job.request.target, job.request.kind)


def resource_usage(kit: Kit, job: PendingRequest) -> Turn:
    namespace = None if job.request.kind == "node" else here(kit, job)
    return usage(kit.views.reads(), kit.session, job.request.kind, namespace, job.request.target)


def one_at_a_time(kit: Kit, job: PendingRequest) -> Answer:
    """"delete all pods in dev": refused before any question — a plan changes one object, approved on its own."""
    return Answer(title=say("refused_many", kit.lang), blocks=[TextBlock(text=say("refused_many_how", kit.lang))],
                  outcome="refused_by_policy")


def _owner(kit: Kit, pod: str, namespace: str | None) -> str | None:
    return next((p.owner for p in kit.names.of("pod") if p.name == pod and p.namespace in (namespace, None)), None)


def _reading_flag(job: PendingRequest, name: str) -> Any:
    return getattr(job.reading, name) if job.reading is not None else None


HANDLERS: dict[str, Handler] = {
    "refresh_cache": refresh_cache,
    "menu": lambda kit, job: menu(kit.session),
    "help": show_help,
    "context": show_context,
    "switch_context": switch,
    "list_clusters": lambda kit, job: list_clusters(kit.ctx.gateway, kit.session),
    "cluster_status": lambda kit, job: cluster_status(kit.ctx.gateway, kit.session),
    "list_namespaces": lambda kit, job: kit.views.list_namespaces(),
    "list_nodes": lambda kit, job: kit.views.list_nodes(job.request.target, only_unhealthy=bool(_reading_flag(job, "only_unhealthy"))),
    "list_pods": list_pods,
    "list_deployments": lambda kit, job: kit.views.list_deployments(here(kit, job), job.request.target,
                                                                    only_unhealthy=bool(_reading_flag(job, "only_unhealthy"))),
    "list_services": lambda kit, job: (services_without_endpoints(kit.views.reads(), kit.session, here(kit, job))
                                       if _reading_flag(job, "only_unhealthy") else kit.views.list_services(here(kit, job))),
    "unhealthy_pods": unhealthy,
    "list_config": config_objects,
    "usage": resource_usage,
    "images": lambda kit, job: images(kit.views.reads(), kit.session, here(kit, job), job.request.target),
    "change_many": one_at_a_time,
    "scan": lambda kit, job: fixes.scan(kit, job.filled.get("namespace") or job.request.namespace),
    "warning_events": lambda kit, job: kit.views.warning_events(job.filled.get("namespace") or job.request.namespace),
    "what_changed": changes,
    "health_check": lambda kit, job: kit.flows.ask_health_check(job.request),
    "logs": logs,
    "describe": describe_or_events,
    "events": describe_or_events,
    "show_yaml": describe_or_events,
    "diagnose": diagnose,
    "fix": diagnose,
    "undo": lambda kit, job: fixes.undo(kit, job),
    "scale": propose,
    "restart": propose,
    "rollback": propose,
    "set_image": propose,
    "set_resources": propose,
    "delete_pod": propose,
}
