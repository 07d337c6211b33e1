"""Extraction fanned out inside a batch (pipeline.fanout): the same warehouse as one by
one, each document extracted once, and a bad email still isolated."""

from __future__ import annotations

import mailbox
from pathlib import Path
from typing import Any

from core.settings import Settings
from pipeline.failures import record_isolated
from pipeline.fanout import prefetch
from pipeline.receive import receive
from pipeline.runtime import open_mailbox, prepare, runtime
from tests.factories.bad_files import encrypted_pdf
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, report, settings_for, with_received

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


def _run(settings: Settings, counted: list[int]) -> list[dict[str, Any]]:
    root = settings.home / "mail" / "submissions"
    root.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(str(root), create=True)
    for raw in _mail():
        box.add(raw)
    box.close()
    prepare(settings)
    rt = runtime(settings)
    real = rt.sandbox.extract

    def spy(data: bytes, ctx: Any) -> Any:
        counted.append(1)
        return real(data, ctx)

    rt.sandbox.extract = spy  # type: ignore[method-assign]
    with open_mailbox(settings) as mb:
        refs = [receive(rt, m, durable=False) for m in mb.fetch_new()]
    extracted = prefetch(rt, refs)
    assert len(extracted) == (5 if settings.parse_workers > 1 else 0)
    for ref in refs:
        record_isolated(rt, ref, extracted)
    return report(settings)


def test_fan_out_gives_the_same_warehouse_with_each_document_extracted_once(tmp_path: Path) -> None:
    one: list[int] = []
    two: list[int] = []
    alone = _run(settings_for(tmp_path / "one"), one)
    fanned = _run(settings_for(tmp_path / "two").model_copy(update={"parse_workers": 2}), two)
    assert fanned == alone
    assert len(one) == len(two) == 5  # prefetched documents are not extracted again
    assert [(r["message_id"], r["status"]) for r in fanned][-2:] == [("<enc@x>", "quarantined"),
                                                                     ("<f9@x>", "extracted")]
    assert fanned[-1]["returns"] == [{"version": 2, "current": True, "org_id": "fife"}]
