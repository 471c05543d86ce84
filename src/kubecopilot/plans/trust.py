"""Whose signatures count: this person's key, and the team the ledger records (None: a ledger of one person).

The team file's location is recorded in the ledger itself (a ``team`` row in the hash chain), the first time a
KubeCopilot configured with one (``plans.team_file`` / ``KUBECOPILOT_TEAM_FILE``) opens it. From then on every
process uses the recorded file, whatever its own configuration says — a configuration naming another file is an
error — so nobody can approve their own plan by pointing their own KubeCopilot at a team file they wrote.

Without a team, the only key that counts is this person's own: one person on a laptop needs no setup step, and a
decision signed by any other key (a forged row) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubecopilot.errors import ConfigError, SignerUnknown
from kubecopilot.plans.identity import PublicKey, SigningKey, normalise_name
from kubecopilot.plans.policy import FourEyesPolicy
from kubecopilot.plans.signatures import Signer
from kubecopilot.plans.team import Team


@dataclass(frozen=True)
class TrustConfig:
    """Where this person's key is (None: ``$KUBECOPILOT_HOME/signing_key``) and the team file they configured."""

    signing_key: Path | None = None
    team_file: str | None = None


@dataclass(frozen=True)
class Trust:
    key: SigningKey
    team: Team | None
    user: str  # the configured name (normalised): the display name when there is no team

    @property
    def name(self) -> str:
        """This person's name: the team file's for their key, else the configured one."""
        if self.team is None:
            return self.user
        return self.team.name_of(self.key.public) or self.user

    def signing_name(self) -> str:
        """The name to sign under; ``SignerUnknown`` when a team exists and does not list this person's key."""
        if self.team is not None and self.team.name_of(self.key.public) is None:
            raise SignerUnknown(
                f"your signing key {self.key.public.fingerprint} is not in the team file {self.team.location}, so "
                "nothing you propose or decide would count",
                hint=f"ask whoever keeps the team file to add: {self.user} {self.key.public.openssh}")
        return self.name

    def person(self, signer: Signer) -> str | None:
        """Who signed, as the team knows them; None when the key is not one whose signature counts here."""
        if self.team is not None:
            return self.team.name_of(signer.key)
        return self.user if signer.key == self.key.public else None

    def same_person(self, a: Signer, b: Signer) -> bool:
        """Two keys of one person count as one person (a team may list several keys under one name)."""
        if self.team is not None:
            return self.team.name_of(a.key) == self.team.name_of(b.key)
        return a.key == b.key

    @property
    def policy(self) -> FourEyesPolicy:
        return self.team.policy if self.team is not None else FourEyesPolicy()

    def describe(self, key: PublicKey) -> str:
        return f"{key.fingerprint} ({self.team.name_of(key) or 'not in the team file'})" if self.team else \
            key.fingerprint


def trust_config(settings: Any) -> TrustConfig:
    """From ``Settings``: ``plans.signing_key`` and ``plans.team_file``."""
    return TrustConfig(signing_key=settings.plans.signing_key, team_file=settings.plans.team_file)


def default_key_path() -> Path:
    from kubecopilot.config import config_home

    return config_home() / "signing_key"


def open_trust(ledger: Any, config: TrustConfig, user: str) -> Trust:
    """This person's key (made on first use) and the team the ledger records, recording the configured one first
    when the ledger has none yet."""
    key = SigningKey.load_or_create(config.signing_key or default_key_path())
    name = normalise_name(user)
    record = ledger.team_record()
    wanted = str(Path(config.team_file).expanduser().resolve()) if config.team_file else None
    if record is None and wanted is not None:
        team = Team.load(wanted)  # only a readable, valid file is recorded
        record = ledger.record_team(wanted, team.digest, f"user:{team.name_of(key.public) or name}")
    if record is None:
        return Trust(key=key, team=None, user=name)
    recorded = str((record.detail or {}).get("teamFile", ""))
    if wanted is not None and wanted != recorded:
        raise ConfigError(f"this ledger's team file is {recorded} (recorded in row #{record.seq}); your configuration "
                          f"names {wanted}", hint="remove plans.team_file / KUBECOPILOT_TEAM_FILE, or set it to "
                                                  "the recorded file")
    return Trust(key=key, team=Team.load(recorded), user=name)
