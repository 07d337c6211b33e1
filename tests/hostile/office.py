"""Hostile Word and RTF files, built in code (part of the corpus in tests.hostile.build).

    docx_huge_body               190 MB of XML in a zip of under 1 MB
    docx_billion_laughs          an entity bomb (10^9 "lol"s from a 1 KB DOCTYPE)
    docx_external_entity         an XXE: a SYSTEM entity on a local file or a URL, and a
                                 remote parameter entity (a DTD from the network)
    docx_external_relationships  template, styles and a picture at a URL; a settings
                                 part named by a path that climbs out of the zip
    docm_with_macros             an AutoOpen VBA project that must never run
    rtf_field_includes           INCLUDETEXT of a local file, INCLUDEPICTURE of a URL

The .docx files are zips written by hand (no python-docx), so each shows exactly the
parts a reader is given.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def _content_types(main: str, extra: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{main}"/>{extra}</Types>'
    )


def _relationships(rels: Sequence[tuple[str, str, str, bool]]) -> str:
    """(id, type, target, external) -> a .rels part."""
    items = "".join(
        f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"'
        + (' TargetMode="External"' if external else "")
        + "/>"
        for rid, kind, target, external in rels
    )
    prologue = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    return f'{prologue}<Relationships xmlns="{REL_NS}">{items}</Relationships>'


def paragraphs_xml(texts: Iterable[str]) -> Iterator[bytes]:
    for text in texts:
        yield f"<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>".encode()


def document_xml(body: Iterable[bytes], doctype: str = "") -> Iterator[bytes]:
    """document.xml in pieces: prologue, optional DOCTYPE, the body's pieces, epilogue."""
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}'.encode()
    yield f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>'.encode()
    yield from body
    yield b"</w:body></w:document>"


def docx_package(
    document: Iterable[bytes],
    *,
    main: str = DOCX_MAIN,
    document_rels: Sequence[tuple[str, str, str, bool]] = (),
    parts: dict[str, bytes] | None = None,
    content_types_extra: str = "",
) -> bytes:
    """A .docx zip written by hand; `document` is streamed into word/document.xml."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _content_types(main, content_types_extra))
        zf.writestr("_rels/.rels", _relationships([("rId1", OFFICE_DOCUMENT, "word/document.xml", False)]))
        with zf.open("word/document.xml", "w", force_zip64=True) as entry:
            for piece in document:
                entry.write(piece)
        if document_rels:
            zf.writestr("word/_rels/document.xml.rels", _relationships(document_rels))
        for name, data in (parts or {}).items():
            zf.writestr(name, data)
    return out.getvalue()


def docx_huge_body(megabytes: int = 190) -> bytes:
    """A few hundred KB of zip whose document.xml is `megabytes` MB of paragraphs."""
    paragraph = next(paragraphs_xml(["Key strengths of the service in community care. " * 4]))
    block = paragraph * ((1 << 20) // len(paragraph))
    return docx_package(document_xml(block for _ in range(megabytes)))


def docx_billion_laughs(levels: int = 9) -> bytes:
    """document.xml declares lol1..lolN entities, each ten of the one before (10^N lols)."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)
    )
    doctype = f"<!DOCTYPE w:document [{entities}]>"
    return docx_package(document_xml([f"<w:p><w:r><w:t>&lol{levels};</w:t></w:r></w:p>".encode()], doctype))


def docx_external_entity(system_id: str) -> bytes:
    """document.xml with an external entity (`file:///...` or `http://...`) used in the text,
    and an external parameter entity (a remote DTD) in the DOCTYPE."""
    doctype = (
        f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{system_id}">'
        f'<!ENTITY % remote SYSTEM "{system_id}.dtd"> %remote;]>'
    )
    body = [
        b"<w:p><w:r><w:t>Name of organisation: &xxe;</w:t></w:r></w:p>",
        *paragraphs_xml(["Dear Jane, our return is attached."]),
    ]
    return docx_package(document_xml(body, doctype))


def docx_external_relationships(base_url: str) -> bytes:
    """A document whose template, styles and a picture live at `base_url` (external
    relationships), and whose main part is named by a path that climbs out of the zip."""
    picture = (
        b'<w:p><w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml">'
        b'<v:imagedata r:id="rId3"/></v:shape></w:pict></w:r></w:p>'
    )
    return docx_package(
        document_xml([*paragraphs_xml(["Dear Jane, our return is attached."]), picture]),
        document_rels=[
            ("rId1", REL_TYPE + "attachedTemplate", f"{base_url}/template.dotm", True),
            ("rId2", REL_TYPE + "styles", f"{base_url}/styles.xml", True),
            ("rId3", REL_TYPE + "image", f"{base_url}/picture.png", True),
            ("rId4", REL_TYPE + "settings", "../../../../../../etc/passwd", False),
        ],
    )


VBA_PROJECT = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"Attribute VB_Name = \"ThisDocument\"\nSub AutoOpen()\n" \
    b"Shell \"touch /tmp/returns-macro-ran\"\nEnd Sub\n".ljust(2048, b"\0")


def docm_with_macros(texts: Sequence[str] = ("Dear Jane, our return is attached.",)) -> bytes:
    """A macro-enabled document holding an AutoOpen project (never to be run)."""
    return docx_package(
        document_xml(paragraphs_xml(texts)),
        main=DOCM_MAIN,
        document_rels=[("rId1", "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
                        "vbaProject.bin", False)],
        parts={"word/vbaProject.bin": VBA_PROJECT},
        content_types_extra='<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>',
    )


# -- RTF ----------------------------------------------------------------------------------


def rtf_field_includes(local_file: str, url: str) -> bytes:
    """An RTF whose fields include a local file's text and a picture from a URL."""
    path = local_file  # a POSIX path: no backslashes to double
    return (
        "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\\f0\\fs24 "
        "Dear Jane, our return is attached.\\par "
        f'{{\\field{{\\*\\fldinst{{ INCLUDETEXT "{path}" \\\\* MERGEFORMAT }}}}{{\\fldrslt{{placeholder}}}}}}\\par '
        f'{{\\field{{\\*\\fldinst{{ INCLUDEPICTURE "{url}" \\\\d }}}}{{\\fldrslt{{}}}}}}\\par '
        "}"
    ).encode("ascii")
