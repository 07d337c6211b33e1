"""Seed the embedded Maildir with the bundled demo returns, as organisations would send them."""

from __future__ import annotations

import datetime as dt
import mailbox
import mimetypes
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from core.paths import DEMO_DIR

SUFFIXES = {".docx", ".docm", ".doc", ".rtf", ".pdf"}


def demo_messages() -> list[EmailMessage]:
    """One email per demo return, plus a covering-letter-only email and one with nothing attached."""
    out: list[EmailMessage] = []
    # the returns arrive over the season, most in the fortnight before the deadline
    when = dt.datetime(2006, 10, 16, 9, 0, tzinfo=dt.UTC)
    for i, path in enumerate(sorted(p for p in DEMO_DIR.iterdir() if p.suffix.lower() in SUFFIXES)):
        msg = _message(f"returns.officer{i + 1}@sender.example", f"Changing Lives self assessment return ({path.stem})",
                       f"<demo-{path.stem}@sender.example>", when + dt.timedelta(days=i * 2))
        msg.set_content("Please find our self assessment return attached.\n")
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
        out.append(msg)
    empty = _message("someone@sender.example", "Changing Lives return", "<demo-no-attachment@sender.example>",
                     when + dt.timedelta(days=20))
    empty.set_content("Strengths: we have good partnership working.\nPriorities for change: recruitment.\n")
    out.append(empty)
    return out


def _message(sender: str, subject: str, message_id: str, when: dt.datetime) -> EmailMessage:
    msg = EmailMessage()
    # what the division's own mail server adds on arrival: the received time (section 7)
    arrived = when + dt.timedelta(minutes=3)
    msg["Received"] = (f"from mail.sender.example by mx.policy-division.example with ESMTPS; "
                       f"{format_datetime(arrived)}")
    msg["From"] = sender
    msg["To"] = "changing-lives-returns@policy-division.example"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(when)
    return msg


def seed_maildir(root: Path) -> int:
    """Deliver the demo emails into the Maildir at `root` once; returns how many were added."""
    marker = root / ".demo-seeded"
    if marker.exists():
        return 0
    root.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(str(root), create=True)
    try:
        messages = demo_messages()
        for msg in messages:
            box.add(msg.as_bytes())
    finally:
        box.close()
    marker.write_text("seeded\n")
    return len(messages)
