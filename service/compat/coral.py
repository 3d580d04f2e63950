"""Coral Talk external moderation phase: Coral's request to a Comment, our verdict to Coral's response (no Flask)."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, post_load, validate

from service.moderation.types import Author, Comment, Thread

# What Coral accepts in `actions[].reason` (COMMENT_FLAG_DETECTED_REASON) and `status` (COMMENT_STATUS).
TOXIC = "COMMENT_DETECTED_TOXIC"
SPAM = "COMMENT_DETECTED_SPAM"
BANNED_WORD = "COMMENT_DETECTED_BANNED_WORD"
SUSPECT_WORD = "COMMENT_DETECTED_SUSPECT_WORD"
LINKS = "COMMENT_DETECTED_LINKS"
REPEAT_POST = "COMMENT_DETECTED_REPEAT_POST"
RECENT_HISTORY = "COMMENT_DETECTED_RECENT_HISTORY"
STATUS_FOR_DECISION = {"reject": "REJECTED", "review": "SYSTEM_WITHHELD"}
TAG = re.compile(r"<[^>]{0,2000}>")
BLOCK_TAG = re.compile(r"</?(?:p|div|br|li|blockquote)\b[^>]{0,2000}>", re.IGNORECASE)


class _Loose(Schema):
    class Meta:
        # Coral adds fields over time; ignore what we do not use rather than refuse the request.
        unknown = EXCLUDE


class CoralTenant(_Loose):
    """The Coral tenant (installation)."""

    id = fields.String(required=True, validate=validate.Length(min=1, max=256))
    domain = fields.String(load_default=None, allow_none=True)


class CoralComment(_Loose):
    """The comment body and its parent; newer Coral versions may also send the comment id."""

    id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=128))
    body = fields.String(required=True, validate=validate.Length(max=20_000))
    parentID = fields.String(load_default=None, allow_none=True)  # noqa: N815 (Coral's field name)


class CoralAuthor(_Loose):
    """The commenter: id and Coral role."""

    id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    role = fields.String(load_default=None, allow_none=True)


class CoralStory(_Loose):
    """The story (article) commented on."""

    id = fields.String(required=True, validate=validate.Length(min=1, max=256))
    url = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2048))


class CoralSite(_Loose):
    """The Coral site within the tenant."""

    id = fields.String(load_default=None, allow_none=True)


class CoralRequestIn(_Loose):
    """Coral's ExternalModerationRequest."""

    action = fields.String(required=True, validate=validate.OneOf(["NEW", "EDIT"]))
    comment = fields.Nested(CoralComment, required=True)
    author = fields.Nested(CoralAuthor, required=True)
    story = fields.Nested(CoralStory, required=True)
    site = fields.Nested(CoralSite, load_default=dict)
    tenant = fields.Nested(CoralTenant, required=True)

    @post_load
    def _to_comment(self, data: dict[str, Any], **_: Any) -> Comment:
        return to_comment(data)


class CoralActionOut(Schema):
    """A FLAG action Coral records against the comment."""

    actionType = fields.String(metadata={"enum": ["FLAG"]})  # noqa: N815 (Coral's field name)
    reason = fields.String()
    additionalDetails = fields.String()  # noqa: N815 (Coral's field name)


class CoralResponseOut(Schema):
    """Coral's ExternalModerationResponse (200); 204 with no body means no opinion."""

    status = fields.String(metadata={"enum": ["REJECTED", "SYSTEM_WITHHELD"]})
    actions = fields.List(fields.Nested(CoralActionOut))
    metadata = fields.Dict()


def plain_text(body: str) -> str:
    """Coral's HTML body format as plain text (the plain-text format passes through unchanged)."""
    if "<" not in body:
        return body
    return html.unescape(TAG.sub("", BLOCK_TAG.sub("\n", body))).strip() or body


def comment_id(data: Mapping[str, Any], text: str) -> str:
    """Coral's id when sent; otherwise a hash of tenant, site, story, author, parent and body.

    Coral's request carries no comment id, so an identical retry (Coral's timeout) answers the stored
    verdict, while an EDIT with a new body is moderated afresh.
    """
    given = data["comment"].get("id")
    if given:
        if data.get("action") == "EDIT":
            # An edit keeps Coral's id but has a new body, which must be moderated, not answered from storage.
            digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
            return f"coral-{given}"[:100] + f"-edit-{digest}"
        return f"coral-{given}"[:128]
    parts = (
        data["tenant"]["id"],
        (data.get("site") or {}).get("id") or "",
        data["story"]["id"],
        data["author"]["id"],
        data["comment"].get("parentID") or "",
        text,
    )
    return "coral-" + hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:40]


def to_comment(data: Mapping[str, Any]) -> Comment:
    """Map Coral's request onto a Comment."""
    text = plain_text(data["comment"]["body"])
    parent = data["comment"].get("parentID")
    return Comment(
        id=comment_id(data, text),
        text=text,
        author=Author(id=data["author"]["id"]),
        thread=Thread(id=data["story"]["id"][:128], url=data["story"].get("url")),
        parent_id=f"coral-{parent}"[:128] if parent else None,
    )


def flag_reason(reason: Mapping[str, Any]) -> str | None:
    """Coral's flag reason for one of our reasons, or None for policy notes."""
    if reason.get("source") == "policy":
        return None
    code = str(reason.get("code", "")).lower()
    if "suspect" in code:
        return SUSPECT_WORD
    if any(word in code for word in ("banned", "blocklist", "word")):
        return BANNED_WORD
    if any(word in code for word in ("duplicate", "repeat")):
        return REPEAT_POST
    if any(word in code for word in ("velocity", "flood", "rate")):
        return RECENT_HISTORY
    if reason.get("category") == "spam":
        return SPAM
    if any(word in code for word in ("link", "url", "domain")):
        return LINKS
    return TOXIC


def response_for(verdict: Mapping[str, Any]) -> dict[str, Any] | None:
    """Coral's response for a verdict: None (answer 204, no opinion) to approve, else status and FLAG actions.

    reject → REJECTED; review → SYSTEM_WITHHELD (held for Coral's moderators); each distinct reason kind
    becomes one FLAG action so Coral's queue shows why.
    """
    status = STATUS_FOR_DECISION.get(str(verdict.get("decision")))
    if status is None:
        return None
    actions: dict[str, dict[str, Any]] = {}
    for reason in verdict.get("reasons") or ():
        if reason.get("action") == "approve":
            continue  # a note, not a concern
        kind = flag_reason(reason)
        if kind is not None and kind not in actions:
            actions[kind] = {
                "actionType": "FLAG",
                "reason": kind,
                "additionalDetails": str(reason.get("message", "")),
            }
    return {
        "status": status,
        "actions": list(actions.values()),
        "metadata": {
            "moderation": {
                "id": verdict.get("id"),
                "decision": verdict.get("decision"),
                "model_version": verdict.get("model_version"),
                "policy_version": verdict.get("policy_version"),
            }
        },
    }
