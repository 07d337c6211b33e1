"""Public mail and documents that no one here wrote, through the stable command line.

    corpora/                      shared/corpora beside the checkout, or RETURNS_PUBLIC_CORPORA
      emails/*.eml                bounces, an out-of-office, spam, an abuse report, raw UTF-8
                                  and 8-bit headers, obsolete syntax, broken MIME, an empty file
      documents/*                 encrypted, truncated, fuzzed, scanned, legacy Word, RTF ...
      README.md, LICENSES/        where each file came from, under which licence

    every document ──▶ `returns extract FILE`: a JSON record and exit 0, or exactly one
                       line on stderr and exit 1; never a traceback, never a hang
    all the emails ──▶ one Maildir ──▶ `returns intake --once` twice:
                       exit 0; every email in Processed or Quarantine with a ledger row,
                       none left in the inbox, none lost; no automatic reply answered
                       (RFC 3834: Auto-Submitted other than "no", multipart/report);
                       the second run changes nothing

The files are other projects' test fixtures, so they are never committed to this
repository: they live in the shared folder (copied there with their licences; see
bench/corpora.py for the whole corpora they were chosen from). Without them the module
is skipped with the reason, so a checkout without the shared corpora still runs the rest.
"""

from __future__ import annotations

import csv
import email
import email.policy
import email.utils
import hashlib
import json
import mailbox
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from core.paths import BUNDLED_REGISTER
from tests.paths import SHARED
from warehouse import make_engine, session_scope
from warehouse.models import MailLedgerEntry, OutboxMessage

pytestmark = [pytest.mark.live, pytest.mark.slow]
RETURNS = str(Path(sys.executable).with_name("returns"))
CORPORA = Path(os.environ.get("RETURNS_PUBLIC_CORPORA") or SHARED / "corpora")
DOCUMENTS = sorted((CORPORA / "documents").glob("*")) if CORPORA.is_dir() else []
EMAILS = sorted((CORPORA / "emails").glob("*.eml")) if CORPORA.is_dir() else []

if not (DOCUMENTS and EMAILS):
    pytest.skip(f"the public corpora are not at {CORPORA} (emails/ and documents/); set "
                "RETURNS_PUBLIC_CORPORA or place them in shared/corpora", allow_module_level=True)


# -- documents -------------------------------------------------------------------------


@pytest.mark.parametrize("path", DOCUMENTS, ids=[p.name for p in DOCUMENTS])
def test_a_public_document_is_read_or_refused_in_one_line(path: Path, tmp_path: Path) -> None:
    env = dict(os.environ, HOME=str(tmp_path))
    try:
        done = subprocess.run([RETURNS, "extract", str(path)], capture_output=True, text=True,
                              timeout=240, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{path.name}: `returns extract` was still running after 240 s")
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    if done.returncode == 0:
        record = json.loads(done.stdout)
        assert record["collection"] == "changing-lives-2006", done.stdout[:3000]
    else:
        assert (done.returncode, done.stdout, len(lines)) == (1, "", 1), done.stderr[-3000:]


# -- emails ----------------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeOutcome:
    delivered: dict[str, Path]  # Maildir key -> the corpus file delivered under it
    runs: list[subprocess.CompletedProcess[str]]
    folders: list[dict[str, set[str]]]  # after each run: folder -> Maildir keys
    ledgers: list[list[tuple[str, str, str | None]]]  # after each run: uid, status, sha
    acked_shas: set[str]  # raw SHA-256 of the emails whose submission was acknowledged
    outbox_rows: list[list[tuple[object, ...]]]  # after each run: submission, kind, to, status


def _folders(root: Path) -> dict[str, set[str]]:
    def keys(folder: Path) -> set[str]:
        return {p.name.split(":")[0] for sub in ("new", "cur") if (folder / sub).is_dir()
                for p in (folder / sub).iterdir()}
    return {"INBOX": keys(root), "Processed": keys(root / ".Processed"),
            "Quarantine": keys(root / ".Quarantine")}


@pytest.fixture(scope="module")
def intake_twice(prefect_server: str, tmp_path_factory: pytest.TempPathFactory) -> IntakeOutcome:
    home = tmp_path_factory.mktemp("public-intake")
    root, database = home / "mail", f"sqlite:///{home / 'returns.db'}"
    box = mailbox.Maildir(str(root), create=True)
    delivered = {box.add(path.read_bytes()): path for path in EMAILS}
    box.close()
    env = dict(os.environ, RETURNS_HOME=str(home), PREFECT_API_URL=prefect_server,
               RETURNS_REGISTER_CSV=str(_register_with_senders(home / "register.csv")),
               PREFECT_HOME=str(home / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_LOGGING_LEVEL="WARNING")
    argv = [RETURNS, "intake", "--once", "--mailbox", f"maildir:{root}", "--database", database,
            "--outbox", f"maildir:{home / 'outbox'}", "--home", str(home)]
    runs: list[subprocess.CompletedProcess[str]] = []
    folders: list[dict[str, set[str]]] = []
    ledgers: list[list[tuple[str, str, str | None]]] = []
    outbox_rows: list[list[tuple[object, ...]]] = []
    engine = make_engine(database)
    acked: set[str] = set()
    for _ in range(2):
        runs.append(subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900,
                                   stdin=subprocess.DEVNULL))
        folders.append(_folders(root))
        try:
            with session_scope(engine) as session:
                ledger = session.execute(select(MailLedgerEntry.uid, MailLedgerEntry.status,
                                                MailLedgerEntry.raw_sha256)).all()
                ledgers.append(sorted((uid, status, sha) for uid, status, sha in ledger))
                sent = session.execute(select(OutboxMessage.submission_id, OutboxMessage.kind,
                                              OutboxMessage.to_address, OutboxMessage.status)).all()
                outbox_rows.append(sorted((tuple(row) for row in sent), key=repr))
                acked_ids = {row[0] for row in sent if row[1] == "ack"}
                acked = {sha for sha, sub in session.execute(select(
                    MailLedgerEntry.raw_sha256, MailLedgerEntry.submission_id)).all()
                    if sub in acked_ids and sha}
        except SQLAlchemyError as err:  # a run that left no usable database: the asserts say so
            ledgers.append([("(database unreadable)", repr(err), None)])
            outbox_rows.append([])
    engine.dispose()
    return IntakeOutcome(delivered, runs, folders, ledgers, acked, outbox_rows)


def test_the_intake_settles_every_public_email_and_loses_none(intake_twice: IntakeOutcome) -> None:
    first = intake_twice.runs[0]
    assert first.returncode == 0, first.stderr[-3000:]
    folders = intake_twice.folders[0]
    ledgered = {uid for uid, _, _ in intake_twice.ledgers[0]}
    unsettled = {intake_twice.delivered[key].name for key in intake_twice.delivered
                 if key not in folders["Processed"] | folders["Quarantine"] or key not in ledgered}
    assert (sorted(unsettled), folders["INBOX"]) == ([], set())


def test_no_automatic_reply_is_acknowledged(intake_twice: IntakeOutcome) -> None:
    automatic = {hashlib.sha256(path.read_bytes()).hexdigest(): path.name
                 for path in intake_twice.delivered.values() if _is_automatic(path.read_bytes())}
    assert len(automatic) == 7  # four bounces, an out-of-office, a read receipt, an abuse report
    answered = sorted(name for sha, name in automatic.items() if sha in intake_twice.acked_shas)
    assert answered == []
    # ... while ordinary emails from the same (registered) senders are answered
    acked = {p.name for p in intake_twice.delivered.values()
             if hashlib.sha256(p.read_bytes()).hexdigest() in intake_twice.acked_shas}
    assert {"iso-2022-jp.eml", "obsolete-syntax-usenet-1995.eml"} <= acked, sorted(acked)


def test_a_second_run_over_the_public_emails_changes_nothing(intake_twice: IntakeOutcome) -> None:
    second = intake_twice.runs[1]
    assert second.returncode == 0, second.stderr[-3000:]
    assert intake_twice.folders[1] == intake_twice.folders[0]
    assert intake_twice.ledgers[1] == intake_twice.ledgers[0]
    assert intake_twice.outbox_rows[1] == intake_twice.outbox_rows[0]


def _register_with_senders(path: Path) -> Path:
    """The bundled register plus one organisation per corpus sender, so that every sender
    is someone the division may answer: the no-answer rule for automatic replies is then
    tested on its own, not hidden behind the rule for senders not on the register."""
    rows = list(csv.DictReader(BUNDLED_REGISTER.open(newline="", encoding="utf-8")))
    senders = sorted({sender for p in EMAILS if (sender := _sender(p.read_bytes()))})
    rows += [{"org_id": f"public-sender-{i}", "name": f"Public Corpus Sender {i}", "aliases": "",
              "type": "voluntary", "services": "children_families", "contact_email": sender}
             for i, sender in enumerate(senders, 1)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _headers(raw: bytes) -> email.message.Message:
    """The email read after dropping a byte-order mark and making every line end LF, so
    that a bare-CR or BOM-led file is judged by its headers too."""
    text = raw.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return email.message_from_bytes(text, policy=email.policy.compat32)


def _sender(raw: bytes) -> str | None:
    address = email.utils.parseaddr(str(_headers(raw).get("From", "")))[1]
    return address if "@" in address and address.isascii() and "," not in address else None


def _is_automatic(raw: bytes) -> bool:
    """An automatic message, never to be answered: Auto-Submitted other than `no`, or a
    multipart/report (the spec, section 7), or a null Return-Path (RFC 3834 section 2: no
    response to a null address)."""
    message = _headers(raw)
    auto = str(message.get("Auto-Submitted", "no")).split(";")[0].strip().lower()
    null_return = str(message.get("Return-Path", "")).strip() == "<>"
    return auto != "no" or message.get_content_type() == "multipart/report" or null_return
