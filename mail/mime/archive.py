"""Expand `.zip` attachments into their files, within limits, refusing what is hostile.

    expand_zip(data, label, origin, limits, budget) -> ZipResult(members, refused, problems, opened)

One `ZipBudget` is shared by every archive in one email, so the limits hold for the
email as a whole: total uncompressed bytes, number of files, and nesting depth (a
zip in a zip counts 2). Checked twice: against the sizes the archive declares before
anything is inflated, and again while inflating, because declared sizes can lie.

Refused - each with a sentence in `refused` naming the archive and entry ("the zip file
returns.zip expands past the limit ..."), never an exception:
    an archive over the size or file-count budget       (zip bomb): whole archive
    a zip nested deeper than the depth limit             the inner archive
    names with "..", an absolute path or a drive letter  (path traversal): that entry
    encrypted entries                                    that entry
    entries that fail to inflate (CRC, unknown method)   that entry
Skipped silently: directories and the junk archivers add (`__MACOSX/`, `.DS_Store`,
`Thumbs.db`, `desktop.ini`).
"""

from __future__ import annotations

import contextlib
import io
import lzma
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

_JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
_CHUNK = 64 * 1024
_INFLATE_ERRORS = (
    zipfile.BadZipFile, zlib.error, lzma.LZMAError, NotImplementedError, RuntimeError,
    EOFError, ValueError, OSError,
)


@dataclass(frozen=True)
class ArchiveLimits:
    max_entries: int = 500  # files across all archives in one email
    max_total_bytes: int = 200 * 1024 * 1024  # uncompressed, across all archives
    max_depth: int = 3  # a zip in a zip is depth 2


@dataclass
class ZipBudget:
    """What is left for one email; shared by nested and sibling archives."""

    bytes_left: int
    entries_left: int

    @classmethod
    def fresh(cls, limits: ArchiveLimits) -> ZipBudget:
        return cls(limits.max_total_bytes, limits.max_entries)


@dataclass(frozen=True)
class ArchiveMember:
    path: str  # path inside its archive, "/"-separated, as the archive names it
    data: bytes = field(repr=False)
    origin: str  # "zip:returns.zip/inner/x.docx", "zip:a.zip/zip:b.zip/x.pdf"

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name


@dataclass
class ZipResult:
    members: list[ArchiveMember] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # what was not opened, and why
    problems: list[str] = field(default_factory=list)  # what was kept, with a remark
    opened: bool = True  # False: not a readable zip at all (caller keeps the file as is)


def expand_zip(
    data: bytes,
    label: str,
    origin: str,
    limits: ArchiveLimits,
    budget: ZipBudget,
    depth: int = 1,
) -> ZipResult:
    """Files inside the zip `data` (named `label` in messages), nested zips expanded."""
    result = ZipResult()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as err:
        result.problems.append(f"{label}: not a readable zip archive ({err}); kept unopened")
        result.opened = False
        return result
    with archive:
        infos = [i for i in infos if not _is_junk(i.filename)]
        declared = sum(i.file_size for i in infos)
        if len(infos) > budget.entries_left:
            result.refused.append(
                f"the zip file {label} holds {len(infos):,} files, over the limit of "
                f"{budget.entries_left:,} for one email: not opened"
            )
            return result
        if declared > budget.bytes_left:
            result.refused.append(
                f"the zip file {label} expands past the limit: its files would take "
                f"{_mb(declared)} unpacked, over the {_mb(budget.bytes_left)} allowed for one "
                "email (a zip bomb?): not opened"
            )
            return result
        budget.entries_left -= len(infos)
        for info in infos:
            _take(archive, info, label, origin, limits, budget, depth, result)
            if budget.bytes_left < 0:
                break
    return result


def _take(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    label: str,
    origin: str,
    limits: ArchiveLimits,
    budget: ZipBudget,
    depth: int,
    result: ZipResult,
) -> None:
    name = _entry_name(info)
    where = f"the zip file {label}: {name!r}"
    if _is_traversal(name):
        result.refused.append(f"{where} was not opened: its name points outside the archive")
        return
    if info.flag_bits & 0x1:
        result.refused.append(f"{where} was not opened: it is encrypted (password-protected)")
        return
    try:
        data = _read_capped(archive, info, budget.bytes_left)
    except _INFLATE_ERRORS as err:
        result.refused.append(f"{where} could not be unpacked ({err})")
        return
    if data is None:
        budget.bytes_left = -1
        result.refused.append(
            f"the zip file {label} expands past the limit: {name!r} unpacks to more than "
            "it declares, past the size allowed for one email (a zip bomb?): not opened"
        )
        return
    budget.bytes_left -= len(data)
    path = name.strip("/")
    if path.lower().endswith(".zip"):
        inner_label = f"{label}/{path}"
        if depth >= limits.max_depth:
            result.refused.append(
                f"the zip file {inner_label} is nested {depth + 1} zips deep, over the limit "
                f"of {limits.max_depth}: not opened"
            )
            return
        inner = expand_zip(data, inner_label, f"{origin}/zip:{path}", limits, budget, depth + 1)
        result.refused.extend(inner.refused)
        result.problems.extend(inner.problems)
        if inner.opened:
            result.members.extend(inner.members)
            return
    result.members.append(ArchiveMember(path=path, data=data, origin=f"{origin}/{path}"))


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes | None:
    """The entry's bytes, or None as soon as they pass `cap`."""
    out = bytearray()
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            out += chunk
            if len(out) > cap:
                return None
    return bytes(out)


def _entry_name(info: zipfile.ZipInfo) -> str:
    """The entry name with "\\" as "/"; UTF-8 names without the UTF-8 flag recovered."""
    name = info.filename
    if not info.flag_bits & 0x800:
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("utf-8")
    return name.replace("\\", "/")


def _is_traversal(name: str) -> bool:
    parts = name.split("/")
    return (
        name.startswith("/")
        or bool(re.match(r"^[A-Za-z]:", name))
        or any(part == ".." for part in parts)
        or "\x00" in name
    )


def _is_junk(filename: str) -> bool:
    name = filename.replace("\\", "/")
    return name.startswith("__MACOSX/") or PurePosixPath(name).name.lower() in _JUNK_NAMES


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"
