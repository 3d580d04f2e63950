"""Fixtures: the app on real SQLite and real PostgreSQL, a test client, the CLI runner, and a tiny scorer."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import text

from service.app import create_app
from service.moderation.types import CATEGORIES, Span
from service.store.db import Database, upgrade
from service.store.tables import Base
from service.text import NormalisedText

REPO_ROOT = Path(__file__).resolve().parents[1]
DATASETS = REPO_ROOT.parent / "shared" / "datasets"
PG_ADMIN_URL = os.environ.get("MODERATION_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


class KeywordScorer:
    """A tiny deterministic Scorer for API tests: a few words drive a few categories.

    Tests that need the real classifiers use the shipped artifacts instead (tests/ml, tests/test_end_to_end.py).
    """

    version = "keyword-test-1"
    card: ClassVar[dict[str, Any]] = {"version": "keyword-test-1", "sha256": "0" * 64}
    WORDS: ClassVar[dict[str, tuple[str, float]]] = {
        "idiot": ("insult", 0.97),
        "moron": ("insult", 0.7),
        "buy": ("spam", 0.95),
        "hate": ("toxicity", 0.6),
    }

    def __init__(self) -> None:
        self.calls = 0

    def score(self, texts: Sequence[NormalisedText]) -> list[dict[str, float]]:
        self.calls += 1
        results = []
        for norm in texts:
            scores = dict.fromkeys(CATEGORIES, 0.01)
            for word, (category, value) in self.WORDS.items():
                if word in norm.text:
                    scores[category] = max(scores[category], value)
                    if category == "insult":
                        scores["toxicity"] = max(scores["toxicity"], value)
            results.append(scores)
        return results

    def explain(self, norm: NormalisedText, category: str, limit: int = 3) -> tuple[Span, ...]:
        spans = []
        for word, (cat, _) in self.WORDS.items():
            start = norm.text.find(word)
            if start >= 0 and (cat == category or (category == "toxicity" and cat == "insult")):
                spans.append(norm.to_original(start, start + len(word)))
        return tuple(spans[:limit])

    def operating_points(self) -> dict[str, tuple[float, float]]:
        return dict.fromkeys(CATEGORIES, (0.5, 0.9))


class Clock:
    """A monotonic clock a test moves by hand (for caches with a time to live)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=2):
            return True
    except Exception:
        return False


def _require(flag: str) -> bool:
    return os.environ.get(flag) == "1"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    if not _postgres_available():
        if _require("MODERATION_TEST_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required here but {PG_ADMIN_URL} is unreachable")
        pytest.skip("PostgreSQL is not running")
    import psycopg

    name = f"moderation_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file migrated once for this test session."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'moderation.db'}"
    upgrade(url)
    return url


def _truncate(url: str) -> None:
    database = Database(url)
    with database.write() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(text(f"DELETE FROM {table.name}"))
    database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each backend in turn, emptied before the test."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    _truncate(url)
    return url


@pytest.fixture
def scorer() -> KeywordScorer:
    """The tiny deterministic scorer."""
    return KeywordScorer()


@pytest.fixture
def app(database_url: str, scorer: KeywordScorer, tmp_path: Path) -> Iterator[Any]:
    """The app on a real database with the tiny scorer."""
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SCORER": scorer,
            "LOG_JSON": False,
            "RATELIMIT_ENABLED": False,
            "DELIVER_IN_PROCESS": False,
        }
    )
    yield application
    application.extensions["moderation"].db.dispose()


@pytest.fixture
def client(app: Any) -> Any:
    """A test client."""
    return app.test_client()


@pytest.fixture
def service(app: Any) -> Any:
    """The app's ModerationService."""
    return app.extensions["moderation"]


@pytest.fixture
def site(service: Any) -> dict[str, str]:
    """A site with one key per role and its signing secret."""
    _, secret = service.accounts.create_site("demo")
    keys = {role: service.accounts.create_key("demo", role) for role in ("ingest", "moderator", "admin")}
    return {"name": "demo", "secret": secret, **keys}


def bearer(key: str) -> dict[str, str]:
    """Authorization header for a key."""
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def datasets_dir() -> Path:
    """../shared/datasets, or skip (fail in CI) when it is missing."""
    if not DATASETS.is_dir():
        if _require("MODERATION_TEST_REQUIRE_DATASETS"):
            pytest.fail(f"datasets are required here but {DATASETS} is missing")
        pytest.skip("../shared/datasets is not available on this machine")
    return DATASETS
