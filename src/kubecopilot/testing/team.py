"""A team for tests: one signing key per person (as each would have on their own machine) and the team file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kubecopilot.plans.identity import SigningKey
from kubecopilot.plans.trust import Trust, TrustConfig


@dataclass
class TeamSetup:
    root: Path
    keys: dict[str, Path] = field(default_factory=dict)

    @property
    def file(self) -> Path:
        return self.root / "team"

    @classmethod
    def create(cls, root: Path, *names: str, policy: tuple[str, ...] = (), listed: tuple[str, ...] | None = None
               ) -> TeamSetup:
        """Keys for ``names`` under ``root/NAME/signing_key``; the team file lists ``listed`` (default: all)."""
        team = cls(root)
        lines = ["# the team (written by the test)", *policy]
        for name in names:
            path = root / name / "signing_key"
            key = SigningKey.load_or_create(path)
            team.keys[name] = path
            if listed is None or name in listed:
                lines.append(f"{name} {key.public.openssh} {name}@test")
        team.file.write_text("\n".join(lines) + "\n")
        return team

    def config(self, name: str) -> TrustConfig:
        return TrustConfig(signing_key=self.keys[name], team_file=str(self.file))

    def env(self, name: str) -> dict[str, str]:
        """The environment of ``name``'s KubeCopilot: their name, their key, the team file."""
        return {"KUBECOPILOT_USER": name, "KUBECOPILOT_SIGNING_KEY": str(self.keys[name]),
                "KUBECOPILOT_TEAM_FILE": str(self.file)}

    def key(self, name: str) -> SigningKey:
        return SigningKey.load(self.keys[name])


def solo_trust(name: str = "alice", key: SigningKey | None = None) -> Trust:
    """One person, no team file: the ledger of one person on a laptop."""
    from kubecopilot.config import normalise_name

    return Trust(key=key or SigningKey.generate(), team=None, user=normalise_name(name))
