"""Every markdown artifact (status board, chase run, intake summary, reports) escapes
outside text with the one escaper, pipeline.markdown.md: a sender's text cannot break a
table, become a link, an image, HTML, emphasis or a heading."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from flows import report
from pipeline import board, insights
from pipeline.markdown import md
from schemas import load_collection
from schemas.intake import MessageRef, Outcome, OutcomeKind

HOSTILE = ("a | b\nc <img src=x onerror=alert(1)> [click](http://evil.example) ![i](http://x) "
           "**bold** `code` # h\x1b[31m")
ESCAPED = (r"a \| b c &lt;img src=x onerror=alert(1)&gt; \[click\](http://evil.example) !\[i\](http://x) "
           r"\*\*bold\*\* \`code\` \# h \[31m")


def test_the_escaper() -> None:
    assert md(HOSTILE) == ESCAPED
    assert (md(None), md(True), md(["a|b", 2])) == ("", "yes", r"a\|b; 2")
    assert md("x" * 10, width=5) == "xxxx…"
    assert md(r"\*") == r"\\\*"  # a backslash cannot undo the escape after it


def test_the_report_tables_use_it() -> None:
    assert insights.md is md and board.md is md and report.md is md
    assert not hasattr(insights, "_md_cell")


def test_the_status_board_escapes_a_waiting_senders_text() -> None:
    collection = load_collection("changing-lives-2006")
    waiting = [{"submission_id": 7, "sender": "x@evil.example [me](http://evil.example)", "reason": HOSTILE}]
    text = board.board_markdown([], waiting, collection, dt.date(2006, 11, 1))
    [row] = [line for line in text.splitlines() if line.startswith("| 7 |")]
    assert row == (rf"| 7 | x@evil.example \[me\](http://evil.example) | {ESCAPED} | "
                   "returns assign 7 ORG --by NAME |")


def test_the_chase_run_escapes_every_cell() -> None:
    text = board.chase_markdown(dt.date(2006, 11, 1), [
        {"organisation": "Fife | Council", "event": "reminder", "to": "<a@b>", "problems": HOSTILE, "outcome": "sent"}])
    assert text.splitlines()[-1] == rf"| Fife \| Council | reminder | &lt;a@b&gt; | {ESCAPED} | sent |"


def test_the_intake_summary_escapes_sender_and_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    published: dict[str, Any] = {}
    monkeypatch.setattr(report, "create_markdown_artifact", lambda **kw: published.update(kw))
    monkeypatch.setattr(report, "create_table_artifact", lambda **kw: None)
    ref = MessageRef("maildir:/x", "INBOX", 1, "1", "0" * 64)
    outcome = Outcome(ref, OutcomeKind.NEW, 3, "unknown_sender", reason=HOSTILE,
                      sender="[x](http://evil.example)@evil.example")
    report.publish_intake_report([outcome], {"emails": 1})
    assert published["markdown"].splitlines()[-1] == (
        rf"- submission 3 from \[x\](http://evil.example)@evil.example: **unknown_sender** - {ESCAPED}")
