"""A per-process memory of each site's newest comment fingerprints, topped up from the store.

Why: the near-duplicate rule compares every new comment with up to `duplicate_scan_limit` (1000) recent
ones. Reading them all from the database on every comment cost more than the rest of the verdict put
together; now each check asks only for the comments stored since the newest one remembered.

On PostgreSQL, ids are handed out before commit, so a comment can become visible after one with a higher
id. The top-up therefore re-reads a few ids below the newest one it has, and the whole window is reloaded
every `resync_seconds`: a comment committed out of order is missed for at most that long, by one rule.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from cachetools import LRUCache
from sqlalchemy import Integer, Row, bindparam, select
from sqlalchemy.orm import Session

from service.moderation.types import RecentComments
from service.store.tables import CommentRow

# Ids below the newest remembered one that every top-up reads again (comments committed out of order).
OVERLAP_IDS = 16
# Sites whose windows one worker keeps (least recently used go first): a window of 1000 comments is about
# 100 kB, so a worker serving thousands of sites stays near 25 MB instead of growing without bound.
SITES_REMEMBERED = 256

_COLUMNS = (
    CommentRow.id,
    CommentRow.received_at,
    CommentRow.fingerprint,
    CommentRow.author_id,
    CommentRow.thread_id,
)
_SITE = bindparam("site_id", type_=Integer)
_LIMIT = bindparam("limit", type_=Integer)
_RELOAD = (
    select(*_COLUMNS)
    .where(
        CommentRow.site_id == _SITE,
        CommentRow.received_at >= bindparam("since", type_=CommentRow.received_at.type),
        CommentRow.fingerprint.is_not(None),
    )
    .order_by(CommentRow.received_at.desc())  # the (site_id, received_at) index; re-sorted by id in memory
    .limit(_LIMIT)
)
_TOP_UP = (
    select(*_COLUMNS)
    .where(
        CommentRow.site_id == _SITE,
        CommentRow.id > bindparam("after", type_=Integer),
        CommentRow.fingerprint.is_not(None),
    )
    .order_by(CommentRow.id.desc())
    .limit(_LIMIT)
)


@dataclass
class _SiteWindow:
    """One site's remembered comments, newest (highest id) first, and what they were loaded for."""

    window_seconds: int
    limit: int
    loaded_at: float
    ids: np.ndarray  # int64
    received: np.ndarray  # float64, POSIX seconds
    fingerprints: np.ndarray  # int64
    authors: list[str | None]
    threads: list[str | None]

    def keep(self, order: np.ndarray) -> None:
        """Keep the entries at `order` (indices), in that order."""
        self.ids, self.received, self.fingerprints = (
            self.ids[order],
            self.received[order],
            self.fingerprints[order],
        )
        self.authors = [self.authors[i] for i in order.tolist()]
        self.threads = [self.threads[i] for i in order.tolist()]

    def truncate(self, count: int) -> None:
        """Keep the newest `count` entries (slices: this runs on every comment once the window is full)."""
        self.ids, self.received, self.fingerprints = (
            self.ids[:count],
            self.received[:count],
            self.fingerprints[:count],
        )
        self.authors, self.threads = self.authors[:count], self.threads[:count]


class RecentFingerprints:
    """Answers "fingerprints of the site's newest comments" from memory, topped up in the caller's transaction."""

    def __init__(
        self,
        resync_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sites_remembered: int = SITES_REMEMBERED,
    ) -> None:
        self.resync_seconds = resync_seconds
        self.clock = clock
        self._sites: LRUCache[int, _SiteWindow] = LRUCache(maxsize=sites_remembered)
        self._lock = threading.Lock()

    def recent(
        self, session: Session, site_id: int, now: datetime, window_seconds: int, limit: int
    ) -> RecentComments:
        """Up to `limit` of the site's newest comments within the window, newest first."""
        # A worker serves one request at a time (sync gunicorn workers), so the lock is rarely contended; it
        # keeps the delivery thread and threaded servers from seeing a half-merged window.
        with self._lock:
            site = self._sites.get(site_id)
            if (
                site is None
                or site.window_seconds < window_seconds
                or site.limit < limit
                or self.clock() - site.loaded_at > self.resync_seconds
            ):
                site = self._load(session, site_id, now, window_seconds, limit)
                self._sites[site_id] = site
            else:
                self._top_up(session, site_id, site)
            since = (now - timedelta(seconds=site.window_seconds)).timestamp()
            if len(site.received) and site.received.min() < since:
                site.keep(np.flatnonzero(site.received >= since))
            inside = site.received[:limit] >= (now - timedelta(seconds=window_seconds)).timestamp()
            if inside.all():  # the usual case: plain slices, no per-comment work
                count = len(inside)
                return RecentComments(site.fingerprints[:count], site.authors[:count], site.threads[:count])
            chosen = np.flatnonzero(inside).tolist()
            return RecentComments(
                fingerprints=site.fingerprints[chosen],
                authors=[site.authors[i] for i in chosen],
                threads=[site.threads[i] for i in chosen],
            )

    def _load(
        self, session: Session, site_id: int, now: datetime, window_seconds: int, limit: int
    ) -> _SiteWindow:
        since = now - timedelta(seconds=window_seconds)
        rows = (
            session.connection().execute(_RELOAD, {"site_id": site_id, "since": since, "limit": limit}).all()
        )
        site = _SiteWindow(window_seconds, limit, self.clock(), *_columns(rows))
        site.keep(np.argsort(-site.ids, kind="stable"))
        return site

    def _top_up(self, session: Session, site_id: int, site: _SiteWindow) -> None:
        newest = int(site.ids[0]) if len(site.ids) else 0
        # SQLite has one writer at a time, so its ids become visible in order.
        overlap = 0 if session.get_bind().dialect.name == "sqlite" else OVERLAP_IDS
        params = {"site_id": site_id, "after": newest - overlap, "limit": site.limit + overlap}
        rows = session.connection().execute(_TOP_UP, params).all()
        ids, received, fingerprints, authors, threads = _columns(rows)
        # Only remembered ids above `after` can come back (the window is newest first, so they lead it).
        fresh = np.flatnonzero(~np.isin(ids, site.ids[site.ids > params["after"]]))
        if not len(fresh):
            return
        site.ids = np.concatenate([ids[fresh], site.ids])
        site.received = np.concatenate([received[fresh], site.received])
        site.fingerprints = np.concatenate([fingerprints[fresh], site.fingerprints])
        site.authors = [authors[i] for i in fresh] + site.authors
        site.threads = [threads[i] for i in fresh] + site.threads
        if len(site.ids) > len(fresh) and site.ids[len(fresh) - 1] < site.ids[len(fresh)]:
            # A comment committed late landed below newer ids: newest first again.
            site.keep(np.argsort(-site.ids, kind="stable"))
        if len(site.ids) > site.limit:
            site.truncate(site.limit)


def _columns(
    rows: Sequence[Row[int, datetime, int | None, str | None, str | None]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str | None], list[str | None]]:
    """Query rows (id, received_at, fingerprint, author, thread) as the window's arrays and lists."""
    return (
        np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)),
        np.fromiter((row[1].timestamp() for row in rows), dtype=np.float64, count=len(rows)),
        np.fromiter((row[2] or 0 for row in rows), dtype=np.int64, count=len(rows)),
        [row[3] for row in rows],
        [row[4] for row in rows],
    )
