"""One handler per intent, in one table keyed by the intent's name (``HANDLERS``).

An intent's data — keywords, help, slots, the change it is — lives in ``intents.yaml`` (``registry.py``); here is only
what each one does. An intent with slots runs once they are filled (logs, describe, events, diagnose, fix, and the
changes, which become plans); one without answers at once (lists, overview, session commands). Every handler gets
the same narrow ``Kit`` — the turn's context and the read-only views — never the conversation itself. The follow-up
intents (choose, cancel, unknown) are the conversation's own and have no handler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubecopilot.dialogue.flows import Flows
from kubecopilot.dialogue.models import RoutedRequest
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


Handler = Callable[[Kit, RoutedRequest, dict[str, Any], str], Turn]  # (kit, request, filled slots, what was typed)
Direct = Callable[[Kit, RoutedRequest], Turn]


def _direct(answer: Direct) -> Handler:
    """A handler for an intent without slots: it needs neither filled slots nor the text."""
    return lambda kit, req, filled, text: answer(kit, req)


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


HANDLERS: dict[str, Handler] = {
    "refresh_cache": _direct(refresh_cache),
    "menu": _direct(lambda kit, req: menu(kit.session)),
    "help": _direct(show_help),
    "context": _direct(show_context),
    "switch_context": _direct(switch),
    "list_clusters": _direct(lambda kit, req: kit.views.list_clusters()),
    "cluster_status": _direct(lambda kit, req: kit.views.cluster_status()),
    "list_namespaces": _direct(lambda kit, req: kit.views.list_namespaces()),
    "list_nodes": _direct(lambda kit, req: kit.views.list_nodes()),
    "list_pods": _direct(lambda kit, req: kit.views.list_pods(_here(kit, req), req.target)),
    "list_deployments": _direct(lambda kit, req: kit.views.list_deployments(_here(kit, req))),
    "list_services": _direct(lambda kit, req: kit.views.list_services(_here(kit, req))),
    "unhealthy_pods": _direct(lambda kit, req: scan_answer(kit.ctx.gateway, req.namespace, cluster=kit.session.cluster,
                                                           language=kit.lang)),
    "warning_events": _direct(lambda kit, req: kit.views.warning_events(req.namespace)),
    "health_check": _direct(lambda kit, req: kit.flows.ask_health_check(req)),
    "logs": logs,
    "describe": describe_or_events,
    "events": describe_or_events,
    "diagnose": diagnose,
    "fix": diagnose,
    "scale": propose,
    "restart": propose,
    "rollback": propose,
    "set_image": propose,
    "set_resources": propose,
    "delete_pod": propose,
}
