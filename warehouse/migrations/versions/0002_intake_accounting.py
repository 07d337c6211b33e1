"""Every email accounted for: received time, repeats, automatic replies, attempts, audit.

    submissions  + sent_at (the sender's Date:), fingerprint (content identity),
                   repeat_of -> submissions.id; status adds repeat, auto_reply,
                   unknown_sender (the unused 'duplicate' becomes 'repeat')
    mail_ledger  + attempts, last_attempt_at, internal_date
    audit_log    new: who changed what, when, from and to

Backfill: `received_at` was the sender's Date: header; it becomes the topmost
Received: header's date (RETURN-FORM.md section 7), read from the raw emails in the
blob store, and the Date: header moves to `sent_at`. The blob root comes from
`config.attributes["blob_root"]` (`warehouse.db.upgrade(url, blob_root=...)`), else
`-x blob_root=PATH`, else the RETURNS_BLOB_ROOT environment variable. When the blobs
cannot be reached the rows keep their time (Date:, the best there was) and an
`audit_log` note says so. Where a return's received time changes, "current" is
recomputed for its organisation (the return received last).

Downgrade restores the old schema and the old meaning of `received_at` (the sender's
Date:), maps the new statuses onto old ones and drops the audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import itertools
import logging
import os
from collections.abc import Sequence
from email.utils import parsedate_to_datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

from warehouse.columns import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

OLD_STATUSES = ("received", "extracted", "unmatched", "duplicate", "no_return", "quarantined")
NEW_STATUSES = ("received", "extracted", "unmatched", "repeat", "no_return", "quarantined",
                "auto_reply", "unknown_sender")
# 0001 named its CHECK constraints "ck_<table>_ck_<table>_<name>" (the naming convention
# was applied to names already in full); the new one gets the name the models give it.
OLD_CHECK_NAME = "ck_submissions_ck_submissions_status"
NEW_CHECK_NAME = "ck_submissions_status"
DOWN_STATUS = {"repeat": "duplicate", "auto_reply": "no_return", "unknown_sender": "no_return"}
ACTOR = "migration 0002"

_submissions = sa.table(
    "submissions",
    sa.column("id", sa.Integer()),
    sa.column("raw_sha256", sa.String(64)),
    sa.column("received_at", UTCDateTime()),
    sa.column("sent_at", UTCDateTime()),
    sa.column("status", sa.String(16)),
)
_returns = sa.table(
    "returns",
    sa.column("id", sa.Integer()),
    sa.column("submission_id", sa.Integer()),
    sa.column("org_id", sa.String(64)),
    sa.column("collection", sa.String(64)),
    sa.column("received_at", UTCDateTime()),
    sa.column("is_current", sa.Boolean()),
    sa.column("superseded_by", sa.Integer()),
)
_audit = sa.table(
    "audit_log",
    sa.column("at", UTCDateTime()),
    sa.column("actor", sa.String(255)),
    sa.column("action", sa.String(64)),
    sa.column("detail", sa.Text()),
)


def _check(statuses: Sequence[str]) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("return_id", sa.Integer(), nullable=True),
        sa.Column("from_value", sa.Text(), nullable=True),
        sa.Column("to_value", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name="fk_audit_log_submission_id_submissions"
        ),
        sa.ForeignKeyConstraint(["return_id"], ["returns.id"], name="fk_audit_log_return_id_returns"),
    )
    op.create_index("ix_audit_log_submission_id", "audit_log", ["submission_id"])
    with op.batch_alter_table("mail_ledger") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")))
        batch.add_column(sa.Column("last_attempt_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("internal_date", UTCDateTime(), nullable=True))
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("fingerprint", sa.String(64), nullable=True))
        batch.add_column(sa.Column("sent_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("repeat_of", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_submissions_repeat_of_submissions"), "submissions", ["repeat_of"], ["id"])
        batch.drop_constraint(op.f(OLD_CHECK_NAME), type_="check")
    op.execute(_submissions.update().where(_submissions.c.status == "duplicate").values(status="repeat"))
    with op.batch_alter_table("submissions") as batch:
        batch.create_check_constraint(op.f(NEW_CHECK_NAME), _check(NEW_STATUSES))
    _backfill_received()


def downgrade() -> None:
    bind = op.get_bind()
    moved = bind.execute(
        sa.select(_submissions.c.id).where(
            _submissions.c.sent_at.is_not(None), _submissions.c.sent_at != _submissions.c.received_at
        )
    ).scalars().all()
    # The old meaning of received_at: the sender's Date: header.
    op.execute(_submissions.update().where(_submissions.c.sent_at.is_not(None))
               .values(received_at=_submissions.c.sent_at))
    _copy_received_to_returns(bind, moved)
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint(op.f(NEW_CHECK_NAME), type_="check")
    for new, old in DOWN_STATUS.items():
        op.execute(_submissions.update().where(_submissions.c.status == new).values(status=old))
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint(op.f("fk_submissions_repeat_of_submissions"), type_="foreignkey")
        batch.drop_column("repeat_of")
        batch.drop_column("sent_at")
        batch.drop_column("fingerprint")
    with op.batch_alter_table("submissions") as batch:
        batch.create_check_constraint(op.f(OLD_CHECK_NAME), _check(OLD_STATUSES))
    with op.batch_alter_table("mail_ledger") as batch:
        batch.drop_column("internal_date")
        batch.drop_column("last_attempt_at")
        batch.drop_column("attempts")
    op.drop_index("ix_audit_log_submission_id", table_name="audit_log")
    op.drop_table("audit_log")


# -- backfill -------------------------------------------------------------------------


def _blob_root() -> Path | None:
    config = context.config
    given = config.attributes.get("blob_root") or context.get_x_argument(as_dictionary=True).get("blob_root")
    given = given or os.environ.get("RETURNS_BLOB_ROOT")
    return Path(given) if given else None


def _backfill_received() -> None:
    """received_at from the topmost Received: header of each stored raw email; the old
    value (the Date: header) moves to sent_at. Returns follow their submission."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(_submissions.c.id, _submissions.c.raw_sha256, _submissions.c.received_at)).all()
    root = _blob_root()
    if not rows:
        return
    if root is None or not root.is_dir():
        where = "no blob root was given" if root is None else f"the blob store {root} is not there"
        _note(bind, f"received_at was not backfilled for {len(rows)} submission(s): {where}; they keep the "
                    "sender's Date: header as their received time, and sent_at is the same")
        op.execute(_submissions.update().values(sent_at=_submissions.c.received_at))
        return
    moved: list[int] = []
    missing = 0
    for sub_id, sha, old in rows:
        found = _read_times(root, sha)
        if found is None:
            missing += 1
            bind.execute(_submissions.update().where(_submissions.c.id == sub_id).values(sent_at=old))
            continue
        received, sent = found
        values: dict[str, dt.datetime | None] = {"sent_at": sent}
        if received is not None and received != old:
            values["received_at"] = received
            moved.append(sub_id)
        bind.execute(_submissions.update().where(_submissions.c.id == sub_id).values(**values))
    _copy_received_to_returns(bind, moved)
    if missing:
        _note(bind, f"received_at was not backfilled for {missing} submission(s): their raw email is not in "
                    f"the blob store {root}; they keep the sender's Date: header as their received time")


def _read_times(root: Path, sha: str) -> tuple[dt.datetime | None, dt.datetime | None] | None:
    """(topmost Received: date, Date:) of a stored raw email; None when it is not there."""
    path = root / sha[:2] / sha[2:4] / sha
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    headers = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw, headersonly=True)
    received = headers.get("Received")
    stamp = str(received).rpartition(";")[2] if received is not None and ";" in str(received) else None
    return _when(stamp), _when(headers.get("Date"))


def _when(value: object) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = parsedate_to_datetime(" ".join(str(value).split()))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def _copy_received_to_returns(bind: sa.Connection, submission_ids: Sequence[int]) -> None:
    """Returns take their submission's received time; "current" is recomputed for
    every organisation whose returns moved: the one received last is current, and each
    earlier one is superseded by the next."""
    if not submission_ids:
        return
    touched: set[tuple[str, str]] = set()
    for sub_id in submission_ids:
        when = bind.execute(sa.select(_submissions.c.received_at).where(_submissions.c.id == sub_id)).scalar_one()
        bind.execute(_returns.update().where(_returns.c.submission_id == sub_id).values(received_at=when))
        touched.update(
            (org, coll) for org, coll in bind.execute(
                sa.select(_returns.c.org_id, _returns.c.collection)
                .where(_returns.c.submission_id == sub_id, _returns.c.org_id.is_not(None))
            ).all()
        )
    for org, coll in sorted(touched):
        ids = bind.execute(
            sa.select(_returns.c.id).where(_returns.c.org_id == org, _returns.c.collection == coll)
            .order_by(_returns.c.received_at, _returns.c.id)
        ).scalars().all()
        mine = (_returns.c.org_id == org) & (_returns.c.collection == coll)
        bind.execute(_returns.update().where(mine).values(is_current=False))  # unset before set
        for earlier, later in itertools.pairwise(ids):
            bind.execute(_returns.update().where(_returns.c.id == earlier).values(superseded_by=later))
        bind.execute(_returns.update().where(_returns.c.id == ids[-1]).values(is_current=True, superseded_by=None))


def _note(bind: sa.Connection, detail: str) -> None:
    log.warning("%s: %s", ACTOR, detail)
    bind.execute(_audit.insert().values(at=dt.datetime.now(dt.UTC), actor=ACTOR, action="migration_note",
                                        detail=detail))
