"""A colleague's execution (another process, the shared ledger) evicts the cached reads it affects: the next answer
is read live, not the old state from the cache."""

from __future__ import annotations

from dataclasses import dataclass

from plans.fakes import deployment

from kubecopilot.dialogue.freshness import ChangesElsewhere
from kubecopilot.plans.builders import build_scale
from kubecopilot.plans.model import ApprovalDecision
from kubecopilot.testing.apps import app_for


def yes(plan):
    return ApprovalDecision(approved=True, by="user:bob", typed_name=plan.resource.name)


def test_a_colleagues_change_is_not_hidden_by_the_cache(sandbox, tmp_path):
    ledger = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    alice, bob = (app_for(sandbox, **{"audit.url": ledger, "session.user": user}) for user in ("alice", "bob"))
    try:
        alice.conversation.elsewhere.every = 0.0  # look at the ledger before every turn (the default: every 5 s)
        before = alice.conversation.handle("list pods in dev")
        assert sum("cart-service-v1" in row[0] for row in before.blocks[0].rows) == 1
        assert alice.conversation.handle("list pods in dev").source.from_cache  # the cache answers

        proposal = bob.conversation.handle("scale cart-service-v1 to 2")
        assert bob.conversation.approve(proposal.plan_id, yes).kind == "answer"  # executed in Bob's process

        after = alice.conversation.handle("list pods in dev")
        assert not after.source.from_cache  # Bob's execution, seen in the ledger, evicted Alice's cached reads
        assert sum("cart-service-v1" in row[0] for row in after.blocks[0].rows) == 2
    finally:
        alice.close()
        bob.close()


@dataclass
class Row:
    seq: int
    plan_id: str
    at: str
    plan: object


class FakeLedger:
    def __init__(self):
        self.rows: list[Row] = []
        self.asked = 0

    def changes_since(self, seq):
        self.asked += 1
        return [r for r in self.rows if r.seq > seq]


class FakeGateway:
    def __init__(self):
        self.evicted: list[str | None] = []

    def evict_namespace(self, namespace):
        self.evicted.append(namespace)
        return 1


def test_the_ledger_is_asked_at_most_every_few_seconds_and_own_plans_are_skipped():
    ledger, gateway, now = FakeLedger(), FakeGateway(), [100.0]
    watch = ChangesElsewhere(ledger, gateway, clock=lambda: now[0], every=5.0)
    old = build_scale(deployment("cart", "dev"), 2)
    ledger.rows.append(Row(1, old.plan_id, "2000-01-01T00:00:00.000Z", old))  # before this session: not news
    assert watch.check() == [] and ledger.asked == 1
    mine, theirs = build_scale(deployment("a", "dev"), 2), build_scale(deployment("b", "production"), 2)
    ledger.rows += [Row(2, mine.plan_id, "2999-01-01T00:00:00.000Z", mine),
                    Row(3, theirs.plan_id, "2999-01-01T00:00:00.000Z", theirs)]
    now[0] += 4.0
    assert watch.check(own={mine.plan_id}) == [] and ledger.asked == 1  # looked 4 s ago: not again yet
    now[0] += 1.0
    assert watch.check(own={mine.plan_id}) == ["production"] and gateway.evicted == ["production"]
    now[0] += 10.0
    assert watch.check() == [] and gateway.evicted == ["production"]  # each change is news once
