"""Score without storing, models, health, readiness, OpenAPI, metrics and the policy API."""

from __future__ import annotations

from typing import Any

from service.moderation.types import CATEGORIES
from tests.conftest import bearer


def test_score_single_and_batch_store_nothing(client: Any, site: dict[str, str], service: Any) -> None:
    single = client.post("/v1/score", json={"text": "idiot"}, headers=bearer(site["ingest"]))
    assert single.status_code == 200
    result = single.get_json()["result"]
    assert result["decision"] == "reject"
    assert set(result["scores"]) == set(CATEGORIES)
    batch = client.post(
        "/v1/score",
        json={"comments": [{"id": "a", "text": "nice"}, {"id": "b", "text": "buy now"}]},
        headers=bearer(site["ingest"]),
    )
    assert [(r["id"], r["decision"]) for r in batch.get_json()["results"]] == [
        ("a", "approve"),
        ("b", "reject"),
    ]
    assert service.queue("demo", category=None, order="oldest", limit=10, cursor=None)["items"] == []


def test_score_needs_exactly_one_of_text_or_comments(client: Any, site: dict[str, str]) -> None:
    for body in ({}, {"text": "a", "comments": [{"text": "b"}]}, {"comments": []}, {"text": "   "}):
        response = client.post("/v1/score", json=body, headers=bearer(site["ingest"]))
        assert response.status_code == 422, body


def test_health_ready_models(client: Any) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["model_version"] == "keyword-test-1"
    assert client.get("/v1/models").get_json()["models"][0]["version"] == "keyword-test-1"


def test_readyz_is_503_without_models(client: Any, service: Any) -> None:
    service.scorer = None
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "models" in response.get_json()["detail"]


def test_openapi_describes_the_contract(client: Any) -> None:
    spec = client.get("/openapi.json").get_json()
    paths = spec["paths"]
    for path in (
        "/v1/comments",
        "/v1/queue",
        "/v1/comments/{comment_id}",
        "/v1/comments/{comment_id}/decision",
        "/v1/audit",
        "/v1/score",
        "/v1/models",
        "/healthz",
        "/readyz",
    ):
        assert path in paths, path
    assert "CommentIn" in spec["components"]["schemas"]


def _metric(client: Any, line_start: str) -> float:
    for line in client.get("/metrics").get_data(as_text=True).splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_verdicts_flags_and_decisions(client: Any, site: dict[str, str]) -> None:
    rejected = 'moderation_verdicts_total{decision="reject",source="api"}'
    insult = 'moderation_flags_total{category="insult",source="api"}'
    approved = 'moderation_decisions_total{action="approve"}'
    before = {name: _metric(client, name) for name in (rejected, insult, approved)}
    client.post("/v1/comments", json={"id": "x", "text": "idiot"}, headers=bearer(site["ingest"]))
    client.post("/v1/comments", json={"id": "x", "text": "idiot"}, headers=bearer(site["ingest"]))  # a repeat
    client.post("/v1/comments", json={"id": "y", "text": "a moron"}, headers=bearer(site["ingest"]))
    client.post(
        "/v1/comments/y/decision",
        json={"action": "approve", "moderator": "ana"},
        headers=bearer(site["moderator"]),
    )
    assert _metric(client, rejected) - before[rejected] == 1
    assert _metric(client, insult) - before[insult] == 2
    assert _metric(client, approved) - before[approved] == 1


def test_policy_patch_is_admin_only_versioned_and_audited(client: Any, site: dict[str, str]) -> None:
    bars = {"review": 0.2, "reject": 0.6}
    change = {"thresholds": {"insult": bars, "toxicity": bars}}
    assert client.patch("/v1/policy", json=change, headers=bearer(site["moderator"])).status_code == 403
    response = client.patch("/v1/policy", json=change, headers=bearer(site["admin"]))
    assert response.status_code == 200
    assert response.get_json()["policy_version"] == "demo@2"
    verdict = client.post(
        "/v1/comments", json={"id": "i", "text": "what a moron"}, headers=bearer(site["ingest"])
    ).get_json()
    assert verdict["decision"] == "reject"  # held (insult 0.7) under the default policy
    assert verdict["policy_version"] == "demo@2"
    audit = client.get("/v1/audit", headers=bearer(site["moderator"])).get_json()["items"]
    assert audit[0]["action"] == "policy.updated"


def test_policy_rejects_unknown_rule_codes_and_bad_thresholds(client: Any, site: dict[str, str]) -> None:
    for change in (
        {"rule_actions": {"no.such.rule": "off"}},
        {"thresholds": {"insult": {"review": 0.9, "reject": 0.1}}},
        {"thresholds": {"insult": {"review": 0.1}}},
        {"colour": "blue"},
    ):
        response = client.patch("/v1/policy", json=change, headers=bearer(site["admin"]))
        assert response.status_code == 422, change
        assert response.mimetype == "application/problem+json"
    assert client.get("/v1/policy", headers=bearer(site["admin"])).get_json()["policy_version"] == "demo@1"


def test_shadow_mode_approves_but_records_the_would_be_decision(client: Any, site: dict[str, str]) -> None:
    client.patch("/v1/policy", json={"shadow": True}, headers=bearer(site["admin"]))
    body = client.post(
        "/v1/comments", json={"id": "s", "text": "idiot"}, headers=bearer(site["ingest"])
    ).get_json()
    assert body["decision"] == "approve"
    assert body["shadow_decision"] == "reject"


def test_readyz_is_503_when_the_shipped_word_lists_are_missing(
    client: Any, monkeypatch: Any, tmp_path: Any
) -> None:
    from service.rules import wordlists

    monkeypatch.setattr(wordlists, "SEED_DIR", tmp_path)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "banned, suspect, insults" in response.get_json()["detail"]
