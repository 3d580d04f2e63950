"""ModerationService: the one path from an accepted comment to a stored, queued, announced verdict."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache
from sqlalchemy import select

from service.accounts import Accounts, utcnow
from service.errors import Conflict, NotFound, ValidationFailed
from service.metrics import DECISIONS, count_verdict
from service.ml.scorer import Scorer
from service.moderation.documents import comment_document, detail_document, policy_version
from service.moderation.pipeline import moderate, moderate_batch
from service.moderation.policy import Policy, policy_from_document, validate_policy_document
from service.moderation.types import Comment, Verdict
from service.rules import fingerprint
from service.store import comments as queries
from service.store.db import Database
from service.store.outbox import enqueue_event
from service.store.recent import RecentFingerprints
from service.store.tables import AuditEntry, DecisionRow, Label, Site
from service.text import normalise

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submission:
    """The outcome of submitting a comment: its verdict document and whether it is new."""

    document: dict[str, Any]
    created: bool


class ModerationService:
    """Moderates, stores and reviews comments for every entry point (API, webhooks, compatible APIs, CLI)."""

    def __init__(
        self,
        db: Database,
        scorer: Scorer | None,
        cache_seconds: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`cache_seconds` > 0 remembers keys and site policies in this process for that long (see Accounts);
        a policy changed by another process then takes effect here within that time."""
        self.db = db
        self.scorer = scorer
        self.accounts = Accounts(db, cache_seconds, clock)
        self._policies: TTLCache[str, Policy] | None = (
            TTLCache(maxsize=1024, ttl=cache_seconds, timer=clock) if cache_seconds > 0 else None
        )
        self._policies_lock = threading.Lock()
        self.recent = RecentFingerprints(clock=clock)

    # -- policy ---------------------------------------------------------------------------------

    def policy(self, site: Site) -> Policy:
        """The site's effective policy."""
        return policy_from_document(site.policy or {}, policy_version(site))

    def policy_for(self, site_name: str | None) -> Policy:
        """The named site's policy, or the defaults when no site is given (offline scoring)."""
        if site_name is None:
            return Policy()
        if self._policies is None:
            return self.policy(self.accounts.get_site(site_name))
        with self._policies_lock:
            known = self._policies.get(site_name)
        if known is None:
            known = self.policy(self.accounts.get_site(site_name))
            with self._policies_lock:
                self._policies[site_name] = known
        return known

    def update_policy(self, site_name: str, changes: Mapping[str, Any], actor: str) -> Site:
        """Merge `changes` into a site's policy, validate, bump the revision and audit the change."""
        with self.db.write() as session:
            site = self.accounts.site(session, site_name)
            merged = {**(site.policy or {}), **changes}
            try:
                document = validate_policy_document(merged)
            except ValueError as error:
                raise ValidationFailed(str(error), errors={"policy": [str(error)]}) from error
            before = site.policy
            site.policy = document
            site.policy_revision += 1
            session.add(
                AuditEntry(
                    site_id=site.id,
                    actor=actor,
                    action="policy.updated",
                    target=policy_version(site),
                    details={"before": before, "after": document},
                    created_at=utcnow(),
                )
            )
        if self._policies is not None:
            with self._policies_lock:
                self._policies.pop(site_name, None)
        return site

    # -- scoring and ingest ---------------------------------------------------------------------

    def score(self, comments: Sequence[Comment], site_name: str | None = None) -> list[Verdict]:
        """Verdicts for comments without storing anything (no stateful rules: there is no history)."""
        return moderate_batch(comments, self.policy_for(site_name), self.scorer)

    def submit(self, site_name: str, comment: Comment, source: str = "api") -> Submission:
        """Moderate and store a comment once; a repeat of the same id returns the stored verdict.

        The unique (site, id) index is the idempotency check: a repeat's insert writes nothing and the stored
        verdict is answered instead. Why not look first: repeats are rare retries, and a lookup on every
        comment cost more than moderating the odd repeat twice.
        """
        now = utcnow()
        norm = normalise(comment.text)
        policy = self.policy_for(site_name)
        # One read transaction for every stateful rule's question.
        with self.db.read() as session:
            site = self.accounts.site_ref(session, site_name)
            history = queries.StoreHistory(session, site.id, now, self.recent)
            verdict = moderate(comment, policy, self.scorer, history, norm)
        row = queries.new_comment_row(site.id, comment, verdict, fingerprint(norm), source, now)
        with self.db.write() as session:
            created = queries.insert_comment(session, row)
            if created:
                enqueue_event(session, site, "comment.moderated", comment_document(row, site.name), now)
        if not created:
            # Sent before, or by a concurrent request that committed first: its verdict is the one stored.
            with self.db.read() as session:
                existing = queries.find_comment(session, site.id, comment.id)
            if existing is None:  # why: only if the stored comment was deleted in between
                raise Conflict(f"comment {comment.id!r} changed while it was being stored; send it again")
            return Submission(comment_document(existing, site.name, created=False), created=False)
        document = comment_document(row, site.name, created=True)
        count_verdict(document, source)
        return Submission(document, created=True)

    # -- review ---------------------------------------------------------------------------------

    def get(self, site_name: str, external_id: str) -> dict[str, Any]:
        """One comment with its verdict, status and decision history."""
        with self.db.read() as session:
            site = self.accounts.site(session, site_name)
            row = queries.find_comment(session, site.id, external_id)
            if row is None:
                raise NotFound(f"no comment {external_id!r} on site {site_name!r}")
            return detail_document(row, site.name, queries.decision_history(session, row.id))

    def queue(
        self, site_name: str, *, category: str | None, order: str, limit: int, cursor: str | None
    ) -> dict[str, Any]:
        """A page of the review queue."""
        with self.db.read() as session:
            site = self.accounts.site(session, site_name)
            rows, next_cursor = queries.queue_page(
                session, site.id, category=category, order=order, limit=limit, cursor=cursor
            )
            items = [detail_document(row, site.name, ()) for row in rows]
        for item in items:
            item.pop("history")
        return {"items": items, "next_cursor": next_cursor}

    def claim(self, site_name: str, moderator: str, limit: int, lease_seconds: int) -> dict[str, Any]:
        """Lease pending comments to a moderator so that two moderators never work the same comment."""
        with self.db.write() as session:
            site = self.accounts.site(session, site_name)
            rows = queries.claim_batch(session, site.id, moderator, limit, lease_seconds, utcnow())
            session.flush()
            items = [detail_document(row, site.name, ()) for row in rows]
        for item in items:
            item.pop("history")
        return {"items": items, "next_cursor": None}

    def decide(
        self,
        site_name: str,
        external_id: str,
        *,
        action: str,
        moderator: str,
        reason: str | None,
        note: str | None,
        override: bool = False,
    ) -> dict[str, Any]:
        """Approve or reject a comment: status, decision history, audit, label and callback in one transaction."""
        status = "approved" if action == "approve" else "rejected"
        now = utcnow()
        with self.db.write() as session:
            site = self.accounts.site(session, site_name)
            row = queries.find_comment(session, site.id, external_id)
            if row is None:
                raise NotFound(f"no comment {external_id!r} on site {site_name!r}")
            previous = row.status
            if previous != "pending" and not override:
                raise Conflict(
                    f'comment {external_id!r} is already {previous}; send "override": true to change it'
                )
            claimed_by_other = (
                row.claimed_by not in (None, moderator) and row.claimed_until and row.claimed_until > now
            )
            if claimed_by_other and not override:
                raise Conflict(
                    f"comment {external_id!r} is claimed by {row.claimed_by} until {row.claimed_until:%H:%M:%S}Z"
                )
            if not queries.set_status(session, row, previous, status, now):
                raise Conflict(f"comment {external_id!r} was decided by someone else just now")
            session.refresh(row)
            session.add(
                DecisionRow(
                    comment_id=row.id,
                    action=action,
                    moderator=moderator,
                    reason=reason,
                    note=note,
                    previous_status=previous,
                    created_at=now,
                )
            )
            session.add(
                AuditEntry(
                    site_id=site.id,
                    actor=moderator,
                    action=f"comment.{status}",
                    target=external_id,
                    details={"reason": reason, "note": note, "previous_status": previous},
                    created_at=now,
                )
            )
            flagged = [c for c in row.flagged.strip(",").split(",") if c]
            session.add(
                Label(
                    site_id=site.id,
                    comment_id=row.id,
                    text=row.text,
                    label="reject" if action == "reject" else "approve",
                    categories=flagged,
                    source="moderator",
                    created_at=now,
                )
            )
            enqueue_event(session, site, "comment.decided", comment_document(row, site.name), now)
            DECISIONS.labels(action).inc()
            history = queries.decision_history(session, row.id)
            return detail_document(row, site.name, history)

    def audit(self, site_name: str, limit: int, cursor: str | None) -> dict[str, Any]:
        """A page of the audit log, newest first."""
        with self.db.read() as session:
            site = self.accounts.site(session, site_name)
            rows, next_cursor = queries.audit_page(session, site.id, limit, cursor)
            items = [
                {
                    "id": r.id,
                    "actor": r.actor,
                    "action": r.action,
                    "target": r.target,
                    "details": r.details,
                    "at": r.created_at,
                }
                for r in rows
            ]
        return {"items": items, "next_cursor": next_cursor}

    def add_label(self, site_name: str, text: str, label: str, categories: list[str], source: str) -> None:
        """Keep an external label (e.g. Akismet submit-spam) for retraining."""
        with self.db.write() as session:
            site = self.accounts.site(session, site_name)
            session.add(
                Label(
                    site_id=site.id,
                    comment_id=None,
                    text=text,
                    label=label,
                    categories=categories,
                    source=source,
                    created_at=utcnow(),
                )
            )

    def export_labels(self, site_name: str | None = None) -> list[dict[str, Any]]:
        """Every stored label as JSON lines for `moderation labels export`."""
        with self.db.read() as session:
            query = select(Label, Site.name).join(Site, Site.id == Label.site_id).order_by(Label.id)
            if site_name:
                query = query.where(Site.name == site_name)
            return [
                {
                    "site": name,
                    "text": label.text,
                    "label": label.label,
                    "categories": label.categories,
                    "source": label.source,
                    "at": label.created_at.isoformat(),
                }
                for label, name in session.execute(query)
            ]
