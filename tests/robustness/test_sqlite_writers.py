"""SQLite writers of several processes queue on a file lock instead of polling SQLite's busy handler."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from service.store.db import Database, upgrade
from service.store.tables import Site


def _write_site(database: Database, name: str, done: Any) -> None:
    with database.write() as session:
        session.add(Site(name=name, policy={}, policy_revision=1, created_at=datetime.now(UTC)))
    done.set()


def test_a_forked_writer_waits_for_the_turn_and_then_writes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    upgrade(url)
    database = Database(url)  # created before the fork, as gunicorn's preloaded app is
    context = multiprocessing.get_context("fork")
    done = context.Event()
    with database._writers.hold():
        child = context.Process(target=_write_site, args=(database, "from-child", done))
        child.start()
        # The child must queue behind us: had it inherited our lock with our descriptor, it would write now.
        assert not done.wait(timeout=1.0)
    assert done.wait(timeout=30)
    child.join(timeout=30)
    assert child.exitcode == 0
    assert (tmp_path / "queue.db.writers").exists()
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Site).where(Site.name == "from-child")) == 1
    database.dispose()


def test_databases_without_a_file_do_not_queue() -> None:
    assert Database("sqlite://")._writers.path is None
    assert Database("postgresql://postgres@127.0.0.1:5432/test")._writers.path is None
