"""HTTP plumbing shared by every blueprint: strict JSON reading, the Blueprint class, callers and services."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

import flask_smorest
from flask import Request, current_app, g, request
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import UnsupportedMediaType

from service.accounts import Principal
from service.errors import InvalidInput, NotFound
from service.moderation.service import ModerationService

F = TypeVar("F", bound=Callable[..., Any])


def _check_strings(value: Any, path: str) -> None:
    """Refuse strings a database cannot hold: unpaired surrogates (from \\ud800 escapes) and NUL."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidInput(f"{path or 'body'} contains a NUL character", errors={path or "body": ["NUL"]})
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise InvalidInput(
                f"{path or 'body'} contains an unpaired surrogate escape at position {error.start}",
                errors={path or "body": ["unpaired surrogate"]},
            ) from error
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key, path)
            _check_strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_strings(item, f"{path}[{index}]")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def read_json_object(req: Request) -> dict[str, Any]:
    """Read the body as a UTF-8 JSON object or raise a precise 4xx (415, 413, 400)."""
    mimetype = req.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(f"send the body as application/json, not {mimetype or 'no content type'}")
    raw = req.get_data(cache=True)  # raises 413 past MAX_CONTENT_LENGTH
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"the body is not valid UTF-8 (byte {error.start})") from error
    try:
        body = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"the body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from error
    except (ValueError, RecursionError) as error:
        raise InvalidInput(f"the body is not valid JSON: {error}") from error
    if not isinstance(body, dict):
        raise InvalidInput(f"the body must be a JSON object, not {type(body).__name__}")
    _check_strings(body, "")
    return body


class StrictParser(FlaskParser):
    """webargs parser whose JSON location goes through read_json_object, and which refuses unknown query
    parameters as it refuses unknown body fields (a mistyped filter must not silently return everything)."""

    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = {  # noqa: RUF012 (the base declares it so)
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": RAISE,
        "querystring": RAISE,
    }

    def _raw_load_json(self, req: Request) -> Any:
        return read_json_object(req)


def _check_url_strings() -> None:
    """Refuse NUL, unpaired surrogates and out-of-range ids in the path and query before any view runs.

    They would otherwise reach the database as a bound parameter, which PostgreSQL refuses (a 500).
    """
    for name, value in (request.view_args or {}).items():
        _check_strings(value, name)
        # No row id is outside a signed 64-bit column; binding one would overflow in the driver (a 500).
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            raise NotFound(f"no {name.replace('_', ' ')} {value}")
    for name, value in request.args.items(multi=True):
        _check_strings(value, name)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest Blueprint that reads JSON strictly and refuses unstorable strings in URLs."""

    ARGUMENTS_PARSER = StrictParser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.before_request(_check_url_strings)

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Any:
        """As flask-smorest's, but with one schema instance per view.

        Why: webargs builds a new instance of a schema class on every request, which cost more than parsing.
        Our schemas keep no per-load state, so one instance serves every request.
        """
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)


def moderation() -> ModerationService:
    """The app's ModerationService."""
    service: ModerationService = current_app.extensions["moderation"]
    return service


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def caller(role: str, site: str | None = None) -> Principal:
    """Authenticate the bearer key and check its role (and site, when the call names one)."""
    principal: Principal | None = g.get("principal")
    if principal is None:
        principal = moderation().accounts.authenticate(bearer_token())
        g.principal = principal
    principal.require(role)
    principal.require_site(site)
    return principal


def requires(role: str) -> Callable[[F], F]:
    """Authenticate before the body is parsed, so an anonymous caller gets 401, never a 422."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            caller(role)
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def principal() -> Principal:
    """The caller authenticated by @requires for this request."""
    found: Principal = g.principal
    return found
