"""Signed webhooks in (POST /v1/webhooks/{site}) and the verdict/decision callbacks they lead to."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from service.delivery.worker import Deliverer, DeliverySettings, start_in_process
from service.signing import SIGNATURE_HEADER, sign, verify
from service.store.tables import CommentRow, OutboxEvent
from tests.conftest import bearer
from tests.integrations.conftest import Receiver

COMMENT = {"id": "w-1", "text": "A calm and reasonable remark.", "author": {"id": "u-1"}}


def signed_post(
    client: Any, site: str, body: Any, secrets: list[str], *, at: int | None = None, raw: bytes | None = None
) -> Any:
    data = raw if raw is not None else json.dumps(body).encode()
    header = sign(secrets, data, at)
    return client.post(
        f"/v1/webhooks/{site}",
        data=data,
        headers={SIGNATURE_HEADER: header, "Content-Type": "application/json"},
    )


def rejections(reason: str) -> float:
    return (
        REGISTRY.get_sample_value(
            "moderation_signature_rejections_total", {"surface": "webhook", "reason": reason}
        )
        or 0.0
    )


def counts(service: Any) -> tuple[int, int]:
    with service.db.read() as session:
        comments = session.scalar(select(func.count()).select_from(CommentRow)) or 0
        events = session.scalar(select(func.count()).select_from(OutboxEvent)) or 0
    return int(comments), int(events)


def test_signed_webhook_is_moderated_and_stored(client: Any, site: dict[str, str], service: Any) -> None:
    response = signed_post(client, "demo", COMMENT, [site["secret"]])
    assert response.status_code == 202
    body = response.get_json()
    assert body["id"] == "w-1"
    assert body["decision"] == "approve"
    assert body["created"] is True
    with service.db.read() as session:
        assert session.scalars(select(CommentRow.source)).one() == "webhook"


def test_repeated_delivery_answers_the_stored_verdict(client: Any, service: Any, receiver: Receiver) -> None:
    _, secret = service.accounts.create_site("hooked", callback_url=receiver.url)
    first = signed_post(client, "hooked", COMMENT, [secret])
    again = signed_post(client, "hooked", {**COMMENT, "text": "you idiot"}, [secret])
    assert first.status_code == again.status_code == 202
    assert again.get_json()["created"] is False
    assert again.get_json()["decision"] == first.get_json()["decision"]
    assert counts(service) == (1, 1)  # one comment, one callback event


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("missing", "missing"),
        ("wrong_secret", "mismatch"),
        ("expired", "expired"),
        ("future", "expired"),
        ("tampered", "mismatch"),
        ("garbage", "malformed"),
        ("unknown_site", "unknown_site"),
    ],
)
def test_bad_signatures_are_401_and_change_nothing(
    client: Any, site: dict[str, str], service: Any, case: str, reason: str
) -> None:
    data = json.dumps(COMMENT).encode()
    now = int(time.time())
    headers = {"Content-Type": "application/json"}
    path = "/v1/webhooks/demo"
    if case == "wrong_secret":
        headers[SIGNATURE_HEADER] = sign(["whsec_wrong"], data)
    elif case == "expired":
        headers[SIGNATURE_HEADER] = sign([site["secret"]], data, now - 301)
    elif case == "future":
        headers[SIGNATURE_HEADER] = sign([site["secret"]], data, now + 400)
    elif case == "tampered":
        headers[SIGNATURE_HEADER] = sign([site["secret"]], data)
        data = data.replace(b"calm", b"rude")
    elif case == "garbage":
        headers[SIGNATURE_HEADER] = "sha256=abc"
    elif case == "unknown_site":
        headers[SIGNATURE_HEADER] = sign([site["secret"]], data)
        path = "/v1/webhooks/nosuchsite"
    before = rejections(reason)
    response = client.post(path, data=data, headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 401
    assert rejections(reason) == before + 1
    assert counts(service) == (0, 0)


def test_signature_is_checked_before_the_body_is_parsed(client: Any, site: dict[str, str]) -> None:
    response = client.post(
        "/v1/webhooks/demo",
        data=b"{not json",
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: "t=1,v1=00"},
    )
    assert response.status_code == 401
    # correctly signed but invalid: now the body is judged
    assert signed_post(client, "demo", None, [site["secret"]], raw=b"{not json").status_code == 400
    assert signed_post(client, "demo", {"text": "no id"}, [site["secret"]]).status_code == 422


def test_rotation_accepts_old_and_new_until_the_old_expires(
    client: Any, site: dict[str, str], service: Any
) -> None:
    new = service.accounts.rotate_secret("demo", grace_seconds=3600)
    assert signed_post(client, "demo", {**COMMENT, "id": "a"}, [site["secret"]]).status_code == 202
    assert signed_post(client, "demo", {**COMMENT, "id": "b"}, [new]).status_code == 202
    assert signed_post(client, "demo", {**COMMENT, "id": "c"}, [new, site["secret"]]).status_code == 202
    newest = service.accounts.rotate_secret("demo", grace_seconds=0)
    assert signed_post(client, "demo", {**COMMENT, "id": "d"}, [site["secret"]]).status_code == 401
    assert signed_post(client, "demo", {**COMMENT, "id": "e"}, [newest]).status_code == 202


def test_verdicts_and_decisions_are_called_back_signed(client: Any, service: Any, receiver: Receiver) -> None:
    _, secret = service.accounts.create_site("hooked", callback_url=receiver.url)
    moderator = service.accounts.create_key("hooked", "moderator")
    assert signed_post(client, "hooked", {"id": "h-1", "text": "you moron"}, [secret]).status_code == 202
    decided = client.post(
        "/v1/comments/h-1/decision", json={"action": "approve", "moderator": "ann"}, headers=bearer(moderator)
    )
    assert decided.status_code == 200
    Deliverer(service.db, DeliverySettings(timeout=2.0)).run_once()
    events = [r.json for r in receiver.acknowledged()]
    assert [e["type"] for e in events] == ["comment.moderated", "comment.decided"]
    assert events[0]["comment"]["decision"] == "review"
    assert events[0]["comment"]["status"] == "pending"
    assert events[1]["comment"]["status"] == "approved"
    assert all(e["site"] == "hooked" for e in events)
    for request in receiver.acknowledged():
        verify(request.headers[SIGNATURE_HEADER], request.body, [secret], tolerance=300)


def test_in_process_delivery_never_slows_ingest(app: Any, service: Any, receiver: Receiver) -> None:
    _, _ = service.accounts.create_site("hooked", callback_url=receiver.url)
    key = service.accounts.create_key("hooked", "ingest")
    receiver.fail_next = 3
    receiver.delay = 1.0  # a slow receiver: each callback takes a second
    app.config.update(
        DELIVER_IN_PROCESS=True, OUTBOX_BACKOFF_BASE=0.01, OUTBOX_BACKOFF_MAX=0.05, OUTBOX_POLL_INTERVAL=0.02
    )
    handle = start_in_process(app)
    assert handle is not None
    try:
        client = app.test_client()
        for n in range(5):
            started = time.monotonic()
            response = client.post(
                "/v1/comments", json={"id": f"n-{n}", "text": "hello there"}, headers=bearer(key)
            )
            assert response.status_code == 201
            assert time.monotonic() - started < 0.8  # never waits for the (slow) receiver
        deadline = time.monotonic() + 20
        while len(receiver.acknowledged()) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        handle.stop(timeout=10)
    assert sorted(r.json["comment"]["id"] for r in receiver.acknowledged()) == [f"n-{n}" for n in range(5)]
