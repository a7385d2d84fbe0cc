"""Conversations, their lines, handoffs and webhook deliveries."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("caller", sa.JSON, nullable=False),
        sa.Column("language", sa.String(16), nullable=False, server_default=""),
        sa.Column("cart", sa.JSON, nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float),
        sa.Column("end_reason", sa.String(200)),
    )
    op.create_index("ix_conversations_started_at", "conversations", ["started_at"])
    op.create_table(
        "lines",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "conversation_id",
            sa.String(64),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("language", sa.String(16), nullable=False, server_default=""),
        sa.Column("asr_confidence", sa.Float),
        sa.Column("language_confidence", sa.Float),
        sa.Column("interrupted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("intent", sa.String(64)),
        sa.Column("products", sa.JSON, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_lines_conversation", "lines", ["conversation_id", "id"])
    op.create_table(
        "handoffs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "conversation_id",
            sa.String(64),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("caller", sa.JSON, nullable=False),
        sa.Column("products", sa.JSON, nullable=False),
        sa.Column("cart", sa.JSON, nullable=False),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("summary_by", sa.String(16), nullable=False, server_default="template"),
        sa.Column("status", sa.String(16), nullable=False, server_default="waiting"),
        sa.Column("agent", sa.String(64)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("accepted_at", sa.Float),
        sa.Column("closed_at", sa.Float),
    )
    op.create_index("ix_handoffs_status_created", "handoffs", ["status", "created_at"])
    op.create_table(
        "webhook_deliveries",
        sa.Column(
            "handoff_id",
            sa.String(64),
            sa.ForeignKey("handoffs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("claimed_until", sa.Float, nullable=False, server_default="0"),
        sa.Column("delivered_at", sa.Float),
        sa.Column("last_error", sa.String(300)),
    )
    op.create_index("ix_deliveries_due", "webhook_deliveries", ["delivered_at", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("handoffs")
    op.drop_table("lines")
    op.drop_table("conversations")
