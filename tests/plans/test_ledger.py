"""The audit ledger: chain, reads, tamper detection (edit, delete, reorder) and concurrent writer processes.

Every test that takes ``ledger`` runs twice: on SQLite and on a real PostgreSQL server started for the run."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest
import sqlalchemy as sa

from kubecopilot.errors import ConfigError, PlanNotFound
from kubecopilot.plans.builders import build_scale
from kubecopilot.plans.ledger import GENESIS, AuditLedger, StatusConflict, engine_url, row_hash

from .fakes import deployment


@pytest.fixture
def ledger(ledger_url):
    led = AuditLedger(ledger_url)
    yield led
    led.close()


def fill(ledger: AuditLedger, count: int = 5):
    plans = [build_scale(deployment(f"app{i}"), 3) for i in range(count)]
    for plan in plans:
        ledger.append(plan, "created", "user:alice")
    return plans


def sql(ledger: AuditLedger, statement: str) -> None:
    """What someone with write access to the database does behind KubeCopilot's back (same SQL on both backends)."""
    with ledger.engine.begin() as conn:
        conn.exec_driver_sql(statement)


def test_rows_chain_by_hash_and_read_back(ledger):
    plan = build_scale(deployment("cart"), 3)
    first = ledger.append(plan, "created", "user:alice")
    second = ledger.append(plan.transition("confirmed", confirmed_by="user:alice"), "confirmed", "user:alice")
    assert (first.seq, first.prev_hash) == (1, GENESIS) and second.prev_hash == first.hash
    assert [e.event for e in ledger.history(plan.plan_id)] == ["created", "confirmed"]
    assert ledger.latest(plan.plan_id).status == "confirmed" and ledger.latest(plan.plan_id).audit.confirmed_by
    assert ledger.history()[0].plan == plan
    report = ledger.verify()
    assert report.ok and report.rows == 2 and report.head == second.hash


def test_plans_lists_the_latest_state_of_each_plan_oldest_first(ledger):
    a, b = fill(ledger, 2)
    ledger.append(a.transition("rejected"), "rejected", "user:bob", {"reason": "not now"})
    assert [(p.id, p.status) for p in ledger.plans()] == [(a.id, "rejected"), (b.id, "pending")]
    assert ledger.history(a.plan_id)[-1].detail == {"reason": "not now"}


def test_resolve_accepts_a_unique_prefix(ledger):
    a, b = fill(ledger, 2)
    assert ledger.resolve(a.plan_id[:8]) == a.plan_id
    with pytest.raises(PlanNotFound, match="no plan matches"):
        ledger.resolve("ffffffff-0000")


def test_an_edited_row_is_named(ledger):
    fill(ledger)
    sql(ledger, "UPDATE kc_audit_events SET actor = 'user:mallory' WHERE seq = 3")
    report = ledger.verify()
    assert not report.ok and report.problems == [(3, "row #3 was edited: its content no longer matches its hash")]


def test_an_edited_plan_json_is_caught(ledger):
    fill(ledger)
    sql(ledger, "UPDATE kc_audit_events SET plan_json = replace(plan_json, '\"replicas\"', '\"replicaz\"') "
                "WHERE seq = 2")
    assert [seq for seq, _ in ledger.verify().problems] == [2]


def test_a_deleted_middle_row_is_named(ledger):
    fill(ledger)
    sql(ledger, "DELETE FROM kc_audit_events WHERE seq = 2")
    report = ledger.verify()
    assert not report.ok
    assert (3, "row #2 is missing (deleted)") in report.problems
    assert any("rows were deleted" in what for _, what in report.problems)


def test_a_deleted_last_row_is_caught_by_the_head(ledger):
    fill(ledger)
    sql(ledger, "DELETE FROM kc_audit_events WHERE seq = 5")
    report = ledger.verify()
    assert not report.ok and report.rows == 4
    assert any("head records 5 rows up to #5 but 4 rows up to #4" in what for _, what in report.problems)


def test_a_reordered_row_is_caught(ledger):
    fill(ledger)
    sql(ledger, "UPDATE kc_audit_events SET seq = 100 WHERE seq = 2")
    sql(ledger, "UPDATE kc_audit_events SET seq = 2 WHERE seq = 3")
    sql(ledger, "UPDATE kc_audit_events SET seq = 3 WHERE seq = 100")
    problems = ledger.verify().problems
    assert (2, "row #2 is out of order: it follows row #3, not the row before it") in problems
    assert {seq for seq, _ in problems} >= {2, 3}


def test_a_rewritten_chain_is_still_caught_by_the_head(ledger):
    fill(ledger, 3)
    # The forger edits row 2 and recomputes the hashes of rows 2 and 3 so the chain itself is consistent again.
    with ledger.engine.begin() as conn:
        rows = [dict(r) for r in conn.execute(sa.text("SELECT * FROM kc_audit_events ORDER BY seq")).mappings()]
        rows[1]["actor"] = "user:mallory"
        for previous, row in zip(rows, rows[1:], strict=False):
            row["prev_hash"] = previous["hash"]
            row["hash"] = row_hash(row)
            conn.execute(sa.text("UPDATE kc_audit_events SET actor = :actor, prev_hash = :prev_hash, hash = :hash "
                                 "WHERE seq = :seq"), row)
    problems = ledger.verify().problems
    assert problems == [(3, "the newest row does not match the head's hash: rows were deleted, replaced or rewritten")]


def test_a_newer_schema_is_refused(ledger_url):
    sql(AuditLedger(ledger_url), "UPDATE kc_audit_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(ConfigError, match="schema v99, newer than"):
        AuditLedger(ledger_url)


def test_sqlite_runs_in_wal_mode(tmp_path):
    ledger = AuditLedger(f"sqlite:///{tmp_path / 'audit.sqlite'}")
    fill(ledger, 1)
    with sqlite3.connect(ledger.engine.url.database) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_claim_execution_grants_once_per_idempotency_key(ledger):
    plan = build_scale(deployment("cart"), 3).transition("confirmed")
    twin = build_scale(deployment("cart"), 3).transition("confirmed")  # same change, same version → same key
    assert twin.audit.idempotency_key == plan.audit.idempotency_key
    assert ledger.claim_execution(plan, "system").granted
    second = ledger.claim_execution(twin, "system")
    assert not second.granted and second.prior.plan_id == plan.plan_id and second.prior.event == "executing"


def _append_many(url: str, worker: int, count: int, start) -> None:
    ledger = AuditLedger(url)
    start.wait()
    for i in range(count):
        ledger.append(build_scale(deployment(f"w{worker}-{i}"), 2), "created", f"user:w{worker}")
    ledger.close()


def test_concurrent_writer_processes_keep_one_unbroken_chain(ledger_url):
    url = ledger_url  # a new database: the workers also race to create the schema
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [context.Process(target=_append_many, args=(url, w, 25, start)) for w in range(4)]
    for proc in workers:
        proc.start()
    start.set()
    for proc in workers:
        proc.join(timeout=90)
        assert proc.exitcode == 0
    ledger = AuditLedger(url)
    report = ledger.verify()
    history = ledger.history()
    assert report.ok, report.problems
    assert [e.seq for e in history] == list(range(1, 101))
    assert {e.actor for e in history} == {f"user:w{w}" for w in range(4)}
    ledger.close()


def test_append_if_lets_exactly_one_of_two_deciders_win(ledger):
    [plan] = fill(ledger, 1)
    ledger.append_if(plan.transition("confirmed", confirmed_by="user:bob"), "confirmed", "user:bob", expect=("pending",))
    with pytest.raises(StatusConflict, match=r"is already confirmed \(confirmed by user:bob"):
        ledger.append_if(plan.transition("rejected"), "rejected", "user:carol", expect=("pending",))
    assert [e.event for e in ledger.history(plan.plan_id)] == ["created", "confirmed"]


def test_open_plans_carry_their_created_detail(ledger):
    a, b, c = fill(ledger, 3)
    ledger.append(a.transition("rejected"), "rejected", "user:bob")
    ledger.append(build_scale(deployment("late"), 2), "created", "user:alice", {"expiresAt": "2030-01-01T00:00:00.000Z"})
    opened = ledger.open_plans()
    assert [p.plan_id for p, _ in opened][:2] == [b.plan_id, c.plan_id] and len(opened) == 3
    assert opened[-1][1] == {"expiresAt": "2030-01-01T00:00:00.000Z"} and opened[0][1] == {}
    assert ledger.created_detail(opened[-1][0].plan_id)["expiresAt"].startswith("2030")


@pytest.mark.parametrize("written", ["postgresql://kc@db:5432/audit", "postgres://kc@db/audit"])
def test_a_bare_postgresql_url_means_the_shipped_psycopg_driver(written):
    assert engine_url(written).drivername == "postgresql+psycopg"
    assert engine_url("postgresql+psycopg2://kc@db/audit").drivername == "postgresql+psycopg2"  # chosen: kept


def _approve_in_a_process(url: str, plan_json: str, user: str, start, results) -> None:
    from kubecopilot.plans.model import OperationPlan

    ledger = AuditLedger(url)
    plan = OperationPlan.from_json(plan_json)
    start.wait()
    try:
        ledger.append_if(plan.transition("confirmed", confirmed_by=user), "confirmed", user, expect=("pending",))
        results.put((user, "won"))
    except StatusConflict as exc:
        results.put((user, exc.message))
    ledger.close()


def test_approvers_racing_from_several_processes_leave_exactly_one_approval(ledger, ledger_url):
    [plan] = fill(ledger, 1)
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    users = [f"user:r{i}" for i in range(3)]
    workers = [context.Process(target=_approve_in_a_process, args=(ledger_url, plan.to_json(), u, start, results))
               for u in users]
    for proc in workers:
        proc.start()
    start.set()
    outcomes = dict(results.get(timeout=90) for _ in users)
    for proc in workers:
        proc.join(timeout=90)
    winners = [u for u, what in outcomes.items() if what == "won"]
    assert len(winners) == 1, outcomes
    assert all(f"is already confirmed (confirmed by {winners[0]}" in what for u, what in outcomes.items() if u not in winners)
    assert [e.event for e in ledger.history(plan.plan_id)] == ["created", "confirmed"] and ledger.verify().ok
