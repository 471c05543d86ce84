"""The REPL's slash commands. Conversation things (/menu, /refresh) go through the engine like typed text; the
rest shows local state (cache, context, plans, audit) or sets it (/ns, /cluster)."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from kubecopilot.dialogue.turns import ErrorTurn
from kubecopilot.messages import say
from kubecopilot.ui.banner import model_line
from kubecopilot.ui.render import human_age, inline

if TYPE_CHECKING:
    from kubecopilot.ui.repl import Repl

# Each command and the catalogue key of what it does (/help says it in the session's language).
SLASH_KEYS: dict[str, str] = {
    "/help": "slash_help_help",
    "/menu": "slash_help_menu",
    "/refresh": "slash_help_refresh",
    "/cache": "slash_help_cache",
    "/context": "slash_help_context",
    "/ns": "slash_help_ns",
    "/cluster": "slash_help_cluster",
    "/tools": "slash_help_tools",
    "/plans": "slash_help_plans",
    "/approve": "slash_help_approve",
    "/rollback": "slash_help_rollback",
    "/audit": "slash_help_audit",
    "/model": "slash_help_model",
    "/clear": "slash_help_clear",
    "/quit": "slash_help_quit",
}
SLASH_HELP: dict[str, str] = {name: say(key, "en") for name, key in SLASH_KEYS.items()}  # the completion menu's
ALIASES = {"?": "/menu", "？": "/menu", "/exit": "/quit", "/q": "/quit", "/h": "/help", "/namespace": "/ns"}
AUDIT_ROWS = 20


class SlashCommands:
    def __init__(self, repl: Repl) -> None:
        self.repl = repl
        self.handlers: dict[str, Callable[[str], None]] = {
            "/help": self.help, "/menu": self.menu, "/refresh": self.refresh, "/cache": self.cache,
            "/context": self.context, "/ns": self.namespace, "/cluster": self.cluster, "/tools": self.tools,
            "/plans": self.plans, "/approve": self.approve, "/rollback": self.rollback, "/audit": self.audit, "/model": self.model,
            "/clear": self.clear,
        }  # fmt: skip

    @property
    def app(self) -> Any:
        return self.repl.app

    def print(self, *renderables: Any) -> None:
        self.repl.console.print(Group(*renderables))
        self.repl.console.print()

    def run(self, text: str) -> bool:
        """Run one slash command; False for /quit."""
        name, _, arg = text.partition(" ")
        name = ALIASES.get(name.lower(), name.lower())
        if name == "/quit":
            return False
        handler = self.handlers.get(name)
        if handler is None:
            lang = self.repl.lang
            close = difflib.get_close_matches(name, SLASH_HELP, n=1)
            hint = say("slash_did_you_mean", lang, name=close[0]) if close else say("slash_help_lists", lang)
            self.repl.show(ErrorTurn(message=say("slash_unknown", lang, name=name), hint=hint, code="usage_error"))
            return True
        self.repl.guarded(lambda: handler(arg.strip()), name.lstrip("/"))
        return True

    # --- conversation -------------------------------------------------------------------------------------------

    def clear(self, _: str) -> None:
        self.repl.console.clear()

    def help(self, _: str) -> None:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold cyan", no_wrap=True)
        grid.add_column(overflow="fold")
        lang = self.repl.lang
        for name, key in SLASH_KEYS.items():
            grid.add_row(name, say(key, lang))
        self.print(inline(say("help", lang)), Text(say("slash_commands", lang), style="bold"), grid,
                   Text(say("slash_keys", lang), style="dim"))

    def menu(self, _: str) -> None:
        self.repl.show(self.app.conversation.menu())

    def refresh(self, _: str) -> None:
        self.repl.show(self.app.conversation.refresh_cache())

    # --- state --------------------------------------------------------------------------------------------------

    def cache(self, _: str) -> None:
        cache = self.app.gateway.cache
        entries = cache.entries()
        table = Table(title=f"Cached reads ({len(entries)})", title_justify="left", box=box.SIMPLE_HEAD,
                      show_edge=False)
        for column in ("policy", "tool", "arguments", "age", "ttl"):
            table.add_column(column, overflow="fold", no_wrap=column in ("age", "ttl"))
        for e in entries:
            args = json.dumps(dict(e.args), ensure_ascii=False, sort_keys=True) if e.args else ""
            table.add_row(e.policy, e.tool, args, human_age(e.age_s), human_age(e.ttl_s))
        stats = Table(title="Hits and misses", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
        for column in ("policy", "entries", "hits", "misses", "ttl"):
            stats.add_column(column, justify="left" if column == "policy" else "right")
        for policy, s in sorted(cache.stats().items()):
            if s["entries"] or s["hits"] or s["misses"]:
                stats.add_row(policy, str(s["entries"]), str(s["hits"]), str(s["misses"]), human_age(s["ttl_s"]))
        body = table if entries else Text(say("slash_cache_empty", self.repl.lang), style="dim")
        self.print(body, stats if stats.row_count else Text(say("slash_no_reads", self.repl.lang), style="dim"))

    def context(self, _: str) -> None:
        ctx = self.repl.session.context()
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold cyan")
        grid.add_column(overflow="fold")
        ctx["cluster"] = ctx.get("cluster") or self._server_default()
        for key, value in ctx.items():
            if isinstance(value, dict):
                value = ", ".join(f"{k}: {v}" for k, v in value.items()) or "—"
            grid.add_row(key.replace("_", " "), "—" if value in (None, "") else str(value))
        self.print(Text(say("slash_context", self.repl.lang), style="bold"), grid)

    def namespace(self, name: str) -> None:
        session = self.repl.session
        known = self._known("list_namespaces", "namespace")
        if not name:
            self.print(Text.assemble("namespace: ", (session.namespace or "— (none chosen)", "bold")),
                       Text(f"known: {', '.join(known)}" if known else "", style="dim"))
            return
        if known and name not in known:
            self.repl.show(ErrorTurn(message=f"there is no namespace {name!r} here", hint=f"known: {', '.join(known)}"))
            return
        session.set_namespace(name)
        self.print(Text.assemble("namespace → ", (name, "bold")))

    def cluster(self, name: str) -> None:
        session = self.repl.session
        known = self._known("list_clusters", "cluster")
        if not name:
            current = session.cluster or self._server_default()
            self.print(Text.assemble("cluster: ", (current, "bold")),
                       Text(f"known: {', '.join(known)}" if known else "", style="dim"))
            return
        if known and name not in known:
            self.repl.show(ErrorTurn(message=f"there is no cluster {name!r}", hint=f"known: {', '.join(known)}"))
            return
        session.set_cluster(name)
        self.print(Text.assemble("cluster → ", (name, "bold"), ("  (namespace and recent objects cleared)", "dim")))

    def _server_default(self) -> str:
        return say("slash_server_default", self.repl.lang, cluster=self.repl.default_cluster or "default")

    def _known(self, capability: str, kind: str) -> list[str]:
        gateway = self.app.gateway
        if not gateway.has(capability):
            return []
        cluster = self.repl.session.cluster if kind == "namespace" else None
        names = gateway.records(capability, cluster=cluster).names()
        self.repl.names.add(kind, names)
        return names

    def model(self, _: str) -> None:
        text, hint = model_line(self.app)
        lines = [Text.assemble(("model: ", "bold"), text)]
        if not self.app.offline:
            lines.append(Text(f"status: {self.repl.brain_state}", style="dim"))
        if hint:
            lines.append(Text(hint, style="dim"))
        lines.append(Text("Change it with --model, KUBECOPILOT_MODEL or llm.model in the config file "
                          "(any litellm model string); --offline turns the LLM off.", style="dim"))
        self.print(Group(*lines))

    # --- tools, plans, audit ------------------------------------------------------------------------------------

    def tools(self, _: str) -> None:
        from kubecopilot.commands.tools import render_table  # the same table as `kubecopilot tools`
        from kubecopilot.tools.catalog import catalog_rows

        gateway = self.app.gateway
        rows = catalog_rows(gateway.catalog, gateway.cache.ttls)
        # Its lines are laid out already: let the terminal wrap them rather than rich re-flowing the columns.
        self.repl.console.print(render_table(rows, self.app.mcp_url, gateway.profile.name), soft_wrap=True,
                                highlight=False, markup=False)
        self.repl.console.print()

    def plans(self, _: str) -> None:
        from kubecopilot.ui.plan_view import plans_table

        plans = self.app.plans.list()
        lang = self.repl.lang
        self.print(plans_table(plans, lang=lang) if plans else Text(say("slash_no_plans", lang), style="dim"))

    def approve(self, plan_id: str) -> None:
        """A pending plan from the ledger, whoever proposed it: the same three-layer question, then execution. The
        four-eyes policy is the plan service's: it refuses the requester's own approval where a second person is due."""
        if not plan_id:
            lang = self.repl.lang
            self.repl.show(ErrorTurn(message=say("slash_approve_which", lang), hint=say("slash_plans_list", lang)))
            return
        plan = self.app.plans.get(plan_id)
        if plan.status != "pending":
            lang = self.repl.lang
            self.repl.show(ErrorTurn(message=say("slash_not_pending", lang, plan=plan.plan_id[:8], status=plan.status),
                                     hint=say("slash_plans_list", lang), code="usage_error"))
            return
        self.repl.decide(plan.plan_id)

    def rollback(self, plan_id: str) -> None:
        if not plan_id:
            lang = self.repl.lang
            self.repl.show(ErrorTurn(message=say("slash_rollback_which", lang), hint=say("slash_plans_list", lang)))
            return
        plan = self.app.plans.rollback(plan_id)
        self.repl.console.print(Text(say("slash_rollback_of", self.repl.lang, rollback=plan.plan_id[:8], plan=plan_id),
                                     style="bold"))
        self.repl.decide(plan.plan_id)

    def audit(self, _: str) -> None:
        entries = self.app.plans.ledger.history()[-AUDIT_ROWS:]
        if not entries:
            self.print(Text(say("slash_audit_empty", self.repl.lang), style="dim"))
            return
        table = Table(title=f"Audit ledger (last {len(entries)})", title_justify="left", box=box.SIMPLE_HEAD,
                      show_edge=False, caption="kubecopilot audit verify checks the hash chain")
        for column in ("#", "at", "plan", "event", "actor", "status"):
            table.add_column(column, overflow="fold", no_wrap=column in ("#", "plan"))
        for e in entries:
            table.add_row(str(e.seq), e.at, e.plan_id[:8], e.event, e.actor, e.status)
        self.print(table)
