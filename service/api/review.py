"""Moderator surfaces: the review queue and the audit log."""

from __future__ import annotations

from typing import Any

from service.api.http import Blueprint, moderation, principal, requires
from service.schemas import AuditArgs, AuditPageOut, ClaimIn, QueueArgs, QueuePageOut

blp = Blueprint("review", __name__, url_prefix="/v1", description="Review queue and audit log")


@blp.route("/queue", methods=["GET"])
@requires("moderator")
@blp.arguments(QueueArgs, location="query")
@blp.response(200, QueuePageOut)
def queue(args: dict[str, Any]) -> dict[str, Any]:
    """Pending comments with their verdicts, oldest first or highest score first."""
    caller = principal()
    caller.require_site(args.get("site"))
    return moderation().queue(
        caller.site_name,
        category=args.get("category"),
        order=args["order"],
        limit=args["limit"],
        cursor=args.get("cursor"),
    )


@blp.route("/queue/claim", methods=["POST"])
@requires("moderator")
@blp.arguments(ClaimIn)
@blp.response(200, QueuePageOut)
def claim(body: dict[str, Any]) -> dict[str, Any]:
    """Lease the oldest unclaimed pending comments to a moderator; others' claims are skipped, never shared."""
    return moderation().claim(principal().site_name, body["moderator"], body["limit"], body["lease_seconds"])


@blp.route("/audit", methods=["GET"])
@requires("moderator")
@blp.arguments(AuditArgs, location="query")
@blp.response(200, AuditPageOut)
def audit(args: dict[str, Any]) -> dict[str, Any]:
    """The audit log, newest first."""
    caller = principal()
    caller.require_site(args.get("site"))
    return moderation().audit(caller.site_name, args["limit"], args.get("cursor"))
