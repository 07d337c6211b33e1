"""Word .docx / .docm -> document blocks, reading the XML python-docx does not expose.

The package is opened with zipfile and only the main document part and its styles
are parsed, with python-docx's hardened XML parser; the body is walked directly so
that nothing is missed or doubled:
  - content controls (block, row, cell and inline `w:sdt`) are read through;
  - tracked changes read as if accepted (`w:ins`, `w:moveTo` kept; `w:del`,
    `w:moveFrom` and `w:delText` dropped);
  - soft line breaks (`w:br`, `w:cr`) become "\n"; tabs become spaces;
  - text boxes (`w:txbxContent`) become their own paragraphs after the anchor
    paragraph, read once (the VML fallback copy in `mc:Fallback` is skipped);
  - Word numbering and list styles mark a paragraph as a list item;
  - legacy check-box form fields become ☒ / ☐ so Part A ticks survive;
  - pictures become `Figure` blocks (a signature image).
Macros in .docm files are never run: only the XML parts are read.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

from docx.oxml import parse_xml  # python-docx's hardened lxml parser (no entities, no network)
from lxml import etree

from core.errors import UnreadableDocument
from extractors import detect
from extractors.context import ExtractContext
from extractors.document import Block, Cell, Document, Figure, Paragraph, Table
from extractors.limits import Limits
from extractors.zipguard import check_archive, read_entry

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_w = f"{{{W}}}"

_SKIP = {f"{_w}del", f"{_w}moveFrom", f"{_w}delText", f"{_w}instrText", f"{_w}rPr", f"{_w}pPr",
         f"{_w}delInstrText", f"{{{MC}}}Fallback", f"{_w}footnoteReference", f"{_w}commentReference"}
_DRAWINGS = {f"{_w}drawing", f"{_w}pict", f"{_w}object"}


def read_docx(data: bytes, ctx: ExtractContext) -> Document:
    """Read a .docx or .docm file (bytes) into document blocks."""
    limits = ctx.limits
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:  # opened once: guard, type, parts
            check_archive(zf, limits)
            media_type = _media_type(zf, limits)
            main = _main_part(zf, limits)
            body_xml = read_entry(zf, main, limits.max_unzipped_bytes)
            styles_name = _related(zf, main, "/styles")
            styles_xml = read_entry(zf, styles_name, limits.max_unzipped_bytes) if styles_name else None
        root = parse_xml(body_xml)
        styles = _StyleInfo(parse_xml(styles_xml) if styles_xml else None)
    except (KeyError, ValueError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as err:
        raise UnreadableDocument(f"the Word file is damaged or incomplete ({err})") from err
    except etree.LxmlError as err:
        raise UnreadableDocument(f"the Word file's XML could not be read ({err})") from err
    body = root.find(f"{_w}body")
    if body is None:
        raise UnreadableDocument("the Word file has no document body")
    blocks = tuple(_blocks(body, styles))
    return Document(blocks=blocks, media_type=media_type if media_type == detect.DOCM else detect.DOCX)


_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _media_type(zf: zipfile.ZipFile, limits: Limits) -> str:
    if "[Content_Types].xml" in zf.namelist():
        types = read_entry(zf, "[Content_Types].xml", limits.max_unzipped_bytes)
        if b"macroEnabled.main" in types:
            return detect.DOCM
    return detect.DOCX


def _main_part(zf: zipfile.ZipFile, limits: Limits) -> str:
    """The main document part's name, from the package relationships (word/document.xml
    in practice). Only it and its styles part are parsed: python-docx would parse every
    part of the package, and the body is walked here directly anyway."""
    if "_rels/.rels" in zf.namelist():
        rels = parse_xml(read_entry(zf, "_rels/.rels", limits.max_unzipped_bytes))
        for rel in rels.iter(_REL):
            if rel.get("Type", "").endswith("/officeDocument"):
                return str(rel.get("Target", "")).lstrip("/")
    return "word/document.xml"


def _related(zf: zipfile.ZipFile, part: str, kind: str) -> str | None:
    """The part that `part` relates to with a relationship type ending in `kind`."""
    folder, _, name = part.rpartition("/")
    rels_name = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
    if rels_name not in zf.namelist():
        return None
    for rel in parse_xml(zf.read(rels_name)).iter(_REL):
        if rel.get("Type", "").endswith(kind) and rel.get("TargetMode") != "External":
            target = posixpath.normpath(posixpath.join(folder, rel.get("Target", "")))
            return target.lstrip("/") if target in zf.namelist() or target.lstrip("/") in zf.namelist() else None
    return None


class _StyleInfo:
    """Heading level, list-ness and boldness of paragraph styles, read from the styles
    part's XML on first use of each style (templates define hundreds; a return uses few)."""

    def __init__(self, root: Any) -> None:
        self._elements: dict[str, Any] = {}
        self._cache: dict[str, tuple[int | None, bool, bool]] = {}
        if root is None:  # a package without a styles part
            return
        for element in root.iterchildren(f"{_w}style"):
            sid = element.get(f"{_w}styleId")
            if sid:
                self._elements[sid] = element

    def lookup(self, sid: str | None) -> tuple[int | None, bool, bool]:
        """(heading level or None, is a list style, is bold) of style `sid`."""
        if not sid:
            return (None, False, False)
        found = self._cache.get(sid)
        if found is None:
            found = self._cache[sid] = self._read(self._elements.get(sid))
        return found

    @staticmethod
    def _read(element: Any) -> tuple[int | None, bool, bool]:
        if element is None:
            return (None, False, False)
        name_el = element.find(f"{_w}name")
        name = (name_el.get(f"{_w}val", "") if name_el is not None else "").lower()
        heading: int | None = None
        if name == "title":
            heading = 0
        elif name.startswith("heading") and name[7:].strip().isdigit():
            heading = int(name[7:].strip())
        else:
            outline = element.find(f"{_w}pPr/{_w}outlineLvl")
            if outline is not None:
                heading = int(outline.get(f"{_w}val", "0")) + 1
        listy = name.startswith("list") or element.find(f"{_w}pPr/{_w}numPr") is not None
        b = element.find(f"{_w}rPr/{_w}b")
        bold = b is not None and b.get(f"{_w}val") not in ("0", "false")
        return (heading, listy, bold)


def _blocks(container: Any, styles: _StyleInfo) -> Iterator[Block]:
    for child in container.iterchildren():
        tag = child.tag
        if tag == f"{_w}p":
            yield from _paragraph(child, styles)
        elif tag == f"{_w}tbl":
            yield _table(child, styles)
        elif tag in (f"{_w}sdt", f"{_w}customXml", f"{_w}ins", f"{_w}moveTo"):
            content = child.find(f"{_w}sdtContent") if tag == f"{_w}sdt" else child
            if content is not None:
                yield from _blocks(content, styles)


def _table(tbl: Any, styles: _StyleInfo) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for tr in _children(tbl, f"{_w}tr"):
        cells = [Cell(tuple(_blocks(tc, styles))) for tc in _children(tr, f"{_w}tc")]
        rows.append(tuple(cells))
    return Table(tuple(rows))


def _children(element: Any, tag: str) -> Iterator[Any]:
    """Direct children with `tag`, looking through content controls and tracked insertions."""
    for child in element.iterchildren():
        if child.tag == tag:
            if child.find(f"{_w}trPr/{_w}del") is None:  # a deleted row is gone once accepted
                yield child
        elif child.tag in (f"{_w}sdt", f"{_w}customXml", f"{_w}ins"):
            content = child.find(f"{_w}sdtContent") if child.tag == f"{_w}sdt" else child
            if content is not None:
                yield from _children(content, tag)


def _paragraph(p: Any, styles: _StyleInfo) -> Iterator[Block]:
    parts: list[str] = []
    boxes: list[Any] = []
    figures = 0
    bold_chars = plain_chars = 0
    for node, in_bold in _text_nodes(p, boxes):
        if node == "figure":
            figures += 1
            continue
        parts.append(node)
        if node.strip():
            if in_bold:
                bold_chars += len(node)
            else:
                plain_chars += len(node)
    text = "".join(parts)
    if not text.strip() and not figures and not boxes:
        return
    ppr = p.find(f"{_w}pPr")
    style_id = num_pr = outline = None
    if ppr is not None:
        style_id = ppr.find(f"{_w}pStyle")
        num_pr = ppr.find(f"{_w}numPr")
        outline = ppr.find(f"{_w}outlineLvl")
    heading, numbered, style_bold = styles.lookup(style_id.get(f"{_w}val") if style_id is not None else None)
    if outline is not None and heading is None:
        heading = int(outline.get(f"{_w}val", "0")) + 1
    if num_pr is not None:
        num_id = num_pr.find(f"{_w}numId")
        numbered = num_id is None or num_id.get(f"{_w}val") != "0"  # numId 0: numbering switched off
    bold = (bold_chars > 0 and plain_chars == 0) or (style_bold and plain_chars == 0 and bool(text.strip()))
    if text.strip():
        yield Paragraph(text=text, heading=heading, list_item=numbered, bold=bold)
    for _ in range(figures):
        yield Figure()
    for box in boxes:
        yield from _blocks(box, styles)


def _text_nodes(p: Any, boxes: list[Any]) -> Iterator[tuple[str, bool]]:
    """Text of a paragraph in order, as if tracked changes were accepted."""
    bold = False
    stack = [iter(p.iterchildren())]
    run_bold: list[bool] = []
    while stack:
        try:
            node = next(stack[-1])
        except StopIteration:
            stack.pop()
            if run_bold:
                run_bold.pop()
            continue
        tag = node.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == f"{_w}t":
            yield node.text or "", bold
        elif tag in (f"{_w}br", f"{_w}cr"):
            yield "\n", bold
        elif tag in (f"{_w}tab", f"{_w}ptab"):
            yield "\t", bold
        elif tag == f"{_w}noBreakHyphen":
            yield "-", bold
        elif tag == f"{_w}sym":
            yield _symbol(node), bold
        elif tag == f"{_w}fldChar":
            box = _checkbox(node)
            if box:
                yield box + " ", bold
        elif tag == f"{_w}txbxContent":
            boxes.append(node)
        elif tag in _DRAWINGS:
            content = list(node.iter(f"{_w}txbxContent"))
            if content:
                boxes.extend(_outermost(content))
            else:
                yield "figure", bold
        else:
            if tag == f"{_w}r":
                rpr = node.find(f"{_w}rPr/{_w}b")
                bold = rpr is not None and rpr.get(f"{_w}val") not in ("0", "false")
            stack.append(iter(node.iterchildren()))


def _outermost(nodes: list[Any]) -> list[Any]:
    """Drop text boxes nested inside another listed text box (read once)."""
    ids = {id(n) for n in nodes}
    out = []
    for n in nodes:
        parent = n.getparent()
        nested = False
        while parent is not None:
            if id(parent) in ids:
                nested = True
                break
            parent = parent.getparent()
        if not nested:
            out.append(n)
    return out


def _symbol(node: Any) -> str:
    char = node.get(f"{_w}char", "")
    code = int(char, 16) if char else 0
    if code in (0xF078, 0xF0FD, 0xF0FE, 0x2612, 0xF053):  # Wingdings ticked boxes and crosses
        return "☒"
    if code in (0xF0A8, 0xF06F, 0xF071, 0x2610):
        return "☐"
    if code in (0xF0B7, 0xF0A7, 0xF076, 0xF0D8, 0xF0FC):
        return "•"
    return ""


def _checkbox(fld: Any) -> str:
    """A legacy FORMCHECKBOX field as a tick glyph."""
    box = fld.find(f"{_w}ffData/{_w}checkBox")
    if box is None:
        return ""
    checked = box.find(f"{_w}checked")
    if checked is None:
        checked = box.find(f"{_w}default")
    on = checked is not None and checked.get(f"{_w}val", "1") not in ("0", "false")
    return "☒" if on else "☐"
