"""mail.mime.parse: which parts of an email are files, what they are called, where they came from."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mail.mime.headers import decode_words, scrub
from mail.mime.names import safe_name
from mail.mime.parse import MimeLimits, normalise_message_id, parse_message
from tests.factories import poison
from tests.factories.emails import MessageBuilder, make_zip

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
DOCX_BYTES = b"PK\x03\x04 a docx stand-in"
PDF_BYTES = b"%PDF-1.4 a pdf stand-in\n%%EOF\n"


def files(raw: bytes, limits: MimeLimits | None = None) -> list[tuple[str, str, str, bytes, str]]:
    parsed = parse_message(raw, limits)
    return [(a.filename, a.safe_name, a.content_type, a.data, a.origin) for a in parsed.attachments]


# -- headers and body -------------------------------------------------------------------


def test_headers_are_decoded_and_normalised() -> None:
    raw = (
        b"From: =?utf-8?q?Comhairle_nan_Eilean_Siar?= <Returns@CNE-Siar.gov.uk>\r\n"
        b"Reply-To: Policy Team <policy@cne-siar.gov.uk>\r\n"
        b"Subject: =?utf-8?b?VGlsbGVhZGggLSBDaGFuZ2luZyBMaXZlcyDigJMgMjAwNg==?=\r\n"
        b"Message-ID:   <ABC.123@mail.cne-siar.gov.uk> (Outlook)\r\n"
        b"Date: Fri, 20 Oct 2006 10:15:00 +0100\r\n"
        b"\r\n"
        b"Our return is attached.\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.sender == "returns@cne-siar.gov.uk"
    assert parsed.sender_name == "Comhairle nan Eilean Siar"
    assert parsed.reply_to == "policy@cne-siar.gov.uk"
    assert parsed.subject == "Tilleadh - Changing Lives – 2006"
    assert parsed.message_id == "<ABC.123@mail.cne-siar.gov.uk>"
    assert parsed.date == datetime(2006, 10, 20, 9, 15, tzinfo=UTC)
    assert parsed.date.utcoffset() == timedelta(hours=1)
    assert parsed.body_text == "Our return is attached."
    assert parsed.attachments == []
    assert parsed.problems == []


def test_message_id_normalisation() -> None:
    assert normalise_message_id("  <a@b>  ") == "<a@b>"
    assert normalise_message_id("a@b") == "<a@b>"
    assert normalise_message_id("(comment) <x.y@z> trailing") == "<x.y@z>"
    assert normalise_message_id("") is None
    assert normalise_message_id(None) is None


def test_missing_and_unreadable_headers_are_none_with_a_problem_for_the_date() -> None:
    parsed = parse_message(b"Date: sometime last week\r\n\r\nhello\r\n")
    assert (parsed.message_id, parsed.sender, parsed.subject, parsed.date) == (None, None, "", None)
    assert parsed.problems == ["the Date header 'sometime last week' is not a date"]


def test_naive_date_is_taken_as_utc() -> None:
    parsed = parse_message(b"Date: Fri, 20 Oct 2006 10:15:00 -0000\r\n\r\nx\r\n")
    assert parsed.date == datetime(2006, 10, 20, 10, 15, tzinfo=UTC)


def test_alternative_body_prefers_plain_text() -> None:
    raw = MessageBuilder().text("Plain words.").html("<p>HTML <b>words</b>.</p>").build()
    assert parse_message(raw).body_text == "Plain words."


def test_html_only_body_becomes_text() -> None:
    html = (
        "<html><head><style>p {color: red}</style></head><body>"
        "<p>1. Name of organisation: Fife Council</p><table><tr><td>Duty 1</td>"
        "<td>Yes</td></tr></table><script>alert(1)</script></body></html>"
    )
    raw = MessageBuilder().html(html).build()
    assert parse_message(raw).body_text == (
        "1. Name of organisation: Fife Council\n\nDuty 1 Yes"
    )


# -- attachments ------------------------------------------------------------------------


def test_regular_attachments_keep_exact_bytes_and_declared_types() -> None:
    raw = (
        MessageBuilder()
        .attach("Fife return 2006.docx", DOCX_BYTES, DOCX)
        .attach("covering letter.pdf", PDF_BYTES, PDF)
        .build()
    )
    assert files(raw) == [
        ("Fife return 2006.docx", "Fife return 2006.docx", DOCX, DOCX_BYTES,
         "Fife return 2006.docx"),
        ("covering letter.pdf", "covering letter.pdf", PDF, PDF_BYTES, "covering letter.pdf"),
    ]


def test_rfc2231_utf8_filename_is_decoded_and_safe_name_is_ascii() -> None:
    name = "Comhairle nan Eilean Siar – tilleadh.docx"
    raw = MessageBuilder().attach(name, DOCX_BYTES, DOCX).build()
    assert b"filename*=utf-8''Comhairle%20nan%20Eilean%20Siar%20%E2%80%93%20tilleadh.docx" in raw
    assert files(raw) == [
        (name, "Comhairle nan Eilean Siar - tilleadh.docx", DOCX, DOCX_BYTES, name)
    ]


def test_rfc2231_continuations_and_encoded_word_names_are_decoded() -> None:
    ew = base64.b64encode("Gàidhlig – tilleadh.pdf".encode()).decode()
    raw = (
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        "Content-Disposition: attachment;\r\n"
        " filename*0*=utf-8''Comhairle%20nan%20Eilean%20Siar%20;\r\n"
        " filename*1*=%E2%80%93%20tilleadh.pdf\r\n\r\n"
        "JVBERg==\r\n"
        "--b\r\nContent-Type: application/octet-stream\r\n"
        f'Content-Disposition: attachment; filename="=?utf-8?B?{ew}?="\r\n\r\n'
        "%PDF\r\n"
        "--b--\r\n"
    ).encode()
    assert files(raw) == [
        ("Comhairle nan Eilean Siar – tilleadh.pdf", "Comhairle nan Eilean Siar - tilleadh.pdf",
         PDF, b"%PDF", "Comhairle nan Eilean Siar – tilleadh.pdf"),
        ("Gàidhlig – tilleadh.pdf", "Gaidhlig - tilleadh.pdf", PDF, b"%PDF",
         "Gàidhlig – tilleadh.pdf"),
    ]


def test_files_sent_inline_are_attachments() -> None:
    raw = (
        MessageBuilder()
        .attach("inline return.docx", DOCX_BYTES, DOCX, disposition="inline")
        .attach(None, PDF_BYTES, PDF, disposition=None)  # a document type, no disposition
        .attach("named in content-type.rtf", b"{\\rtf1 x}", "application/rtf",
                disposition=None, name_param=True)
        .build()
    )
    assert files(raw) == [
        ("inline return.docx", "inline return.docx", DOCX, DOCX_BYTES, "inline return.docx"),
        ("", "unnamed-1.pdf", PDF, PDF_BYTES, "unnamed-1.pdf"),
        ("named in content-type.rtf", "named in content-type.rtf", "application/rtf",
         b"{\\rtf1 x}", "named in content-type.rtf"),
    ]


def test_small_inline_images_are_signatures_but_big_or_attached_images_are_kept() -> None:
    logo = b"\x89PNG\r\n\x1a\n" + b"\0" * 500
    scan = b"\x89PNG\r\n\x1a\n" + b"\1" * 40_000
    raw = (
        MessageBuilder()
        .inline_image("image001.png", logo)
        .inline_image("photo of return.png", scan)
        .attach("small.png", logo, "image/png")
        .build()
    )
    assert files(raw) == [
        ("photo of return.png", "photo of return.png", "image/png", scan, "photo of return.png"),
        ("small.png", "small.png", "image/png", logo, "small.png"),
    ]


def test_other_file_types_are_recorded_and_octet_stream_gets_a_type_from_the_name() -> None:
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    raw = (
        MessageBuilder()
        .attach("figures.xlsx", b"PK xlsx", xlsx)
        .attach("return.doc", b"\xd0\xcf\x11\xe0 doc", "application/octet-stream")
        .build()
    )
    assert files(raw) == [
        ("figures.xlsx", "figures.xlsx", xlsx, b"PK xlsx", "figures.xlsx"),
        ("return.doc", "return.doc", "application/msword", b"\xd0\xcf\x11\xe0 doc",
         "return.doc"),
    ]


def test_same_name_twice_gets_unique_safe_names() -> None:
    raw = (
        MessageBuilder()
        .attach("return.pdf", b"%PDF one", PDF)
        .attach("return.pdf", b"%PDF two", PDF)
        .build()
    )
    assert [(a.safe_name, a.data) for a in parse_message(raw).attachments] == [
        ("return.pdf", b"%PDF one"), ("return (2).pdf", b"%PDF two"),
    ]


def test_hostile_attachment_names_are_made_safe() -> None:
    raw = (
        MessageBuilder()
        .attach("../../etc/passwd", b"root", "text/plain")
        .attach("..\\..\\Windows\\win.ini", b"[x]", "text/plain")
        .attach("CON.docx", DOCX_BYTES, DOCX)
        .build()
    )
    parsed = parse_message(raw)
    assert [(a.filename, a.safe_name) for a in parsed.attachments] == [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("CON.docx", "_CON.docx"),
    ]


def test_safe_name_rules() -> None:
    assert safe_name("report\x00\x1b[31m.pdf") == "report_31m.pdf"
    assert safe_name(".bashrc") == "bashrc"
    assert safe_name("..") == "attachment"
    assert safe_name("", "unnamed-3.pdf") == "unnamed-3.pdf"
    assert safe_name("a" * 300 + ".docx", max_len=40) == "a" * 35 + ".docx"
    assert safe_name("evil\u202egpj.exe") == "evilgpj.exe"
    assert safe_name("Fàilte “quoted” ’s.docx") == "Failte quoted 's.docx"


# -- forwarded emails and zips ------------------------------------------------------------


def test_forwarded_email_with_a_pdf_inside_a_zip() -> None:
    inner = (
        MessageBuilder(sender="Clerk <clerk@angus.gov.uk>", subject="Angus return")
        .text("Return enclosed.")
        .attach_zip("returns.zip", {"returns/angus-2006.pdf": PDF_BYTES})
    )
    raw = MessageBuilder(subject="Fw: Angus return").text("Forwarding.").forward(inner).build()
    parsed = parse_message(raw)
    assert files(raw) == [
        ("angus-2006.pdf", "angus-2006.pdf", PDF, PDF_BYTES,
         "forwarded:1/zip:returns.zip/returns/angus-2006.pdf"),
    ]
    assert parsed.body_text == "Forwarding.\n\nReturn enclosed."
    assert parsed.subject == "Fw: Angus return"
    assert parsed.problems == []


def test_forward_in_forward_and_attached_eml_are_numbered_in_order() -> None:
    deepest = MessageBuilder().attach("deep.pdf", PDF_BYTES, PDF)
    middle = MessageBuilder().forward(deepest)
    eml = MessageBuilder().attach("from-eml.docx", DOCX_BYTES, DOCX).build()
    raw = (
        MessageBuilder().forward(middle)
        .attach("saved.eml", eml, "application/octet-stream").build()
    )
    assert [a.origin for a in parse_message(raw).attachments] == [
        "forwarded:1/forwarded:2/deep.pdf", "forwarded:3/from-eml.docx",
    ]


def test_forwards_nested_past_the_limit_are_not_opened() -> None:
    raw = MessageBuilder().forward(
        MessageBuilder().forward(MessageBuilder().attach("deep.pdf", PDF_BYTES, PDF))
    ).build()
    parsed = parse_message(raw, MimeLimits(max_forward_depth=1))
    assert parsed.attachments == []
    assert parsed.refused == [
        "forwarded 2 levels deep, over the limit of 1: the forwarded emails below "
        "forwarded:1/forwarded:2 were not opened"
    ]
    assert parsed.problems == []


def test_zip_is_expanded_with_paths_in_origin_and_junk_skipped() -> None:
    raw = MessageBuilder().attach_zip("returns.zip", {
        "inner/fife.docx": DOCX_BYTES,
        "inner/angus.pdf": PDF_BYTES,
        "__MACOSX/inner/._fife.docx": b"junk",
        "inner/.DS_Store": b"junk",
    }).build()
    assert files(raw) == [
        ("fife.docx", "fife.docx", DOCX, DOCX_BYTES, "zip:returns.zip/inner/fife.docx"),
        ("angus.pdf", "angus.pdf", PDF, PDF_BYTES, "zip:returns.zip/inner/angus.pdf"),
    ]
    assert parse_message(raw).problems == []


def test_zip_in_zip_is_expanded_and_too_deep_is_refused() -> None:
    level3 = make_zip({"c.pdf": PDF_BYTES})
    level2 = make_zip({"b.pdf": PDF_BYTES, "level3.zip": level3})
    outer = {"a.pdf": PDF_BYTES, "level2.zip": level2}
    raw = MessageBuilder().attach_zip("outer.zip", outer).build()
    parsed = parse_message(raw, MimeLimits(max_zip_depth=2))
    assert [a.origin for a in parsed.attachments] == [
        "zip:outer.zip/a.pdf", "zip:outer.zip/zip:level2.zip/b.pdf",
    ]
    assert parsed.refused == [
        "the zip file outer.zip/level2.zip/level3.zip is nested 3 zips deep, over the limit of 2: not opened"
    ]


def test_zip_bomb_is_refused_with_a_problem() -> None:
    bomb = b"\0" * (2 * 1024 * 1024)
    raw = (
        MessageBuilder()
        .attach_zip("returns.zip", {"return.docx": bomb})
        .attach("letter.pdf", PDF_BYTES, PDF)
        .build()
    )
    assert len(raw) < 20_000  # 2 MB of zeros deflates to a few KB
    parsed = parse_message(raw, MimeLimits(max_zip_bytes=1024 * 1024))
    assert [a.origin for a in parsed.attachments] == ["letter.pdf"]
    assert parsed.refused == [
        "the zip file returns.zip expands past the limit: its files would take 2.0 MB unpacked, "
        "over the 1.0 MB allowed for one email (a zip bomb?): not opened"
    ]


def test_zip_with_too_many_entries_is_refused() -> None:
    raw = MessageBuilder().attach_zip("many.zip", {f"f{i}.txt": b"x" for i in range(6)}).build()
    parsed = parse_message(raw, MimeLimits(max_zip_entries=5))
    assert parsed.attachments == []
    assert parsed.refused == ["the zip file many.zip holds 6 files, over the limit of 5 for one email: not opened"]


def test_zip_traversal_names_and_encrypted_entries_are_refused_the_rest_kept() -> None:
    raw = MessageBuilder().attach_zip("returns.zip", {
        "../../etc/cron.d/evil": b"* * * * * root sh",
        "/abs/path.pdf": PDF_BYTES,
        "C:/Windows/x.pdf": PDF_BYTES,
        "locked.docx": DOCX_BYTES,
        "ok/fife.pdf": PDF_BYTES,
    }, encrypted=["locked.docx"]).build()
    parsed = parse_message(raw)
    assert [(a.origin, a.data) for a in parsed.attachments] == [
        ("zip:returns.zip/ok/fife.pdf", PDF_BYTES)
    ]
    assert parsed.refused == [
        "the zip file returns.zip: '../../etc/cron.d/evil' was not opened: its name points outside the archive",
        "the zip file returns.zip: '/abs/path.pdf' was not opened: its name points outside the archive",
        "the zip file returns.zip: 'C:/Windows/x.pdf' was not opened: its name points outside the archive",
        "the zip file returns.zip: 'locked.docx' was not opened: it is encrypted (password-protected)",
    ]


def test_unreadable_zip_is_kept_unopened_with_a_problem() -> None:
    raw = MessageBuilder().attach("broken.zip", b"PK\x03\x04 truncated", "application/zip").build()
    parsed = parse_message(raw)
    assert [(a.filename, a.data, a.origin) for a in parsed.attachments] == [
        ("broken.zip", b"PK\x03\x04 truncated", "broken.zip")
    ]
    assert parsed.problems == [
        "broken.zip: not a readable zip archive (File is not a zip file); kept unopened"
    ]


def test_docx_labelled_as_zip_is_not_expanded() -> None:
    docx = make_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    raw = MessageBuilder().attach("return.docx", docx, "application/zip").build()
    assert files(raw) == [("return.docx", "return.docx", "application/zip", docx, "return.docx")]


def test_several_returns_and_a_covering_letter_are_all_listed() -> None:
    raw = (
        MessageBuilder()
        .attach("covering letter.docx", DOCX_BYTES, DOCX)
        .attach("fife.pdf", PDF_BYTES, PDF)
        .attach("angus.pdf", PDF_BYTES + b" ", PDF)
        .build()
    )
    parsed = parse_message(raw)
    assert [a.filename for a in parsed.attachments] == [
        "covering letter.docx", "fife.pdf", "angus.pdf",
    ]
    assert parsed.attachments[1].sha256 == hashlib.sha256(PDF_BYTES).hexdigest()


# -- malformed input ----------------------------------------------------------------------


def test_missing_close_boundary_keeps_what_can_be_read_and_says_so() -> None:
    raw = (
        b"Subject: cut short\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
        b'filename="fife.pdf"\r\n\r\n%PDF-1.4 cut'
    )
    parsed = parse_message(raw)
    assert [(a.filename, a.data) for a in parsed.attachments] == [("fife.pdf", b"%PDF-1.4 cut")]
    assert parsed.body_text == "See attached."
    assert parsed.problems == ["the message: malformed MIME: CloseBoundaryNotFoundDefect"]


def test_multipart_without_boundary_is_a_problem_not_a_crash() -> None:
    raw = b"Content-Type: multipart/mixed\r\n\r\nno parts here\r\n"
    parsed = parse_message(raw)
    assert parsed.attachments == []
    assert parsed.body_text == "no parts here"
    assert parsed.problems == [
        "the message: malformed MIME: NoBoundaryInMultipartDefect",
        "the message: malformed MIME: MultipartInvariantViolationDefect",
    ]


def test_empty_message_is_a_problem() -> None:
    parsed = parse_message(b"")
    assert parsed.problems == ["the message is empty"]
    assert parsed.attachments == []


def test_unknown_charset_body_is_read_as_utf8() -> None:
    raw = "Content-Type: text/plain; charset=x-klingon\r\n\r\nAn t-Eilean – ok\r\n".encode()
    assert parse_message(raw).body_text == "An t-Eilean – ok"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data: bytes) -> None:
    parse_message(data)


_TEMPLATE = (
    MessageBuilder()
    .text("Return attached.")
    .attach("Comhairle – tilleadh.docx", DOCX_BYTES, DOCX)
    .forward(MessageBuilder().attach_zip("r.zip", {"a/b.pdf": PDF_BYTES}))
    .build()
)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(_TEMPLATE) - 1), st.integers(1, 64), st.binary(max_size=64))
def test_mangled_real_messages_never_raise(at: int, cut: int, junk: bytes) -> None:
    parse_message(_TEMPLATE[:at] + junk + _TEMPLATE[at + cut:])


# -- headers a person reads: decoded, scrubbed; hostile structure refused in words -------


@pytest.mark.parametrize(("raw", "text"), [
    ("=?utf-8?B?V2Ugd2lsbCBoZWxwIHlvdQ==?=", "We will help you"),
    ("Re:=?utf-8?b?V2Ugd2lsbA==?=", "Re:We will"),  # no space before the word
    ("=?utf-8?q?Our_return?attached?=", "Our return?attached"),  # "?" in Q text
    ("=?utf-8?b?V2Ugd2lsbA?=", "We will"),  # padding missing
    ("=?utf-8?b?8J+Y?= =?utf-8?b?gA==?=", "\U0001f600"),  # one character split across two words
    ("=?x-unknown?q?caf=C3=A9?=", "café"),  # unknown charset: read as UTF-8
    ("=?utf-8?b?PT91dGYtOD9iP1VtVjBkWEp1Pz0=?=", "Return"),  # encoded twice
    ("=?utf-8?b?V2Ugd2lsbA", "We will"),  # never terminated
    ("caf\udce9 \udcff\udcfe", "café ÿþ"),  # raw 8-bit bytes, not UTF-8: Latin-1
    ("=?utf-8?q?=ED=A0=80?= ok", "\ufffd\ufffd\ufffd ok"),  # an encoded surrogate
])
def test_encoded_words_are_decoded_whatever_the_sender_wrote(raw: str, text: str) -> None:
    assert decode_words(raw) == text


def test_scrub_leaves_no_surrogate_or_control_character() -> None:
    assert scrub("a\ud800b\x00c\udce9\n d") == "a\ufffdbcé d"  # a lone byte 0xe9 is no UTF-8: Latin-1
    assert scrub("j\udce9r\udcf4me@x.example") == "jérôme@x.example"


def test_8bit_and_surrogate_headers_come_out_as_text_that_can_be_stored() -> None:
    raw = (b"From: J\xe9r\xf4me <j\xe9r\xf4me@stranger.example>\r\nReply-To: \xfe\xff@x.example\r\n"
           b"Subject: r\xe9sum\xe9 \xff\r\nMessage-ID: <a\xe9@x>\r\n\r\nbody\r\n")
    parsed = parse_message(raw)
    values = [parsed.sender, parsed.sender_name, parsed.reply_to, parsed.subject, parsed.message_id]
    assert values == ["jérôme@stranger.example", "Jérôme", "þÿ@x.example", "résumé ÿ", "<aé@x>"]
    assert all(v is not None and v.encode("utf-8") for v in values)


def test_the_topmost_received_header_gives_the_received_time() -> None:
    raw = (b"Received: from relay by mx.ours; Wed, 1 Nov 2006 00:10:00 +0000\r\n"
           b"Received: from laptop by relay; Tue, 31 Oct 2006 23:50:00 +0000\r\n") + MessageBuilder().build()
    parsed = parse_message(raw)
    assert (parsed.received, parsed.date) == (
        datetime(2006, 11, 1, 0, 10, tzinfo=UTC), datetime(2006, 10, 20, 10, 15, tzinfo=timezone(timedelta(hours=1))))
    assert parse_message(b"Received: from x by y; garbage\r\n" + MessageBuilder().build()).received is None


@pytest.mark.parametrize(("header", "why"), [
    (b"Auto-Submitted: auto-replied", "Auto-Submitted: auto-replied"),
    (b"Auto-Submitted: auto-generated; owner-email=x@y", "Auto-Submitted: auto-generated; owner-email=x@y"),
    (b"X-Autoreply: yes", "X-Autoreply: yes"),
    (b"Precedence: junk", "Precedence: junk"),
    (b"Return-Path: <>", "a null Return-Path (<>): sent by a mail system, not a person"),
    (b"Auto-Submitted: no", None),
    (b"Auto-Submitted: ", "Auto-Submitted: "),  # malformed, but never risk a mail loop
    (b"Precedence: list", None),
    (b"Return-Path: <cswo@fife.example>", None),
])
def test_automatic_replies_are_recognised_by_each_rfc3834_signal(header: bytes, why: str | None) -> None:
    assert parse_message(header + b"\r\n" + MessageBuilder().build()).automatic == why


def test_a_delivery_report_is_an_automatic_reply() -> None:
    raw = (b"From: MAILER-DAEMON@mx.example\r\nContent-Type: multipart/report; report-type=delivery-status; "
           b'boundary="r"\r\n\r\n--r\r\nContent-Type: text/plain\r\n\r\nFailed.\r\n--r--\r\n')
    assert parse_message(raw).automatic == "a delivery or read report (multipart/report)"


def test_mime_nested_thousands_deep_is_refused_not_a_recursion_error() -> None:
    parsed = parse_message(poison.deep_mime("<deep@x>", levels=3000))
    assert (parsed.message_id, parsed.subject, parsed.attachments) == ("<deep@x>", "nested", [])
    assert parsed.refused == [
        "the email's MIME parts are nested too deeply to be read (about 3,000 levels): nothing in it was opened"]
    shallow = parse_message(poison.deep_mime("<d@x>", levels=80))
    assert shallow.refused == [
        "the email's MIME parts are nested more than 50 levels deep: the parts below that were not read"]


def test_a_forward_50_deep_is_refused_saying_how_deep() -> None:
    parsed = parse_message(poison.deep_forward("<fwd@x>", levels=50))
    assert parsed.attachments == []
    assert parsed.refused[0].startswith("forwarded 50 levels deep, over the limit of 5: ")


def test_the_fingerprint_ignores_trace_headers_but_not_content() -> None:
    raw = MessageBuilder(message_id="<fp@x>").attach("r.pdf", PDF_BYTES, PDF).build()
    relayed = b"Received: from relay2 by mx; Mon, 23 Oct 2006 09:00:00 +0000\r\nX-Spam: no\r\n" + raw
    other = MessageBuilder(message_id="<fp@x>").attach("r.pdf", PDF_BYTES + b" ", PDF).build()
    assert parse_message(raw).fingerprint == parse_message(relayed).fingerprint
    assert parse_message(raw).fingerprint != parse_message(other).fingerprint


def test_an_email_saved_with_a_byte_order_mark_keeps_its_first_header() -> None:
    parsed = parse_message(b"\xef\xbb\xbfReturn-Path: <>\r\n" + MessageBuilder(message_id="<bom@x>").build())
    assert (parsed.automatic, parsed.message_id) == (
        "a null Return-Path (<>): sent by a mail system, not a person", "<bom@x>")


def test_a_malformed_encoded_word_in_a_file_name_is_decoded_too() -> None:
    raw = MessageBuilder().attach("x.pdf", PDF_BYTES, PDF).build().replace(
        b'filename="x.pdf"', b'filename="=?utf-8?q?Fife_return?final?=.pdf"')
    assert [a.filename for a in parse_message(raw).attachments] == ["Fife return?final.pdf"]
