"""The conversation store's tables: one definition, used by the store and by the first migration's check."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text, false

metadata = MetaData()

conversations = Table(
    "conversations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("channel", String(16), nullable=False),  # "browser", "phone"
    Column("caller", JSON, nullable=False),  # the call's sid and parameters (the number, for a callback)
    Column("language", String(16), nullable=False, server_default=""),
    Column("cart", JSON, nullable=False),  # the latest cart: sku, product id, quantity
    Column("started_at", Float, nullable=False),  # unix time
    Column("ended_at", Float),
    Column("end_reason", String(200)),
    Index("ix_conversations_started_at", "started_at"),
)

lines = Table(
    "lines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(64), ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),  # "user", "assistant", "agent", "tool"
    Column("text", Text, nullable=False),  # the assistant's: only what the shopper heard
    Column("language", String(16), nullable=False, server_default=""),
    Column("asr_confidence", Float),  # shopper lines: Whisper's mean token probability
    Column("language_confidence", Float),
    Column("interrupted", Boolean, nullable=False, server_default=false()),
    Column("intent", String(64)),
    Column("products", JSON, nullable=False),  # product ids shown with this line
    Column("at", Float, nullable=False),
    Index("ix_lines_conversation", "conversation_id", "id"),
)

handoffs = Table(
    "handoffs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("conversation_id", String(64), ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("language", String(16), nullable=False),
    Column("caller", JSON, nullable=False),
    Column("products", JSON, nullable=False),
    Column("cart", JSON, nullable=False),
    Column("summary", Text, nullable=False, server_default=""),
    Column("summary_by", String(16), nullable=False, server_default="template"),
    Column("status", String(16), nullable=False, server_default="waiting"),  # waiting, accepted, closed
    Column("agent", String(64)),
    Column("created_at", Float, nullable=False),
    Column("accepted_at", Float),
    Column("closed_at", Float),
    Column("callback", String(40)),  # the number to call back when no agent was free (personal data, kept apart)
    Index("ix_handoffs_status_created", "status", "created_at"),
)

# One row per handoff to announce to the shop's webhook: retried from here until delivered, so a webhook
# that is down never loses a handoff.
deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("handoff_id", String(64), ForeignKey("handoffs.id", ondelete="CASCADE"), primary_key=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", Float, nullable=False),
    Column("claimed_until", Float, nullable=False, server_default="0"),  # a worker is sending it
    Column("delivered_at", Float),
    Column("last_error", String(300)),
    Index("ix_deliveries_due", "delivered_at", "next_attempt_at"),
)
