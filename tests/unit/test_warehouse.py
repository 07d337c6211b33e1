"""Warehouse behaviours on SQLite (a migrated file per test), plus SQLite-only checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Dialect, text
from sqlalchemy.dialects import postgresql, sqlite

from core.errors import ConfigurationError, WarehouseUnavailable
from schemas.identity import normalise_message_id, submission_key
from schemas.register import read_register
from tests.warehouse_behaviours import WarehouseBehaviours
from warehouse.columns import UTCDateTime
from warehouse.db import check_connection, make_engine, mask_url, upgrade


class TestSQLite(WarehouseBehaviours):
    concurrent_workers = 4

    @pytest.fixture
    def url(self, sqlite_url: str) -> str:
        return sqlite_url


def test_sqlite_pragmas(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        got = [
            conn.execute(text(f"PRAGMA {p}")).scalar()
            for p in ("journal_mode", "foreign_keys", "busy_timeout")
        ]
    engine.dispose()
    assert got == ["wal", 1, 30000]


def test_unreachable_postgres_is_transient_with_password_masked() -> None:
    url = "postgresql://intake:s3cret-pw@127.0.0.1:1/warehouse"
    engine = make_engine(url)
    with pytest.raises(WarehouseUnavailable) as info:
        check_connection(engine)
    message = str(info.value)
    assert "s3cret-pw" not in message
    assert message.startswith(
        "database postgresql+psycopg://intake:***@127.0.0.1:1/warehouse: cannot connect: "
    )
    with pytest.raises(WarehouseUnavailable) as info2:
        upgrade(url)
    assert "s3cret-pw" not in str(info2.value)


def test_unsupported_database_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"mysql://u:\*\*\*@h/db: only SQLite"):
        make_engine("mysql://u:pw@h/db")


def test_mask_url() -> None:
    assert mask_url("postgresql+psycopg://a:b@h:5432/d") == "postgresql+psycopg://a:***@h:5432/d"


def test_message_id_normalisation() -> None:
    assert normalise_message_id(" <a@b>\r\n ") == "<a@b>"
    assert normalise_message_id("a@b") == "<a@b>"
    assert normalise_message_id("<>") is None
    assert normalise_message_id(None) is None
    assert submission_key("<a@b>", "f" * 64) == "mid:<a@b>"
    assert submission_key(None, "f" * 64) == "sha:" + "f" * 64


def test_register_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "register.csv"
    bad.write_text(
        "org_id,name,aliases,type,services,contact_email\n"
        "fife,Fife Council,Fife,council,children_families,x@y\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError, match=r"line 2: type 'council' is not one of"):
        read_register(bad)
    bad.write_text("org_id,name\nfife,Fife\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="missing columns aliases, contact_email"):
        read_register(bad)


def test_spec_register_matches_the_bundled_one() -> None:
    from core.paths import BUNDLED_REGISTER
    from tests.paths import SPEC

    spec = SPEC / "register.csv"

    assert len(read_register(spec)) == 44
    assert read_register(spec) == read_register(BUNDLED_REGISTER)


@settings(max_examples=40, deadline=None)
@given(
    st.datetimes(
        min_value=dt.datetime(1970, 1, 2),
        max_value=dt.datetime(2200, 1, 1),
        timezones=st.timezones(),
    )
)
def test_utc_datetime_round_trip(when: dt.datetime) -> None:
    col = UTCDateTime()
    dialects: list[Dialect] = [sqlite.dialect(), postgresql.dialect()]  # type: ignore[no-untyped-call]
    for dialect in dialects:
        stored = col.process_bind_param(when, dialect)
        back = col.process_result_value(stored, dialect)
        # compare instants: PEP 495 makes a time in a DST fold unequal to any other zone
        assert back is not None and back.timestamp() == when.timestamp()
        assert back is not None and back.utcoffset() == dt.timedelta(0)
