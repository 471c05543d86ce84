"""Signed decisions: what a person signs when they propose, approve or reject a plan, and how it is checked.

The signed payload is the canonical JSON (sorted keys, no spaces) of ``{"v", "planId", "contentHash", "decision",
"at", "signer", "name"}``; ``signer`` is the public key's OpenSSH line. The signature block goes into the ledger
row's detail (``detail["signature"]``), which the row's hash covers, so a signature cannot be moved to another row
without breaking the chain, nor to another plan, content or decision without failing here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kubecopilot.plans.identity import PublicKey, SigningKey

VERSION = 1
# The decision each signed ledger event carries.
DECISION_OF_EVENT = {"created": "propose", "confirmed": "approve", "rejected": "reject"}


@dataclass(frozen=True)
class Signer:
    key: PublicKey
    name: str  # as the signer called themselves; the team file's name is the one that counts


class BadSignature(ValueError):
    """The block is missing, malformed, for another plan, content or decision, or does not verify."""


def payload(plan_id: str, content_hash: str, decision: str, at: str, signer: str, name: str) -> bytes:
    data = {"v": VERSION, "planId": plan_id, "contentHash": content_hash, "decision": decision, "at": at,
            "signer": signer, "name": name}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(key: SigningKey, name: str, plan_id: str, content_hash: str, decision: str, at: str) -> dict[str, Any]:
    signer = key.public.openssh
    signature = key.sign(payload(plan_id, content_hash, decision, at, signer, name))
    return {"v": VERSION, "decision": decision, "contentHash": content_hash, "at": at, "name": name, "key": signer,
            "sig": signature}


def check(block: Any, plan_id: str, decision: str, content_hash: str) -> Signer:
    """The signer of ``block`` when it is a valid signature of ``decision`` over ``content_hash`` of ``plan_id``."""
    if not isinstance(block, dict):
        raise BadSignature("it is not signed")
    fields = ("decision", "contentHash", "at", "name", "key", "sig")
    if block.get("v") != VERSION or not all(isinstance(block.get(f), str) for f in fields):
        raise BadSignature("its signature block is malformed")
    if block["decision"] != decision:
        raise BadSignature(f"its signature is for the decision {block['decision']!r}, not {decision!r}")
    if block["contentHash"] != content_hash:
        raise BadSignature("its content is not the content that was signed")
    try:
        key = PublicKey.parse(block["key"])
    except ValueError as exc:
        raise BadSignature(f"its signing key is unusable ({exc})") from None
    if not key.verify(block["sig"], payload(plan_id, content_hash, decision, block["at"], key.openssh,
                                            block["name"])):
        raise BadSignature(f"its signature by {key.fingerprint} does not verify")
    return Signer(key=key, name=block["name"])
