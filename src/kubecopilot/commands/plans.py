"""``kubecopilot plans`` (list plans from the audit ledger) and ``kubecopilot rollback PLAN_ID``.

A rollback is a new plan, approved like any other: interactively in a terminal, or with ``--yes --allow-writes``
for low/medium risk. Without either it fails safe with exit 3 ("needs approval").
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from kubecopilot.commands import add_output_flag, command
from kubecopilot.config import Settings
from kubecopilot.errors import ExitCode, PlanError, PlanNotApproved


def add_parser(sub: Any) -> None:
    p = command(sub, "plans", "kubecopilot.commands.plans:run_list", "list change plans and their status")
    add_output_flag(p)
    r = command(sub, "rollback", "kubecopilot.commands.plans:run_rollback",
                "undo an executed plan: makes a new plan from the live object and asks for approval")
    r.add_argument("plan_id", metavar="PLAN_ID", help="plan id or a unique prefix of one (see `kubecopilot plans`)")
    r.add_argument("--yes", action="store_true", help="approve without asking; needs --allow-writes; never for high risk")
    r.add_argument("--allow-writes", action="store_true", help="allow this non-interactive run to change the cluster")
    add_output_flag(r)


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    from kubecopilot.plans.ledger import AuditLedger

    plans = AuditLedger(settings.audit_url).plans()
    if args.output == "json":
        rows = [{"id": p.plan_id, "created": p.to_dict()["audit"]["timestamps"]["createdAt"], "action": p.action,
                 "resource": p.resource.label(), "risk": p.risk.level, "status": p.status} for p in plans]
        print(json.dumps(rows, indent=2))
        return ExitCode.OK
    from rich.console import Console

    from kubecopilot.ui.plan_view import plans_table

    Console().print(plans_table(plans) if plans else "No plans yet.")
    return ExitCode.OK


def run_rollback(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    from kubecopilot.plans.ledger import AuditLedger

    if args.yes and not args.allow_writes:
        raise PlanNotApproved("--yes only approves together with --allow-writes", hint="add --allow-writes")
    ledger = AuditLedger(settings.audit_url)
    original = _executed_plan(ledger, args.plan_id)  # fail fast, before starting or connecting to a cluster
    console = Console(stderr=args.output == "json")
    from kubecopilot.app import App  # the composition root (heavier): only once the cheap checks passed

    with App.open(settings) as app:
        if app.sandbox is not None:
            console.print(f"[dim]No MCP server configured: using the built-in sandbox at {app.mcp_url}[/dim]")
        service = app.plans
        plan = service.rollback(original.plan_id)
        approver = _approver(args, settings, console)
        if approver is None:
            _show(plan, console)
            service.decide(plan, None)
            raise PlanNotApproved(f"rollback plan {plan.plan_id[:8]} needs approval and nobody can be asked here",
                                  hint="run it in a terminal, or pass --yes --allow-writes (low/medium risk only)")
        if not service.decide(plan, approver):
            state = service.get(plan.plan_id).status
            raise PlanNotApproved(f"rollback plan {plan.plan_id[:8]} was not approved; it is {state}")
        report = service.execute(plan)
    return _print_report(report, args.output, console)


def _executed_plan(ledger: Any, plan_id: str) -> Any:
    plan = ledger.latest(ledger.resolve(plan_id))
    if plan.status != "executed":
        raise PlanError(f"plan {plan.plan_id[:8]} is {plan.status}; only an executed plan can be rolled back")
    return plan


def _approver(args: argparse.Namespace, settings: Settings, console: Any) -> Callable[[Any], Any] | None:
    from kubecopilot.plans.model import ApprovalDecision
    from kubecopilot.ui.plan_view import prompt_approval

    by = f"user:{settings.user}"
    if args.yes:
        def approve_unless_high(plan: Any) -> ApprovalDecision:
            _show(plan, console)
            if plan.risk.level == "high":
                return ApprovalDecision(approved=False, by=by, reason="--yes cannot approve a high-risk plan")
            return ApprovalDecision(approved=True, by=f"{by} (--yes --allow-writes)")
        return approve_unless_high
    if sys.stdin.isatty():
        return lambda plan: prompt_approval(plan, console, input, user=by)
    return None


def _show(plan: Any, console: Any) -> None:
    from kubecopilot.ui.plan_view import render_plan

    console.print(render_plan(plan))


def _print_report(report: Any, output: str, console: Any) -> int:
    if output == "json":
        print(report.model_dump_json(by_alias=True, indent=2))
    else:
        from kubecopilot.ui.plan_view import render_report

        console.print(render_report(report))
    if report.outcome == "executed" and report.verified:
        return ExitCode.OK
    return ExitCode.ERROR
