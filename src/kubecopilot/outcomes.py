"""What a command's run came to, and its exit code: one function, ``outcome_of``, for every command.

A run ends in a turn (``ask``, ``diagnose``), a report (``plans apply``, ``scan``, ``audit verify``) or a typed error;
each maps to one named outcome of ``errors.EXIT_CODES`` and that row's code. The name is what a ``--output json|yaml``
document says in ``outcome``, so a script can read the same thing from stdout as from ``$?``.

Cheap to import (no pydantic): the CLI uses it for every error, ``--help`` included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubecopilot.errors import EXIT_CODES, ExitCode, KubeCopilotError

INTENT_SLOT = "intent"  # an Ask on this slot is "did you mean …?" (``dialogue.clarify``): the request was not understood
NAMES: dict[str, int] = {name: code for code, names, _ in EXIT_CODES for name in names}


@dataclass(frozen=True)
class Outcome:
    name: str

    @property
    def code(self) -> int:
        return NAMES[self.name]


OK, NOTHING_TO_DO = Outcome("ok"), Outcome("nothing_to_do")


def outcome_of(result: Any) -> Outcome:
    """The outcome of a turn, an execution report, a scan report, a ledger check, or an error (typed or not)."""
    if isinstance(result, Outcome):
        return result
    if isinstance(result, BaseException):
        return of_error(result)
    kind = getattr(result, "kind", None)
    if kind in ("ask", "answer", "plan", "error"):
        return of_turn(result)
    if hasattr(result, "applied_steps"):
        return of_execution(result)
    if hasattr(result, "findings"):
        return Outcome("ok") if getattr(result, "complete", True) else Outcome("incomplete")
    raise TypeError(f"no outcome is defined for {type(result).__name__}")


def of_turn(turn: Any) -> Outcome:
    """Ask → needs input (or not understood, for "did you mean …?"); a plan not decided → needs approval; an answer
    by what it says (``Answer.outcome``); an error turn by its error's class."""
    if turn.kind == "ask":
        return Outcome("not_understood") if turn.slot == INTENT_SLOT else Outcome("needs_input")
    if turn.kind == "plan":
        return Outcome("needs_approval")
    if turn.kind == "error":
        return of_error_code(turn.code)
    return Outcome(getattr(turn, "outcome", "ok"))  # Answer.outcome names a row of the table


def of_execution(report: Any) -> Outcome:
    """A plan that ran: verified (or nothing to verify) → ok; rolled back → plan refused; applied but its post-check
    saw the wrong state → verification failed; applied but the post-check could not read the cluster → incomplete."""
    if report.outcome == "reverted":
        return Outcome("plan_refused")
    if report.outcome == "already-executed":
        return NOTHING_TO_DO
    if any(getattr(check, "state", None) == "unverified" for check in report.conditions):
        return Outcome("incomplete")
    return Outcome("verification_failed") if report.verified is False else OK


def of_ledger_check(problems: list[Any]) -> Outcome:
    return Outcome("ledger_tampered") if problems else OK


def of_error(exc: BaseException) -> Outcome:
    if isinstance(exc, KeyboardInterrupt):
        return Outcome("interrupted")
    if isinstance(exc, KubeCopilotError):
        return _by_exit_code(int(exc.exit_code))
    return Outcome("error")


def of_error_code(code: str) -> Outcome:
    """The outcome of the error class whose ``code`` this is (an ErrorTurn carries only the code); "error" for a code
    no class has."""
    pending: list[type[KubeCopilotError]] = [KubeCopilotError]
    while pending:
        cls = pending.pop()
        if cls.code == code:
            return _by_exit_code(int(cls.exit_code))
        pending.extend(cls.__subclasses__())
    return Outcome("error")


def _by_exit_code(code: int) -> Outcome:
    """An error's outcome: its exit code's first name, except that an error with code 2 is bad usage (an Ask is the
    other thing 2 means) and one with code 0 had nothing to do."""
    special = {ExitCode.USAGE: "usage", ExitCode.OK: "nothing_to_do"}
    if code in special:
        return Outcome(special[code])
    return next((Outcome(names[0]) for c, names, _ in EXIT_CODES if c == code), Outcome("error"))


def exit_code_of(result: Any) -> int:
    return outcome_of(result).code
