"""Build Word returns in code, so each test shows its input.

`FormFiller` fills the bundled official template (returns/data/annex-c-template.docx)
the way an organisation would in Word; `freeform_docx` writes an organisation's own
letter under the form's headings. Helpers inject the Word XML that python-docx cannot
write: content controls, tracked changes, text boxes, legacy check boxes.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Sequence

import docx
from docx.oxml import parse_xml
from docx.table import Table

from core.paths import DATA_DIR

TEMPLATE = DATA_DIR / "annex-c-template.docx"
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
SECTION_TABLES = {"children_families": 1, "community_care": 2, "criminal_justice": 3, "whole_service": 4}


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def run_xml(text: str) -> str:
    return f'<w:r {W_NS}><w:t xml:space="preserve">{_esc(text)}</w:t></w:r>'


class FormFiller:
    """Fill the official annex C template cell by cell."""

    def __init__(self) -> None:
        self.doc = docx.Document(str(TEMPLATE))
        self.tables: list[Table] = list(self.doc.tables)

    # Part A ---------------------------------------------------------------------------
    def part_a(self, name: str = "", org_type: str = "", services: str | None = None,
               contact: str = "", email: str = "", phone: str = "") -> FormFiller:
        values = [name, org_type, services, contact, email, phone]
        for row, value in zip(self.tables[0].rows, values, strict=True):
            if value is not None:
                self._set(row.cells[1], [value] if value else [])
        return self

    def box(self, section: str, column: int, paragraphs: Sequence[str], style: str | None = None) -> FormFiller:
        table = self.tables[SECTION_TABLES[section]] if section != "national_priorities" else self.tables[5]
        self._set(table.rows[1].cells[column], paragraphs, style)
        return self

    def strengths(self, section: str, items: Sequence[str], style: str | None = None) -> FormFiller:
        return self.box(section, 0, items, style)

    def priorities(self, section: str, items: Sequence[str], style: str | None = None) -> FormFiller:
        return self.box(section, 1, items, style)

    def national(self, items: Sequence[str], style: str | None = None) -> FormFiller:
        return self.box("national_priorities", 0, items, style)

    def sign(self, signature: str = "", name: str = "", position: str = "", date: str = "") -> FormFiller:
        for row, value in zip(self.tables[6].rows, [signature, name, position, date], strict=True):
            self._set(row.cells[1], [value] if value else [])
        return self

    def cell(self, table: int, row: int, col: int):  # type: ignore[no-untyped-def]
        return self.tables[table].rows[row].cells[col]

    def _set(self, cell, paragraphs: Sequence[str], style: str | None = None) -> None:  # type: ignore[no-untyped-def]
        tc = cell._tc
        for p in list(tc.iterchildren("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p")):
            tc.remove(p)
        if not paragraphs:
            cell.add_paragraph("")
        for text in paragraphs:
            para = cell.add_paragraph(style=style)
            lines = text.split("\n")
            for i, line in enumerate(lines):
                run = para.add_run(line)
                if i < len(lines) - 1:
                    run.add_break()

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def replace_cell_xml(cell, inner_xml: str) -> None:  # type: ignore[no-untyped-def]
    """Replace a cell's paragraphs with raw WordprocessingML (namespaced fragments)."""
    tc = cell._tc
    for child in list(tc):
        if not child.tag.endswith("}tcPr"):
            tc.remove(child)
    wrapper = parse_xml(f"<w:body {W_NS}>{inner_xml}</w:body>")
    for child in list(wrapper):
        tc.append(copy.deepcopy(child))


def p_xml(inner: str, style: str | None = None) -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{ppr}{inner}</w:p>"


def r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{_esc(text)}</w:t></w:r>'


def inline_sdt(text: str) -> str:
    return f'<w:sdt><w:sdtPr><w:alias w:val="Answer"/></w:sdtPr><w:sdtContent>{r(text)}</w:sdtContent></w:sdt>'


def block_sdt(paragraphs_xml: str) -> str:
    return f'<w:sdt><w:sdtPr><w:alias w:val="Box"/></w:sdtPr><w:sdtContent>{paragraphs_xml}</w:sdtContent></w:sdt>'


def ins(text: str) -> str:
    return f'<w:ins w:id="1" w:author="Editor" w:date="2006-10-01T00:00:00Z">{r(text)}</w:ins>'


def dele(text: str) -> str:
    return (f'<w:del w:id="2" w:author="Editor" w:date="2006-10-01T00:00:00Z"><w:r>'
            f'<w:delText xml:space="preserve">{_esc(text)}</w:delText></w:r></w:del>')


def textbox(paragraphs_xml: str) -> str:
    """A DrawingML text box with the VML fallback copy Word also writes."""
    return (
        '<w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        '<mc:Choice Requires="wps"><w:drawing><wp:anchor xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
        '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData uri="wps">'
        '<wps:wsp xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:txbx>'
        f"<w:txbxContent>{paragraphs_xml}</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic>"
        "</wp:anchor></w:drawing></mc:Choice>"
        '<mc:Fallback><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox>'
        f"<w:txbxContent>{paragraphs_xml}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r>"
    )


def legacy_checkbox(checked: bool) -> str:
    val = "1" if checked else "0"
    return (f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Check1"/><w:checkBox>'
            f'<w:sizeAuto/><w:default w:val="{val}"/></w:checkBox></w:ffData></w:fldChar></w:r>'
            '<w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def freeform_docx(paragraphs: Sequence[tuple[str, str | None]]) -> bytes:
    """A letter-style document: (text, style) pairs, e.g. ("Key strengths", "Heading 2")."""
    doc = docx.Document()
    for text, style in paragraphs:
        para = doc.add_paragraph(style=style) if style else doc.add_paragraph()
        lines = text.split("\n")
        for i, line in enumerate(lines):
            run = para.add_run(line)
            if i < len(lines) - 1:
                run.add_break()
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def return_docx(org_name: str, strengths: list[str], position: str = "Director",
                org_type: str = "Local authority") -> bytes:
    """A filled official form for `org_name` with community care strengths."""
    return (
        FormFiller()
        .part_a(org_name, org_type, "☐ Children and families   ☒ Community care   ☐ Criminal justice",
                "A Person", "a.person@example.org", "01234 567890")
        .strengths("community_care", strengths)
        .priorities("community_care", ["Reduce waiting times for assessment (R3)."])
        .sign("A Person", "A Person", position, "20/10/2006")
        .bytes()
    )
