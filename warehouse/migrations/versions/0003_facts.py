"""Facts for analysts and the status board: items, citations, check results, overrides.

    items                 one row per strength, priority or issue of a return version
    item_recommendations  the recommendations each item cites
    check_results         the latest outcome of each check for each return version
    overrides             a person accepted a return despite failed checks (or withdrew it)
    org_status            each organisation's status as of the day it was refreshed
    current_items (view)  one row per current item and cited recommendation, with its
                          organisation: what analysts read

Backfill: the items of every return already recorded are written from `returns.record`
(the canonical JSON), so a warehouse made by earlier code keeps all it knew. Checks are
not run here (they need the register and Great Expectations): the next intake run, or
`returns recheck`, checks every return that has no results yet.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from warehouse.columns import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS = ("organisation_identified", "sections_complete", "something_said", "signed", "right_signatory",
          "date_sane", "recommendations_valid", "on_time")

CURRENT_ITEMS = """
CREATE VIEW current_items AS
SELECT o.org_id, o.name AS organisation, o.type AS org_type, r.collection, r.id AS return_id,
       r.version, i.section, i.box, i.position, i.text, ir.recommendation
FROM items i
JOIN returns r ON r.id = i.return_id AND r.is_current
JOIN organisations o ON o.org_id = r.org_id
LEFT JOIN item_recommendations ir ON ir.item_id = i.id
"""


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("return_id", sa.Integer, sa.ForeignKey("returns.id", ondelete="CASCADE",
                                                         name="fk_items_return_id_returns"), nullable=False),
        sa.Column("section", sa.String(64), nullable=False),
        sa.Column("box", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.UniqueConstraint("return_id", "section", "box", "position", name="uq_items_return_id_section_box_position"),
    )
    op.create_index("ix_items_return_id", "items", ["return_id"])
    op.create_table(
        "item_recommendations",
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE",
                                                       name="fk_item_recommendations_item_id_items"),
                  primary_key=True),
        sa.Column("recommendation", sa.Integer, primary_key=True),
    )
    op.create_table(
        "check_results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("return_id", sa.Integer, sa.ForeignKey("returns.id", ondelete="CASCADE",
                                                         name="fk_check_results_return_id_returns"),
                  nullable=False),
        sa.Column("check_name", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("suite_version", sa.String(32), nullable=False),
        sa.Column("checked_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("return_id", "check_name", name="uq_check_results_return_id_check_name"),
        sa.CheckConstraint(_in("check_name", CHECKS), name="ck_check_results_check_name"),
        sa.CheckConstraint(_in("outcome", ("passed", "failed")), name="ck_check_results_outcome"),
        sa.CheckConstraint(_in("severity", ("blocks", "error", "flag")), name="ck_check_results_severity"),
    )
    op.create_index("ix_check_results_return_id", "check_results", ["return_id"])
    op.create_table(
        "overrides",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("return_id", sa.Integer, sa.ForeignKey("returns.id", ondelete="CASCADE",
                                                         name="fk_overrides_return_id_returns"), nullable=False),
        sa.Column("accepted", sa.Boolean, nullable=False),
        sa.Column("by", sa.String(255), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_overrides_return_id", "overrides", ["return_id"])
    op.create_table(
        "org_status",
        sa.Column("org_id", sa.String(64),
                  sa.ForeignKey("organisations.org_id", name="fk_org_status_org_id_organisations"), primary_key=True),
        sa.Column("collection", sa.String(64), primary_key=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("problems", sa.Text, nullable=False),  # comma-separated, table order
        sa.Column("reasons", sa.Text),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("escalated", sa.Boolean, nullable=False),
        sa.Column("current_return_id", sa.Integer,
                  sa.ForeignKey("returns.id", name="fk_org_status_current_return_id_returns")),
        sa.Column("current_version", sa.Integer),
        sa.Column("current_received_at", UTCDateTime()),
        sa.Column("refreshed_at", UTCDateTime(), nullable=False),
    )
    op.execute(CURRENT_ITEMS)
    _backfill_items()


def _backfill_items() -> None:
    """Items from the canonical JSON of every return already recorded."""
    conn = op.get_bind()
    returns = sa.table("returns", sa.column("id", sa.Integer), sa.column("record", sa.JSON))
    items = sa.table("items", sa.column("id", sa.Integer), sa.column("return_id", sa.Integer),
                     sa.column("section", sa.String), sa.column("box", sa.String),
                     sa.column("position", sa.Integer), sa.column("text", sa.Text))
    recs = sa.table("item_recommendations", sa.column("item_id", sa.Integer), sa.column("recommendation", sa.Integer))
    for return_id, record in conn.execute(sa.select(returns.c.id, returns.c.record)).all():
        if isinstance(record, str):
            record = json.loads(record)
        for section, boxes in (record.get("sections") or {}).items():
            for box in ("strengths", "priorities", "items"):
                for position, item in enumerate(boxes.get(box) or [], start=1):
                    item_id = conn.execute(sa.insert(items).values(
                        return_id=return_id, section=section, box=box, position=position, text=item["text"],
                    ).returning(items.c.id)).scalar_one()
                    numbers = sorted(set(item.get("recommendations") or []))
                    if numbers:
                        conn.execute(sa.insert(recs), [{"item_id": item_id, "recommendation": n} for n in numbers])


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS current_items")
    op.drop_table("org_status")
    op.drop_index("ix_overrides_return_id", table_name="overrides")
    op.drop_table("overrides")
    op.drop_index("ix_check_results_return_id", table_name="check_results")
    op.drop_table("check_results")
    op.drop_table("item_recommendations")
    op.drop_index("ix_items_return_id", table_name="items")
    op.drop_table("items")
