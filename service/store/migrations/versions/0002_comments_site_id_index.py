"""index comments by (site_id, id) for the near-duplicate top-up

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 02:35:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index("ix_comments_site_id", "comments", ["site_id", "id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_comments_site_id", table_name="comments")
