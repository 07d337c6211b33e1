"""A whole season of chasing against a real SMTP server (aiosmtpd) capturing every email.

Mail arrives day by day (each return with the division's own Received: time); each day
the intake runs, then the chasing of that day. The register has 44 organisations:

    forth-valley-advocacy  accepted return on 20 October            never written to
    tay-care-partnership   signed by the Head of Finance, 23 Oct     chased 1 Nov (wrong_signatory),
                           corrected 5 November                      then nothing
    highland-homecare      return at 00:30 on 24 October (BST)       reminded: at the start of
                                                                    24 October it was missing
    solway-residential     return at 23:50 on 31 October (GMT)       reminded, never chased
    everyone else          nothing                                   reminded 24 Oct, chased on
                                                                    1, 8, 15, 22, 29 Nov;
                                                                    escalated from 15 Nov
"""

from __future__ import annotations

import datetime as dt
import mailbox
from collections import Counter
from pathlib import Path

import pytest

from core.settings import Settings
from pipeline.chasing import UNCONFIRMED, send_due
from pipeline.checking import statuses
from pipeline.runtime import open_outbox, runtime
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, run_plain, settings_for, with_received
from tests.mail_fixtures import SmtpCapture

pytestmark = pytest.mark.live

SEASON = [dt.date(2006, 10, 20) + dt.timedelta(days=i) for i in range(47)]  # to 5 December
EVENTS = {dt.date(2006, 10, 24): "reminder", **{dt.date(2006, 11, d): "chase" for d in (1, 8, 15, 22, 29)}}


def _return(org: str, name: str, position: str, received: str, mid: str) -> tuple[str, bytes]:
    raw = (MessageBuilder(sender=f"director@{org}.org.example", subject="Return", message_id=mid)
           .attach(f"{org}.docx", return_docx(name, ["Carers' centre (R2)"], position=position,
                                              org_type="Private sector" if "Ltd" in name else "Voluntary sector"),
                   DOCX).build())
    return org, with_received(raw, received)


# Mail by the local day it arrives (the intake runs that day, before the day's chasing).
MAIL: dict[dt.date, list[tuple[str, bytes]]] = {
    dt.date(2006, 10, 20): [_return("forth-valley-advocacy", "Forth Valley Advocacy Network", "Director",
                                    "Fri, 20 Oct 2006 10:00:00 +0100", "<fv@x>")],
    dt.date(2006, 10, 23): [_return("tay-care-partnership", "Tay Care Partnership Ltd", "Head of Finance",
                                    "Mon, 23 Oct 2006 11:00:00 +0100", "<tay1@x>")],
    # 23:30 UTC on 23 October is 00:30 on 24 October in Scotland (BST): it counts from the 24th.
    dt.date(2006, 10, 24): [_return("highland-homecare", "Highland Homecare Services Ltd", "Managing Director",
                                    "Mon, 23 Oct 2006 23:30:00 +0000", "<hh@x>")],
    dt.date(2006, 10, 31): [_return("solway-residential", "Solway Residential Care Ltd", "Director",
                                    "Tue, 31 Oct 2006 23:50:00 +0000", "<sol@x>")],
    dt.date(2006, 11, 5): [_return("tay-care-partnership", "Tay Care Partnership Ltd", "Director",
                                   "Sun, 05 Nov 2006 09:00:00 +0000", "<tay2@x>")],
}


def _smtp_settings(tmp_path: Path, smtp: SmtpCapture) -> Settings:
    return settings_for(tmp_path / "home").model_copy(update={"outbox_url": f"smtp://{smtp.host}:{smtp.port}"})


def _deliver(settings: Settings, raw: bytes) -> None:
    root = settings.home / "mail" / "submissions"
    root.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(str(root), create=True)
    box.add(raw)
    box.close()


def _chases(smtp: SmtpCapture) -> list[tuple[str, str]]:
    """(recipient, Message-ID) of every chase or reminder the server accepted (not acks)."""
    return [(m.rcpt_tos[0], str(m.message["Message-ID"])) for m in smtp.messages
            if m.message["Auto-Submitted"] == "auto-generated"]


# The chase flow runs on every event day and on days around them with no event (which
# must send nothing); the intake runs every day.
CHASE_DAYS = {*EVENTS, dt.date(2006, 10, 23), dt.date(2006, 10, 25), dt.date(2006, 11, 2), dt.date(2006, 11, 30),
              dt.date(2006, 12, 1), dt.date(2006, 12, 6)}


def _season(settings: Settings) -> None:
    """Each day: that day's mail through the intake, then (on CHASE_DAYS) the chase flow."""
    from flows.chase import chase_flow
    from flows.config import using

    for day in SEASON:
        for _, raw in MAIL.get(day, []):
            _deliver(settings, raw)
        run_plain(settings)
        if day in CHASE_DAYS:
            with using(settings):
                chase_flow(as_of=day)


def test_a_season_of_chasing_writes_to_exactly_who_is_due_once_each(
        tmp_path: Path, smtp_server: SmtpCapture, prefect_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", prefect_server)
    settings = _smtp_settings(tmp_path, smtp_server)
    _season(settings)
    rt = runtime(settings)
    register = rt.matcher.entries
    sent = _chases(smtp_server)
    assert len(sent) == len(set(sent)), "an email was sent twice"
    by_event = Counter(mid.split(".", 2)[0] + " " + mid.split(".", 2)[1] for _, mid in sent)
    # 42 missing at the start of 24 October; 41 not accepted on 1 November; 40 after.
    assert by_event == {"<reminder 2006-10-24": 42, "<chase 2006-11-01": 41, "<chase 2006-11-08": 40,
                        "<chase 2006-11-15": 40, "<chase 2006-11-22": 40, "<chase 2006-11-29": 40}

    def written_to(org: str) -> list[str]:
        return sorted(mid.split(".")[0].lstrip("<") + " " + mid.split(".")[1] for to, mid in sent
                      if to == register[org].contact_email)

    assert written_to("forth-valley-advocacy") == []
    assert written_to("tay-care-partnership") == ["chase 2006-11-01"]
    assert written_to("highland-homecare") == ["reminder 2006-10-24"]
    assert written_to("solway-residential") == ["reminder 2006-10-24"]
    assert written_to("angus") == ["chase 2006-11-01", "chase 2006-11-08", "chase 2006-11-15", "chase 2006-11-22",
                                   "chase 2006-11-29", "reminder 2006-10-24"]

    tay = next(m.message for m in smtp_server.messages if m.rcpt_tos == [register["tay-care-partnership"].contact_email]
               and m.message["Auto-Submitted"] == "auto-generated")
    body = tay.get_content()
    assert "Tay Care Partnership Ltd" in body and "31 October 2006" in body
    assert "Head of Finance" in body and "Chief Executive" in body  # the problem, and how to put it right
    missing = next(m.message for m in smtp_server.messages if m.rcpt_tos == [register["angus"].contact_email])
    assert "not received" in missing.get_content() or "have not received" in missing.get_content()

    # The log: the problems and the address of each, as section 10's `chases` lists them.
    from warehouse.chases import chase_rows
    from warehouse.db import session_scope

    with session_scope(rt.engine) as session:
        rows = {(r.org_id, r.event, r.date): (r.problems, r.to_address, r.status, r.message_id)
                for r in chase_rows(session)}
    assert rows[("tay-care-partnership", "chase", dt.date(2006, 11, 1))][:3] == (
        "wrong_signatory", "director@tay-care-partnership.org.example", "sent")
    assert rows[("angus", "reminder", dt.date(2006, 10, 24))][0] == "missing"
    assert {mid for *_, mid in rows.values()} == {mid for _, mid in sent}

    # Escalation: three chases (reminders do not count) and no accepted return.
    def escalated(day: dt.date) -> bool:
        return next(s for s in statuses(rt, day) if s.org_id == "angus").escalated

    assert not escalated(dt.date(2006, 11, 14)) and escalated(dt.date(2006, 11, 15))
    assert not next(s for s in statuses(rt, dt.date(2006, 11, 30)) if s.org_id == "tay-care-partnership").escalated

    # The whole season again: nothing more is sent.
    before = len(smtp_server.messages)
    _season(settings)
    assert len(smtp_server.messages) == before


def test_a_run_killed_mid_send_leaves_at_most_the_email_in_flight_unconfirmed(
        tmp_path: Path, smtp_server: SmtpCapture) -> None:
    settings = _smtp_settings(tmp_path, smtp_server)
    run_plain(settings)
    real = open_outbox(settings)

    class DiesAfterThird:
        """The SMTP server accepts the third email, then the process dies before it is
        marked sent (a fault caused after a real send)."""

        sent = 0

        def send(self, message: object) -> None:
            real.send(message)  # type: ignore[arg-type]
            self.sent += 1
            if self.sent == 3:
                raise SystemExit("killed")

    day = dt.date(2006, 11, 1)
    with pytest.raises(SystemExit):
        send_due(runtime(settings), DiesAfterThird(), day)
    results = send_due(runtime(settings), real, day)
    outcomes = Counter(r.outcome for r in results)
    assert outcomes == {"already sent": 2, UNCONFIRMED: 1, "sent": 41}
    sent = _chases(smtp_server)
    assert len(sent) == 44 and len(set(sent)) == 44  # everyone exactly once, the unconfirmed one included
