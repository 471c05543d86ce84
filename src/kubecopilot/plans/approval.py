"""The approval verifier: does the ledger hold a person's signed approval of exactly the content that would run?

A ledger row is data anyone with write access to the database could have written. What makes a plan approved is:

- its history is exactly ``created`` → ``confirmed`` (nothing terminal between, nothing after, no second of either);
- the ``created`` row carries the requester's signed proposal, the ``confirmed`` row the approver's signed approval,
  each over the plan id and the content hash of the plan in that row, each by a key whose signature counts here
  (one the team file lists; without a team, this person's own);
- both rows hold the same content — the content hash the proposal signed is the one approved and the one that runs;
- where the four-eyes policy applies, approver and requester are different people (as the team file names them);
- the hash chain of the ledger verifies from the first row up to the approval.

``check_proposal`` is the first half (before anyone is asked to approve), ``check_approval`` the whole (before a
token is granted), ``audit_problems`` the same rules over a whole ledger for ``kubecopilot audit verify``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kubecopilot.errors import ApprovalNotVerified
from kubecopilot.plans.content import content_hash
from kubecopilot.plans.model import OperationPlan
from kubecopilot.plans.signatures import DECISION_OF_EVENT, BadSignature, Signer, check
from kubecopilot.plans.trust import Trust

TERMINAL = ("rejected", "expired", "executing", "executed", "failed", "reverted")


@dataclass(frozen=True)
class SignedRow:
    seq: int
    signer: Signer
    person: str
    content_hash: str


@dataclass(frozen=True)
class VerifiedApproval:
    plan: OperationPlan  # the plan as approved: what runs
    content_hash: str
    proposal: SignedRow
    approval: SignedRow


def signed_row(entry: Any, trust: Trust) -> SignedRow:
    """The signer of one created / confirmed / rejected row; ``BadSignature`` saying why it does not count."""
    decision = DECISION_OF_EVENT[entry.event]
    try:
        plan = entry.plan
    except ValueError:
        raise BadSignature("its plan does not parse") from None
    digest = content_hash(plan)
    signer = check((entry.detail or {}).get("signature"), entry.plan_id, decision, digest)
    person = trust.person(signer)
    if person is None:
        where = "the team file" if trust.team is not None else "this ledger of one person (no team file)"
        raise BadSignature(f"it is signed by {signer.key.fingerprint}, a key {where} does not list")
    return SignedRow(seq=entry.seq, signer=signer, person=person, content_hash=digest)


def check_proposal(entries: Sequence[Any], trust: Trust, chain_problems: Callable[[int], list[tuple[int, str]]]
                   ) -> SignedRow:
    """The plan's history is exactly its signed ``created`` row, and the chain up to it verifies."""
    problems = _shape(entries, ("created",))
    signed = _every_signed(entries, trust, problems)
    proposal = signed.get("created")
    if entries:
        problems += [what for _, what in chain_problems(entries[-1].seq)]
    _refuse(entries, problems, "proposal")
    assert proposal is not None
    return proposal


def check_approval(entries: Sequence[Any], trust: Trust, chain_problems: Callable[[int], list[tuple[int, str]]],
                   four_eyes: Callable[[OperationPlan], str | None]) -> VerifiedApproval:
    """Everything the module docstring lists; ``ApprovalNotVerified`` naming each problem otherwise."""
    problems = _shape(entries, ("created", "confirmed"))
    confirmed = next((e for e in entries if e.event == "confirmed"), None)
    signed = _every_signed(entries, trust, problems)
    proposal, approval = signed.get("created"), signed.get("confirmed")
    if proposal and approval and proposal.content_hash != approval.content_hash:
        problems.append(f"row #{approval.seq} approves content other than what row #{proposal.seq} proposed")
    if proposal and approval and confirmed is not None:
        why = four_eyes(confirmed.plan)
        if why and trust.same_person(proposal.signer, approval.signer):
            problems.append(f"row #{approval.seq}: {approval.person} approved their own plan ({why})")
    if entries:
        problems += [what for _, what in chain_problems(max(e.seq for e in entries))]
    _refuse(entries, problems, "approval")
    assert proposal is not None and approval is not None and confirmed is not None
    return VerifiedApproval(plan=confirmed.plan, content_hash=approval.content_hash, proposal=proposal,
                            approval=approval)


def audit_problems(entries: Sequence[Any], trust: Trust) -> list[tuple[int, str]]:
    """Decisions in the ledger that are not what they claim: unsigned (once signing began), signed by a key that
    does not count, over other content, or a confirmation that does not follow its proposal."""
    problems: list[tuple[int, str]] = []
    signing_began = False
    seen: dict[str, list[str]] = {}
    proposals: dict[str, tuple[SignedRow, str | None]] = {}  # plan → its signed proposal, and why four-eyes applies
    for entry in entries:
        if entry.event not in DECISION_OF_EVENT:
            seen.setdefault(entry.plan_id, []).append(entry.event)
            continue
        signed = isinstance((entry.detail or {}).get("signature"), dict)
        signing_began = signing_began or signed
        if signing_began:
            try:
                row = signed_row(entry, trust)
            except BadSignature as exc:
                problems.append((entry.seq, f"{entry.event} by {entry.actor}: {exc}"))
            else:
                if entry.event == "created":
                    proposals[entry.plan_id] = (row, (entry.detail or {}).get("fourEyes")
                                                or trust.policy.reason(entry.plan))
                proposed, why = proposals.get(entry.plan_id, (None, None))
                if entry.event == "confirmed" and proposed and why and trust.same_person(proposed.signer, row.signer):
                    problems.append((entry.seq, f"{row.person} approved their own plan ({why})"))
        history = seen.setdefault(entry.plan_id, [])
        if entry.event == "confirmed" and history != ["created"]:
            problems.append((entry.seq, f"confirms plan {entry.plan_id[:8]} after {' → '.join(history) or 'nothing'} "
                                        "(a confirmation follows its proposal alone)"))
        history.append(entry.event)
    return problems


def signature_count(entries: Sequence[Any]) -> tuple[int, int]:
    """(signed, all) decision rows: proposals, approvals and rejections."""
    decisions = [e for e in entries if e.event in DECISION_OF_EVENT]
    return sum(isinstance((e.detail or {}).get("signature"), dict) for e in decisions), len(decisions)


def _shape(entries: Sequence[Any], expected: tuple[str, ...]) -> list[str]:
    events = tuple(e.event for e in entries)
    if events == expected:
        return []
    return [f"its history is {' → '.join(events) or 'empty'}, not {' → '.join(expected)}"]


def _every_signed(entries: Sequence[Any], trust: Trust, problems: list[str]) -> dict[str, SignedRow]:
    """The first valid signed row of each decision event; each decision row that is not one is a problem."""
    found: dict[str, SignedRow] = {}
    for entry in entries:
        if entry.event not in DECISION_OF_EVENT:
            continue
        try:
            found.setdefault(entry.event, signed_row(entry, trust))
        except BadSignature as exc:
            problems.append(f"row #{entry.seq} ({entry.event} by {entry.actor}): {exc}")
    return found


def _refuse(entries: Sequence[Any], problems: list[str], what: str) -> None:
    if not problems:
        return
    plan_id = entries[0].plan_id[:8] if entries else "?"
    raise ApprovalNotVerified(f"plan {plan_id} has no valid signed {what}: " + "; ".join(problems),
                              hint="nothing was run; `kubecopilot audit verify` checks the whole ledger, and a "
                                   "new plan can be proposed and approved", problems=problems)
