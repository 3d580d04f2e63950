"""Keys and policies remembered per worker: changes made here apply at once, changes made elsewhere
(the CLI, another worker) within CACHE_SECONDS, and CACHE_SECONDS=0 turns the memory off."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from service.app import create_app
from service.moderation.service import ModerationService
from service.store.db import Database
from tests.conftest import Clock, KeywordScorer, bearer

INSULT = {"text": "what a moron"}  # KeywordScorer: insult 0.7


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_app(database_url: str, clock: Clock) -> Iterator[Callable[[float], Any]]:
    """Apps on the test database whose service remembers for the given seconds, on the hand-moved clock."""
    databases: list[Database] = []

    def make(cache_seconds: float) -> Any:
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": database_url,
                "SCORER": KeywordScorer(),
                "LOG_JSON": False,
                "RATELIMIT_ENABLED": False,
            }
        )
        db = app.extensions["moderation"].db
        databases.append(db)
        app.extensions["moderation"] = ModerationService(db, KeywordScorer(), cache_seconds, clock)
        return app

    yield make
    for db in databases:
        db.dispose()


@pytest.fixture
def elsewhere(database_url: str) -> Iterator[ModerationService]:
    """Another process's view of the same database (the CLI, another gunicorn worker)."""
    service = ModerationService(Database(database_url), None)
    yield service
    service.db.dispose()


@pytest.fixture
def keys(elsewhere: ModerationService) -> dict[str, str]:
    elsewhere.accounts.create_site("cached")
    return {role: elsewhere.accounts.create_key("cached", role) for role in ("ingest", "admin")}


def score(client: Any, key: str) -> Any:
    return client.post("/v1/score", json=INSULT, headers=bearer(key))


def test_a_key_revoked_elsewhere_stops_working_within_the_cache_time(
    make_app: Callable[[float], Any], clock: Clock, elsewhere: ModerationService, keys: dict[str, str]
) -> None:
    client = make_app(2.0).test_client()
    assert score(client, keys["ingest"]).status_code == 200
    elsewhere.accounts.revoke_key(keys["ingest"][:10])
    clock.now += 1.0
    assert score(client, keys["ingest"]).status_code == 200  # still remembered: the documented price
    clock.now += 1.5
    response = score(client, keys["ingest"])
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_a_key_revoked_in_this_process_stops_working_at_once(
    make_app: Callable[[float], Any], keys: dict[str, str]
) -> None:
    app = make_app(60.0)
    client = app.test_client()
    assert score(client, keys["ingest"]).status_code == 200
    app.extensions["moderation"].accounts.revoke_key(keys["ingest"][:10])
    assert score(client, keys["ingest"]).status_code == 401


def test_without_a_cache_a_revocation_elsewhere_applies_at_once(
    make_app: Callable[[float], Any], clock: Clock, elsewhere: ModerationService, keys: dict[str, str]
) -> None:
    client = make_app(0.0).test_client()
    assert score(client, keys["ingest"]).status_code == 200
    elsewhere.accounts.revoke_key(keys["ingest"][:10])
    assert score(client, keys["ingest"]).status_code == 401


def test_a_policy_changed_here_applies_to_the_next_call(
    make_app: Callable[[float], Any], keys: dict[str, str]
) -> None:
    client = make_app(60.0).test_client()
    assert score(client, keys["ingest"]).get_json()["result"]["decision"] == "review"
    patch = {"thresholds": {"insult": {"review": 0.5, "reject": 0.6}}}
    assert client.patch("/v1/policy", json=patch, headers=bearer(keys["admin"])).status_code == 200
    result = score(client, keys["ingest"]).get_json()["result"]
    assert result["decision"] == "reject"
    assert result["policy_version"] == "cached@2"


def test_a_policy_changed_elsewhere_applies_within_the_cache_time(
    make_app: Callable[[float], Any], clock: Clock, elsewhere: ModerationService, keys: dict[str, str]
) -> None:
    client = make_app(2.0).test_client()
    assert score(client, keys["ingest"]).get_json()["result"]["decision"] == "review"
    elsewhere.update_policy("cached", {"thresholds": {"insult": {"review": 0.5, "reject": 0.6}}}, actor="cli")
    assert score(client, keys["ingest"]).get_json()["result"]["decision"] == "review"
    clock.now += 2.5
    assert score(client, keys["ingest"]).get_json()["result"]["decision"] == "reject"
