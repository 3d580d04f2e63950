"""Coral Talk external moderation phase: Coral's signed request in, Coral's response shape out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from service.compat.coral import plain_text
from service.signing import coral_signature
from service.store.tables import CommentRow


def coral_request(body: str, action: str = "NEW", **comment: Any) -> dict[str, Any]:
    return {
        "tenant": {"id": "tenant-1", "domain": "news.example"},
        "action": action,
        "comment": {"body": body, "parentID": None, **comment},
        "author": {"id": "user-9", "role": "COMMENTER"},
        "story": {"id": "story-3", "url": "https://news.example/story-3"},
        "site": {"id": "site-1"},
    }


def send(client: Any, payload: Any, secrets: list[str], site: str = "demo", header: str | None = None) -> Any:
    raw = json.dumps(payload, indent=2).encode()  # Coral pretty-prints the body it signs
    signature = header if header is not None else coral_signature(secrets, raw)
    return client.post(
        f"/v1/integrations/coral/{site}",
        data=raw,
        headers={"Content-Type": "application/json", "X-Coral-Signature": signature},
    )


def stored(service: Any) -> int:
    with service.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(CommentRow)) or 0)


def test_approved_comment_gets_204_no_opinion(client: Any, site: dict[str, str], service: Any) -> None:
    response = send(client, coral_request("Thanks, a thoughtful piece."), [site["secret"]])
    assert response.status_code == 204
    assert response.data == b""
    with service.db.read() as session:
        row = session.scalars(select(CommentRow)).one()
    assert (row.source, row.author_id, row.thread_id, row.thread_url) == (
        "coral",
        "user-9",
        "story-3",
        "https://news.example/story-3",
    )


def test_rejected_comment_is_flagged_toxic(client: Any, site: dict[str, str]) -> None:
    response = send(client, coral_request("only an idiot writes this"), [site["secret"]])
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "REJECTED"
    assert {"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}.items() <= body["actions"][0].items()
    assert body["metadata"]["moderation"]["decision"] == "reject"


def test_held_comment_is_system_withheld(client: Any, site: dict[str, str]) -> None:
    body = send(client, coral_request("you moron"), [site["secret"]]).get_json()
    assert body["status"] == "SYSTEM_WITHHELD"
    assert [a["reason"] for a in body["actions"]] == ["COMMENT_DETECTED_TOXIC"]


def test_spam_is_flagged_spam(client: Any, site: dict[str, str]) -> None:
    body = send(client, coral_request("buy cheap pills"), [site["secret"]]).get_json()
    assert body["status"] == "REJECTED"
    assert "COMMENT_DETECTED_SPAM" in [a["reason"] for a in body["actions"]]


def test_retries_are_idempotent_and_edits_are_moderated_again(
    client: Any, site: dict[str, str], service: Any
) -> None:
    first = send(client, coral_request("you moron"), [site["secret"]])
    again = send(client, coral_request("you moron"), [site["secret"]])
    assert first.get_json() == again.get_json()
    assert stored(service) == 1
    edited = send(client, coral_request("you make a fair point", action="EDIT"), [site["secret"]])
    assert edited.status_code == 204
    assert stored(service) == 2
    with_id = send(client, coral_request("hello", id="abc123"), [site["secret"]])
    assert with_id.status_code == 204
    service.get("demo", "coral-abc123")
    edited_with_id = send(client, coral_request("hello, idiot", action="EDIT", id="abc123"), [site["secret"]])
    assert edited_with_id.get_json()["status"] == "REJECTED"


def test_rotation_accepts_comma_separated_signatures(client: Any, site: dict[str, str], service: Any) -> None:
    coral_secret = "coral_phase_secret_0123456789abcdef"
    service.accounts.rotate_secret("demo", grace_seconds=3600, new_secret=coral_secret)
    assert send(client, coral_request("one"), [coral_secret, "unknown_old"]).status_code == 204
    assert send(client, coral_request("two"), ["unknown_new", site["secret"]]).status_code == 204
    service.accounts.rotate_secret("demo", grace_seconds=0, new_secret="coral_newest_secret_0123456789")
    assert send(client, coral_request("three"), [site["secret"]]).status_code == 401


@pytest.mark.parametrize("header", ["", "sha256=00", "sha1=abc", "garbage"])
def test_bad_signatures_are_401_and_store_nothing(
    client: Any, site: dict[str, str], service: Any, header: str
) -> None:
    response = send(client, coral_request("you moron"), [site["secret"]], header=header)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert stored(service) == 0


def test_unknown_site_is_401(client: Any, site: dict[str, str]) -> None:
    assert send(client, coral_request("hi"), [site["secret"]], site="nope").status_code == 401


def test_signed_but_malformed_request_is_422(client: Any, site: dict[str, str], service: Any) -> None:
    response = send(client, {"action": "DELETE", "comment": {}}, [site["secret"]])
    assert response.status_code == 422
    assert stored(service) == 0


def test_html_bodies_are_read_as_text() -> None:
    assert plain_text("<p>Hello &amp; welcome</p><p>second</p>") == "Hello & welcome\n\nsecond"
    assert plain_text("plain 3 < 4") == "plain 3 < 4"


def test_coral_secret_is_adopted_with_the_cli(client: Any, site: dict[str, str], database_url: str) -> None:
    from click.testing import CliRunner

    from service.cli import main

    coral_secret = "coral-generated-signing-secret-42"
    result = CliRunner().invoke(
        main,
        ["sites", "set-secret", "demo"],
        input=coral_secret + "\n",
        env={"MODERATION_DATABASE_URL": database_url},
    )
    assert result.exit_code == 0, result.output
    assert coral_secret not in result.output
    assert send(client, coral_request("hello"), [coral_secret]).status_code == 204
