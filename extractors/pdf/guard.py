"""Cheap checks that make a hostile PDF fail fast, before pdfminer walks it.

pdfminer trusts the file: a reference that leads back to itself (object 4 is
`4 0 R`, or 6 is `7 0 R` and 7 is `6 0 R`) makes its `resolve1` spin forever; its page
list is built from every page object, however many there are; and a content stream
is inflated whole, so ~1 MB of deflate becomes 1 GB in memory. This module bounds all
three, and keeps the PDF libraries' log chatter off stderr:

    install_reference_loop_guard()   once, at import of extractors.pdf.reader:
                                     PDFObjRef.resolve follows a chain of references
                                     at most 32 hops, then raises ReferenceLoop (a
                                     pdfminer exception, so every caller's handling
                                     of damaged files applies); `resolve1` then
                                     always ends
    quiet_pdf_libraries()            pdfminer, pdfplumber and pypdf log to a
                                     NullHandler at ERROR and above only
    check_kids(data, limits)         before the file is opened: a /Kids array in the raw
                                     bytes listing more than twice the page limit is
                                     refused (DocumentTooLarge) without pdfminer parsing
                                     it (~45 us per entry: 100,000 pages took 5 s)
    check_structure(doc, limits)     -> page count, walking the page tree itself:
        a kid that is its own ancestor, or a reference loop in the tree or a page's
            inherited attributes        -> UnreadableDocument (loops back on itself)
        a declared /Count over the limit -> DocumentTooLarge (trusted only to refuse)
        more real pages than the limit   -> DocumentTooLarge, after limit + 1 pages,
                                           whatever /Count says
        a page whose content streams (and the form XObjects it draws) inflate past
            limits.max_stream_bytes     -> DocumentTooLarge; inflated in 1 MB steps
                                           and counted, never held
        an image declaring more than limits.max_image_pixels -> DocumentTooLarge

Streams are measured through chains of Flate, ASCIIHex and ASCII85 filters; a stream
with another filter (LZW, RunLength, an image codec) is not measured, and object or
cross-reference streams (which pdfminer inflates while opening the file) are not
either: for those the memory limit of the parse sandbox (pipeline.sandbox) is the
bound.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Iterator
from typing import Any

from pdfminer.pdfexceptions import PDFException
from pdfminer.pdftypes import (
    LITERALS_ASCII85_DECODE,
    LITERALS_ASCIIHEX_DECODE,
    LITERALS_FLATE_DECODE,
    PDFObjRef,
    PDFStream,
    resolve1,
)
from pdfminer.psparser import LIT

from core.errors import DocumentTooLarge, UnreadableDocument
from extractors.limits import Limits

__all__ = ["ReferenceLoop", "check_kids", "check_structure", "install_reference_loop_guard", "quiet_pdf_libraries"]

MAX_HOPS = 32  # references in a chain; a real file has one
MAX_TREE_NODES = 10_000  # page tree nodes visited (a 60-page tree has a few dozen)
MAX_FORM_DEPTH = 4  # form XObjects drawn inside form XObjects
LOOP_MESSAGE = "the PDF's page tree loops back on itself"
_PAGES, _PAGE = LIT("Pages"), LIT("Page")
_FORM, _IMAGE = LIT("Form"), LIT("Image")
_INHERITED = ("Resources", "MediaBox", "CropBox", "Rotate")
_STEP = 1 << 20
_KIDS = re.compile(rb"/Kids\s*\[")


class ReferenceLoop(PDFException):
    """A chain of indirect references that never reaches an object."""

    def __init__(self, objid: object) -> None:
        super().__init__(f"the PDF's objects refer to each other in a loop (object {objid})")


def install_reference_loop_guard() -> None:
    """Make PDFObjRef.resolve follow reference chains to their end, at most MAX_HOPS."""
    if getattr(PDFObjRef.resolve, "bounded", False):
        return
    follow = PDFObjRef.resolve

    def resolve(self: Any, default: object = None) -> Any:
        obj = follow(self, default)
        hops = 0
        while isinstance(obj, PDFObjRef):
            hops += 1
            if hops > MAX_HOPS:
                raise ReferenceLoop(self.objid)
            obj = follow(obj, default)
        return obj

    resolve.bounded = True  # type: ignore[attr-defined]
    PDFObjRef.resolve = resolve  # type: ignore[method-assign]


def quiet_pdf_libraries() -> None:
    """No warning from a PDF library reaches stderr (Python's last-resort handler
    prints WARNING records when no handler is configured): a bad PDF gives one line."""
    for name in ("pdfminer", "pdfplumber", "pypdf"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.ERROR)
        if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
            logger.addHandler(logging.NullHandler())


def check_kids(data: bytes, limits: Limits) -> None:
    """Refuse a PDF whose raw bytes hold a page-tree node listing more than twice the
    page limit (kids in compressed object streams are left to `check_structure`)."""
    bound = limits.max_pages * 2
    for seen, match in enumerate(_KIDS.finditer(data)):
        if seen > MAX_TREE_NODES:
            raise DocumentTooLarge(f"the PDF's page tree has more than {MAX_TREE_NODES:,} nodes")
        end = data.find(b"]", match.end())
        kids = data.count(b"R", match.end(), end if end >= 0 else len(data))
        if kids > bound:
            raise DocumentTooLarge(f"{kids:,} pages is over the {limits.max_pages}-page limit for a return")


def check_structure(doc: Any, limits: Limits) -> int:
    """The number of pages of the pdfminer `doc`, refused early if hostile (see module)."""
    try:
        return _Walk(doc, limits).count()
    except ReferenceLoop as err:
        raise UnreadableDocument(LOOP_MESSAGE) from err


class _Walk:
    def __init__(self, doc: Any, limits: Limits) -> None:
        self.doc = doc
        self.limits = limits
        self.pages = 0
        self.checked: set[int] = set()  # form XObjects already measured

    def count(self) -> int:
        root = self.doc.catalog.get("Pages")
        declared = _resolve(_dict(resolve1(root)).get("Count")) if root is not None else None
        limit = self.limits.max_pages
        if isinstance(declared, int) and declared > limit:
            raise DocumentTooLarge(f"{declared} pages is over the {limit}-page limit for a return")
        if root is not None:
            for page in self._tree(root):
                self._page(page, declared)
        if self.pages == 0:
            for page in self._loose_pages():  # pdfminer's fallback when the tree has none
                self._page(page, declared)
        return self.pages

    def _tree(self, root: object) -> Iterator[dict[str, Any]]:
        """Page dictionaries in order, each carrying its inherited attributes."""
        stack: list[tuple[object, dict[str, Any], frozenset[object]]] = [(root, {}, frozenset())]
        seen: set[object] = set()
        while stack:
            ref, inherited, ancestors = stack.pop()
            key = ref.objid if isinstance(ref, PDFObjRef) else id(ref)
            if key in ancestors:
                raise UnreadableDocument(LOOP_MESSAGE)
            if key in seen:
                continue  # listed twice: pdfminer reads it once
            seen.add(key)
            if len(seen) > MAX_TREE_NODES:
                raise DocumentTooLarge(f"the PDF's page tree has more than {MAX_TREE_NODES:,} nodes")
            node = _dict(resolve1(ref))
            merged = {**inherited, **{k: node[k] for k in _INHERITED if k in node}}
            kind = node.get("Type", node.get("type"))
            if kind is _PAGES and "Kids" in node:
                kids = _resolve(node["Kids"])
                if isinstance(kids, list):
                    below = ancestors | {key}
                    stack.extend((kid, merged, below) for kid in reversed(kids))
            elif kind is _PAGE:
                yield merged | {"Contents": node.get("Contents")}

    def _loose_pages(self) -> Iterator[dict[str, Any]]:
        scanned = 0
        for xref in self.doc.xrefs:
            for objid in xref.get_objids():
                scanned += 1
                if scanned > MAX_TREE_NODES * 10:
                    raise DocumentTooLarge("the PDF has no page tree and too many objects to search for pages")
                try:
                    obj = self.doc.getobj(objid)
                except (PDFException, KeyError, ValueError):
                    continue
                if isinstance(obj, dict) and obj.get("Type") is _PAGE:
                    yield obj

    def _page(self, page: dict[str, Any], declared: object) -> None:
        self.pages += 1
        limit = self.limits.max_pages
        if self.pages > limit:
            says = ""
            if isinstance(declared, int):
                says = f"says it has {declared} page{'' if declared == 1 else 's'} but "
            raise DocumentTooLarge(
                f"the PDF {says}holds more than {limit} pages, over the {limit}-page limit for a return"
            )
        for key in ("MediaBox", "CropBox", "Rotate"):
            _resolve(page.get(key))  # a loop here would spin pdfminer's PDFPage
        where = f"page {self.pages}"
        contents = _resolve(page.get("Contents"))
        streams = contents if isinstance(contents, list) else [contents]
        size = sum(self._measure(resolve1(s), where) for s in streams)
        size += self._resources(_dict(resolve1(page.get("Resources"))), where, 0)
        if size > self.limits.max_stream_bytes:
            raise self._too_big(where)

    def _resources(self, resources: dict[str, Any], where: str, depth: int) -> int:
        """Inflated size of the form XObjects `resources` names (and their forms)."""
        size = 0
        for ref in _dict(resolve1(resources.get("XObject"))).values():
            xobject = resolve1(ref)
            if not isinstance(xobject, PDFStream):
                continue
            subtype = resolve1(xobject.get("Subtype"))
            if subtype is _IMAGE:
                self._image(xobject, where)
            elif subtype is _FORM and depth < MAX_FORM_DEPTH and id(xobject) not in self.checked:
                self.checked.add(id(xobject))
                size += self._measure(xobject, where)
                size += self._resources(_dict(resolve1(xobject.get("Resources"))), where, depth + 1)
        return size

    def _image(self, image: PDFStream, where: str) -> None:
        width, height = resolve1(image.get("Width")), resolve1(image.get("Height"))
        if isinstance(width, int) and isinstance(height, int) and width * height > self.limits.max_image_pixels:
            raise DocumentTooLarge(
                f"{where} holds an image of {width:,} x {height:,} pixels, over the limit of "
                f"{self.limits.max_image_pixels:,} pixels"
            )

    def _measure(self, stream: object, where: str) -> int:
        """Inflated size of one stream (0 when it cannot be measured cheaply)."""
        if not isinstance(stream, PDFStream):
            return 0
        if stream.data is not None:
            return len(stream.data)
        data = stream.rawdata or b""
        if stream.decipher is not None and stream.objid is not None and stream.genno is not None:
            data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
        budget = self.limits.max_stream_bytes
        filters = [f for f, _ in stream.get_filters()]
        size = len(data)
        for index, name in enumerate(filters):
            last = index == len(filters) - 1
            if name in LITERALS_FLATE_DECODE:
                size, data = _inflate(data, budget, keep=not last)
                if size > budget:
                    raise self._too_big(where)
            elif name in LITERALS_ASCIIHEX_DECODE or name in LITERALS_ASCII85_DECODE:
                size = len(data) // 2 if name in LITERALS_ASCIIHEX_DECODE else len(data)  # no larger
                if not last:
                    return 0  # a rare chain: left to the memory limit
            else:
                return 0
        return size

    def _too_big(self, where: str) -> DocumentTooLarge:
        return DocumentTooLarge(
            f"{where}'s content inflates to more than {self.limits.max_stream_bytes:,} bytes; "
            "refused as a likely decompression bomb"
        )


def _inflate(data: bytes, budget: int, keep: bool) -> tuple[int, bytes]:
    """(inflated size, inflated bytes if `keep`), inflating in steps and stopping once
    past `budget`; a damaged stream counts what inflates before the damage."""
    inflater = zlib.decompressobj()
    size, kept = 0, []
    try:
        while data and size <= budget:
            out = inflater.decompress(data, _STEP)
            size += len(out)
            if keep:
                kept.append(out)
            if inflater.eof or (not out and inflater.unconsumed_tail == data):
                break
            data = inflater.unconsumed_tail
    except zlib.error:
        pass
    return size, b"".join(kept) if keep and size <= budget else b""


def _resolve(value: object) -> object:
    """`value` resolved, and the elements of an array too (a /MediaBox of references)."""
    value = resolve1(value)
    if isinstance(value, list):
        for item in value[:16]:
            resolve1(item)
    return value


def _dict(value: object) -> dict[str, Any]:
    if isinstance(value, PDFStream):
        return dict(value.attrs)
    return value if isinstance(value, dict) else {}
