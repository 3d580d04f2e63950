"""Queries on comments: idempotent insert, the review queue with keyset cursors, decisions, history."""

from __future__ import annotations

import base64
import json
import math
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    func,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from service.errors import ValidationFailed
from service.moderation.documents import reasons_document
from service.moderation.types import STATUS_FOR_DECISION, Comment, RecentComments, Verdict
from service.store.recent import RecentFingerprints
from service.store.tables import AuditEntry, CommentRow, DecisionRow


def encode_cursor(values: list[Any]) -> str:
    """An opaque cursor for keyset pagination."""
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    """Read a cursor back, or raise a 422 naming the parameter."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeError) as error:
        raise ValidationFailed(
            "the cursor is not one this server issued", errors={"cursor": ["invalid"]}
        ) from error
    if not isinstance(values, list) or len(values) != size or not all(map(_cursor_value_ok, values)):
        raise ValidationFailed("the cursor is not one this server issued", errors={"cursor": ["invalid"]})
    if not isinstance(values[-1], int):  # the last value is always a row id
        raise ValidationFailed("the cursor is not one this server issued", errors={"cursor": ["invalid"]})
    return values


def _cursor_value_ok(value: Any) -> bool:
    """Cursor values are finite numbers a 64-bit column can hold; anything else would reach SQL as a 500."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and -(2**63) <= value < 2**63


def new_comment_row(
    site_id: int, comment: Comment, verdict: Verdict, fingerprint: int | None, source: str, now: datetime
) -> CommentRow:
    """Build the row for a freshly moderated comment."""
    flagged = sorted({reason.category for reason in verdict.reasons if reason.action in ("review", "reject")})
    return CommentRow(
        site_id=site_id,
        external_id=comment.id,
        text=comment.text,
        author_id=comment.author.id,
        author_name=comment.author.name,
        author_email=comment.author.email,
        author_ip=comment.author.ip,
        author_user_agent=comment.author.user_agent,
        thread_id=comment.thread.id,
        thread_url=comment.thread.url,
        thread_title=comment.thread.title,
        parent_id=comment.parent_id,
        created_at=comment.created_at,
        received_at=now,
        decision=verdict.decision,
        shadow_decision=verdict.shadow_decision,
        status=STATUS_FOR_DECISION[verdict.decision],
        scores={k: round(v, 6) for k, v in verdict.scores.items()},
        reasons=reasons_document(verdict),
        max_score=max(verdict.scores.values(), default=0.0),
        model_version=verdict.model_version,
        policy_version=verdict.policy_version,
        fingerprint=fingerprint,
        source=source,
        flagged="," + ",".join(flagged) + ",",
    )


def insert_comment(session: Session, row: CommentRow) -> bool:
    """Insert a new comment row in the caller's transaction; False, writing nothing, when the site already
    has a comment with this id (ON CONFLICT DO NOTHING: a retry is not an error, in our code or in the
    database's log).

    Why a Core insert of the row's columns: the ORM's unit of work cost several times the INSERT itself,
    and nothing after the insert needs the row to be tracked by the session.
    """
    values = {column.key: getattr(row, column.key) for column in _INSERTED}
    connection = session.connection()
    # RETURNING says whether a row was written (the driver's rowcount is not reliable here: psycopg gives -1).
    return connection.execute(_INSERT_COMMENT[connection.dialect.name], values).first() is not None


# Statements on every comment's path are built once, with bind parameters: building a SQLAlchemy
# statement costs more than running it on an index (measured: 0.18 ms to build, 0.05 ms to run).
_SITE = bindparam("site_id", type_=Integer)
_SINCE = bindparam("since", type_=CommentRow.received_at.type)
_FIND_COMMENT = select(CommentRow).where(
    CommentRow.site_id == _SITE, CommentRow.external_id == bindparam("external_id")
)
_AUTHOR_COUNT = (
    select(func.count())
    .select_from(CommentRow)
    .where(CommentRow.site_id == _SITE, CommentRow.author_id == bindparam("author_id"))
)


def _recent_ids(matcher: ColumnElement[bool]) -> Select[int]:
    return select(CommentRow.id).where(CommentRow.site_id == _SITE, matcher, CommentRow.received_at >= _SINCE)


_BY_AUTHOR = _recent_ids(CommentRow.author_id == bindparam("author_id"))
_BY_IP = _recent_ids(CommentRow.author_ip == bindparam("ip"))
# One indexed lookup per matcher, united: `author = ? OR ip = ?` in one WHERE makes the database walk
# every comment of the window instead (seen in SQLite's query plan).
_RECENT_BY = {
    (True, False): select(func.count()).select_from(_BY_AUTHOR.subquery()),
    (False, True): select(func.count()).select_from(_BY_IP.subquery()),
    (True, True): select(func.count()).select_from(union(_BY_AUTHOR, _BY_IP).subquery()),
}


_INSERTED = [column for column in CommentRow.__table__.columns if column.key != "id"]
_COMMENTS = cast(Table, CommentRow.__table__)
_INSERT_COMMENT = {
    "sqlite": sqlite_insert(_COMMENTS)
    .on_conflict_do_nothing(index_elements=["site_id", "external_id"])
    .returning(_COMMENTS.c.id),
    "postgresql": postgresql_insert(_COMMENTS)
    .on_conflict_do_nothing(constraint="uq_comments_site_external")
    .returning(_COMMENTS.c.id),
}


def find_comment(session: Session, site_id: int, external_id: str) -> CommentRow | None:
    """The stored comment with this id on this site, if any."""
    return session.scalar(_FIND_COMMENT, {"site_id": site_id, "external_id": external_id})


def decision_history(session: Session, comment_pk: int) -> list[DecisionRow]:
    """A comment's moderator decisions, oldest first."""
    return list(
        session.scalars(
            select(DecisionRow).where(DecisionRow.comment_id == comment_pk).order_by(DecisionRow.id)
        )
    )


def queue_page(
    session: Session,
    site_id: int,
    *,
    category: str | None,
    order: str,
    limit: int,
    cursor: str | None,
) -> tuple[list[CommentRow], str | None]:
    """One page of pending comments, oldest first or highest score first, with the next cursor."""
    query: Select[CommentRow] = select(CommentRow).where(
        CommentRow.site_id == site_id, CommentRow.status == "pending"
    )
    if category:
        query = query.where(CommentRow.flagged.contains(f",{category},"))
    if order == "score":
        if cursor:
            score, pk = decode_cursor(cursor, 2)
            # The redundant `max_score <= score` bound lets the index seek to the cursor; the OR alone
            # made PostgreSQL scan every higher-scored pending row first (a page cost that grew with depth).
            query = query.where(
                CommentRow.max_score <= score,
                or_(CommentRow.max_score < score, and_(CommentRow.max_score == score, CommentRow.id > pk)),
            )
        query = query.order_by(CommentRow.max_score.desc(), CommentRow.id.asc())
    else:
        if cursor:
            (pk,) = decode_cursor(cursor, 1)
            query = query.where(CommentRow.id > pk)
        # Ids grow with arrival, so id order is arrival order and keeps the cursor to one indexed column.
        query = query.order_by(CommentRow.id.asc())
    rows = list(session.scalars(query.limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([last.max_score, last.id] if order == "score" else [last.id])
    return rows, next_cursor


def claim_batch(
    session: Session, site_id: int, moderator: str, limit: int, lease_seconds: int, now: datetime
) -> list[CommentRow]:
    """Lease up to `limit` pending comments to one moderator, oldest first, never two moderators at once.

    On PostgreSQL, FOR UPDATE SKIP LOCKED lets concurrent claims pass each other without waiting or
    overlapping; on SQLite the caller's BEGIN IMMEDIATE serialises claims.
    """
    free = or_(
        CommentRow.claimed_until.is_(None), CommentRow.claimed_until < now, CommentRow.claimed_by == moderator
    )
    query = (
        select(CommentRow)
        .where(CommentRow.site_id == site_id, CommentRow.status == "pending", free)
        .order_by(CommentRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.scalars(query))
    for row in rows:
        row.claimed_by = moderator
        row.claimed_until = now + timedelta(seconds=lease_seconds)
    return rows


def set_status(session: Session, row: CommentRow, expected: str, status: str, now: datetime) -> bool:
    """Compare-and-set a comment's status, so two moderators cannot both decide the same comment."""
    result = session.execute(
        update(CommentRow)
        .where(CommentRow.id == row.id, CommentRow.status == expected)
        .values(status=status, decided_at=now, claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def audit_page(
    session: Session, site_id: int, limit: int, cursor: str | None
) -> tuple[list[AuditEntry], str | None]:
    """The audit log, newest first."""
    query = select(AuditEntry).where(AuditEntry.site_id == site_id)
    if cursor:
        (pk,) = decode_cursor(cursor, 1)
        query = query.where(AuditEntry.id < pk)
    rows = list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([rows[-1].id])
    return rows, next_cursor


class StoreHistory:
    """CommentHistory backed by the store: what stateful rules may ask about a site's recent comments.

    It reads through the caller's transaction, so one verdict's checks see one snapshot and cost one
    round of transactions, not one per question.
    """

    def __init__(self, session: Session, site_id: int, now: datetime, recent: RecentFingerprints) -> None:
        self.session = session
        self.site_id = site_id
        self.now = now
        self.recent = recent

    def count_recent_by_author(self, author_id: str | None, ip: str | None, window_seconds: int) -> int:
        """Comments by this author id or IP within the window, on the store's clock."""
        if not author_id and not ip:
            return 0
        since = self.now - timedelta(seconds=window_seconds)
        params = {"site_id": self.site_id, "since": since, "author_id": author_id, "ip": ip}
        count = self.session.connection().scalar(_RECENT_BY[(bool(author_id), bool(ip))], params)
        return int(count or 0)

    def recent_comments(self, window_seconds: int, limit: int) -> RecentComments:
        """Up to `limit` of the site's newest comments within the window, newest first."""
        return self.recent.recent(self.session, self.site_id, self.now, window_seconds, limit)

    def author_comment_count(self, author_id: str) -> int:
        """How many comments this author has posted on the site before."""
        count = self.session.connection().scalar(
            _AUTHOR_COUNT, {"site_id": self.site_id, "author_id": author_id}
        )
        return int(count or 0)
