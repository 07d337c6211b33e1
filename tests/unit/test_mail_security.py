"""Mail credentials and TLS: a password inside a mailbox or outbox URL is accepted only
for a server on this machine, and IMAP and SMTP over TLS verify the server's certificate
(a loopback server with a self-signed certificate is refused before a byte of the
protocol, let alone the password, is sent)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.errors import ConfigurationError, OutboxUnavailable
from core.settings import Settings
from flows.alerts import apprise_url
from mail.connect import mailbox_from_url
from mail.imap import ImapMailbox
from mail.outbox import SmtpOutbox, outbox_from_url

# -- a password inside a URL ---------------------------------------------------------------

REMOTE_MAILBOXES = [
    "imap://returns:hunter2@mail.example.org/INBOX",
    "imaps://returns:hunter2@outlook.office365.com/INBOX",
    "imap+starttls://returns:hunter2@imap.example.org:143/INBOX",
    "imaps://returns:hunter2@10.0.0.5/INBOX",  # a private address is still another machine
    "imaps://returns:hunter2@[2001:db8::1]/INBOX",
]
REMOTE_OUTBOXES = [
    "smtp://acks:hunter2@smtp.example.org:25",
    "smtps://acks:hunter2@smtp.example.org",
    "smtp+starttls://acks:hunter2@smtp.example.org:587",
    "smtps://acks:hunter2@192.168.1.10",
]


@pytest.mark.parametrize(("url", "build", "variable"),
                         [(u, mailbox_from_url, "RETURNS_MAILBOX_PASSWORD") for u in REMOTE_MAILBOXES]
                         + [(u, outbox_from_url, "RETURNS_SMTP_PASSWORD") for u in REMOTE_OUTBOXES])
def test_a_password_in_a_remote_server_url_is_refused(url: str, build: Callable[..., object], variable: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        build(url)
    message = str(caught.value)
    assert "hunter2" not in message
    assert message.startswith(url.replace("hunter2", "***") + ": a password inside the URL is only accepted")
    assert variable in message and "Prefect Secret block" in message
    with pytest.raises(ConfigurationError, match=variable):  # even if the settings give one too
        build(url, password="from-env")


def test_the_alerts_block_refuses_a_password_in_a_remote_outbox_url() -> None:
    settings = Settings(home=Path("/tmp/x"), alert_to="ops@example.org",
                        outbox_url="smtps://acks:hunter2@smtp.example.org")
    with pytest.raises(ConfigurationError, match="RETURNS_SMTP_PASSWORD"):
        apprise_url(settings)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "localhost", "[::1]"])
def test_a_password_in_a_loopback_url_is_accepted(host: str) -> None:
    for scheme in ("imap", "imaps", "imap+starttls"):
        box = mailbox_from_url(f"{scheme}://returns:hunter2@{host}:1143/INBOX")
        assert isinstance(box, ImapMailbox)
        assert box._password == "hunter2"
    for scheme in ("smtp", "smtps", "smtp+starttls"):
        out = outbox_from_url(f"{scheme}://acks:hunter2@{host}:2525")
        assert isinstance(out, SmtpOutbox)
        assert out._password == "hunter2"


def test_remote_urls_without_a_password_take_it_from_the_settings() -> None:
    box = mailbox_from_url("imaps://returns@mail.example.org/INBOX", password="from-env")
    assert isinstance(box, ImapMailbox)
    assert (box.host, box._password) == ("mail.example.org", "from-env")
    out = outbox_from_url("smtps://acks@smtp.example.org", password="from-env")
    assert isinstance(out, SmtpOutbox)
    assert (out.host, out._password) == ("smtp.example.org", "from-env")


# -- TLS certificates are verified -----------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate valid for localhost and 127.0.0.1 (so only the issuer,
    not the name, is wrong)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class TlsServer:
    """One loopback connection at a time: an optional plain-text preamble that ends in
    STARTTLS, then the TLS handshake with the self-signed certificate, then a greeting.
    Records whether a handshake ever completed and every line received in clear."""

    def __init__(self, cert: tuple[Path, Path], preamble: Callable[[socket.socket], None] | None,
                 greeting: bytes) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(*cert)
        self.preamble, self.greeting = preamble, greeting
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.handshakes: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(10)
            try:
                if self.preamble is not None:
                    self.preamble(conn)
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    self.handshakes.append("completed")
                    tls.sendall(self.greeting)
            except (OSError, ssl.SSLError) as err:
                self.handshakes.append(f"failed: {err}")

    def close(self) -> None:
        self.listener.close()
        self.thread.join(10)


@pytest.fixture
def tls_server(self_signed: tuple[Path, Path]) -> Iterator[Callable[..., TlsServer]]:
    servers: list[TlsServer] = []

    def start(preamble: Callable[[socket.socket], None] | None, greeting: bytes) -> TlsServer:
        servers.append(TlsServer(self_signed, preamble, greeting))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _lines(conn: socket.socket) -> Iterator[bytes]:
    buffer = b""
    while True:
        while b"\r\n" not in buffer:
            chunk = conn.recv(4096)
            if not chunk:
                return
            buffer += chunk
        line, buffer = buffer.split(b"\r\n", 1)
        yield line


def _imap_starttls(conn: socket.socket) -> None:
    conn.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n")
    for line in _lines(conn):
        tag, command = line.split(b" ", 1)
        if command.upper() == b"CAPABILITY":
            conn.sendall(b"* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n" + tag + b" OK done\r\n")
        elif command.upper() == b"STARTTLS":
            conn.sendall(tag + b" OK begin TLS\r\n")
            return
        else:
            raise AssertionError(f"sent in clear before TLS: {line!r}")


def _smtp_starttls(conn: socket.socket) -> None:
    conn.sendall(b"220 localhost ESMTP ready\r\n")
    for line in _lines(conn):
        verb = line.split(b" ", 1)[0].upper()
        if verb in (b"EHLO", b"HELO"):
            conn.sendall(b"250-localhost\r\n250 STARTTLS\r\n")
        elif verb == b"STARTTLS":
            conn.sendall(b"220 go ahead\r\n")
            return
        else:
            raise AssertionError(f"sent in clear before TLS: {line!r}")


CERTIFICATE_REFUSED = r"the server's TLS certificate was refused: .*certificate verify failed"


def _ack() -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "returns@example.org", "fife@example.org", "Received"
    msg.set_content("Thank you.")
    return msg


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_imap_refuses_a_self_signed_certificate(tls_server: Callable[..., TlsServer], security: str) -> None:
    server = tls_server(_imap_starttls if security == "starttls" else None, b"* OK IMAP4rev1 ready\r\n")
    scheme = "imaps" if security == "ssl" else "imap+starttls"
    box = mailbox_from_url(f"{scheme}://returns:hunter2@127.0.0.1:{server.port}/INBOX", timeout=10)
    with pytest.raises(ConfigurationError, match=CERTIFICATE_REFUSED):
        box.connect()
    server.thread.join(10)
    assert len(server.handshakes) == 1 and server.handshakes[0].startswith("failed: ")


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_smtp_refuses_a_self_signed_certificate(tls_server: Callable[..., TlsServer], security: str) -> None:
    server = tls_server(_smtp_starttls if security == "starttls" else None, b"220 localhost ESMTP ready\r\n")
    scheme = "smtps" if security == "ssl" else "smtp+starttls"
    out = outbox_from_url(f"{scheme}://acks:hunter2@127.0.0.1:{server.port}", timeout=10)
    with pytest.raises(ConfigurationError, match=CERTIFICATE_REFUSED):
        out.send(_ack())
    server.thread.join(10)
    assert len(server.handshakes) == 1 and server.handshakes[0].startswith("failed: ")


def test_the_same_server_is_accepted_when_its_certificate_is_trusted(
        tls_server: Callable[..., TlsServer], self_signed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: with the certificate trusted (SSL_CERT_FILE, which
    ssl.create_default_context reads), the handshake completes and the outbox fails only
    later, when the fake server hangs up after its greeting - so the refusals above are
    the certificate's, not the fake server's."""
    monkeypatch.setenv("SSL_CERT_FILE", str(self_signed[0]))
    server = tls_server(None, b"220 localhost ESMTP ready\r\n")
    out = outbox_from_url(f"smtps://127.0.0.1:{server.port}", timeout=10)
    with pytest.raises(OutboxUnavailable):
        out.send(_ack())
    server.thread.join(10)
    assert server.handshakes == ["completed"]
