"""The per-worker memory of recent fingerprints, on the real store: it must answer what a full read of the
database would, across workers, late commits, the window and the limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from service.store.db import Database
from service.store.recent import OVERLAP_IDS, RecentFingerprints
from service.store.tables import CommentRow, Site
from tests.conftest import Clock

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    with database.write() as session:
        session.add(Site(name="recent", policy={}, policy_revision=1, created_at=NOW))
    yield database
    if not database.is_sqlite:  # explicit ids below do not move the sequence; later tests must not collide
        with database.write() as session:
            session.execute(text("SELECT setval(pg_get_serial_sequence('comments', 'id'), 1000000)"))
    database.dispose()


def site_id(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(Site.id).where(Site.name == "recent")) or 0)


def comment_row(
    db: Database, fingerprint: int, author: str, *, at: datetime = NOW, pk: int | None = None
) -> CommentRow:
    """A comment row as ingestion stores it (optionally with a chosen id)."""
    return CommentRow(
        id=pk,
        site_id=site_id(db),
        external_id=f"{author}-{fingerprint}-{pk}",
        text="x",
        author_id=author,
        thread_id="t-1",
        received_at=at,
        decision="approve",
        status="approved",
        scores={},
        reasons=[],
        max_score=0.0,
        model_version="m",
        policy_version="p",
        fingerprint=fingerprint,
    )


def store(db: Database, fingerprint: int, author: str, *, at: datetime = NOW, pk: int | None = None) -> int:
    """Store a comment row in its own transaction and return its id."""
    with db.write() as session:
        row = comment_row(db, fingerprint, author, at=at, pk=pk)
        session.add(row)
        session.flush()
        return row.id


def read(
    recent: RecentFingerprints, db: Database, *, now: datetime = NOW, window: int = 3600, limit: int = 1000
) -> Any:
    with db.read() as session:
        return recent.recent(session, site_id(db), now, window, limit)


def test_two_workers_see_each_others_comments(db: Database) -> None:
    first, second = RecentFingerprints(), RecentFingerprints()
    store(db, 11, "a")
    assert list(read(first, db).fingerprints) == [11]
    store(db, 22, "b")  # stored through the other worker
    assert list(read(second, db).fingerprints) == [22, 11]
    store(db, 33, "c")
    answer = read(first, db)
    assert list(answer.fingerprints) == [33, 22, 11]
    assert list(answer.authors) == ["c", "b", "a"]
    assert list(answer.threads) == ["t-1"] * 3


def test_window_and_limit(db: Database) -> None:
    recent = RecentFingerprints()
    store(db, 1, "old", at=NOW - timedelta(minutes=50))
    for n in range(2, 6):
        store(db, n, f"u{n}", at=NOW - timedelta(minutes=6 - n))
    assert list(read(recent, db, limit=3).fingerprints) == [5, 4, 3]
    assert list(read(recent, db).fingerprints) == [5, 4, 3, 2, 1]
    # Twenty minutes later the oldest has left the hour; a shorter window asked for is honoured too.
    later = NOW + timedelta(minutes=20)
    assert list(read(recent, db, now=later).fingerprints) == [5, 4, 3, 2]
    assert list(read(recent, db, now=later, window=60 * 22).fingerprints) == [5, 4]


def test_a_comment_committed_late_is_seen_at_the_latest_on_the_next_reload(db: Database) -> None:
    clock = Clock()
    recent = RecentFingerprints(resync_seconds=60, clock=clock)
    newest = store(db, 1, "a")
    newest = store(db, 2, "b", pk=newest + 10 * OVERLAP_IDS)
    assert list(read(recent, db).fingerprints) == [2, 1]
    # A row whose id is far below the newest one remembered: what a commit that lost the race looks like.
    store(db, 3, "late", pk=newest - 5 * OVERLAP_IDS)
    assert 3 not in read(recent, db).fingerprints
    clock.now += 61
    assert list(read(recent, db).fingerprints) == [2, 3, 1]


# SQLite has one writer at a time, so its ids become visible in order: this race exists on PostgreSQL only.
@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_postgres_late_commit_within_the_overlap_is_seen_at_once(db: Database) -> None:
    """Two real transactions: the one that took the lower id commits after the other."""
    recent = RecentFingerprints()
    store(db, 1, "a")
    assert list(read(recent, db).fingerprints) == [1]
    with db.write() as slow:
        early = comment_row(db, 7, "slow")
        slow.add(early)
        slow.flush()  # the id is taken now; the row is not visible until this transaction commits
        store(db, 8, "fast")  # a higher id, committed first
        assert list(read(recent, db).fingerprints) == [8, 1]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(CommentRow)) == 3
    assert list(read(recent, db).fingerprints) == [8, 7, 1]


def test_top_up_reads_only_the_comments_after_the_newest_remembered(db: Database) -> None:
    """The per-comment top-up must be an index range on (site, id), not a walk over the site's comments.

    Before the (site_id, id) index SQLite answered it from the (site_id, received_at) index and sorted every
    comment of the site, so each new comment cost more as the site grew.
    """
    from sqlalchemy import inspect

    from service.store.recent import _TOP_UP

    with db.read() as session:
        connection = session.connection()
        indexes = {
            index["name"]: index["column_names"] for index in inspect(connection).get_indexes("comments")
        }
        assert indexes.get("ix_comments_site_id") == ["site_id", "id"]
        if db.is_sqlite:
            sql = str(_TOP_UP.compile(dialect=connection.dialect))
            plan = " ".join(
                str(row[-1])
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (1, 0, 10, 0)).all()
            )
            assert "TEMP B-TREE" not in plan, plan
            assert "id>?" in plan, plan


def test_a_worker_remembers_a_bounded_number_of_sites(db: Database) -> None:
    """Windows of sites not asked about lately are dropped (least recently used first) and reloaded on demand."""
    with db.write() as session:
        for name in ("recent-b", "recent-c"):
            session.add(Site(name=name, policy={}, policy_revision=1, created_at=NOW))
    with db.read() as session:
        ids = [
            int(session.scalar(select(Site.id).where(Site.name == n)) or 0)
            for n in ("recent", "recent-b", "recent-c")
        ]
    with db.write() as session:
        row = comment_row(db, 0b1011, "alice")
        session.add(row)
    memory = RecentFingerprints(sites_remembered=2)
    with db.read() as session:
        for site in ids:
            memory.recent(session, site, NOW, 3600, 10)
        assert len(memory._sites) == 2
        assert ids[0] not in memory._sites  # the least recently used went first
        # Asked again, the dropped site is reloaded from the store and still answers correctly.
        assert memory.recent(session, ids[0], NOW, 3600, 10).fingerprints.tolist() == [0b1011]
