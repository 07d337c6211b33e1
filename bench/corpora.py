"""Public corpora that no one here wrote: `returns extract` and `returns intake` over them.

    python bench/corpora.py [--mirrors /work/.mirror] [--work /tmp/returns-corpora]
                            [--emails DIR ...] [--documents DIR ...] [--only emails|documents]
                            [--timeout 120] [--jobs 2] [--json OUT]

The corpora are other projects' test fixtures: real and hostile mail (RFC 2822 obsolete
syntax, RFC 6532 UTF-8 headers, bounces and auto-replies from some eighty mail systems with
LF, CRLF and bare-CR line ends, complaints, spam, broken MIME, mbox files) and
documents (PDF and Word test files, many deliberately broken). Bring them onto the
machine with the search tool's `fetch`, one call per repository in SOURCES, e.g.
`fetch github:mailgun/flanker`; each arrives as a bare git directory under
/work/.mirror/<owner>+<name>/repo. Nothing of theirs is committed here: this bench
copies the files it needs out of those git directories into --work (missing blobs,
such as files the snapshot left out, are skipped and counted).

    documents ──▶ `returns extract FILE` (a subprocess each, --jobs at a time)
                    read     exit 0, a JSON record on stdout
                    refused  exit 1, exactly one line on stderr, no traceback
                    crashed  anything else (a traceback, several stderr lines, a signal)
                    hung     still running after --timeout (its process group is killed)
                    > 1 GB   peak resident memory of it and its children (os.wait4)
    emails ────▶ a fresh Maildir per corpus ──▶ `returns intake --once` twice
                    settled  in Processed or Quarantine with a ledger row
                    inbox / lost / no ledger row, tracebacks, non-zero runs
                    acks     acknowledgements sent, and how many went to addresses whose
                             domain is no register contact's (backscatter)
                    2nd run  whether the second run changed folders, ledger, submissions
                             or outbox

Prints Markdown tables suited to the README; --json writes every file's outcome.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import mailbox
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for bench.intake when run as a script
RETURNS = str(Path(sys.executable).with_name("returns"))
REGISTER = REPO / "core" / "data" / "register.csv"
GIB = 1 << 30
DOC_SUFFIXES = {".pdf", ".doc", ".docx", ".docm", ".dot", ".dotx", ".dotm", ".rtf", ".odt", ".wri"}
MBOX_SUFFIXES = (".mbox", ".mbox.txt")


@dataclass(frozen=True)
class Source:
    """One public repository: which of its files are emails or documents."""

    repo: str  # owner/name
    kind: str  # "emails" | "documents"
    roots: tuple[str, ...]
    pick: Callable[[str], bool]
    licence: str


def _doc(path: str) -> bool:
    return Path(path).suffix.lower() in DOC_SUFFIXES


def _mimekit_mail(path: str) -> bool:
    name = Path(path).name
    if "/messages/" in path:
        return not name.startswith("body.") and name.endswith((".eml", ".txt"))
    return name.endswith((".eml", ".msg", *MBOX_SUFFIXES)) or name.startswith("[Announce]")


def _flanker_mail(path: str) -> bool:
    return path.endswith(".eml") or "/dkim/email." in path


SOURCES = (
    Source("mailgun/flanker", "emails", ("tests/fixtures/messages",), _flanker_mail, "Apache-2.0"),
    Source("SpamScope/mail-parser", "emails", ("tests/mails",), lambda p: True, "Apache-2.0"),
    Source("jstedfast/MimeKit", "emails", ("UnitTests/TestData", "Benchmarks/TestData/messages"),
           _mimekit_mail, "MIT"),
    Source("sisimai/set-of-emails", "emails", ("maildir", "to-be-debugged-because", "to-be-parsed-for-test"),
           lambda p: p.endswith(".eml"), "BSD-2-Clause"),
    Source("jsvine/pdfplumber", "documents", ("tests/pdfs",), _doc, "MIT"),
    Source("py-pdf/pypdf", "documents", ("resources",), _doc, "BSD-3-Clause"),
    Source("py-pdf/sample-files", "documents", ("",), _doc, "CC-BY-SA-4.0 (run here, never copied)"),
    Source("python-openxml/python-docx", "documents", ("tests/test_files", "features/steps/test_files"),
           _doc, "MIT"),
    Source("apache/poi", "documents", ("test-data/document",), _doc, "Apache-2.0"),
    Source("deanmalmgren/textract", "documents", ("tests",), _doc, "MIT"),
)


# -- bringing the files out of the mirrors ---------------------------------------------


@dataclass
class Corpus:
    name: str
    kind: str
    files: list[Path]
    commit: str = ""
    missing: int = 0  # blobs the snapshot did not carry


def _git(git_dir: Path, *args: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True,
                          capture_output=True).stdout


def export(source: Source, mirrors: Path, work: Path) -> Corpus | None:
    """Copy the source's chosen files out of its bare mirror into work/<owner+name>/."""
    git_dir = mirrors / source.repo.replace("/", "+") / "repo"
    if not git_dir.is_dir():
        print(f"  {source.repo}: not fetched (fetch github:{source.repo}), left out")
        return None
    commit = _git(git_dir, "rev-parse", "HEAD").decode().strip()
    listing = _git(git_dir, "ls-tree", "-r", "-z", "HEAD", "--", *[r for r in source.roots if r])
    wanted = []
    for entry in listing.split(b"\0"):
        if entry:
            meta, path = entry.decode(errors="surrogateescape").split("\t", 1)
            if meta.split()[1] == "blob" and source.pick(path):
                wanted.append((meta.split()[2], path))
    corpus = Corpus(source.repo, source.kind, [], commit)
    dest = work / source.repo.replace("/", "+")
    for sha, path in wanted:
        got = subprocess.run(["git", f"--git-dir={git_dir}", "cat-file", "blob", sha],
                             capture_output=True)
        if got.returncode != 0:
            corpus.missing += 1
            continue
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(got.stdout)
        corpus.files.append(target)
    return corpus


def from_folder(folder: Path, kind: str) -> Corpus:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")
                   and (p.suffix.lower() in DOC_SUFFIXES if kind == "documents" else
                        p.suffix.lower() in {".eml", ".msg", ".txt", ""} or p.name.endswith(MBOX_SUFFIXES)))
    return Corpus(str(folder), kind, files)


def emails_of(corpus: Corpus) -> list[tuple[str, bytes]]:
    """(name, raw bytes) per email; an mbox file gives one per message in it."""
    out = []
    for path in corpus.files:
        if path.name.endswith(MBOX_SUFFIXES):
            box = mailbox.mbox(str(path), create=False)
            out += [(f"{path.name}#{i}", box.get_bytes(key)) for i, key in enumerate(box.keys())]
            box.close()
        else:
            out.append((path.name, path.read_bytes()))
    return out


# -- documents: `returns extract` ------------------------------------------------------


@dataclass
class Extracted:
    file: str
    outcome: str  # read | refused | crashed | hung
    exit: int | None
    seconds: float
    peak_mb: float
    stderr: str


def run_extract(path: Path, timeout: float) -> Extracted:
    """One `returns extract` in its own process group; peak memory from os.wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.monotonic()
        proc = subprocess.Popen([RETURNS, "extract", str(path)], stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        hung = threading.Event()
        timer = threading.Timer(timeout, _killpg, (proc.pid, hung))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        _killpg(proc.pid)  # whatever it left behind (a converter, an OCR engine)
        seconds = time.monotonic() - began
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    lines = [line for line in stderr.splitlines() if line.strip()]
    if hung.is_set():
        outcome = "hung"
    elif "Traceback (most recent call last)" in stderr or len(lines) > 1:
        outcome = "crashed"
    elif proc.returncode == 0 and _is_record(stdout):
        outcome = "read"
    elif proc.returncode == 1 and len(lines) == 1:
        outcome = "refused"
    else:
        outcome = "crashed"
    return Extracted(str(path), outcome, proc.returncode, round(seconds, 2),
                     round(usage.ru_maxrss / 1024, 1), "\n".join(lines[-20:]))


def _killpg(pgid: int, hung: threading.Event | None = None) -> None:
    if hung is not None:
        hung.set()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _is_record(stdout: str) -> bool:
    try:
        return isinstance(json.loads(stdout), dict)
    except ValueError:
        return False


def run_documents(corpus: Corpus, timeout: float, jobs: int) -> list[Extracted]:
    with ThreadPoolExecutor(jobs) as pool:
        return list(pool.map(lambda p: run_extract(p, timeout), corpus.files))


# -- emails: `returns intake --once`, twice --------------------------------------------


@dataclass
class IntakeRun:
    exit: int | None
    seconds: float
    tracebacks: int
    stdout: str
    stderr_tail: str


@dataclass
class IntakeResult:
    corpus: str
    emails: int
    runs: list[IntakeRun] = field(default_factory=list)
    settled: int = 0
    processed: int = 0
    quarantined: int = 0
    in_inbox: int = 0
    lost: int = 0
    no_ledger_row: int = 0
    ledger_failed: int = 0
    acks: int = 0
    backscatter: int = 0
    second_run_changed: list[str] = field(default_factory=list)


def run_intake(corpus: Corpus, work: Path, timeout: float) -> IntakeResult:
    """Deliver the corpus into a fresh Maildir, run the intake twice, count what happened."""
    home = Path(tempfile.mkdtemp(prefix="intake-", dir=work))
    root, outbox, db = home / "mail", home / "outbox", home / "returns.db"
    box = mailbox.Maildir(str(root), create=True)
    keys = {box.add(raw) for _, raw in emails_of(corpus)}
    box.close()
    env = dict(os.environ, RETURNS_HOME=str(home), PREFECT_HOME=str(home / "prefect"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING")
    argv = [RETURNS, "intake", "--once", "--mailbox", f"maildir:{root}", "--database",
            f"sqlite:///{db}", "--outbox", f"maildir:{outbox}", "--home", str(home)]
    result = IntakeResult(corpus.name, len(keys))
    snapshots = []
    for _ in range(2):
        began = time.monotonic()
        try:
            done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
            run = IntakeRun(done.returncode, 0.0, done.stderr.count("Traceback (most recent"),
                            done.stdout.strip()[-300:], "\n".join(done.stderr.splitlines()[-8:]))
        except subprocess.TimeoutExpired as err:
            run = IntakeRun(None, 0.0, 0, "", f"still running after {timeout:.0f} s: {err}")
        run.seconds = round(time.monotonic() - began, 1)
        result.runs.append(run)
        snapshots.append(_snapshot(root, outbox, db))
    _count(result, keys, snapshots[-1])
    result.second_run_changed = snapshots[1].changed_from(snapshots[0])
    return result


_QUERIES = {"ledger": "SELECT uid, folder, status, error, submission_id FROM mail_ledger",
            "submissions": "SELECT id, dedup_key, status, reason, org_id FROM submissions",
            "documents": "SELECT submission_id, sha256, role, reason FROM documents",
            "outbox": "SELECT submission_id, kind, to_address, status FROM outbox"}


@dataclass
class Snapshot:
    """Folders (Maildir keys) and warehouse rows after one run, to count and compare."""

    folders: dict[str, set[str]]
    tables: dict[str, list[tuple[Any, ...]]]

    def changed_from(self, other: Snapshot) -> list[str]:
        return [name for name in [*self.folders, *_QUERIES]
                if (self.folders | self.tables).get(name) != (other.folders | other.tables).get(name)]


def _folder_keys(root: Path) -> set[str]:
    return {p.name.split(":")[0] for sub in ("new", "cur") if (root / sub).is_dir()
            for p in (root / sub).iterdir()}


def _snapshot(root: Path, outbox: Path, db: Path) -> Snapshot:
    folders = {"inbox": _folder_keys(root), "Processed": _folder_keys(root / ".Processed"),
               "Quarantine": _folder_keys(root / ".Quarantine"), "outbox files": _folder_keys(outbox)}
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with contextlib.suppress(sqlite3.Error), sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        for name, query in _QUERIES.items():  # a run that left no database leaves these out
            tables[name] = sorted(conn.execute(query).fetchall(), key=repr)
    return Snapshot(folders, tables)


def _count(result: IntakeResult, keys: set[str], snap: Snapshot) -> None:
    processed, quarantined, inbox = (snap.folders[f] for f in ("Processed", "Quarantine", "inbox"))
    ledger, outbox = snap.tables.get("ledger", []), snap.tables.get("outbox", [])
    ledgered = {row[0] for row in ledger}
    result.processed, result.quarantined = len(keys & processed), len(keys & quarantined)
    result.in_inbox = len(keys & inbox)
    result.lost = len(keys - processed - quarantined - inbox)
    result.no_ledger_row = len(keys - ledgered)
    result.settled = len((keys & (processed | quarantined)) & ledgered)
    result.ledger_failed = sum(1 for row in ledger if row[2] == "failed")
    known = _register_domains()
    sent = [row for row in outbox if row[1] == "ack" and row[3] == "sent"]
    result.acks = len(sent)
    result.backscatter = sum(1 for row in sent if _domain(str(row[2])) not in known)


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip(" >").lower()


def _register_domains() -> set[str]:
    with REGISTER.open(newline="", encoding="utf-8") as handle:
        return {_domain(row["contact_email"]) for row in csv.DictReader(handle) if row["contact_email"]}


# -- tables ----------------------------------------------------------------------------


def document_table(results: dict[str, list[Extracted]]) -> str:
    head = ("| corpus | files | read | refused in one line | crashed | hung | over 1 GB "
            "| slowest s | peak MB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = [head]
    for name, items in [*results.items(), ("**all**", [x for v in results.values() for x in v])]:
        c = Counter(x.outcome for x in items)
        big = sum(1 for x in items if x.peak_mb * 1024 * 1024 > GIB)
        slow = max((x.seconds for x in items), default=0.0)
        peak = max((x.peak_mb for x in items), default=0.0)
        rows.append(f"| {name} | {len(items)} | {c['read']} | {c['refused']} | {c['crashed']} "
                    f"| {c['hung']} | {big} | {slow:.1f} | {peak:.0f} |")
    return "\n".join(rows)


def intake_table(results: list[IntakeResult]) -> str:
    head = ("| corpus | emails | settled | processed | quarantined | left in inbox | lost "
            "| no ledger row | failed in ledger | tracebacks | runs non-zero | acks sent "
            "| backscatter | 2nd run changed |\n|---|" + "---:|" * 12 + "---|")
    rows = [head]
    for r in results:
        bad = sum(1 for run in r.runs if run.exit != 0)
        rows.append(f"| {r.corpus} | {r.emails} | {r.settled} | {r.processed} | {r.quarantined} "
                    f"| {r.in_inbox} | {r.lost} | {r.no_ledger_row} | {r.ledger_failed} "
                    f"| {sum(run.tracebacks for run in r.runs)} | {bad} of {len(r.runs)} "
                    f"| {r.acks} | {r.backscatter} | {', '.join(r.second_run_changed) or 'nothing'} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "returns-corpora")
    parser.add_argument("--emails", type=Path, nargs="*", default=[], help="folders of emails")
    parser.add_argument("--documents", type=Path, nargs="*", default=[], help="folders of documents")
    parser.add_argument("--only", choices=["emails", "documents"])
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per document")
    parser.add_argument("--intake-timeout", type=float, default=3600.0, help="seconds per intake run")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--ephemeral-prefect", action="store_true",
                        help="let each intake run start Prefect's own temporary server "
                             "(default: one `prefect server` for all runs, or PREFECT_API_URL)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    server = None
    if args.only != "documents" and not args.ephemeral_prefect and "PREFECT_API_URL" not in os.environ:
        from bench.intake import start_prefect_server

        server, os.environ["PREFECT_API_URL"] = start_prefect_server(args.work / "prefect-server")
    try:
        run_all(args)
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)


def run_all(args: argparse.Namespace) -> None:
    corpora = [from_folder(f, "emails") for f in args.emails]
    corpora += [from_folder(f, "documents") for f in args.documents]
    if not corpora:
        print(f"copying the corpora out of {args.mirrors} into {args.work} ...", flush=True)
        wanted = [s for s in SOURCES if args.only in (None, s.kind)]
        corpora = [c for s in wanted if (c := export(s, args.mirrors, args.work / "files"))]
    for c in corpora:
        print(f"  {c.name} @ {c.commit[:12] or '-'}: {len(c.files)} files of {c.kind}"
              + (f" ({c.missing} not in the snapshot)" if c.missing else ""), flush=True)

    report: dict[str, object] = {"corpora": [asdict(c) | {"files": len(c.files)} for c in corpora]}
    if args.only != "emails":
        docs: dict[str, list[Extracted]] = {}
        for c in (c for c in corpora if c.kind == "documents"):
            print(f"returns extract over {c.name} ({len(c.files)} files) ...", flush=True)
            docs[c.name] = run_documents(c, args.timeout, args.jobs)
        every = [x for v in docs.values() for x in v]
        print("\n## returns extract over public documents\n\n" + document_table(docs))
        for x in (x for x in every if x.outcome in ("crashed", "hung")):
            print(f"  {x.outcome}: {x.file}: exit {x.exit}: {x.stderr[-500:]}")
        report["documents"] = [asdict(x) for x in every]
        _save(args.json, report)
    if args.only != "documents":
        intakes = []
        for c in (c for c in corpora if c.kind == "emails"):
            print(f"returns intake --once (twice) over {c.name} ...", flush=True)
            intakes.append(run_intake(c, args.work, args.intake_timeout))
        print("\n## returns intake over public emails\n\n" + intake_table(intakes))
        for r in intakes:
            for i, run in enumerate(r.runs, 1):
                if run.exit != 0 or run.tracebacks:
                    print(f"\n{r.corpus} run {i}: exit {run.exit}, {run.seconds} s\n{run.stderr_tail}")
        report["intake"] = [asdict(r) for r in intakes]
        _save(args.json, report)


def _save(path: Path | None, report: dict[str, object]) -> None:
    if path:
        path.write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
