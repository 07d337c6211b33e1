"""Parsing of mailbox and outbox URLs, shared by `mailbox_from_url` and `outbox_from_url`.

    maildir:PATH                                  a local Maildir (relative to the cwd)
    SCHEME://USER:PASSWORD@HOST:PORT/PATH?QUERY   a server; user and password are
                                                  percent-decoded ("%40" for "@")

Also the safety helpers both transports use: `is_loopback(host)` (plain-text
connections are only allowed to this machine), `refuse_remote_password(url, parts,
env_var)` (a password inside a URL is accepted only for this machine: a URL given on the
command line shows in the process list) and `redact_url(url)` (a URL fit for messages
and logs: the password replaced by "***").
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from core.errors import ConfigurationError


@dataclass(frozen=True)
class ServerUrl:
    """The parts of `scheme://user:password@host:port/path?query`, decoded."""

    scheme: str
    host: str
    port: int | None
    user: str | None
    password: str | None = field(repr=False)
    path: str
    query: dict[str, str]


def is_maildir_url(url: str) -> bool:
    return url.startswith("maildir:")


def maildir_path(url: str) -> Path:
    """`maildir:PATH` (or `maildir://PATH`) to an absolute path."""
    rest = url.removeprefix("maildir:")
    if rest.startswith("//"):
        rest = rest[2:]
    if not rest:
        raise ConfigurationError("maildir URL has no path: expected maildir:PATH")
    return Path(unquote(rest)).expanduser().resolve()


def parse_server_url(url: str, schemes: frozenset[str]) -> ServerUrl:
    """Split a server URL; errors name the URL with its password masked."""
    try:
        parts: SplitResult = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise ConfigurationError(f"{redact_url(url)}: not a valid URL: {err}") from err
    scheme = parts.scheme.lower()
    if scheme not in schemes:
        allowed = ", ".join(sorted(f"{s}://" for s in schemes))
        raise ConfigurationError(
            f"{redact_url(url)}: unknown scheme {scheme!r}: expected maildir:PATH or {allowed}"
        )
    if not parts.hostname:
        raise ConfigurationError(f"{redact_url(url)}: no host")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return ServerUrl(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        user=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
        path=unquote(parts.path.lstrip("/")),
        query=query,
    )


def redact_url(url: str) -> str:
    """The URL with any password replaced by "***" (safe to log or show)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    userinfo = f"{parts.username}:***@" if parts.username is not None else ":***@"
    hostport = parts.netloc.rsplit("@", 1)[-1]
    return parts._replace(netloc=userinfo + hostport).geturl()


def refuse_remote_password(url: str, parts: ServerUrl, env_var: str) -> None:
    """Raise ConfigurationError if `url` carries a password for a host other than this
    machine: a URL on a command line shows in the process list, and ends up in shell
    histories and unit files. Loopback test servers may keep the short form."""
    if parts.password and not is_loopback(parts.host):
        raise ConfigurationError(
            f"{redact_url(url)}: a password inside the URL is only accepted for a server on this "
            f"machine (loopback), as anyone on the host can read it in the process list; "
            f"leave it out of the URL and give it in the environment ({env_var}) or a Prefect Secret block"
        )


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_for_url(host: str) -> str:
    """IPv6 literals in brackets, everything else as given."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
