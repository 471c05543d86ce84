"""``kubecopilot audit list [--plan ID]`` and ``kubecopilot audit verify``: read and check the audit ledger."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from kubecopilot.commands import add_output_flag, command, machine_output
from kubecopilot.errors import ExitCode
from kubecopilot.redaction import mask_url_credentials

if TYPE_CHECKING:
    from kubecopilot.config import Settings


def add_parser(sub: Any) -> None:
    p = command(sub, "audit", "kubecopilot.commands.audit:run_list", "read or verify the tamper-evident audit ledger")
    actions = p.add_subparsers(dest="audit_action", metavar="ACTION", required=True)
    listing = command(actions, "list", "kubecopilot.commands.audit:run_list", "one row per plan state change")
    listing.add_argument("--plan", metavar="ID", help="only this plan (id or unique prefix)")
    add_output_flag(listing)
    verify = command(actions, "verify", "kubecopilot.commands.audit:run_verify",
                     "check the hash chain and the signed decisions: exit 0 when intact, 65 when a row was edited, "
                     "deleted or reordered, or a decision is not signed by a key that counts, 74 when the ledger "
                     "cannot be opened or read")
    verify.add_argument("--expect-head", metavar="HASH",
                        help="also require this head hash (one you noted earlier, e.g. from a previous verify)")
    add_output_flag(verify)


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    from kubecopilot.plans.ledger import AuditLedger

    ledger = AuditLedger(settings.audit_url)
    plan_id = ledger.resolve(args.plan) if getattr(args, "plan", None) else None
    entries = ledger.history(plan_id)
    if machine_output(args, [e.to_dict() for e in entries]):
        return ExitCode.OK
    from rich.console import Console

    from kubecopilot.ui.tables import audit_table

    table = audit_table(entries, title="Audit ledger", caption=mask_url_credentials(settings.audit_url), detail=True)
    Console().print(table if entries else "The audit ledger is empty.")
    return ExitCode.OK


def run_verify(args: argparse.Namespace, settings: Settings) -> int:
    from kubecopilot.outcomes import of_ledger_check
    from kubecopilot.plans.approval import audit_problems, signature_count
    from kubecopilot.plans.ledger import AuditLedger
    from kubecopilot.plans.trust import open_trust, trust_config

    ledger = AuditLedger(settings.audit_url)
    report = ledger.verify()
    trust = open_trust(ledger, trust_config(settings), settings.user)
    entries = ledger.history()
    problems = list(report.problems) + audit_problems(entries, trust)
    signed, decisions = signature_count(entries)
    if args.expect_head and args.expect_head != report.head:
        problems.append((0, f"the head is {report.head}, not the expected {args.expect_head}: the ledger was "
                            "rewritten or rolled back since that hash was noted"))
    outcome = of_ledger_check(problems)
    document = {"outcome": outcome.name, "exitCode": outcome.code, "ok": not problems, "rows": report.rows,
                "head": report.head, "decisions": decisions, "signedDecisions": signed,
                "problems": [{"seq": seq, "problem": what} for seq, what in problems]}
    if machine_output(args, document):
        return outcome.code
    if not problems:
        print(f"ok: {report.rows} rows, hash chain intact (head {report.head})")
        print(f"signed decisions: {signed} of {decisions}, each by a key that counts here"
              + (" (the others predate signing)" if signed < decisions else ""))
    else:
        from kubecopilot.messages import say

        print(f"TAMPERED: {say('n_problems', 'en', count=len(problems))} in {report.rows} rows")
        for seq, what in problems:
            print(f"  row #{seq}: {what}" if seq else f"  {what}")
    return outcome.code
