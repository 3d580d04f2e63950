"""Alembic environment: runs migrations against the URL the service is configured with."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from service.store.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    """Run migrations online, in one transaction."""
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set"
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=url.startswith("sqlite"),
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
