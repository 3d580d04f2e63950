"""The `moderation` command: sites, keys, secrets, policy, labels and offline scoring."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from service.app import create_app
from service.cli import main
from tests.conftest import bearer


@pytest.fixture
def run(database_url: str) -> Any:
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Any:
        return runner.invoke(main, list(args), env={"MODERATION_DATABASE_URL": database_url}, input=input)

    return invoke


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_sites_and_keys_print_their_secret_on_the_last_line(run: Any, database_url: str) -> None:
    created = run("sites", "create", "news", "--callback-url", "https://news.example/hook")
    assert created.exit_code == 0, created.output
    secret = last_line(created.output)
    assert secret.startswith("whsec_")
    key_result = run("keys", "create", "--site", "news", "--role", "ingest")
    assert key_result.exit_code == 0
    key = last_line(key_result.output)
    # CACHE_SECONDS=0: the revocation below must reach this server at once (the delay is in test_process_cache).
    settings = {"LOAD_MODELS": False, "LOG_JSON": False, "RATELIMIT_ENABLED": False, "CACHE_SECONDS": 0}
    app = create_app({"DATABASE_URL": database_url, **settings})
    response = app.test_client().post("/v1/comments", json={"id": "1", "text": "hello"}, headers=bearer(key))
    assert response.status_code == 201
    assert response.get_json()["site"] == "news"
    listed = run("keys", "list", "--site", "news")
    assert key[:10] in listed.output and "ingest" in listed.output
    assert run("keys", "revoke", key[:10]).exit_code == 0
    response = app.test_client().post("/v1/comments", json={"id": "2", "text": "hello"}, headers=bearer(key))
    assert response.status_code == 401
    app.extensions["moderation"].db.dispose()


def test_errors_are_one_line_and_exit_nonzero(run: Any) -> None:
    assert run("sites", "create", "demo").exit_code == 0
    duplicate = run("sites", "create", "demo")
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output
    assert "Traceback" not in duplicate.output
    assert run("sites", "create", "Bad Name!").exit_code == 1
    assert run("keys", "create", "--site", "nowhere", "--role", "admin").exit_code == 1
    assert run("keys", "create", "--site", "demo", "--role", "root").exit_code == 2


def test_rotate_secret_keeps_the_old_one_for_the_grace_period(run: Any, service_for_url: Any) -> None:
    old = last_line(run("sites", "create", "demo").output)
    new = last_line(run("sites", "rotate-secret", "demo", "--grace", "3600").output)
    assert new != old
    _, secrets = service_for_url.accounts.active_secrets("demo")
    assert secrets == [new, old]
    newest = last_line(run("sites", "rotate-secret", "demo", "--grace", "0").output)
    _, secrets = service_for_url.accounts.active_secrets("demo")
    assert secrets == [newest]


def test_policy_set_and_show(run: Any, tmp_path: Path) -> None:
    run("sites", "create", "demo")
    document = tmp_path / "policy.json"
    document.write_text(json.dumps({"thresholds": {"spam": {"review": 0.3, "reject": 0.8}}}))
    assert "demo@2" in run("policy", "set", "--site", "demo", str(document)).output
    shown = json.loads(run("policy", "show", "--site", "demo").output)
    assert shown["policy"]["thresholds"]["spam"] == {"review": 0.3, "reject": 0.8}
    bad = run(
        "policy", "set", "--site", "demo", "-", input='{"thresholds": {"spam": {"review": 2, "reject": 3}}}'
    )
    assert bad.exit_code == 1


@pytest.fixture
def service_for_url(database_url: str) -> Iterator[Any]:
    app = create_app({"DATABASE_URL": database_url, "LOAD_MODELS": False, "LOG_JSON": False})
    yield app.extensions["moderation"]
    app.extensions["moderation"].db.dispose()
