"""``kubecopilot plans`` (pending plans; ``--all``; ``show|approve|reject|apply ID``) and ``kubecopilot rollback ID``.

Plans live in the audit ledger, so every command here works on plans any process made: point every KubeCopilot of a
team at one PostgreSQL URL and a plan Alice proposed is listed, shown and approved by Bob from his terminal. A
rollback is a new plan, approved like any other (``kubecopilot.ui.approval``): interactively in a terminal, or with
``--yes --allow-writes`` for low/medium risk. Without either it fails safe with exit 3 ("needs approval"); the
rollback plan stays pending for ``plans approve``.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from kubecopilot.commands import MACHINE_FORMATS, add_output_flag, add_write_flags, command, machine_output
from kubecopilot.errors import CapabilityMissing, ExitCode, PlanError, PlanNotApproved

if TYPE_CHECKING:
    from kubecopilot.config import Settings

REVIEW = "kubecopilot.commands.review"


def add_parser(sub: Any) -> None:
    p = command(sub, "plans", "kubecopilot.commands.plans:run_list",
                "list plans waiting for approval (--all: every plan); show, approve, reject or apply one")
    p.add_argument("--all", action="store_true", help="every plan in the ledger, whatever its status")
    add_output_flag(p)
    actions = p.add_subparsers(dest="plans_action", metavar="ACTION")
    show = command(actions, "show", f"{REVIEW}:run_show", "one plan in three layers, its status and its history")
    approve = command(actions, "approve", f"{REVIEW}:run_approve",
                      "approve a pending plan (from any terminal): drift check, then it is applied")
    add_write_flags(approve, allow_writes_help="let --yes approve without a terminal", confirm_name=True)
    approve.add_argument("--no-apply", action="store_true",
                         help="only approve; someone runs `kubecopilot plans apply ID` later (before it expires)")
    reject = command(actions, "reject", f"{REVIEW}:run_reject", "say no to a pending (or approved, not yet run) plan")
    reject.add_argument("--reason", default="", help="why, for the ledger")
    apply = command(actions, "apply", f"{REVIEW}:run_apply", "execute an approved plan (approved in any process)")
    for action in (show, approve, reject, apply):
        action.add_argument("plan_id", metavar="PLAN_ID", help="plan id or a unique prefix of one")
        add_output_flag(action)
    command(actions, "key", f"{REVIEW}:run_key", "your signing key: the line the team file lists for you")
    r = command(sub, "rollback", "kubecopilot.commands.plans:run_rollback",
                "undo an executed plan: makes a new plan from the live object and asks for approval")
    r.add_argument("plan_id", metavar="PLAN_ID", help="plan id or a unique prefix of one (see `kubecopilot plans`)")
    add_write_flags(r, allow_writes_help="let --yes approve without a terminal")
    add_output_flag(r)


def approve_command(plan_id: str) -> str:
    return f"kubecopilot plans approve {plan_id[:8]}"


def not_approved(service: Any, plan_id: str) -> str:
    """What the REPL says for the same outcome: rejected, or still pending (one catalogue key each)."""
    from kubecopilot.messages import say

    if service.get(plan_id).status == "pending":
        return say("pending_kept", "en", plan_id=plan_id[:8])
    return say("rejected", "en", plan=plan_id[:8])


def ledger_service(settings: Settings) -> Any:
    """A PlanService on the ledger alone, for what needs no cluster: list, show, reject, record expiries."""
    from kubecopilot.plans.ledger import AuditLedger
    from kubecopilot.plans.policy import FourEyesPolicy
    from kubecopilot.plans.service import PlanService
    from kubecopilot.plans.trust import trust_config

    return PlanService(_NoCluster(), AuditLedger(settings.audit_url), _NoApprovals(), whitelist=settings.plans.whitelist,
                       user=settings.user, policy=FourEyesPolicy.of(settings.plans.four_eyes_rules()),
                       pending_ttl=settings.plans.pending_ttl, trust=trust_config(settings))


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    service = ledger_service(settings)
    if args.all:
        return _list_all(service.list(), args)
    pending = service.pending()
    if machine_output(args, [_pending_row(service, plan, expires) for plan, expires in pending]):
        return ExitCode.OK
    from rich.console import Console

    from kubecopilot.ui.plan_view import pending_plans_table

    Console().print(pending_plans_table(pending, service.second_person) if pending
                    else "No plans are waiting. (--all lists every plan)")
    return ExitCode.OK


def _list_all(plans: list[Any], args: argparse.Namespace) -> int:
    rows = [{"id": p.plan_id, "created": p.to_dict()["audit"]["timestamps"]["createdAt"], "action": p.action,
             "resource": p.resource.label(), "risk": p.risk.level, "status": p.status} for p in plans]
    if machine_output(args, rows):
        return ExitCode.OK
    from rich.console import Console

    from kubecopilot.ui.plan_view import plans_table

    Console().print(plans_table(plans) if plans else "No plans yet.")
    return ExitCode.OK


def _pending_row(service: Any, plan: Any, expires: Any) -> dict[str, Any]:
    from kubecopilot.plans.service import iso_utc

    return {"id": plan.plan_id, "created": plan.to_dict()["audit"]["timestamps"]["createdAt"],
            "requestedBy": plan.audit.requested_by, "action": plan.action, "resource": plan.resource.label(),
            "risk": plan.risk.level, "status": plan.status, "confirmedBy": plan.audit.confirmed_by,
            "expiresAt": iso_utc(expires), "fourEyes": service.second_person(plan),
            "next": approve_command(plan.plan_id) if plan.status == "pending" else
            f"kubecopilot plans apply {plan.plan_id[:8]}"}


class _NoCluster:
    """The cluster side of a ledger-only PlanService: any use is a clear error, never a silent read."""

    def _none(self, *_: Any, **__: Any) -> Any:
        raise CapabilityMissing("this command works on the audit ledger only; it has no cluster connection")

    read_object = apply_patch = delete = pods_of = revisions_of = planned_patch = planned_delete = _none


class _NoApprovals:
    def grant(self, *_: Any, **__: Any) -> Any:
        raise PlanNotApproved("this command cannot approve writes: it has no cluster connection")

    def revoke(self, *_: Any) -> None:
        return None


def run_rollback(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    from kubecopilot.messages import say
    from kubecopilot.plans.ledger import AuditLedger
    from kubecopilot.ui.approval import Approver, WriteFlags, terminal_reader

    flags = WriteFlags.of(args)
    ledger = AuditLedger(settings.audit_url)
    original = _executed_plan(ledger, args.plan_id)  # fail fast, before starting or connecting to a cluster
    console = Console(stderr=args.output in MACHINE_FORMATS)
    from kubecopilot.app import App  # the composition root (heavier): only once the cheap checks passed

    with App.open(settings) as app:
        if app.sandbox is not None:
            console.print(say("sandbox_started", "en", url=app.mcp_url), style="dim", highlight=False)
        service = app.plans
        plan = service.rollback(original.plan_id)
        approver = Approver(console, user=settings.user, flags=flags, read_line=terminal_reader(console))
        if not approver.can_ask():
            from kubecopilot.ui.plan_view import render_plan

            console.print(render_plan(plan, show_diff=True))
            raise PlanNotApproved(f"rollback plan {plan.plan_id[:8]} needs approval and nobody can be asked here; "
                                  "it stays pending",
                                  hint=f"{approve_command(plan.plan_id)} in a terminal, or run the rollback again "
                                       "with --yes --allow-writes (low/medium risk only)")
        if not service.decide(plan, approver):
            raise PlanNotApproved(not_approved(service, plan.plan_id))
        report = service.execute(plan)
    return _print_report(report, args.output, console)


def _executed_plan(ledger: Any, plan_id: str) -> Any:
    plan = ledger.latest(ledger.resolve(plan_id))
    if plan.status != "executed":
        raise PlanError(f"plan {plan.plan_id[:8]} is {plan.status}; only an executed plan can be rolled back")
    return plan


def _print_report(report: Any, output: str, console: Any) -> int:
    """The execution report, and its exit code: 0 verified, 6 verification failed, 5 unverified, 4 rolled back."""
    from kubecopilot.outcomes import outcome_of

    outcome = outcome_of(report)
    if output in MACHINE_FORMATS:
        from kubecopilot.commands import output as machine

        machine.emit({"outcome": outcome.name, "exitCode": outcome.code,
                      "report": report.model_dump(mode="json", by_alias=True)}, output)
    else:
        from kubecopilot.ui.plan_view import render_report

        console.print(render_report(report))
    return outcome.code
