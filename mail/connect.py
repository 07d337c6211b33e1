"""`mailbox_from_url`: one string from the command line or settings to a `Mailbox`.

    maildir:PATH                                    MaildirMailbox(PATH)
    imap://USER:PASSWORD@HOST:PORT/FOLDER           ImapMailbox, plain text, loopback only
    imap+starttls://USER:PASSWORD@HOST:PORT/FOLDER  ImapMailbox, STARTTLS (port 143)
    imaps://USER:PASSWORD@HOST:PORT/FOLDER          ImapMailbox, implicit TLS (port 993)

User and password are percent-decoded ("returns%40council.scot"). Keep secrets out of
URLs in production: the settings object passes `password=` (read from the
environment variable it names) or `oauth2_token=`, which override the URL's password.
An empty FOLDER means INBOX; "?auth=xoauth2" documents that a token is expected.
"""

from __future__ import annotations

from core.errors import ConfigurationError
from mail.imap import ImapMailbox, Security
from mail.mailbox import Mailbox
from mail.maildir import MaildirMailbox
from mail.urls import is_maildir_url, maildir_path, parse_server_url, redact_url

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
    if not parts.user:
        raise ConfigurationError(f"{redact_url(url)}: no user name (imap://USER@HOST/...)")
    if oauth2_token is None and parts.query.get("auth", "").lower() == "xoauth2":
        raise ConfigurationError(f"{redact_url(url)}: auth=xoauth2 but no OAuth2 token given")
    secret = password if password is not None else parts.password
    if oauth2_token is not None:
        secret = None
    if secret is None and oauth2_token is None:
        raise ConfigurationError(
            f"{redact_url(url)}: no password: put it in the URL or the settings' password "
            "environment variable, or give an OAuth2 token"
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
