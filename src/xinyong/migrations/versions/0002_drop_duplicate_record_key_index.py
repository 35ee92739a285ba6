"""drop ix_credit_record_current: the (natural_key, version) unique index already serves key lookups

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 05:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every import writes both indexes at random positions (the key is a hash); one is enough.
    op.drop_index("ix_credit_record_current", table_name="credit_record")


def downgrade() -> None:
    op.create_index("ix_credit_record_current", "credit_record", ["natural_key", "is_current"], unique=False)
