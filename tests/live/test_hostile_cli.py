"""`returns extract` on the hostile corpus (tests/hostile): the real command in a
subprocess, each file answered with exactly one line on stderr and exit status 1 (or
a correct record), within its limits, reading nothing it should not (no local file
included, no URL fetched, no macro run) and writing nothing outside its temp folders.

Each run gets its own HOME, TMPDIR and working folder, which must be empty afterwards;
a local HTTP server counts the requests a document manages to make (none).
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import extractors
from tests.factories import bad_files
from tests.factories.forms import return_docx
from tests.hostile import build

pytestmark = pytest.mark.live

RETURNS = str(Path(sys.executable).with_name("returns"))
SECRET = "TOP-SECRET-7f3a9c"
LIMITS = ["--timeout", "60", "--memory-mb", "256"]
NOT_A_RETURN = "not a self assessment return"


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str
    written: list[str]  # anything left in HOME, TMPDIR or the working folder


class Requests(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []  # noqa: RUF012 - shared by the server's handler instances

    def do_GET(self) -> None:
        Requests.seen.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Requests)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n")
    return path


def returns_extract(tmp_path: Path, file: Path, *options: str) -> Run:
    """Run `returns extract FILE` with its own empty HOME, TMPDIR and working folder."""
    folders = [tmp_path / "home", tmp_path / "tmp", tmp_path / "cwd"]
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETURNS_")}
    env.update(HOME=str(folders[0]), TMPDIR=str(folders[1]), LANG="C.UTF-8")
    done = subprocess.run(  # a name of undecodable bytes goes back to bytes as it came
        [RETURNS, "extract", *LIMITS, *options, str(file)],
        cwd=folders[2], env=env, capture_output=True, timeout=240, check=False,
    )
    written = [str(p.relative_to(tmp_path)) for folder in folders for p in folder.rglob("*")]
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode("utf-8", "replace"), written)


def refused(run: Run) -> str:
    """The one stderr line of a refused file (exit 1, nothing on stdout, nothing written)."""
    assert (run.status, run.stdout, run.written) == (1, "", []), run
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert "Traceback" not in run.stderr
    return lines[0]


# -- each hostile file: its one line ----------------------------------------------------

ONE_LINE: list[tuple[str, str, Callable[[], bytes], str]] = [
    ("count-loop", "count.pdf", build.pdf_count_loop, "count.pdf: the PDF's page tree loops back on itself"),
    ("mediabox-loop", "box.pdf", build.pdf_mediabox_loop, "box.pdf: the PDF's page tree loops back on itself"),
    ("pages-self", "pages.pdf", build.pdf_pages_self_reference, "pages.pdf: the PDF's page tree loops back on itself"),
    ("kids-loop", "kids.pdf", build.pdf_kids_loop, "kids.pdf: the PDF's page tree loops back on itself"),
    ("font-loop", "font.pdf", build.pdf_font_loop,
     "font.pdf: page 1 could not be read: the PDF's objects refer to each other in a loop (object 5)"),
    ("info-loop", "info.pdf", build.pdf_info_loop,
     "info.pdf: the PDF could not be opened: the PDF's objects refer to each other in a loop (object 4)"),
    ("count-lie-flat", "lie.pdf", build.pdf_count_lie, "lie.pdf: 100,000 pages is over the 60-page limit for a return"),
    ("count-lie-tree", "lie.pdf", lambda: build.pdf_count_lie(100_000, fanout=50),
     "lie.pdf: the PDF says it has 1 page but holds more than 60 pages, over the 60-page limit for a return"),
    ("deflate-bomb", "bomb.pdf", build.pdf_deflate_bomb,
     "bomb.pdf: page 1's content inflates to more than 52,428,800 bytes; refused as a likely decompression bomb"),
    ("object-stream-bomb", "objstm.pdf", build.pdf_object_stream_bomb, "objstm.pdf: needs more than 256 MB to read"),
    ("huge-image", "image.pdf", build.pdf_huge_image,
     "image.pdf: page 1 holds an image of 30,000 x 30,000 pixels, over the limit of 200,000,000 pixels"),
    ("encrypted", "locked.pdf", bad_files.encrypted_pdf,
     "locked.pdf: the PDF is encrypted and needs a password to open"),
    ("huge-xml-body", "body.docx", build.docx_huge_body,
     "body.docx: its part 'word/document.xml' would inflate to 199,206,126 bytes of XML, over the limit of "
     "16,777,216 (a long Word document holds a few MB)"),
    ("zip-bomb", "zip.docx", bad_files.zip_bomb_docx,
     "zip.docx: the archive would inflate to more than 209,715,200 bytes (entry 'word/document.xml' alone "
     "declares 210,763,776); refused as a likely zip bomb"),
    ("billion-laughs", "laughs.docx", build.docx_billion_laughs,
     "laughs.docx: the Word file's XML could not be read (Maximum entity amplification factor exceeded, see "
     "xmlCtxtSetMaxAmplification., line 1, column 7 (<string>, line 1))"),
    ("xlsx-renamed", "return.docx", bad_files.spreadsheet_xlsx,
     "return.docx: an Excel spreadsheet is not a format returns are read from"),
    ("jpeg-renamed", "scan.pdf", build.jpeg_image, "scan.pdf: a JPEG image is not a format returns are read from"),
    ("empty", "empty.pdf", lambda: b"", "empty.pdf: the file is empty"),
]


@pytest.mark.parametrize(("name", "make", "line"), [c[1:] for c in ONE_LINE], ids=[c[0] for c in ONE_LINE])
def test_a_hostile_file_gets_one_line_and_exit_1(tmp_path: Path, name: str, make: Callable[[], bytes],
                                                 line: str) -> None:
    path = tmp_path / name
    path.write_bytes(make())
    assert refused(returns_extract(tmp_path, path)) == line


def test_a_page_too_slow_to_lay_out_is_killed_at_the_time_limit(tmp_path: Path) -> None:
    path = tmp_path / "lines.pdf"
    path.write_bytes(build.pdf_many_lines(100_000))
    line = refused(returns_extract(tmp_path, path, "--timeout", "2"))
    assert line == "lines.pdf: took longer than 2 s to read; it may be damaged"


@pytest.mark.parametrize(
    ("name", "make"),
    [("js.pdf", build.pdf_with_javascript), ("font.pdf", build.pdf_undefined_font),
     ("macro.docm", build.docm_with_macros)],
    ids=["javascript", "undefined-font", "docm-macros"],
)
def test_active_content_is_never_run_and_library_warnings_stay_off_stderr(
    tmp_path: Path, server: str, name: str, make: Callable[[], bytes]
) -> None:
    path = tmp_path / name
    path.write_bytes(make())
    line = refused(returns_extract(tmp_path, path))
    assert line.startswith(f"{name}: ") and NOT_A_RETURN in line, line
    assert not Path("/tmp/returns-macro-ran").exists()  # what the AutoOpen macro would do


# -- nothing outside the document is read ----------------------------------------------


def _text(data: bytes, name: str) -> str:
    document = extractors.read(data, extractors.ExtractContext.build(name))
    return " ".join(str(getattr(block, "text", "")) for block in document.blocks)


def test_an_external_entity_is_never_resolved(tmp_path: Path, server: str, secret: Path) -> None:
    Requests.seen.clear()
    for name, system_id in (("xxe.docx", secret.as_uri()), ("xxe-url.docx", f"{server}/entity")):
        data = build.docx_external_entity(system_id)
        path = tmp_path / name
        path.write_bytes(data)
        line = refused(returns_extract(tmp_path, path))
        assert line.startswith(f"{name}: ") and NOT_A_RETURN in line, line
        assert _text(data, name) == "Name of organisation:  Dear Jane, our return is attached."
    assert Requests.seen == []


def test_external_relationships_are_never_fetched(tmp_path: Path, server: str) -> None:
    Requests.seen.clear()
    data = build.docx_external_relationships(server)
    path = tmp_path / "linked.docx"
    path.write_bytes(data)
    line = refused(returns_extract(tmp_path, path))
    assert line.startswith("linked.docx: ") and NOT_A_RETURN in line, line
    assert Requests.seen == []


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is part of the live stack")
def test_rtf_field_includes_are_never_followed(tmp_path: Path, server: str, secret: Path) -> None:
    Requests.seen.clear()
    data = build.rtf_field_includes(str(secret), f"{server}/picture.png")
    path = tmp_path / "include.rtf"
    path.write_bytes(data)
    line = refused(returns_extract(tmp_path, path))
    assert line.startswith("include.rtf: ") and NOT_A_RETURN in line, line
    assert SECRET not in _text(data, "include.rtf")
    assert Requests.seen == []


# -- what is not a document at all ------------------------------------------------------


def test_a_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "return.pdf"
    os.mkfifo(fifo)
    assert refused(returns_extract(tmp_path, fifo)) == (
        f"{fifo}: is a named pipe (FIFO), not a regular file; refused without reading it")


def test_dev_zero_is_refused_without_being_read(tmp_path: Path) -> None:
    assert refused(returns_extract(tmp_path, Path("/dev/zero"))) == (
        "/dev/zero: is a character device, not a regular file; refused without reading it")


def test_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "returns"
    folder.mkdir()
    assert refused(returns_extract(tmp_path, folder)) == (
        f"{folder}: is a folder, not a file (`returns folder PATH` reads a folder of returns); "
        "refused without reading it")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.pdf"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024 + 1)  # sparse: nothing to read anyway
    assert refused(returns_extract(tmp_path, path)) == (
        "huge.pdf: 52,428,801 bytes is over the 52,428,800-byte limit for a return")


# -- hostile file names -----------------------------------------------------------------

NAMES = {
    "traversal": ("..%2F..%2Fetc%2Fpasswd .. return.pdf", "..%2F..%2Fetc%2Fpasswd .. return.pdf"),
    "control": ("\\x1b[2J\\x1b[31mreturn  FAKE: ok\\x07.pdf", "\x1b[2J\x1b[31mreturn\r\nFAKE: ok\x07.pdf"),
    "undecodable": ("r\ufffdturn \ufffd\ufffd.pdf", "r\ufffdturn \ufffd\ufffd.pdf"),
}


@pytest.mark.parametrize("kind", list(NAMES))
def test_a_hostile_file_name_is_printed_safely_on_one_line(tmp_path: Path, kind: str) -> None:
    path = tmp_path / os.fsdecode(build.HOSTILE_NAMES[kind])  # undecodable bytes as surrogates
    path.write_bytes(build.pdf_count_loop())
    assert refused(returns_extract(tmp_path, path)) == f"{NAMES[kind][0]}: the PDF's page tree loops back on itself"


@pytest.mark.parametrize("kind", list(NAMES))
def test_a_return_with_a_hostile_name_is_read_and_named_faithfully(tmp_path: Path, kind: str) -> None:
    path = (tmp_path / os.fsdecode(build.HOSTILE_NAMES[kind])).with_suffix(".docx")
    path.write_bytes(return_docx("Fife Council", ["Re-ablement for everyone (R3)."]))
    run = returns_extract(tmp_path, path)
    assert (run.status, run.stderr, run.written) == (0, "", [])
    record = json.loads(run.stdout)
    assert record["organisation"]["name"] == "Fife Council"
    assert record["source"]["filename"] == NAMES[kind][1].removesuffix(".pdf") + ".docx"


# -- every command: one line, never a traceback ------------------------------------------


@pytest.mark.parametrize(
    ("args", "status", "line"),
    [
        (["assign", "abc", "fife"], 2, "returns assign: Invalid value for 'submission': Input should be a valid "
         "integer, unable to parse string as an integer (see returns assign --help)"),
        (["nosuch"], 2, "returns: No such command 'nosuch'. (see returns --help)"),
        (["extract", "--timeout", "-1", "x.pdf"], 1, "settings: 1 validation error for Settings parse_timeout_s "
         "  Input should be greater than 0 [type=greater_than, input_value=-1.0, input_type=float]"),
    ],
    ids=["bad-argument", "unknown-command", "bad-setting"],
)
def test_any_command_answers_a_bad_call_with_one_line(tmp_path: Path, args: list[str], status: int,
                                                      line: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETURNS_")} | {"HOME": str(tmp_path)}
    done = subprocess.run([RETURNS, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert (done.returncode, done.stdout) == (status, "")
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.startswith(line), done.stderr
