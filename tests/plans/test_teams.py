"""Teams on one ledger: plans outlive the process that made them, four-eyes approval, expiry.

Each person is their own PlanService (their own process and signing key in real life) on one shared ledger whose
team file lists alice, bob and carol, on SQLite and on a real PostgreSQL server. The cluster is the in-memory
FakeCluster; the CLI against the sandbox is in test_teams_cli.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from kubecopilot.config import DEFAULT_WHITELIST, normalise_name
from kubecopilot.errors import ApprovalNotVerified, FourEyesRequired, PlanDrifted, PlanError, PlanExpired
from kubecopilot.plans.builders import build_restart, build_scale
from kubecopilot.plans.executor import PlanExecutor
from kubecopilot.plans.ledger import AuditLedger
from kubecopilot.plans.model import ApprovalDecision, ResourceRef
from kubecopilot.plans.policy import FourEyesPolicy
from kubecopilot.plans.service import PlanService
from kubecopilot.plans.trust import TrustConfig
from kubecopilot.testing.team import TeamSetup

CART = ResourceRef(kind="Deployment", namespace="dev", name="cart")
CHECKOUT = ResourceRef(kind="Deployment", namespace="production", name="checkout")
TEAM_POLICY = FourEyesPolicy.of([(["high"], []), ([], ["prod", "production", "prod-*"])])


@pytest.fixture
def shared(ledger_url):
    led = AuditLedger(ledger_url)
    yield led
    led.close()


@pytest.fixture
def team(tmp_path):
    return TeamSetup.create(tmp_path / "team", "alice", "bob", "carol")


@pytest.fixture
def person(shared, cluster, clock, team):
    """person("bob") → Bob's PlanService on the shared ledger, with his key and the team file (local policy: the
    team's defaults, unless told otherwise)."""

    def make(user: str, policy: FourEyesPolicy | None = TEAM_POLICY, ttl: float = 3600, led=None) -> PlanService:
        ledger = led or shared
        executor = PlanExecutor(cluster, ledger, clock=clock.monotonic, sleep=clock.sleep, now=clock.now,
                                verify_timeout=30, poll_interval=1)
        trust = team.config(user) if led is None else TrustConfig(signing_key=team.keys[user])
        return PlanService(cluster, ledger, cluster.approvals, whitelist=DEFAULT_WHITELIST, user=user, clock=clock.now,
                           executor=executor, verify_timeout=30, policy=policy, pending_ttl=ttl, trust=trust)

    return make


def says_yes(user: str, typed: str | None = None):
    asked: list[str] = []

    def approve(plan):
        asked.append(plan.plan_id)
        return ApprovalDecision(approved=True, by=f"user:{user}", typed_name=typed)

    approve.asked = asked
    return approve


def restart_checkout(obj):
    return build_restart(obj)


def test_the_requester_cannot_approve_a_production_plan_and_is_not_even_asked(person, shared):
    alice = person("alice")
    plan = alice.propose(CHECKOUT, restart_checkout)
    assert shared.created_detail(plan.plan_id)["fourEyes"].startswith("four-eyes policy: namespace")
    approve = says_yes("alice")
    with pytest.raises(FourEyesRequired, match=r"user:alice requested plan \w+ and cannot approve it") as caught:
        alice.decide(plan, approve)
    assert caught.value.hint == f"another person runs `kubecopilot plans approve {plan.plan_id[:8]}`"
    assert approve.asked == [] and alice.get(plan.plan_id).status == "pending"
    assert caught.value.exit_code == 3


def test_a_second_person_approves_from_their_own_process_and_is_recorded(person, shared, cluster, approvals):
    alice, bob = person("alice"), person("bob")
    plan = alice.propose(CHECKOUT, restart_checkout)
    assert [p.plan_id for p, _ in bob.pending()] == [plan.plan_id]  # Bob sees Alice's plan
    assert bob.decide(bob.get(plan.plan_id[:8]), says_yes("bob"))
    confirmed = shared.history(plan.plan_id)[-1]
    assert (confirmed.event, confirmed.actor, confirmed.plan.audit.confirmed_by) == ("confirmed", "user:bob", "user:bob")
    signature = confirmed.detail.pop("signature")
    assert confirmed.detail == {"fourEyes": shared.created_detail(plan.plan_id)["fourEyes"], "requestedBy": "user:alice"}
    assert (signature["decision"], signature["name"]) == ("approve", "bob")
    # Anyone's process can execute the approved plan: it grants its own token after reading the ledger.
    report = alice.execute(plan.plan_id)
    assert report.outcome == "executed" and approvals.grants[plan.plan_id].name == "checkout"
    assert [e.event for e in shared.history(plan.plan_id)] == ["created", "confirmed", "executing", "executed"]


def test_a_high_risk_plan_anywhere_needs_a_second_person_and_low_risk_in_dev_does_not(person):
    alice = person("alice")
    high = alice.propose(CART, lambda obj: build_scale(obj, 0))
    low = alice.propose(CART, lambda obj: build_scale(obj, 3))
    assert high.risk.level == "high" and "high risk" in alice.second_person(high)
    assert low.risk.level != "high" and alice.second_person(low) is None
    assert alice.decide(low, says_yes("alice"))  # her own low-risk dev change: as today


def test_without_a_team_file_or_policy_one_person_works_as_today(person, ledger):
    solo = person("alice", policy=None, led=ledger)
    plan = solo.propose(CHECKOUT, restart_checkout)
    assert solo.second_person(plan) is None
    assert solo.decide(plan, says_yes("alice")) and solo.execute(plan).outcome == "executed"


def test_the_requirement_recorded_at_creation_binds_a_process_without_a_policy(person):
    plan = person("alice").propose(CHECKOUT, restart_checkout)
    alice_elsewhere = person("alice", policy=None)  # her laptop, with no policy configured
    with pytest.raises(FourEyesRequired):
        alice_elsewhere.decide(plan, says_yes("alice"))


def test_whatever_name_the_answer_gives_the_approver_is_the_key_that_signs(person, shared):
    alice = person("alice", policy=None)
    plan = person("alice").propose(CHECKOUT, restart_checkout)

    def yes_as_bob(_plan):
        return ApprovalDecision(approved=True, by="user:bob (--yes --allow-writes)")

    with pytest.raises(FourEyesRequired):
        alice.decide(plan, yes_as_bob)
    assert [e.event for e in shared.history(plan.plan_id)] == ["created"]
    assert normalise_name("user: Alice") == normalise_name("\tａｌｉ\u200bce ") == "alice"


def test_a_forged_self_approval_in_the_ledger_is_not_executed(person, shared, approvals):
    alice = person("alice")
    plan = alice.propose(CHECKOUT, restart_checkout)
    shared.append(plan.transition("confirmed", confirmed_by="user:bob"), "confirmed", "user:bob")
    with pytest.raises(ApprovalNotVerified, match=r"row #\d+ \(confirmed by user:bob\): it is not signed"):
        person("bob").execute(plan.plan_id)
    assert approvals.grants == {}  # no token was ever issued
    last = shared.history(plan.plan_id)[-1]
    assert (last.event, last.detail["reason"], last.detail["stage"]) == ("failed", "approval not verified", "execution")


def test_the_requester_may_withdraw_their_plan(person, shared):
    alice = person("alice")
    plan = alice.propose(CHECKOUT, restart_checkout)
    assert alice.reject(plan.plan_id[:8], "user:alice", "wrong namespace").status == "rejected"
    detail = shared.history(plan.plan_id)[-1].detail
    assert detail["reason"] == "wrong namespace" and detail["signature"]["decision"] == "reject"
    with pytest.raises(PlanError, match="is rejected"):
        person("bob").decide(plan, says_yes("bob"))


def test_the_second_of_two_approvers_is_told_who_was_first(person):
    alice, bob, carol = person("alice"), person("bob"), person("carol")
    plan = alice.propose(CHECKOUT, restart_checkout)
    seen_by_carol = carol.get(plan.plan_id)  # Carol is looking at it while Bob approves
    assert bob.decide(plan, says_yes("bob"))
    with pytest.raises(PlanError, match="is confirmed"):
        carol.decide(seen_by_carol, says_yes("carol"))


def test_approval_re_runs_the_drift_check(person, shared, cluster):
    plan = person("alice").propose(CHECKOUT, restart_checkout)
    cluster.edit("Deployment", "production", "checkout", lambda o: o["spec"].update(replicas=9))
    with pytest.raises(PlanDrifted, match="/spec/replicas"):
        person("bob").decide(plan, says_yes("bob"))
    last = shared.history(plan.plan_id)[-1]
    assert (last.event, last.actor, last.detail["stage"]) == ("failed", "user:bob", "approval")


def test_a_pending_plan_expires_and_the_ledger_records_it(person, shared, clock):
    alice, bob = person("alice", ttl=600), person("bob", ttl=600)
    plan = alice.propose(CHECKOUT, restart_checkout)
    assert shared.created_detail(plan.plan_id)["expiresAt"] == "2025-01-12T06:29:55.000Z"  # created + 600 s
    clock.sleep(599)
    assert [p.plan_id for p, _ in bob.pending()] == [plan.plan_id]
    clock.sleep(1)
    assert bob.pending() == []
    last = shared.history(plan.plan_id)[-1]
    assert (last.event, last.actor, last.status, last.detail) == ("expired", "system", "expired", {"was": "pending"})
    with pytest.raises(PlanError, match="is expired"):
        bob.decide(plan, says_yes("bob"))
    assert [e.event for e in shared.history(plan.plan_id)] == ["created", "expired"]  # recorded once


def test_an_approved_plan_not_run_before_its_expiry_is_not_run(person, shared, clock, approvals):
    alice, bob = person("alice", ttl=600), person("bob", ttl=600)
    plan = alice.propose(CHECKOUT, restart_checkout)
    assert bob.decide(plan, says_yes("bob"))
    clock.sleep(601)
    with pytest.raises(PlanExpired, match="expired before it was executed"):
        alice.execute(plan.plan_id)
    assert approvals.grants == {} and shared.history(plan.plan_id)[-1].detail == {"was": "confirmed"}


def test_a_plan_from_before_expiries_were_recorded_expires_from_its_creation_time(person, shared, clock):
    from .fakes import deployment

    old = build_scale(deployment("cart"), 3, requested_by="user:alice")
    old = old.model_copy(update={"audit": old.audit.model_copy(update={"timestamps": old.audit.timestamps.model_copy(
        update={"created_at": clock.now() - timedelta(hours=2)})})})
    shared.append(old, "created", "user:alice")  # no expiresAt in its detail
    assert person("bob", ttl=3600).list()[0].status == "expired"


def test_the_policy_is_off_by_default_and_the_team_default_covers_high_risk_and_production(monkeypatch, tmp_path):
    from kubecopilot.config import load_settings

    from .fakes import deployment

    prod = build_restart(deployment("checkout", "prod-eu"))
    assert load_settings().plans.four_eyes_rules() == []
    monkeypatch.setenv("KUBECOPILOT_FOUR_EYES", "true")
    monkeypatch.setenv("KUBECOPILOT_PLAN_TTL", "900")
    settings = load_settings()
    policy = FourEyesPolicy.of(settings.plans.four_eyes_rules())
    assert settings.plans.pending_ttl == 900
    assert policy.reason(prod) == "four-eyes policy: namespace prod | production | prod-* | production-* | *-prod | " \
                                  "*-production needs a second person"
    assert policy.reason(build_restart(deployment("cart", "dev"))) is None
    config = tmp_path / "kubecopilot" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("plans:\n  four_eyes:\n    enabled: true\n    rules: [{risk: [medium], namespaces: [staging]}]\n")
    monkeypatch.setenv("KUBECOPILOT_HOME", str(config.parent))
    monkeypatch.delenv("KUBECOPILOT_FOUR_EYES")
    assert load_settings().plans.four_eyes_rules() == [(["medium"], ["staging"])]
