"""One function per fault: cause it for real, clear it, let the intake carry on, account.

Each takes a fresh folder and a random generator (where in a run the fault strikes) and
returns a `tests.faults.Trial`. The live tests run each a few times; bench/reliability.py
runs them many times and prints the table.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from tests.factories import poison
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.faults import DOCX, Rig, Trial, register, returns_mail, small_disk, sqlite_locked, until_done
from tests.intake_fixtures import with_received
from tests.mail_fixtures import DovecotServer
from tests.pg_fixtures import PostgresCluster, postgres_bindir


def _tag(rng: random.Random) -> str:
    return f"t{rng.randrange(10**9)}"


def kill_intake(tmp: Path, rng: random.Random, mid_batch: bool = False) -> Trial:
    """SIGKILL to the intake (and its sandbox workers) at a random moment of a run, or
    (`mid_batch`) once a random number of its emails are recorded."""
    mail = returns_mail(rng.sample(register(), 20), _tag(rng))
    with Rig(tmp) as rig:
        rig.deliver(mail)
        if mid_batch:
            n = rng.randrange(1, len(mail))
            proc = rig.start("intake", "--once")
            rig.after_progress(n, lambda: rig.kill(proc)).join()
            struck = proc.wait() == -9
            when = f"after {n} of {len(mail)} emails"
        else:
            after = rng.uniform(0.3, 2.8)  # a run of 20 takes ~2.6 s here: start-up, records, replies, moves
            struck = rig.intake(kill_after=after) is None  # None: killed; else it finished first
            when = f"at {after:.1f} s"
        began = time.monotonic()
        until_done(rig.intake)
        done = rig.wait_finished(set(mail), 5)
        trial = rig.account(f"intake killed (SIGKILL) {when}", set(mail),
                            None if done is None else time.monotonic() - began, expect_replies=len(mail))
        trial.struck = struck
        return trial


def kill_chase(tmp: Path, rng: random.Random) -> Trial:
    """SIGKILL to `returns chase` while it writes to ~40 organisations."""
    mail = returns_mail(rng.sample(register(), 4), _tag(rng))
    day = rng.choice(["2006-10-24", "2006-11-01", "2006-11-08"])
    with Rig(tmp) as rig:
        rig.deliver(mail)
        rig.intake()
        acks = len(rig.smtp.received)
        when = rng.uniform(0.3, 1.9)  # a chase run takes ~1.8 s here
        struck = rig.chase(day, kill_after=when) is None
        began = time.monotonic()
        until_done(lambda: rig.chase(day))
        after = len(rig.smtp.received)
        rig.chase(day)  # once more: nothing may go out again
        settled = len(rig.smtp.received) == after and rig.finished(set(mail))
        trial = rig.account(f"chase killed (SIGKILL) at {when:.1f} s", set(mail),
                            time.monotonic() - began if settled else None, replies="chase")
        trial.detail += f" {after - acks} chases received"
        trial.struck = struck
        return trial


def _imap(tmp: Path, rng: random.Random, cut: bool) -> Trial:
    server = DovecotServer().start()
    try:
        mail = returns_mail(rng.sample(register(), 6), _tag(rng))
        for raw in mail.values():
            server.append(raw)
        with Rig(tmp, mailbox_url=server.url(), inbox_dir=server.maildir) as rig:
            when = rng.randrange(len(mail))  # emails recorded before the fault
            fault = rig.after_progress(when, server.cut_connections if cut else server.stop)
            code = rig.intake()
            fault.join()
            struck = code != 0 or not rig.finished(set(mail))
            if not cut:
                time.sleep(1.0)
                server.resume()
            began = time.monotonic()
            until_done(rig.intake)
            done = rig.wait_finished(set(mail), 5)
            what = "IMAP connections cut" if cut else "IMAP server stopped"
            trial = rig.account(f"{what} after {when} of {len(mail)} emails", set(mail),
                                None if done is None else time.monotonic() - began, expect_replies=len(mail))
            trial.struck = struck
            return trial
    finally:
        server.cleanup()


def imap_stopped(tmp: Path, rng: random.Random) -> Trial:
    return _imap(tmp, rng, cut=False)


def imap_cut(tmp: Path, rng: random.Random) -> Trial:
    return _imap(tmp, rng, cut=True)


def _smtp(tmp: Path, rng: random.Random, mode: str) -> Trial:
    mail = returns_mail(rng.sample(register(), 5), _tag(rng))
    with Rig(tmp) as rig:
        rig.smtp.mode, rig.smtp.stall_s = mode, 5.0  # stalls outlast the 3 s mail timeout
        rig.smtp.faults_left = 2 if mode == "drop" else None
        rig.deliver(mail)
        struck = rig.intake() != 0 or rig.smtp.mode == "ok"  # the run failed, or the fault was used up
        rig.smtp.mode = "ok"
        began = time.monotonic()
        until_done(rig.intake)
        done = rig.wait_finished(set(mail), 5)
        words = {"refuse": "SMTP server refusing (451)", "stall": "SMTP server not answering",
                 "drop": "SMTP server cutting the connection after taking a message"}[mode]
        trial = rig.account(words, set(mail), None if done is None else time.monotonic() - began,
                            expect_replies=len(mail))
        trial.struck = struck
        return trial


def smtp_refusing(tmp: Path, rng: random.Random) -> Trial:
    return _smtp(tmp, rng, "refuse")


def smtp_stalled(tmp: Path, rng: random.Random) -> Trial:
    return _smtp(tmp, rng, "stall")


def smtp_dropping(tmp: Path, rng: random.Random) -> Trial:
    return _smtp(tmp, rng, "drop")


def database_down(tmp: Path, rng: random.Random, down_s: float = 10.0, within_s: float = 1.5) -> Trial:
    """The PostgreSQL warehouse stopped under a watching intake, up to `within_s` after new
    mail arrived (the watcher looks every second: mid-run, or before it starts)."""
    bindir = postgres_bindir()
    assert bindir is not None, "PostgreSQL's binaries are needed"
    cluster = PostgresCluster(bindir).start()
    try:
        url = f"postgresql+psycopg://postgres@{cluster.host}:{cluster.port}/postgres"
        orgs = rng.sample(register(), 8)
        first, second = returns_mail(orgs[:4], _tag(rng)), returns_mail(orgs[4:], _tag(rng))
        with Rig(tmp, database_url=url) as rig:
            rig.deliver(first)
            rig.watch()
            assert rig.wait_finished(set(first), 120) is not None, "the watcher did not start"
            rig.deliver(second)
            time.sleep(rng.uniform(0.0, within_s))
            struck = not rig.finished(set(second))
            cluster.stop()
            time.sleep(down_s)
            cluster.resume()
            done = rig.wait_finished(set(first) | set(second), 180)
            rig.stop_watching()
            trial = rig.account(f"PostgreSQL down for {down_s:.0f} s", set(first) | set(second), done,
                                expect_replies=8)
            trial.struck = struck
            return trial
    finally:
        cluster.cleanup()


def sqlite_busy(tmp: Path, rng: random.Random, hold_s: float = 5.0) -> Trial:
    """Another process holds the SQLite warehouse's write lock while mail arrives."""
    orgs = rng.sample(register(), 6)
    first, second = returns_mail(orgs[:3], _tag(rng)), returns_mail(orgs[3:], _tag(rng))
    with Rig(tmp) as rig:
        rig.deliver(first)
        rig.watch()
        assert rig.wait_finished(set(first), 120) is not None, "the watcher did not start"
        with sqlite_locked(tmp / "returns.db"):
            rig.deliver(second)
            time.sleep(hold_s)
            struck = not rig.finished(set(second))
        done = rig.wait_finished(set(first) | set(second), 180)
        rig.stop_watching()
        trial = rig.account(f"SQLite locked for {hold_s:.0f} s", set(first) | set(second), done, expect_replies=6)
        trial.struck = struck
        return trial


def disk_full(tmp: Path, rng: random.Random) -> Trial:
    """The raw store's file system full (a 300 KB tmpfs) while mail arrives; then grown."""
    orgs = rng.sample(register(), 12)
    first, second = returns_mail(orgs[:2], _tag(rng)), returns_mail(orgs[2:], _tag(rng))
    with small_disk(tmp / "blobs", 300) as grow, Rig(tmp / "home", blob_root=tmp / "blobs") as rig:
        rig.deliver(first)
        rig.watch()
        assert rig.wait_finished(set(first), 120) is not None, "the watcher did not start"
        rig.deliver(second)  # ~40 KB a raw email and as much again for its document: too much
        time.sleep(rng.uniform(4.0, 8.0))
        struck = not rig.finished(set(second))
        grow(64 * 1024)
        done = rig.wait_finished(set(first) | set(second), 180)
        rig.stop_watching()
        trial = rig.account("raw store's disk full", set(first) | set(second), done, expect_replies=12)
        trial.struck = struck
        return trial


def hostile(tmp: Path, rng: random.Random) -> Trial:
    """The hostile corpus among good returns: nothing stops the run, nothing is lost."""
    good = returns_mail(rng.sample(register(), 3), _tag(rng))
    bad = {"<deep@h>": poison.deep_mime("<deep@h>"), "<bomb@h>": poison.zip_bomb("<bomb@h>"),
           "<many@h>": poison.many_entries_zip("<many@h>"), "<fwd@h>": poison.deep_forward("<fwd@h>"),
           "<8bit@h>": poison.eight_bit_from("<8bit@h>"), "<sur@hé>": poison.surrogate_headers("<sur@h>"),
           "<ooo@h>": poison.auto_reply("<ooo@h>", "auto-submitted"), "<spam@h>": poison.spam("<spam@h>")}
    mail = {**bad, **good}
    with Rig(tmp) as rig:
        rig.deliver(dict(rng.sample(sorted(mail.items()), len(mail))))
        began = time.monotonic()
        code = rig.intake()
        done = rig.wait_finished(set(mail), 5)
        trial = rig.account("hostile corpus (8 poison emails, 3 returns)", set(mail),
                            None if done is None or code != 0 else time.monotonic() - began)
        return trial


FAULTS = {
    "kill_intake": kill_intake, "kill_chase": kill_chase, "imap_stopped": imap_stopped, "imap_cut": imap_cut,
    "smtp_refusing": smtp_refusing, "smtp_stalled": smtp_stalled, "smtp_dropping": smtp_dropping,
    "database_down": database_down, "sqlite_busy": sqlite_busy, "disk_full": disk_full, "hostile": hostile,
}


def two_workers(tmp: Path, rng: random.Random, database_url: str) -> Trial:
    """Two intakes at once on one mailbox and one PostgreSQL warehouse, the same file sent
    in two different emails, and three versions from each of several organisations: one
    return per file, versions numbered 1..n per organisation, the latest received current."""
    orgs = rng.sample(register(), 5)
    mail: dict[str, bytes] = {}
    for v in range(3):
        for o in orgs:
            mid = f"<v{v}.{o.org_id}@race>"
            doc = return_docx(o.name, [f"{o.name} strength, version {v}."], "CSWO")
            mail[mid] = with_received(MessageBuilder(sender=o.contact, message_id=mid)
                                      .attach(f"{o.org_id}-v{v}.docx", doc, DOCX).build(),
                                      f"{20 + v} Oct 2006 1{rng.randrange(10)}:00:00 +0100")
            if v == 2:  # the same file again, in an email of its own, a minute later
                again = f"<again.{o.org_id}@race>"
                mail[again] = with_received(MessageBuilder(sender=o.contact, message_id=again)
                                            .attach(f"copy-{o.org_id}.docx", doc, DOCX).build(),
                                            "25 Oct 2006 09:00:00 +0100")
    with Rig(tmp, database_url=database_url, batch_size="3") as rig:
        rig.deliver(dict(rng.sample(sorted(mail.items()), len(mail))))
        began = time.monotonic()
        procs = [rig.start("intake", "--once") for _ in range(2)]
        codes = [p.wait(timeout=300) for p in procs]
        until_done(rig.intake)
        done = rig.wait_finished(set(mail), 5)
        trial = rig.account("two workers racing on one mailbox", set(mail),
                            None if done is None else time.monotonic() - began, expect_replies=len(mail))
        files = rig.rows("SELECT count(*), count(DISTINCT document_sha256) FROM returns")[0]
        current = rig.rows("SELECT r.org_id, s.message_id FROM returns r JOIN submissions s ON s.id = r.submission_id"
                           " WHERE r.is_current ORDER BY r.org_id")
        wrong = [org for org, mid in current if not mid.startswith("<v2.")]
        if files != (15, 15) or len(current) != 5 or wrong or codes != [0, 0]:
            trial.recovered = False
            trial.detail += f" returns {files}, current {current}, exit codes {codes}"
        return trial


def two_workers_private(tmp: Path, rng: random.Random) -> Trial:
    """`two_workers` on a private PostgreSQL cluster of its own (the benchmark's way)."""
    bindir = postgres_bindir()
    assert bindir is not None, "PostgreSQL's binaries are needed"
    cluster = PostgresCluster(bindir).start()
    try:
        return two_workers(tmp, rng, f"postgresql+psycopg://postgres@{cluster.host}:{cluster.port}/postgres")
    finally:
        cluster.cleanup()
