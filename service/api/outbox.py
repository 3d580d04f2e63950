"""Admin view of the callback outbox: list events, read one with its delivery log, redeliver."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from service.api.http import Blueprint, moderation, principal, requires
from service.delivery import outbox
from service.errors import ValidationFailed

blp = Blueprint("outbox", __name__, url_prefix="/v1", description="Callback outbox (admin)")


class OutboxArgs(Schema):
    """Filter and paging of the outbox."""

    status = fields.String(validate=validate.OneOf(outbox.STATUSES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(validate=validate.Length(max=32))


class DeliveryAttemptOut(Schema):
    """One try at delivering an event."""

    attempt = fields.Integer()
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Float()
    at = fields.AwareDateTime()


class OutboxEventOut(Schema):
    """A callback event and where its delivery stands."""

    id = fields.Integer()
    type = fields.String(metadata={"enum": ["comment.moderated", "comment.decided"]})
    status = fields.String(metadata={"enum": list(outbox.STATUSES)})
    comment_id = fields.String(allow_none=True)
    attempts = fields.Integer()
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    delivered_at = fields.AwareDateTime(allow_none=True)
    payload = fields.Dict()
    delivery_log = fields.List(fields.Nested(DeliveryAttemptOut))


class OutboxPageOut(Schema):
    """A page of outbox events, newest first."""

    items = fields.List(fields.Nested(OutboxEventOut))
    next_cursor = fields.String(allow_none=True)


def _cursor(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit():
        raise ValidationFailed("invalid cursor", errors={"cursor": ["not a cursor from a previous page"]})
    return int(raw)


@blp.route("/outbox", methods=["GET"])
@requires("admin")
@blp.arguments(OutboxArgs, location="query")
@blp.response(200, OutboxPageOut)
def list_outbox(args: dict[str, Any]) -> dict[str, Any]:
    """The caller's site outbox, newest first, optionally filtered by status (pending, delivered, dead)."""
    return outbox.list_events(
        moderation().db,
        principal().site_id,
        status=args.get("status"),
        limit=args["limit"],
        cursor=_cursor(args.get("cursor")),
    )


@blp.route("/outbox/<int:event_id>", methods=["GET"])
@requires("admin")
@blp.response(200, OutboxEventOut)
def get_outbox_event(event_id: int) -> dict[str, Any]:
    """One event with its delivery log."""
    return outbox.get_event(moderation().db, principal().site_id, event_id)


@blp.route("/outbox/<int:event_id>/redeliver", methods=["POST"])
@requires("admin")
@blp.response(202, OutboxEventOut)
def redeliver(event_id: int) -> dict[str, Any]:
    """Queue an event again (typically a dead one): due now, with a fresh attempt budget; audited."""
    caller = principal()
    return outbox.redeliver(moderation().db, caller.site_id, event_id, actor=f"key:{caller.key_prefix}")
