"""`moderation score` scores a JSONL file offline with the same decisions as the HTTP API, storing nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from service.app import create_app
from service.cli import main
from tests.conftest import bearer

COMMENTS = [
    {"id": "ok", "text": "Thanks for the clear explanation of the budget, very useful."},
    {"id": "heated", "text": "This policy is idiotic and the minister should resign."},
    {"id": "insult", "text": "You are a complete 1d10t and everyone here knows it", "author": {"id": "u1"}},
    {"id": "spam", "text": "I earn $95 an hour working from home! WhatsApp me +1 555 123 4567"},
    {"id": "cite", "text": "According to https://www.bbc.co.uk/news/uk-politics the numbers are lower."},
    {"id": "threat", "text": "I know where you live and I will find you", "thread": {"id": "a-1"}},
]


@pytest.fixture
def migrated(sqlite_url: str) -> str:
    from tests.conftest import _truncate

    _truncate(sqlite_url)
    return sqlite_url


def test_offline_and_http_decisions_agree(migrated: str, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(c) + "\n" for c in COMMENTS))
    out = tmp_path / "out.jsonl"
    env = {"MODERATION_DATABASE_URL": migrated}
    result = CliRunner().invoke(main, ["score", "--input", str(source), "--output", str(out)], env=env)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == [c["id"] for c in COMMENTS]
    assert all(set(line) == {"id", "decision", "scores", "reasons"} for line in lines)

    app = create_app({"DATABASE_URL": migrated, "LOG_JSON": False, "RATELIMIT_ENABLED": False})
    service: Any = app.extensions["moderation"]
    service.accounts.create_site("demo")
    key = service.accounts.create_key("demo", "ingest")
    batch = [{"id": c["id"], "text": c["text"]} for c in COMMENTS]
    response = app.test_client().post("/v1/score", json={"comments": batch}, headers=bearer(key))
    http = {item["id"]: item for item in response.get_json()["results"]}
    for line in lines:
        assert line["decision"] == http[line["id"]]["decision"], line["id"]
        assert line["scores"] == http[line["id"]]["scores"]
        assert [r["code"] for r in line["reasons"]] == [r["code"] for r in http[line["id"]]["reasons"]]
    decisions = {line["id"]: line["decision"] for line in lines}
    assert decisions["ok"] == "approve"
    assert decisions["cite"] == "approve"
    assert decisions["spam"] == "reject"
    assert decisions["threat"] == "reject"
    assert decisions["insult"] in ("review", "reject")
    # Nothing was stored by either path.
    assert service.queue("demo", category=None, order="oldest", limit=10, cursor=None)["items"] == []
    service.db.dispose()


def test_a_bad_line_names_its_line_number(migrated: str, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "fine"}) + "\n" + '{"id": "b", "txt": "typo"}\n')
    result = CliRunner().invoke(
        main,
        ["score", "--input", str(source), "--output", str(tmp_path / "out.jsonl")],
        env={"MODERATION_DATABASE_URL": migrated},
    )
    assert result.exit_code == 1
    assert "in.jsonl:2" in result.output
    assert "Traceback" not in result.output


def test_a_site_policy_applies_offline(migrated: str, tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": migrated, "LOAD_MODELS": False, "LOG_JSON": False})
    service: Any = app.extensions["moderation"]
    service.accounts.create_site("strict")
    service.update_policy("strict", {"thresholds": {"toxicity": {"review": 0.01, "reject": 0.02}}}, actor="t")
    service.db.dispose()
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": "h", "text": "This policy is idiotic and the minister should resign."}) + "\n"
    )
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        main,
        ["score", "--input", str(source), "--output", str(out), "--site", "strict"],
        env={"MODERATION_DATABASE_URL": migrated},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["decision"] == "reject"
