"""Faults: the database going away and coming back, broken model artifacts, and a worker killed under load."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url

from service.app import create_app
from service.ml.scorer import ARTIFACT_NAME, CARD_NAME, library_versions
from service.store.db import Database
from service.store.tables import CommentRow, OutboxEvent
from service.text.lexicon import lexicon_sha256
from service.text.normaliser import NORMALISER_VERSION
from tests.conftest import KeywordScorer, _truncate, bearer
from tests.robustness.proxy import FlakyProxy
from tests.robustness.server import ServerProcess, create_site_and_keys, moderation_env

TEST_CONFIG = {"TESTING": True, "LOG_JSON": False, "RATELIMIT_ENABLED": False, "DELIVER_IN_PROCESS": False}


def assert_unavailable(response: Any) -> None:
    """503 problem+json with a Retry-After a client can obey."""
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 503
    assert int(response.headers["Retry-After"]) > 0


# -- the database goes away and comes back -----------------------------------------------------


@pytest.fixture
def outage(postgres_url: str) -> Iterator[dict[str, Any]]:
    """The app on PostgreSQL through a proxy the test can cut; a site with a callback URL (so outbox rows exist)."""
    _truncate(postgres_url)
    real = make_url(postgres_url)
    with FlakyProxy(real.host or "127.0.0.1", real.port or 5432) as proxy:
        url = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "SCORER": KeywordScorer()})
        service = app.extensions["moderation"]
        service.accounts.create_site("demo", "http://127.0.0.1:9/callback")
        keys = {role: service.accounts.create_key("demo", role) for role in ("ingest", "moderator")}
        yield {"app": app, "client": app.test_client(), "proxy": proxy, "keys": keys, "url": postgres_url}
        service.db.dispose()


def stored_ids(url: str) -> dict[str, int]:
    """external id → number of rows, read directly (not through the proxy)."""
    database = Database(url)
    try:
        with database.read() as session:
            rows = session.execute(
                select(CommentRow.external_id, func.count()).group_by(CommentRow.external_id)
            ).all()
        return {str(row[0]): int(row[1]) for row in rows}
    finally:
        database.dispose()


@pytest.mark.postgres
def test_database_outage_is_503_with_retry_after_and_recovers_by_itself(outage: dict[str, Any]) -> None:
    client, proxy, keys = outage["client"], outage["proxy"], outage["keys"]
    ingest, moderator = bearer(keys["ingest"]), bearer(keys["moderator"])
    assert (
        client.post("/v1/comments", json={"id": "before", "text": "hello"}, headers=ingest).status_code == 201
    )

    proxy.cut()
    assert_unavailable(client.post("/v1/comments", json={"id": "during", "text": "hello"}, headers=ingest))
    assert_unavailable(client.get("/v1/queue", headers=moderator))
    assert_unavailable(client.get("/readyz"))
    assert "database" in client.get("/readyz").get_json()["detail"]
    assert client.get("/healthz").status_code == 200  # alive, just not ready

    proxy.restore()
    # No restart: the pool notices the dead connections and reconnects.
    assert client.get("/readyz").status_code == 200
    again = client.post("/v1/comments", json={"id": "during", "text": "hello"}, headers=ingest)
    assert again.status_code == 201, "the refused comment must not have been stored"
    assert client.get("/v1/comments/before", headers=moderator).status_code == 200
    assert stored_ids(outage["url"]) == {"before": 1, "during": 1}


@pytest.mark.postgres
def test_cut_inside_the_write_transaction_leaves_nothing_half_written(outage: dict[str, Any]) -> None:
    app, client, proxy, keys = outage["app"], outage["client"], outage["proxy"], outage["keys"]
    engine = app.extensions["moderation"].db.engine

    def cut_after_comment_insert(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO COMMENTS"):
            proxy.cut()

    event.listen(engine, "after_cursor_execute", cut_after_comment_insert)
    try:
        response = client.post(
            "/v1/comments", json={"id": "mid", "text": "hello"}, headers=bearer(keys["ingest"])
        )
    finally:
        event.remove(engine, "after_cursor_execute", cut_after_comment_insert)
    assert_unavailable(response)
    proxy.restore()

    database = Database(outage["url"])
    try:
        with database.read() as session:
            assert session.scalar(select(func.count()).select_from(CommentRow)) == 0
            assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 0
    finally:
        database.dispose()
    retry = client.post("/v1/comments", json={"id": "mid", "text": "hello"}, headers=bearer(keys["ingest"]))
    assert retry.status_code == 201
    assert stored_ids(outage["url"]) == {"mid": 1}


@pytest.mark.postgres
def test_outage_under_concurrent_load_never_500s_and_loses_nothing(outage: dict[str, Any]) -> None:
    app, proxy, keys = outage["app"], outage["proxy"], outage["keys"]
    ids = [f"load-{n}" for n in range(90)]
    statuses: dict[str, int] = {}

    def send(comment_id: str) -> None:
        with app.test_client() as client:
            response = client.post(
                "/v1/comments",
                json={"id": comment_id, "text": f"comment {comment_id}"},
                headers=bearer(keys["ingest"]),
            )
            statuses[comment_id] = response.status_code
            if response.status_code >= 400:
                assert response.mimetype == "application/problem+json"

    def outage_window() -> None:
        while len(statuses) < 30:
            time.sleep(0.005)
        proxy.cut()
        while len(statuses) < 60:
            time.sleep(0.005)
        proxy.restore()

    window = threading.Thread(target=outage_window)
    window.start()
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(send, ids))
    window.join(timeout=30)
    proxy.restore()

    assert set(statuses.values()) <= {201, 503}, statuses
    assert 503 in statuses.values() and 201 in statuses.values()
    stored = stored_ids(outage["url"])
    accepted = [i for i, status in statuses.items() if status == 201]
    assert all(stored.get(i) == 1 for i in accepted)
    # A client retries what got 503 (same ids: idempotent) and then everything is stored exactly once.
    with app.test_client() as client:
        for comment_id in (i for i, status in statuses.items() if status == 503):
            retry = client.post(
                "/v1/comments",
                json={"id": comment_id, "text": f"comment {comment_id}"},
                headers=bearer(keys["ingest"]),
            )
            assert retry.status_code in (200, 201)
    assert stored_ids(outage["url"]) == dict.fromkeys(ids, 1)


@pytest.mark.postgres
def test_a_statement_stuck_behind_a_lock_answers_503_instead_of_hanging(postgres_url: str) -> None:
    """A table lock (a long migration, a manual LOCK TABLE) makes requests fail fast with 503, not wait forever."""
    import psycopg

    _truncate(postgres_url)
    app = create_app(
        {**TEST_CONFIG, "DATABASE_URL": postgres_url, "SCORER": KeywordScorer(), "STATEMENT_TIMEOUT": 0.5}
    )
    service = app.extensions["moderation"]
    service.accounts.create_site("demo")
    key = service.accounts.create_key("demo", "ingest")
    client = app.test_client()
    answers: list[Any] = []
    with psycopg.connect(postgres_url) as locker:
        locker.execute("LOCK TABLE comments IN ACCESS EXCLUSIVE MODE")
        # Without the limit this request waits for as long as the lock is held: here, until the join gives up.
        request = threading.Thread(
            target=lambda: answers.append(
                client.post("/v1/comments", json={"id": "locked", "text": "hello"}, headers=bearer(key))
            )
        )
        request.start()
        request.join(timeout=20)
        assert not request.is_alive(), "the request waited on the lock instead of failing"
        locker.rollback()
    assert_unavailable(answers[0])
    again = client.post("/v1/comments", json={"id": "locked", "text": "hello"}, headers=bearer(key))
    assert again.status_code == 201
    assert stored_ids(postgres_url) == {"locked": 1}
    service.db.dispose()


# -- broken model artifacts --------------------------------------------------------------------


def _card(artifact_bytes: bytes, **overrides: Any) -> dict[str, Any]:
    card = {
        "version": "broken-1",
        "artifact": {"file": ARTIFACT_NAME, "sha256": hashlib.sha256(artifact_bytes).hexdigest()},
        "libraries": library_versions(),
        "normaliser_version": NORMALISER_VERSION,
        "normaliser_lexicon_sha256": lexicon_sha256(),
    }
    card.update(overrides)
    return card


def _write_models(directory: Path, card: Any, artifact: bytes | None) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CARD_NAME).write_text(card if isinstance(card, str) else json.dumps(card))
    if artifact is not None:
        (directory / ARTIFACT_NAME).write_bytes(artifact)


BROKEN_MODELS = {
    "missing-dir": lambda d: None,
    "empty-dir": lambda d: d.mkdir(parents=True),
    "card-not-json": lambda d: _write_models(d, "{not json", b"x"),
    "card-without-fields": lambda d: _write_models(d, {"name": "x"}, b"x"),
    # Found by this test: a card whose "artifact" is not an object used to stop the start with a traceback.
    "card-artifact-not-an-object": lambda d: _write_models(
        d, {"version": "x", "artifact": ARTIFACT_NAME}, b"x"
    ),
    "card-libraries-not-an-object": lambda d: _write_models(d, _card(b"x", libraries="sklearn 1.9"), b"x"),
    "artifact-missing": lambda d: _write_models(d, _card(b"x"), None),
    "artifact-corrupted": lambda d: _write_models(d, _card(b"the original bytes"), b"the original bytez"),
    "artifact-truncated": lambda d: _write_models(d, _card(b"\x80\x04\x95" + b"\x00" * 64), b"\x80\x04\x95"),
    # The hash matches, so the loader trusts the file; unpickling garbage must still not crash the start.
    "artifact-not-a-pickle": lambda d: _write_models(d, _card(b"garbage"), b"garbage"),
    "wrong-library-version": lambda d: _write_models(
        d, _card(b"x", libraries={**library_versions(), "scikit_learn": "0.0.1"}), b"x"
    ),
}


@pytest.mark.parametrize("breakage", sorted(BROKEN_MODELS))
def test_broken_models_start_in_hold_everything_mode(sqlite_url: str, tmp_path: Path, breakage: str) -> None:
    _truncate(sqlite_url)
    model_dir = tmp_path / "models"
    BROKEN_MODELS[breakage](model_dir)
    app = create_app(
        {**TEST_CONFIG, "DATABASE_URL": sqlite_url, "MODEL_DIR": str(model_dir), "LOAD_MODELS": True}
    )
    try:
        service = app.extensions["moderation"]
        assert service.scorer is None
        service.accounts.create_site("demo")
        key = service.accounts.create_key("demo", "ingest")
        client = app.test_client()

        ready = client.get("/readyz")
        assert_unavailable(ready)
        assert "models" in ready.get_json()["detail"]
        assert client.get("/v1/models").status_code == 503

        # Never approves blind: even the friendliest comment is held for a person.
        response = client.post(
            "/v1/comments", json={"id": "nice", "text": "Thank you, lovely article!"}, headers=bearer(key)
        )
        assert response.status_code == 201
        verdict = response.get_json()
        assert (verdict["decision"], verdict["status"]) == ("review", "pending")
        assert "policy.model_unavailable" in [r["code"] for r in verdict["reasons"]]
        scored = client.post("/v1/score", json={"text": "Thank you, lovely article!"}, headers=bearer(key))
        assert scored.status_code == 200
        assert scored.get_json()["result"]["decision"] == "review"
    finally:
        app.extensions["moderation"].db.dispose()


# -- a gunicorn worker SIGKILLed under load ----------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database for a real server: a fresh SQLite file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'served.db'}"
    url: str = request.getfixturevalue("postgres_url")
    _truncate(url)
    return url


@pytest.mark.slow
def test_sigkilled_worker_under_load_loses_no_accepted_comment(served_database: str, tmp_path: Path) -> None:
    env = moderation_env(
        served_database, MODERATION_RATELIMIT_ENABLED="false", MODERATION_DELIVER_IN_PROCESS="false"
    )
    keys = create_site_and_keys(env)
    total, threads, deadline = 400, 8, time.monotonic() + 60
    outcomes: dict[str, int | str] = {}
    lock = threading.Lock()
    killed: list[int] = []

    with ServerProcess(env, tmp_path / "server.log", workers=2) as server:
        workers = server.wait_for_workers(2)

        def client_loop(worker: int) -> None:
            session = requests.Session()
            session.headers.update(bearer(keys["ingest"]))
            for n in range(total // threads):
                if time.monotonic() > deadline:
                    return
                comment_id = f"w{worker}-{n}"
                try:
                    response = session.post(
                        server.base + "/v1/comments",
                        json={"id": comment_id, "text": f"comment number {n}"},
                        timeout=15,
                    )
                    outcome: int | str = response.status_code
                except requests.RequestException as error:
                    outcome = type(error).__name__  # the connection died with the worker: not accepted
                with lock:
                    outcomes[comment_id] = outcome

        def killer() -> None:
            while len(outcomes) < total // 4 and time.monotonic() < deadline:
                time.sleep(0.01)
            victim = workers[0]
            server_pid = server.process.pid if server.process else 0
            assert victim != server_pid
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

        kill_thread = threading.Thread(target=killer)
        kill_thread.start()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(client_loop, range(threads)))
        kill_thread.join(timeout=30)
        assert killed, "the worker was never killed"
        # The arbiter replaced the dead worker and the server keeps answering.
        server.wait_for_workers(2, exclude=set(killed))
        assert requests.get(server.base + "/healthz", timeout=5).status_code == 200
        log = server.log()

    accepted = [i for i, outcome in outcomes.items() if outcome in (200, 201)]
    unexpected = {i: o for i, o in outcomes.items() if isinstance(o, int) and o not in (200, 201)}
    assert not unexpected, (unexpected, log)
    assert len(accepted) >= total // 2, (len(accepted), log)
    stored = stored_ids(served_database)
    assert [i for i in accepted if stored.get(i) != 1] == []
    assert all(count == 1 for count in stored.values())
    database = Database(served_database)
    try:
        with database.read() as session:
            undecided = session.scalar(
                text("SELECT count(*) FROM comments WHERE decision IS NULL OR status IS NULL")
            )
        assert undecided == 0
    finally:
        database.dispose()


@pytest.mark.slow
@pytest.mark.postgres
def test_real_server_rides_out_a_postgres_outage_under_load(postgres_url: str, tmp_path: Path) -> None:
    """`moderation serve` on PostgreSQL through a proxy cut for 2 s under load: only 201 or 503, then recovery."""
    _truncate(postgres_url)
    real = make_url(postgres_url)
    with FlakyProxy(real.host or "127.0.0.1", real.port or 5432) as proxy:
        url = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        env = moderation_env(url, MODERATION_RATELIMIT_ENABLED="false")
        keys = create_site_and_keys(env)
        outcomes: dict[str, Any] = {}
        lock = threading.Lock()
        with ServerProcess(env, tmp_path / "server.log", workers=2) as server:

            def client_loop(worker: int) -> None:
                session = requests.Session()
                session.headers.update(bearer(keys["ingest"]))
                for n in range(60):
                    comment_id = f"o{worker}-{n}"
                    try:
                        response = session.post(
                            server.base + "/v1/comments",
                            json={"id": comment_id, "text": f"comment {n}"},
                            timeout=15,
                        )
                        outcome: Any = (response.status_code, response.headers.get("Content-Type"))
                        if response.status_code == 503:
                            outcome += (response.headers.get("Retry-After"),)
                    except requests.RequestException as error:
                        outcome = type(error).__name__
                    with lock:
                        outcomes[comment_id] = outcome

            def outage() -> None:
                while len(outcomes) < 40:
                    time.sleep(0.01)
                proxy.cut()
                time.sleep(2)
                proxy.restore()

            cutter = threading.Thread(target=outage)
            cutter.start()
            with ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(client_loop, range(4)))
            cutter.join(timeout=30)
            proxy.restore()

            deadline = time.monotonic() + 15
            while requests.get(server.base + "/readyz", timeout=5).status_code != 200:
                assert time.monotonic() < deadline, "not ready again 15 s after the database came back"
                time.sleep(0.2)
            failed = [i for i, outcome in outcomes.items() if outcome[0] != 201]
            session = requests.Session()
            session.headers.update(bearer(keys["ingest"]))
            for comment_id in failed:  # the client's retry, same id
                retry = session.post(
                    server.base + "/v1/comments", json={"id": comment_id, "text": "retry"}, timeout=15
                )
                assert retry.status_code in (200, 201), retry.text
            log = server.log()

    kinds = {outcome if isinstance(outcome, str) else outcome[0] for outcome in outcomes.values()}
    assert kinds <= {201, 503}, (kinds, log)
    assert 503 in kinds, "the outage was not noticed"
    for outcome in outcomes.values():
        if outcome[0] == 503:
            assert outcome[1].startswith("application/problem+json") and int(outcome[2]) > 0
    assert stored_ids(postgres_url) == dict.fromkeys(outcomes, 1)
