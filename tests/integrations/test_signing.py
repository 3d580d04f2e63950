"""The signing recipe shared by webhooks in, callbacks out and Coral."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from service.signing import (
    SignatureError,
    compute_signature,
    coral_signature,
    parse_signature_header,
    sign,
    verify,
    verify_coral,
)

BODY = b'{"id":"c-1","text":"hello"}'
NOW = 1_764_000_000


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(b"whsec_a", f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert compute_signature("whsec_a", NOW, BODY) == expected
    assert sign(["whsec_a"], BODY, NOW) == f"t={NOW},v1={expected}"


def test_round_trip_and_rotation() -> None:
    header = sign(["whsec_new", "whsec_old"], BODY, NOW)
    assert verify(header, BODY, ["whsec_new"], tolerance=300, now=NOW) == NOW
    assert verify(header, BODY, ["whsec_old"], tolerance=300, now=NOW) == NOW
    # a sender still on the old secret is accepted while both are active
    assert verify(sign(["whsec_old"], BODY, NOW), BODY, ["whsec_new", "whsec_old"], tolerance=300, now=NOW)


@pytest.mark.parametrize("offset", [-301, 301, 10_000])
def test_timestamps_outside_the_window_are_refused_both_ways(offset: int) -> None:
    header = sign(["s"], BODY, NOW + offset)
    with pytest.raises(SignatureError) as caught:
        verify(header, BODY, ["s"], tolerance=300, now=NOW)
    assert caught.value.reason == "expired"


@pytest.mark.parametrize("offset", [-300, 0, 300])
def test_timestamps_inside_the_window_pass(offset: int) -> None:
    assert verify(sign(["s"], BODY, NOW + offset), BODY, ["s"], tolerance=300, now=NOW)


def test_tampered_body_wrong_secret_and_no_secrets_are_refused() -> None:
    header = sign(["s"], BODY, NOW)
    for body, secrets in ((BODY + b" ", ["s"]), (BODY, ["other"]), (BODY, [])):
        with pytest.raises(SignatureError) as caught:
            verify(header, body, secrets, tolerance=300, now=NOW)
        assert caught.value.reason == "mismatch"


@pytest.mark.parametrize(
    "header", [None, "", "v1=abc", "t=abc,v1=def", "t=1,t=2,v1=abc", "garbage", "t=1", "t=１２,v1=aa"]
)
def test_malformed_headers_are_refused(header: str | None) -> None:
    with pytest.raises(SignatureError) as caught:
        verify(header, BODY, ["s"], tolerance=300, now=NOW)
    assert caught.value.reason in {"missing", "malformed"}


def test_unknown_schemes_are_ignored() -> None:
    header = sign(["s"], BODY, NOW) + ",v0=deadbeef"
    timestamp, values = parse_signature_header(header)
    assert timestamp == NOW
    assert len(values) == 1


def test_coral_signature_round_trip_and_rotation() -> None:
    expected = hmac.new(b"coral", BODY, hashlib.sha256).hexdigest()
    assert coral_signature(["coral"], BODY) == f"sha256={expected}"
    verify_coral(f"sha256={expected}", BODY, ["coral"])
    verify_coral(coral_signature(["new", "old"], BODY), BODY, ["old"])
    with pytest.raises(SignatureError):
        verify_coral(f"sha256={expected}", BODY + b"x", ["coral"])
    with pytest.raises(SignatureError):
        verify_coral("sha1=abc", BODY, ["coral"])
    with pytest.raises(SignatureError):
        verify_coral(None, BODY, ["coral"])
