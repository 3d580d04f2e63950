"""Native API: submit comments, read one, score without storing, and decide as a moderator."""

from __future__ import annotations

from typing import Any

from service.api.http import Blueprint, moderation, principal, requires
from service.moderation.documents import score_document
from service.moderation.types import Comment
from service.schemas import (
    CommentDetailOut,
    CommentIn,
    DecisionIn,
    ScoreIn,
    ScoreOut,
    VerdictOut,
)

blp = Blueprint("comments", __name__, url_prefix="/v1", description="Moderate comments")


@blp.route("/comments", methods=["POST"])
@requires("ingest")
@blp.arguments(CommentIn)
@blp.response(201, VerdictOut, description="A new comment's verdict")
@blp.alt_response(200, schema=VerdictOut, description="The stored verdict of a comment sent before")
def submit_comment(comment: Comment) -> tuple[dict[str, Any], int]:
    """Moderate and store a comment; sending the same id again returns the stored verdict."""
    result = moderation().submit(principal().site_name, comment, source="api")
    return result.document, 201 if result.created else 200


@blp.route("/comments/<string:comment_id>", methods=["GET"])
@requires("moderator")
@blp.response(200, CommentDetailOut)
def get_comment(comment_id: str) -> dict[str, Any]:
    """One comment with its verdict, status and decision history."""
    return moderation().get(principal().site_name, comment_id)


@blp.route("/comments/<string:comment_id>/decision", methods=["POST"])
@requires("moderator")
@blp.arguments(DecisionIn)
@blp.response(200, CommentDetailOut)
def decide(decision: dict[str, Any], comment_id: str) -> dict[str, Any]:
    """Approve or reject a comment; audited, kept as a label and announced to the callback."""
    return moderation().decide(principal().site_name, comment_id, **decision)


@blp.route("/score", methods=["POST"])
@requires("ingest")
@blp.arguments(ScoreIn)
@blp.response(200, ScoreOut)
def score(body: dict[str, Any]) -> dict[str, Any]:
    """Score one text or a batch through the full pipeline without storing anything."""
    service = moderation()
    if "text" in body:
        (verdict,) = service.score([Comment(id="", text=body["text"])], principal().site_name)
        return {"result": score_document(None, verdict)}
    items = body["comments"]
    comments = [Comment(id=item.get("id") or "", text=item["text"]) for item in items]
    verdicts = service.score(comments, principal().site_name)
    return {"results": [score_document(item.get("id"), v) for item, v in zip(items, verdicts, strict=True)]}
