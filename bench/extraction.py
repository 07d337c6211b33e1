"""Extraction benchmark: our readers against the raw cost of the libraries they sit on.

    python bench/extraction.py [--quick] [--json OUT] [--no-pin]

Everything is measured in this one run, on this machine, so the ratios compare like
with like (the machine's noise hits both sides of a ratio alike):

* **Speed.** For every case, the median wall time over k repeats (after one warm-up
  call) of

  - *ours*: `extractors.extract(data, ExtractContext.build(name, limits=...))`, the whole path from bytes
    to the canonical record (detection, reader, layout, interpretation); the reader
    alone (`extractors.read`) is shown beside it;
  - *raw*: the library on the same bytes: `docx.Document(BytesIO(data))` for Word;
    `pdfplumber.open` + `page.extract_text()` for every page (each page closed) for
    text-layer PDFs; `pytesseract.image_to_string` on every page image, taken at the
    resolution our OCR uses (`extractors.ocr.reader.page_image`), for scans.

  Targets: typed Word and text-layer PDF within 1.5x of raw; scanned at most 3 s a
  page on one core. The bench pins itself (and so Tesseract, its child) to one CPU
  and sets ``OMP_THREAD_LIMIT=1``; scans also report CPU time (ours plus children's).
  The .doc sample's LibreOffice conversion is reported on its own line: it is a
  separate program, outside the 1.5x target.

* **Memory.** Peak RSS (``ru_maxrss``) of a fresh child process per case that reads
  a generated N-page text PDF from disk and extracts it (ours) or runs pdfplumber's
  all-pages text extraction (raw), N = 10, 50, 100, 300. The child's RSS after its
  imports and reading the file is the baseline; "extra" is the peak above it.
  Target: flat as pages grow (300-page / 10-page ratio near 1).

* **Refusal.** A 300-page PDF through the default limits (60 pages) must be refused
  with DocumentTooLarge before any page is parsed: its time is reported.

Generated documents: the official Word template filled with many items
(`tests.docs.FormFiller`), text-layer PDFs made with reportlab (the form's headings,
ruled tables of bullet items with a repeated header row, free bullet items, running
footer), and image-only scans built from the s002 sample's pages.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.docs (FormFiller) lives beside the package

SAMPLES = Path(os.environ.get("RETURNS_SAMPLES", str(ROOT.parent / "shared" / "samples")))
TYPED_TARGET = 1.5  # ours / raw, typed Word and text-layer PDF
SCAN_TARGET_S = 3.0  # seconds per page, one core
MEMORY_GROWTH_TARGET = 1.25  # peak RSS 300 pages / 10 pages; "flat" allowing allocator noise
BIG_LIMIT = 400  # max_pages for the generated long PDFs

os.environ["OMP_THREAD_LIMIT"] = "1"


# -- measuring ----------------------------------------------------------------------


def median_ms(func: Callable[[], object], repeats: int) -> float:
    return interleaved([func], repeats)[0][0]


def interleaved(funcs: list[Callable[[], object]], repeats: int) -> list[tuple[float, float]]:
    """(median wall ms, median CPU ms) of each function, the calls taken in turn.

    Taking the functions in turn (a, b, a, b...) rather than one after the other
    means a burst of load from other processes hits both sides of a ratio alike.
    CPU time is this process's plus its children's (Tesseract, LibreOffice).
    """
    walls: list[list[float]] = [[] for _ in funcs]
    cpus: list[list[float]] = [[] for _ in funcs]
    for _ in range(repeats):
        for i, func in enumerate(funcs):
            cpu0, child0 = time.process_time(), children_cpu()
            start = time.perf_counter()
            func()
            walls[i].append(time.perf_counter() - start)
            cpus[i].append(time.process_time() - cpu0 + children_cpu() - child0)
    return [(statistics.median(w) * 1000, statistics.median(c) * 1000) for w, c in zip(walls, cpus, strict=True)]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Row:
    case: str
    fmt: str
    pages: int | None
    ours_ms: float
    read_ms: float | None
    raw_ms: float
    target: str
    passed: bool | None  # None: reported, no target
    ratio: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class MemRow:
    pages: int
    ours_peak_mb: float
    ours_extra_mb: float
    ours_s: float
    raw_peak_mb: float
    raw_extra_mb: float
    raw_s: float


# -- generated documents ------------------------------------------------------------

_SECTIONS = [
    "Section 1: Children and families",
    "Section 2: Community care",
    "Section 3: Criminal justice",
    "Section 4: Social work services as a whole",
]
_REFERENCE = (
    "Relevant recommendations (for reference): R1 person-centred services; R2 building "
    "capacity; R3 prevention and earlier intervention; R4 whole public sector approach; "
    "R5 managing risk."
)
_FOOTER = (
    "Return to the Social Work Services Policy Division, Scottish Executive, Victoria Quay, "
    "Edinburgh EH6 6QQ by 31 October 2006"
)


def _item(n: int) -> str:
    return (
        f"Item {n}: we will extend the local partnership work on early intervention so that "
        f"families are offered support before a crisis, reviewed every quarter (R{n % 12 + 1})."
    )


def text_pdf(pages: int) -> bytes:
    """A return-like text-layer PDF of exactly `pages` pages (Part A, sections, sign-off)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table

    if pages < 3:
        raise ValueError("at least 3 pages: Part A, one section page, sign-off")
    styles = getSampleStyleSheet()
    body, head, title = styles["BodyText"], styles["Heading2"], styles["Title"]
    grid = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    header = [("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold")]

    def table(rows: list[list[Any]], widths: list[float], style: list[Any]) -> Table:
        return Table(rows, colWidths=widths, style=style, repeatRows=0)

    story: list[Any] = [
        Paragraph("Changing Lives: Self Assessment Return", title),
        Paragraph("Annex C - to be returned by 31 October 2006", body),
        Paragraph("Part A: About your organisation", head),
        table(
            [
                ["Name of organisation", "Pentland Recovery Trust"],
                ["Type of organisation", "Voluntary organisation"],
                ["Services provided (tick all that apply)", "☒ Community care  ☒ Criminal justice"],
                ["Contact name", "L Anderson"],
                ["Contact email", "linda.anderson@pentland-recovery.org.example"],
                ["Contact telephone", "0131 496 0000"],
            ],
            [200, 270],
            grid,
        ),
        PageBreak(),
    ]
    n = 0
    for page in range(pages - 2):
        story.append(Paragraph(_SECTIONS[page % len(_SECTIONS)], head))
        story.append(Paragraph(_REFERENCE, body))
        rows: list[list[Any]] = [["Strengths", "Priorities for change"]]
        for _ in range(5):
            left, right = Paragraph(f"• {_item(n + 1)}", body), Paragraph(f"• {_item(n + 2)}", body)
            rows.append([left, right])
            n += 2
        story.append(table(rows, [235, 235], grid + header))
        story.append(Spacer(1, 8))
        for _ in range(3):
            n += 1
            story.append(Paragraph(f"• {_item(n)}", body))
        story.append(PageBreak())
    story += [
        Paragraph("Sign-off", head),
        table(
            [["Signature", "/s/ L Anderson"], ["Name", "L Anderson"], ["Position", "Director"], ["Date", "02/09/2006"]],
            [200, 270],
            grid,
        ),
    ]

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(72, 40, _FOOTER)
        canvas.drawString(72, 30, f"Page {doc.page}")
        canvas.restoreState()

    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build(story, onFirstPage=footer, onLaterPages=footer)
    data = out.getvalue()
    count = pdf_pages(data)
    if count != pages:
        raise RuntimeError(f"generated {count} pages, wanted {pages}")
    return data


def pdf_pages(data: bytes) -> int:
    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def long_docx(items_per_box: int) -> bytes:
    """The official template with `items_per_box` bullet items in every box."""
    from tests.factories.forms import FormFiller

    def items(tag: str) -> list[str]:
        return [f"{tag} {i}: {_item(i)}" for i in range(1, items_per_box + 1)]

    form = FormFiller().part_a(
        "Pentland Recovery Trust",
        "Voluntary organisation",
        "☒ Community care",
        "L Anderson",
        "linda.anderson@pentland-recovery.org.example",
        "0131 496 0000",
    )
    for section in ("children_families", "community_care", "criminal_justice", "whole_service"):
        form.strengths(section, items("Strength"), "List Bullet")
        form.priorities(section, items("Priority"), "List Bullet")
    form.national(items("Issue"), "List Bullet")
    form.sign("/s/ L Anderson", "L Anderson", "Director", "02/09/2006")
    return form.bytes()


def repeated_scan(data: bytes, times: int) -> bytes:
    """The scan's pages `times` over, as one image-only PDF."""
    import pypdf

    writer = pypdf.PdfWriter()
    for _ in range(times):
        writer.append(pypdf.PdfReader(io.BytesIO(data)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# -- raw library baselines ------------------------------------------------------------


def raw_docx(data: bytes) -> None:
    import docx

    docx.Document(io.BytesIO(data))


def raw_pdf_text(data: bytes) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.close()


def scan_images(data: bytes) -> list[Any]:
    """Page images exactly as our OCR takes them (embedded scan or `ocr_dpi` render)."""
    import pypdfium2 as pdfium

    from extractors.limits import Limits
    from extractors.ocr.reader import page_image

    pdf = pdfium.PdfDocument(data)
    try:
        return [page_image(pdf, n, Limits())[0] for n in range(1, len(pdf) + 1)]
    finally:
        pdf.close()


def raw_tesseract(images: list[Any]) -> None:
    import pytesseract

    from extractors.ocr.reader import PSM

    for image in images:
        pytesseract.image_to_string(image, lang="eng", config=f"--psm {PSM}")


# -- cases ----------------------------------------------------------------------------


def typed_case(case: str, fmt: str, data: bytes, repeats: int, pages: int | None) -> Row:
    from extractors import ExtractContext, extract, read
    from extractors.limits import Limits

    limits = Limits(max_pages=BIG_LIMIT)
    raw = raw_docx if fmt == "docx" else raw_pdf_text
    extract(data, ExtractContext.build(case, limits=limits))  # warm-up: imports, caches
    raw(data)
    (ours_ms, ours_cpu), (read_ms, _), (raw_ms, raw_cpu) = interleaved(
        [
            lambda: extract(data, ExtractContext.build(case, limits=limits)),
            lambda: read(data, ExtractContext.build(case, limits=limits)),
            lambda: raw(data),
        ],
        repeats,
    )
    ratio = ours_ms / raw_ms
    return Row(
        case,
        fmt,
        pages,
        ours_ms,
        read_ms,
        raw_ms,
        f"<= {TYPED_TARGET}x",
        ratio <= TYPED_TARGET,
        ratio,
        {"cpu_ratio": ours_cpu / raw_cpu},
    )


def acroform_case(case: str, data: bytes, repeats: int) -> Row:
    """A filled fillable PDF is read from its fields (pypdf); raw is still pdfplumber."""
    row = typed_case(case, "pdf-acroform", data, repeats, pdf_pages(data))
    return row


def legacy_case(case: str, data: bytes, repeats: int) -> list[Row]:
    """.doc: the whole extract and LibreOffice's conversion alone, then the converted
    .docx as a typed Word case. The conversion is another program (a process start
    and a document render), outside the 1.5x target."""
    from extractors import ExtractContext, extract
    from extractors.detect import DOC
    from extractors.limits import Limits
    from extractors.word.legacy import convert_to_docx

    extract(data, ExtractContext.build(case))  # warm-up (LibreOffice's first start is slower)
    (ours_ms, _), (convert_ms, _) = interleaved(
        [lambda: extract(data, ExtractContext.build(case)), lambda: convert_to_docx(data, DOC, Limits())], repeats
    )
    converted = typed_case(f"{case} -> .docx", "docx", convert_to_docx(data, DOC, Limits()), repeats, None)
    whole = Row(
        f"{case} (read ms = LibreOffice alone)",
        "doc",
        None,
        ours_ms,
        convert_ms,
        converted.raw_ms,
        "outside 1.5x",
        None,
        ours_ms / converted.raw_ms,
    )
    return [whole, converted]


def scan_case(case: str, data: bytes, repeats: int) -> Row:
    """Ours against Tesseract alone on the same page images; CPU includes children."""
    from extractors import ExtractContext, extract

    pages = pdf_pages(data)
    images = scan_images(data)
    (wall, cpu), (raw_wall, raw_cpu) = interleaved(
        [lambda: extract(data, ExtractContext.build(case)), lambda: raw_tesseract(images)], repeats
    )
    per_page_cpu = cpu / 1000 / pages
    return Row(
        case,
        "pdf-scan",
        pages,
        wall,
        None,
        raw_wall,
        f"<= {SCAN_TARGET_S:.0f} s/page",
        per_page_cpu <= SCAN_TARGET_S,
        wall / raw_wall,
        {
            "s_per_page_wall": wall / 1000 / pages,
            "s_per_page_cpu": per_page_cpu,
            "raw_s_per_page_wall": raw_wall / 1000 / pages,
            "raw_s_per_page_cpu": raw_cpu / 1000 / pages,
            "cpu_ratio": cpu / raw_cpu,
            "image_px": [list(im.size) for im in images],
        },
    )


def refusal_case(data: bytes, repeats: int) -> Row:
    """A 300-page PDF under the default limits: refused before any page is parsed."""
    from core.errors import DocumentTooLarge
    from extractors import ExtractContext, extract

    def refuse() -> None:
        try:
            extract(data, ExtractContext.build("big.pdf"))
        except DocumentTooLarge:
            return
        raise AssertionError("a 300-page PDF was not refused under the default limits")

    refuse()
    (ms, _), (open_ms, _) = interleaved([refuse, lambda: pdf_open_only(data)], repeats)
    return Row(
        "300-page PDF, default limits -> refused",
        "pdf",
        pdf_pages(data),
        ms,
        None,
        open_ms,
        "refused < 1 s",
        ms < 1000,
        ms / open_ms,
        {"raw": "pdfplumber.open + len(pdf.pages) only"},
    )


def pdf_open_only(data: bytes) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        len(pdf.pages)


# -- memory (fresh child process per case) ----------------------------------------

_CHILD = r"""
import json, resource, sys, time
mode, path, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
import io, pdfplumber
if mode == "ours":
    from extractors import ExtractContext, extract
    from extractors.limits import Limits
    import extractors.pdf.reader, extractors.interpret
    from schemas import load_collection
    load_collection()
def hwm():
    # VmHWM: ru_maxrss keeps the parent's peak across fork+exec on Linux
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
data = open(path, "rb").read()
base = hwm()
start = time.perf_counter()
if mode == "ours":
    extract(data, ExtractContext.build("long.pdf", limits=Limits(max_pages=limit)))
else:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.close()
seconds = time.perf_counter() - start
peak = hwm()
print(json.dumps({"base_kb": base, "peak_kb": peak, "seconds": seconds}))
"""


def child_peak(mode: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(path), str(BIG_LIMIT)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def memory_rows(sizes: list[int], docs: dict[int, bytes], folder: Path) -> list[MemRow]:
    rows = []
    for pages in sizes:
        path = folder / f"long-{pages}.pdf"
        path.write_bytes(docs[pages])
        ours, raw = child_peak("ours", path), child_peak("raw", path)
        rows.append(
            MemRow(
                pages,
                ours["peak_kb"] / 1024,
                (ours["peak_kb"] - ours["base_kb"]) / 1024,
                ours["seconds"],
                raw["peak_kb"] / 1024,
                (raw["peak_kb"] - raw["base_kb"]) / 1024,
                raw["seconds"],
            )
        )
        print(
            f"  memory {pages:>3} pages: ours {rows[-1].ours_peak_mb:.0f} MB, raw {rows[-1].raw_peak_mb:.0f} MB",
            file=sys.stderr,
        )
    return rows


# -- report ---------------------------------------------------------------------------


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def print_speed(rows: list[Row]) -> None:
    head = ["case", "format", "pages", "ours ms", "read ms", "raw ms", "ratio", "CPU ratio", "target", "result"]
    table = [head]
    for r in rows:
        result = "n/a" if r.passed is None else ("pass" if r.passed else "FAIL")
        cpu = r.extra.get("cpu_ratio")
        table.append(
            [
                r.case,
                r.fmt,
                _fmt(r.pages, "d"),
                _fmt(r.ours_ms),
                _fmt(r.read_ms),
                _fmt(r.raw_ms),
                _fmt(r.ratio, ".2f") + ("x" if r.ratio else ""),
                _fmt(cpu, ".2f") + ("x" if cpu else ""),
                r.target,
                result,
            ]
        )
    _print_table(table, right={2, 3, 4, 5, 6, 7})
    scans = [r for r in rows if r.fmt == "pdf-scan"]
    if scans:
        print()
        _print_table(
            [
                [
                    "scan (one core)",
                    "pages",
                    "ours s/page wall",
                    "ours s/page CPU",
                    "Tesseract s/page wall",
                    "Tesseract s/page CPU",
                    "image px",
                ]
            ]
            + [
                [
                    r.case,
                    str(r.pages),
                    _fmt(r.extra["s_per_page_wall"], ".2f"),
                    _fmt(r.extra["s_per_page_cpu"], ".2f"),
                    _fmt(r.extra["raw_s_per_page_wall"], ".2f"),
                    _fmt(r.extra["raw_s_per_page_cpu"], ".2f"),
                    " ".join(f"{w}x{h}" for w, h in r.extra["image_px"][:3]),
                ]
                for r in scans
            ],
            right={1, 2, 3, 4, 5},
        )


def print_memory(rows: list[MemRow]) -> None:
    table = [["pages", "ours peak MB", "ours extra MB", "ours s", "raw peak MB", "raw extra MB", "raw s"]]
    for m in rows:
        table.append(
            [
                str(m.pages),
                _fmt(m.ours_peak_mb),
                _fmt(m.ours_extra_mb),
                _fmt(m.ours_s, ".2f"),
                _fmt(m.raw_peak_mb),
                _fmt(m.raw_extra_mb),
                _fmt(m.raw_s, ".2f"),
            ]
        )
    _print_table(table, right=set(range(7)))
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        ours = last.ours_peak_mb / first.ours_peak_mb
        raw = last.raw_peak_mb / first.raw_peak_mb
        verdict = "pass" if ours <= MEMORY_GROWTH_TARGET else "FAIL"
        print(
            f"peak RSS growth {last.pages}/{first.pages} pages: ours {ours:.2f}x "
            f"(extra {last.ours_extra_mb:.1f} vs {first.ours_extra_mb:.1f} MB), "
            f"raw pdfplumber {raw:.2f}x; target <= {MEMORY_GROWTH_TARGET}x: {verdict}"
        )


def _print_table(rows: list[list[str]], right: set[int]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, r in enumerate(rows):
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        print("  ".join(cells).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


# -- main -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and cases (< ~2 min)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to one CPU")
    args = parser.parse_args(argv)

    if not args.no_pin and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    typed_k, scan_k = (3, 1) if args.quick else (5, 2)
    pdf_sizes = [3, 10] if args.quick else [3, 30, 60]
    mem_sizes = [10, 50] if args.quick else [10, 50, 100, 300]
    started = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr)

    rows: list[Row] = []
    for path in sorted(SAMPLES.glob("s0*")):
        if path.suffix == ".json":
            continue
        data, name = path.read_bytes(), path.name
        say(name)
        if "scanned" in name:
            rows.append(scan_case(name, data, scan_k))
        elif path.suffix == ".doc":
            rows += legacy_case(name, data, 1 if args.quick else 3)
        elif path.suffix == ".docx":
            rows.append(typed_case(name, "docx", data, typed_k, None))
        elif "acroform" in name:
            rows.append(acroform_case(name, data, typed_k))
        else:
            rows.append(typed_case(name, "pdf", data, typed_k, pdf_pages(data)))

    say("generated Word")
    items = 25 if args.quick else 60
    rows.append(
        typed_case(f"template, {items} items a box ({9 * items} items)", "docx", long_docx(items), typed_k, None)
    )
    say("generated PDFs")
    docs = {n: text_pdf(n) for n in sorted(set(pdf_sizes + mem_sizes + [300]))}
    for n in pdf_sizes:
        say(f"{n}-page PDF")
        rows.append(typed_case(f"generated {n}-page text PDF", "pdf", docs[n], typed_k if n < 60 else 3, n))
    say("refusal")
    rows.append(refusal_case(docs[300], typed_k))
    if not args.quick:
        say("6-page scan")
        scan = (SAMPLES / "s002-scanned-pdf.pdf").read_bytes()
        rows.append(scan_case("s002 pages twice (generated)", repeated_scan(scan, 2), 1))

    say("memory")
    with tempfile.TemporaryDirectory() as tmp:
        memory = memory_rows(mem_sizes, docs, Path(tmp))
    say("done")

    print(
        f"# returns extraction benchmark ({'--quick' if args.quick else 'full'}); "
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"pinned to {'all' if args.no_pin else 'one'} CPU, OMP_THREAD_LIMIT=1; "
        f"k={typed_k} typed, k={scan_k} scans (median)"
    )
    print()
    print_speed(rows)
    print()
    print(
        "Peak RSS of a fresh process extracting a generated text PDF (ours) vs pdfplumber's "
        "all-pages extract_text (raw); 'extra' = peak above the process after imports"
    )
    print_memory(memory)
    if args.json:
        args.json.write_text(
            json.dumps(
                {"quick": args.quick, "speed": [asdict(r) for r in rows], "memory": [asdict(m) for m in memory]},
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
