"""Chasing: one row per reminder or chase sent (or claimed) to an organisation.

    chases   UNIQUE(collection, org_id, event, date): never two for one event

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from warehouse.columns import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("collection", sa.String(64), nullable=False),
        sa.Column("org_id", sa.String(64),
                  sa.ForeignKey("organisations.org_id", name="fk_chases_org_id_organisations"), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("problems", sa.Text, nullable=False),
        sa.Column("reasons", sa.Text),
        sa.Column("to_address", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("message_id", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("sent_at", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("collection", "org_id", "event", "date",
                            name="uq_chases_collection_org_id_event_date"),
        sa.CheckConstraint("event IN ('reminder', 'chase')", name="ck_chases_event"),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="ck_chases_status"),
    )


def downgrade() -> None:
    op.drop_table("chases")
