"""GET /metrics: request and verdict counters, plus queue depth, outbox backlog, model version and database state."""

from __future__ import annotations

import os
import re
import signal
from typing import Any

import pytest

from tests.conftest import bearer


def sample(body: str, name: str, labels: str = "") -> float | None:
    """The value of one sample in Prometheus text format, or None."""
    pattern = (
        re.escape(name) + (r"\{" + re.escape(labels) + r"\}" if labels else r"(?:\{\})?") + r" ([0-9.e+-]+)"
    )
    match = re.search(r"^" + pattern + r"$", body, re.MULTILINE)
    return float(match.group(1)) if match else None


def test_metrics_report_queue_depth_outbox_and_model(client: Any, site: dict[str, str], service: Any) -> None:
    service.accounts.set_callback("demo", "http://127.0.0.1:9/hook")
    headers = bearer(site["ingest"])
    assert (
        client.post("/v1/comments", json={"id": "a", "text": "you moron"}, headers=headers).status_code == 201
    )
    assert (
        client.post("/v1/comments", json={"id": "b", "text": "you moron too"}, headers=headers).status_code
        == 201
    )
    assert client.post("/v1/comments", json={"id": "c", "text": "lovely"}, headers=headers).status_code == 201

    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert sample(body, "moderation_queue_depth", 'site="demo"') == 2.0
    assert sample(body, "moderation_outbox_events", 'status="pending"') == 3.0
    assert sample(body, "moderation_model_info", 'version="keyword-test-1"') == 1.0
    assert sample(body, "moderation_database_up") == 1.0
    assert 'moderation_http_request_seconds_count{endpoint="/v1/comments",method="POST",status="201"}' in body
    assert "moderation_verdicts_total" in body

    client.post(
        "/v1/comments/a/decision",
        json={"action": "reject", "moderator": "m"},
        headers=bearer(site["moderator"]),
    )
    after = client.get("/metrics").get_data(as_text=True)
    assert sample(after, "moderation_queue_depth", 'site="demo"') == 1.0


def test_a_metrics_token_keeps_the_figures_from_anyone_without_it(app: Any, client: Any) -> None:
    app.config["METRICS_TOKEN"] = "scrape-token-1"
    for headers in ({}, bearer("wrong-token"), {"Authorization": "Basic scrape-token-1"}):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401, headers
        assert refused.mimetype == "application/problem+json"
        assert refused.headers["WWW-Authenticate"] == "Bearer"
        assert "moderation_" not in refused.get_data(as_text=True)
    allowed = client.get("/metrics", headers=bearer("scrape-token-1"))
    assert allowed.status_code == 200
    assert sample(allowed.get_data(as_text=True), "moderation_database_up") == 1.0


def test_metrics_answer_while_the_database_is_down(
    client: Any, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable() -> Any:
        raise ConnectionError("database is away")

    monkeypatch.setattr(service.db, "read", unreachable)
    service.scorer = None
    response = client.get("/metrics")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert sample(body, "moderation_database_up") == 0.0
    assert sample(body, "moderation_model_info", 'version="unavailable"') == 0.0
    assert "moderation_queue_depth" not in body.split("# HELP moderation_database_up")[1]


@pytest.mark.slow
def test_served_metrics_sum_every_gunicorn_worker(tmp_path: Any) -> None:
    """Under `moderation serve --workers 2`, every scrape reports the requests of both workers."""
    import requests

    from tests.robustness.server import ServerProcess, moderation_env

    env = moderation_env(f"sqlite:///{tmp_path / 'metrics.db'}", MODERATION_DELIVER_IN_PROCESS="false")
    with ServerProcess(env, tmp_path / "server.log", workers=2) as server:
        server.wait_for_workers(2)
        label = 'endpoint="/healthz",method="GET",status="200"'
        before = sample(
            requests.get(server.base + "/metrics", timeout=5).text,
            "moderation_http_request_seconds_count",
            label,
        )
        # A worker that leaves (recycled after max_requests, or stopped) must not take the shared metrics
        # directory with it: this once made every later request a 500.
        stopped = server.worker_pids()[0]
        os.kill(stopped, signal.SIGTERM)
        server.wait_for_workers(2, exclude={stopped})
        for _ in range(40):
            # A new connection each time, so the arbiter spreads them over both workers.
            response = requests.get(server.base + "/healthz", headers={"Connection": "close"}, timeout=5)
            assert response.status_code == 200, (response.status_code, server.log())
        scrapes = [requests.get(server.base + "/metrics", timeout=5).text for _ in range(4)]
    counts = {sample(body, "moderation_http_request_seconds_count", label) for body in scrapes}
    # Per-worker registries would show each worker's share, differing from scrape to scrape.
    assert counts == {(before or 0.0) + 40.0}, (before, counts)


def test_a_failing_metrics_store_does_not_fail_the_request(
    client: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from service import app as app_module

    class Broken:
        def labels(self, *args: Any) -> Any:
            raise FileNotFoundError("metrics directory removed")

    monkeypatch.setattr(app_module, "REQUESTS", Broken())
    assert client.get("/healthz").status_code == 200
    assert "could not record request metrics" in caplog.text
