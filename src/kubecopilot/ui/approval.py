"""Who says yes to a plan: the one ``Approver`` the REPL, ``ask``, ``plans approve`` and ``rollback`` all use.

The ``--yes`` policy (README "The REPL and the CLI", docs/repl.md):

- ``--yes`` approves without asking, and only together with ``--allow-writes``: alone it is a usage error (exit 2),
  raised before anything is read, planned or approved.
- ``--yes`` approves low and medium risk. High risk is never approved by ``--yes`` alone: the resource's name must be
  typed, at the terminal's question or, where the command names a plan somebody could review first (``plans approve
  ID``), as ``--confirm-name NAME``. Otherwise the plan stays pending.
- Without ``--yes`` the person at the terminal answers the three-layer question (high risk: type the name); with no
  terminal nobody is asked and the plan stays pending until someone approves it or it expires.

What the approver answers is only a claim: ``PlanService.decide`` still checks the typed name of a high-risk plan,
the four-eyes policy and drift.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console
from rich.text import Text

from kubecopilot.errors import UsageError
from kubecopilot.messages import Language, say
from kubecopilot.plans.model import ApprovalDecision, OperationPlan
from kubecopilot.ui.plan_view import prompt_approval, render_plan

ReadLine = Callable[[str], str]

# Why nobody here can approve a plan (catalogue keys; ``kubecopilot ask`` says them).
HIGH_RISK_YES = "ask_why_high_yes"
NO_TERMINAL = "ask_why_no_terminal"


@dataclass(frozen=True)
class WriteFlags:
    """``--allow-writes``, ``--yes`` and ``--confirm-name`` as given; ``names_plan``: the command offers
    ``--confirm-name`` (it names an existing plan). Flags that do not go together raise ``UsageError``."""

    allow_writes: bool = False
    yes: bool = False
    confirm_name: str | None = None
    names_plan: bool = False

    def __post_init__(self) -> None:
        if self.yes and not self.allow_writes:
            raise UsageError("--yes only approves together with --allow-writes", hint="add --allow-writes, or drop --yes")
        if self.confirm_name is not None and not self.yes:
            raise UsageError("--confirm-name only counts together with --yes --allow-writes",
                             hint="add --yes --allow-writes, or drop --confirm-name: a terminal asks for the name")

    @classmethod
    def of(cls, args: argparse.Namespace) -> WriteFlags:
        return cls(allow_writes=bool(getattr(args, "allow_writes", False)), yes=bool(getattr(args, "yes", False)),
                   confirm_name=getattr(args, "confirm_name", None), names_plan=hasattr(args, "confirm_name"))


INTERACTIVE = WriteFlags(allow_writes=True)  # the REPL: the person at the prompt decides every plan


def terminal_reader(console: Console) -> ReadLine | None:
    """The person's answers when stdin is a terminal, else None (piped input is not a person). The question goes
    where the plan was shown (stderr in JSON mode), as plain text: as markup "[y]es / [n]o" would lose its brackets."""
    if not sys.stdin.isatty():
        return None
    return lambda prompt: console.input(Text(prompt))


class Approver:
    """The approval callable ``PlanService.decide`` takes: ``--yes`` per the policy above, else the three-layer
    question at ``read_line``, else nobody (the plan stays pending)."""

    def __init__(self, console: Console, *, user: str, flags: WriteFlags, read_line: ReadLine | None,
                 lang: Language = "en", on_approved: Callable[[], None] | None = None) -> None:
        self.console, self.flags, self.read_line, self.lang = console, flags, read_line, lang
        self.by = f"user:{user}"
        self.on_approved = on_approved or (lambda: None)  # the REPL starts its "applying" spinner

    def can_ask(self) -> bool:
        """Somebody can answer here: ``--yes`` or a person at a terminal."""
        return self.flags.yes or self.read_line is not None

    def blocker(self, risk: str) -> str | None:
        """Why nobody here can approve a plan of this risk (a catalogue key), or None."""
        if self.flags.yes:
            return HIGH_RISK_YES if risk == "high" and self.flags.confirm_name is None else None
        return None if self.read_line is not None else NO_TERMINAL

    def __call__(self, plan: OperationPlan) -> ApprovalDecision:
        if self.flags.yes:
            decision = self._by_flags(plan)
        elif self.read_line is not None:
            decision = prompt_approval(plan, self.console, self.read_line, user=self.by, lang=self.lang)
        else:
            decision = ApprovalDecision(approved=False, by=self.by, interrupted=True, reason="no one could be asked")
        if decision.approved:
            self.on_approved()
        return decision

    def _by_flags(self, plan: OperationPlan) -> ApprovalDecision:
        # Nobody can press d here: the diff goes into the output, which is also the record of what was approved.
        self.console.print(render_plan(plan, show_diff=True, lang=self.lang))
        typed = self.flags.confirm_name if plan.risk.level == "high" else None
        if plan.risk.level == "high" and typed != plan.resource.name:
            key = "approve_high_needs_name" if self.flags.names_plan else "approve_high_never_yes"
            self.console.print(say(key, self.lang, name=plan.resource.name), highlight=False)
            return ApprovalDecision(approved=False, by=self.by, interrupted=True, reason="--yes without the typed name")
        return ApprovalDecision(approved=True, by=f"{self.by} (--yes --allow-writes)", typed_name=typed)
