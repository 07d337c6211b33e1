"""Settings: embedded defaults, environment overrides, secrets that never serialise."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings


def test_embedded_defaults_live_under_home(tmp_path: Path) -> None:
    s = Settings(home=tmp_path)
    assert (s.database_url, s.mailbox_url, s.outbox_url, s.blobs) == (
        f"sqlite:///{tmp_path / 'returns.db'}", f"maildir:{tmp_path / 'mail' / 'submissions'}",
        f"maildir:{tmp_path / 'mail' / 'outbox'}", tmp_path / "blobs")


def test_environment_variables_override_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETURNS_MAILBOX_URL", "imaps://returns@mail.example/INBOX")
    monkeypatch.setenv("RETURNS_MAILBOX_PASSWORD", "app-password")
    s = Settings(home=tmp_path)
    assert s.mailbox_url == "imaps://returns@mail.example/INBOX"
    assert s.mailbox_password is not None and s.mailbox_password.get_secret_value() == "app-password"


def test_secrets_never_serialise_not_even_inside_urls(tmp_path: Path) -> None:
    s = Settings(home=tmp_path, mailbox_url="imap://returns:hunter2@127.0.0.1:1143/INBOX",
                 database_url="postgresql+psycopg://app:db-secret@db.example/returns",
                 smtp_password="smtp-secret")
    dumped = s.model_dump_json()
    assert "hunter2" not in dumped and "db-secret" not in dumped and "smtp-secret" not in dumped
    assert s.model_dump(mode="json")["mailbox_url"] == "imap://returns:***@127.0.0.1:1143/INBOX"
    assert "hunter2" not in repr(s) and "db-secret" not in repr(s)
    assert s.mailbox_url == "imap://returns:hunter2@127.0.0.1:1143/INBOX"  # still usable in-process


def test_the_flow_run_record_never_holds_a_secret(tmp_path: Path) -> None:
    from flows.intake import intake_flow

    s = Settings(home=tmp_path, mailbox_url="imaps://returns:hunter2@mail.example/INBOX", smtp_password="smtp-secret")
    sent = intake_flow.serialize_parameters({"settings": s})  # what Prefect stores for the run
    assert sent["settings"]["mailbox_url"] == "imaps://returns:***@mail.example/INBOX"
    assert sent["settings"]["smtp_password"] == "**********"
