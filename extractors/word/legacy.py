"""Word 97-2003 (.doc) and rich text (.rtf): converted to .docx by headless LibreOffice.

    read_legacy(data, limits) -> Document   (media_type application/msword or application/rtf)

The bytes are written to a private temporary folder under a fixed name chosen by the
detected type (`input.doc` / `input.rtf`; the sender's file name never reaches the
command line), converted with

    soffice -env:UserInstallation=file:///TMP/profile --headless --norestore
            --nolockcheck --convert-to docx --outdir TMP/out TMP/input.doc

and the result is read by `extractors.word.reader.read_docx`, so a .doc is interpreted
exactly as the .docx it would have been saved as.

Safety:
- Macros are never run. Headless `--convert-to` loads documents without running
  their macros, and each run's fresh profile makes that explicit: macro execution is
  disabled and the macro security level set to "very high" before LibreOffice starts,
  and links to outside content are blocked (a document cannot make the converter
  fetch a URL).
- Each call has its own profile folder, so parallel conversions do not collide on
  LibreOffice's user-installation lock.
- LibreOffice runs in its own process group; on timeout the whole group is killed
  (`soffice` is a wrapper and `soffice.bin` survives a plain kill of it), and
  ConversionTimeout (transient: retried) is raised.

Errors: ConfigurationError when LibreOffice is not installed; UnreadableDocument when
it produces no output (it exits 0 even when it cannot load the file).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from core.errors import ConfigurationError, ConversionTimeout, UnreadableDocument
from extractors import detect
from extractors.context import ExtractContext
from extractors.document import Document
from extractors.limits import Limits

__all__ = ["convert_to_docx", "read_legacy", "soffice_path"]

_SUFFIX = {detect.DOC: "doc", detect.RTF: "rtf"}
_KIND = {detect.DOC: ".doc", detect.RTF: ".rtf"}

# Written into each run's fresh profile before LibreOffice starts.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
</oor:items>
"""  # noqa: E501


def soffice_path() -> str:
    """The LibreOffice command (`soffice`, else `libreoffice`); ConfigurationError if none."""
    for command in ("soffice", "libreoffice"):
        found = shutil.which(command)
        if found:
            return found
    raise ConfigurationError(
        "LibreOffice is not installed, so .doc and .rtf files cannot be read: install it "
        "with `apt-get install -y --no-install-recommends libreoffice-writer-nogui` "
        "(the `soffice` command must be on PATH)"
    )


def read_legacy(data: bytes, ctx: ExtractContext) -> Document:
    """Read a .doc or .rtf file into the document model, through LibreOffice and .docx."""
    limits = ctx.limits
    media_type = detect.sniff(data, limits=limits)
    if media_type not in _SUFFIX:
        # The registry only sends .doc/.rtf here; anything else is read as a .doc.
        media_type = detect.DOC
    converted = convert_to_docx(data, media_type, limits)
    from extractors.word.reader import read_docx  # lazy: python-docx is slow to import

    document: Document = read_docx(converted, ctx)
    return dataclasses.replace(document, media_type=media_type, pages=None)


def convert_to_docx(data: bytes, media_type: str, limits: Limits) -> bytes:
    """The .docx bytes LibreOffice makes of `data` (a .doc or .rtf)."""
    soffice = soffice_path()
    kind = _KIND.get(media_type, ".doc")
    with tempfile.TemporaryDirectory(prefix="returns-legacy-") as tmp:
        folder = Path(tmp)
        source = folder / f"input.{_SUFFIX.get(media_type, 'doc')}"
        source.write_bytes(data)
        out = folder / "out"
        profile = folder / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS)
        command = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nologo",
            "--nodefault",
            "--convert-to",
            "docx",
            "--outdir",
            str(out),
            str(source),
        ]
        _run(command, folder, limits.convert_timeout_s, kind)
        result = out / "input.docx"
        if not result.is_file() or result.stat().st_size == 0:
            raise UnreadableDocument(f"LibreOffice could not read this {kind} file")
        return result.read_bytes()


def _run(command: list[str], folder: Path, timeout: float, kind: str) -> None:
    """Run LibreOffice in its own process group; kill the whole group on timeout."""
    env = dict(os.environ, HOME=str(folder))  # nothing is written to the real home
    try:
        process = subprocess.Popen(
            command,
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as err:
        raise ConfigurationError(f"LibreOffice could not be started: {err}") from err
    try:
        process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as err:
        _kill_group(process)
        raise ConversionTimeout(
            f"LibreOffice did not convert this {kind} file within {timeout:g} s"
        ) from err
    except BaseException:
        _kill_group(process)  # interrupted: leave no LibreOffice behind
        raise


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill LibreOffice's whole process group (soffice.bin outlives soffice) and reap it.

    Called only while the group leader has not been reaped, so its pid, which is the
    group id, cannot have been reused by another process group.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
