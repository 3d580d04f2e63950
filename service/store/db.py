"""Engine and transactions for SQLite (embedded default, WAL) and PostgreSQL (production)."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Pick the psycopg 3 driver for a plain postgresql:// URL."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _configure_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers, a busy timeout, foreign keys, and BEGIN IMMEDIATE for writers.

    pysqlite's own transaction handling is switched off so that we issue BEGIN ourselves:
    a writer that takes the lock up front never fails half-way with "database is locked".
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


class WriterQueue:
    """Writers to one SQLite file take turns on an OS file lock before BEGIN IMMEDIATE.

    Why: SQLite's own busy handler polls, sleeping 1, 2, 5, 10 ms ... between tries, so two gunicorn workers
    that write often spend much of their time asleep while the lock is free. A blocking flock wakes the
    next writer the moment the previous one releases it. PostgreSQL (and in-memory SQLite) need no queue.
    """

    def __init__(self, database_file: str | None) -> None:
        usable = (
            bool(database_file) and database_file != ":memory:" and not str(database_file).startswith("file:")
        )
        self.path = f"{database_file}.writers" if usable else None
        self._pid = 0
        self._fd = -1
        self._threads = threading.Lock()  # flock is per open file: threads of one process queue here first

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the turn for the duration of the block (nothing when there is no file to queue on)."""
        if self.path is None:
            yield
            return
        threads, fd = self._per_process()
        with threads:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _per_process(self) -> tuple[threading.Lock, int]:
        # Both are per process: a descriptor inherited through fork shares its lock with the parent, and a
        # thread lock may have been held at the moment of the fork. (Two threads racing here on a child's
        # first write each open a descriptor; flock then queues them against each other, which is still right.)
        if self._pid != os.getpid():
            assert self.path is not None
            self._threads = threading.Lock()
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._threads, self._fd

    def close(self) -> None:
        """Close this process's descriptor, if it opened one."""
        if self._pid == os.getpid() and self._fd >= 0:
            os.close(self._fd)
        self._pid, self._fd = 0, -1


class Database:
    """One engine plus read and write transactions; the only way code reaches the database."""

    def __init__(self, url: str, *, echo: bool = False, statement_timeout: float = 0) -> None:
        """`statement_timeout`: seconds any one statement may take, waiting for locks included (0: no limit).

        Why: a statement stuck behind a lock (a long migration, a manual LOCK TABLE) would otherwise hold the
        request until gunicorn kills the worker; with the limit it fails, and the caller answers 503 with
        Retry-After. SQLite's busy timeout (10 s) does the same for its write lock.
        """
        self.url = normalise_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        options: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            options["connect_args"] = {"check_same_thread": False, "timeout": 10}
        else:
            # Pre-ping: a pooled connection that died with a database restart is replaced before use, so
            # the first requests after an outage succeed (a SQLite file has no connection to lose).
            options.update(pool_size=10, max_overflow=10, pool_recycle=1800, pool_pre_ping=True)
            options["connect_args"] = {"connect_timeout": 5}
            if statement_timeout > 0:
                options["connect_args"]["options"] = f"-c statement_timeout={int(statement_timeout * 1000)}"
        self.engine = create_engine(self.url, **options)
        database_file = self.engine.url.database if self.is_sqlite else None
        self._writers = WriterQueue(database_file)
        if self.is_sqlite:
            _configure_sqlite(self.engine)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on error."""
        with self._writers.hold(), self.engine.connect() as connection:
            if self.is_sqlite:
                connection = connection.execution_options(sqlite_begin="IMMEDIATE")
            with Session(bind=connection, expire_on_commit=False) as session, session.begin():
                yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction."""
        with (
            self.engine.connect() as connection,
            Session(bind=connection, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    def ping(self) -> None:
        """Raise if the database cannot be reached."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        """Close every pooled connection (after fork, and at shutdown)."""
        self.engine.dispose()
        self._writers.close()


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema up to `revision` with Alembic."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    command.upgrade(config, revision)
