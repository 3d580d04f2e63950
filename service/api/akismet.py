"""Akismet API 1.1 compatible endpoints: verify-key, comment-check, submit-spam and submit-ham."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Response, current_app, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from service.accounts import Principal
from service.api.http import Blueprint, moderation
from service.compat import akismet
from service.config import MAX_TEXT_LENGTH
from service.errors import ModerationError, Unauthorized, problem
from service.moderation.types import Comment

log = logging.getLogger(__name__)

blp = Blueprint(
    "akismet",
    __name__,
    url_prefix="/1.1",
    description="Akismet API 1.1, form-encoded as Akismet's clients send it; the key is one of our API keys",
)

DEBUG_HELP = "X-akismet-debug-help"
FORM_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["api_key", "blog", "user_ip"],
                    "properties": {name: {"type": "string"} for name in akismet.FIELDS},
                }
            }
        },
    },
    "security": [],
    # Akismet-level errors are 200 plain text with X-akismet-debug-help, as Akismet answers them.
    "x-error-format": "akismet",
}


def text(body: str, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """A plain-text answer, as Akismet sends them; HTTP-level failures (4xx/5xx) are problem+json.

    Akismet reports its own errors as 200 text with X-akismet-debug-help, and clients only look at that;
    for a real HTTP failure they raise on the status alone, so the API's problem+json contract applies.
    """
    if status >= 400:
        help_text = dict(headers or {}).get(DEBUG_HELP, body)
        return problem(
            status, HTTPStatus(status).phrase, body, headers={DEBUG_HELP: help_text, **(headers or {})}
        )
    return Response(body, status=status, mimetype="text/plain", headers=dict(headers or {}))


@blp.errorhandler(akismet.AkismetError)
def _akismet_error(error: akismet.AkismetError) -> Response:
    return text(error.text, 200, {DEBUG_HELP: error.debug_help})


@blp.errorhandler(ModerationError)
def _domain_error(error: ModerationError) -> Response:
    if isinstance(error, Unauthorized):
        # Akismet answers a bad key with 200 "invalid"; clients look for exactly that body.
        return text(akismet.INVALID, 200, {DEBUG_HELP: akismet.INVALID_KEY_HELP})
    return text(error.detail, error.status, {DEBUG_HELP: error.detail})


@blp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    detail = error.description or error.name
    return text(detail, error.code or 500, {DEBUG_HELP: detail})


@blp.errorhandler(DBAPIError)
def _database_error(error: DBAPIError) -> Response:
    log.warning("database error on an Akismet call: %s", error.__class__.__name__)
    retry = str(current_app.config["RETRY_AFTER_SECONDS"])
    return text("Service temporarily unavailable", 503, {DEBUG_HELP: "retry later", "Retry-After": retry})


@blp.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    log.exception("unhandled error on an Akismet call")
    return text("Internal error", 500, {DEBUG_HELP: "an unexpected error occurred"})


def form() -> dict[str, str]:
    """The form fields (first value of each), refusing characters no database can store."""
    fields = {key: request.form.get(key, "") for key in request.form}
    akismet.check_characters(fields)
    return fields


def authenticate(fields: Mapping[str, str]) -> Principal:
    """The Akismet key is one of our API keys, ingest role or higher."""
    caller = moderation().accounts.authenticate(akismet.api_key(fields))
    caller.require("ingest")
    return caller


def as_comment(fields: Mapping[str, str]) -> Comment:
    """The Akismet request as a Comment."""
    return akismet.to_comment(fields, MAX_TEXT_LENGTH)


@blp.route("/verify-key", methods=["POST"])
@blp.doc(**FORM_DOC)
def verify_key() -> Response:
    """`valid` when `api_key` (or `key`) is one of our keys with the ingest role or higher, else `invalid`."""
    fields = form()
    if not akismet.api_key(fields):
        raise akismet.AkismetError(akismet.INVALID, "Empty api_key value")
    authenticate(fields)
    return text(akismet.VALID)


@blp.route("/comment-check", methods=["POST"])
@blp.doc(**FORM_DOC)
def comment_check() -> Response:
    """`true` (spam or held) or `false`; `X-akismet-pro-tip: discard` for blatant spam. Stored unless is_test."""
    fields = form()
    caller = authenticate(fields)
    akismet.require(fields, "blog", "user_ip")
    comment = as_comment(fields)
    headers = {"X-akismet-guid": comment.id}
    if akismet.honeypot_tripped(fields):
        # A filled hidden field is a bot; like Akismet, say so without spending a model call on it.
        return text(akismet.SPAM, headers={**headers, "X-akismet-pro-tip": akismet.DISCARD})
    fixed = akismet.documented_answer(fields)
    if fixed is not None:
        # Akismet's documented test triggers and administrator exemption: answered, never stored.
        return text(fixed.text, headers=headers)
    service = moderation()
    if akismet.is_test(fields):
        (verdict,) = service.score([comment], caller.site_name)
        document: dict[str, Any] = {
            "decision": verdict.decision,
            "reasons": [{"category": r.category} for r in verdict.reasons],
        }
    else:
        result = service.submit(caller.site_name, comment, source="akismet")
        document = result.document
    answer = akismet.check_answer(document)
    if answer.discard:
        headers["X-akismet-pro-tip"] = akismet.DISCARD
    return text(answer.text, headers=headers)


def _submit(label: str) -> Response:
    fields = form()
    caller = authenticate(fields)
    akismet.require(fields, "blog", "user_ip")
    if not akismet.is_test(fields):
        comment = as_comment(fields)
        categories = ["spam"] if label == "reject" else []
        moderation().add_label(caller.site_name, comment.text, label, categories, source="akismet")
    return text(akismet.SUBMISSION_THANKS)


@blp.route("/submit-spam", methods=["POST"])
@blp.doc(**FORM_DOC)
def submit_spam() -> Response:
    """Keep the comment as a spam label for retraining (nothing is stored when is_test is set)."""
    return _submit("reject")


@blp.route("/submit-ham", methods=["POST"])
@blp.doc(**FORM_DOC)
def submit_ham() -> Response:
    """Keep the comment as a not-spam label for retraining (nothing is stored when is_test is set)."""
    return _submit("approve")
