"""ImapMailbox against a real Dovecot (started by the `dovecot` fixture), plus its URL and
configuration rules (which need no server)."""

from __future__ import annotations

import imaplib
import re
import threading
from collections.abc import Callable

import pytest

from core.errors import ConfigurationError, MailboxUnavailable
from mail.connect import mailbox_from_url
from mail.imap import ImapMailbox
from mail.mailbox import Mailbox
from tests.factories.emails import MessageBuilder
from tests.mail_fixtures import DovecotServer, ImapAccount

pytestmark = pytest.mark.live

RAW = MessageBuilder(subject="Fife return", message_id="<fife-1@fife.gov.uk>").text(
    "Tilleadh – ceangailte.\n"
).attach("Comhairle nan Eilean Siar – tilleadh.docx", b"PK\x03\x04" + bytes(range(256)),
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document").build()


def raw_n(n: int) -> bytes:
    return MessageBuilder(subject=f"Return {n}", message_id=f"<r{n}@angus.gov.uk>").build()


def other_client(server: DovecotServer, account: ImapAccount) -> imaplib.IMAP4:
    client = imaplib.IMAP4(server.host, server.port, timeout=10)
    client.login(account.user, account.password)
    return client


def folder_contents(server: DovecotServer, account: ImapAccount, folder: str) -> list[bytes]:
    client = other_client(server, account)
    try:
        typ, _ = client.select(folder, readonly=True)
        if typ != "OK":
            return []
        _, data = client.uid("FETCH", "1:*", "(BODY.PEEK[])")
        return [item[1] for item in data if isinstance(item, tuple)]
    finally:
        client.logout()


@pytest.fixture
def account(dovecot: DovecotServer) -> ImapAccount:
    return dovecot.new_account()


# -- against Dovecot ------------------------------------------------------------------------


def test_fetch_returns_the_exact_appended_bytes_without_marking_seen(
    dovecot: DovecotServer, account: ImapAccount
) -> None:
    uid = dovecot.append(RAW, account=account)
    with dovecot.mailbox(account) as box:
        assert isinstance(box, Mailbox)
        messages = list(box.fetch_new())
    assert [(m.uid, m.folder, m.raw) for m in messages] == [(str(uid), "INBOX", RAW)]
    assert messages[0].mailbox_id == f"imap://{account.user}@127.0.0.1:{dovecot.port}"
    client = other_client(dovecot, account)
    client.select("INBOX", readonly=True)
    _, flags = client.uid("FETCH", str(uid), "(FLAGS)")
    client.logout()
    assert b"\\Seen" not in flags[0]


def test_uidvalidity_and_uids_are_stable_across_fetches_and_connections(
    dovecot: DovecotServer, account: ImapAccount
) -> None:
    uids = [dovecot.append(raw_n(i), account=account) for i in range(3)]
    with dovecot.mailbox(account) as box:
        first = [(m.uidvalidity, m.uid) for m in box.fetch_new()]
        second = [(m.uidvalidity, m.uid) for m in box.fetch_new()]
    with dovecot.mailbox(account) as box:
        third = [(m.uidvalidity, m.uid) for m in box.fetch_new(limit=2)]
    client = other_client(dovecot, account)
    _, status = client.status("INBOX", "(UIDVALIDITY)")
    client.logout()
    found = re.search(rb"UIDVALIDITY (\d+)", status[0] or b"")
    assert found is not None
    uidvalidity = int(found.group(1))
    assert first == second == [(uidvalidity, str(u)) for u in uids]
    assert third == first[:2]


def test_mark_processed_moves_to_a_created_folder_and_is_idempotent(
    dovecot: DovecotServer, account: ImapAccount
) -> None:
    dovecot.append(raw_n(1), account=account)
    dovecot.append(RAW, account=account)
    with dovecot.mailbox(account) as box:
        assert "MOVE" in box.capabilities
        target = next(m for m in box.fetch_new() if m.raw == RAW)
        box.mark_processed(target)
        assert [m.raw for m in box.fetch_new()] == [raw_n(1)]
        box.mark_processed(target)  # already moved: no error, nothing else moves
        box.mark_quarantined(target)
        assert [m.raw for m in box.fetch_new()] == [raw_n(1)]
    assert folder_contents(dovecot, account, "Processed") == [RAW]
    assert folder_contents(dovecot, account, "Quarantine") == []


def test_copy_fallback_expunges_only_that_uid(
    dovecot: DovecotServer, account: ImapAccount
) -> None:
    bystander_uid = dovecot.append(raw_n(1), account=account)
    dovecot.append(RAW, account=account)
    client = other_client(dovecot, account)  # another client deleted a message, not expunged
    client.select("INBOX")
    client.uid("STORE", str(bystander_uid), "+FLAGS", r"(\Deleted)")
    with dovecot.mailbox(account, ignore_capabilities=["MOVE"]) as box:
        assert "MOVE" not in box.capabilities
        assert "UIDPLUS" in box.capabilities
        [target] = box.fetch_new()  # the \Deleted one is not "new"
        box.mark_quarantined(target)
        assert list(box.fetch_new()) == []
    client.noop()
    _, data = client.uid("SEARCH", "ALL")
    client.logout()
    assert data == [str(bystander_uid).encode()]  # still there, still \Deleted
    assert folder_contents(dovecot, account, "Quarantine") == [RAW]


def test_wait_for_new_uses_idle_and_wakes_within_seconds(
    dovecot: DovecotServer, account: ImapAccount
) -> None:
    with dovecot.mailbox(account) as box:
        assert "IDLE" in box.capabilities
        assert list(box.fetch_new()) == []
        timer = threading.Timer(0.5, dovecot.append, args=(RAW,), kwargs={"account": account})
        timer.start()
        try:
            woke = box.wait_for_new(60.0)
        finally:
            timer.join()
        assert woke is True
        assert [m.raw for m in box.fetch_new()] == [RAW]


def test_wait_for_new_times_out_and_reports_unfetched_mail_at_once(
    dovecot: DovecotServer, account: ImapAccount
) -> None:
    with dovecot.mailbox(account) as box:
        assert box.wait_for_new(1.0) is False
        dovecot.append(RAW, account=account)
        assert box.wait_for_new(0.0) is True  # arrived while not idling: reported without waiting


def test_wait_for_new_polls_when_idle_is_not_offered(
    dovecot: DovecotServer, account: ImapAccount
) -> None:
    with dovecot.mailbox(account, ignore_capabilities=["IDLE"], poll_interval_s=0.2) as box:
        assert list(box.fetch_new()) == []
        timer = threading.Timer(0.3, dovecot.append, args=(RAW,), kwargs={"account": account})
        timer.start()
        try:
            assert box.wait_for_new(10.0) is True
        finally:
            timer.join()


def test_wrong_password_is_a_terminal_configuration_error(
    dovecot_factory: Callable[[], DovecotServer],
) -> None:
    # A private server: Dovecot slows later logins from an address after a failure.
    server = dovecot_factory()
    box = server.mailbox(ImapAccount(server.user, "not-the-password"))
    with pytest.raises(ConfigurationError) as caught:
        box.connect()
    message = str(caught.value)
    assert message.startswith(
        f"imap://tester@127.0.0.1:{server.port}: login refused for user 'tester' (password): "
    )
    assert "AUTHENTICATIONFAILED" in message
    assert "not-the-password" not in message


def test_missing_watched_folder_is_a_configuration_error(
    dovecot: DovecotServer, account: ImapAccount
) -> None:
    with pytest.raises(ConfigurationError, match="cannot open the watched folder 'Returns'"):
        dovecot.mailbox(account, folder="Returns").connect()


def test_mailbox_from_url_reads_a_non_inbox_folder(
    dovecot: DovecotServer, account: ImapAccount
) -> None:
    uid = dovecot.append(RAW, folder="Returns 2006", account=account)
    url = (f"imap://{account.user}:{account.password}@127.0.0.1:{dovecot.port}/"
           "Returns%202006")
    with mailbox_from_url(url, timeout=10) as box:
        assert [(m.folder, m.uid, m.raw) for m in box.fetch_new()] == [
            ("Returns 2006", str(uid), RAW)
        ]


def test_server_stopped_mid_session_gives_mailbox_unavailable(
    dovecot_factory: Callable[[], DovecotServer],
) -> None:
    server = dovecot_factory()
    server.append(RAW)
    box = server.mailbox()
    [msg] = box.fetch_new()
    server.stop()
    with pytest.raises(MailboxUnavailable, match=f"imap://tester@127.0.0.1:{server.port}: "):
        list(box.fetch_new())
    with pytest.raises(MailboxUnavailable, match="cannot connect"):
        box.mark_processed(msg)  # reconnects, and the server is still down
    box.close()


def test_server_stopped_during_idle_gives_mailbox_unavailable(
    dovecot_factory: Callable[[], DovecotServer],
) -> None:
    server = dovecot_factory()
    with server.mailbox() as box:
        assert list(box.fetch_new()) == []
        timer = threading.Timer(0.5, server.stop)
        timer.start()
        try:
            with pytest.raises(MailboxUnavailable):
                box.wait_for_new(20.0)
        finally:
            timer.join()


def test_nothing_listening_gives_mailbox_unavailable() -> None:
    box = ImapMailbox("127.0.0.1", 1, "u", password="p", security="plain", timeout=2)
    with pytest.raises(MailboxUnavailable, match=r"imap://u@127.0.0.1:1: cannot connect: "):
        box.connect()


# -- configuration and URLs (no server) -------------------------------------------------


def test_plain_text_is_refused_for_remote_hosts() -> None:
    with pytest.raises(ConfigurationError, match="plain-text IMAP is only allowed to this "
                       "machine"):
        ImapMailbox("mail.example.org", 143, "u", password="p", security="plain")
    with pytest.raises(ConfigurationError):
        mailbox_from_url("imap://u:p@mail.example.org/INBOX")


def test_url_forms_and_percent_decoding() -> None:
    box = mailbox_from_url("imaps://returns%40council.scot@outlook.office365.com/Returns%2F2006",
                           password="from-env")
    assert isinstance(box, ImapMailbox)
    assert (box.host, box.port, box.user, box.security, box.folder) == (
        "outlook.office365.com", 993, "returns@council.scot", "ssl", "Returns/2006",
    )
    assert box.mailbox_id == "imap://returns%40council.scot@outlook.office365.com:993"
    decoded = mailbox_from_url("imaps://u:p%40ss%2Fw@127.0.0.1/")  # a password in the URL: loopback only
    assert isinstance(decoded, ImapMailbox)
    assert decoded._password == "p@ss/w"
    tls = mailbox_from_url("imap+starttls://u@imap.example.org", password="from-env")
    assert isinstance(tls, ImapMailbox)
    assert (tls.port, tls.security, tls.folder, tls._password) == (
        143, "starttls", "INBOX", "from-env",
    )
    local = mailbox_from_url("imap://u:p@localhost:1143/")
    assert isinstance(local, ImapMailbox)
    assert (local.port, local.security) == (1143, "plain")


def test_oauth2_token_replaces_the_password() -> None:
    box = mailbox_from_url("imaps://returns@gmail.com@imap.gmail.com/INBOX?auth=xoauth2",
                           oauth2_token="ya29.secret-token")
    assert isinstance(box, ImapMailbox)
    assert (box._token, box._password) == ("ya29.secret-token", None)
    assert "ya29" not in repr(box)
    assert repr(box) == (
        "ImapMailbox('imap://returns%40gmail.com@imap.gmail.com:993', folder='INBOX', "
        "security='ssl', auth=xoauth2, secret=***)"
    )
    with pytest.raises(ConfigurationError, match="auth=xoauth2 but no OAuth2 token given"):
        mailbox_from_url("imaps://u@imap.gmail.com/?auth=xoauth2")


def test_missing_secret_and_bad_urls_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match=r"^imaps://u@h/INBOX: no password"):
        mailbox_from_url("imaps://u@h/INBOX")
    with pytest.raises(ConfigurationError, match=r"^pop3://u:\*\*\*@h/: unknown scheme 'pop3'"):
        mailbox_from_url("pop3://u:hunter2@h/")
    with pytest.raises(ConfigurationError, match="no user name"):
        mailbox_from_url("imaps://h/INBOX", password="p")


def test_repr_never_shows_the_password() -> None:
    box = ImapMailbox("imap.example.org", 993, "u", password="hunter2")
    assert "hunter2" not in repr(box)
    assert repr(box) == ("ImapMailbox('imap://u@imap.example.org:993', folder='INBOX', "
                         "security='ssl', auth=password, secret=***)")
