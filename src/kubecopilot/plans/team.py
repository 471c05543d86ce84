"""The team file: who may sign proposals and decisions, and the team's four-eyes policy.

Like git's ``allowed_signers``, one line per key; blank lines and ``#`` comments are ignored::

    # name   key type     public key                                   (comment)
    alice    ssh-ed25519  AAAAC3NzaC1lZDI1NTE5AAAAIE3…                  alice@laptop
    bob      ssh-ed25519  AAAAC3NzaC1lZDI1NTE5AAAAIK9…
    # The four-eyes rules of the team. None: high risk anywhere and production-like namespaces.
    four-eyes risk=high
    four-eyes namespaces=prod,production,prod-*,*-prod
    four-eyes risk=medium namespaces=staging

``four-eyes off`` turns the policy off for the team. A person may have several keys (one line each, same name):
they are still one person — four-eyes compares the people the team file names, never what anyone calls
themselves. The file is the team's trust anchor: whoever may edit it decides who can approve, so it lives where
members cannot write (a reviewed repository, a root-owned path); its location is recorded in the ledger.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from kubecopilot.config import PRODUCTION_NAMESPACES
from kubecopilot.errors import ConfigError
from kubecopilot.plans.identity import KEY_TYPE, PublicKey, normalise_name
from kubecopilot.plans.policy import FourEyesPolicy, FourEyesRule

POLICY_WORD = "four-eyes"
DEFAULT_POLICY = FourEyesPolicy((FourEyesRule(frozenset({"high"})),
                                 FourEyesRule(namespaces=tuple(PRODUCTION_NAMESPACES))))


@dataclass(frozen=True)
class Team:
    location: str
    digest: str  # sha256 of the file as read
    members: dict[str, str] = field(default_factory=dict)  # public key (OpenSSH line) → the person's name
    policy: FourEyesPolicy = DEFAULT_POLICY

    def name_of(self, key: PublicKey) -> str | None:
        """The person this key belongs to, or None when the team does not list it."""
        return self.members.get(key.openssh)

    @classmethod
    def load(cls, location: str) -> Team:
        path = Path(location).expanduser()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read the team file {location}: {exc.strerror}",
                              hint="the ledger records where the team file is; it must be readable here") from None
        return cls.parse(data.decode("utf-8", errors="replace"), location, hashlib.sha256(data).hexdigest())

    @classmethod
    def parse(cls, text: str, location: str = "<team file>", digest: str = "") -> Team:
        members: dict[str, str] = {}
        rules: list[FourEyesRule] = []
        policy_off = False
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            where = f"{location} line {number}"
            words = line.split()
            if words[0] == POLICY_WORD:
                if words[1:] == ["off"]:
                    policy_off = True
                else:
                    rules.append(_rule(words[1:], where))
                continue
            name, key = _member(words, where)
            if members.get(key.openssh, name) != name:
                raise ConfigError(f"{where}: the key of {name} is already listed for {members[key.openssh]}")
            members[key.openssh] = name
        policy = FourEyesPolicy() if policy_off else FourEyesPolicy(tuple(rules)) if rules else DEFAULT_POLICY
        return cls(location=location, digest=digest, members=members, policy=policy)


def _member(words: list[str], where: str) -> tuple[str, PublicKey]:
    if len(words) < 3 or words[1] != KEY_TYPE:
        raise ConfigError(f"{where}: expected `NAME {KEY_TYPE} PUBLIC-KEY [comment]`",
                          hint="`kubecopilot plans key` prints your line")
    try:
        return normalise_name(words[0]), PublicKey.parse(f"{words[1]} {words[2]}")
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _rule(words: list[str], where: str) -> FourEyesRule:
    risk: frozenset[str] = frozenset()
    namespaces: tuple[str, ...] = ()
    for word in words:
        key, _, value = word.partition("=")
        items = tuple(v for v in value.split(",") if v)
        if key == "risk" and items and set(items) <= {"low", "medium", "high"}:
            risk = frozenset(items)
        elif key == "namespaces" and items:
            namespaces = items
        else:
            raise ConfigError(f"{where}: `{word}` is not a four-eyes condition",
                              hint="four-eyes risk=high | four-eyes namespaces=prod,prod-* | four-eyes off")
    if not words:
        raise ConfigError(f"{where}: `four-eyes` needs conditions (risk=…, namespaces=…) or `off`")
    return FourEyesRule(risk, namespaces)
