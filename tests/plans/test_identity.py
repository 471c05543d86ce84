"""Keys, names, the team file and where the ledger says it is."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest

from kubecopilot.config import load_settings, normalise_name
from kubecopilot.errors import ConfigError, SignerUnknown
from kubecopilot.plans.identity import PublicKey, SigningKey
from kubecopilot.plans.team import DEFAULT_POLICY, Team
from kubecopilot.plans.trust import TrustConfig, open_trust
from kubecopilot.testing.team import TeamSetup

from .fakes import deployment


@pytest.mark.parametrize("spelling", ["alice", " alice", "alice\t", "ali\u200bce", "ａｌｉｃｅ", "user: alice",
                                      "USER:Alice", "\u00a0alice\u2028"])
def test_names_that_look_alike_are_one_name(spelling):
    assert normalise_name(spelling) == "alice"


@pytest.mark.parametrize("blank", ["", "   ", "\u200b", "\t\n", "user:", "user: \u200b"])
def test_a_blank_name_is_refused_as_a_setting(monkeypatch, blank):
    assert pytest.raises(ValueError, normalise_name, blank)
    monkeypatch.setenv("KUBECOPILOT_USER", blank or "user:")
    with pytest.raises(ConfigError, match="invalid setting session.user"):
        load_settings()


def test_the_key_is_made_on_first_use_readable_only_by_its_owner_and_kept(tmp_path):
    path = tmp_path / "kc" / "signing_key"
    key = SigningKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SigningKey.load_or_create(path).public == key.public  # the same key next time
    assert key.public.openssh.startswith("ssh-ed25519 AAAA") and key.public.fingerprint.startswith("SHA256:")
    signature = key.sign(b"payload")
    assert key.public.verify(signature, b"payload") and not key.public.verify(signature, b"other")


def test_a_key_others_can_read_is_refused(tmp_path):
    path = tmp_path / "signing_key"
    SigningKey.load_or_create(path)
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        SigningKey.load(path)


def test_an_ssh_keygen_key_works_and_agrees_on_the_fingerprint(tmp_path):
    path = tmp_path / "id_ed25519"
    try:
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True, timeout=30)
        printed = subprocess.run(["ssh-keygen", "-l", "-f", str(path)], check=True, capture_output=True, text=True)
    except FileNotFoundError:
        pytest.skip("ssh-keygen is not installed")
    key = SigningKey.load(path)
    assert key.public == PublicKey.parse((tmp_path / "id_ed25519.pub").read_text())
    assert printed.stdout.split()[1] == key.public.fingerprint


def test_the_team_file_lists_people_and_their_policy(tmp_path):
    alice, bob = SigningKey.generate(), SigningKey.generate()
    text = (f"# team\n\nAlice {alice.public.openssh} alice@laptop\nbob {bob.public.openssh}\n"
            "four-eyes risk=high\nfour-eyes risk=medium namespaces=staging,qa-*\n")
    team = Team.parse(text)
    assert team.name_of(alice.public) == "alice" and team.name_of(bob.public) == "bob"
    assert team.name_of(SigningKey.generate().public) is None
    assert [r.describe() for r in team.policy.rules] == ["high risk", "medium risk in namespace staging | qa-*"]
    assert Team.parse(f"alice {alice.public.openssh}\n").policy == DEFAULT_POLICY
    assert Team.parse(f"alice {alice.public.openssh}\nfour-eyes off\n").policy.rules == ()


@pytest.mark.parametrize(("line", "why"), [
    ("alice ssh-rsa AAAAB3NzaC1yc2E", "expected `NAME ssh-ed25519 PUBLIC-KEY"),
    ("alice ssh-ed25519 bm90IGEga2V5", "not a valid ssh-ed25519 public key"),
    ("four-eyes risk=urgent", "is not a four-eyes condition"),
    ("four-eyes", "needs conditions"),
])
def test_a_bad_team_file_line_is_a_config_error_naming_the_line(line, why):
    with pytest.raises(ConfigError, match=f"team line 2: .*{why}"):
        Team.parse(f"# ok\n{line}\n", "team")


def test_one_key_cannot_be_two_people():
    key = SigningKey.generate().public.openssh
    with pytest.raises(ConfigError, match="already listed for alice"):
        Team.parse(f"alice {key}\nbob {key}\n")


def test_the_ledger_records_the_team_file_once_and_holds_everyone_to_it(ledger, tmp_path):
    team = TeamSetup.create(tmp_path / "team", "alice", "bob")
    assert open_trust(ledger, TrustConfig(team.keys["alice"]), "alice").team is None  # nothing recorded yet
    trust = open_trust(ledger, team.config("alice"), "Alice")
    assert trust.team is not None and trust.name == "alice"
    record = ledger.team_record()
    assert (record.seq, record.event, record.detail["teamFile"]) == (1, "team", str(team.file.resolve()))
    assert open_trust(ledger, TrustConfig(team.keys["bob"]), "bob").team.location == str(team.file.resolve())
    own = TeamSetup.create(tmp_path / "mine", "alice", "bob")  # alice's own file, listing a second key of hers
    with pytest.raises(ConfigError, match="this ledger's team file is .* your configuration names"):
        open_trust(ledger, own.config("alice"), "alice")
    assert ledger.record_team(str(own.file), "x", "user:alice").detail["teamFile"] == str(team.file.resolve())
    assert ledger.plans() == [] and ledger.verify().ok  # the record is in the chain and is no plan


def test_a_key_the_team_does_not_list_cannot_propose(ledger, cluster, tmp_path):
    from kubecopilot.config import DEFAULT_WHITELIST
    from kubecopilot.plans.model import ResourceRef
    from kubecopilot.plans.service import PlanService

    team = TeamSetup.create(tmp_path / "team", "alice", "mallory", listed=("alice",))
    service = PlanService(cluster, ledger, cluster.approvals, whitelist=DEFAULT_WHITELIST, user="mallory",
                          trust=team.config("mallory"))
    with pytest.raises(SignerUnknown, match="not in the team file") as caught:
        service.propose(ResourceRef(kind="Deployment", namespace="dev", name="cart"), lambda obj: deployment("x"))
    assert caught.value.hint.startswith("ask whoever keeps the team file to add: mallory ssh-ed25519 AAAA")
    assert caught.value.exit_code == 78 and ledger.plans() == []
