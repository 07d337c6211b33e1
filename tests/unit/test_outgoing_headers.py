"""Headers of outgoing mail: a sender's subject is echoed in the acknowledgement's
Subject ("Received: <subject>"), so a subject carrying line breaks - raw, folded, or
hidden in an RFC 2047 encoded word - must never become a header of its own (a Bcc to
a third party, a second Subject)."""

from __future__ import annotations

import base64
import email
import email.policy
from collections.abc import Callable

import pytest

from core.settings import Settings
from tests.factories.emails import MessageBuilder
from tests.intake_fixtures import outbox_messages, run_plain

Deliver = Callable[[bytes], None]
SENDER = "cswo@fife.council.example"
ATTEMPT = "Hi\r\nBcc: victim@example.org"

SUBJECTS = {  # the raw header value, as it arrives
    "encoded word, q": b"=?utf-8?q?Hi=0D=0ABcc:_victim@example.org?=",
    "encoded word, b": b"=?utf-8?b?" + base64.b64encode(ATTEMPT.encode()) + b"?=",
    "encoded twice": b"=?us-ascii?q?=3D=3Futf-8=3Fq=3FHi=3D0D=3D0ABcc:_victim@example.org=3F=3D?=",
    "bare LF in an encoded word": b"=?utf-8?q?Hi=0ABcc:_victim@example.org?=",
    "bare CR in an encoded word": b"=?utf-8?q?Hi=0DBcc:_victim@example.org?=",
    "unicode line breaks": b"=?utf-8?b?" + base64.b64encode("Hi\u2028Bcc: victim@example.org\x85"
                                                            "\u2029Cc: victim@example.org".encode()) + b"?=",
    "folded header": b"Hi\r\n Bcc: victim@example.org",
    "raw CR": b"Hi\rBcc: victim@example.org",
    "raw LF": b"Hi\nBcc: victim@example.org",
}


def _email(subject: bytes) -> bytes:
    raw = MessageBuilder(sender=SENDER, message_id="<hi@fife>", subject="PLACEHOLDER").text(
        "Strengths: good joint working.").build()  # no attachment: answered "please attach"
    assert raw.count(b"Subject: PLACEHOLDER\r\n") == 1
    return raw.replace(b"Subject: PLACEHOLDER", b"Subject: " + subject)


def _sent(settings: Settings) -> list[bytes]:
    return [p.read_bytes() for p in sorted((settings.home / "mail" / "outbox" / "new").iterdir())]


@pytest.mark.parametrize("subject", list(SUBJECTS.values()), ids=list(SUBJECTS))
def test_a_subject_with_line_breaks_stays_one_subject_header(
        maildir_settings: Settings, deliver: Deliver, subject: bytes) -> None:
    deliver(_email(subject))
    run_plain(maildir_settings)
    [raw] = _sent(maildir_settings)
    ack = email.message_from_bytes(raw, policy=email.policy.default)
    assert ack.defects == []
    assert sorted(name for name, _ in ack.items()) == sorted([
        "From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "Auto-Submitted",
        "MIME-Version", "Content-Type", "Content-Transfer-Encoding"])
    assert ack.get_all("To") == [SENDER]
    assert (ack.get_all("Bcc"), ack.get_all("Cc")) == (None, None)
    [subject_header] = ack.get_all("Subject")
    assert str(subject_header).startswith("Received: Hi")
    assert "\r" not in str(subject_header) and "\n" not in str(subject_header)
    head = raw.split(b"\n\n", 1)[0]
    assert [line for line in head.splitlines() if line[:1] not in (b" ", b"\t")
            and line.split(b":", 1)[0].lower() in (b"bcc", b"cc")] == []
    [parsed] = outbox_messages(maildir_settings)
    assert (parsed.get_all("Bcc"), len(parsed.get_all("Subject") or [])) == (None, 1)


def test_the_attempt_reaches_the_subject_only_as_text(maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(_email(SUBJECTS["encoded word, q"]))
    run_plain(maildir_settings)
    [ack] = outbox_messages(maildir_settings)
    assert str(ack["Subject"]) == "Received: HiBcc: victim@example.org"  # the CR LF dropped, the rest text
