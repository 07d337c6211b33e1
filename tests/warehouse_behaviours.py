"""Warehouse behaviours, run against SQLite (tests/unit) and PostgreSQL (tests/live).

A subclass supplies the `url` fixture (a migrated, empty warehouse) and
`concurrent_workers`; every test here then runs on that database.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.exc import IntegrityError

from core.errors import LedgerStatusRefused
from core.paths import BUNDLED_REGISTER
from schemas import Return
from schemas.intake import MailKey
from schemas.vocab import MailStatus, OutboxStatus, ReturnOutcome, SubmissionStatus
from warehouse.audit import audit_entries
from warehouse.db import head_revision, make_engine, session_scope, upgrade
from warehouse.ledger import record_mail, set_mail_status
from warehouse.models import Base, Organisation, OutboxMessage, ReturnVersion, Submission
from warehouse.organisations import RegisterLoad, load_register
from warehouse.outbox import record_ack
from warehouse.reports import submissions_report
from warehouse.submissions import add_document, reused_message_id, upsert_submission
from warehouse.versions import add_return_version, assign_submission

UTC = dt.UTC
T0 = dt.datetime(2006, 10, 20, 9, 0, tzinfo=UTC)
TABLES = ["audit_log", "chases", "check_results", "documents", "item_recommendations", "items", "mail_ledger",
          "org_status", "organisations", "outbox", "overrides", "returns", "submissions"]
T0_ISO = "2006-10-20T09:00:00+00:00"


def sha(n: int) -> str:
    return f"{n:064x}"


class WarehouseBehaviours:
    concurrent_workers = 4

    @pytest.fixture
    def engine(self, url: str) -> Iterator[Engine]:
        engine = make_engine(url)
        yield engine
        engine.dispose()

    @pytest.fixture
    def registered(self, engine: Engine) -> Engine:
        with session_scope(engine) as s:
            load_register(s)
        return engine

    def _submission(self, engine: Engine, n: int, mid: str | None = None) -> int:
        with session_scope(engine) as s:
            sub, _ = upsert_submission(
                s, raw_sha256=sha(n), message_id=mid or f"<m{n}@example.org>", received_at=T0
            )
            return sub.id

    # --- migrations -------------------------------------------------------------------

    def test_migrations_create_every_table_and_match_the_models(self, engine: Engine) -> None:
        assert sorted(inspect(engine).get_table_names()) == ["alembic_version", *TABLES]
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert ctx.get_current_revision() == head_revision()
            assert compare_metadata(ctx, Base.metadata) == []

    def test_upgrade_twice_is_a_no_op(self, url: str, engine: Engine) -> None:
        upgrade(url)
        assert sorted(inspect(engine).get_table_names()) == ["alembic_version", *TABLES]

    # --- register ----------------------------------------------------------------------

    def test_register_load_is_idempotent_with_44_organisations(self, engine: Engine) -> None:
        with session_scope(engine) as s:
            first = load_register(s)
        with session_scope(engine) as s:
            second = load_register(s)
            count = s.scalar(select(func.count()).select_from(Organisation))
            fife = s.get(Organisation, "fife")
            assert fife is not None
            fife_row = (fife.name, fife.type, fife.aliases, fife.services, fife.contact_email)
            councils = s.scalar(
                select(func.count())
                .select_from(Organisation)
                .where(Organisation.type == "local_authority")
            )
        assert first == RegisterLoad(inserted=44, updated=0, unchanged=0, not_in_file=0)
        assert second == RegisterLoad(inserted=0, updated=0, unchanged=44, not_in_file=0)
        assert count == 44
        assert councils == 32
        assert fife_row == (
            "Fife Council",
            "local_authority",
            ["Fife"],
            ["children_families", "community_care", "criminal_justice"],
            "cswo.office@fife.council.example",
        )
        assert BUNDLED_REGISTER.name == "register.csv"

    # --- submissions -------------------------------------------------------------------

    def test_re_upserting_a_submission_returns_the_same_row_not_created(
        self, engine: Engine
    ) -> None:
        with session_scope(engine) as s:
            first, created1 = upsert_submission(
                s,
                raw_sha256=sha(1),
                message_id="<abc@fife.example>",
                received_at=T0,
                sender="cswo@fife.example",
                subject="Changing Lives return",
            )
        with session_scope(engine) as s:
            # re-delivery: other trace headers, so other raw bytes; same Message-ID
            again, created2 = upsert_submission(
                s, raw_sha256=sha(2), message_id=" abc@fife.example ", received_at=T0
            )
            rows = s.execute(
                select(Submission.id, Submission.dedup_key, Submission.raw_sha256)
            ).all()
        assert (created1, created2) == (True, False)
        assert again.id == first.id
        assert rows == [(first.id, "mid:<abc@fife.example>", sha(1))]

    def test_email_without_message_id_is_keyed_on_its_raw_bytes(self, engine: Engine) -> None:
        with session_scope(engine) as s:
            a, c1 = upsert_submission(s, raw_sha256=sha(7), message_id=None, received_at=T0)
            b, c2 = upsert_submission(s, raw_sha256=sha(7), message_id="  ", received_at=T0)
            c, c3 = upsert_submission(s, raw_sha256=sha(8), message_id=None, received_at=T0)
            keys = [a.dedup_key, b.dedup_key, c.dedup_key]
        assert (c1, c2, c3) == (True, False, True)
        assert keys == [f"sha:{sha(7)}", f"sha:{sha(7)}", f"sha:{sha(8)}"]

    def test_concurrent_workers_inserting_one_submission_make_one_row(self, url: str) -> None:
        workers = self.concurrent_workers
        engines = [make_engine(url) for _ in range(workers)]
        barrier = threading.Barrier(workers)
        results: list[tuple[int, bool]] = []
        errors: list[BaseException] = []

        def work(engine: Engine) -> None:
            try:
                barrier.wait(timeout=10)
                with session_scope(engine) as s:
                    sub, created = upsert_submission(
                        s, raw_sha256=sha(42), message_id="<race@x.example>", received_at=T0
                    )
                    results.append((sub.id, created))
            except BaseException as err:  # surfaced below
                errors.append(err)

        self._run_threads(work, engines)
        assert errors == []
        assert sorted(created for _, created in results) == [False] * (workers - 1) + [True]
        assert len({sub_id for sub_id, _ in results}) == 1
        with session_scope(engines[0]) as s:
            assert s.scalar(select(func.count()).select_from(Submission)) == 1
        for e in engines:
            e.dispose()

    @staticmethod
    def _run_threads(work: Callable[[Engine], None], engines: list[Engine]) -> None:
        threads = [threading.Thread(target=work, args=(e,)) for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert [t.is_alive() for t in threads] == [False] * len(threads)

    # --- documents and returns ---------------------------------------------------------

    def test_add_document_is_idempotent_per_submission(self, engine: Engine) -> None:
        sub_id = self._submission(engine, 1)
        with session_scope(engine) as s:
            d1, c1 = add_document(
                s,
                submission_id=sub_id,
                sha256=sha(100),
                size=10,
                blob_path="00/00/x",
                filename="../../etc/passwd.docx",
            )
            d2, c2 = add_document(
                s, submission_id=sub_id, sha256=sha(100), size=10, blob_path="00/00/x"
            )
            ids = (d1.id, d2.id, d2.filename)
        assert (c1, c2) == (True, False)
        assert ids == (d1.id, d1.id, "../../etc/passwd.docx")

    def test_versions_supersede_with_exactly_one_current(
        self, registered: Engine, make_return: Callable[..., Return]
    ) -> None:
        engine = registered
        outcomes = []
        for n in (1, 2, 3):
            sub_id = self._submission(engine, n)
            with session_scope(engine) as s:
                row, outcome = add_return_version(
                    s,
                    "fife",
                    sha(100 + n),
                    make_return(strength=f"strength {n}"),
                    submission_id=sub_id,
                    received_at=T0 + dt.timedelta(days=n),
                )
                outcomes.append((row.version, outcome))
        with session_scope(engine) as s:
            rows = s.execute(
                select(
                    ReturnVersion.version,
                    ReturnVersion.is_current,
                    ReturnVersion.superseded_by,
                    ReturnVersion.document_sha256,
                ).order_by(ReturnVersion.version)
            ).all()
            ids = s.scalars(select(ReturnVersion.id).order_by(ReturnVersion.version)).all()
        assert outcomes == [
            (1, ReturnOutcome.NEW),
            (2, ReturnOutcome.SUPERSEDED_PREVIOUS),
            (3, ReturnOutcome.SUPERSEDED_PREVIOUS),
        ]
        assert rows == [
            (1, False, ids[1], sha(101)),
            (2, False, ids[2], sha(102)),
            (3, True, None, sha(103)),
        ]

    def test_an_older_email_processed_late_does_not_become_current(
        self, registered: Engine, make_return: Callable[..., Return]
    ) -> None:
        engine = registered
        new_sub, old_sub = self._submission(engine, 1), self._submission(engine, 2)
        with session_scope(engine) as s:
            newer, o1 = add_return_version(
                s,
                "fife",
                sha(201),
                make_return(),
                submission_id=new_sub,
                received_at=T0 + dt.timedelta(days=5),
            )
            older, o2 = add_return_version(
                s,
                "fife",
                sha(202),
                make_return(strength="draft"),
                submission_id=old_sub,
                received_at=T0,
            )
            got = [(newer.version, newer.is_current), (older.version, older.is_current)]
            assert older.superseded_by == newer.id
        assert (o1, o2) == (ReturnOutcome.NEW, ReturnOutcome.OLDER_THAN_CURRENT)
        assert got == [(1, True), (2, False)]

    def test_same_document_in_a_second_email_is_one_return(
        self, registered: Engine, make_return: Callable[..., Return]
    ) -> None:
        engine = registered
        first, second = self._submission(engine, 1), self._submission(engine, 2)
        with session_scope(engine) as s:
            for sub_id in (first, second):
                add_document(s, submission_id=sub_id, sha256=sha(300), size=5, blob_path="p")
            r1, o1 = add_return_version(
                s, "fife", sha(300), make_return(), submission_id=first, received_at=T0
            )
            r2, o2 = add_return_version(
                s, "fife", sha(300), make_return(), submission_id=second, received_at=T0
            )
            assert r2.id == r1.id
            count = s.scalar(select(func.count()).select_from(ReturnVersion))
            report = submissions_report(s)
        assert (o1, o2, count) == (ReturnOutcome.NEW, ReturnOutcome.DUPLICATE, 1)
        assert [r["returns"] for r in report] == [
            [{"version": 1, "current": True, "org_id": "fife"}],
            [{"version": 1, "current": True, "org_id": "fife"}],
        ]

    def test_database_refuses_two_current_returns(
        self, registered: Engine, make_return: Callable[..., Return]
    ) -> None:
        sub_id = self._submission(registered, 1)
        with session_scope(registered) as s:
            add_return_version(
                s, "fife", sha(401), make_return(), submission_id=sub_id, received_at=T0
            )
        one_current = r"uq_returns_one_current|UNIQUE constraint failed: returns.org_id"
        with pytest.raises(IntegrityError, match=one_current), session_scope(registered) as s:
            add_return_version(
                s, "fife", sha(402), make_return(), submission_id=sub_id, received_at=T0
            )
            first = s.scalars(select(ReturnVersion).where(ReturnVersion.version == 1)).one()
            first.is_current = True  # bypass the repository: the index must stop it
            s.flush()

    def test_concurrent_versions_for_one_organisation(
        self, url: str, registered: Engine, make_return: Callable[..., Return]
    ) -> None:
        workers = self.concurrent_workers
        sub_id = self._submission(registered, 1)
        engines = [make_engine(url) for _ in range(workers)]
        barrier = threading.Barrier(workers)
        errors: list[BaseException] = []
        counter = iter(range(workers))
        lock = threading.Lock()

        def work(engine: Engine) -> None:
            with lock:
                n = next(counter)
            try:
                barrier.wait(timeout=10)
                with session_scope(engine) as s:
                    add_return_version(
                        s,
                        "fife",
                        sha(500 + n),
                        make_return(strength=f"s{n}"),
                        submission_id=sub_id,
                        received_at=T0 + dt.timedelta(hours=n),
                    )
            except BaseException as err:
                errors.append(err)

        self._run_threads(work, engines)
        for e in engines:
            e.dispose()
        assert errors == []
        with session_scope(registered) as s:
            rows = s.execute(
                select(ReturnVersion.version, ReturnVersion.is_current, ReturnVersion.received_at)
            ).all()
        assert sorted(v or 0 for v, _, _ in rows) == list(range(1, workers + 1))
        currents = [received for _, current, received in rows if current]
        assert currents == [T0 + dt.timedelta(hours=workers - 1)]

    def test_unmatched_return_then_assigned_by_a_person(
        self, registered: Engine, make_return: Callable[..., Return]
    ) -> None:
        engine = registered
        sub_id = self._submission(engine, 1, "<who@x.example>")
        with session_scope(engine) as s:
            add_return_version(
                s, "fife", sha(600), make_return(), submission_id=sub_id, received_at=T0
            )
        sub2 = self._submission(engine, 2, "<unknown@x.example>")
        with session_scope(engine) as s:
            row, outcome = add_return_version(
                s,
                None,
                sha(601),
                make_return("Fyfe Cncl"),
                submission_id=sub2,
                received_at=T0 + dt.timedelta(days=1),
            )
            assert (row.version, row.is_current, outcome) == (None, False, ReturnOutcome.UNMATCHED)
            s.get_one(Submission, sub2).status = SubmissionStatus.UNMATCHED.value
        with session_scope(engine) as s:
            before = submissions_report(s)[1]
            done = assign_submission(s, sub2, "fife", "A. Reviewer")
            result = [(r.version, r.is_current, o) for r, o in done]
        with session_scope(engine) as s:
            again = assign_submission(s, sub2, "fife", "A. Reviewer")
            report = submissions_report(s)
        assert before == {
            "submission_id": sub2,
            "message_id": "<unknown@x.example>",
            "sender": None,
            "org_id": None,
            "status": "unmatched",
            "reason": None,
            "received_at": T0_ISO,
            "repeat_of": None,
            "assigned_by": None,
            "returns": [{"version": None, "current": False, "org_id": None}],
        }
        assert result == [(2, True, ReturnOutcome.SUPERSEDED_PREVIOUS)]
        assert again == []
        assert report == [
            {
                "submission_id": sub_id,
                "message_id": "<who@x.example>",
                "sender": None,
                "org_id": None,
                "status": "received",
                "reason": None,
                "received_at": T0_ISO,
                "repeat_of": None,
                "assigned_by": None,
                "returns": [{"version": 1, "current": False, "org_id": "fife"}],
            },
            {
                "submission_id": sub2,
                "message_id": "<unknown@x.example>",
                "sender": None,
                "org_id": "fife",
                "status": "extracted",
                "reason": None,
                "received_at": T0_ISO,
                "repeat_of": None,
                "assigned_by": "A. Reviewer",
                "returns": [{"version": 2, "current": True, "org_id": "fife"}],
            },
        ]

    def test_reassigning_a_matched_return_recomputes_both_organisations_and_is_audited(
        self, registered: Engine, make_return: Callable[..., Return]
    ) -> None:
        engine = registered
        subs = [self._submission(engine, n) for n in (1, 2)]
        with session_scope(engine) as s:
            for n, sub_id in enumerate(subs):
                add_return_version(s, "fife", sha(800 + n), make_return(strength=f"s{n}"),
                                   submission_id=sub_id, received_at=T0 + dt.timedelta(days=n))
        with session_scope(engine) as s:
            done = [(r.org_id, r.version, o) for r, o in assign_submission(s, subs[1], "angus", "A. Reviewer")]
        with session_scope(engine) as s:
            rows = s.execute(select(ReturnVersion.submission_id, ReturnVersion.org_id, ReturnVersion.version,
                                    ReturnVersion.is_current).order_by(ReturnVersion.id)).all()
            audit = [(a.actor, a.action, a.from_value, a.to_value) for a in audit_entries(s)]
            sub = s.get_one(Submission, subs[1])
            assigned = (sub.org_id, sub.assigned_by, sub.reason)
        assert done == [("angus", 1, ReturnOutcome.NEW)]
        assert rows == [(subs[0], "fife", 1, True), (subs[1], "angus", 1, True)]  # fife's first is current again
        assert audit == [("A. Reviewer", "assign_return", "fife version 2", "angus version 1"),
                         ("A. Reviewer", "assign_submission", "unmatched", "angus")]
        assert assigned == ("angus", "A. Reviewer", None)

    def test_a_reused_message_id_with_other_content_is_its_own_submission(self, engine: Engine) -> None:
        with session_scope(engine) as s:
            first, c1 = upsert_submission(s, raw_sha256=sha(1), message_id="<reused@x>", received_at=T0,
                                          fingerprint="a" * 64)
            again, c2 = upsert_submission(s, raw_sha256=sha(2), message_id="<reused@x>", received_at=T0,
                                          fingerprint="a" * 64)  # a re-delivery: other trace headers
            other, c3 = upsert_submission(s, raw_sha256=sha(3), message_id="<reused@x>", received_at=T0,
                                          fingerprint="b" * 64)  # another email reusing the id
            retry, c4 = upsert_submission(s, raw_sha256=sha(3), message_id="<reused@x>", received_at=T0,
                                          fingerprint="b" * 64)
            got = [(c1, c2, c3, c4), (again.id == first.id, other.id != first.id, retry.id == other.id),
                   other.dedup_key, reused_message_id(s, other), reused_message_id(s, first)]
        assert got == [(True, False, True, False), (True, True, True), f"mid:<reused@x>#{'b' * 64}", first.id, None]

    def test_record_json_round_trips(
        self, registered: Engine, make_return: Callable[..., Return]
    ) -> None:
        original = make_return(strength="Café « naïve » — 100% ✓", signed_on=dt.date(2006, 7, 1))
        sub_id = self._submission(registered, 1)
        with session_scope(registered) as s:
            add_return_version(s, "fife", sha(700), original, submission_id=sub_id, received_at=T0)
        with session_scope(registered) as s:
            row = s.scalars(select(ReturnVersion)).one()
            flat = (row.organisation_name, row.org_type, row.signed, row.sign_off_date)
            back = Return.model_validate(row.record)
            received = row.received_at
        assert back == original
        assert flat == ("Fife Council", "local_authority", True, dt.date(2006, 7, 1))
        assert received == T0

    # --- acknowledgements and ledger -----------------------------------------------------

    def test_second_ack_for_a_submission_is_refused(self, engine: Engine) -> None:
        sub_id = self._submission(engine, 1)
        with session_scope(engine) as s:
            first = record_ack(
                s,
                sub_id,
                to_address="cswo@fife.example",
                subject="Received",
                status=OutboxStatus.PENDING,
            )
        with session_scope(engine) as s:
            second = record_ack(s, sub_id, to_address="cswo@fife.example", subject="Again")
            rows = s.execute(
                select(OutboxMessage.kind, OutboxMessage.subject, OutboxMessage.status)
            ).all()
        assert (first, second) == (True, False)
        assert rows == [("ack", "Received", "pending")]

    def test_mail_ledger_records_once_and_keeps_final_status(self, engine: Engine) -> None:
        key = MailKey("imap://intake@127.0.0.1/INBOX", "INBOX", 1700000000, 17)
        with session_scope(engine) as s:
            entry, created = record_mail(s, key, message_id="<a@b>")
            set_mail_status(s, key, MailStatus.STORED, raw_sha256=sha(9))
            set_mail_status(s, key, MailStatus.PROCESSED)
        with session_scope(engine) as s:
            again, created2 = record_mail(s, key, message_id="<a@b>", raw_sha256=sha(9))
            with pytest.raises(LedgerStatusRefused):
                set_mail_status(s, key, MailStatus.FAILED, error="late worker")
            state = (again.id, again.uid, again.uidvalidity, again.status, again.raw_sha256)
        assert (created, created2) == (True, False)
        assert state == (entry.id, "17", 1700000000, "processed", sha(9))

    def test_report_lists_every_submission_in_order(self, engine: Engine) -> None:
        ids = [self._submission(engine, n) for n in (1, 2)]
        with session_scope(engine) as s:
            report: list[dict[str, Any]] = submissions_report(s)
        assert json.loads(json.dumps(report)) == report  # plain values for the CLI
        assert report == [
            {
                "submission_id": ids[0],
                "message_id": "<m1@example.org>",
                "sender": None,
                "org_id": None,
                "status": "received",
                "reason": None,
                "received_at": T0_ISO,
                "repeat_of": None,
                "assigned_by": None,
                "returns": [],
            },
            {
                "submission_id": ids[1],
                "message_id": "<m2@example.org>",
                "sender": None,
                "org_id": None,
                "status": "received",
                "reason": None,
                "received_at": T0_ISO,
                "repeat_of": None,
                "assigned_by": None,
                "returns": [],
            },
        ]
