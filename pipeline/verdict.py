"""What became of one email, in a status and a reason a policy officer can act on.

    verdict(parsed, documents, known_sender=..., reused_from=..., earlier=...) -> Verdict

    a return in it ─┬─ one whose organisation is not certain ──► unmatched
                    ├─ every return already received earlier ──► repeat (repeat_of)
                    └─ otherwise ───────────────────────────────► extracted
    no return ──────┬─ something unreadable, or not opened ────► quarantined
      (from a known │    (a zip bomb, forwards 50 deep ...)
       sender)      ├─ no attachment at all ────────────────────► no_return
                    └─ attachments, none a return ──────────────► no_return
    no return, from a sender not on the register ──────────────► unknown_sender
                                    (quarantined stays quarantined: a person looks)

Every reason names the real problem ("the zip file returns.zip expands past the
limit ...", "forwarded 50 levels deep ..."), never a generic "no attachment"; what
was found beside a return (an unreadable file, a refused archive) is added to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from mail.mime import ParsedMessage
from schemas.intake import DocumentResult
from schemas.vocab import DocumentRole, SubmissionStatus


@dataclass(frozen=True)
class Verdict:
    status: SubmissionStatus
    reason: str
    repeat_of: int | None = None


def on_day(when: dt.datetime, timezone: str) -> str:
    """'10 October 2006': the day in the collection's time zone."""
    local = when.astimezone(ZoneInfo(timezone))
    return f"{local.day} {local:%B %Y}"


def repeat_reason(earlier_id: int, received: dt.datetime, timezone: str, names: list[str]) -> str:
    files = ", ".join(names) if names else "the same file(s)"
    return (f"{files}: the same file(s) as submission {earlier_id}, received on "
            f"{on_day(received, timezone)}: already recorded, nothing new")


def reuse_note(reused_from: int | None) -> list[str]:
    if reused_from is None:
        return []
    return [f"this email reuses the Message-ID of submission {reused_from} but its content is different: "
            "recorded as a submission of its own"]


def verdict(
    parsed: ParsedMessage,
    docs: list[DocumentResult],
    *,
    known_sender: bool,
    reused_from: int | None = None,
    earlier: dict[int, dt.datetime] | None = None,
    timezone: str = "Europe/London",
) -> Verdict:
    """The submission's status and reason (see the module docstring).

    `earlier` maps each earlier submission that already holds one of the returns
    (`DocumentResult.repeat_of`) to when it was received.
    """
    first = reuse_note(reused_from)
    returns = [d for d in docs if d.role == DocumentRole.RETURN]
    unreadable = [d for d in docs if d.role == DocumentRole.UNREADABLE]
    notes = [f"{d.filename}: {d.reason}" for d in unreadable]
    notes += [f"not opened: {r}" for r in parsed.refused]
    notes += [f"problem in the email: {p}" for p in parsed.problems]
    if returns:
        unmatched = [d for d in returns if d.org_id is None and d.repeat_of is None]
        if unmatched:
            why = "; ".join(f"{d.filename}: {d.reason}" for d in unmatched)
            return Verdict(SubmissionStatus.UNMATCHED, _join(first, f"organisation not certain - {why}", notes))
        if all(d.repeat_of is not None for d in returns):
            earlier_id = min(d.repeat_of for d in returns if d.repeat_of is not None)
            received = (earlier or {}).get(earlier_id)
            names = [d.filename for d in returns]
            text = (repeat_reason(earlier_id, received, timezone, names) if received is not None
                    else f"{', '.join(names)}: the same file(s) as submission {earlier_id}: already recorded")
            return Verdict(SubmissionStatus.REPEAT, _join(first, text, notes), earlier_id)
        found = "; ".join(_found(d) for d in returns)
        return Verdict(SubmissionStatus.EXTRACTED, _join(first, found, notes))
    if unreadable or parsed.refused:
        reasons = [f"{d.filename}: {d.reason}" for d in unreadable] + list(parsed.refused)
        text = "no return could be read; " + "; ".join(reasons)
        extra = [f"problem in the email: {p}" for p in parsed.problems]
        if not known_sender:
            extra.append(_not_answered(parsed.sender))
        return Verdict(SubmissionStatus.QUARANTINED, _join(first, text, extra))
    if not docs:
        pasted = "strengths" in parsed.body_text.lower() and "priorities" in parsed.body_text.lower()
        text = ("no attachment: the return seems to be pasted into the email body; please attach the form"
                if pasted else "no attachment: the email has no return attached")
    else:
        kinds = ", ".join(f"{d.filename} ({d.reason})" for d in docs)
        text = f"no self assessment return among the attachments: {kinds}"
    if not known_sender:
        return Verdict(SubmissionStatus.UNKNOWN_SENDER, _join(first, text, [_not_answered(parsed.sender)]))
    return Verdict(SubmissionStatus.NO_RETURN, _join(first, text, []))


def _found(d: DocumentResult) -> str:
    if d.repeat_of is not None:
        return f"{d.filename}: return of {d.org_id} (version {d.version}), already received in submission {d.repeat_of}"
    return f"{d.filename}: return of {d.org_id} (version {d.version})"


def _not_answered(sender: str | None) -> str:
    who = sender or "the sender"
    return f"not answered: {who} is not on the register and the email holds no return"


def _join(first: list[str], main: str, notes: list[str]) -> str:
    return "; ".join([*first, main, *notes])
