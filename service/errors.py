"""Domain exceptions, and the one place that turns every error into application/problem+json."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, json
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class ModerationError(Exception):
    """Base of every error the domain raises on purpose; carries its HTTP status and a title."""

    status = 400
    title = "Bad request"

    def __init__(
        self, detail: str, *, errors: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = dict(headers or {})  # a copy: callers pass shared constants


class InvalidInput(ModerationError):
    """The request could not be read (not JSON, not UTF-8, not an object)."""

    status = 400
    title = "Invalid request body"


class ValidationFailed(ModerationError):
    """The request was read but fields are missing, unknown or of the wrong type."""

    status = 422
    title = "Validation failed"


# RFC 9110: a 401 names the scheme that would be accepted (signed webhooks have none to name).
BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}


class Unauthorized(ModerationError):
    """No credentials, unknown credentials, or a bad signature."""

    status = 401
    title = "Unauthorized"


class Forbidden(ModerationError):
    """Valid credentials that do not allow this call (role or site)."""

    status = 403
    title = "Forbidden"


class NotFound(ModerationError):
    """The addressed resource does not exist (or belongs to another site)."""

    status = 404
    title = "Not found"


class Conflict(ModerationError):
    """The change clashes with the resource's current state."""

    status = 409
    title = "Conflict"


class Unavailable(ModerationError):
    """A backend (database, models) is unavailable; the client should retry later."""

    status = 503
    title = "Service unavailable"


def problem(
    status: int, title: str, detail: str, errors: Any = None, headers: dict[str, str] | None = None
) -> Response:
    """Build a problem+json response (RFC 9457)."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _is_connection_error(error: DBAPIError) -> bool:
    return isinstance(error, OperationalError) or bool(getattr(error, "connection_invalidated", False))


def _rate_limit_retry_after(app: Flask) -> int:
    """Seconds until the breached rate-limit window resets (flask-limiter does not say so on the error)."""
    for limiter in app.extensions.get("limiter", ()):
        current = limiter.current_limit
        if current is not None:
            return max(1, int(current.reset_at - time.time()))
    return int(app.config["RETRY_AFTER_SECONDS"])


def register_error_handlers(app: Flask) -> None:
    """Map every exception to problem+json once, for the whole app."""

    @app.errorhandler(ModerationError)
    def _domain(error: ModerationError) -> Response:
        return problem(error.status, error.title, error.detail, error.errors, error.headers)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 500
        errors = None
        detail = error.description or error.name
        # webargs/flask-smorest attach field messages to the exception's `data`.
        data = getattr(error, "data", None)
        if isinstance(data, dict) and "messages" in data:
            messages = data["messages"]
            # flatten {"json": {...}} / {"query": {...}} into one field → messages map
            if isinstance(messages, dict) and len(messages) == 1:
                errors = next(iter(messages.values()))
            else:
                errors = messages
            detail = "some fields are missing, unknown or invalid; see errors"
        if status == 413:
            detail = f"request body is larger than {app.config['MAX_CONTENT_LENGTH']} bytes"
        headers = {k: v for k, v in error.get_headers() if k.lower() in {"allow", "retry-after"}}
        if status == 429 and "Retry-After" not in headers:
            headers["Retry-After"] = str(_rate_limit_retry_after(app))
        return problem(status, error.name, detail, errors, headers)

    @app.errorhandler(DBAPIError)
    def _database(error: DBAPIError) -> Response:
        if _is_connection_error(error):
            log.warning("database unavailable: %s", error.__class__.__name__)
            return problem(
                503,
                "Service unavailable",
                "the database is unavailable; retry later",
                headers={"Retry-After": str(app.config["RETRY_AFTER_SECONDS"])},
            )
        log.exception("database error")
        return problem(500, "Internal server error", "an unexpected error occurred")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error")
        return problem(500, "Internal server error", "an unexpected error occurred")
