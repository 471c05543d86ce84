"""One handler per intent, registered in one table.

``DIRECT`` answers what needs no slot filling (lists, overview, session commands); ``FILLED`` runs a request once
its slots are filled (logs, describe, events, diagnose, fix, and the changes, which become plans). Every handler gets
the same narrow ``Kit`` — the turn's context and the read-only views — never the conversation itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubecopilot.dialogue.flows import Flows
from kubecopilot.dialogue.models import CHANGE_INTENTS, RoutedRequest
from kubecopilot.dialogue.ports import TurnContext
from kubecopilot.dialogue.scan_answer import scan_answer
from kubecopilot.dialogue.session import Session
from kubecopilot.dialogue.turns import Answer, TableBlock, TextBlock, Turn
from kubecopilot.dialogue.understanding import KnownNames
from kubecopilot.dialogue.views import Views, suggestion
from kubecopilot.messages import Language, say

QUICK_COMMANDS: list[tuple[str, str]] = [  # (label: a suggestion key, command)
    ("clusters", "list clusters"),
    ("overview", "cluster overview"),
    ("namespaces", "list namespaces"),
    ("unhealthy_pods", "unhealthy pods"),
    ("warning_events", "warning events"),
    ("refresh", "refresh cache"),
]


@dataclass
class Kit:
    """What handlers share during a turn: the ports and session (``ctx``), the reads, the multi-step flows."""

    ctx: TurnContext
    views: Views
    flows: Flows
    names: KnownNames

    @property
    def session(self) -> Session:
        return self.ctx.session

    @property
    def lang(self) -> Language:
        return self.ctx.session.language


Direct = Callable[[Kit, RoutedRequest], Turn]
Filled = Callable[[Kit, RoutedRequest, dict[str, Any], str], Turn]


def menu(session: Session) -> Answer:
    """The quick commands, numbered: a bare number runs one."""
    lang = session.language
    suggestions = [suggestion(key, lang, cmd) for key, cmd in QUICK_COMMANDS]
    rows = [[str(i), s.label] for i, s in enumerate(suggestions, 1)]
    session.offer(suggestions, "menu")
    return Answer(title=say("title_quick_commands", lang), blocks=[TableBlock(columns=["#", "COMMAND"], rows=rows)])


def refresh_cache(kit: Kit, req: RoutedRequest | None = None) -> Answer:
    return Answer(title=say("cache_cleared", kit.lang, count=kit.ctx.gateway.refresh_cache()))


def show_help(kit: Kit, req: RoutedRequest) -> Answer:
    return Answer(title="KubeCopilot", blocks=[TextBlock(text=say("help", kit.lang)), *menu(kit.session).blocks])


def show_context(kit: Kit, req: RoutedRequest) -> Answer:
    rows = [[k, str(v)] for k, v in kit.session.context().items()]
    return Answer(title=say("title_context", kit.lang), blocks=[TableBlock(columns=["", ""], rows=rows)])


def switch(kit: Kit, req: RoutedRequest) -> Answer:
    """"switch to prod-cluster", "切换到 dev": the cluster was set by routing; set the namespace here."""
    if not req.cluster and not req.namespace:
        return kit.views.list_clusters()
    if req.namespace:
        kit.session.set_namespace(req.namespace)
    return Answer(title=say("switched", kit.lang, cluster=kit.session.cluster or _current_cluster(kit),
                            namespace=kit.session.namespace or "—"))


def _current_cluster(kit: Kit) -> str:
    """The server's current cluster by name (the session says None for "whatever the server calls current")."""
    records = kit.names.records("list_clusters", read=True, cluster=kit.session.cluster)
    current = next((r.name for r in records if r.raw.get("current")), None)
    return current or say("current_cluster", kit.lang)


def _here(kit: Kit, req: RoutedRequest) -> str | None:
    return req.namespace or kit.session.namespace


DIRECT: dict[str, Direct] = {
    "refresh_cache": refresh_cache,
    "menu": lambda kit, req: menu(kit.session),
    "help": show_help,
    "context": show_context,
    "switch_context": switch,
    "list_clusters": lambda kit, req: kit.views.list_clusters(),
    "cluster_status": lambda kit, req: kit.views.cluster_status(),
    "list_namespaces": lambda kit, req: kit.views.list_namespaces(),
    "list_nodes": lambda kit, req: kit.views.list_nodes(),
    "list_pods": lambda kit, req: kit.views.list_pods(_here(kit, req), req.target),
    "list_deployments": lambda kit, req: kit.views.list_deployments(_here(kit, req)),
    "list_services": lambda kit, req: kit.views.list_services(_here(kit, req)),
    "unhealthy_pods": lambda kit, req: scan_answer(kit.ctx.gateway, req.namespace, cluster=kit.session.cluster,
                                                   language=kit.lang),
    "warning_events": lambda kit, req: kit.views.warning_events(req.namespace),
    "health_check": lambda kit, req: kit.flows.ask_health_check(req),
}


def logs(kit: Kit, req: RoutedRequest, filled: dict[str, Any], text: str) -> Turn:
    ns: str = filled.get("namespace") or ""
    kit.session.remember("pod", filled["pod"], ns)
    kit.ctx.progress(say("progress_logs", kit.lang, where=f"{ns}/{filled['pod']}"))
    return kit.views.logs(ns, filled["pod"], previous=req.previous)


def describe_or_events(kit: Kit, req: RoutedRequest, filled: dict[str, Any], text: str) -> Turn:
    ns: str | None = filled.get("namespace")
    kind, _, name = (filled.get("object") or "/").partition("/")
    if name:
        kit.session.remember(kind, name, ns)
    step = ("progress_describe" if req.intent == "describe" else "progress_events") if name else "progress_events_in"
    kit.ctx.progress(say(step, kit.lang, where=f"{ns}/{name}", namespace=ns))
    if req.intent == "describe":
        return kit.views.describe(ns, kind, name)
    return kit.views.events(ns, kind or None, name or None)


def diagnose(kit: Kit, req: RoutedRequest, filled: dict[str, Any], text: str) -> Turn:
    """Diagnose the workload; for "fix …" go on to the plan of the diagnosis' fix."""
    ns: str | None = filled.get("namespace")
    kind, _, name = filled["workload"].partition("/")
    kit.session.remember(kind, name, ns)
    diagnosis_turn, diagnosis = kit.flows.diagnose(ns, kind, name)
    if req.intent == "diagnose" or diagnosis is None:
        return diagnosis_turn
    return kit.flows.fix_from_diagnosis(diagnosis, text)


def propose(kit: Kit, req: RoutedRequest, filled: dict[str, Any], text: str) -> Turn:
    return kit.flows.propose_from_slots(req.intent, filled)


FILLED: dict[str, Filled] = {
    "logs": logs,
    "describe": describe_or_events,
    "events": describe_or_events,
    "diagnose": diagnose,
    "fix": diagnose,
    **{intent: propose for intent in sorted(CHANGE_INTENTS - {"fix"})},
}
