"""The JSON documents of the contract: verdicts, stored comments with history, and score results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from service.moderation.types import Verdict
from service.store.tables import CommentRow, Site


def reasons_document(verdict: Verdict) -> list[dict[str, Any]]:
    """Reasons as stored and returned: plain JSON."""
    return [
        {
            "source": reason.source,
            "code": reason.code,
            "category": reason.category,
            "message": reason.message,
            "action": reason.action,
            "spans": [{"start": span.start, "end": span.end} for span in reason.spans],
        }
        for reason in verdict.reasons
    ]


def score_document(item_id: str | None, verdict: Verdict) -> dict[str, Any]:
    """A verdict that was not stored (POST /v1/score, `moderation score`)."""
    return {
        "id": item_id,
        "decision": verdict.decision,
        "scores": {k: round(v, 6) for k, v in verdict.scores.items()},
        "reasons": reasons_document(verdict),
        "model_version": verdict.model_version,
        "policy_version": verdict.policy_version,
    }


def policy_version(site: Site) -> str:
    """A site's policy version as reported in verdicts: name and revision."""
    return f"{site.name}@{site.policy_revision}"


def comment_document(row: CommentRow, site_name: str, created: bool | None = None) -> dict[str, Any]:
    """The verdict document of the contract, for responses and callbacks."""
    document: dict[str, Any] = {
        "id": row.external_id,
        "site": site_name,
        "decision": row.decision,
        "status": row.status,
        "scores": dict(row.scores),
        "reasons": [
            {k: v for k, v in reason.items() if k != "action" or v is not None} for reason in row.reasons
        ],
        "model_version": row.model_version,
        "policy_version": row.policy_version,
    }
    if row.shadow_decision:
        document["shadow_decision"] = row.shadow_decision
    if created is not None:
        document["created"] = created
    return document


def detail_document(row: CommentRow, site_name: str, history: Sequence[Any]) -> dict[str, Any]:
    """A comment with its text, author, thread, verdict, status and decision history (moderator view)."""
    document = comment_document(row, site_name)
    document.update(
        text=row.text,
        author={"id": row.author_id, "name": row.author_name, "email": row.author_email, "ip": row.author_ip},
        thread={"id": row.thread_id, "url": row.thread_url, "title": row.thread_title},
        parent_id=row.parent_id,
        created_at=row.created_at,
        received_at=row.received_at,
        claimed_by=row.claimed_by,
        claimed_until=row.claimed_until,
        history=[
            {
                "action": entry.action,
                "moderator": entry.moderator,
                "reason": entry.reason,
                "note": entry.note,
                "previous_status": entry.previous_status,
                "at": entry.created_at,
            }
            for entry in history
        ],
    )
    return document
