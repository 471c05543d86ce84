"""The three-layer approval prompt for an OperationPlan, rendered with rich.

Layer 1: a one-line summary with a risk badge. Layer 2: a table op / path / before → after. Layer 3: the
before/after YAML diff, hidden until the person types ``d``. Risk rationale, factors and post-conditions sit under
the table; ``e`` explains (the AI's rationale, the factors, what a rollback would do). The text carries the meaning
on its own (the badge says "HIGH RISK"), so nothing is lost under NO_COLOR, which rich honours.

Everything is said in the session's language (``lang``): the frame (badge, labels, titles, the questions) from the
catalogue, and the plan's own texts (summary, risk rationale and factors, post-conditions, rollback) through the
plan domain's phrases (``plans.wording``), which the catalogue says too.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from kubecopilot.dialogue.answers import yes_or_no
from kubecopilot.messages import Language, say
from kubecopilot.plans import wording
from kubecopilot.plans.model import ApprovalDecision, OperationPlan
from kubecopilot.plans.summary import change_rows, describe_rollback, summarize, yaml_diff
from kubecopilot.ui.columns import ESSENTIAL, Cell, Column, FittedTable
from kubecopilot.ui.linebreak import Prose, prose

RISK_STYLES = {"low": "bold black on green", "medium": "bold black on yellow", "high": "bold white on red"}
RISK_TEXT_STYLES = {"low": "green", "medium": "yellow", "high": "bold red"}
STATUS_STYLES = {"pending": "yellow", "confirmed": "cyan", "executed": "green", "failed": "red",
                 "reverted": "magenta", "rejected": "dim", "expired": "dim"}
BADGES = {"low": "plan_badge_low", "medium": "plan_badge_medium", "high": "plan_badge_high"}
LEVELS = {"low": "plan_level_low", "medium": "plan_level_medium", "high": "plan_level_high"}
YES, NO = {"y", "yes", "是", "好", "确认"}, {"n", "no", "否", "不", "取消"}
MAX_UNCLEAR_ANSWERS = 5
NAME_TRIES = 3  # a high-risk plan's name may be mistyped twice; the third wrong name is a no


def risk_badge(level: str, lang: Language = "en") -> Text:
    words = say(BADGES[level], lang) if level in BADGES else f"{level.upper()} RISK"
    return Text(f" {words} ", style=RISK_STYLES.get(level, "bold"))


def risk_level(level: str, lang: Language = "en") -> str:
    return say(LEVELS[level], lang) if level in LEVELS else level


def render_summary(plan: OperationPlan, *, lang: Language = "en") -> Text:
    """Layer 1."""
    return prose(risk_badge(plan.risk.level, lang), " ", Prose(summarize(plan, lang), style="bold"))


def render_changes(plan: OperationPlan, *, lang: Language = "en") -> FittedTable:
    """Layer 2. A JSON pointer is a name: never split (a narrow terminal gets one card per change instead)."""
    columns = [Column("op", "word", 5, style="cyan"), Column("path", "name", ESSENTIAL),
               Column(say("plan_before_after", lang), "text", ESSENTIAL, min_width=12)]
    rows: list[list[Cell]] = []
    for row in change_rows(plan):
        change = Text.assemble((format_value(row.before, say("plan_absent", lang)), "red"), " → ",
                               (format_value(row.after, say("plan_removed", lang)), "green"))
        rows.append([row.op, row.path, change])
    return FittedTable(columns, rows, title=say("plan_changes", lang), box=box.HEAVY_HEAD, show_edge=True, lang=lang)


def render_risk(plan: OperationPlan, *, lang: Language = "en") -> RenderableType:
    risk = plan.risk
    score = say("plan_score", lang, score=f"{risk.score:.2f}") if risk.score is not None else ""
    # The factors are listed below; the rationale only adds something when no factor fired (it says why "low").
    headline = f"{risk_level(risk.level, lang)}{score}" if risk.factors else wording.rationale(risk, lang)
    lines: list[RenderableType] = [prose((say("plan_risk", lang), "bold"), headline)]
    lines += _bullets(say("plan_factors", lang), wording.factors(risk, lang))
    lines += _bullets(say("plan_checks", lang), wording.post_conditions(risk, lang))
    return Group(*lines)


def render_diff(plan: OperationPlan, *, lang: Language = "en") -> RenderableType:
    """Layer 3: the before/after YAML as a unified diff."""
    text = yaml_diff(plan) or say("plan_no_diff", lang)
    return Panel(Syntax(text, "diff", theme="ansi_dark", word_wrap=True, background_color="default"),
                 title=say("plan_diff_title", lang), title_align="left", expand=False)


def render_explain(plan: OperationPlan, *, lang: Language = "en") -> RenderableType:
    why = plan.ai_rationale or say("plan_no_rationale", lang)
    parts: list[RenderableType] = [prose((say("plan_why", lang), "bold"), why)]
    parts += _bullets(say("plan_risk_factors", lang), wording.factors(plan.risk, lang) or [say("plan_no_factors", lang)])
    parts.append(prose((say("plan_if_wrong", lang), "bold"), describe_rollback(plan, lang)))
    if plan.audit.source_prompt_id:
        parts.append(Text(say("plan_drafted_by", lang, prompt=plan.audit.source_prompt_id), style="dim"))
    return Panel(Group(*parts), title=say("plan_explain", lang), title_align="left", expand=False)


def render_plan(plan: OperationPlan, *, show_diff: bool = False, lang: Language = "en") -> RenderableType:
    """Everything shown before the question: layers 1 and 2, the risk, and layer 3 only when asked for."""
    header = Text(say("plan_header", lang, plan=plan.plan_id[:8], action=plan.action, resource=plan.resource.label()),
                  style="dim")
    parts: list[RenderableType] = [render_summary(plan, lang=lang), header, render_changes(plan, lang=lang),
                                   render_risk(plan, lang=lang)]
    parts.append(render_diff(plan, lang=lang) if show_diff else Text(say("plan_diff_hint", lang), style="dim"))
    return Group(*parts)


def prompt_approval(plan: OperationPlan, console: Console, read_line: Callable[[str], str], *,
                    user: str | None = None, lang: Language = "en") -> ApprovalDecision:
    """Show the plan and ask, in ``lang``. ``read_line`` is ``input`` in the CLI and prompt-toolkit's prompt in the REPL.

    EOF or Ctrl-C → not approved and ``interrupted`` (the plan stays pending). High risk asks for the name.
    """
    by = user or current_user()
    if plan.status != "pending":
        console.print(Text(say("plan_not_pending", lang, plan=plan.plan_id[:8], status=plan.status), style="red"))
        return ApprovalDecision(approved=False, by=by, interrupted=True, reason=f"plan is {plan.status}")
    console.print(render_plan(plan, lang=lang))
    try:
        return _ask(plan, console, read_line, by, lang)
    except (EOFError, KeyboardInterrupt):
        console.print(Text("\n" + say("plan_no_answer", lang), style="yellow"))
        return ApprovalDecision(approved=False, by=by, interrupted=True, reason="no answer")


def _ask(plan: OperationPlan, console: Console, read_line: Callable[[str], str], by: str,
         lang: Language) -> ApprovalDecision:
    for _ in range(MAX_UNCLEAR_ANSWERS):
        answer = read_line(say("plan_prompt", lang)).strip().lower()
        if answer in YES:
            return _confirm(plan, console, read_line, by, lang)
        if answer in NO or yes_or_no(answer) == "no":  # "不要", "nope", "别": the conversation's own no-words (a
            # yes stays strict here: only y/yes/是/好/确认 approve a change); the caller reports the outcome
            return ApprovalDecision(approved=False, by=by, reason="declined")
        if answer in {"d", "diff"}:
            console.print(render_diff(plan, lang=lang))
        elif answer in {"e", "explain"}:
            console.print(render_explain(plan, lang=lang))
        else:
            console.print(say("plan_answer_help", lang))
    console.print(Text(say("plan_no_clear_answer", lang), style="yellow"))
    return ApprovalDecision(approved=False, by=by, interrupted=True, reason="no clear answer")


def _confirm(plan: OperationPlan, console: Console, read_line: Callable[[str], str], by: str,
             lang: Language) -> ApprovalDecision:
    if plan.risk.level != "high":
        return ApprovalDecision(approved=True, by=by)
    name = plan.resource.name
    typed = ""
    # the sentence on the console (it wraps between words); the prompt itself stays short
    console.print(Prose(say("plan_type_name", lang, kind=plan.resource.kind, name=name), style="bold"))
    for left in range(NAME_TRIES - 1, -1, -1):  # a typo asks again; only the last wrong name counts as a no
        typed = read_line(say("plan_type_name_prompt", lang)).strip()
        if typed == name:
            return ApprovalDecision(approved=True, by=by, typed_name=typed)
        if left:
            console.print(Text(say("plan_wrong_name_again", lang, typed=repr(typed), name=repr(name), left=left),
                               style="yellow"))
    console.print(Text(say("plan_wrong_name", lang, typed=repr(typed), name=repr(name)), style="red"))
    return ApprovalDecision(approved=False, by=by, typed_name=typed, reason="typed name did not match")


def render_report(report: Any, lang: Language = "en") -> RenderableType:
    """An ``ExecutionReport`` (``plans apply``, ``plans approve``, ``rollback``) in the words the REPL uses for the
    same outcome (``plans.wording``): "Done: …", "Applied, but not verified: …", "Not applied: …", "Not run again: …";
    then each check as read (✓ ✗ ?) and what was rolled back."""
    headline, hint = wording.report_headline(report, lang)
    style = {"executed": "green" if report.verified else "yellow", "reverted": "red"}.get(report.outcome, "cyan")
    parts: list[RenderableType] = [Prose(headline, style=f"bold {style}")]
    for condition in report.conditions:
        colour = {"met": "green", "not_met": "red"}.get(condition.state, "yellow")
        parts.append(prose("  ", Prose(wording.condition_line(condition, lang), style=colour)))
    if report.rolled_back_steps:
        steps = say("report_rolled_back", lang, steps=", ".join(report.rolled_back_steps))
        parts.append(Prose(f"  {steps}", style="magenta"))
    if hint:
        parts.append(Prose(hint, style="dim"))
    return Group(*parts)


def plans_table(plans: Iterable[OperationPlan], *, lang: Language = "en") -> FittedTable:
    columns = [Column("id", "name", ESSENTIAL), Column("created", "word", 3), Column("action", "word", 6),
               Column("resource", "name", ESSENTIAL), Column("risk", "word", 7), Column("status", "word", ESSENTIAL)]
    rows: list[list[Cell]] = [[plan.plan_id[:8], plan.audit.timestamps.created_at.strftime("%Y-%m-%d %H:%M"), plan.action,
             plan.resource.label(), Text(plan.risk.level, style=RISK_TEXT_STYLES.get(plan.risk.level, "")),
             Text(plan.status, style=STATUS_STYLES.get(plan.status, ""))] for plan in plans]
    return FittedTable(columns, rows, title=say("plans_title", lang), lang=lang)


def pending_plans_table(pending: Iterable[tuple[OperationPlan, datetime]],
                        second_person: Callable[[OperationPlan], str | None], *, lang: Language = "en") -> FittedTable:
    """The plans still waiting (for an approval, or approved and waiting to run), with what each one needs."""
    columns = [Column("id", "name", ESSENTIAL), Column("requested by", "name", 5), Column("action", "word", 4),
               Column("resource", "name", ESSENTIAL), Column("risk", "word", 9), Column("status", "word", 6),
               Column("expires (UTC)", "word", 3), Column("needs", "text", 8, min_width=14)]
    rows: list[list[Cell]] = []
    for plan, expires in pending:
        needs = say("plans_needs_second" if second_person(plan) else "plans_needs_approval", lang)
        if plan.status == "confirmed":
            needs = say("plans_needs_apply", lang, by=plan.audit.confirmed_by)
        rows.append([plan.plan_id[:8], plan.audit.requested_by, plan.action, plan.resource.label(),
                     Text(plan.risk.level, style=RISK_TEXT_STYLES.get(plan.risk.level, "")),
                     Text(plan.status, style=STATUS_STYLES.get(plan.status, "")), expires.strftime("%Y-%m-%d %H:%M"),
                     needs])
    return FittedTable(columns, rows, title=say("plans_waiting_title", lang), caption=say("plans_waiting_caption", lang),
                       lang=lang)


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
    """A title, then one bullet per item; a long item wraps under itself, not under the bullet."""
    if not items:
        return []
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for item in items:
        grid.add_row("  •", Prose(item))
    return [Text(title, style="bold"), grid]
