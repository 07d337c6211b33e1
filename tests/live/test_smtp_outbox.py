"""SmtpOutbox against a real SMTP server (aiosmtpd), MaildirOutbox, and outbox URLs."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from core.errors import ConfigurationError, MessageRejected, OutboxUnavailable
from mail.outbox import MaildirOutbox, Outbox, SmtpOutbox, outbox_from_url
from tests.mail_fixtures import SmtpCapture, free_port

pytestmark = pytest.mark.live

SUBJECT = "Received: your Changing Lives return – Comhairle nan Eilean Siar"


def acknowledgement() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Changing Lives returns <submissions@changinglives.scot>"
    msg["To"] = "Returns Officer <returns@cne-siar.gov.uk>"
    msg["Cc"] = "policy@cne-siar.gov.uk"
    msg["Subject"] = SUBJECT
    msg["Message-ID"] = "<ack-1@changinglives.scot>"
    msg["In-Reply-To"] = "<fife-1@fife.gov.uk>"
    msg.set_content("We received tilleadh.docx and recorded it for Comhairle nan Eilean Siar.\n")
    return msg


def test_message_arrives_with_exact_subject_and_recipients(smtp_server: SmtpCapture) -> None:
    outbox = SmtpOutbox(smtp_server.host, smtp_server.port, security="plain", timeout=10)
    assert isinstance(outbox, Outbox)
    outbox.send(acknowledgement())
    [got] = smtp_server.messages
    assert got.mail_from == "submissions@changinglives.scot"
    assert got.rcpt_tos == ["returns@cne-siar.gov.uk", "policy@cne-siar.gov.uk"]
    assert got.message["Subject"] == SUBJECT
    assert got.message["Message-ID"] == "<ack-1@changinglives.scot>"
    assert got.message["In-Reply-To"] == "<fife-1@fife.gov.uk>"
    assert got.message.get_content() == (  # as sent on the wire: CRLF line ends
        "We received tilleadh.docx and recorded it for Comhairle nan Eilean Siar.\r\n"
    )


def test_login_then_send(smtp_server_auth: SmtpCapture) -> None:
    outbox = SmtpOutbox(smtp_server_auth.host, smtp_server_auth.port, user="acks",
                        password="ack-secret", security="plain", timeout=10)
    outbox.send(acknowledgement())
    assert [m.message["Subject"] for m in smtp_server_auth.messages] == [SUBJECT]


def test_wrong_smtp_password_is_a_configuration_error(smtp_server_auth: SmtpCapture) -> None:
    outbox = SmtpOutbox(smtp_server_auth.host, smtp_server_auth.port, user="acks",
                        password="hunter2", security="plain", timeout=10)
    with pytest.raises(ConfigurationError) as caught:
        outbox.send(acknowledgement())
    assert str(caught.value) == (
        f"smtp://acks@127.0.0.1:{smtp_server_auth.port}: login refused for user 'acks': "
        "(535, b'5.7.8 Authentication credentials invalid')"
    )
    assert smtp_server_auth.messages == []


def test_server_down_is_outbox_unavailable() -> None:
    port = free_port()
    outbox = SmtpOutbox("127.0.0.1", port, security="plain", timeout=5)
    with pytest.raises(OutboxUnavailable, match=f"smtp://127.0.0.1:{port}: sending '"):
        outbox.send(acknowledgement())


def test_message_without_recipients_is_rejected(smtp_server: SmtpCapture) -> None:
    msg = acknowledgement()
    del msg["To"], msg["Cc"]
    with pytest.raises(MessageRejected, match=r"cannot send .*: no recipients$"):
        SmtpOutbox(smtp_server.host, smtp_server.port, security="plain").send(msg)


def test_plain_text_password_to_a_remote_host_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="refusing to send a password in plain text"):
        SmtpOutbox("smtp.example.org", 25, user="u", password="p", security="plain")


def test_maildir_outbox_writes_one_file_with_the_exact_message(tmp_path: Path) -> None:
    outbox = MaildirOutbox(tmp_path / "outbox")
    msg = acknowledgement()
    outbox.send(msg)
    [written] = list((tmp_path / "outbox" / "new").iterdir())
    assert written.read_bytes() == msg.as_bytes()
    parsed = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert (parsed["Subject"], parsed["To"]) == (
        SUBJECT, "Returns Officer <returns@cne-siar.gov.uk>",
    )
    assert list((tmp_path / "outbox" / "cur").iterdir()) == []


def test_outbox_urls() -> None:
    plain = outbox_from_url("smtp://127.0.0.1:2525")
    assert isinstance(plain, SmtpOutbox)
    assert (plain.host, plain.port, plain.user, plain.security) == (
        "127.0.0.1", 2525, None, "plain",
    )
    tls = outbox_from_url("smtp+starttls://acks%40changinglives.scot@smtp.example.org",
                          password="from-env")
    assert isinstance(tls, SmtpOutbox)
    assert (tls.port, tls.user, tls.security, tls._password) == (
        587, "acks@changinglives.scot", "starttls", "from-env",
    )
    assert "from-env" not in repr(tls)
    ssl_box = outbox_from_url("smtps://u:p%2Fq@localhost")  # a password in the URL: loopback only
    assert isinstance(ssl_box, SmtpOutbox)
    assert (ssl_box.port, ssl_box.security, ssl_box._password) == (465, "ssl", "p/q")
    with pytest.raises(ConfigurationError, match=r"^ftp://u:\*\*\*@h: unknown scheme 'ftp'"):
        outbox_from_url("ftp://u:secret@h")


def test_outbox_url_maildir(tmp_path: Path) -> None:
    box = outbox_from_url(f"maildir:{tmp_path}/out")
    assert isinstance(box, MaildirOutbox)
    assert box.root == (tmp_path / "out").resolve()
