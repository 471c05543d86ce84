"""Append-only, hash-chained audit ledger of plan state changes (SQLAlchemy Core; SQLite by default).

Every row holds the plan JSON at that moment, who did what and when, the previous row's hash and its own hash
(sha256 of the canonical JSON of the row + ``prev_hash``). A separate head record keeps the last sequence number,
row count and hash, so deleting the newest rows is caught too.

What ``verify`` detects: an edited row (its hash no longer matches), a deleted row (gap in ``seq`` / broken
``prev_hash``, or a head that no longer matches), a reordered row (``prev_hash`` pointing at a row other than its
predecessor), an inserted row. What it cannot detect on its own: someone with write access who rewrites every hash
after their edit *and* the head. Against that, keep ``VerifyReport.head`` somewhere else (a ticket, a log) and
compare later: ``kubecopilot audit verify --expect-head HASH``.

Concurrency: each append is one transaction that reads and updates the head under a write lock (``BEGIN
IMMEDIATE`` on SQLite, ``SELECT … FOR UPDATE`` elsewhere), so concurrent processes serialize and never fork the
chain. SQLite runs in WAL mode so readers never block the writer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kubecopilot.errors import ConfigError, PlanNotFound, StatusConflict
from kubecopilot.plans.ledger_engine import _engine, unreadable
from kubecopilot.plans.ledger_engine import engine_url as engine_url  # where callers have always found it
from kubecopilot.plans.model import OperationPlan, utcnow
from kubecopilot.plans.redact import redact_plan

LEDGER_SCHEMA_VERSION = 1
GENESIS = "0" * 64
EVENTS = ("created", "confirmed", "rejected", "expired", "executing", "executed", "failed", "reverted", "team")
# The rows that record where the team file is (``record_team``) carry this plan id; they are no plan's history.
TEAM_RECORD = "00000000-0000-0000-0000-000000000000"
OPEN_STATUSES = ("pending", "confirmed")  # plans still waiting for a decision or for their execution

_meta = sa.MetaData()
META = sa.Table("kc_audit_meta", _meta, sa.Column("key", sa.String(64), primary_key=True),
                sa.Column("value", sa.String(256), nullable=False))
EVENTS_TABLE = sa.Table(
    "kc_audit_events", _meta,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("plan_id", sa.String(36), nullable=False, index=True),
    sa.Column("event", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(256), nullable=False),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("idempotency_key", sa.String(256), nullable=True, index=True),
    sa.Column("plan_json", sa.Text, nullable=False),
    sa.Column("detail_json", sa.Text, nullable=True),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)
HEAD = sa.Table("kc_audit_head", _meta, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                sa.Column("seq", sa.Integer, nullable=False), sa.Column("count", sa.Integer, nullable=False),
                sa.Column("hash", sa.String(64), nullable=False))

_INIT_LOCK_KEY = 0x6B63_6C65  # "kcle": the advisory lock that serialises schema creation on PostgreSQL

# version → function that upgrades a connection from version-1 to version. Empty while there is one version.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {}


@dataclass(frozen=True)
class LedgerEntry:
    seq: int
    plan_id: str
    event: str
    actor: str
    at: str
    status: str
    idempotency_key: str | None
    plan_json: str
    detail: dict[str, Any] | None
    prev_hash: str
    hash: str

    @property
    def plan(self) -> OperationPlan:
        return OperationPlan.from_json(self.plan_json)

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "planId": self.plan_id, "event": self.event, "actor": self.actor, "at": self.at,
                "status": self.status, "idempotencyKey": self.idempotency_key, "detail": self.detail,
                "prevHash": self.prev_hash, "hash": self.hash}


@dataclass
class VerifyReport:
    ok: bool
    rows: int
    head: str
    problems: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Claim:
    granted: bool
    prior: LedgerEntry | None = None  # the earlier executing/executed row when not granted


class AuditLedger:
    def __init__(self, url: str, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.url = url
        self._clock = clock
        try:
            self.engine = _engine(url)
            self._init_schema()
        except (sa.exc.SQLAlchemyError, ImportError, OSError) as exc:
            raise unreadable(url, exc) from None

    # --- writing ---------------------------------------------------------------------------------------------

    def append(self, plan: OperationPlan, event: str, actor: str, detail: dict[str, Any] | None = None) -> LedgerEntry:
        if event not in EVENTS:
            raise ValueError(f"unknown ledger event {event!r}")
        with self.engine.begin() as conn:
            return self._append(conn, plan, event, actor, detail)

    def append_if(self, plan: OperationPlan, event: str, actor: str, detail: dict[str, Any] | None = None, *,
                  expect: tuple[str, ...]) -> LedgerEntry:
        """Append only while the plan's latest recorded status is one of ``expect`` (checked under the write lock).

        Two people approving (or one approving while another rejects, or a sweep expiring) the same plan from
        different processes: exactly one wins; the other gets ``StatusConflict`` naming who decided first."""
        if event not in EVENTS:
            raise ValueError(f"unknown ledger event {event!r}")
        with self.engine.begin() as conn:
            self._lock_head(conn)
            latest = conn.execute(sa.select(EVENTS_TABLE).where(EVENTS_TABLE.c.plan_id == plan.plan_id)
                                  .order_by(EVENTS_TABLE.c.seq.desc()).limit(1)).first()
            if latest is None:
                raise PlanNotFound(f"no plan {plan.plan_id} in the audit ledger")
            if latest.status not in expect:
                raise StatusConflict(f"plan {plan.plan_id[:8]} is already {latest.status} ({latest.event} by "
                                     f"{latest.actor} at {latest.at})", hint="`kubecopilot plans show ID` shows it")
            return self._append(conn, plan, event, actor, detail)

    def claim_execution(self, plan: OperationPlan, actor: str) -> Claim:
        """Atomically record "executing" unless this idempotencyKey already started or finished elsewhere."""
        key = plan.audit.idempotency_key or plan.plan_id
        with self.engine.begin() as conn:
            self._lock_head(conn)
            prior = conn.execute(sa.select(EVENTS_TABLE).where(EVENTS_TABLE.c.idempotency_key == key,
                                                               EVENTS_TABLE.c.event.in_(("executing", "executed")))
                                 .order_by(EVENTS_TABLE.c.seq.desc()).limit(1)).first()
            if prior is not None:
                return Claim(False, _entry(prior))
            self._append(conn, plan, "executing", actor, None)
            return Claim(True)

    def record_team(self, location: str, digest: str, actor: str) -> LedgerEntry:
        """Record where the team file is. Once: the first record stands, and is what this returns ever after."""
        with self.engine.begin() as conn:
            self._lock_head(conn)
            first = conn.execute(sa.select(EVENTS_TABLE).where(EVENTS_TABLE.c.plan_id == TEAM_RECORD)
                                 .order_by(EVENTS_TABLE.c.seq).limit(1)).first()
            if first is not None:
                return _entry(first)
            row = {"plan_id": TEAM_RECORD, "event": "team", "actor": actor, "status": "recorded",
                   "idempotency_key": None, "plan_json": "{}",
                   "detail_json": _canonical({"teamFile": location, "sha256": digest})}
            return self._insert(conn, row)

    def team_record(self) -> LedgerEntry | None:
        """The first (the only one that counts) record of the team file, or None: a ledger of one person."""
        query = (sa.select(EVENTS_TABLE).where(EVENTS_TABLE.c.plan_id == TEAM_RECORD)
                 .order_by(EVENTS_TABLE.c.seq).limit(1))
        with self._read() as conn:
            row = conn.execute(query).first()
        return _entry(row) if row is not None else None

    def _append(self, conn: Connection, plan: OperationPlan, event: str, actor: str,
                detail: dict[str, Any] | None) -> LedgerEntry:
        return self._insert(conn, {
            "plan_id": plan.plan_id, "event": event, "actor": actor, "status": plan.status,
            "idempotency_key": plan.audit.idempotency_key or plan.plan_id,
            "plan_json": redact_plan(plan).to_json(),  # no secret values at rest; rollback's paths are kept
            "detail_json": _canonical(detail) if detail is not None else None})

    def _insert(self, conn: Connection, fields: dict[str, Any]) -> LedgerEntry:
        head = self._lock_head(conn)
        row = {"seq": head.seq + 1, **fields, "at": _iso(self._clock()), "prev_hash": head.hash}
        row["hash"] = row_hash(row)
        conn.execute(EVENTS_TABLE.insert().values(**row))
        conn.execute(HEAD.update().where(HEAD.c.id == 1).values(seq=row["seq"], count=head._mapping["count"] + 1,
                                                                hash=row["hash"]))
        return _entry(row)

    def _lock_head(self, conn: Connection) -> Any:
        # On SQLite the transaction already holds the write lock (BEGIN IMMEDIATE); FOR UPDATE is for PostgreSQL.
        return conn.execute(sa.select(HEAD).where(HEAD.c.id == 1).with_for_update()).one()

    # --- reading ---------------------------------------------------------------------------------------------

    def history(self, plan_id: str | None = None) -> list[LedgerEntry]:
        query = sa.select(EVENTS_TABLE).order_by(EVENTS_TABLE.c.seq)
        if plan_id is not None:
            query = query.where(EVENTS_TABLE.c.plan_id == plan_id)
        with self._read() as conn:
            return [_entry(r) for r in conn.execute(query)]

    def latest(self, plan_id: str) -> OperationPlan | None:
        query = (sa.select(EVENTS_TABLE.c.plan_json).where(EVENTS_TABLE.c.plan_id == plan_id)
                 .order_by(EVENTS_TABLE.c.seq.desc()).limit(1))
        with self._read() as conn:
            text = conn.execute(query).scalar()
        return OperationPlan.from_json(text) if text else None

    def plans(self) -> list[OperationPlan]:
        """The latest state of every plan, oldest plan first."""
        last = (sa.select(sa.func.max(EVENTS_TABLE.c.seq).label("last"), sa.func.min(EVENTS_TABLE.c.seq).label("first"))
                .where(EVENTS_TABLE.c.plan_id != TEAM_RECORD).group_by(EVENTS_TABLE.c.plan_id).subquery())
        query = (sa.select(EVENTS_TABLE.c.plan_json).join(last, EVENTS_TABLE.c.seq == last.c.last)
                 .order_by(last.c.first))
        with self._read() as conn:
            return [OperationPlan.from_json(text) for text in conn.execute(query).scalars()]

    def open_plans(self) -> list[tuple[OperationPlan, dict[str, Any]]]:
        """Plans still pending or confirmed-but-not-run, oldest first, each with its "created" row's detail (which
        holds ``expiresAt``)."""
        latest = {p.plan_id: p for p in self.plans() if p.status in OPEN_STATUSES}
        if not latest:
            return []
        query = (sa.select(EVENTS_TABLE.c.plan_id, EVENTS_TABLE.c.detail_json)
                 .where(EVENTS_TABLE.c.event == "created", EVENTS_TABLE.c.plan_id.in_(list(latest))))
        with self._read() as conn:
            details = {pid: json.loads(text) if text else {} for pid, text in conn.execute(query)}
        return [(plan, details.get(pid, {})) for pid, plan in latest.items()]

    def created_detail(self, plan_id: str) -> dict[str, Any]:
        """The detail recorded with the plan's "created" row (``expiresAt``, ``rollbackOf`` …); {} when none."""
        query = (sa.select(EVENTS_TABLE.c.detail_json)
                 .where(EVENTS_TABLE.c.plan_id == plan_id, EVENTS_TABLE.c.event == "created").limit(1))
        with self._read() as conn:
            text = conn.execute(query).scalar()
        return dict(json.loads(text)) if text else {}

    def resolve(self, prefix: str) -> str:
        """The full plan id for an id or a unique prefix of one (as printed by ``kubecopilot plans``)."""
        prefix = prefix.strip().lower()
        query = sa.select(EVENTS_TABLE.c.plan_id).distinct().where(EVENTS_TABLE.c.plan_id.startswith(prefix),
                                                                  EVENTS_TABLE.c.plan_id != TEAM_RECORD)
        with self._read() as conn:
            ids = list(conn.execute(query.limit(2)).scalars()) if len(prefix) >= 4 else []
        if len(ids) != 1:
            why = "no plan" if not ids else "more than one plan"
            raise PlanNotFound(f"{why} matches {prefix!r}", hint="`kubecopilot plans` lists plan ids")
        return str(ids[0])

    def head_seq(self) -> int:
        """The sequence number of the newest row (0 for an empty ledger): where ``changes_since`` starts."""
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.max(EVENTS_TABLE.c.seq))).scalar() or 0)

    def changes_since(self, seq: int, events: tuple[str, ...] = ("executed", "reverted", "failed")) -> list[LedgerEntry]:
        """The rows after ``seq`` that record a change reaching the cluster (or its undoing), oldest first: a cheap
        query on the primary key, for a process that watches what others changed."""
        query = (sa.select(EVENTS_TABLE).where(EVENTS_TABLE.c.seq > seq, EVENTS_TABLE.c.event.in_(events))
                 .order_by(EVENTS_TABLE.c.seq))
        with self._read() as conn:
            return [_entry(r) for r in conn.execute(query)]

    def executed_with_key(self, key: str) -> LedgerEntry | None:
        query = (sa.select(EVENTS_TABLE).where(EVENTS_TABLE.c.idempotency_key == key,
                                               EVENTS_TABLE.c.event == "executed").limit(1))
        with self._read() as conn:
            row = conn.execute(query).first()
        return _entry(row) if row else None

    # --- integrity -------------------------------------------------------------------------------------------

    def chain_problems(self, through: int) -> list[tuple[int, str]]:
        """What is wrong with the hash chain from the first row up to row ``through`` (and that row exists)."""
        with self._read() as conn:
            rows = list(conn.execute(sa.select(EVENTS_TABLE).where(EVENTS_TABLE.c.seq <= through)
                                     .order_by(EVENTS_TABLE.c.seq)).mappings())
        problems = _chain_problems(rows)
        if not rows or rows[-1]["seq"] != through:
            problems.append((through, f"row #{through} is not in the ledger"))
        return problems

    def verify(self) -> VerifyReport:
        with self._read() as conn:
            rows = list(conn.execute(sa.select(EVENTS_TABLE).order_by(EVENTS_TABLE.c.seq)).mappings())
            head = conn.execute(sa.select(HEAD).where(HEAD.c.id == 1)).one()
        problems = _chain_problems(rows)
        last = rows[-1] if rows else None
        count = head._mapping["count"]  # not ``head.count``: that name is also the tuple method
        if count != len(rows) or head.seq != (last["seq"] if last else 0):
            problems.append((head.seq, f"the head records {count} rows up to #{head.seq} but {len(rows)} rows "
                                       f"up to #{last['seq'] if last else 0} exist: rows were deleted or added"))
        if head.hash != (last["hash"] if last else GENESIS):
            problems.append((head.seq, "the newest row does not match the head's hash: rows were deleted, replaced "
                                       "or rewritten"))
        return VerifyReport(ok=not problems, rows=len(rows), head=head.hash, problems=problems)

    # --- schema ----------------------------------------------------------------------------------------------

    def _init_schema(self) -> None:
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Several processes opening a new shared ledger at once: one creates the tables, the others wait.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _INIT_LOCK_KEY})
            _meta.create_all(conn)
            version = conn.execute(sa.select(META.c.value).where(META.c.key == "schema_version")).scalar()
            if version is None:
                conn.execute(META.insert().values(key="schema_version", value=str(LEDGER_SCHEMA_VERSION)))
                conn.execute(HEAD.insert().values(id=1, seq=0, count=0, hash=GENESIS))
                return
            self._migrate(conn, int(version))

    def _migrate(self, conn: Connection, version: int) -> None:
        if version > LEDGER_SCHEMA_VERSION:
            raise ConfigError(f"the audit ledger {self.url} has schema v{version}, newer than this KubeCopilot "
                              f"understands (v{LEDGER_SCHEMA_VERSION})", hint="upgrade KubeCopilot")
        for target in range(version + 1, LEDGER_SCHEMA_VERSION + 1):
            MIGRATIONS[target](conn)
            conn.execute(META.update().where(META.c.key == "schema_version").values(value=str(target)))

    def _read(self) -> Connection:
        # Reads start a plain (deferred) transaction; only writers take the write lock.
        return self.engine.connect().execution_options(kc_read_only=True)

    def close(self) -> None:
        self.engine.dispose()


def row_hash(row: dict[str, Any]) -> str:
    material = {k: row[k] for k in ("seq", "plan_id", "event", "actor", "at", "status", "idempotency_key",
                                    "plan_json", "detail_json", "prev_hash")}
    return hashlib.sha256(_canonical(material).encode("utf-8")).hexdigest()


def _chain_problems(rows: list[Any]) -> list[tuple[int, str]]:
    problems: list[tuple[int, str]] = []
    seq_of_hash = {row["hash"]: row["seq"] for row in rows}
    expected_seq, expected_prev = 1, GENESIS
    for row in rows:
        seq = row["seq"]
        if seq != expected_seq:
            gap = f"#{expected_seq}" if seq == expected_seq + 1 else f"#{expected_seq}–#{seq - 1}"
            problems.append((seq, f"row {gap} is missing (deleted)" if seq > expected_seq else "duplicate sequence"))
        if row_hash(dict(row)) != row["hash"]:
            problems.append((seq, f"row #{seq} was edited: its content no longer matches its hash"))
        if row["prev_hash"] != expected_prev and seq == expected_seq:
            other = seq_of_hash.get(row["prev_hash"])
            where = f"row #{other}" if other is not None else "no row in the ledger"
            problems.append((seq, f"row #{seq} is out of order: it follows {where}, not the row before it"))
        expected_seq, expected_prev = seq + 1, row["hash"]
    return problems


def _entry(row: Any) -> LedgerEntry:
    data = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
    detail = json.loads(data["detail_json"]) if data.get("detail_json") else None
    return LedgerEntry(seq=data["seq"], plan_id=data["plan_id"], event=data["event"], actor=data["actor"],
                       at=data["at"], status=data["status"], idempotency_key=data["idempotency_key"],
                       plan_json=data["plan_json"], detail=detail, prev_hash=data["prev_hash"], hash=data["hash"])


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
