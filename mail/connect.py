"""`mailbox_from_url`: one string from the command line or settings to a `Mailbox`.

    maildir:PATH                                    MaildirMailbox(PATH)
    imap://USER:PASSWORD@HOST:PORT/FOLDER           ImapMailbox, plain text, loopback only
    imap+starttls://USER@HOST:PORT/FOLDER           ImapMailbox, STARTTLS (port 143)
    imaps://USER@HOST:PORT/FOLDER                   ImapMailbox, implicit TLS (port 993)

User and password are percent-decoded ("returns%40council.scot"). A password inside
the URL is accepted only for a server on this machine (loopback: test servers), since a
URL on a command line shows in the process list; for any other host it is a
ConfigurationError. Production gives the password through the settings
(RETURNS_MAILBOX_PASSWORD or a Prefect Secret block), passed here as `password=`, or
an `oauth2_token=`.
An empty FOLDER means INBOX; "?auth=xoauth2" documents that a token is expected.
"""

from __future__ import annotations

from core.errors import ConfigurationError
from mail.imap import ImapMailbox, Security
from mail.mailbox import Mailbox
from mail.maildir import MaildirMailbox
from mail.urls import is_maildir_url, maildir_path, parse_server_url, redact_url, refuse_remote_password

_IMAP_SCHEMES: dict[str, tuple[Security, int]] = {
    "imap": ("plain", 143),
    "imap+starttls": ("starttls", 143),
    "imaps": ("ssl", 993),
}


def mailbox_from_url(
    url: str,
    *,
    password: str | None = None,
    oauth2_token: str | None = None,
    processed: str = "Processed",
    quarantine: str = "Quarantine",
    timeout: float = 30.0,
) -> Mailbox:
    """Build the mailbox `url` names; raises ConfigurationError on a bad URL or missing secret."""
    if is_maildir_url(url):
        return MaildirMailbox(maildir_path(url), processed=processed, quarantine=quarantine)
    parts = parse_server_url(url, frozenset(_IMAP_SCHEMES))
    security, default_port = _IMAP_SCHEMES[parts.scheme]
    refuse_remote_password(url, parts, "RETURNS_MAILBOX_PASSWORD")
    if not parts.user:
        raise ConfigurationError(f"{redact_url(url)}: no user name (imap://USER@HOST/...)")
    if oauth2_token is None and parts.query.get("auth", "").lower() == "xoauth2":
        raise ConfigurationError(f"{redact_url(url)}: auth=xoauth2 but no OAuth2 token given")
    secret = password if password is not None else parts.password
    if oauth2_token is not None:
        secret = None
    if secret is None and oauth2_token is None:
        raise ConfigurationError(
            f"{redact_url(url)}: no password: set RETURNS_MAILBOX_PASSWORD (or a Prefect Secret "
            "block), or give an OAuth2 token"
        )
    return ImapMailbox(
        parts.host,
        parts.port or default_port,
        parts.user,
        password=secret,
        oauth2_token=oauth2_token,
        security=security,
        folder=parts.path or "INBOX",
        processed=processed,
        quarantine=quarantine,
        timeout=timeout,
    )
