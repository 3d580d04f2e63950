"""Static checks of the container files (no Docker engine runs here): they parse and say what operations needs."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_compose_file_parses_and_wires_the_services() -> None:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"api", "worker", "postgres", "migrate"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["worker"]["command"] == ["moderation", "worker"]
    assert services["migrate"]["command"] == ["moderation", "db", "upgrade"]
    api = services["api"]
    assert api["command"][:4] == ["moderation", "serve", "--host", "0.0.0.0"]  # noqa: S104 (inside a container)
    assert api["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("api", "worker", "migrate"):
        assert services[name]["environment"]["MODERATION_DATABASE_URL"].startswith("postgresql://")
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pgdata" in compose["volumes"]


def test_dockerfile_runs_as_a_non_root_user_on_all_interfaces() -> None:
    lines = [line.strip() for line in (REPO_ROOT / "Dockerfile").read_text().splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    assert instructions[0] == "FROM python:3.11-slim"
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    cmd = [line for line in instructions if line.startswith("CMD ")][
        -1
    ]  # the last one wins (not HEALTHCHECK's)
    assert '"serve"' in cmd and '"0.0.0.0"' in cmd
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".git" in ignored
