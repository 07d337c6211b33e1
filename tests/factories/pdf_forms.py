"""Typed PDF returns whose label | value tables are drawn in different ways, built in code.

Two makers, for the layout tests (`tests/unit/test_layout_forms.py`, reportlab, fast)
and the LibreOffice tests (`tests/live/test_pdf_forms.py`):

* `form_return_pdf` lays out a short return with reportlab: title, Part A and the
  sign-off as two-column label | value tables, one section box between them. The
  label tables are drawn with every border (`grid`), row rules only (`hrules`), shaded
  label cells and no lines (`shaded`) or nothing at all (`none`); cells are aligned
  top, middle or bottom (`valign`), and long values wrap over several lines.
* `restyle_label_tables` changes the official Word template (a `FormFiller`) the same
  way: borders removed or reduced to row rules, label shading kept or removed, and a
  vertical alignment for every cell (`template_return` fills it in), for LibreOffice
  to print to PDF (`docx_to_pdf`).
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from docx.enum.table import WD_ALIGN_VERTICAL
from docx.oxml import parse_xml
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tests.factories.forms import W_NS, FormFiller

BORDERS = ("grid", "hrules", "shaded", "none")
VALIGNS = ("TOP", "MIDDLE", "BOTTOM")

# Values that wrap over one, two and three lines in the value column of either maker.
POSITIONS = {
    1: "Chief Social Work Officer",
    2: "Director of Social Work Services and Chief Social Work Officer for Fife Council",
    3: (
        "Director of Social Work Services and Chief Social Work Officer for Fife Council and "
        "its partners in health, housing and education across the whole of the Kingdom of Fife"
    ),
}
LONG_ORGANISATION = (
    "Fife Council Social Work Service for Children and Families, Community Care and "
    "Criminal Justice"
)
SERVICES_TICKED = "[X] Children and families [ ] Community care [X] Criminal justice"

PART_A = [
    ("Name of organisation", LONG_ORGANISATION),
    ("Type of organisation", "Local authority"),
    ("Services provided", SERVICES_TICKED),
    ("Contact name", "Alex Person"),
    ("Contact email", "alex.person@fife.example"),
    ("Contact telephone", "01592 000000"),
]


def sign_off_rows(position: str, name: str = "J. Smith", date: str = "20/10/2006") -> list[tuple[str, str]]:
    return [("Signature", f"/s/ {name}"), ("Name", name), ("Position", position), ("Date", date)]


def _label_style(borders: str, valign: str, rows: int, padding: float) -> TableStyle:
    commands: list[tuple[object, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), valign),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
    ]
    if borders == "grid":
        commands.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
    elif borders == "hrules":
        commands += [("LINEBELOW", (0, r), (-1, r), 0.5, colors.black) for r in range(rows)]
        commands.append(("LINEABOVE", (0, 0), (-1, 0), 0.5, colors.black))
    elif borders == "shaded":
        commands.append(("BACKGROUND", (0, 0), (0, -1), colors.Color(0.85, 0.85, 0.85)))
    elif borders != "none":
        raise ValueError(f"unknown borders {borders!r}")
    return TableStyle(commands)


def form_return_pdf(
    part_a: Sequence[tuple[str, str]],
    sign_off: Sequence[tuple[str, str]],
    borders: str = "grid",
    valign: str = "MIDDLE",
    strengths: Sequence[str] = ("Joint assessment with health visitors is in place (R1, R3).",),
    padding: float = 3.0,
) -> bytes:
    """A one-page return: Part A and sign-off tables drawn as `borders`, aligned `valign`."""
    sheet = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=sheet["BodyText"], fontName="Helvetica", fontSize=10, leading=12)
    bold = ParagraphStyle("label", parent=body, fontName="Helvetica-Bold")

    def label_table(rows: Sequence[tuple[str, str]]) -> Table:
        cells = [[Paragraph(escape(a), bold), Paragraph(escape(b), body)] for a, b in rows]
        table = Table(cells, colWidths=[5 * cm, 11 * cm])
        table.setStyle(_label_style(borders, valign, len(rows), padding))
        return table

    box = Table(
        [
            [Paragraph("Strengths", bold), Paragraph("Priorities for change", bold)],
            [[Paragraph(escape(s), body) for s in strengths], Paragraph("", body)],
        ],
        colWidths=[8 * cm, 8 * cm],
    )
    box.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [
        Paragraph("Changing Lives: Self Assessment Return", sheet["Title"]),
        Paragraph("Part A: About your organisation", sheet["Heading2"]),
        label_table(part_a),
        Spacer(1, 12),
        Paragraph("Section 1: Children and families", sheet["Heading2"]),
        box,
        Spacer(1, 12),
        Paragraph("Sign-off", sheet["Heading2"]),
        label_table(sign_off),
    ]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=2.5 * cm, rightMargin=2.5 * cm).build(story)
    return out.getvalue()


# -- the official template, restyled --------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_VALIGN = {"TOP": WD_ALIGN_VERTICAL.TOP, "MIDDLE": WD_ALIGN_VERTICAL.CENTER, "BOTTOM": WD_ALIGN_VERTICAL.BOTTOM}
_BORDER_XML = {
    "none": ("nil", "nil", "nil"),
    "hrules": ("single", "nil", "single"),  # (top/bottom/insideH, left/right/insideV)
    "grid": ("single", "single", "single"),
}
LABEL_TABLES = (0, 6)  # Part A and sign-off in the template


def restyle_label_tables(filler: FormFiller, borders: str, shading: bool, valign: str) -> FormFiller:
    """Part A and sign-off tables of the template with other borders, shading, alignment.

    `borders` is "grid", "hrules" or "none"; `shading` False removes the label cells'
    grey fill; `valign` is "TOP", "MIDDLE" or "BOTTOM" for every cell.
    """
    across, sides, _ = _BORDER_XML[borders]
    for index in LABEL_TABLES:
        table = filler.tables[index]
        tbl_pr = table._tbl.tblPr
        for old in tbl_pr.findall(f"{_W}tblBorders"):
            tbl_pr.remove(old)
        tbl_pr.append(parse_xml(_borders_xml(across, sides)))
        for tc_borders in list(table._tbl.iter(f"{_W}tcBorders")):
            tc_borders.getparent().remove(tc_borders)
        if not shading:
            for shd in list(table._tbl.iter(f"{_W}shd")):
                shd.getparent().remove(shd)
        for row in table.rows:
            for cell in row.cells:
                cell.vertical_alignment = _VALIGN[valign]
    return filler


def _borders_xml(across: str, sides: str) -> str:
    def edge(name: str, val: str) -> str:
        size = ' w:sz="4" w:space="0" w:color="000000"' if val != "nil" else ""
        return f'<w:{name} w:val="{val}"{size}/>'

    parts = [edge("top", across), edge("left", sides), edge("bottom", across), edge("right", sides),
             edge("insideH", across), edge("insideV", sides)]
    return f"<w:tblBorders {W_NS}>{''.join(parts)}</w:tblBorders>"


def docx_to_pdf(documents: dict[str, bytes], soffice: str = "soffice") -> dict[str, bytes]:
    """Print .docx files (name -> bytes) to PDF with LibreOffice, in one run.

    The run has its own profile folder, so runs in parallel never collide.
    """
    with tempfile.TemporaryDirectory(prefix="pdf-forms-") as tmp:
        folder = Path(tmp)
        for name, data in documents.items():
            (folder / f"{name}.docx").write_bytes(data)
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{folder / 'profile'}", "--headless",
             "--convert-to", "pdf", "--outdir", str(folder), *(str(folder / f"{n}.docx") for n in documents)],
            check=True, capture_output=True, timeout=600,
        )
        return {name: (folder / f"{name}.pdf").read_bytes() for name in documents}


def template_return(position: str, borders: str, shading: bool, valign: str) -> bytes:
    """The official template filled in (a long organisation name, tick boxes on three
    lines, `position` in the sign-off), its label tables restyled."""
    filler = (
        FormFiller()
        .part_a(LONG_ORGANISATION, "Local authority", "☒ Children and families\n☐ Community care\n☒ Criminal justice",
                "Alex Person", "alex.person@fife.example", "01592 000000")
        .strengths("children_families", ["Joint assessment with health visitors is in place (R1, R3)."])
        .priorities("children_families", ["Reduce waiting times for assessment (R3)."])
        .strengths("criminal_justice", ["Community service orders start within a week (R4)."])
        .sign("J. Smith", "J. Smith", position, "20/10/2006")
    )
    return restyle_label_tables(filler, borders, shading, valign).bytes()
