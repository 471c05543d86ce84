"""Typed errors. Domain code raises these; only the CLI turns them into messages and exit codes.

Every error carries a one-line ``message`` (what went wrong) and an optional ``hint`` (what to try). ``to_dict``
gives the structured form an agent receives as tool output, so a refused write is data, not a crash.
"""

from __future__ import annotations

from typing import Any

from kubecopilot.redaction import mask_url_credentials


class ExitCode:
    """Documented process exit codes: the same for every command (``EXIT_CODES`` below says what each means; the
    README's table and ``kubecopilot --help`` are generated from it, and a test holds them equal)."""

    OK = 0  # an answer; a change applied and verified; nothing to do
    ERROR = 1
    NEEDS_INPUT = 2  # an Ask turn in one-shot mode (argparse usage errors also use 2)
    USAGE = 2
    NOT_APPROVED = 3  # a write needed approval that was not given (or could not be asked for)
    PLAN_REFUSED = 4  # plan failed validation, drifted, or was refused by the gate; or failed and was rolled back
    INCOMPLETE = 5  # something could not be read or checked: a scan not fully judged, a change applied but unverified
    VERIFICATION_FAILED = 6  # a change was applied and its post-check read the cluster: the expected state is not there
    REFUSED_BY_POLICY = 7  # the request is outside what KubeCopilot may change (the action whitelist)
    NOT_UNDERSTOOD = 8  # the request was not understood: what was asked back is in the output
    LEDGER_TAMPERED = 65  # the audit ledger's hash chain or signatures do not hold (sysexits EX_DATAERR)
    UNAVAILABLE = 69  # MCP server or LLM unreachable (sysexits EX_UNAVAILABLE)
    LEDGER_UNAVAILABLE = 74  # the audit ledger cannot be opened, read or written (sysexits EX_IOERR)
    CONFIG = 78  # bad configuration (sysexits EX_CONFIG)
    INTERRUPTED = 130


# code, the outcome names a --output json|yaml document gives in "outcome", and what it means. One table for every
# command; ``kubecopilot.outcomes.outcome_of`` maps a turn, a report or an error to one of these rows.
EXIT_CODES: tuple[tuple[int, tuple[str, ...], str], ...] = (
    (ExitCode.OK, ("ok", "nothing_to_do"), "success: an answer, a change applied and verified, or nothing to do "
                                           "(outcome nothing_to_do: the cluster already looks like that)"),
    (ExitCode.ERROR, ("error",), "an error not listed below (a tool failed, something was not found)"),
    (ExitCode.NEEDS_INPUT, ("needs_input", "usage"), "more input needed (an Ask: the question and its options are in "
                                                     "the output), or bad usage"),
    (ExitCode.NOT_APPROVED, ("needs_approval",), "a change needs approval that was not given; the plan stays pending"),
    (ExitCode.PLAN_REFUSED, ("plan_refused",), "a plan was refused (validation, drift, gate, no valid signed approval, "
                                               "a server that cannot make the change) or failed and was rolled back, "
                                               "or a write's outcome is unknown"),
    (ExitCode.INCOMPLETE, ("incomplete",), "not everything could be read or checked (a scan not fully judged, a "
                                           "change applied but unverified)"),
    (ExitCode.VERIFICATION_FAILED, ("verification_failed",), "a change was applied but its post-check failed"),
    (ExitCode.REFUSED_BY_POLICY, ("refused_by_policy",), "refused by policy: outside the action whitelist"),
    (ExitCode.NOT_UNDERSTOOD, ("not_understood",), "the request was not understood; what was asked back is in the "
                                                   "output"),
    (ExitCode.LEDGER_TAMPERED, ("ledger_tampered",), "the audit ledger was tampered with (audit verify)"),
    (ExitCode.UNAVAILABLE, ("unavailable",), "the MCP server or the LLM could not be reached"),
    (ExitCode.LEDGER_UNAVAILABLE, ("ledger_unavailable",), "the audit ledger could not be opened or read"),
    (ExitCode.CONFIG, ("config_error",), "bad configuration"),
    (ExitCode.INTERRUPTED, ("interrupted",), "interrupted (Ctrl-C)"),
)


class KubeCopilotError(Exception):
    """Base class: a message for people, a hint, and a machine-readable code."""

    code = "error"
    exit_code = ExitCode.ERROR

    def __init__(self, message: str, *, hint: str | None = None, **details: Any) -> None:
        # A URL's password never leaves in an error, whoever built the message (a connection error names the URL).
        message = mask_url_credentials(message)
        super().__init__(message)
        self.message = message
        self.hint = mask_url_credentials(hint)
        self.details = {k: mask_url_credentials(v) for k, v in details.items()}

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.hint:
            data["hint"] = self.hint
        if self.details:
            data["details"] = self.details
        return data

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class ConfigError(KubeCopilotError):
    code = "config_error"
    exit_code = ExitCode.CONFIG


class SignerUnknown(ConfigError):
    """This person's signing key is not in the team file the ledger records: what they sign would not count."""

    code = "signer_unknown"


class UsageError(KubeCopilotError):
    """Flags that do not go together (e.g. ``--yes`` without ``--allow-writes``); exit 2 like argparse's."""

    code = "usage_error"
    exit_code = ExitCode.USAGE


class InputRejected(UsageError):
    """A message the assistant will not act on as typed: too long, or a number out of range. Said, never a crash."""

    code = "input_rejected"


# --- MCP connection and tools -------------------------------------------------------------------------------


class MCPError(KubeCopilotError):
    code = "mcp_error"
    exit_code = ExitCode.UNAVAILABLE


class MCPUnavailable(MCPError):
    """The server could not be reached (at start, or a reconnect failed)."""

    code = "mcp_unavailable"


class MCPTimeout(MCPError):
    """A connect or a tool call took longer than its timeout."""

    code = "mcp_timeout"


class MCPDisconnected(MCPError):
    """The session dropped during a call; the next call reconnects."""

    code = "mcp_disconnected"


class UnknownTool(KubeCopilotError):
    code = "unknown_tool"


class ToolFailed(KubeCopilotError):
    """The server answered with ``isError``; ``message`` is the server's text."""

    code = "tool_failed"

    @property
    def is_not_found(self) -> bool:
        return "not found" in self.message.lower()


class StaleReference(ToolFailed):
    """A read failed "not found" on a value that came from a cached listing which turned out to be out of date.

    The listing was re-read once; ``records`` holds the fresh one so the dialogue can ask again with real choices.
    """

    code = "stale_reference"

    def __init__(self, message: str, *, records: Any = (), stale_value: str | None = None, **kw: Any) -> None:
        super().__init__(message, stale_value=stale_value, **kw)
        self.records = list(records)
        self.stale_value = stale_value

    @property
    def is_not_found(self) -> bool:
        return True


class CapabilityMissing(KubeCopilotError):
    """The connected server has no tool for something KubeCopilot needs (e.g. logs)."""

    code = "capability_missing"


class ChangeNotPossible(CapabilityMissing):
    """The server has no tool that can make this change (e.g. it runs read-only): found before anyone approves."""

    code = "change_not_possible"
    exit_code = ExitCode.PLAN_REFUSED


class WriteRefused(KubeCopilotError):
    """The gateway refused a write: no approved plan, or the approval does not cover this call."""

    code = "write_refused"
    exit_code = ExitCode.PLAN_REFUSED


# --- Plans ----------------------------------------------------------------------------------------------------


class PlanError(KubeCopilotError):
    code = "plan_error"
    exit_code = ExitCode.PLAN_REFUSED


class PlanInvalid(PlanError):
    """A plan failed validation (schema, patch, whitelist, protected path); it is never shown as approvable."""

    code = "plan_invalid"


class PlanDrifted(PlanError):
    """The resource changed since the plan was made; execution refused."""

    code = "plan_drifted"


class PlanNotApproved(PlanError):
    code = "plan_not_approved"
    exit_code = ExitCode.NOT_APPROVED


class FourEyesRequired(PlanNotApproved):
    """The four-eyes policy: the person who requested this plan cannot approve it; someone else must."""

    code = "four_eyes_required"


class PlanExpired(PlanNotApproved):
    """Nobody decided (or nobody executed an approved plan) before its expiry; the ledger recorded the expiry."""

    code = "plan_expired"


class ApprovalNotVerified(PlanError):
    """What the ledger says about a plan is not a person's signed approval of exactly this content: the history is
    not created → one confirmation, a signature is missing or invalid or by a key the team does not list, the content
    differs from what was signed, or the hash chain up to the approval is broken. Refused, and recorded."""

    code = "approval_not_verified"

    def __init__(self, message: str, *, problems: list[str] | None = None, **kw: Any) -> None:
        super().__init__(message, problems=list(problems or []), **kw)
        self.problems = list(problems or [])


class StatusConflict(PlanError):
    """A state change lost a race: another process decided the plan first (the ledger's ``append_if``)."""

    code = "plan_status_conflict"


class PlanExecutionFailed(PlanError):
    code = "plan_execution_failed"


class WriteOutcomeUnknown(PlanExecutionFailed):
    """A write got no answer (timeout, dropped connection) and reading the object back did not show it applied
    within the settle time: it may still land. Nothing more was written; the ledger records "unknown"."""

    code = "write_outcome_unknown"


class PlanNotVerified(PlanError):
    """The change was applied, and its post-check read the cluster: the expected state is not there."""

    code = "plan_not_verified"
    exit_code = ExitCode.VERIFICATION_FAILED


class PlanUnverified(PlanError):
    """The change was applied, but its post-check could not read (or understand) the cluster: neither ✓ nor ✗."""

    code = "plan_unverified"
    exit_code = ExitCode.INCOMPLETE


class PolicyRefused(PlanInvalid):
    """The change is outside what KubeCopilot may do here (the action whitelist): refused before anyone is asked."""

    code = "refused_by_policy"
    exit_code = ExitCode.REFUSED_BY_POLICY


class NothingToChange(PlanError):
    """The object already looks the way the change would leave it (scale to the current count, the same image):
    nothing to plan, and nothing went wrong — kubectl calls that success too."""

    code = "nothing_to_change"
    exit_code = ExitCode.OK


class PlanNotFound(PlanError):
    code = "plan_not_found"
    exit_code = ExitCode.ERROR


class AuditTampered(KubeCopilotError):
    """The ledger's hash chain (or a signed decision) does not hold: rows were edited, deleted or reordered."""

    code = "audit_tampered"
    exit_code = ExitCode.LEDGER_TAMPERED


class AuditUnreadable(KubeCopilotError):
    """The audit database cannot be opened or read: not a database, corrupt, unreachable, or no driver."""

    code = "audit_unreadable"
    exit_code = ExitCode.LEDGER_UNAVAILABLE


# --- LLM --------------------------------------------------------------------------------------------------------


class LLMError(KubeCopilotError):
    code = "llm_error"
    exit_code = ExitCode.UNAVAILABLE


class LLMUnavailable(LLMError):
    """No usable answer from the model (rate-limited, 5xx or timed out after retries, or one of the subclasses);
    the turn falls back to the offline engine with a notice."""

    code = "llm_unavailable"


class LLMTooSlow(LLMUnavailable):
    """The turn's deadline passed while the model was still thinking; the turn ends with what the rules know."""

    code = "llm_too_slow"


class LLMStillLoading(LLMUnavailable):
    """The model's side (crewAI) is still being loaded in the background (the REPL warms it up once its prompt is
    on screen): the turn is answered by the rules at once instead of waiting seconds for the import."""

    code = "llm_loading"


class LLMKeyRefused(LLMUnavailable):
    """The provider refused the key (401/403). Not retried; the model is not asked again this session."""

    code = "llm_key_refused"


class LLMBadResponse(LLMUnavailable):
    """The provider or the model broke the protocol: a body that is not a completion, a tool call where no tools
    were offered, tool calls that never end. Not retried: the same request gets the same reply."""

    code = "llm_bad_response"


class LLMOutputInvalid(LLMError):
    """The model's structured output failed validation after the allowed retries."""

    code = "llm_output_invalid"
    exit_code = ExitCode.ERROR


class Interrupted(KubeCopilotError):
    code = "interrupted"
    exit_code = ExitCode.INTERRUPTED
