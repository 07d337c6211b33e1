"""The `Outbox` interface: where acknowledgements and chasers are sent.

    Outbox (Protocol)   send(EmailMessage) -> None
    ├── SmtpOutbox      production: smtplib, STARTTLS or implicit TLS, optional AUTH
    └── MaildirOutbox   embedded default: each message becomes one file in a local
                        Maildir (new/), so nothing leaves the machine
    outbox_from_url("smtp://..." | "smtp+starttls://..." | "smtps://..." | "maildir:PATH")

Errors: an unreachable server, a dropped connection or a temporary (4xx) refusal
raises `OutboxUnavailable` (transient, retried); refused credentials raise
`ConfigurationError`; a permanent (5xx) refusal of this message raises
`MessageRejected` (terminal: retrying sends the same message to the same refusal).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from core.errors import ConfigurationError, DeliveryUncertain, MessageRejected, OutboxUnavailable
from mail.maildir import open_maildir
from mail.urls import is_loopback, is_maildir_url, maildir_path, parse_server_url, refuse_remote_password

log = logging.getLogger(__name__)

SmtpSecurity = Literal["starttls", "ssl", "plain"]
_SMTP_SCHEMES: dict[str, tuple[SmtpSecurity, int]] = {
    "smtp": ("plain", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("ssl", 465),
}


@runtime_checkable
class Outbox(Protocol):
    """Somewhere to send mail to people."""

    def send(self, message: EmailMessage) -> None:
        """Hand `message` over for delivery to the recipients in its headers."""
        ...


class SmtpOutbox:
    """Send through an SMTP server: one connection per message (acknowledgements are few)."""

    def __init__(
        self,
        host: str,
        port: int,
        user: str | None = None,
        password: str | None = None,
        security: SmtpSecurity = "starttls",
        timeout: float = 30.0,
    ) -> None:
        self.host, self.port, self.user = host, port, user
        self.security = security
        self.timeout = timeout
        self._password = password
        if security not in ("starttls", "ssl", "plain"):
            raise ConfigurationError(
                f"{self.outbox_id}: security {security!r} is not one of starttls, ssl, plain"
            )
        if security == "plain" and user is not None and not is_loopback(host):
            raise ConfigurationError(
                f"{self.outbox_id}: refusing to send a password in plain text to {host}: "
                "use smtp+starttls:// or smtps://"
            )
        if (user is None) != (password is None):
            raise ConfigurationError(
                f"{self.outbox_id}: give both a user and a password, or neither"
            )

    @property
    def outbox_id(self) -> str:
        who = f"{self.user}@" if self.user else ""
        return f"smtp://{who}{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"SmtpOutbox({self.outbox_id!r}, security={self.security!r}, password=***)"

    def send(self, message: EmailMessage) -> None:
        subject = message.get("Subject", "")
        if not any(message.get_all(h) for h in ("To", "Cc", "Bcc")):
            raise MessageRejected(f"{self.outbox_id}: cannot send {subject!r}: no recipients")
        smtp: _Marked | None = None
        try:
            with self._connect() as smtp:
                if self.user is not None and self._password is not None:
                    smtp.login(self.user, self._password)
                refused = smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as err:
            raise ConfigurationError(
                f"{self.outbox_id}: login refused for user {self.user!r}: {err}"
            ) from err
        except smtplib.SMTPRecipientsRefused as err:
            raise self._refused(
                subject, err, [code for code, _ in err.recipients.values()]
            ) from err
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as err:
            raise self._refused(subject, err, [err.smtp_code]) from err
        except ssl.SSLCertVerificationError as err:
            raise ConfigurationError(
                f"{self.outbox_id}: the server's TLS certificate was refused: {err}"
            ) from err
        except (OSError, smtplib.SMTPException) as err:
            if smtp is not None and smtp.handed_over:
                raise DeliveryUncertain(
                    f"{self.outbox_id}: {subject!r} was handed over but the server did not confirm it ({err}): "
                    "it may have been delivered"
                ) from err
            raise OutboxUnavailable(f"{self.outbox_id}: sending {subject!r}: {err}") from err
        except ValueError as err:  # smtplib: no usable sender in the headers
            raise MessageRejected(f"{self.outbox_id}: cannot send {subject!r}: {err}") from err
        if refused:
            log.warning("%s: %r refused for %s", self.outbox_id, subject, sorted(refused))
        log.info("%s: sent %r", self.outbox_id, subject)  # never the address: personal data stays in the warehouse

    def _connect(self) -> _Marked:
        if self.security == "ssl":
            return _MarkedSSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        smtp = _Marked(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=ssl.create_default_context())
            except BaseException:
                smtp.close()
                raise
        return smtp

    def _refused(self, subject: str, err: Exception, codes: list[int]) -> Exception:
        text = f"{self.outbox_id}: {subject!r} refused: {err}"
        if all(500 <= code < 600 for code in codes):  # no codes: no recipient was usable
            return MessageRejected(text)
        return OutboxUnavailable(text)


class _Marked(smtplib.SMTP):
    """smtplib.SMTP that notes when the message's text starts going to the server: a
    failure before that means it was not sent (safe to try again later); after it and
    before the server's reply, it may have been delivered (DeliveryUncertain)."""

    handed_over = False

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.handed_over = True
        return super().data(msg)


class _MarkedSSL(_Marked, smtplib.SMTP_SSL):
    pass


class MaildirOutbox:
    """Deliver into a local Maildir: every message sent is one file in `root/new/`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        try:
            self._maildir = open_maildir(self.root)
        except OSError as err:
            raise OutboxUnavailable(f"maildir outbox {self.root}: cannot open: {err}") from err

    def __repr__(self) -> str:
        return f"MaildirOutbox({str(self.root)!r})"

    def send(self, message: EmailMessage) -> None:
        subject = message.get("Subject", "")
        try:
            key = self._maildir.add(message.as_bytes())
        except OSError as err:
            raise OutboxUnavailable(
                f"maildir outbox {self.root}: writing {subject!r}: {err}"
            ) from err
        log.info("maildir outbox %s: wrote %r as %s", self.root, subject, key)


def outbox_from_url(
    url: str,
    *,
    password: str | None = None,
    timeout: float = 30.0,
) -> Outbox:
    """Build the outbox `url` names: smtp:// (plain), smtp+starttls://, smtps://, maildir:PATH.

    A password inside the URL is accepted only for a server on this machine (it would show
    in the process list); otherwise give it as `password=` (RETURNS_SMTP_PASSWORD)."""
    if is_maildir_url(url):
        return MaildirOutbox(maildir_path(url))
    parts = parse_server_url(url, frozenset(_SMTP_SCHEMES))
    security, default_port = _SMTP_SCHEMES[parts.scheme]
    refuse_remote_password(url, parts, "RETURNS_SMTP_PASSWORD")
    secret = password if password is not None else parts.password
    user = parts.user or None
    return SmtpOutbox(
        parts.host,
        parts.port or default_port,
        user=user,
        password=secret if user is not None else None,
        security=security,
        timeout=timeout,
    )
