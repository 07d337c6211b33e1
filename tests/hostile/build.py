"""Hostile files, built in code so each test shows its input.

    PDF   pdf_count_loop, pdf_mediabox_loop, pdf_pages_self_reference, pdf_kids_loop,
          pdf_font_loop, pdf_info_loop (reference loops that spun pdfminer forever),
          pdf_count_lie (100,000 pages that declare /Count 1, flat or in a tree),
          pdf_deflate_bomb (~1 MB that inflates to 1 GB), pdf_object_stream_bomb
          (the same inside an object stream: left to the sandbox's memory limit),
          pdf_huge_image (30000 x 30000 declared), pdf_many_lines (a page whose
          layout needs gigabytes), pdf_with_javascript, pdf_undefined_font
          (pdfminer warned on stderr)
    Word  docx_huge_body, docx_billion_laughs, docx_external_entity,
          docx_external_relationships, docm_with_macros, rtf_field_includes: made in
          tests.hostile.office, named here too so one module holds the whole corpus
    Misc  jpeg_image (for "renamed .pdf"), HOSTILE_NAMES (traversal, control
          characters, undecodable bytes)

Every PDF is written with a correct cross-reference table, so readers reach the
hostile structure instead of failing early on a damaged file.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Sequence

from PIL import Image

from tests.hostile.office import (
    docm_with_macros,
    docx_billion_laughs,
    docx_external_entity,
    docx_external_relationships,
    docx_huge_body,
    rtf_field_includes,
)

__all__ = [
    "HOSTILE_NAMES",
    "docm_with_macros",
    "docx_billion_laughs",
    "docx_external_entity",
    "docx_external_relationships",
    "docx_huge_body",
    "jpeg_image",
    "pdf_count_lie",
    "pdf_count_loop",
    "pdf_deflate_bomb",
    "pdf_document",
    "pdf_font_loop",
    "pdf_huge_image",
    "pdf_info_loop",
    "pdf_kids_loop",
    "pdf_many_lines",
    "pdf_mediabox_loop",
    "pdf_object_stream_bomb",
    "pdf_pages_self_reference",
    "pdf_undefined_font",
    "pdf_with_javascript",
    "rtf_field_includes",
    "stream",
    "text_content",
    "zlib_bomb",
]

# -- PDF --------------------------------------------------------------------------------

HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def pdf_document(objects: Sequence[bytes], trailer: bytes = b"") -> bytes:
    """A PDF whose object N is `objects[N - 1]` (object 1 is the catalog)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return bytes(out)


def stream(data: bytes, attributes: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(data), attributes, data)


def text_content(text: str, font: bytes = b"/F1") -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"BT %s 12 Tf 72 720 Td (%s) Tj ET" % (font, escaped.encode("latin-1"))


def _one_page(page: bytes, content: bytes, extra: Sequence[bytes] = (), catalog: bytes = b"") -> bytes:
    """Catalog 1, Pages 2, Page 3 (`page` is spliced into its dictionary), content 4,
    font 5, then `extra` objects from 6 on."""
    return pdf_document(
        [
            b"<< /Type /Catalog /Pages 2 0 R %s>>" % catalog,
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> %s>>" % page,
            stream(content),
            HELVETICA,
            *extra,
        ]
    )


def pdf_count_loop() -> bytes:
    """The page tree's /Count is object 4, and object 4 is a reference to itself."""
    return pdf_document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 4 0 R >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R "
            b"/Resources << /Font << /F1 6 0 R >> >> >>",
            b"4 0 R",
            stream(text_content("Name of organisation")),
            HELVETICA,
        ]
    )


def pdf_mediabox_loop() -> bytes:
    """The page's /MediaBox is object 6, which is object 7, which is object 6 ..."""
    return _one_page(b"/MediaBox 6 0 R", text_content("Name of organisation"), [b"7 0 R", b"6 0 R"])


def pdf_pages_self_reference() -> bytes:
    """The catalog's /Pages is object 2, and object 2 is a reference to itself."""
    return pdf_document([b"<< /Type /Catalog /Pages 2 0 R >>", b"2 0 R"])


def pdf_kids_loop() -> bytes:
    """A page tree node that lists itself among its own kids."""
    return pdf_document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ]
    )


def pdf_font_loop() -> bytes:
    """The page's font is object 6, which is object 7, which is object 6 ... (outside
    the page tree: only the bounded resolver stops it)."""
    return pdf_document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            stream(text_content("Dear Jane")),
            b"6 0 R",
            b"5 0 R",
        ]
    )


def pdf_info_loop() -> bytes:
    """The trailer's /Info is object 4, a reference to itself (read while opening)."""
    return pdf_document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            b"4 0 R",
        ],
        trailer=b"/Info 4 0 R ",
    )


def pdf_count_lie(pages: int = 100_000, fanout: int | None = None) -> bytes:
    """`pages` real page objects under a root that declares /Count 1: all in the root's
    /Kids, or (`fanout`) in a balanced tree of nodes of at most `fanout` kids, so that
    no single /Kids array gives the number away."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    level = list(range(3, 3 + pages))
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages
    while fanout is not None and len(level) > fanout:
        groups = [level[i : i + fanout] for i in range(0, len(level), fanout)]
        level = []
        for group in groups:
            objects.append(b"<< /Type /Pages /Count %d /Kids [%s] >>" % (len(group), _refs(group)))
            level.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count 1 >>" % _refs(level)
    return pdf_document(objects)


def _refs(numbers: Sequence[int]) -> bytes:
    return b" ".join(b"%d 0 R" % number for number in numbers)


def zlib_bomb(inflated_mb: int, byte: bytes = b" ", prefix: bytes = b"") -> bytes:
    """zlib data that inflates to `prefix` and then `inflated_mb` MB of `byte`, made in
    well under a second: after a full flush the compressor starts afresh, so one
    compressed megabyte can be repeated as it is; only the checksum reads it all."""
    megabyte = byte * (1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate; the zlib frame is added here
    head = packer.compress(prefix) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(megabyte) + packer.flush(zlib.Z_FULL_FLUSH)
    checksum = zlib.adler32(prefix)
    for _ in range(inflated_mb):
        checksum = zlib.adler32(megabyte, checksum)
    return b"\x78\xda" + head + block * inflated_mb + packer.flush() + struct.pack(">I", checksum)


def pdf_object_stream_bomb(inflated_mb: int = 1024) -> bytes:
    """The page tree's root node lives in a compressed object stream that inflates to
    `inflated_mb` MB: pdfminer inflates the whole stream to reach it. Cross-reference
    stream (PDF 1.5), so the node is found only through the object stream."""
    node = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    header = b"2 0 "
    packed = stream(
        zlib_bomb(inflated_mb, prefix=header + node),
        b"/Type /ObjStm /N 1 /First %d /Filter /FlateDecode " % len(header),
    )
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in (
        (1, b"<< /Type /Catalog /Pages 2 0 R >>"),
        (3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"),
        (4, packed),
    ):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets[5] = len(out)
    rows = [b"\x00" + struct.pack(">IH", 0, 65535)]
    for number in range(1, 6):
        if number == 2:
            rows.append(b"\x02" + struct.pack(">IH", 4, 0))  # in object stream 4, index 0
        else:
            rows.append(b"\x01" + struct.pack(">IH", offsets[number], 0))
    xref = stream(b"".join(rows), b"/Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R ")
    out += b"5 0 obj\n%s\nendobj\nstartxref\n%d\n%%%%EOF\n" % (xref, offsets[5])
    return bytes(out)


def pdf_deflate_bomb(inflated_mb: int = 1024) -> bytes:
    """One page whose content stream is ~1 MB deflated and `inflated_mb` MB inflated
    (spaces: a content-stream parser would walk all of them)."""
    bomb = stream(zlib_bomb(inflated_mb), b"/Filter /FlateDecode ")
    return _one_page(b"/MediaBox [0 0 595 842]", b"", [bomb]).replace(b"/Contents 4 0 R", b"/Contents 6 0 R")


def pdf_huge_image(side: int = 30_000) -> bytes:
    """A page showing one image that declares `side` x `side` pixels (a few KB of data)."""
    pixels = zlib.compress(b"\xff" * 65536)
    image = stream(
        pixels,
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode " % (side, side),
    )
    return pdf_document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /XObject << /Im1 5 0 R >> >> >>",
            stream(b"q 595 0 0 842 0 0 cm /Im1 Do Q"),
            image,
        ]
    )


def pdf_many_lines(lines: int = 1_000_000) -> bytes:
    """One page drawing `lines` short strokes: a content stream under the stream limit
    (~20 MB) whose layout objects need gigabytes; only the sandbox bounds it."""
    strokes = b"".join(b"%d %d m %d %d l S\n" % (i % 500, i % 800, i % 500 + 5, i % 800) for i in range(1000))
    content = zlib.compress(strokes * (lines // 1000), 9)
    return _one_page(b"/MediaBox [0 0 595 842]", b"", [stream(content, b"/Filter /FlateDecode ")]).replace(
        b"/Contents 4 0 R", b"/Contents 6 0 R"
    )


def pdf_with_javascript() -> bytes:
    """A text page whose catalog runs JavaScript on open (a reader must never run it)."""
    script = b"<< /S /JavaScript /JS (app.launchURL\\('http://127.0.0.1:9/opened'\\);) >>"
    return _one_page(
        b"/MediaBox [0 0 595 842]",
        text_content("Dear Jane, our return is attached."),
        [script],
        catalog=b"/OpenAction 6 0 R /Names << /JavaScript << /Names [(open) 6 0 R] >> >> ",
    )


def pdf_undefined_font() -> bytes:
    """A text page that uses font /F9, which its resources do not define."""
    return _one_page(b"/MediaBox [0 0 595 842]", text_content("Dear Jane", b"/F9"))


# -- other types and names --------------------------------------------------------------


def jpeg_image(side: int = 16) -> bytes:
    out = io.BytesIO()
    Image.new("L", (side, side), 200).save(out, "JPEG")
    return out.getvalue()


# File names a sender controls: climbing folders, terminal escapes, line breaks and
# bytes that are not UTF-8 (names on disk are bytes; os.fsencode round-trips them).
HOSTILE_NAMES: dict[str, bytes] = {
    "traversal": b"..%2F..%2Fetc%2Fpasswd .. return.pdf",
    "control": b"\x1b[2J\x1b[31mreturn\r\nFAKE: ok\x07.pdf",
    "undecodable": b"r\xe9turn \xff\xfe.pdf",
}
