"""Perspective API compatible endpoints: comments:analyze, comments:suggestscore and the discovery document."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Response, current_app, json, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from service.accounts import Principal
from service.api.http import Blueprint, moderation, read_json_object
from service.compat import perspective
from service.config import MAX_TEXT_LENGTH
from service.errors import PROBLEM_JSON, ModerationError, Unauthorized
from service.moderation.pipeline import UNAVAILABLE_VERSION
from service.moderation.types import Comment

log = logging.getLogger(__name__)

blp = Blueprint(
    "perspective",
    __name__,
    description="Perspective API (commentanalyzer v1alpha1) compatible endpoints; the key is one of our API keys",
)

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "INVALID_ARGUMENT",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    415: "INVALID_ARGUMENT",
    422: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    503: "UNAVAILABLE",
}
JSON_DOC = {
    "security": [],
    # Errors carry Google's {"error": {code, message, status}} object beside the problem+json members.
    "x-error-format": "google",
    "parameters": [{"in": "query", "name": "key", "required": True, "schema": {"type": "string"}}],
}


def google_error(error: perspective.PerspectiveError) -> Response:
    """Google's error object under "error", plus the RFC 9457 members every error of this API carries.

    Google's clients read only `error` (and parse the body whatever its JSON media type), so adding
    type/title/status/detail beside it keeps them working while the API's one error contract holds.
    """
    body = {
        "type": "about:blank",
        "title": HTTPStatus(error.code).phrase,
        "status": error.code,
        "detail": error.message,
        **error.document(),
    }
    return Response(json.dumps(body), status=error.code, mimetype=PROBLEM_JSON)


@blp.errorhandler(perspective.PerspectiveError)
def _perspective_error(error: perspective.PerspectiveError) -> Response:
    return google_error(error)


@blp.errorhandler(ModerationError)
def _domain_error(error: ModerationError) -> Response:
    if isinstance(error, Unauthorized):
        return google_error(perspective.bad_key())
    status = STATUS_NAMES.get(error.status, "INTERNAL")
    return google_error(perspective.PerspectiveError(error.status, status, error.detail))


@blp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    code = error.code or 500
    message = error.description or error.name
    return google_error(perspective.PerspectiveError(code, STATUS_NAMES.get(code, "INTERNAL"), message))


@blp.errorhandler(DBAPIError)
def _database_error(error: DBAPIError) -> Response:
    log.warning("database error on a Perspective call: %s", error.__class__.__name__)
    return google_error(
        perspective.PerspectiveError(503, "UNAVAILABLE", "The service is unavailable; retry later.")
    )


@blp.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    log.exception("unhandled error on a Perspective call")
    return google_error(perspective.PerspectiveError(500, "INTERNAL", "Internal error encountered."))


def authenticate() -> Principal:
    """The key comes in `?key=` (or Google's X-Goog-Api-Key header); ingest role or higher."""
    raw = request.args.get("key") or request.headers.get("X-Goog-Api-Key")
    if not raw:
        raise perspective.missing_key()
    caller = moderation().accounts.authenticate(raw)
    caller.require("ingest")
    return caller


def max_chars() -> int:
    """The longest text the pipeline takes."""
    return MAX_TEXT_LENGTH


@blp.route("/v1alpha1/comments:analyze", methods=["POST"])
@blp.doc(**JSON_DOC)
def analyze() -> dict[str, Any]:
    """Score a comment for the requested attributes. Never stores anything, whatever doNotStore says."""
    caller = authenticate()
    parsed = perspective.parse_analyze(read_json_object(request), max_chars())
    spans = perspective.sentences(parsed.text) if parsed.span_annotations else [(0, len(parsed.text))]
    comments = [Comment(id="", text=parsed.text)]
    if parsed.span_annotations:
        comments += [Comment(id="", text=parsed.text[begin:end]) for begin, end in spans]
    verdicts = moderation().score(comments, caller.site_name)
    if verdicts[0].model_version == UNAVAILABLE_VERSION:
        # Zeros would read as "harmless"; Perspective clients retry on UNAVAILABLE.
        raise perspective.PerspectiveError(503, "UNAVAILABLE", "The models are not loaded; retry later.")
    span_verdicts = verdicts[1:] if parsed.span_annotations else verdicts
    return perspective.analyze_response(
        parsed, verdicts[0].scores, [(span, v.scores) for span, v in zip(spans, span_verdicts, strict=True)]
    )


@blp.route("/v1alpha1/comments:suggestscore", methods=["POST"])
@blp.doc(**JSON_DOC)
def suggest_score() -> dict[str, Any]:
    """Keep a human's suggested scores for a text as a label for retraining."""
    caller = authenticate()
    suggestion = perspective.parse_suggest(read_json_object(request), max_chars())
    moderation().add_label(
        caller.site_name, suggestion.text, suggestion.label, suggestion.categories, source="perspective"
    )
    return perspective.suggest_response(suggestion)


@blp.route("/$discovery/rest", methods=["GET"])
@blp.doc(security=[], **{"x-error-format": "google"})
def discovery() -> dict[str, Any]:
    """The discovery document for googleapiclient.discovery.build("commentanalyzer", "v1alpha1", …)."""
    version = request.args.get("version", "v1alpha1")
    if version != "v1alpha1":
        raise perspective.PerspectiveError(404, "NOT_FOUND", f"no discovery document for version {version}")
    # PUBLIC_URL pins the advertised root behind a proxy; otherwise the URL this request came in on.
    root = current_app.config.get("PUBLIC_URL") or request.url_root
    return perspective.discovery_document(root)
