"""Benchmark: 1,000 emails from mailbox to stored and extracted, beside pure extraction.

    python bench/intake.py [--n 1000] [--prefect-server]

In one run, on the same generated returns (typed Word forms, each distinct):
  extraction   `extractors.extract` over every attachment, nothing else
  plain steps  receive -> process -> acknowledge -> settle, no Prefect (our bookkeeping)
  flow         the Prefect intake flow (against a running `prefect server` when
               --prefect-server, else whatever PREFECT_API_URL points at)
Reports seconds and the ratios plain/extraction and flow/extraction (target < 1.15).
"""

from __future__ import annotations

import argparse
import mailbox
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.factories.forms import FormFiller

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ORGS = ["Fife Council", "Angus Council", "Stirling Council", "Falkirk Council", "Highland Council",
        "Clyde Carers Alliance", "Tay Care Partnership Ltd", "Orkney Islands Council"]


def make_returns(n: int) -> list[bytes]:
    base = FormFiller().part_a("X", "Local authority", "☒ Children and families ☒ Community care ☐ Criminal justice",
                               "A Person", "a.person@example.org", "01234 567890")
    out = []
    for i in range(n):
        form = FormFiller()
        form.doc = base.doc  # reuse the parsed template; cells are rewritten below
        form.tables = base.tables
        form.part_a(ORGS[i % len(ORGS)], "Local authority",
                    "☒ Children and families ☒ Community care ☐ Criminal justice",
                    "A Person", "a.person@example.org", "01234 567890")
        form.strengths("children_families", [f"Strength {i} on integrated assessment (R1).",
                                             "Family group conferencing everywhere (R3)."])
        form.priorities("community_care", [f"Priority {i}: reduce waiting times (R3).", "Develop re-ablement."])
        form.national([f"Issue {i}: national outcome measures (R11)."])
        form.sign("A Person", "A Person", "Chief Social Work Officer", "20/10/2006")
        out.append(form.bytes())
    return out


def make_emails(docs: list[bytes]) -> list[bytes]:
    from tests.factories.emails import MessageBuilder

    return [MessageBuilder(sender=f"officer{i}@sender.example", message_id=f"<bench-{i}@sender.example>")
            .text("Our return is attached.").attach(f"return-{i}.docx", doc, DOCX).build()
            for i, doc in enumerate(docs)]


def deliver(root: Path, emails: list[bytes]) -> None:
    root.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(str(root), create=True)
    for raw in emails:
        box.add(raw)
    box.close()


def start_prefect_server(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = 4291
    env = dict(os.environ, PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    proc = subprocess.Popen([str(Path(sys.executable).with_name("prefect")), "server", "start", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"
    for _ in range(300):
        try:
            with urllib.request.urlopen(url + "/health", timeout=1):
                return proc, url
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("prefect server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--prefect-server", action="store_true", help="start a local Prefect server for the flow")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="returns-bench-"))
    server = None
    try:
        if args.prefect_server:
            server, url = start_prefect_server(work / "prefect")
            os.environ["PREFECT_API_URL"] = url
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

        print(f"generating {args.n} returns ...", flush=True)
        docs = make_returns(args.n)
        emails = make_emails(docs)

        from core.settings import Settings
        from extractors import ExtractContext, extract
        from tests.intake_fixtures import run_plain

        t0 = time.perf_counter()
        for i, doc in enumerate(docs):
            extract(doc, ExtractContext.build(f"return-{i}.docx"))
        extraction = time.perf_counter() - t0

        plain_settings = Settings(home=work / "plain")
        deliver(plain_settings.home / "mail" / "submissions", emails)
        t0 = time.perf_counter()
        outcomes = run_plain(plain_settings)
        plain = time.perf_counter() - t0
        assert len(outcomes) == args.n and all(o.status == "extracted" for o in outcomes), "plain run failed"

        from flows.config import using
        from flows.intake import intake_flow

        flow_settings = Settings(home=work / "flow")
        deliver(flow_settings.home / "mail" / "submissions", emails)
        t0 = time.perf_counter()
        with using(flow_settings):
            summary = intake_flow()
        flow = time.perf_counter() - t0
        assert summary.get("status extracted") == args.n, summary

        # The same flow with the checks' rules in plain Python (~0.1 ms a return): the
        # difference is what Great Expectations costs the intake.
        plain_checks = Settings(home=work / "flow-plain-checks", check_engine="plain")
        deliver(plain_checks.home / "mail" / "submissions", emails)
        t0 = time.perf_counter()
        with using(plain_checks):
            summary = intake_flow()
        flow_plain = time.perf_counter() - t0
        assert summary.get("status extracted") == args.n, summary

        print(f"\n{args.n} emails, typed Word returns (one run, same files)")
        print(f"{'step':<44}{'seconds':>10}{'per email ms':>14}{'ratio':>8}")
        for name, secs in [("pure extraction (extractors.extract)", extraction),
                           ("intake steps, no Prefect (store+extract+db)", plain),
                           ("intake flow, checks in plain Python", flow_plain),
                           ("intake flow, checks by Great Expectations", flow)]:
            print(f"{name:<44}{secs:>10.2f}{secs / args.n * 1000:>14.1f}{secs / extraction:>8.2f}")
        print("target: flow / extraction < 1.15")
        print(f"Great Expectations checks add {100 * (flow - flow_plain) / flow_plain:.1f}% to the flow "
              f"({(flow - flow_plain) / args.n * 1000:.1f} ms a return; target <= 10%)")
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGINT)
            server.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
