"""Writing callback events into the outbox, inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from service.store.tables import OutboxEvent


class CallbackTarget(Protocol):
    """What an event needs of its site: a Site row, or the lighter SiteRef that ingestion reads."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def callback_url(self) -> str | None: ...


def enqueue_event(
    session: Session, site: CallbackTarget, event_type: str, comment: dict[str, Any], now: datetime
) -> None:
    """Add a callback event for `site` if it has a callback URL; commits with the caller's change."""
    if not site.callback_url:
        return
    payload = {"type": event_type, "site": site.name, "comment": comment}
    session.add(
        OutboxEvent(
            site_id=site.id,
            event_type=event_type,
            payload=payload,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
