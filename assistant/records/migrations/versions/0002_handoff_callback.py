"""A handoff's callback number: where the shop calls the shopper back when no agent was free."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("callback", sa.String(40)))


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("callback")
