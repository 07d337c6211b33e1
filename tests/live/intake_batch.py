"""A realistic mixed batch of emails for the live intake tests, each with what it must become.

Every email is declared next to its expected fate, so the tests can assert the exact
warehouse and mailbox state: submission status, the organisations whose returns it
carries, whether the email is quarantined and whether its sender is answered. Each
email carries our server's Received: header, a minute after the one before: the time
it counts as received, so "current" does not depend on which worker went first.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
from dataclasses import dataclass
from email.utils import format_datetime

from pypdf import PdfWriter

from tests.factories.emails import MessageBuilder
from tests.factories.forms import freeform_docx, return_docx
from tests.intake_fixtures import DOCX
from tests.paths import SAMPLES

PDF = "application/pdf"
DOC = "application/msword"
SAMPLE_ORGS = {  # sample file -> register id of the organisation it is from
    "s001-template-docx-bullets.docx": "forth-valley-advocacy",
    "s002-scanned-pdf.pdf": "angus",
    "s003-template-pdf.pdf": "pentland-recovery",
    "s004-acroform-pdf.pdf": "islands-befriending",
    "s005-template-docx-bullets.docx": "argyll-bute",
    "s006-freeform-docx.docx": "fife",
    "s007-template-docx.docx": "west-dunbartonshire",
    "s008-name-variant.docx": "lomond-family-trust",
    "s009-template-pdf.pdf": "northern-lights-housing",
    "s010-freeform-docx.docx": "solway-residential",
    "s011-template-docx.docx": "highland-homecare",
    "s012-legacy-doc.doc": "tay-care-partnership",
}


FIRST_ARRIVAL = dt.datetime(2006, 10, 20, 9, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Mail:
    raw: bytes
    message_id: str | None  # None: an exact re-delivery (no new submission)
    status: str | None  # submission status it must end with
    orgs: tuple[str, ...]  # organisations whose return versions it lists
    quarantined: bool = False
    acked: bool = True  # its sender gets an acknowledgement
    repeat: bool = False  # its return was received before: it lists that version, adds none


def received(raw: bytes, n: int) -> bytes:
    """`raw` with our server's Received: header, `n` minutes after the first arrival."""
    when = format_datetime(FIRST_ARRIVAL + dt.timedelta(minutes=n))
    return f"Received: from relay.example by mx.policy-division.example; {when}\r\n".encode() + raw


def _type(name: str) -> str:
    return {"pdf": PDF, "doc": DOC}.get(name.rsplit(".", 1)[-1], DOCX)


def _encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def build_batch(include_scan: bool = True) -> list[Mail]:
    mails: list[Mail] = []

    def add(builder: MessageBuilder, status: str | None, orgs: tuple[str, ...] = (), quarantined: bool = False,
            acked: bool = True, repeat: bool = False) -> bytes:
        raw = received(builder.build(), len(mails))
        mails.append(Mail(raw, builder.headers["Message-ID"], status, orgs, quarantined, acked, repeat))
        return raw

    # 1-12: every sample style, one email each, from a neutral address.
    for name, org in SAMPLE_ORGS.items():
        if name.startswith("s002") and not include_scan:
            continue
        add(MessageBuilder(sender=f"officer@{org}.mail.example", message_id=f"<{name}@batch>")
            .text("Our return is attached.").attach(name, (SAMPLES / name).read_bytes(), _type(name)),
            "extracted", (org,))
    # Forms filled in code for more organisations.
    for org, name in [("falkirk", "Falkirk Council"), ("stirling", "Stirling Council"),
                      ("orkney", "Orkney Islands Council"), ("clyde-carers-alliance", "Clyde Carers Alliance")]:
        add(MessageBuilder(sender=f"cswo.office@{org}.council.example" if org != "clyde-carers-alliance"
                           else "director@clyde-carers-alliance.org.example", message_id=f"<{org}@batch>")
            .attach(f"{org}.docx", return_docx(name, [f"{name} strength one.", "Joint working (R4)."]), DOCX),
            "extracted", (org,))
    # Two organisations' returns zipped in one email.
    add(MessageBuilder(sender="partnership@shared.mail.example", message_id="<zip@batch>")
        .attach_zip("returns.zip", {"moray/return.docx": return_docx("The Moray Council", ["Moray strength."]),
                                    "inverclyde/return.docx": return_docx("Inverclyde Council", ["Inverclyde."])}),
        "extracted", ("inverclyde", "moray"))
    # A forwarded email carrying a return.
    inner = (MessageBuilder(sender="cswo.office@shetland.council.example", message_id="<inner@batch>")
             .attach("shetland.docx", return_docx("Shetland Islands Council", ["Island services."]), DOCX))
    add(MessageBuilder(sender="pa@shared.mail.example", message_id="<forward@batch>")
        .text("Forwarding Shetland's return.").forward(inner), "extracted", ("shetland",))
    # A non-ASCII, RFC 2231 file name.
    add(MessageBuilder(sender="oifis@eilean-siar.council.example", message_id="<gaelic@batch>")
        .attach("Comhairle nan Eilean Siar – tilleadh.docx",
                return_docx("Comhairle nan Eilean Siar", ["Gaelic medium services."]), DOCX),
        "extracted", ("eilean-siar",))
    # A covering letter beside the return.
    letter = freeform_docx([("Midlothian Council", None), ("Dear Jane", None),
                            ("Please find attached our self assessment return.", None),
                            ("Yours sincerely", None), ("A Person", None)])
    add(MessageBuilder(sender="cswo.office@midlothian.council.example", message_id="<letter+return@batch>")
        .attach("letter.docx", letter, DOCX)
        .attach("return.docx", return_docx("Midlothian Council", ["Midlothian strength."]), DOCX),
        "extracted", ("midlothian",))
    # A corrected return from Falkirk: supersedes the first.
    add(MessageBuilder(sender="cswo.office@falkirk.council.example", message_id="<falkirk-v2@batch>",
                       date="Mon, 23 Oct 2006 09:30:00 +0100")
        .attach("falkirk-corrected.docx", return_docx("Falkirk Council", ["Corrected strength."]), DOCX),
        "extracted", ("falkirk",))
    # Exact re-deliveries (same Message-ID, same content, other trace headers): no new submission.
    for mid in ("<stirling@batch>", "<zip@batch>"):
        original = next(m for m in mails if m.message_id == mid)
        mails.append(Mail(original.raw.replace(b"Subject:", b"Received: by relay2\r\nSubject:", 1),
                          None, None, ()))
    # The same file as an earlier email, in a new email: its own submission, a repeat of
    # the first (the same version listed, no new one), and answered "we already have this file".
    first = next(m for m in mails if m.message_id == "<orkney@batch>")
    part = next(p for p in email.message_from_bytes(first.raw, policy=email.policy.default).walk()
                if p.get_filename())
    add(MessageBuilder(sender="cswo.office@orkney.council.example", message_id="<orkney-again@batch>")
        .text("Sending again in case it did not arrive.")
        .attach("orkney.docx", part.get_payload(decode=True), DOCX), "repeat", ("orkney",), repeat=True)
    # Junk and problems, each kept and shown to a person; strangers are never answered.
    add(MessageBuilder(sender="someone@mail.example", message_id="<no-attachment@batch>").text("Hello"),
        "unknown_sender", quarantined=True, acked=False)
    add(MessageBuilder(sender="someone@mail.example", message_id="<pasted@batch>")
        .text("Section 1\nStrengths: good partnership working.\nPriorities for change: recruitment."),
        "unknown_sender", quarantined=True, acked=False)
    angus_letter = freeform_docx([("Angus Council", None), ("Dear Jane", None),
                                  ("Our return will follow next week.", None), ("Yours sincerely", None)])
    add(MessageBuilder(sender="cswo.office@angus.council.example", message_id="<letter-only@batch>")
        .attach("covering-letter.docx", angus_letter, DOCX), "no_return", quarantined=True)
    add(MessageBuilder(sender="someone@mail.example", message_id="<truncated@batch>")
        .attach("return.pdf", (SAMPLES / "s003-template-pdf.pdf").read_bytes()[:4000], PDF),
        "quarantined", quarantined=True, acked=False)
    add(MessageBuilder(sender="cswo.office@perth-kinross.council.example", message_id="<encrypted@batch>")
        .attach("return.pdf", _encrypted_pdf(), PDF), "quarantined", quarantined=True)
    # A name not on the register, and a name that disagrees with the sender.
    add(MessageBuilder(sender="someone@mail.example", message_id="<unknown@batch>")
        .attach("return.docx", return_docx("Kingdom Care Collective", ["A strength."]), DOCX), "unmatched")
    add(MessageBuilder(sender="cswo.office@angus.council.example", message_id="<conflict@batch>")
        .attach("return.docx", return_docx("Dundee City Council", ["Dundee strength."]), DOCX), "unmatched")
    return mails


POISON_NOT_ANSWERED = "is not on the register and the email holds no return"


def poison_batch() -> list[Mail]:
    """Every email that has stopped or fooled the intake, each followed by a good return.

    Strangers' poison is kept and never answered; the zip bomb comes from a register
    address, so its sender is answered - with the true reason, not "no attachment".
    """
    from tests.factories import poison

    mails: list[Mail] = []
    goods = iter([("falkirk", "Falkirk Council"), ("stirling", "Stirling Council"),
                  ("orkney", "Orkney Islands Council"), ("moray", "The Moray Council"), ("angus", "Angus Council"),
                  ("highland", "The Highland Council"),
                  ("inverclyde", "Inverclyde Council"), ("midlothian", "Midlothian Council"),
                  ("shetland", "Shetland Islands Council")])

    def add(raw: bytes, message_id: str | None, status: str, orgs: tuple[str, ...] = (), *,
            quarantined: bool = False, acked: bool = True) -> None:
        mails.append(Mail(received(raw, len(mails)), message_id, status, orgs, quarantined, acked))

    def good(message_id: str | None = None) -> None:
        org, name = next(goods)
        mid = message_id or f"<{org}-good@poison>"
        add(MessageBuilder(sender=f"cswo.office@{org}.council.example", message_id=mid)
            .attach(f"{org}.docx", return_docx(name, [f"{name} strength."]), DOCX).build(), mid, "extracted", (org,))

    add(poison.deep_mime("<deep-mime@poison>", levels=3000), "<deep-mime@poison>", "quarantined",
        quarantined=True, acked=False)
    good()
    add(poison.eight_bit_from("<8bit-from@poison>"), "<8bit-from@poison>", "unknown_sender",
        quarantined=True, acked=False)
    good()
    add(poison.surrogate_headers("<surrogates@poison>"), "<surrogates@poisoné>", "unknown_sender",
        quarantined=True, acked=False)
    good()
    good("<reused@poison>")  # the first email with this Message-ID ...
    good("<reused@poison>")  # ... and another organisation's return reusing it: never dropped
    add(poison.auto_reply("<auto-reply@poison>", "auto-submitted"), "<auto-reply@poison>", "auto_reply",
        acked=False)
    good()
    add(poison.spam("<spam@poison>"), "<spam@poison>", "unknown_sender", quarantined=True, acked=False)
    good()
    add(poison.zip_bomb("<zip-bomb@poison>", sender="cswo.office@fife.council.example"), "<zip-bomb@poison>",
        "quarantined", quarantined=True)
    good()
    add(poison.deep_forward("<deep-forward@poison>", levels=50), "<deep-forward@poison>", "quarantined",
        quarantined=True, acked=False)
    good()
    return mails
