"""``kubecopilot plans show|approve|reject|apply ID``: review a plan any process made, from any terminal.

``show`` and ``reject`` need only the ledger. ``approve`` connects to the cluster: it re-runs the drift check, records
who approved (the four-eyes policy refuses the requester), then applies the plan unless ``--no-apply``. ``apply``
executes an approved plan; the approval token the gateway demands is granted there, in the executing process, after
the plan read back from the ledger passed its checks (``PlanService.execute``).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from kubecopilot.commands import MACHINE_FORMATS, machine_output
from kubecopilot.commands.plans import _print_report, approve_command, ledger_service, not_approved
from kubecopilot.errors import ExitCode, PlanError, PlanExpired, PlanNotApproved

if TYPE_CHECKING:
    from kubecopilot.config import Settings


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    service = ledger_service(settings)
    plan = service.get(args.plan_id)
    history = service.ledger.history(plan.plan_id)
    expires = service.expires_at(plan)
    second = service.second_person(plan)
    from kubecopilot.plans.service import iso_utc

    if machine_output(args, {"plan": plan.to_dict(), "expiresAt": iso_utc(expires), "fourEyes": second,
                             "history": [e.to_dict() for e in history]}):
        return ExitCode.OK
    from rich.console import Console, Group
    from rich.text import Text

    from kubecopilot.ui.plan_view import STATUS_STYLES, render_explain, render_plan

    lines = [Text.assemble(("Status: ", "bold"), (plan.status, STATUS_STYLES.get(plan.status, "")),
                           f" · requested by {plan.audit.requested_by}",
                           f" · approved by {plan.audit.confirmed_by}" if plan.audit.confirmed_by else "")]
    if plan.status == "pending":
        lines.append(Text(f"Waiting for approval until {expires:%Y-%m-%d %H:%M} UTC"
                          + (f"; {second}" if second else "") + f". To approve: {approve_command(plan.plan_id)}"))
    lines += [Text(f"  #{e.seq} {e.at} {e.event} by {e.actor}", style="dim") for e in history]
    Console().print(Group(render_plan(plan, show_diff=True), render_explain(plan), *lines))
    return ExitCode.OK


def run_reject(args: argparse.Namespace, settings: Settings) -> int:
    service = ledger_service(settings)
    rejected = service.reject(args.plan_id, f"user:{settings.user}", args.reason)
    if not machine_output(args, {"id": rejected.plan_id, "status": rejected.status, "by": f"user:{settings.user}"}):
        print(f"Plan {rejected.plan_id[:8]} rejected by user:{settings.user}. Nothing was changed.")
    return ExitCode.OK


def run_approve(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    from kubecopilot.ui.approval import Approver, WriteFlags, terminal_reader

    flags = WriteFlags.of(args)
    console = Console(stderr=args.output in MACHINE_FORMATS)
    _pending_or_fail(ledger_service(settings), args.plan_id)  # fail fast, before connecting to a cluster
    from kubecopilot.app import App

    with App.open(settings) as app:
        service = app.plans
        plan = _pending_or_fail(service, args.plan_id)
        approver = Approver(console, user=settings.user, flags=flags, read_line=terminal_reader(console))
        if not approver.can_ask():
            from kubecopilot.ui.plan_view import render_plan

            console.print(render_plan(plan, show_diff=True))
            raise PlanNotApproved(f"plan {plan.plan_id[:8]} needs a person to approve it and nobody can be asked here",
                                  hint="run it in a terminal, or pass --yes --allow-writes "
                                       "(and --confirm-name NAME for high risk)")
        if not service.decide(plan, approver):
            raise PlanNotApproved(not_approved(service, plan.plan_id))
        console.print(f"Plan {plan.plan_id[:8]} approved by user:{service.trust.name}.", highlight=False)
        if args.no_apply:
            machine_output(args, {"outcome": "ok", "exitCode": ExitCode.OK, "id": plan.plan_id, "status": "confirmed",
                                  "by": f"user:{service.trust.name}", "next": f"kubecopilot plans apply {plan.plan_id[:8]}"})
            console.print(f"Apply it with: kubecopilot plans apply {plan.plan_id[:8]}", highlight=False)
            return ExitCode.OK
        report = service.execute(plan.plan_id)
    return _print_report(report, args.output, console)


def run_apply(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    from kubecopilot.app import App

    console = Console(stderr=args.output in MACHINE_FORMATS)
    with App.open(settings) as app:
        report = app.plans.execute(app.plans.get(args.plan_id).plan_id)
    return _print_report(report, args.output, console)


def run_key(args: argparse.Namespace, settings: Settings) -> int:
    """Your public key as the team file's line for you, its fingerprint, and whether the ledger's team lists it."""
    trust = ledger_service(settings).trust
    key = trust.key.public
    print(f"{trust.user} {key.openssh}")
    print(f"# {key.fingerprint} · private key: {trust.key.path}", file=sys.stderr)
    if trust.team is not None:
        listed = trust.team.name_of(key)
        print(f"# the ledger's team file {trust.team.location} " + (f"lists it as {listed}" if listed else
              "does not list it: add the line above to it"), file=sys.stderr)
    return ExitCode.OK


def _pending_or_fail(service: Any, plan_id: str) -> Any:
    plan = service.get(plan_id)  # records the expiry when it is due
    if plan.status == "expired":
        raise PlanExpired(f"plan {plan.plan_id[:8]} expired before anyone approved it", hint="make a new plan")
    if plan.status == "confirmed":
        raise PlanError(f"plan {plan.plan_id[:8]} is already approved (by {plan.audit.confirmed_by})",
                        hint=f"`kubecopilot plans apply {plan.plan_id[:8]}` executes it")
    if plan.status != "pending":
        raise PlanError(f"plan {plan.plan_id[:8]} is {plan.status}; only a pending plan can be approved")
    return plan
