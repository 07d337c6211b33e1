"""Walk a document's blocks once, collecting what the form says where it says it.

The walker tracks where it is - preamble, Part A, a section and its box, sign-off -
and routes each paragraph or table row: a section heading moves to that section; a
box label ("Key strengths", "Areas for development") opens a box; a "label: value"
line or a label | value table row sets a field; anything else inside an open box is
an item. Tables are read row by row, so the official form (a Strengths | Priorities
header row over content), matrix layouts (a section per row) and vertical layouts
(a box label in the first column) all work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.document import Block, Cell, Figure, Paragraph, Table, iter_paragraphs
from extractors.interpret.fields import is_yes
from extractors.interpret.matching import SectionHit, Vocabulary, key
from extractors.interpret.text import collapse, has_marker

_LABEL_SEP = re.compile(r"^\s*([^:\t]{2,60}?)\s*(?::|\t|\s{3,})\s*(.*)$", re.DOTALL)
_SIGN_OFF_HEADINGS = {"sign off", "signoff", "sign off and authorisation", "declaration", "authorisation",
                      "signed on behalf of the organisation", "signature", "sign off by"}
_CLOSINGS = ("yours sincerely", "yours faithfully", "kind regards", "best regards", "regards")
_SENTENCE_END = re.compile(r"[.!?][)\]\"'’”]*$|[)\]]\.?$")
_SIGN_OFF_FIELDS = {"signature", "sign_name", "position", "date"}
_COLON = re.compile(r"(?<=\w):\s")
_OCR_SPECK = re.compile(r"^[^\w]*[a-z]{1,2}[^\w]*$|^[^\w]+$")  # "oe", "'i", "|"
_TRAILING_PAREN = re.compile(r"\s*\([^()]*\)\s*$")
# A line holding only a citation ("- R2, R4", "(Recs 1, 3)") carries on the item before
# it: the citation wrapped onto its own line, and its dash is no bullet.
_CITATION_ONLY = re.compile(
    r"^[\s\-–—•*]*[(\[]?\s*(?:(?:recommendations?|recs?\.?|R)\s*\d{1,2}|R\d{1,2})"
    r"(?:\s*(?:,|/|&|-|–|and|to)\s*(?:R|Rec\.?\s*)?\d{1,2})*\s*[)\]]?\.?\s*$",
    re.IGNORECASE,
)


@dataclass
class RawItem:
    text: str
    marked: bool  # had a bullet, number or list formatting


@dataclass
class Collected:
    """Everything the walk found, still as written."""

    items: dict[tuple[str, str], list[RawItem]] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    signature_figure: bool = False
    service_ticks: list[str] = field(default_factory=list)
    sections_seen: set[str] = field(default_factory=set)
    sections_named: set[str] = field(default_factory=set)  # seen under a heading that names them
    labels_seen: set[str] = field(default_factory=set)  # Part A and sign-off labels, filled or not
    form_named: bool = False  # a line names the form ("Changing Lives self assessment return")
    preamble: list[str] = field(default_factory=list)
    letterhead: list[str] = field(default_factory=list)  # headed / bold lines before the sections
    closing: list[str] = field(default_factory=list)
    on_behalf_of: str | None = None
    salutation: bool = False
    form_tables: int = 0


class Walker:
    def __init__(self, vocab: Vocabulary, ocr: bool = False, explicit_paragraphs: bool = False) -> None:
        self.vocab = vocab
        self.ocr = ocr  # the document was read from a scan: form text may be misread
        # Word marks where every paragraph ends, so no paragraph carries on the one before
        # it; a PDF or a scan breaks lines where they wrap, and those are joined again.
        self.explicit_paragraphs = explicit_paragraphs
        self.out = Collected()
        self.section: str | None = None
        self.box: str | None = None
        self.sign_off = False
        self.closing = False

    # -- entry ----------------------------------------------------------------------

    def walk(self, blocks: tuple[Block, ...]) -> Collected:
        for block in blocks:
            if isinstance(block, Paragraph):
                self.paragraph(block)
            elif isinstance(block, Table):
                self.table(block)
            elif isinstance(block, Figure) and self.sign_off:
                self.out.signature_figure = True
        return self.out

    # -- state changes ----------------------------------------------------------------

    def enter_section(self, hit: SectionHit) -> None:
        self.section = hit.key
        self.out.sections_seen.add(hit.key)
        if hit.by_name:
            self.out.sections_named.add(hit.key)
        self.sign_off = False
        self.closing = False
        kind = self.vocab.collection.section(hit.key).kind
        self.box = "items" if kind == "items" else (self.vocab.box(hit.rest) if hit.rest else None)

    def set_field(self, name: str, value: str) -> None:
        value = value.strip()
        if name == "signature":
            self.sign_off = True
        if name in _SIGN_OFF_FIELDS and not self.sign_off and name != "date":
            return
        if name == "date" and not self.sign_off:
            return
        if name not in _SIGN_OFF_FIELDS or self.out.sections_seen:  # a sign-off follows the sections
            self.out.labels_seen.add(name)
        if value and name not in self.out.fields:
            self.out.fields[name] = value

    def _field_name(self, label: str) -> str | None:
        """Resolve context-dependent labels: 'Name' is the signatory's in sign-off."""
        name = self.vocab.label(label)
        if name == "sign_name" and not self.sign_off:
            return None
        return name

    # -- paragraphs -------------------------------------------------------------------

    def paragraph(self, p: Paragraph) -> None:
        text = collapse(p.text)
        if not self.out.form_named and self.vocab.names_form(text):
            self.out.form_named = True
        # Under "Yours sincerely" a short line is a name or a post, even when the form's
        # guidance happens to contain it ("Chief Social Work Officer").
        if not text or self.vocab.is_template(text, fragments=not self.closing, ocr=self.ocr):
            return
        head = self._heading_before_template(text)
        if head is not None:
            # "Section 2: Community care Relevant recommendations ..." (a scan or PDF
            # ran the heading into the form's reference line): the heading alone counts.
            text = head
            p = Paragraph(head, heading=p.heading or 1, bold=p.bold)
        k = key(text)
        if self._structure(p, text, k):
            return
        pieces = self._labelled_pieces(text)
        if pieces is not None:
            for piece in pieces:
                self._field_line(piece)
            return
        if self._field_line(text):
            return
        if self.closing:
            self.out.closing.append(text)
            return
        if self.section is not None and self.box is not None and not self.sign_off:
            self.add_item(self.section, self.box, p)
        elif not self.out.sections_seen:
            if k.startswith("dear "):
                self.out.salutation = True
            self.out.preamble.extend(line for line in p.text.split("\n") if line.strip())
            if p.heading is not None or p.bold:
                self.out.letterhead.append(text)

    def _heading_before_template(self, text: str) -> str | None:
        """The heading at the start of `text` when what follows it is form text."""
        head = self.vocab.template_tail(text)
        if head is None or head.count(" ") > 15:
            return None
        if self.vocab.section(head) is not None or head in _SIGN_OFF_HEADINGS:
            return head
        return None

    def _structure(self, p: Paragraph, text: str, k: str) -> bool:
        """Headings that move the walk: sections, boxes, sign-off, letter closings."""
        short = len(text) <= 160
        # "Social work services as a whole (workforce development, leadership)" ends with
        # a bracket but is no sentence: judge the heading without a trailing parenthetical.
        bare = _TRAILING_PAREN.sub("", text) or text
        heading_like = p.heading is not None or p.bold or not _SENTENCE_END.search(bare)
        # A bulleted line is an item, but "1. Children & Families" is a heading, and
        # heading styles with outline numbering are headings.
        bulleted = (p.list_item and p.heading is None) or (has_marker(text) and not text.lstrip()[:1].isdigit())
        if short and heading_like and not bulleted:
            hit = self.vocab.section(text, numbered_heading=p.heading is not None or p.bold)
            if hit is not None:
                self.enter_section(hit)
                return True
        if short and (box := self.vocab.box(text.rstrip(":"))) is not None:
            if self.section is not None and self.vocab.collection.section(self.section).kind == "boxes":
                self.box = box
                self.sign_off = False
            return True
        if k in _SIGN_OFF_HEADINGS or k.startswith("signed on behalf of") or k.startswith("sign off"):
            self.sign_off = True
            self.box = None
            m = re.search(r"on behalf of\s+(.+?)[:.]?$", text, re.IGNORECASE)
            if m and key(m.group(1)) not in {"the organisation", "the council", "the authority"}:
                self.out.on_behalf_of = m.group(1)
            return True
        if any(k.startswith(c) for c in _CLOSINGS):
            self.closing = True
            self.box = None
            return True
        if k.startswith("part a") or k == "about your organisation":
            self.box = None
            return True
        return False

    def _labelled_pieces(self, text: str) -> list[str] | None:
        """Several "Label: value" pairs run together on one line ("Name: J Smith
        Position: CSWO Date: 20/10/2006", or a PDF that joins lines) -> one per pair.
        None unless the line starts with a label and holds at least two."""
        starts: list[int] = []
        names: list[str] = []
        for colon in _COLON.finditer(text):
            before = text[: colon.start()].split(" ")
            for n in range(min(5, len(before)), 0, -1):
                label = " ".join(before[-n:])
                name = self.vocab.exact_label(label) if label[:1].isupper() else None
                if name is not None:
                    starts.append(colon.start() - len(label))
                    names.append(name)
                    break
        if len(starts) < 2 or starts[0] != 0:
            return None
        # Inside a box only sign-off, contact and organisation lines are fields (as in _field_line).
        if self.box is not None and not self.sign_off and not (
                names[0] in _SIGN_OFF_FIELDS or names[0].startswith("contact") or names[0] == "organisation_name"):
            return None
        return [text[a:b].strip() for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]

    def _field_line(self, text: str) -> bool:
        m = _LABEL_SEP.match(text)
        if m:
            name = self._field_name(m.group(1))
            if name is not None and (self.box is None or self.sign_off or name in _SIGN_OFF_FIELDS
                                     or name.startswith("contact") or name == "organisation_name"):
                if name in _SIGN_OFF_FIELDS:
                    self.box = None
                    self.sign_off = True
                self.set_field(name, m.group(2))
                return True
            box = self.vocab.box(m.group(1))
            if box is not None and self.section is not None and m.group(2).strip():
                self.box = box
                self.add_item(self.section, box, Paragraph(m.group(2)))
                return True
        if self.box is None or self.sign_off:
            hit = self.vocab.label_prefix(text, min_words=1 if self.sign_off else 2)
            if hit is not None:
                name, value = hit
                if name == "sign_name" and not self.sign_off:
                    return False
                self.set_field(name, value)
                return True
        return False

    # -- items ------------------------------------------------------------------------

    def add_item(self, section: str, box: str, p: Paragraph) -> None:
        items = self.out.items.setdefault((section, box), [])
        # In Word a new paragraph is always a new item; only a soft line break inside
        # one (a citation wrapped onto its own line) may carry on the item before it.
        joinable = not self.explicit_paragraphs
        for chunk, marked in _chunks(p):
            text = collapse(chunk)
            if not text or self.vocab.is_template(text, ocr=self.ocr):
                continue
            if self.vocab.is_empty_answer(text):
                continue
            if items and joinable and (not marked or _CITATION_ONLY.match(text)) and _continues(items[-1], text):
                items[-1] = RawItem(f"{items[-1].text} {text}", items[-1].marked)
                continue
            items.append(RawItem(text, marked))
            joinable = True

    def cell_items(self, section: str, box: str, cell: Cell) -> None:
        for p in iter_paragraphs(cell.blocks):
            self.add_item(section, box, p)

    # -- tables -----------------------------------------------------------------------

    def table(self, table: Table) -> None:
        labels = [self.vocab.label(collapse(row[0].text)) for row in table.rows if row]
        if any(lab in {"signature", "position"} for lab in labels):
            self.sign_off = True
            self.box = None
        elif any(lab in {"organisation_name", "organisation_type", "services"} for lab in labels):
            self.sign_off = False
            self.box = None
        col_boxes: list[str | None] | None = None
        for row in table.rows:
            col_boxes = self.row(row, col_boxes)

    def row(self, cells: tuple[Cell, ...], col_boxes: list[str | None] | None) -> list[str | None] | None:
        texts = [collapse(c.text) for c in cells]
        filled = [i for i, t in enumerate(texts) if t or cells[i].has_figure]
        if not filled:
            return col_boxes
        boxes = [self.vocab.box(t.rstrip(":")) if t else None for t in texts]
        if all(boxes[i] for i in filled) or (
            # a matrix header: "Section | Strengths | Priorities" (rows name the sections)
            len(filled) >= 3 and filled[0] == 0 and len(texts[0]) <= 30 and all(boxes[i] for i in filled[1:])
        ):
            self.out.form_tables += 1
            return [None, *boxes[1:]] if boxes[0] is None else boxes
        first = texts[filled[0]]
        if len(filled) == 1 and len(first) <= 160:
            hit = self.vocab.section(first)
            if hit is not None:
                self.enter_section(hit)
                if self.box == "items":
                    self.out.form_tables += 1
                    return ["items"] * len(cells)
                return col_boxes
        if len(cells) >= 2 and filled[0] == 0 and len(first) <= 120:
            if self._label_row(cells, texts):
                return col_boxes
            box = boxes[0]
            if box is not None and self.section is not None:
                for cell in cells[1:]:
                    self.cell_items(self.section, box, cell)
                return col_boxes
            hit = self.vocab.section(first)
            if hit is not None and col_boxes is not None:
                self.enter_section(hit)
                for cell, b in zip(cells[1:], col_boxes[1:], strict=False):
                    if b is not None:
                        self.cell_items(hit.key, b, cell)
                return col_boxes
        if col_boxes is not None and self.section is not None:
            for cell, b in zip(cells, col_boxes, strict=False):
                if b is not None:
                    self.cell_items(self.section, "items" if self.box == "items" else b, cell)
            return col_boxes
        for cell in cells:
            self.walk(cell.blocks)
        return col_boxes

    def _label_row(self, cells: tuple[Cell, ...], texts: list[str]) -> bool:
        name = self._field_name(texts[0].rstrip(":"))
        if name is None and self.ocr:
            # A scan's dust read as a short word after a label cell's text ("Date oe").
            words = texts[0].split()
            while name is None and len(words) > 1 and _OCR_SPECK.match(words[-1]):
                words.pop()
                name = self._field_name(" ".join(words))
        if name is None:
            if self.section is None and not self.sign_off:
                hit = self.vocab.section(texts[0])
                value = " ".join(t for t in texts[1:] if t)
                # Part A as one row per service with a tick ("Community care | Yes");
                # a row whose cells hold sentences is a matrix row of items instead.
                if hit is not None and hit.key in self.vocab.collection.service_keys and len(value.split()) <= 3:
                    self.out.labels_seen.add("services")
                    if is_yes(value):
                        self.out.service_ticks.append(hit.key)
                    return True
            return False
        value = "\n".join(t for t in texts[1:] if t)
        if name == "signature" and any(c.has_figure for c in cells[1:]):
            self.out.signature_figure = True
        self.set_field(name, value)
        return True


def _chunks(p: Paragraph) -> list[tuple[str, bool]]:
    """Split a paragraph at soft line breaks that start a new bullet; else whole."""
    lines = [line for line in p.text.split("\n") if line.strip()]
    if len(lines) > 1 and sum(has_marker(line) for line in lines) >= 2:
        out: list[tuple[str, bool]] = []
        for line in lines:
            if has_marker(line) or not out:
                out.append((line, True))
            else:
                out[-1] = (f"{out[-1][0]} {line}", True)
        return out
    return [(p.text, p.list_item or has_marker(p.text))]


def _continues(previous: RawItem, text: str) -> bool:
    """An unmarked paragraph that carries on the previous item (a wrapped line)."""
    if text[:1].islower() or _CITATION_ONLY.match(text):
        return True
    return previous.marked and not _SENTENCE_END.search(previous.text)
