"""Throwaway databases for the benchmarks: a SQLite file, or a PostgreSQL database dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_ADMIN_URL = os.environ.get("MODERATION_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_available() -> bool:
    """Whether the PostgreSQL server in PG_ADMIN_URL answers."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=2):
            return True
    except Exception:
        return False


@contextmanager
def database(backend: str, workdir: Path, label: str = "bench", migrate: bool = False) -> Iterator[str]:
    """A fresh database URL for one run; migrated first when `migrate` is set."""
    from service.store.db import upgrade

    if backend == "sqlite":
        url = f"sqlite:///{workdir / f'{label}.db'}"
        if migrate:
            upgrade(url)
        yield url
        return
    import psycopg

    name = f"moderation_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        if migrate:
            upgrade(url)
        yield url
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
