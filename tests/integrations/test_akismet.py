"""Akismet 1.1 endpoints driven by the real `akismet` client library through an httpx transport."""

from __future__ import annotations

from typing import Any

import akismet
import httpx
import pytest
from sqlalchemy import func, select

from service.store.tables import CommentRow, Label

BLOG = "https://blog.example"


def client_for(app: Any, key: str) -> akismet.SyncClient:
    """The real SyncClient; its hard-coded rest.akismet.com URL is routed into our app by the transport."""
    http = httpx.Client(transport=httpx.WSGITransport(app=app), headers={"User-Agent": akismet.USER_AGENT})
    return akismet.SyncClient(config=akismet.Config(key=key, url=BLOG), http_client=http)


def stored(service: Any) -> int:
    with service.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(CommentRow)) or 0)


COMMENT = {
    "comment_type": "comment",
    "comment_author": "Jim",
    "comment_author_email": "jim@example.org",
    "comment_content": "I think the council is wrong about the bus lanes.",
    "permalink": f"{BLOG}/2026/bus-lanes",
    "user_agent": "Mozilla/5.0",
    "referrer": f"{BLOG}/",
    "blog_lang": "en",
    "blog_charset": "UTF-8",
    "comment_date_gmt": "2026-11-25T10:00:00Z",
}


def test_verify_key(app: Any, site: dict[str, str]) -> None:
    assert client_for(app, site["ingest"]).verify_key() is True
    assert client_for(app, "mk_not-a-key").verify_key() is False
    with pytest.raises(akismet.APIKeyError):
        akismet.SyncClient.validated_client(
            config=akismet.Config(key="mk_nope", url=BLOG),
            http_client=httpx.Client(transport=httpx.WSGITransport(app=app)),
        )
    with client_for(app, site["admin"]) as checked:  # the context manager verifies the key on entry
        assert checked.verify_key()


def test_ham_is_false_and_stored_once(app: Any, site: dict[str, str], service: Any) -> None:
    client = client_for(app, site["ingest"])
    assert client.comment_check("203.0.113.9", **COMMENT) == akismet.CheckResponse.HAM
    # a re-check of the same comment answers the stored verdict and stores nothing new
    assert client.comment_check("203.0.113.9", recheck_reason="edit", **COMMENT) == akismet.CheckResponse.HAM
    assert stored(service) == 1
    with service.db.read() as session:
        row = session.scalars(select(CommentRow)).one()
    assert row.source == "akismet"
    assert row.author_email == "jim@example.org"
    assert row.author_ip == "203.0.113.9"
    assert row.thread_url == f"{BLOG}/2026/bus-lanes"
    assert row.text == COMMENT["comment_content"]


def test_blatant_spam_is_discard(app: Any, site: dict[str, str]) -> None:
    client = client_for(app, site["ingest"])
    spam = {**COMMENT, "comment_content": "buy cheap watches now"}
    assert client.comment_check("198.51.100.7", **spam) == akismet.CheckResponse.DISCARD


def test_rejected_or_held_comments_are_spam_without_discard(app: Any, site: dict[str, str]) -> None:
    client = client_for(app, site["ingest"])
    assert (
        client.comment_check("198.51.100.7", **{**COMMENT, "comment_content": "only an idiot"})
        == akismet.CheckResponse.SPAM
    )
    held = {**COMMENT, "comment_content": "you moron", "comment_date_gmt": "2026-11-25T10:01:00Z"}
    assert client.comment_check("198.51.100.7", **held) == akismet.CheckResponse.SPAM


def test_is_test_stores_nothing(app: Any, site: dict[str, str], service: Any) -> None:
    client = client_for(app, site["ingest"])
    assert client.comment_check(
        "198.51.100.7", is_test=True, **{**COMMENT, "comment_content": "buy now"}
    ) == (akismet.CheckResponse.DISCARD)
    assert client.comment_check("198.51.100.7", is_test=True, **COMMENT) == akismet.CheckResponse.HAM
    assert stored(service) == 0


def test_honeypot_is_discarded_unstored(app: Any, site: dict[str, str], service: Any) -> None:
    transport = httpx.WSGITransport(app=app)
    with httpx.Client(transport=transport, base_url="http://testserver") as http:
        response = http.post(
            "/1.1/comment-check",
            data={
                "api_key": site["ingest"],
                "blog": BLOG,
                "user_ip": "198.51.100.7",
                "comment_content": "hello",
                "honeypot_field_name": "hidden_url",
                "hidden_url": "http://spam.example",
            },
        )
    assert response.text == "true"
    assert response.headers["X-akismet-pro-tip"] == "discard"
    assert stored(service) == 0


def test_submit_spam_and_ham_become_labels(app: Any, site: dict[str, str], service: Any) -> None:
    client = client_for(app, site["ingest"])
    assert client.submit_spam("198.51.100.7", **{**COMMENT, "comment_content": "cheap pills here"}) is True
    assert client.submit_ham("203.0.113.9", **COMMENT) is True
    assert client.submit_ham("203.0.113.9", is_test=True, **COMMENT) is True
    labels = service.export_labels("demo")
    assert [(row["label"], row["categories"], row["source"]) for row in labels] == [
        ("reject", ["spam"], "akismet"),
        ("approve", [], "akismet"),
    ]
    with service.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Label)) == 2


def test_bad_key_on_comment_check_raises_in_the_client(app: Any, site: dict[str, str]) -> None:
    with pytest.raises(akismet.APIKeyError):
        client_for(app, "mk_wrong").comment_check("203.0.113.9", **COMMENT)


def test_errors_look_like_akismet(app: Any, site: dict[str, str]) -> None:
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://testserver") as http:
        missing = http.post("/1.1/comment-check", data={"api_key": site["ingest"], "blog": BLOG})
        invalid = http.post(
            "/1.1/comment-check", data={"api_key": "nope", "blog": BLOG, "user_ip": "1.2.3.4"}
        )
        nul = http.post(
            "/1.1/comment-check", data={"api_key": site["ingest"], "blog": BLOG, "user_ip": "1\x00"}
        )
        wrong_method = http.get("/1.1/comment-check")
    assert (missing.status_code, missing.text) == (200, "Missing required field: user_ip.")
    assert missing.headers["X-akismet-debug-help"]
    assert (invalid.status_code, invalid.text) == (200, "invalid")
    assert invalid.headers["X-akismet-debug-help"]
    assert nul.headers["X-akismet-debug-help"]
    assert wrong_method.status_code == 405


def test_documented_fixed_answers_store_nothing(app: Any, site: dict[str, str], service: Any) -> None:
    client = client_for(app, site["ingest"])
    spam_author = {**COMMENT, "comment_author": "viagra-test-123"}
    assert client.comment_check("203.0.113.9", **spam_author) == akismet.CheckResponse.SPAM
    spam_email = {**COMMENT, "comment_author_email": "akismet-guaranteed-spam@example.com"}
    assert client.comment_check("203.0.113.9", **spam_email) == akismet.CheckResponse.SPAM
    admin = {**COMMENT, "comment_content": "buy now, you idiot", "user_role": "administrator"}
    assert client.comment_check("203.0.113.9", **admin) == akismet.CheckResponse.HAM
    assert stored(service) == 0


def test_real_http_round_trip_against_a_live_server(live_server: str, site: dict[str, str]) -> None:
    """The client over a real socket: its requests to rest.akismet.com are re-addressed to our server."""
    target = httpx.URL(live_server)

    def readdress(request: httpx.Request) -> None:
        request.url = request.url.copy_with(scheme=target.scheme, host=target.host, port=target.port)
        request.headers["Host"] = f"{target.host}:{target.port}"

    http = httpx.Client(event_hooks={"request": [readdress]}, headers={"User-Agent": akismet.USER_AGENT})
    with akismet.SyncClient(config=akismet.Config(key=site["ingest"], url=BLOG), http_client=http) as client:
        assert client.comment_check("203.0.113.9", **COMMENT) == akismet.CheckResponse.HAM
        assert client.comment_check("203.0.113.9", **{**COMMENT, "comment_content": "buy it"}) == (
            akismet.CheckResponse.DISCARD
        )
        assert client.submit_spam("203.0.113.9", **{**COMMENT, "comment_content": "buy it"}) is True
