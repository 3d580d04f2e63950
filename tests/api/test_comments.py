"""POST /v1/comments: verdicts in the contract's shape, idempotency, authentication and roles."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from service.moderation.types import CATEGORIES
from tests.conftest import bearer

COMMENT = {
    "id": "c-1029",
    "text": "I think the council is wrong about the bus lanes.",
    "author": {
        "id": "u-77",
        "name": "Jim",
        "email": "jim@example.org",
        "ip": "203.0.113.9",
        "user_agent": "x",
    },
    "thread": {"id": "a-55", "url": "https://news.example/a-55", "title": "Bus lanes"},
    "parent_id": "c-1001",
    "created_at": "2026-11-25T10:00:00Z",
}


def post(client: Any, key: str, body: Any, **kwargs: Any) -> Any:
    return client.post("/v1/comments", json=body, headers=bearer(key), **kwargs)


def test_new_comment_gets_a_verdict_in_the_contract_shape(client: Any, site: dict[str, str]) -> None:
    response = post(client, site["ingest"], COMMENT)
    assert response.status_code == 201
    body = response.get_json()
    assert body["id"] == "c-1029"
    assert body["site"] == "demo"
    assert body["decision"] == "approve"
    assert body["status"] == "approved"
    assert set(body["scores"]) == set(CATEGORIES)
    assert all(0.0 <= v <= 1.0 for v in body["scores"].values())
    assert body["reasons"] == []
    assert body["model_version"] == "keyword-test-1"
    assert body["policy_version"] == "demo@1"
    assert body["created"] is True


def test_insult_is_rejected_with_spans_into_the_original_text(client: Any, site: dict[str, str]) -> None:
    text = "Only an ＩＤＩＯＴ would write this"
    response = post(client, site["ingest"], {"id": "c-2", "text": text})
    body = response.get_json()
    assert response.status_code == 201
    assert body["decision"] == "reject"
    assert body["status"] == "rejected"
    insult = next(r for r in body["reasons"] if r["code"] == "model.insult")
    assert insult["source"] == "model"
    span = insult["spans"][0]
    assert text[span["start"] : span["end"]] == "ＩＤＩＯＴ"


def test_held_comment_is_pending(client: Any, site: dict[str, str]) -> None:
    body = post(client, site["ingest"], {"id": "c-3", "text": "you moron"}).get_json()
    assert body["decision"] == "review"
    assert body["status"] == "pending"


def test_resending_the_same_id_returns_the_stored_verdict(
    client: Any, site: dict[str, str], service: Any
) -> None:
    first = post(client, site["ingest"], COMMENT)
    again = post(client, site["ingest"], {**COMMENT, "text": "a different text this time, idiot"})
    assert first.status_code == 201
    assert again.status_code == 200
    body = again.get_json()
    assert body["created"] is False
    assert body["decision"] == first.get_json()["decision"]
    assert service.get("demo", "c-1029")["text"] == COMMENT["text"]


def test_concurrent_duplicates_store_exactly_one_row(app: Any, site: dict[str, str], service: Any) -> None:
    statuses: list[int] = []

    def send() -> None:
        with app.test_client() as client:
            statuses.append(post(client, site["ingest"], {"id": "race", "text": "you moron"}).status_code)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 7 + [201]
    page = service.queue("demo", category=None, order="oldest", limit=50, cursor=None)
    assert [item["id"] for item in page["items"]] == ["race"]


def test_same_id_on_two_sites_is_two_comments(client: Any, site: dict[str, str], service: Any) -> None:
    service.accounts.create_site("other")
    other_key = service.accounts.create_key("other", "ingest")
    assert post(client, site["ingest"], COMMENT).status_code == 201
    assert post(client, other_key, COMMENT).status_code == 201


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer mk_unknown", "Basic abc"])
def test_missing_or_unknown_key_is_401(client: Any, site: dict[str, str], header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.post("/v1/comments", json=COMMENT, headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_unauthenticated_bad_body_is_401_not_422(client: Any, site: dict[str, str]) -> None:
    assert client.post("/v1/comments", json={"nope": 1}).status_code == 401


def test_revoked_key_is_401(client: Any, site: dict[str, str], service: Any) -> None:
    service.accounts.revoke_key(site["ingest"][:10])
    assert post(client, site["ingest"], COMMENT).status_code == 401


def test_roles_nest(client: Any, site: dict[str, str]) -> None:
    # admin and moderator keys may ingest; an ingest key may not read the queue.
    assert post(client, site["admin"], {**COMMENT, "id": "a"}).status_code == 201
    assert post(client, site["moderator"], {**COMMENT, "id": "b"}).status_code == 201
    response = client.get("/v1/queue", headers=bearer(site["ingest"]))
    assert response.status_code == 403
    assert "moderator" in response.get_json()["detail"]


def test_keys_only_see_their_own_site(client: Any, site: dict[str, str], service: Any) -> None:
    service.accounts.create_site("other")
    other_moderator = service.accounts.create_key("other", "moderator")
    assert post(client, site["ingest"], {"id": "mine", "text": "you moron"}).status_code == 201
    assert client.get("/v1/comments/mine", headers=bearer(other_moderator)).status_code == 404
    assert client.get("/v1/queue?site=demo", headers=bearer(other_moderator)).status_code == 403
    assert client.get("/v1/queue", headers=bearer(other_moderator)).get_json()["items"] == []


def test_keys_are_stored_only_as_hashes(service: Any, site: dict[str, str]) -> None:
    from sqlalchemy import select

    from service.store.tables import ApiKey

    with service.db.read() as session:
        hashes = session.scalars(select(ApiKey.key_hash)).all()
    assert site["ingest"] not in hashes
    assert all(len(h) == 64 for h in hashes)


def test_model_outage_holds_for_review(client: Any, site: dict[str, str], service: Any) -> None:
    service.scorer = None
    body = post(client, site["ingest"], {"id": "m", "text": "a perfectly nice comment"}).get_json()
    assert body["decision"] == "review"
    assert body["status"] == "pending"
    assert body["model_version"] == "unavailable"
    assert [r["code"] for r in body["reasons"]] == ["policy.model_unavailable"]
