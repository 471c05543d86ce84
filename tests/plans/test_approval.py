"""The approval verifier on its own: history shape, signatures, content hash, four-eyes by key, hash chain.

Plans are proposed and approved by real PlanServices (each with its own key) on one ledger whose team file lists
alice, bob and carol; the rows are then forged the ways someone with write access to the database could. The
verifier is called directly; tests/security shows the same through the CLI against the sandbox.
"""

from __future__ import annotations

import sqlite3

import pytest

from kubecopilot.config import DEFAULT_WHITELIST
from kubecopilot.errors import ApprovalNotVerified
from kubecopilot.plans.approval import audit_problems, check_approval, check_proposal, signature_count
from kubecopilot.plans.builders import build_restart, build_scale
from kubecopilot.plans.content import content_hash
from kubecopilot.plans.executor import PlanExecutor
from kubecopilot.plans.identity import SigningKey
from kubecopilot.plans.model import ApprovalDecision, ResourceRef
from kubecopilot.plans.service import PlanService
from kubecopilot.plans.signatures import sign
from kubecopilot.plans.trust import Trust, TrustConfig
from kubecopilot.testing.team import TeamSetup

CART = ResourceRef(kind="Deployment", namespace="dev", name="cart")
CHECKOUT = ResourceRef(kind="Deployment", namespace="production", name="checkout")
AT = "2025-01-12T06:20:00.000Z"


@pytest.fixture
def team(tmp_path):
    return TeamSetup.create(tmp_path / "team", "alice", "bob", "carol")


@pytest.fixture
def person(ledger, cluster, clock, team):
    def make(user: str, config: TrustConfig | None = None) -> PlanService:
        executor = PlanExecutor(cluster, ledger, clock=clock.monotonic, sleep=clock.sleep, now=clock.now)
        return PlanService(cluster, ledger, cluster.approvals, whitelist=DEFAULT_WHITELIST, user=user, clock=clock.now,
                           executor=executor, trust=config or team.config(user))

    return make


def yes(plan):
    return ApprovalDecision(approved=True, by="user:x", typed_name=plan.resource.name)


def approved(person, ref=CHECKOUT, build=build_restart, by="bob"):
    plan = person("alice").propose(ref, build)
    approver = person(by)
    assert approver.decide(plan, yes)
    return plan, approver


def verify(service, plan_id, four_eyes=lambda plan: "four-eyes policy: test"):
    return check_approval(service.ledger.history(plan_id), service.trust, service.ledger.chain_problems, four_eyes)


def refused(service, plan_id, match, **kw):
    with pytest.raises(ApprovalNotVerified, match=match) as caught:
        verify(service, plan_id, **kw)
    return caught.value


def test_a_signed_approval_by_a_second_person_verifies(person):
    plan, bob = approved(person)
    result = verify(bob, plan.plan_id)
    assert result.content_hash == content_hash(plan) == content_hash(result.plan)
    assert (result.proposal.person, result.approval.person) == ("alice", "bob")


def test_a_confirmed_row_nobody_signed_is_refused(person, ledger):
    plan = person("alice").propose(CHECKOUT, build_restart)
    ledger.append(plan.transition("confirmed", confirmed_by="user:bob"), "confirmed", "user:bob")
    refused(person("bob"), plan.plan_id, r"row #3 \(confirmed by user:bob\): it is not signed")


def test_a_signature_made_with_the_requesters_key_under_another_name_is_hers(person, ledger, team):
    plan = person("alice").propose(CHECKOUT, build_restart)
    block = sign(team.key("alice"), "bob", plan.plan_id, content_hash(plan), "approve", AT)
    ledger.append(plan.transition("confirmed", confirmed_by="user:bob"), "confirmed", "user:bob", {"signature": block})
    refused(person("bob"), plan.plan_id, "alice approved their own plan")
    assert verify(person("bob"), plan.plan_id, four_eyes=lambda p: None).approval.person == "alice"  # no policy: hers


def test_a_key_the_team_file_does_not_list_does_not_count(person, ledger):
    plan = person("alice").propose(CHECKOUT, build_restart)
    block = sign(SigningKey.generate(), "bob", plan.plan_id, content_hash(plan), "approve", AT)
    ledger.append(plan.transition("confirmed"), "confirmed", "user:bob", {"signature": block})
    refused(person("bob"), plan.plan_id, "signed by SHA256:.*, a key the team file does not list")


@pytest.mark.parametrize(("field", "value", "why"), [
    ("decision", "propose", "for the decision 'propose', not 'approve'"),
    ("contentHash", "sha256:" + "0" * 64, "its content is not the content that was signed"),
    ("sig", "AAAA", "does not verify"),
    ("name", "carol", "does not verify"),  # the name is signed too
    ("key", "ssh-rsa AAAAB3Nza", "its signing key is unusable"),
    ("v", 2, "malformed"),
])
def test_a_tampered_signature_block_is_refused(person, ledger, field, value, why):
    plan = person("alice").propose(CHECKOUT, build_restart)
    bob = person("bob")
    block = sign(bob.trust.key, "bob", plan.plan_id, content_hash(plan), "approve", AT)
    ledger.append(plan.transition("confirmed"), "confirmed", "user:bob", {"signature": {**block, field: value}})
    refused(bob, plan.plan_id, why)


def test_a_signature_copied_from_another_plan_does_not_verify(person, ledger):
    one, bob = approved(person)
    other = person("alice").propose(CART, lambda obj: build_scale(obj, 3))
    copied = ledger.history(one.plan_id)[-1].detail["signature"]
    ledger.append(other.transition("confirmed"), "confirmed", "user:bob", {"signature": copied})
    refused(bob, other.plan_id, "content is not the content that was signed")


@pytest.mark.parametrize("between", ["rejected", "expired", "failed"])
def test_a_confirmation_after_a_terminal_row_is_refused_even_with_a_genuine_signature(person, ledger, between):
    plan, bob = approved(person)
    genuine = ledger.history(plan.plan_id)[-1]
    ledger.append(plan.model_copy(update={"status": between}), between, "user:carol")
    ledger.append(genuine.plan, "confirmed", genuine.actor, genuine.detail)  # bob's own row, replayed
    refused(bob, plan.plan_id, f"its history is created → confirmed → {between} → confirmed, not created → confirmed")


def test_a_second_confirmation_with_other_content_is_refused(person, ledger):
    plan, bob = approved(person, CART, lambda obj: build_scale(obj, 3))
    genuine = ledger.history(plan.plan_id)[-1]
    swapped = genuine.plan.model_dump(mode="json", by_alias=True)
    swapped["diff"]["patch"][0]["value"] = swapped["steps"][0]["patch"][0]["value"] = 30
    ledger.append(type(plan).model_validate(swapped), "confirmed", genuine.actor, genuine.detail)
    error = refused(bob, plan.plan_id, "created → confirmed → confirmed")
    assert any("its content is not the content that was signed" in p for p in error.problems)


def test_content_edited_in_place_breaks_the_chain_and_the_signature(person, ledger):
    plan, bob = approved(person, CART, lambda obj: build_scale(obj, 3))
    with sqlite3.connect(ledger.engine.url.database) as conn:
        conn.execute("UPDATE kc_audit_events SET plan_json = replace(plan_json, '\"value\":3', '\"value\":30') "
                     "WHERE seq = 3")
    error = refused(bob, plan.plan_id, "row #3 was edited")
    assert any("its content is not the content that was signed" in p for p in error.problems)


def test_an_edit_anywhere_before_the_approval_refuses_it(person, ledger):
    unrelated = person("carol").propose(CART, lambda obj: build_scale(obj, 3))
    plan, bob = approved(person)
    with sqlite3.connect(ledger.engine.url.database) as conn:
        conn.execute("UPDATE kc_audit_events SET actor = 'user:mallory' WHERE seq = 2")  # carol's plan
    refused(bob, plan.plan_id, "row #2 was edited")
    assert unrelated.plan_id != plan.plan_id


def test_two_keys_of_one_person_are_one_person(person, ledger, tmp_path):
    spare = SigningKey.load_or_create(tmp_path / "alice-desktop")
    team = TeamSetup.create(tmp_path / "t2", "alice", "bob")
    with team.file.open("a") as out:
        out.write(f"alice {spare.public.openssh} alice@desktop\n")
    plan = person("alice", team.config("alice")).propose(CHECKOUT, build_restart)
    desktop = person("alice", TrustConfig(signing_key=spare.path, team_file=str(team.file)))
    block = sign(spare, "alice", plan.plan_id, content_hash(plan), "approve", AT)
    ledger.append(plan.transition("confirmed"), "confirmed", "user:alice", {"signature": block})
    refused(desktop, plan.plan_id, "alice approved their own plan")


def test_without_a_team_only_this_persons_own_key_counts(ledger, cluster, clock):
    def solo(key: SigningKey) -> PlanService:
        return PlanService(cluster, ledger, cluster.approvals, whitelist=DEFAULT_WHITELIST, user="alice",
                           clock=clock.now, trust=Trust(key=key, team=None, user="alice"))

    mine, other = SigningKey.generate(), SigningKey.generate()
    me = solo(mine)
    plan = me.propose(CART, lambda obj: build_scale(obj, 3))
    assert me.decide(plan, yes)
    assert verify(me, plan.plan_id, four_eyes=lambda p: None).approval.person == "alice"
    refused(solo(other), plan.plan_id, "a key this ledger of one person \\(no team file\\) does not list")


def test_the_proposal_check_wants_exactly_one_signed_created_row(person, ledger):
    alice = person("alice")
    plan = alice.propose(CHECKOUT, build_restart)
    assert check_proposal(ledger.history(plan.plan_id), alice.trust, ledger.chain_problems).person == "alice"
    ledger.append(plan, "created", "user:alice")
    with pytest.raises(ApprovalNotVerified, match="created → created, not created"):
        check_proposal(ledger.history(plan.plan_id), alice.trust, ledger.chain_problems)


def test_audit_problems_name_unsigned_decisions_once_signing_began(person, ledger):
    legacy = build_scale(_obj(), 3, requested_by="user:alice")
    ledger.append(legacy, "created", "user:alice")  # before signing: not a problem
    plan, bob = approved(person)
    ledger.append(plan.transition("confirmed"), "confirmed", "user:bob")
    problems = audit_problems(ledger.history(), bob.trust)
    assert [seq for seq, _ in problems] == [5, 5]  # row #1 records the team file
    assert "it is not signed" in problems[0][1] and "after created → confirmed" in problems[1][1]
    assert signature_count(ledger.history()) == (2, 4)


def _obj():
    from .fakes import deployment

    return deployment("cart")
