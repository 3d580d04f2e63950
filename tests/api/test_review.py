"""The review queue, moderator decisions, history, audit log and labels, on both backends."""

from __future__ import annotations

import threading
from typing import Any

from tests.conftest import bearer


def ingest(client: Any, site: dict[str, str], comment_id: str, text: str) -> dict[str, Any]:
    response = client.post(
        "/v1/comments", json={"id": comment_id, "text": text}, headers=bearer(site["ingest"])
    )
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def queue(client: Any, site: dict[str, str], query: str = "") -> dict[str, Any]:
    response = client.get(f"/v1/queue{query}", headers=bearer(site["moderator"]))
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def test_only_held_comments_are_queued_with_their_verdict(client: Any, site: dict[str, str]) -> None:
    ingest(client, site, "ok", "A fine article, thanks")
    ingest(client, site, "held", "what a moron")
    ingest(client, site, "gone", "idiot")
    page = queue(client, site)
    assert [item["id"] for item in page["items"]] == ["held"]
    item = page["items"][0]
    assert item["status"] == "pending"
    assert item["decision"] == "review"
    assert item["text"] == "what a moron"
    assert item["scores"]["insult"] == 0.7
    assert page["next_cursor"] is None


def test_cursor_pages_cover_the_queue_once_in_order(client: Any, site: dict[str, str]) -> None:
    for n in range(7):
        ingest(client, site, f"c{n}", f"moron number {n}")
    seen: list[str] = []
    cursor = ""
    while True:
        page = queue(client, site, f"?limit=3{cursor}")
        seen += [item["id"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == [f"c{n}" for n in range(7)]


def test_score_order_puts_the_worst_first(client: Any, site: dict[str, str], service: Any) -> None:
    ingest(client, site, "mild", "a moron")  # insult 0.7
    ingest(client, site, "hateful", "I hate it")  # toxicity 0.6
    bars = {"review": 0.5, "reject": 0.99}
    service.update_policy("demo", {"thresholds": {"insult": bars, "toxicity": bars}}, actor="t")
    ingest(client, site, "worse", "idiot")  # insult 0.97, held under the new policy
    seen: list[str] = []
    cursor = ""
    while True:
        page = queue(client, site, f"?order=score&limit=1{cursor}")
        seen += [item["id"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == ["worse", "mild", "hateful"]


def test_category_filter(client: Any, site: dict[str, str]) -> None:
    ingest(client, site, "insult", "a moron")
    ingest(client, site, "toxic", "I hate it")
    assert [i["id"] for i in queue(client, site, "?category=toxicity")["items"]] == ["insult", "toxic"]
    assert [i["id"] for i in queue(client, site, "?category=insult")["items"]] == ["insult"]
    assert queue(client, site, "?category=spam")["items"] == []


def test_bad_queue_parameters_are_422(client: Any, site: dict[str, str]) -> None:
    for query in ("?order=newest", "?limit=0", "?limit=1000", "?category=rudeness", "?cursor=%%%"):
        response = client.get(f"/v1/queue{query}", headers=bearer(site["moderator"]))
        assert response.status_code == 422, query
        assert response.mimetype == "application/problem+json"


def test_decision_updates_status_history_audit_and_labels(
    client: Any, site: dict[str, str], service: Any
) -> None:
    ingest(client, site, "held", "what a moron")
    response = client.post(
        "/v1/comments/held/decision",
        json={"action": "reject", "moderator": "ana", "reason": "insult", "note": "aimed at another reader"},
        headers=bearer(site["moderator"]),
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "rejected"
    assert body["decision"] == "review"  # what the service decided stays on record
    assert [(h["action"], h["moderator"], h["previous_status"]) for h in body["history"]] == [
        ("reject", "ana", "pending")
    ]
    assert queue(client, site)["items"] == []
    detail = client.get("/v1/comments/held", headers=bearer(site["moderator"])).get_json()
    assert detail["status"] == "rejected"
    assert detail["history"][0]["note"] == "aimed at another reader"
    audit = client.get("/v1/audit", headers=bearer(site["moderator"])).get_json()
    assert audit["items"][0]["action"] == "comment.rejected"
    assert audit["items"][0]["actor"] == "ana"
    assert audit["items"][0]["target"] == "held"
    labels = service.export_labels("demo")
    assert labels == [
        {
            "site": "demo",
            "text": "what a moron",
            "label": "reject",
            "categories": ["insult", "toxicity"],
            "source": "moderator",
            "at": labels[0]["at"],
        }
    ]


def test_second_decision_needs_override(client: Any, site: dict[str, str]) -> None:
    ingest(client, site, "held", "what a moron")
    decide = {"action": "approve", "moderator": "ana"}
    assert (
        client.post("/v1/comments/held/decision", json=decide, headers=bearer(site["moderator"])).status_code
        == 200
    )
    again = client.post(
        "/v1/comments/held/decision", json={**decide, "action": "reject"}, headers=bearer(site["moderator"])
    )
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"
    forced = client.post(
        "/v1/comments/held/decision",
        json={**decide, "action": "reject", "override": True},
        headers=bearer(site["moderator"]),
    )
    assert forced.status_code == 200
    assert forced.get_json()["status"] == "rejected"
    assert [h["previous_status"] for h in forced.get_json()["history"]] == ["pending", "approved"]


def test_concurrent_decisions_have_exactly_one_winner(app: Any, site: dict[str, str], service: Any) -> None:
    with app.test_client() as client:
        ingest(client, site, "held", "what a moron")
    statuses: list[int] = []

    def decide(action: str) -> None:
        with app.test_client() as client:
            response = client.post(
                "/v1/comments/held/decision",
                json={"action": action, "moderator": f"m-{action}"},
                headers=bearer(site["moderator"]),
            )
            statuses.append(response.status_code)

    threads = [threading.Thread(target=decide, args=("approve" if n % 2 else "reject",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 5
    assert len(service.get("demo", "held")["history"]) == 1


def test_decision_on_unknown_comment_is_404(client: Any, site: dict[str, str]) -> None:
    response = client.post(
        "/v1/comments/nope/decision",
        json={"action": "approve", "moderator": "ana"},
        headers=bearer(site["moderator"]),
    )
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_decision_body_is_validated(client: Any, site: dict[str, str]) -> None:
    ingest(client, site, "held", "what a moron")
    response = client.post(
        "/v1/comments/held/decision", json={"action": "delete"}, headers=bearer(site["moderator"])
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"action", "moderator"}


def test_audit_pages_newest_first(client: Any, site: dict[str, str]) -> None:
    for n in range(3):
        ingest(client, site, f"h{n}", f"moron {n}")
        client.post(
            f"/v1/comments/h{n}/decision",
            json={"action": "approve", "moderator": "ana"},
            headers=bearer(site["moderator"]),
        )
    first = client.get("/v1/audit?limit=2", headers=bearer(site["moderator"])).get_json()
    assert [e["target"] for e in first["items"]] == ["h2", "h1"]
    rest = client.get(
        f"/v1/audit?limit=2&cursor={first['next_cursor']}", headers=bearer(site["moderator"])
    ).get_json()
    assert [e["target"] for e in rest["items"]][:1] == ["h0"]


def test_concurrent_claims_never_overlap(app: Any, site: dict[str, str]) -> None:
    with app.test_client() as client:
        for n in range(12):
            ingest(client, site, f"c{n}", f"moron {n}")
    claimed: dict[str, list[str]] = {}

    def claim(moderator: str) -> None:
        with app.test_client() as client:
            response = client.post(
                "/v1/queue/claim",
                json={"moderator": moderator, "limit": 3},
                headers=bearer(site["moderator"]),
            )
            assert response.status_code == 200
            claimed[moderator] = [item["id"] for item in response.get_json()["items"]]

    threads = [threading.Thread(target=claim, args=(f"m{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [cid for ids in claimed.values() for cid in ids]
    assert sorted(everything) == sorted(f"c{n}" for n in range(12))


def test_a_claimed_comment_is_decided_by_its_claimer(client: Any, site: dict[str, str]) -> None:
    ingest(client, site, "held", "what a moron")
    items = client.post(
        "/v1/queue/claim", json={"moderator": "ana"}, headers=bearer(site["moderator"])
    ).get_json()
    assert [(i["id"], i["claimed_by"]) for i in items["items"]] == [("held", "ana")]
    again = client.post("/v1/queue/claim", json={"moderator": "bob"}, headers=bearer(site["moderator"]))
    assert again.get_json()["items"] == []
    by_bob = client.post(
        "/v1/comments/held/decision",
        json={"action": "approve", "moderator": "bob"},
        headers=bearer(site["moderator"]),
    )
    assert by_bob.status_code == 409
    assert "claimed by ana" in by_bob.get_json()["detail"]
    by_ana = client.post(
        "/v1/comments/held/decision",
        json={"action": "approve", "moderator": "ana"},
        headers=bearer(site["moderator"]),
    )
    assert by_ana.status_code == 200
