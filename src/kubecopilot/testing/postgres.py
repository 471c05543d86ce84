"""A throwaway PostgreSQL server for tests and benchmarks: ``initdb`` + ``pg_ctl`` on a temp dir, a free loopback port.

No mock: it is the real server from the distribution's packages (Debian puts the binaries under
``/usr/lib/postgresql/<version>/bin``; ``.ci/run`` installs them). The server trusts local connections, listens on
127.0.0.1 only, keeps its socket in its own directory and runs without fsync: it is thrown away after the run.

``initdb`` refuses to run as root, so as root everything runs as the ``postgres`` system user (``runuser``), in a
directory that user owns.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_USER = "kc"
_BINARIES = ("initdb", "pg_ctl", "postgres")


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine, or the server would not start (the message says which)."""


def find_bin_dir() -> Path | None:
    """Where ``initdb``/``pg_ctl`` live: ``$KUBECOPILOT_PG_BINDIR``, Debian's newest version, then ``PATH``."""
    candidates: list[Path] = []
    if os.environ.get("KUBECOPILOT_PG_BINDIR"):
        candidates.append(Path(os.environ["KUBECOPILOT_PG_BINDIR"]))
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    candidates += debian
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for directory in candidates:
        if all((directory / name).is_file() for name in _BINARIES):
            return directory
    return None


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (0,)


@dataclass
class PostgresServer:
    bin_dir: Path
    root: Path
    port: int
    run_as: str | None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "kc") -> str:
        """A new, empty database; returns its SQLAlchemy URL."""
        import sqlalchemy as sa

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        finally:
            engine.dispose()
        return self.url(name)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, binary: str, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / binary), *args]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout)


def start_postgres(attempts: int = 3) -> PostgresServer:
    """Initialise and start a server; raises ``PostgresUnavailable`` with the reason when it cannot."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable("PostgreSQL server binaries (initdb, pg_ctl) not found; install the `postgresql` "
                                  "package (Debian: apt-get install -y postgresql), or set KUBECOPILOT_PG_BINDIR")
    run_as = _system_user() if os.geteuid() == 0 else None
    # As root the server runs as another user, who must reach the directory: not under a private $TMPDIR.
    root = Path(tempfile.mkdtemp(prefix="kc-pg-", dir="/tmp" if run_as else None))
    if run_as:
        entry = pwd.getpwnam(run_as)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(bin_dir, root, 0, run_as)
    try:
        server._run("initdb", "-D", str(server.data_dir), "-U", PG_USER, "--auth=trust", "-E", "UTF8",
                    "--no-sync", "--no-instructions", timeout=120)
        _start(server, attempts)
    except subprocess.CalledProcessError as exc:
        server.stop()
        output = (exc.stderr or exc.stdout or "").strip()[-500:]
        raise PostgresUnavailable(f"the PostgreSQL server in {bin_dir} would not start: {output}") from None
    return server


def _start(server: PostgresServer, attempts: int) -> None:
    options = (f"-c listen_addresses=127.0.0.1 -c unix_socket_directories={server.root} -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
    for attempt in range(attempts):
        server.port = _free_port()
        try:
            server._run("pg_ctl", "-D", str(server.data_dir), "-l", str(server.root / "server.log"), "-w", "-t", "60",
                        "-o", f"{options} -p {server.port}", "start", timeout=90)
            return
        except subprocess.CalledProcessError:
            if attempt == attempts - 1:  # the port may have been taken between choosing and binding it
                raise


def _system_user() -> str:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise PostgresUnavailable("running as root and there is no `postgres` user for initdb to run as")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()
