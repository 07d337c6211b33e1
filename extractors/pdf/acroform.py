"""Fillable PDF forms: read the AcroForm field values into a synthetic form document.

A filled fillable form keeps its answers in the AcroForm dictionary, not in the page
text: with NeedAppearances set and no appearance streams the pages can show nothing at
all. So a form is read from its fields, and rebuilt as the block model of the official
form, so that the shared interpreter (`extractors.interpret`) reads it exactly as it
reads the Word template:

    Paragraph  "Changing Lives self assessment return"
    Paragraph  "Part A: About your organisation"            heading 1
    Table      Name of organisation | value                 label/value rows
               Type of organisation | value
               Services provided    | "☒ Children and families   ☐ Community care ..."
               Contact name / Contact email / Contact telephone | value
    Paragraph  "Section 1: Children and families"           heading 1, per section
    Table      Strengths | Priorities for change           header row
               one Paragraph per line | one Paragraph per line
    Paragraph  "Section 5: Priority issues for the national change programmes"
    Table      Issues you would like the national change programmes to address
               one Paragraph per line
    Paragraph  "Sign-off"                                  heading 1
    Table      Signature / Name / Position / Date | value

Field names are mapped with the collection's `[acroform_fields]` table (the official
form). Forms made with other tools name their fields differently, so any other field
is matched by its name, its partial name and its tooltip (/TU) against the collection's
`[labels]` variants, section headings and numbers, and box names: "Section 2 Community
care - Strengths", "CommunityCare_Priorities", "Name of organisation", "OrgType"...
Fields matching nothing are kept in `Document.fields` only. Several fields mapping to
one box are joined in form order (a box split into one field per line).

Text is kept as written; bullets and "N/A" are the interpreter's business.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from typing import Any

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject

from core.errors import EncryptedDocument
from extractors.document import Block, Cell, Document, Paragraph, Table
from extractors.pdf.acroform_map import FieldMapper, FormField
from schemas import Collection

__all__ = ["FormField", "form_fields", "read_acroform"]

CHECKED = "☒"
UNCHECKED = "☐"
ITEMS_HEADER = "Issues you would like the national change programmes to address"

_FF_RADIO = 1 << 15
_FF_PUSHBUTTON = 1 << 16
_MAX_FIELDS = 5000  # nodes visited; the official form has 21
_MAX_DEPTH = 32
# pypdf raises these on damaged files besides its own PyPdfError.
_PARSE_ERRORS = (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
                 OSError, RecursionError, UnicodeError, AssertionError)


def read_acroform(data: bytes, collection: Collection) -> Document | None:
    """The filled form in `data` as a synthetic form `Document`, or None.

    None means "read the text layer instead": the PDF has no AcroForm, none of the
    fields that map to the form holds a value, or pypdf cannot parse the file (the
    text-layer reader then reports the damage in its own words).
    Raises EncryptedDocument when the PDF needs a password to open.
    """
    with warnings.catch_warnings():
        # pypdf warns about every oddity of a damaged file; none changes the outcome.
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            _decrypt(reader)
            fields = form_fields(reader)
            pages = len(reader.pages)
        except EncryptedDocument:
            raise
        except FileNotDecryptedError as err:
            raise EncryptedDocument("the PDF is encrypted and needs a password to open") from err
        except DependencyError:
            return None  # e.g. AES without the crypto package: let the text reader try
        except _PARSE_ERRORS:
            return None
    return build_document(fields, collection, pages)


def _decrypt(reader: PdfReader) -> None:
    if reader.is_encrypted and not reader.decrypt(""):
        raise EncryptedDocument("the PDF is encrypted and needs a password to open")


def form_fields(reader: PdfReader) -> list[FormField]:
    """Every terminal field of the AcroForm, in form order (empty when there is none)."""
    root = reader.trailer["/Root"].get_object()
    if not isinstance(root, DictionaryObject):
        return []
    acroform = root.get("/AcroForm")
    if acroform is None:
        return []
    acroform = acroform.get_object()
    if not isinstance(acroform, DictionaryObject):
        return []
    top = acroform.get("/Fields")
    top = top.get_object() if top is not None else None
    if not isinstance(top, ArrayObject):
        return []
    seen: set[int] = set()
    return list(_walk(top, "", {}, seen, 0))


def _walk(
    nodes: ArrayObject, parent: str, inherited: dict[str, Any], seen: set[int], depth: int
) -> Iterator[FormField]:
    if depth > _MAX_DEPTH:
        return
    for ref in nodes:
        node = ref.get_object()
        if not isinstance(node, DictionaryObject) or id(node) in seen:
            continue
        seen.add(id(node))
        if len(seen) > _MAX_FIELDS:
            return
        partial = _text(node.get("/T"))
        name = f"{parent}.{partial}" if parent and partial else partial or parent
        attrs = dict(inherited)
        for key in ("/FT", "/Ff", "/V", "/Opt"):
            if key in node:
                attrs[key] = node[key]
        kids_obj = node.get("/Kids")
        kids = kids_obj.get_object() if kids_obj is not None else None
        kids = kids if isinstance(kids, ArrayObject) else ArrayObject()
        field_kids = ArrayObject(k for k in kids if _is_field(k.get_object()))
        if field_kids:
            yield from _walk(field_kids, name, attrs, seen, depth + 1)
            continue
        widgets = [k.get_object() for k in kids] or [node]
        yield _field(node, name, partial, attrs, widgets)


def _is_field(obj: Any) -> bool:
    """A kid with a /T is a field of its own; one without is a widget (an appearance)."""
    return isinstance(obj, DictionaryObject) and "/T" in obj


def _field(
    node: DictionaryObject,
    name: str,
    partial: str,
    attrs: dict[str, Any],
    widgets: list[Any],
) -> FormField:
    ftype = str(attrs.get("/FT", ""))
    flags = _int(attrs.get("/Ff"))
    raw = attrs.get("/V")
    raw = raw.get_object() if raw is not None else None
    tooltip = _text(node.get("/TU"))
    if ftype == "/Btn":
        if flags & _FF_PUSHBUTTON:
            return FormField(name, partial, tooltip, "other", "")
        kind = "radio" if flags & _FF_RADIO else "checkbox"
        value = _name(raw) if raw is not None else ""
        if value.lower() in ("", "off"):
            # Some tools set only the widget's appearance state (/AS), not /V.
            states = [_name(w.get("/AS")) for w in widgets if isinstance(w, DictionaryObject)]
            value = next((s for s in states if s.lower() not in ("", "off")), value)
        return FormField(name, partial, tooltip, kind, _export(value, attrs.get("/Opt")))
    if ftype == "/Ch":
        return FormField(name, partial, tooltip, "choice", _choice(raw, attrs.get("/Opt")))
    if ftype == "/Sig":
        signer = _text(raw.get("/Name")) if isinstance(raw, DictionaryObject) else ""
        value = signer or ("digitally signed" if raw is not None else "")
        return FormField(name, partial, tooltip, "signature", value)
    kind = "text" if ftype == "/Tx" else "other"
    return FormField(name, partial, tooltip, kind, _text(raw))


def _int(obj: Any) -> int:
    try:
        return int(obj.get_object()) if obj is not None else 0
    except (TypeError, ValueError):
        return 0


def _text(obj: Any) -> str:
    """A text value as str: text strings, byte strings, rich-text streams, names."""
    if obj is None:
        return ""
    obj = obj.get_object() if hasattr(obj, "get_object") else obj
    if isinstance(obj, StreamObject):
        obj = obj.get_data()
    if isinstance(obj, NameObject):
        return _name(obj)
    if isinstance(obj, bytes):
        return _decode(obj)
    if isinstance(obj, str):
        return str(obj)
    if isinstance(obj, ArrayObject):
        return "\n".join(t for t in (_text(o) for o in obj) if t)
    return ""


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xfe\xff", b"\xff\xfe")):
        return raw.decode("utf-16", "replace")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _name(obj: Any) -> str:
    """A button state such as /Yes as "Yes" (also accepts a plain string)."""
    if obj is None:
        return ""
    obj = obj.get_object() if hasattr(obj, "get_object") else obj
    if isinstance(obj, bytes):
        obj = _decode(obj)
    if not isinstance(obj, str):
        return ""
    return str(obj).removeprefix("/")


def _export(value: str, opt: Any) -> str:
    """A button's export value; /Opt replaces index states ("0", "1") with text."""
    opts = opt.get_object() if opt is not None else None
    if value.isdigit() and isinstance(opts, ArrayObject) and int(value) < len(opts):
        return _text(opts[int(value)]) or value
    return value


def _choice(raw: Any, opt: Any) -> str:
    """A list or combo box value, export values shown by their display text."""
    values = [_text(v) for v in raw] if isinstance(raw, ArrayObject) else [_text(raw)]
    display: dict[str, str] = {}
    opts = opt.get_object() if opt is not None else None
    if isinstance(opts, ArrayObject):
        for entry in opts:
            entry = entry.get_object()
            if isinstance(entry, ArrayObject) and len(entry) == 2:
                display[_text(entry[0])] = _text(entry[1])
    return "\n".join(display.get(v, v) for v in values if v)


def build_document(fields: list[FormField], collection: Collection, pages: int) -> Document | None:
    """The synthetic form document for `fields`, or None when no mapped field is filled."""
    mapper = FieldMapper(collection)
    values: dict[str, list[str]] = {}
    ticks: dict[str, bool] = {}
    for f in fields:
        target = mapper.target(f)
        if target is None:
            continue
        if target.startswith("services."):
            key = target.removeprefix("services.")
            ticks[key] = ticks.get(key, False) or f.filled
            continue
        value = mapper.value(f, target)
        if value:
            values.setdefault(target, []).append(value)
    if not values and not any(ticks.values()):
        return None
    blocks = _form_blocks(collection, values, ticks)
    return Document(
        blocks=blocks,
        media_type="application/pdf",
        pages=pages,
        ocr=False,
        fields={f.name: f.value for f in fields if f.name and f.filled},
    )


def _form_blocks(
    collection: Collection, values: dict[str, list[str]], ticks: dict[str, bool]
) -> tuple[Block, ...]:
    labels = collection.labels

    def label(key: str) -> str:
        variants: tuple[str, ...] = getattr(labels, key)
        return variants[0][:1].upper() + variants[0][1:]

    def cell(target: str) -> Cell:
        text = "\n".join(values.get(target, []))
        return Cell(tuple(Paragraph(line) for line in text.splitlines() if line.strip()))

    def row(key: str, value: Cell) -> tuple[Cell, ...]:
        return (Cell((Paragraph(label(key)),)), value)

    services = cell("services")
    if ticks:
        boxes = "   ".join(
            f"{CHECKED if ticks.get(s.key) else UNCHECKED} {s.title}"
            for s in collection.sections
            if s.service
        )
        services = Cell((Paragraph(boxes), *services.blocks))
    blocks: list[Block] = [
        Paragraph(collection.title, bold=True),
        Paragraph("Part A: About your organisation", heading=1),
        Table(
            (
                row("organisation_name", cell("organisation_name")),
                row("organisation_type", cell("organisation_type")),
                row("services", services),
                row("contact_name", cell("contact_name")),
                row("contact_email", cell("contact_email")),
                row("contact_phone", cell("contact_phone")),
            )
        ),
    ]
    strengths, priorities = (
        collection.boxes.strengths[0].capitalize(),
        collection.boxes.priorities[0].capitalize(),
    )
    for section in collection.sections:
        blocks.append(Paragraph(f"Section {section.number}: {section.title}", heading=1))
        if section.kind == "items":
            header_cell = Cell((Paragraph(ITEMS_HEADER),))
            blocks.append(Table(((header_cell,), (cell(f"{section.key}.items"),))))
            continue
        header = (Cell((Paragraph(strengths),)), Cell((Paragraph(priorities),)))
        body = (cell(f"{section.key}.strengths"), cell(f"{section.key}.priorities"))
        blocks.append(Table((header, body)))
    blocks.append(Paragraph("Sign-off", heading=1))
    blocks.append(
        Table(
            (
                row("signature", cell("signature")),
                row("sign_name", cell("sign_name")),
                row("position", cell("position")),
                row("date", cell("date")),
            )
        )
    )
    return tuple(blocks)
