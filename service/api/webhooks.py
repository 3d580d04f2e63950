"""Signed webhooks in: POST /v1/webhooks/{site}, authenticated by X-Moderation-Signature instead of a key."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import current_app, request

from service.api.http import Blueprint, moderation
from service.errors import NotFound, Unauthorized
from service.metrics import SIGNATURE_REJECTIONS
from service.moderation.types import Comment
from service.schemas import CommentIn, VerdictOut
from service.signing import SIGNATURE_HEADER, SignatureError, verify, verify_coral

F = TypeVar("F", bound=Callable[..., Any])

blp = Blueprint("webhooks", __name__, url_prefix="/v1", description="Signed webhooks from comment systems")

# One message for every refusal, so a caller cannot tell an unknown site from a bad signature.
REFUSED = "the request signature is missing, malformed, expired or does not match"


def check_signature(site_name: str, surface: str) -> None:
    """Verify the raw body's signature for `surface` ("webhook" or "coral") before anything is parsed.

    Raises Unauthorized (401) for an unknown site too, so the endpoint does not reveal which sites exist.
    Every refusal is counted in SIGNATURE_REJECTIONS and changes nothing.
    """
    body = request.get_data(cache=True)  # raw bytes, exactly as signed; 413 past MAX_CONTENT_LENGTH
    try:
        _, secrets = moderation().accounts.active_secrets(site_name)
    except NotFound:
        SIGNATURE_REJECTIONS.labels(surface, "unknown_site").inc()
        raise Unauthorized(REFUSED) from None
    try:
        if surface == "coral":
            verify_coral(request.headers.get("X-Coral-Signature"), body, secrets)
        else:
            verify(
                request.headers.get(SIGNATURE_HEADER),
                body,
                secrets,
                tolerance=int(current_app.config["WEBHOOK_TOLERANCE"]),
            )
    except SignatureError as error:
        SIGNATURE_REJECTIONS.labels(surface, error.reason).inc()
        raise Unauthorized(f"{REFUSED}: {error.message}") from None


def signed(surface: str) -> Callable[[F], F]:
    """Verify the signature before flask-smorest parses the body (so a forged request never gets a 422)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check_signature(kwargs["site_name"], surface)
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


@blp.route("/webhooks/<string:site_name>", methods=["POST"])
@signed("webhook")
@blp.arguments(CommentIn)
@blp.response(202, VerdictOut, description="The verdict (stored verdict for a repeated comment id)")
@blp.doc(
    security=[],
    parameters=[
        {
            "in": "header",
            "name": SIGNATURE_HEADER,
            "required": True,
            "schema": {"type": "string"},
            "description": 't=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=…]',
        }
    ],
)
def receive(comment: Comment, site_name: str) -> tuple[dict[str, Any], int]:
    """Moderate and store a comment sent by a signed webhook; repeats answer the stored verdict."""
    result = moderation().submit(site_name, comment, source="webhook")
    return result.document, 202
