"""``kubecopilot ask "…"``: one turn, for scripts and quick questions.

Exit codes say what the turn came to (``kubecopilot.outcomes``, the one table of ``errors.EXIT_CODES``): 0 an answer
or nothing to do, 2 a question back (an Ask: its options are in the output), 3 a change that was not approved (it
stays pending unless someone said no), 7 refused by policy, 8 not understood, an error turn its error's code. ``ask`` never
changes the cluster without ``--allow-writes``; then ``kubecopilot.ui.approval.Approver`` decides, by the one
``--yes`` policy written down there: a terminal asks the three-layer question, ``--yes`` approves low and medium
risk without asking, and high risk is never approved without a person typing the resource name.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from kubecopilot.commands import MACHINE_FORMATS, add_output_flag, add_write_flags, command
from kubecopilot.errors import ExitCode, UsageError
from kubecopilot.outcomes import Outcome

if TYPE_CHECKING:
    from kubecopilot.config import Settings
    from kubecopilot.messages import Language
    from kubecopilot.ui.approval import WriteFlags


def add_parser(sub: Any) -> None:
    p = command(sub, "ask", "kubecopilot.commands.ask:run", "ask one question (or request one change) and exit")
    p.add_argument("text", metavar="TEXT",
                   help='what you want, e.g. "list pods in dev" or "为什么 billing-api 一直重启"')
    add_turn_flags(p)
    add_write_flags(p, allow_writes_help="let this run change the cluster: asks for approval in a terminal (or see --yes)")


def add_turn_flags(p: argparse.ArgumentParser) -> None:
    add_output_flag(p)
    p.add_argument("--namespace", "-n", metavar="NS", help="namespace to work in")
    p.add_argument("--cluster", metavar="NAME", help="cluster to work on (default: the server's current one)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from kubecopilot.ui.approval import WriteFlags

    flags = WriteFlags.of(args)  # flags that do not go together fail here, before anything is read or planned
    return one_turn(settings, args.text, output=args.output, namespace=args.namespace, cluster=args.cluster,
                    flags=flags)


def one_turn(settings: Settings, text: str, *, output: str = "text", namespace: str | None = None,
             cluster: str | None = None, flags: WriteFlags | None = None) -> int:
    from rich.console import Console

    from kubecopilot.app import App
    from kubecopilot.dialogue.turns import PlanProposal
    from kubecopilot.ui.approval import WriteFlags
    from kubecopilot.ui.progress import StderrProgress

    if not text.strip():  # an empty $QUESTION in a script: nothing to answer, and nothing to start a cluster for
        raise UsageError("nothing was asked: the question is empty", hint='e.g. kubecopilot ask "list pods in dev"')
    if namespace:
        settings.session.namespace = namespace
    if cluster:
        settings.session.cluster = cluster
    # With --output json|yaml stdout carries the one document (cli.main saw to it); everything for people: stderr.
    out = Console(highlight=False, soft_wrap=False)
    err = Console(stderr=True, highlight=False)
    people = err if output != "text" else out
    app = App.open(settings, on_notice=lambda message: err.print(f"[yellow]ℹ[/yellow] {message}", highlight=False))
    progress = app.conversation.progress = StderrProgress(err)  # never a silent wait, never on stdout
    try:
        with progress.running():
            turn = app.conversation.handle(text)
        if isinstance(turn, PlanProposal):
            return decide(app, turn, output=output, out=out, people=people, flags=flags or WriteFlags())
        return emit(turn, output, out, app.conversation.session.language)
    finally:
        app.close()


def decide(app: Any, proposal: Any, *, output: str, out: Any, people: Any, flags: WriteFlags) -> int:
    """A PlanProposal in one-shot mode: fail safe unless writes were allowed and someone (or --yes) approved."""
    from rich.console import Group

    from kubecopilot.messages import say
    from kubecopilot.ui.approval import Approver, terminal_reader
    from kubecopilot.ui.plan_view import render_plan
    from kubecopilot.ui.render import render_proposal

    plan = app.plans.get(proposal.plan_id)
    short, lang = proposal.plan_id[:8], app.conversation.session.language
    approver = Approver(people, user=app.settings.user, flags=flags, read_line=terminal_reader(people), lang=lang)
    second = app.plans.second_person(plan)  # four-eyes: the requester's own answer could not count
    # ``ask`` never changes the cluster without --allow-writes, whoever is at the terminal.
    blocked = None if second else "ask_why_approval" if not flags.allow_writes else approver.blocker(proposal.risk_level)
    if second or blocked:
        if output in MACHINE_FORMATS:
            emit(proposal, output, out)
        else:
            # Nobody can press d here: the diff goes into the output, which is also the record of what was asked.
            out.print(Group(render_proposal(proposal, summary=False, lang=lang), render_plan(plan, show_diff=True, lang=lang)))
        why = say("ask_why_second", lang, second=second) if second else say(blocked or "ask_why_approval", lang)
        people.print(f"[yellow]{say('ask_plan_why', lang, plan=short, why=why)}[/yellow] {say('ask_nothing_changed', lang)}",
                     highlight=False)
        # Nothing dangles: the plan expires unless someone (anyone, from any terminal) approves it first.
        people.print(say("ask_expires", lang, at=f"{app.plans.expires_at(plan):%Y-%m-%d %H:%M}", plan=short),
                     highlight=False)
        if not flags.allow_writes and not second:
            people.print(say("ask_allow_writes", lang), highlight=False)
        return ExitCode.NOT_APPROVED
    people.print(render_proposal(proposal, summary=False, lang=lang))
    result = app.conversation.approve(proposal.plan_id, approver)
    status = app.plans.get(proposal.plan_id).status
    return emit(result, output, out, lang, outcome=Outcome("needs_approval") if status in ("pending", "rejected") else None)


def emit(turn: Any, output: str, out: Any, lang: Language = "en", *, outcome: Outcome | None = None) -> int:
    """Show the turn (or write its document) and return its exit code: ``outcome``, or what the turn came to."""
    from kubecopilot.outcomes import outcome_of

    outcome = outcome or outcome_of(turn)
    if output in MACHINE_FORMATS:
        from kubecopilot.commands import output as machine

        machine.emit(machine.turn_document(turn, outcome), output)
    else:
        from kubecopilot.ui.render import render_turn

        out.print(render_turn(turn, lang, oneshot=True))
    return outcome.code


def exit_code(turn: Any) -> int:
    from kubecopilot.outcomes import outcome_of

    return outcome_of(turn).code


def error_exit_code(code: str) -> int:
    """The exit code of the error class an ErrorTurn came from (its ``code``); 1 for anything else."""
    from kubecopilot.outcomes import of_error_code

    return of_error_code(code).code
