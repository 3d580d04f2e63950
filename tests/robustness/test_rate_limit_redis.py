"""Per-key rate limiting with Redis storage: shared by every worker, and the N+1th request is 429 problem+json."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from service.app import create_app
from tests.conftest import KeywordScorer, _truncate, bearer

REDIS_URL = os.environ.get("MODERATION_TEST_REDIS_URL", "redis://127.0.0.1:6379")
LIMIT = 3


def _redis_reachable() -> bool:
    host_port = REDIS_URL.split("://", 1)[1].split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port or 6379)), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def redis_url() -> str:
    """The Redis server, or skip (fail where CI requires the services)."""
    if not _redis_reachable():
        if os.environ.get("MODERATION_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"Redis is required here but {REDIS_URL} is unreachable")
        pytest.skip(f"Redis is not running at {REDIS_URL}")
    return REDIS_URL


def limited_app(database_url: str, storage_uri: str) -> Any:
    """An app with a tiny per-key limit on the given limiter storage."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SCORER": KeywordScorer(),
            "LOG_JSON": False,
            "DELIVER_IN_PROCESS": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_DEFAULT": f"{LIMIT}/minute",
            "RATELIMIT_STORAGE_URI": storage_uri,
        }
    )


@pytest.fixture
def two_workers(sqlite_url: str, redis_url: str) -> Iterator[tuple[Any, Any, str]]:
    """Two app instances (as two gunicorn workers would be) sharing one Redis, and an ingest key."""
    _truncate(sqlite_url)
    first, second = limited_app(sqlite_url, redis_url), limited_app(sqlite_url, redis_url)
    service = first.extensions["moderation"]
    service.accounts.create_site("demo")
    # A fresh key per run: its hash is the limiter key, so earlier runs' counters in Redis do not interfere.
    key = service.accounts.create_key("demo", "ingest")
    yield first, second, key
    for app in (first, second):
        app.extensions["moderation"].db.dispose()


def test_redis_limit_answers_429_problem_json_after_n_requests(two_workers: tuple[Any, Any, str]) -> None:
    app, _, key = two_workers
    client = app.test_client()
    for n in range(LIMIT):
        response = client.post("/v1/score", json={"text": f"comment {n}"}, headers=bearer(key))
        assert response.status_code == 200, response.get_data(as_text=True)
    limited = client.post("/v1/score", json={"text": "one too many"}, headers=bearer(key))
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    body = limited.get_json()
    assert body["status"] == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 60


def test_redis_limit_is_shared_between_workers(two_workers: tuple[Any, Any, str]) -> None:
    first, second, key = two_workers
    clients = [first.test_client(), second.test_client()]
    statuses = [
        clients[n % 2].post("/v1/score", json={"text": f"comment {n}"}, headers=bearer(key)).status_code
        for n in range(LIMIT + 1)
    ]
    # With per-process memory storage each worker would allow LIMIT on its own; Redis counts them together.
    assert statuses == [200] * LIMIT + [429]


def test_limits_are_per_key(two_workers: tuple[Any, Any, str]) -> None:
    app, _, key = two_workers
    other = app.extensions["moderation"].accounts.create_key("demo", "ingest")
    client = app.test_client()
    for n in range(LIMIT + 1):
        client.post("/v1/score", json={"text": f"comment {n}"}, headers=bearer(key))
    assert client.post("/v1/score", json={"text": "x"}, headers=bearer(key)).status_code == 429
    assert client.post("/v1/score", json={"text": "x"}, headers=bearer(other)).status_code == 200


def test_in_memory_limit_also_answers_429_with_retry_after(sqlite_url: str) -> None:
    """The default storage (memory://) behaves the same within one process."""
    _truncate(sqlite_url)
    app = limited_app(sqlite_url, "memory://")
    try:
        service = app.extensions["moderation"]
        service.accounts.create_site("demo")
        key = service.accounts.create_key("demo", "moderator")
        client = app.test_client()
        statuses = [client.get("/v1/queue", headers=bearer(key)).status_code for _ in range(LIMIT + 1)]
        assert statuses == [200] * LIMIT + [429]
        limited = client.get("/v1/queue", headers=bearer(key))
        assert limited.mimetype == "application/problem+json"
        assert 0 < int(limited.headers["Retry-After"]) <= 60
    finally:
        app.extensions["moderation"].db.dispose()
