"""The ledger's database engine: the URL's driver (psycopg 3 for a bare ``postgresql://``), SQLite's write lock and
journal, and every database error as ``AuditUnreadable`` (no SQLAlchemy traceback reaches a person)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kubecopilot.errors import AuditUnreadable


def _typed_errors(engine: Engine, url: str) -> None:
    """Every database error of this engine surfaces as ``AuditUnreadable`` (no SQLAlchemy traceback reaches a
    person), wherever it happens: opening, reading, verifying or appending."""

    @sa.event.listens_for(engine, "handle_error")
    def _typed(context: Any) -> None:
        raise unreadable(url, context.original_exception)


def unreadable(url: str, exc: BaseException) -> AuditUnreadable:
    """A database failure as a typed error; the URL's password is masked by the error itself."""
    cause = getattr(exc, "orig", None) or exc
    return AuditUnreadable(f"the audit ledger {url} cannot be opened or read: {str(cause).splitlines()[0]}",
                           hint="check audit.url / KUBECOPILOT_AUDIT_URL; a corrupt SQLite file can be moved aside "
                                "(a new ledger starts empty)")


def engine_url(url: str) -> sa.engine.URL:
    """The URL with a driver SQLAlchemy can load: a bare ``postgresql://`` (or ``postgres://``, as many tools write
    it) means psycopg 3, the driver KubeCopilot ships, not SQLAlchemy's default psycopg2."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = sa.engine.make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _engine(url: str) -> Engine:
    parsed = engine_url(url)
    if not parsed.get_backend_name().startswith("sqlite"):
        engine = sa.create_engine(parsed, pool_pre_ping=True)
        _typed_errors(engine, url)
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30})
    _typed_errors(engine, url)

    @sa.event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so "begin" below can say BEGIN IMMEDIATE (a write lock up
        # front: two appenders never both read the same head).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get("kc_read_only", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine
