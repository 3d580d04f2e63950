"""Callbacks out of the outbox to a real HTTP receiver: retries, exactly-once, restarts, concurrency, dead letters."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from service.accounts import utcnow
from service.delivery.outbox import backoff_delay, claim_due
from service.delivery.worker import Deliverer, DeliverySettings
from service.signing import SIGNATURE_HEADER, verify
from service.store.db import Database
from service.store.outbox import enqueue_event
from service.store.tables import DeliveryAttempt, OutboxEvent, Site
from tests.conftest import bearer
from tests.integrations.conftest import Receiver

FAST = DeliverySettings(
    max_attempts=50, backoff_base=0.01, backoff_max=0.05, timeout=2.0, batch_size=5, poll_interval=0.01
)


def make_site(service: Any, url: str) -> tuple[str, str]:
    _, secret = service.accounts.create_site("hooked", callback_url=url)
    return "hooked", secret


def enqueue(service: Any, site_name: str, count: int) -> list[int]:
    with service.db.write() as session:
        site = service.accounts.site(session, site_name)
        for n in range(count):
            enqueue_event(
                session, site, "comment.moderated", {"id": f"c-{n}", "decision": "approve"}, utcnow()
            )
        session.flush()
        # Ordered: callers take the newest ids with [-count:], and PostgreSQL returns updated rows in any order.
        query = select(OutboxEvent.id).where(OutboxEvent.site_id == site.id).order_by(OutboxEvent.id)
        return list(session.scalars(query))


def statuses(service: Any) -> Counter[str]:
    with service.db.read() as session:
        return Counter(
            dict(session.execute(select(OutboxEvent.status, func.count()).group_by(OutboxEvent.status)).all())
        )


def wait_for(condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def run_deliverers(
    database_url: str, count: int, settings: DeliverySettings = FAST
) -> tuple[list[Any], threading.Event, list[Database]]:
    stop = threading.Event()
    databases = [Database(database_url) for _ in range(count)]
    threads = [
        threading.Thread(target=Deliverer(db, settings, rng=random.Random(n)).run, args=(stop,), daemon=True)
        for n, db in enumerate(databases)
    ]
    for thread in threads:
        thread.start()
    return threads, stop, databases


def stop_all(threads: list[Any], stop: threading.Event, databases: list[Database]) -> None:
    stop.set()
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive()
    for db in databases:
        db.dispose()


def assert_each_acknowledged_once(receiver: Receiver, ids: list[int]) -> None:
    acknowledged = Counter(int(r.headers["X-Moderation-Event-Id"]) for r in receiver.acknowledged())
    assert sorted(acknowledged) == sorted(ids)
    assert set(acknowledged.values()) == {1}


def test_backoff_is_exponential_with_full_jitter() -> None:
    rng = random.Random(7)
    samples = [backoff_delay(4, 2.0, 3600.0, rng) for _ in range(500)]
    assert all(0 <= s <= 16.0 for s in samples)
    assert max(samples) > 12.0 and min(samples) < 4.0  # spread over the whole range, not clustered
    assert all(backoff_delay(30, 2.0, 60.0, rng) <= 60.0 for _ in range(50))


def test_failing_receiver_recovers_and_gets_every_event_once_signed(
    service: Any, receiver: Receiver, database_url: str
) -> None:
    name, secret = make_site(service, receiver.url)
    ids = enqueue(service, name, 12)
    receiver.fail_next = 9
    threads, stop, dbs = run_deliverers(database_url, 1)
    try:
        wait_for(lambda: statuses(service).get("delivered") == 12)
    finally:
        stop_all(threads, stop, dbs)
    assert_each_acknowledged_once(receiver, ids)
    assert len(receiver.requests) == 12 + 9
    for request in receiver.acknowledged():
        assert request.headers["Content-Type"] == "application/json"
        verify(request.headers[SIGNATURE_HEADER], request.body, [secret], tolerance=300)
        assert request.json["type"] == "comment.moderated"
        assert request.json["site"] == name
    with service.db.read() as session:
        attempts = session.scalar(select(func.count()).select_from(DeliveryAttempt))
        failed = session.scalar(
            select(func.count()).select_from(DeliveryAttempt).where(DeliveryAttempt.status_code == 503)
        )
    assert attempts == 21
    assert failed == 9


def test_every_event_once_across_a_deliverer_restart(
    service: Any, receiver: Receiver, database_url: str
) -> None:
    name, _ = make_site(service, receiver.url)
    ids = enqueue(service, name, 30)
    receiver.fail_next = 5
    threads, stop, dbs = run_deliverers(database_url, 1)
    wait_for(lambda: len(receiver.acknowledged()) >= 8)
    stop_all(threads, stop, dbs)  # the first deliverer goes away mid-stream
    assert statuses(service).get("pending", 0) > 0
    ids += enqueue(service, name, 5)[-5:]  # more events arrive while nobody delivers
    threads, stop, dbs = run_deliverers(database_url, 1)  # a new process picks up where it stopped
    try:
        wait_for(lambda: statuses(service).get("delivered") == 35)
    finally:
        stop_all(threads, stop, dbs)
    assert_each_acknowledged_once(receiver, ids)


def test_three_concurrent_deliverers_deliver_each_event_once(
    service: Any, receiver: Receiver, database_url: str
) -> None:
    name, _ = make_site(service, receiver.url)
    ids = enqueue(service, name, 60)
    receiver.fail_next = 10
    threads, stop, dbs = run_deliverers(database_url, 3)
    try:
        wait_for(lambda: statuses(service).get("delivered") == 60, timeout=60)
    finally:
        stop_all(threads, stop, dbs)
    assert_each_acknowledged_once(receiver, ids)


def test_concurrent_claims_never_overlap(service: Any, receiver: Receiver, database_url: str) -> None:
    name, _ = make_site(service, receiver.url)
    enqueue(service, name, 40)
    databases = [Database(database_url) for _ in range(4)]
    claimed: list[list[int]] = [[] for _ in databases]

    def claim(index: int) -> None:
        while batch := claim_due(databases[index], limit=3, lease_seconds=60):
            claimed[index].extend(e.id for e in batch)

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(databases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for db in databases:
        db.dispose()
    everything = [event_id for ids in claimed for event_id in ids]
    assert len(everything) == len(set(everything)) == 40


def test_dead_letter_then_redeliver_through_the_admin_api(
    service: Any, client: Any, receiver: Receiver, database_url: str
) -> None:
    name, _ = make_site(service, receiver.url)
    admin = service.accounts.create_key(name, "admin")
    (event_id,) = enqueue(service, name, 1)
    receiver.always_fail = True
    deliverer = Deliverer(
        service.db, DeliverySettings(max_attempts=3, backoff_base=0.0, backoff_max=0.0, timeout=2.0)
    )
    for _ in range(5):
        deliverer.run_once()
    assert statuses(service) == {"dead": 1}
    assert len(receiver.requests) == 3

    page = client.get("/v1/outbox?status=dead", headers=bearer(admin)).get_json()
    assert [item["id"] for item in page["items"]] == [event_id]
    assert page["items"][0]["attempts"] == 3
    assert page["items"][0]["last_error"].startswith("HTTP 500")
    detail = client.get(f"/v1/outbox/{event_id}", headers=bearer(admin)).get_json()
    assert [a["status_code"] for a in detail["delivery_log"]] == [500, 500, 500]
    assert client.get("/v1/outbox?status=pending", headers=bearer(admin)).get_json()["items"] == []

    receiver.always_fail = False
    response = client.post(f"/v1/outbox/{event_id}/redeliver", headers=bearer(admin))
    assert response.status_code == 202
    assert response.get_json()["status"] == "pending"
    deliverer.run_once()
    assert statuses(service) == {"delivered": 1}
    assert len(receiver.acknowledged()) == 1
    audit = client.get("/v1/audit", headers=bearer(admin)).get_json()["items"]
    assert audit[0]["action"] == "outbox.redelivered"


def test_outbox_api_is_admin_only_and_per_site(service: Any, client: Any, receiver: Receiver) -> None:
    name, _ = make_site(service, receiver.url)
    (event_id,) = enqueue(service, name, 1)
    moderator = service.accounts.create_key(name, "moderator")
    assert client.get("/v1/outbox", headers=bearer(moderator)).status_code == 403
    assert client.get("/v1/outbox").status_code == 401
    service.accounts.create_site("elsewhere")
    other_admin = service.accounts.create_key("elsewhere", "admin")
    assert client.get("/v1/outbox", headers=bearer(other_admin)).get_json()["items"] == []
    assert client.post(f"/v1/outbox/{event_id}/redeliver", headers=bearer(other_admin)).status_code == 404
    assert client.get("/v1/outbox?status=bogus", headers=bearer(other_admin)).status_code == 422


def test_site_without_callback_url_dead_letters_instead_of_looping(service: Any, receiver: Receiver) -> None:
    name, _ = make_site(service, receiver.url)
    enqueue(service, name, 1)
    service.accounts.set_callback(name, None)
    deliverer = Deliverer(service.db, DeliverySettings(max_attempts=2, backoff_base=0.0, backoff_max=0.0))
    deliverer.run_once()
    deliverer.run_once()
    assert statuses(service) == {"dead": 1}
    assert receiver.requests == []
    with service.db.read() as session:
        assert session.scalar(select(Site.callback_url).where(Site.name == name)) is None


def test_worker_process_delivers_and_stops_cleanly_on_sigterm(
    service: Any, receiver: Receiver, database_url: str
) -> None:
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    name, _ = make_site(service, receiver.url)
    ids = enqueue(service, name, 4)
    moderation = Path(sys.executable).with_name("moderation")
    env = {**os.environ, "MODERATION_DATABASE_URL": database_url, "MODERATION_OUTBOX_POLL_INTERVAL": "0.05"}
    process = subprocess.Popen(
        [str(moderation), "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for(lambda: statuses(service).get("delivered") == 4)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    assert "worker stopped" in stderr
    assert_each_acknowledged_once(receiver, ids)


def test_outbox_cli_lists_and_redelivers(service: Any, receiver: Receiver, database_url: str) -> None:
    from click.testing import CliRunner

    from service.cli import main

    name, _ = make_site(service, receiver.url)
    (event_id,) = enqueue(service, name, 1)
    receiver.always_fail = True
    Deliverer(service.db, DeliverySettings(max_attempts=1, timeout=2.0)).run_once()
    runner = CliRunner()
    env = {"MODERATION_DATABASE_URL": database_url}
    listed = runner.invoke(main, ["outbox", "list", "--site", name, "--status", "dead"], env=env)
    assert listed.exit_code == 0, listed.output
    assert f"{event_id}" in listed.output and "dead" in listed.output
    again = runner.invoke(main, ["outbox", "redeliver", "--site", name, str(event_id)], env=env)
    assert again.exit_code == 0, again.output
    receiver.always_fail = False
    once = runner.invoke(main, ["worker", "--once"], env=env)
    assert once.exit_code == 0, once.output
    assert statuses(service) == {"delivered": 1}
