"""End to end: the real CLI and `moderation serve` on SQLite with the shipped models; data survives a restart."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import requests

from tests.conftest import bearer
from tests.robustness.server import ServerProcess, create_site_and_keys, moderation_env

pytestmark = pytest.mark.slow

TEXT = "The council should publish the bus lane data before deciding."


def raw_http(port: int, request: bytes) -> bytes:
    """Send raw bytes to the server and read its whole answer (for requests `requests` refuses to send)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_comment_lifecycle_through_the_real_server_survives_a_restart(tmp_path: Path) -> None:
    env = moderation_env(f"sqlite:///{tmp_path / 'e2e.db'}", MODERATION_DELIVER_IN_PROCESS="false")
    keys = create_site_and_keys(env)
    assert keys["ingest"].startswith("mk_") or len(keys["ingest"]) >= 20
    ingest, moderator, admin = bearer(keys["ingest"]), bearer(keys["moderator"]), bearer(keys["admin"])

    with ServerProcess(env, tmp_path / "server-1.log", workers=2) as server:
        models = requests.get(server.base + "/v1/models", timeout=10)
        # Hold everything for review on this site, so the comment reaches the queue whatever the models say.
        policy = requests.patch(
            server.base + "/v1/policy",
            json={"thresholds": {"toxicity": {"review": 0.0, "reject": 1.0}}},
            headers=admin,
            timeout=10,
        )
        assert policy.status_code == 200, policy.text

        created = requests.post(
            server.base + "/v1/comments", json={"id": "e2e-1", "text": TEXT}, headers=ingest, timeout=10
        )
        assert created.status_code == 201, created.text
        verdict = created.json()
        assert (verdict["decision"], verdict["status"]) == ("review", "pending")
        assert set(verdict["scores"]) == {
            "toxicity", "severe_toxicity", "insult", "threat", "obscene", "identity_attack", "spam",
        }  # fmt: skip
        if models.status_code == 200:
            assert verdict["model_version"] == models.json()["models"][0]["version"]
        else:
            assert verdict["model_version"] == "unavailable"

        queue = requests.get(server.base + "/v1/queue", headers=moderator, timeout=10).json()
        assert [item["id"] for item in queue["items"]] == ["e2e-1"]

        decided = requests.post(
            server.base + "/v1/comments/e2e-1/decision",
            json={"action": "approve", "moderator": "ada", "reason": "fine"},
            headers=moderator,
            timeout=10,
        )
        assert decided.status_code == 200, decided.text
        assert decided.json()["status"] == "approved"
        assert requests.get(server.base + "/v1/queue", headers=moderator, timeout=10).json()["items"] == []

        audit = requests.get(server.base + "/v1/audit", headers=moderator, timeout=10).json()["items"]
        entry = next(item for item in audit if item["target"] == "e2e-1")
        assert entry["actor"] == "ada"
        assert "approve" in entry["action"]

        # A client that announces a body over MAX_CONTENT_LENGTH is refused before the body is read.
        answer = raw_http(
            server.port,
            b"POST /v1/comments HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + keys["ingest"].encode() + b"\r\nContent-Length: 50000000\r\n\r\n{}",
        )
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"application/problem+json" in answer

    with ServerProcess(env, tmp_path / "server-2.log", workers=1) as server:
        detail = requests.get(server.base + "/v1/comments/e2e-1", headers=moderator, timeout=10)
        assert detail.status_code == 200
        body = detail.json()
        assert body["text"] == TEXT
        assert body["status"] == "approved"
        assert [(h["action"], h["moderator"]) for h in body["history"]] == [("approve", "ada")]
        audit = requests.get(server.base + "/v1/audit", headers=moderator, timeout=10).json()["items"]
        assert any(item["target"] == "e2e-1" for item in audit)
        again = requests.post(
            server.base + "/v1/comments", json={"id": "e2e-1", "text": TEXT}, headers=ingest, timeout=10
        )
        assert again.status_code == 200
        assert again.json()["created"] is False
        assert again.json()["status"] == "approved"
