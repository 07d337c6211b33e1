"""One typed settings object, built at the entry point and passed down.

Values come from arguments, then `RETURNS_*` environment variables, then defaults
that make a self-contained embedded set-up under `home` (a local Maildir, SQLite, an
on-disk blob store, a Maildir outbox). Nothing reads the environment at import time.
Secrets are `SecretStr`: they never print, log or reach Prefect parameters.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_serializer, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.paths import BUNDLED_REGISTER

_URL_PASSWORD = re.compile(r"(://[^/:@\s]*:)[^@/\s]*@")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RETURNS_", extra="ignore", frozen=True)

    home: Path = Path("var")
    # URLs may hold a password: kept out of repr() and masked when serialised.
    database_url: str = Field("", repr=False)
    mailbox_url: str = Field("", repr=False)  # the folder to watch is the URL's path (default INBOX)
    processed_folder: str = "Processed"
    quarantine_folder: str = "Quarantine"
    outbox_url: str = Field("", repr=False)
    blob_root: Path | None = None
    collection: str = "changing-lives-2006"
    register_csv: Path = BUNDLED_REGISTER
    # Secrets: from the environment (or a Prefect Secret block), never from defaults.
    mailbox_password: SecretStr | None = None
    mailbox_oauth2_token: SecretStr | None = None
    smtp_password: SecretStr | None = None
    from_address: str = "changing-lives-returns@policy-division.example"
    mail_timeout_s: float = Field(30.0, gt=0)  # one IMAP or SMTP command (connect, fetch, send)
    batch_size: int = 50
    claim_lease_s: float = 600.0  # a worker's claim on an email expires after this
    max_attempts: int = 3  # an email failing transiently this often (across runs) is quarantined
    # The parse sandbox (pipeline.sandbox): every parse of untrusted bytes runs in a
    # child process the operating system bounds. RETURNS_PARSE_TIMEOUT_S etc.
    parse_timeout_s: float = Field(300.0, gt=0)  # one document, OCR and conversion included
    parse_memory_mb: int = Field(1024, gt=0)  # per child process, above what its imports use
    parse_mime_timeout_s: float = Field(60.0, gt=0)  # one email's MIME structure
    parse_workers: int = Field(1, ge=1, le=64)  # child processes that parse documents
    check_engine: Literal["gx", "plain"] = "gx"  # Great Expectations, or the same rules in plain Python
    # The intake checks (one validation) and then answers and moves what it has recorded
    # once this many emails wait, or the oldest has waited this long, or the run ends.
    check_batch_size: int = Field(300, ge=1)
    # Alerts (flows.alerts): who is emailed, and how long without a completed intake is "quiet".
    alert_to: str = ""
    alert_quiet_hours: float = Field(24.0, gt=0)
    check_interval_s: float = Field(60.0, ge=0)

    @model_validator(mode="after")
    def _embedded_defaults(self) -> Settings:
        home = self.home.resolve()
        object.__setattr__(self, "home", home)
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{home / 'returns.db'}")
        if not self.mailbox_url:
            object.__setattr__(self, "mailbox_url", f"maildir:{home / 'mail' / 'submissions'}")
        if not self.outbox_url:
            object.__setattr__(self, "outbox_url", f"maildir:{home / 'mail' / 'outbox'}")
        if self.blob_root is None:
            object.__setattr__(self, "blob_root", home / "blobs")
        return self

    @field_serializer("database_url", "mailbox_url", "outbox_url")
    def _mask_password(self, url: str) -> str:
        """URLs may carry a password (imap://user:pw@host): never serialise it, so it
        cannot reach a Prefect flow-run record, a log line or the dashboard."""
        return _URL_PASSWORD.sub(r"\1***@", url)

    @property
    def blobs(self) -> Path:
        assert self.blob_root is not None
        return self.blob_root
