"""HMAC-SHA256 request signing shared by webhooks in, callbacks out and Coral (no Flask here)."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

SIGNATURE_HEADER = "X-Moderation-Signature"
CORAL_SIGNATURE_HEADER = "X-Coral-Signature"

# A header is attacker-controlled input; bound the work a single request can cause.
MAX_SIGNATURES = 8
MAX_HEADER_LENGTH = 2048


class SignatureError(Exception):
    """A signature is missing, malformed, outside the time window or wrong; `reason` labels the metric."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of "<timestamp>.<raw body>" with `secret`: one `v1=` value."""
    return _hmac_hex(secret, str(timestamp).encode("ascii") + b"." + body)


def sign(secrets: Sequence[str], body: bytes, timestamp: int | None = None) -> str:
    """The X-Moderation-Signature header value: `t=<unix seconds>,v1=<hex>` with one v1 per secret."""
    if not secrets:
        raise ValueError("at least one secret is needed to sign")
    t = int(time.time()) if timestamp is None else timestamp
    return ",".join([f"t={t}", *(f"v1={compute_signature(secret, t, body)}" for secret in secrets)])


def parse_signature_header(header: str | None) -> tuple[int, list[str]]:
    """Split `t=…,v1=…[,v1=…]` into the timestamp and the v1 values; unknown schemes are ignored."""
    if not header:
        raise SignatureError("missing", f"the {SIGNATURE_HEADER} header is missing")
    if len(header) > MAX_HEADER_LENGTH:
        raise SignatureError("malformed", f"the {SIGNATURE_HEADER} header is too long")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError("malformed", f"the {SIGNATURE_HEADER} header is not t=…,v1=…")
        if key == "t":
            if not value.isascii() or not value.isdigit() or timestamp is not None:
                raise SignatureError(
                    "malformed", "the signature timestamp t= must appear once, in unix seconds"
                )
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value.lower())
    if timestamp is None or not signatures:
        raise SignatureError("malformed", f"the {SIGNATURE_HEADER} header needs t= and at least one v1=")
    if len(signatures) > MAX_SIGNATURES:
        raise SignatureError("malformed", f"at most {MAX_SIGNATURES} v1= values are accepted")
    return timestamp, signatures


def _any_match(expected: Sequence[str], offered: Sequence[str]) -> bool:
    # Compare every pair without stopping early, so timing does not reveal which secret matched.
    matched = False
    for want in expected:
        for got in offered:
            matched |= hmac.compare_digest(want.encode("ascii"), got.encode("ascii", "replace"))
    return matched


def verify(
    header: str | None,
    body: bytes,
    secrets: Sequence[str],
    *,
    tolerance: int,
    now: float | None = None,
) -> int:
    """Check a X-Moderation-Signature header over the raw body; returns its timestamp or raises SignatureError.

    The timestamp must be within `tolerance` seconds of now in either direction (replays and clock skew),
    and any v1 value may match any active secret (rotation).
    """
    timestamp, offered = parse_signature_header(header)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError("expired", f"the signature timestamp is more than {tolerance} s away from now")
    if not secrets or not _any_match([compute_signature(s, timestamp, body) for s in secrets], offered):
        raise SignatureError("mismatch", "no signature matches this body with an active secret")
    return timestamp


def coral_signature(secrets: Sequence[str], body: bytes) -> str:
    """The X-Coral-Signature value Coral sends: `sha256=<hex HMAC-SHA256(secret, raw body)>`, comma-separated."""
    return ",".join(f"sha256={_hmac_hex(secret, body)}" for secret in secrets)


def verify_coral(header: str | None, body: bytes, secrets: Sequence[str]) -> None:
    """Check Coral's X-Coral-Signature over the raw body against every active secret, or raise SignatureError.

    Coral's signature carries no timestamp, so there is no replay window; idempotency per comment makes
    a replayed request harmless (it answers the stored verdict).
    """
    if not header:
        raise SignatureError("missing", f"the {CORAL_SIGNATURE_HEADER} header is missing")
    if len(header) > MAX_HEADER_LENGTH:
        raise SignatureError("malformed", f"the {CORAL_SIGNATURE_HEADER} header is too long")
    offered = []
    for part in header.split(","):
        scheme, sep, value = part.strip().partition("=")
        if sep and scheme.lower() == "sha256":
            offered.append(value.lower())
    if not offered:
        raise SignatureError("malformed", f"the {CORAL_SIGNATURE_HEADER} header has no sha256= value")
    if len(offered) > MAX_SIGNATURES:
        raise SignatureError("malformed", f"at most {MAX_SIGNATURES} sha256= values are accepted")
    if not secrets or not _any_match([_hmac_hex(s, body) for s in secrets], offered):
        raise SignatureError("mismatch", "no signature matches this body with an active secret")
