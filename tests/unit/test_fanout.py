"""Reading ahead (pipeline.fanout): the same warehouse as one by one, each document
extracted once, and a bad email still isolated."""

from __future__ import annotations

import mailbox
import time
from pathlib import Path
from typing import Any

from core.settings import Settings
from pipeline.failures import record_isolated
from pipeline.fanout import ReadAhead
from pipeline.receive import receive
from pipeline.runtime import Runtime, open_mailbox, prepare, runtime
from tests.factories.bad_files import encrypted_pdf
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, report, settings_for, with_received
from warehouse.db import session_scope
from warehouse.ledger import claim_mail

PDF = "application/pdf"


def _mail() -> list[bytes]:
    out = []
    for i, (org, name) in enumerate([("fife", "Fife Council"), ("angus", "Angus Council"),
                                     ("highland", "The Highland Council")]):
        out.append(with_received(
            MessageBuilder(sender=f"cswo@{org}.council.example", message_id=f"<f{i}@x>")
            .attach(f"{org}.docx", return_docx(name, [f"Point {i} (R1)"], "Chief Social Work Officer"), DOCX)
            .build(), f"Mon, 23 Oct 2006 1{i}:00:00 +0100"))
    out.append(with_received(MessageBuilder(sender="cswo@fife.council.example", message_id="<enc@x>")
                             .attach("locked.pdf", encrypted_pdf(), PDF).build(), "Mon, 23 Oct 2006 15:00:00 +0100"))
    out.append(with_received(  # a corrected Fife return in the same batch: version 2, current
        MessageBuilder(sender="cswo@fife.council.example", message_id="<f9@x>")
        .attach("fife-v2.docx", return_docx("Fife Council", ["Point 9 (R2)"], "Chief Social Work Officer"), DOCX)
        .build(), "Tue, 24 Oct 2006 09:00:00 +0100"))
    return out


def _ready(settings: Settings) -> Runtime:
    """The mail delivered to a Maildir, the warehouse prepared: the runtime to record with."""
    root = settings.home / "mail" / "submissions"
    root.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(str(root), create=True)
    for raw in _mail():
        box.add(raw)
    box.close()
    prepare(settings)
    return runtime(settings)


def _run(settings: Settings, counted: list[int], read_ahead: bool) -> list[dict[str, Any]]:
    rt = _ready(settings)
    real = rt.sandbox.extract

    def spy(data: bytes, ctx: Any) -> Any:
        counted.append(1)
        return real(data, ctx)

    rt.sandbox.extract = spy  # type: ignore[method-assign]
    with open_mailbox(settings) as mb:
        refs = [receive(rt, m, durable=False) for m in mb.fetch_new()]
    with ReadAhead(rt, refs, window=len(refs) if read_ahead else 0) as ahead:
        for ref in refs:
            record_isolated(rt, ref, ahead.get(ref))
    return report(settings)


def test_fan_out_gives_the_same_warehouse_with_each_document_extracted_once(tmp_path: Path) -> None:
    one: list[int] = []
    two: list[int] = []
    alone = _run(settings_for(tmp_path / "one"), one, read_ahead=False)
    fanned = _run(settings_for(tmp_path / "two").model_copy(update={"parse_workers": 2}), two, read_ahead=True)
    assert fanned == alone
    assert len(one) == len(two) == 5  # prefetched documents are not extracted again
    assert [(r["message_id"], r["status"]) for r in fanned][-2:] == [("<enc@x>", "quarantined"),
                                                                     ("<f9@x>", "extracted")]
    assert fanned[-1]["returns"] == [{"version": 2, "current": True, "org_id": "fife"}]


def test_reading_stays_a_small_window_ahead_and_skips_an_email_another_worker_holds(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    rt = _ready(settings)
    read: list[str] = []
    real = rt.sandbox.parse_message

    def spy(raw: bytes, limits: Any) -> Any:
        parsed = real(raw, limits)
        read.append(parsed.message_id)
        return parsed

    rt.sandbox.parse_message = spy  # type: ignore[method-assign]
    with open_mailbox(settings) as mb:
        refs = [receive(rt, m, durable=False) for m in mb.fetch_new()]
    with session_scope(rt.engine) as session:  # a live worker elsewhere holds the third email
        assert claim_mail(session, refs[2].key, "elsewhere:1", rt.settings.claim_lease_s)
    with ReadAhead(rt, refs, window=2) as ahead:
        first = ahead.get(refs[0])
        assert first is not None and first.parsed.message_id == "<f0@x>"
        assert len(first.documents) == 1
        deadline = time.monotonic() + 30
        while len(read) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # time enough to read further, were the window not bounded
        assert read == ["<f0@x>", "<f1@x>"]  # two ahead, no further
        assert ahead.get(refs[1]) is not None
        assert ahead.get(refs[2]) is None  # not this worker's to read
        assert [ahead.get(r) is not None for r in refs[3:]] == [True, True]
    assert "<f2@x>" not in read and len(read) == 4
