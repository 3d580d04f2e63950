"""Coral Talk external moderation phase: POST /v1/integrations/coral/{site}, signed with X-Coral-Signature."""

from __future__ import annotations

from typing import Any

from flask import Response

from service.api.http import Blueprint, moderation
from service.api.webhooks import signed
from service.compat.coral import CoralRequestIn, CoralResponseOut, response_for
from service.moderation.types import Comment
from service.signing import CORAL_SIGNATURE_HEADER

blp = Blueprint("coral", __name__, url_prefix="/v1/integrations", description="Coral Talk integration")


@blp.route("/coral/<string:site_name>", methods=["POST"])
@signed("coral")
@blp.arguments(CoralRequestIn)
@blp.response(200, CoralResponseOut, description="REJECTED or SYSTEM_WITHHELD, with FLAG actions")
@blp.alt_response(204, description="No opinion: the comment may be published (our decision was approve)")
@blp.doc(
    security=[],
    parameters=[
        {
            "in": "header",
            "name": CORAL_SIGNATURE_HEADER,
            "required": True,
            "schema": {"type": "string"},
            "description": "sha256=<hex HMAC-SHA256(secret, raw body)>, comma-separated during rotation",
        }
    ],
)
def external_moderation(comment: Comment, site_name: str) -> Any:
    """Moderate and store a comment Coral is about to publish; answer in Coral's external-phase shape."""
    result = moderation().submit(site_name, comment, source="coral")
    body = response_for(result.document)
    return Response(status=204) if body is None else body
