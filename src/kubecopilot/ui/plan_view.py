"""The three-layer approval prompt for an OperationPlan, rendered with rich.

Layer 1: a one-line summary with a risk badge. Layer 2: a table op / path / before → after. Layer 3: the
before/after YAML diff, hidden until the person types ``d``. Risk rationale, factors and post-conditions sit under
the table; ``e`` explains (the AI's rationale, the factors, what a rollback would do). The text carries the meaning
on its own (the badge says "HIGH RISK"), so nothing is lost under NO_COLOR, which rich honours.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable, Iterable
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from kubecopilot.plans.model import ApprovalDecision, OperationPlan
from kubecopilot.plans.summary import change_rows, describe_rollback, summarize, yaml_diff

RISK_STYLES = {"low": "bold black on green", "medium": "bold black on yellow", "high": "bold white on red"}
RISK_TEXT_STYLES = {"low": "green", "medium": "yellow", "high": "bold red"}
STATUS_STYLES = {"pending": "yellow", "confirmed": "cyan", "executed": "green", "failed": "red",
                 "reverted": "magenta", "rejected": "dim", "expired": "dim"}
PROMPT = "Apply this change? [y]es / [n]o / [d]iff / [e]xplain: "
YES, NO = {"y", "yes", "是", "好", "确认"}, {"n", "no", "否", "不", "取消"}
MAX_UNCLEAR_ANSWERS = 5


def risk_badge(level: str) -> Text:
    return Text(f" {level.upper()} RISK ", style=RISK_STYLES.get(level, "bold"))


def render_summary(plan: OperationPlan) -> Text:
    """Layer 1."""
    return Text.assemble(risk_badge(plan.risk.level), " ", Text(summarize(plan), style="bold"))


def render_changes(plan: OperationPlan) -> Table:
    """Layer 2."""
    table = Table(title="Changes", title_justify="left", show_lines=False, expand=False)
    table.add_column("op", style="cyan", no_wrap=True)
    table.add_column("path", overflow="fold")
    table.add_column("before → after", overflow="fold")
    for row in change_rows(plan):
        change = Text.assemble((format_value(row.before, "(absent)"), "red"), " → ",
                               (format_value(row.after, "(removed)"), "green"))
        table.add_row(row.op, row.path, change)
    return table


def render_risk(plan: OperationPlan) -> RenderableType:
    risk = plan.risk
    score = f" (score {risk.score:.2f})" if risk.score is not None else ""
    # The factors are listed below; the rationale only adds something when no factor fired (it says why "low").
    headline = f"{risk.level}{score}" if risk.factors else risk.rationale
    lines: list[RenderableType] = [Text.assemble(("Risk: ", "bold"), headline)]
    lines += _bullets("Factors", risk.factors)
    lines += _bullets("After the change KubeCopilot checks", risk.post_conditions)
    return Group(*lines)


def render_diff(plan: OperationPlan) -> RenderableType:
    """Layer 3: the before/after YAML as a unified diff."""
    text = yaml_diff(plan) or "(no difference in the object's YAML)"
    return Panel(Syntax(text, "diff", theme="ansi_dark", word_wrap=True, background_color="default"),
                 title="YAML diff (before → after)", title_align="left", expand=False)


def render_explain(plan: OperationPlan) -> RenderableType:
    why = plan.ai_rationale or "No rationale was given; the change was requested directly."
    parts: list[RenderableType] = [Text.assemble(("Why: ", "bold"), why)]
    parts += _bullets("Risk factors", plan.risk.factors or ["none of the risk rules fired"])
    parts.append(Text.assemble(("If it goes wrong: ", "bold"), describe_rollback(plan)))
    if plan.audit.source_prompt_id:
        parts.append(Text(f"Drafted by prompt {plan.audit.source_prompt_id}", style="dim"))
    return Panel(Group(*parts), title="Explain", title_align="left", expand=False)


def render_plan(plan: OperationPlan, *, show_diff: bool = False) -> RenderableType:
    """Everything shown before the question: layers 1 and 2, the risk, and layer 3 only when asked for."""
    header = Text(f"Plan {plan.plan_id[:8]} · {plan.action} · {plan.resource.label()}", style="dim")
    parts: list[RenderableType] = [render_summary(plan), header, render_changes(plan), render_risk(plan)]
    parts.append(render_diff(plan) if show_diff else Text("(d shows the full YAML diff)", style="dim"))
    return Group(*parts)


def prompt_approval(plan: OperationPlan, console: Console, read_line: Callable[[str], str], *,
                    user: str | None = None) -> ApprovalDecision:
    """Show the plan and ask. ``read_line`` is ``input`` in the CLI and prompt-toolkit's prompt in the REPL.

    EOF or Ctrl-C → not approved and ``interrupted`` (the plan stays pending). High risk asks for the name.
    """
    by = user or current_user()
    if plan.status != "pending":
        console.print(Text(f"Plan {plan.plan_id[:8]} is {plan.status}; it cannot be approved.", style="red"))
        return ApprovalDecision(approved=False, by=by, interrupted=True, reason=f"plan is {plan.status}")
    console.print(render_plan(plan))
    try:
        return _ask(plan, console, read_line, by)
    except (EOFError, KeyboardInterrupt):
        console.print(Text("\nNo answer: nothing was changed and the plan stays pending.", style="yellow"))
        return ApprovalDecision(approved=False, by=by, interrupted=True, reason="no answer")


def _ask(plan: OperationPlan, console: Console, read_line: Callable[[str], str], by: str) -> ApprovalDecision:
    for _ in range(MAX_UNCLEAR_ANSWERS):
        answer = read_line(PROMPT).strip().lower()
        if answer in YES:
            return _confirm(plan, console, read_line, by)
        if answer in NO:  # the caller reports the outcome (the REPL renders the turn, the CLI its error)
            return ApprovalDecision(approved=False, by=by, reason="declined")
        if answer in {"d", "diff"}:
            console.print(render_diff(plan))
        elif answer in {"e", "explain"}:
            console.print(render_explain(plan))
        else:
            console.print("Please answer y (apply), n (do not apply), d (show the diff) or e (explain).")
    console.print(Text("No clear answer: the plan stays pending.", style="yellow"))
    return ApprovalDecision(approved=False, by=by, interrupted=True, reason="no clear answer")


def _confirm(plan: OperationPlan, console: Console, read_line: Callable[[str], str], by: str) -> ApprovalDecision:
    if plan.risk.level != "high":
        return ApprovalDecision(approved=True, by=by)
    name = plan.resource.name
    typed = read_line(f"This is HIGH risk. Type the name of the {plan.resource.kind} ({name}) to confirm: ").strip()
    if typed != name:
        console.print(Text(f"{typed!r} is not {name!r}: not approved, nothing was changed.", style="red"))
        return ApprovalDecision(approved=False, by=by, typed_name=typed, reason="typed name did not match")
    return ApprovalDecision(approved=True, by=by, typed_name=typed)


def render_report(report: Any) -> RenderableType:
    """An ``ExecutionReport``: outcome, steps, post-conditions."""
    style = {"executed": "green" if report.verified else "yellow", "reverted": "red"}.get(report.outcome, "cyan")
    parts: list[RenderableType] = [Text.assemble((f"{report.outcome.upper()} ", f"bold {style}"), report.message)]
    for condition in report.conditions:
        mark = ("✓", "green") if condition.met else ("✗", "red")
        parts.append(Text.assemble("  ", mark, f" {condition.text} — {condition.detail}"))
    if report.rolled_back_steps:
        parts.append(Text(f"  rolled back: {', '.join(report.rolled_back_steps)}", style="magenta"))
    return Group(*parts)


def plans_table(plans: Iterable[OperationPlan]) -> Table:
    table = Table(title="Plans", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("id", "created", "action", "resource", "risk", "status"):
        table.add_column(column, no_wrap=column != "resource", overflow="fold")
    for plan in plans:
        created = plan.audit.timestamps.created_at.strftime("%Y-%m-%d %H:%M")
        risk = Text(plan.risk.level, style=RISK_TEXT_STYLES.get(plan.risk.level, ""))
        table.add_row(plan.plan_id[:8], created, plan.action, plan.resource.label(), risk,
                      Text(plan.status, style=STATUS_STYLES.get(plan.status, "")))
    return table


def format_value(value: Any, missing: str) -> str:
    if value is None:
        return missing
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def current_user() -> str:
    try:
        return f"user:{getpass.getuser()}"
    except (KeyError, OSError):
        return "user:unknown"


def _bullets(title: str, items: list[str]) -> list[RenderableType]:
    if not items:
        return []
    return [Text(f"{title}:", style="bold"), *(Text(f"  • {item}") for item in items)]
