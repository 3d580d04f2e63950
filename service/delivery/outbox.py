"""The outbox as a work queue: lease-based claims, attempt records, listing and redelivery (no Flask here)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from service.accounts import utcnow
from service.errors import Conflict, NotFound, ValidationFailed
from service.store.db import Database
from service.store.tables import AuditEntry, DeliveryAttempt, OutboxEvent, Site, SiteSecret

STATUSES = ("pending", "delivered", "dead")


@dataclass(frozen=True)
class ClaimedEvent:
    """An event this deliverer holds a lease on, with what it needs to send it."""

    id: int
    site_id: int
    event_type: str
    payload: dict[str, Any]
    attempts: int
    # The lease expiry written by the claim doubles as a fencing token: finishing is conditional on it.
    lease_until: datetime
    callback_url: str | None
    secrets: tuple[str, ...]


def backoff_delay(attempts: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `attempts`-th failure: full jitter over min(cap, base * 2**(attempts-1))."""
    ceiling = min(cap, base * (2 ** max(0, attempts - 1)))
    return (rng or random).uniform(0.0, ceiling)


def claim_due(
    db: Database, *, limit: int, lease_seconds: float, now: datetime | None = None
) -> list[ClaimedEvent]:
    """Lease up to `limit` due pending events to the caller; concurrent claimers never get the same event.

    PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, so claimers skip each other's rows instead of waiting.
    SQLite: the write transaction starts with BEGIN IMMEDIATE, which serialises claimers; the SELECT and
    the lease UPDATE happen under that one lock.
    """
    current = now or utcnow()
    with db.write() as session:
        query = (
            select(OutboxEvent)
            .where(
                OutboxEvent.status == "pending",
                OutboxEvent.next_attempt_at <= current,
                or_(OutboxEvent.lease_until.is_(None), OutboxEvent.lease_until < current),
            )
            .order_by(OutboxEvent.next_attempt_at, OutboxEvent.id)
            .limit(limit)
        )
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        rows = list(session.scalars(query))
        if not rows:
            return []
        lease_until = current + timedelta(seconds=lease_seconds)
        site_ids = {row.site_id for row in rows}
        sites = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_(site_ids)))}
        secrets: dict[int, list[str]] = {site_id: [] for site_id in site_ids}
        for secret in session.scalars(
            select(SiteSecret).where(SiteSecret.site_id.in_(site_ids)).order_by(SiteSecret.id.desc())
        ):
            if secret.expires_at is None or secret.expires_at > current:
                secrets[secret.site_id].append(secret.secret)
        claimed = []
        for row in rows:
            row.lease_until = lease_until
            site = sites.get(row.site_id)
            claimed.append(
                ClaimedEvent(
                    id=row.id,
                    site_id=row.site_id,
                    event_type=row.event_type,
                    payload=dict(row.payload),
                    attempts=row.attempts,
                    lease_until=lease_until,
                    callback_url=site.callback_url if site else None,
                    secrets=tuple(secrets[row.site_id]),
                )
            )
        return claimed


@dataclass(frozen=True)
class AttemptResult:
    """What happened when one event was sent."""

    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: float


def record_attempt(
    db: Database,
    event: ClaimedEvent,
    result: AttemptResult,
    *,
    max_attempts: int,
    retry_in: float,
    now: datetime | None = None,
) -> str | None:
    """Log the attempt and move the event on (delivered, retry later, or dead); returns the new status.

    Returns None when the lease was lost (another deliverer reclaimed the event after our lease ran out):
    then nothing is changed, because the newer holder owns the outcome.
    """
    current = now or utcnow()
    attempts = event.attempts + 1
    values: dict[str, Any] = {"attempts": attempts, "lease_until": None}
    if result.ok:
        values.update(status="delivered", delivered_at=current, last_error=None)
    elif attempts >= max_attempts:
        values.update(status="dead", last_error=result.error)
    else:
        values.update(
            status="pending", last_error=result.error, next_attempt_at=current + timedelta(seconds=retry_in)
        )
    with db.write() as session:
        changed = session.execute(
            update(OutboxEvent)
            .where(
                OutboxEvent.id == event.id,
                OutboxEvent.status == "pending",
                OutboxEvent.lease_until == event.lease_until,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        session.add(
            DeliveryAttempt(
                event_id=event.id,
                attempt=attempts,
                status_code=result.status_code,
                error=result.error,
                duration_ms=round(result.duration_ms, 3),
                created_at=current,
            )
        )
    return str(values["status"])


def event_document(row: OutboxEvent, attempts: list[DeliveryAttempt] | None = None) -> dict[str, Any]:
    """An outbox event as the admin API shows it."""
    comment = row.payload.get("comment") if isinstance(row.payload, dict) else None
    document: dict[str, Any] = {
        "id": row.id,
        "type": row.event_type,
        "status": row.status,
        "comment_id": comment.get("id") if isinstance(comment, dict) else None,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at if row.status == "pending" else None,
        "last_error": row.last_error,
        "created_at": row.created_at,
        "delivered_at": row.delivered_at,
        "payload": row.payload,
    }
    if attempts is not None:
        document["delivery_log"] = [
            {
                "attempt": a.attempt,
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
                "at": a.created_at,
            }
            for a in attempts
        ]
    return document


def list_events(
    db: Database, site_id: int, *, status: str | None, limit: int, cursor: int | None
) -> dict[str, Any]:
    """A page of a site's outbox, newest first; `cursor` is the last id of the previous page."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed("unknown status", errors={"status": [f"one of {', '.join(STATUSES)}"]})
    with db.read() as session:
        query = select(OutboxEvent).where(OutboxEvent.site_id == site_id)
        if status:
            query = query.where(OutboxEvent.status == status)
        if cursor is not None:
            query = query.where(OutboxEvent.id < cursor)
        rows = list(session.scalars(query.order_by(OutboxEvent.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [event_document(row) for row in rows],
        "next_cursor": str(rows[-1].id) if more and rows else None,
    }


def get_event(db: Database, site_id: int, event_id: int) -> dict[str, Any]:
    """One event of the site with its delivery log."""
    with db.read() as session:
        row = session.get(OutboxEvent, event_id)
        if row is None or row.site_id != site_id:
            raise NotFound(f"no outbox event {event_id} on this site")
        log = list(
            session.scalars(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.event_id == event_id)
                .order_by(DeliveryAttempt.id)
            )
        )
        return event_document(row, log)


def redeliver(db: Database, site_id: int, event_id: int, actor: str) -> dict[str, Any]:
    """Queue an event again (dead, delivered or waiting): due now, with a fresh attempt budget; audited."""
    current = utcnow()
    with db.write() as session:
        row = session.get(OutboxEvent, event_id)
        if row is None or row.site_id != site_id:
            raise NotFound(f"no outbox event {event_id} on this site")
        if row.status == "pending" and row.lease_until is not None and row.lease_until > current:
            raise Conflict(f"outbox event {event_id} is being delivered right now; try again shortly")
        previous = row.status
        row.status = "pending"
        row.attempts = 0
        row.next_attempt_at = current
        row.lease_until = None
        session.add(
            AuditEntry(
                site_id=site_id,
                actor=actor,
                action="outbox.redelivered",
                target=str(event_id),
                details={"previous_status": previous},
                created_at=current,
            )
        )
        session.flush()
        return event_document(row)


def counts(db: Database) -> dict[str, int]:
    """Events per status across every site (for `moderation outbox list` and readiness checks)."""
    from sqlalchemy import func

    with db.read() as session:
        rows = session.execute(select(OutboxEvent.status, func.count()).group_by(OutboxEvent.status)).all()
    return {status: int(n) for status, n in rows}
