"""``kubecopilot scan [-n NS] [--output json]``: the whole cluster (or one namespace) analyzed in one pass —
findings grouped by workload, most severe first, each with quoted evidence, a confidence, a follow-up command and,
when a whitelisted change cures it, the command that turns it into a plan. Read-only: nothing is changed.

Exit code 0 when the scan judged everything (whatever it found), 5 (``ExitCode.INCOMPLETE``) when something could not
be read or an analyzer could not judge — never an all-clear then. The ``--output json|yaml`` document is the
``ScanReport`` with ``outcome`` and ``exitCode`` beside its fields.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from kubecopilot.commands import add_output_flag, command, machine_output

if TYPE_CHECKING:
    from kubecopilot.config import Settings


def add_parser(sub: Any) -> None:
    p = command(sub, "scan", "kubecopilot.commands.scan:run",
                "analyze the whole cluster in one pass: problems by workload, most severe first, with fixes")
    add_output_flag(p)
    p.add_argument("--namespace", "-n", metavar="NS", help="only this namespace (nodes are always included)")
    p.add_argument("--cluster", metavar="NAME", help="cluster to scan (default: the server's current one)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    from kubecopilot.app import App
    from kubecopilot.commands.ask import emit
    from kubecopilot.diagnosis.scan import scan
    from kubecopilot.dialogue.scan_answer import report_answer
    from kubecopilot.messages import say
    from kubecopilot.outcomes import outcome_of

    err = Console(stderr=True, highlight=False)
    app = App.open(settings, on_notice=lambda message: err.print(f"[yellow]ℹ[/yellow] {message}", highlight=False))
    try:
        lang = app.conversation.session.language  # the report, its labels and the summary line: one language
        report = scan(app.gateway, namespace=args.namespace, cluster=args.cluster, fresh=True, language=lang)
        report.cluster = args.cluster
        outcome = outcome_of(report)
        if not machine_output(args, {"outcome": outcome.name, "exitCode": outcome.code, **report.model_dump(mode="json")}):
            emit(report_answer(report, lang), "text", Console(highlight=False), lang, outcome=outcome)
            err.print(say("scan_summary", lang, findings=len(report.findings), groups=len(report.groups),
                          objects=report.objects_read, seconds=f"{report.seconds:.2f}"), highlight=False)
        return outcome.code
    finally:
        app.close()
