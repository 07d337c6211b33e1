"""Cheap checks on a zip container (.docx, .docm, .xlsx...) before anything is inflated.

A .docx is a zip archive, so a hostile one can be a zip bomb: a few kilobytes that
inflate to gigabytes, or hundreds of thousands of tiny entries. `check_zip` reads only
the central directory (the table of contents at the end of the archive) and refuses
the file on what the entries *declare*, without decompressing a byte:

    check_zip(data, limits)  -> None, or raises
        UnreadableDocument   the bytes are not a readable zip (truncated, corrupt)
        DocumentTooLarge     more than limits.max_zip_entries entries, the declared
                             sizes add up to more than limits.max_unzipped_bytes, or
                             one XML part (.xml, .rels) declares more than
                             limits.max_xml_part_bytes: XML costs ~10-20 times its size
                             to parse, so a 190 MB body in a 600 KB zip would need
                             ~3.5 GB; it is refused before lxml sees a byte of it

An entry that lies about its size cannot get past this either: Python's `zipfile`
never returns more than an entry's declared `file_size` (it stops inflating there and
fails the CRC check), so the declared sizes bound what a reader can be made to hold.
Readers that open single entries should still read them through `read_entry`, which
caps one entry at a size of the caller's choosing.
"""

from __future__ import annotations

import io
import zipfile

from core.errors import DocumentTooLarge, UnreadableDocument
from extractors.limits import Limits

__all__ = ["check_archive", "check_zip", "read_entry"]

_XML_PARTS = (".xml", ".rels", ".vml")


def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse `data` if it is not a zip, or if inflating it would break `limits`."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_archive(zf, limits)
    except zipfile.BadZipFile as err:
        raise UnreadableDocument(f"the file is not a readable zip archive ({err})") from err
    except (OSError, ValueError, EOFError) as err:
        # zipfile raises these for some damaged central directories.
        raise UnreadableDocument(f"the file is not a readable zip archive ({err})") from err


def check_archive(zf: zipfile.ZipFile, limits: Limits) -> None:
    """The size checks of `check_zip` on an archive that is already open."""
    infos = zf.infolist()
    if len(infos) > limits.max_zip_entries:
        raise DocumentTooLarge(
            f"the archive holds {len(infos):,} entries, over the limit of "
            f"{limits.max_zip_entries:,} (a Word document holds a few dozen)"
        )
    total = 0
    for info in infos:
        total += max(info.file_size, 0)
        if total > limits.max_unzipped_bytes:
            raise DocumentTooLarge(
                f"the archive would inflate to more than {limits.max_unzipped_bytes:,} bytes "
                f"(entry {info.filename!r} alone declares {info.file_size:,}); refused as a "
                "likely zip bomb"
            )
        if info.file_size > limits.max_xml_part_bytes and info.filename.lower().endswith(_XML_PARTS):
            raise DocumentTooLarge(
                f"its part {info.filename!r} would inflate to {info.file_size:,} bytes of XML, over "
                f"the limit of {limits.max_xml_part_bytes:,} (a long Word document holds a few MB)"
            )


def read_entry(zf: zipfile.ZipFile, name: str, max_bytes: int) -> bytes:
    """Read one entry, refusing it if it inflates past `max_bytes`."""
    info = zf.getinfo(name)
    if info.file_size > max_bytes:
        raise DocumentTooLarge(
            f"entry {name!r} declares {info.file_size:,} bytes, over the limit of {max_bytes:,}"
        )
    with zf.open(info) as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DocumentTooLarge(f"entry {name!r} inflates past the limit of {max_bytes:,} bytes")
    return data
