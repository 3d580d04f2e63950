"""Marshmallow schemas at the HTTP edge: what requests may contain and what responses look like."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates

from service.config import MAX_TEXT_LENGTH
from service.moderation.types import CATEGORIES, Author, Comment, Thread

ID = validate.Length(min=1, max=128)


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must contain more than whitespace")


class AuthorIn(Schema):
    """The commenter, as far as the comment system knows."""

    id = fields.String(validate=ID, allow_none=True)
    name = fields.String(validate=validate.Length(max=256), allow_none=True)
    email = fields.String(validate=validate.Length(max=320), allow_none=True)
    ip = fields.String(validate=validate.Length(max=64), allow_none=True)
    user_agent = fields.String(validate=validate.Length(max=512), allow_none=True)


class ThreadIn(Schema):
    """The article or page the comment belongs to."""

    id = fields.String(validate=ID, allow_none=True)
    url = fields.String(validate=validate.Length(max=2048), allow_none=True)
    title = fields.String(validate=validate.Length(max=512), allow_none=True)


class CommentIn(Schema):
    """A comment to moderate (POST /v1/comments, webhooks, and each item of a score batch)."""

    id = fields.String(required=True, validate=ID)
    text = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT_LENGTH))
    author = fields.Nested(AuthorIn, load_default=None, allow_none=True)
    thread = fields.Nested(ThreadIn, load_default=None, allow_none=True)
    parent_id = fields.String(validate=ID, load_default=None, allow_none=True)
    created_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None)

    @validates("text")
    def _text(self, value: str, **_: Any) -> None:
        _not_blank(value)

    @post_load
    def _to_comment(self, data: dict[str, Any], **_: Any) -> Comment:
        return Comment(
            id=data["id"],
            text=data["text"],
            author=Author(**(data.get("author") or {})),
            thread=Thread(**(data.get("thread") or {})),
            parent_id=data.get("parent_id"),
            created_at=data.get("created_at"),
        )


class ScoreTextIn(Schema):
    """One scoring item of POST /v1/score; `id` is optional there."""

    id = fields.String(validate=ID, load_default=None)
    text = fields.String(required=True, validate=validate.Length(min=1, max=MAX_TEXT_LENGTH))
    author = fields.Nested(AuthorIn, load_default=None, allow_none=True)
    thread = fields.Nested(ThreadIn, load_default=None, allow_none=True)

    @validates("text")
    def _text(self, value: str, **_: Any) -> None:
        _not_blank(value)


class ScoreIn(Schema):
    """Either {"text": ...} or {"comments": [...]} (at most 100)."""

    text = fields.String(validate=validate.Length(min=1, max=MAX_TEXT_LENGTH))
    comments = fields.List(fields.Nested(ScoreTextIn), validate=validate.Length(min=1, max=100))

    @post_load
    def _one_of(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if ("text" in data) == ("comments" in data):
            raise ValidationError("send either 'text' or 'comments'", field_name="_schema")
        if "text" in data:
            _not_blank(data["text"])
        return data


class SpanOut(Schema):
    """Offsets into the text exactly as submitted."""

    start = fields.Integer()
    end = fields.Integer()


class ReasonOut(Schema):
    """Why: a rule hit, a model score over a threshold, or a policy step."""

    source = fields.String(metadata={"enum": ["rule", "model", "policy"]})
    code = fields.String()
    category = fields.String()
    message = fields.String()
    action = fields.String(
        metadata={"description": "what this reason asked for: approve (note only), review, reject"}
    )
    spans = fields.List(fields.Nested(SpanOut))


class ScoresOut(Schema):
    """A probability in [0, 1] for each of the seven categories."""

    toxicity = fields.Float()
    severe_toxicity = fields.Float()
    insult = fields.Float()
    threat = fields.Float()
    obscene = fields.Float()
    identity_attack = fields.Float()
    spam = fields.Float()


assert set(ScoresOut().fields) == set(CATEGORIES)


class VerdictOut(Schema):
    """The verdict the comment system acts on."""

    id = fields.String()
    site = fields.String()
    decision = fields.String(metadata={"enum": ["approve", "review", "reject"]})
    shadow_decision = fields.String(metadata={"description": "what shadow mode would have decided"})
    status = fields.String(metadata={"enum": ["approved", "pending", "rejected"]})
    scores = fields.Nested(ScoresOut)
    reasons = fields.List(fields.Nested(ReasonOut))
    model_version = fields.String()
    policy_version = fields.String()
    created = fields.Boolean()


class ScoreItemOut(Schema):
    """A verdict from POST /v1/score (nothing stored)."""

    id = fields.String(allow_none=True)
    decision = fields.String()
    scores = fields.Nested(ScoresOut)
    reasons = fields.List(fields.Nested(ReasonOut))
    model_version = fields.String()
    policy_version = fields.String()


class ScoreOut(Schema):
    """One result for {"text"}, or a list for {"comments"}."""

    result = fields.Nested(ScoreItemOut)
    results = fields.List(fields.Nested(ScoreItemOut))


class DecisionHistoryOut(Schema):
    """One moderator decision."""

    action = fields.String()
    moderator = fields.String()
    reason = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    previous_status = fields.String()
    at = fields.AwareDateTime()


class CommentDetailOut(VerdictOut):
    """A stored comment as a moderator sees it."""

    text = fields.String()
    author = fields.Dict()
    thread = fields.Dict()
    parent_id = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(allow_none=True)
    received_at = fields.AwareDateTime()
    claimed_by = fields.String(allow_none=True)
    claimed_until = fields.AwareDateTime(allow_none=True)
    history = fields.List(fields.Nested(DecisionHistoryOut))


class QueueArgs(Schema):
    """Filters and paging of the review queue."""

    site = fields.String(validate=validate.Length(max=64))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    order = fields.String(load_default="oldest", validate=validate.OneOf(["oldest", "score"]))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(validate=validate.Length(max=512))


class QueuePageOut(Schema):
    """A page of pending comments."""

    items = fields.List(fields.Nested(CommentDetailOut))
    next_cursor = fields.String(allow_none=True)


class ClaimIn(Schema):
    """Lease pending comments to one moderator for a while."""

    moderator = fields.String(required=True, validate=validate.Length(min=1, max=128))
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))
    lease_seconds = fields.Integer(load_default=600, validate=validate.Range(min=10, max=86400))


class DecisionIn(Schema):
    """A moderator's decision."""

    action = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    moderator = fields.String(required=True, validate=validate.Length(min=1, max=128))
    reason = fields.String(validate=validate.Length(max=256), load_default=None, allow_none=True)
    note = fields.String(validate=validate.Length(max=4000), load_default=None, allow_none=True)
    override = fields.Boolean(
        load_default=False, metadata={"description": "change a comment that is already approved or rejected"}
    )


class AuditArgs(Schema):
    """Paging of the audit log."""

    site = fields.String(validate=validate.Length(max=64))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(validate=validate.Length(max=512))


class AuditEntryOut(Schema):
    """Who did what, when."""

    id = fields.Integer()
    actor = fields.String()
    action = fields.String()
    target = fields.String(allow_none=True)
    details = fields.Dict()
    at = fields.AwareDateTime()


class AuditPageOut(Schema):
    """A page of the audit log."""

    items = fields.List(fields.Nested(AuditEntryOut))
    next_cursor = fields.String(allow_none=True)


class PolicyIn(Schema):
    """Changes to a site's policy; keys given replace the stored ones."""

    thresholds = fields.Dict(keys=fields.String(validate=validate.OneOf(CATEGORIES)), values=fields.Dict())
    rule_actions = fields.Dict(keys=fields.String(), values=fields.String())
    rules = fields.Dict()
    shadow = fields.Boolean()


class PolicyOut(Schema):
    """A site's policy and its version."""

    site = fields.String()
    policy_version = fields.String()
    policy = fields.Dict()
