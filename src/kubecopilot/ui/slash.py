"""The REPL's slash commands: one table (``COMMANDS``), each entry a name, its catalogue key for /help and the
completion menu, what its argument completes from, and a function of a ``SlashContext``.

A command sees the context, never the REPL: the conversation and its session, the gateway, the plan service, the
names seen so far, and three callbacks (show a turn, take a plan to its approval question, describe the model).
Conversation things (/menu, /refresh) go through the engine like typed text; the rest shows local state (cache,
context, plans, audit) or sets it (/ns, /cluster).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from kubecopilot.dialogue.turns import ErrorTurn, Turn
from kubecopilot.messages import Language, say
from kubecopilot.redaction import mask_url_credentials
from kubecopilot.ui.completion import NameIndex
from kubecopilot.ui.plan_view import plans_table
from kubecopilot.ui.render import inline
from kubecopilot.ui.tables import audit_table, cache_tables, tools_table

if TYPE_CHECKING:
    from kubecopilot.dialogue.engine import Conversation
    from kubecopilot.dialogue.session import Session
    from kubecopilot.plans.service import PlanService
    from kubecopilot.tools.gateway import ToolGateway

Argument = Literal["namespace", "cluster", "plan"]  # what a command's argument completes from
AUDIT_ROWS = 20


@dataclass
class SlashContext:
    """What a slash command may use: the app's parts and three callbacks, not the REPL itself."""

    console: Console
    conversation: Conversation
    gateway: ToolGateway
    plans: PlanService
    names: NameIndex
    server: str  # the MCP server's URL (or command line)
    default_cluster: str | None
    show: Callable[[Turn], None]  # render a turn the way the REPL does
    decide: Callable[[str], object]  # a plan id → the three-layer question, then execution if approved
    model: Callable[[], RenderableType]  # what /model says

    @property
    def session(self) -> Session:
        return self.conversation.session

    @property
    def lang(self) -> Language:
        return self.conversation.session.language

    def print(self, *renderables: RenderableType) -> None:
        self.console.print(Group(*renderables))
        self.console.print()


Run = Callable[[SlashContext, str], None]


@dataclass(frozen=True)
class SlashCommand:
    name: str
    help_key: str  # the catalogue key of its /help line (and of its completion hint)
    run: Run
    argument: Argument | None = None
    leaves: bool = False  # /quit: the REPL ends instead of running anything


# --- conversation -----------------------------------------------------------------------------------------------


def show_help(ctx: SlashContext, _: str) -> None:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan", no_wrap=True)
    grid.add_column(overflow="fold")
    for command in COMMANDS:
        grid.add_row(command.name, say(command.help_key, ctx.lang))
    ctx.print(inline(say("help", ctx.lang)), Text(say("slash_commands", ctx.lang), style="bold"), grid,
              Text(say("slash_keys", ctx.lang), style="dim"))


def show_menu(ctx: SlashContext, _: str) -> None:
    ctx.show(ctx.conversation.menu())


def refresh(ctx: SlashContext, _: str) -> None:
    ctx.show(ctx.conversation.refresh_cache())


def clear_screen(ctx: SlashContext, _: str) -> None:
    ctx.console.clear()


def leave(ctx: SlashContext, _: str) -> None:
    """Never run: the REPL ends on a command that ``leaves``."""


# --- state ------------------------------------------------------------------------------------------------------


def show_cache(ctx: SlashContext, _: str) -> None:
    ctx.print(cache_tables(ctx.gateway.cache, ctx.lang))


def show_context(ctx: SlashContext, _: str) -> None:
    context = ctx.session.context()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold cyan")
    grid.add_column(overflow="fold")
    context["cluster"] = context.get("cluster") or server_default(ctx)
    for key, value in context.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items()) or "—"
        grid.add_row(key.replace("_", " "), "—" if value in (None, "") else str(value))
    ctx.print(Text(say("slash_context", ctx.lang), style="bold"), grid)


@dataclass(frozen=True)
class Scope:
    """What /ns and /cluster set: the session's namespace or cluster, checked against what the cluster lists."""

    kind: Literal["namespace", "cluster"]
    capability: str  # the listing the name is checked against
    unknown_key: str  # catalogue: "there is no … {name}"
    set_key: str  # catalogue: "… → {name}"


NAMESPACE = Scope("namespace", "list_namespaces", "slash_unknown_namespace", "slash_namespace_set")
CLUSTER = Scope("cluster", "list_clusters", "slash_unknown_cluster", "slash_cluster_set")


def switch(scope: Scope) -> Run:
    """/ns or /cluster: with a name, work there from now on (a name the cluster does not list is refused); without
    one, say where we are and what is known."""

    def run(ctx: SlashContext, name: str) -> None:
        known = known_names(ctx, scope)
        lang = ctx.lang
        known_line = Text(say("slash_known", lang, names=", ".join(known)) if known else "", style="dim")
        if not name:
            ctx.print(Text.assemble(f"{scope.kind}: ", (current(ctx, scope), "bold")), known_line)
        elif known and name not in known:
            ctx.show(ErrorTurn(message=say(scope.unknown_key, lang, name=repr(name)),
                               hint=say("slash_known", lang, names=", ".join(known))))
        else:
            if scope.kind == "namespace":
                ctx.session.set_namespace(name)
            else:
                ctx.session.set_cluster(name)
            ctx.print(inline(say(scope.set_key, lang, name=name)))

    return run


def current(ctx: SlashContext, scope: Scope) -> str:
    if scope.kind == "namespace":
        return ctx.session.namespace or say("slash_none_chosen", ctx.lang)
    return ctx.session.cluster or server_default(ctx)


def known_names(ctx: SlashContext, scope: Scope) -> list[str]:
    """What the cluster lists (cached reads), remembered for completion; [] when the server cannot list them."""
    if not ctx.gateway.has(scope.capability):
        return []
    cluster = ctx.session.cluster if scope.kind == "namespace" else None
    names = ctx.gateway.records(scope.capability, cluster=cluster).names()
    ctx.names.add(scope.kind, names)
    return names


def server_default(ctx: SlashContext) -> str:
    return say("slash_server_default", ctx.lang, cluster=ctx.default_cluster or "default")


def show_model(ctx: SlashContext, _: str) -> None:
    ctx.print(ctx.model())


# --- tools, plans, audit ----------------------------------------------------------------------------------------


def show_tools(ctx: SlashContext, _: str) -> None:
    from kubecopilot.tools.catalog import catalog_rows

    rows = catalog_rows(ctx.gateway.catalog, ctx.gateway.cache.ttls)
    table = tools_table(rows, mask_url_credentials(ctx.server), ctx.gateway.profile.name, width=ctx.console.width)
    # Its lines are laid out already: let the terminal wrap them rather than rich re-flowing the columns.
    ctx.console.print(table, soft_wrap=True, highlight=False, markup=False)
    ctx.console.print()


def show_plans(ctx: SlashContext, _: str) -> None:
    ctx.conversation.forget_changed_elsewhere()  # a plan executed elsewhere: its namespace's cached reads go
    plans = ctx.plans.list()
    ctx.print(plans_table(plans, lang=ctx.lang) if plans else Text(say("slash_no_plans", ctx.lang), style="dim"))


def approve(ctx: SlashContext, plan_id: str) -> None:
    """A pending plan from the ledger, whoever proposed it: the same three-layer question, then execution. The
    four-eyes policy is the plan service's: it refuses the requester's own approval where a second person is due."""
    lang = ctx.lang
    if not plan_id:
        ctx.show(ErrorTurn(message=say("slash_approve_which", lang), hint=say("slash_plans_list", lang)))
        return
    plan = ctx.plans.get(plan_id)
    if plan.status != "pending":
        ctx.show(ErrorTurn(message=say("slash_not_pending", lang, plan=plan.plan_id[:8], status=plan.status),
                           hint=say("slash_plans_list", lang), code="usage_error"))
        return
    ctx.decide(plan.plan_id)


def rollback(ctx: SlashContext, plan_id: str) -> None:
    lang = ctx.lang
    if not plan_id:
        ctx.show(ErrorTurn(message=say("slash_rollback_which", lang), hint=say("slash_plans_list", lang)))
        return
    plan = ctx.plans.rollback(plan_id)
    ctx.console.print(Text(say("slash_rollback_of", lang, rollback=plan.plan_id[:8], plan=plan_id), style="bold"))
    ctx.decide(plan.plan_id)


def show_audit(ctx: SlashContext, _: str) -> None:
    entries = ctx.plans.ledger.history()[-AUDIT_ROWS:]
    if not entries:
        ctx.print(Text(say("slash_audit_empty", ctx.lang), style="dim"))
        return
    ctx.print(audit_table(entries, title=say("audit_title_last", ctx.lang, rows=len(entries)),
                          caption=say("audit_caption_verify", ctx.lang)))


# --- the table --------------------------------------------------------------------------------------------------

COMMANDS: tuple[SlashCommand, ...] = (
    SlashCommand("/help", "slash_help_help", show_help),
    SlashCommand("/menu", "slash_help_menu", show_menu),
    SlashCommand("/refresh", "slash_help_refresh", refresh),
    SlashCommand("/cache", "slash_help_cache", show_cache),
    SlashCommand("/context", "slash_help_context", show_context),
    SlashCommand("/ns", "slash_help_ns", switch(NAMESPACE), argument="namespace"),
    SlashCommand("/cluster", "slash_help_cluster", switch(CLUSTER), argument="cluster"),
    SlashCommand("/tools", "slash_help_tools", show_tools),
    SlashCommand("/plans", "slash_help_plans", show_plans),
    SlashCommand("/approve", "slash_help_approve", approve, argument="plan"),
    SlashCommand("/rollback", "slash_help_rollback", rollback, argument="plan"),
    SlashCommand("/audit", "slash_help_audit", show_audit),
    SlashCommand("/model", "slash_help_model", show_model),
    SlashCommand("/clear", "slash_help_clear", clear_screen),
    SlashCommand("/quit", "slash_help_quit", leave, leaves=True),
)
BY_NAME = {command.name: command for command in COMMANDS}
ALIASES = {"?": "/menu", "？": "/menu", "/exit": "/quit", "/q": "/quit", "/h": "/help", "/namespace": "/ns"}


def is_slash(text: str) -> bool:
    return text.startswith("/") or text in ALIASES


def parse(text: str) -> tuple[str, SlashCommand | None, str]:
    """``/ns dev`` → ("/ns", its command, "dev"); an unknown name → (name, None, argument)."""
    name, _, arg = text.partition(" ")
    name = ALIASES.get(name.lower(), name.lower())
    return name, BY_NAME.get(name), arg.strip()


def unknown(name: str, lang: Language) -> ErrorTurn:
    close = difflib.get_close_matches(name, BY_NAME, n=1)
    hint = say("slash_did_you_mean", lang, name=close[0]) if close else say("slash_help_lists", lang)
    return ErrorTurn(message=say("slash_unknown", lang, name=name), hint=hint, code="usage_error")
