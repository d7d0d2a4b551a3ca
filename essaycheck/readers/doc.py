"""Old word-processor formats (.doc, .rtf, .odt): converted to .docx by LibreOffice, then read.

LibreOffice (``soffice``/``libreoffice`` on the PATH) runs headless in a temporary directory that is
removed afterwards, with a time limit of :data:`TIMEOUT_SECONDS`. Without it the sender is asked to
save the file as .docx.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path, PurePosixPath

from essaycheck.readers.docx import read_docx
from essaycheck.readers.errors import fail

TIMEOUT_SECONDS = 60


def find_libreoffice() -> str | None:
    """The LibreOffice executable, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _run(command: list[str], source: str) -> None:
    """Run LibreOffice; on timeout kill its whole process group (soffice starts children)."""
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise fail("legacy_doc_failed", source, detail=type(exc).__name__) from None
    try:
        process.wait(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            process.kill()
        process.wait()
        raise fail("legacy_doc_failed", source, detail="quá thời gian") from None


def read_legacy_word(data: bytes, source: str) -> str:
    """The text of a .doc/.rtf/.odt file, through a LibreOffice conversion to .docx."""
    ext = PurePosixPath(source).suffix.lower() or ".doc"
    office = find_libreoffice()
    if office is None:
        raise fail("legacy_doc", source, ext=ext)
    with tempfile.TemporaryDirectory(prefix="essaycheck-") as tmp:
        folder = Path(tmp)
        infile = folder / f"input{ext}"
        infile.write_bytes(data)
        command = [
            office, "--headless", "--norestore", "--nolockcheck",
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--convert-to", "docx", "--outdir", str(folder / "out"), str(infile),
        ]  # fmt: skip
        _run(command, source)
        outfile = folder / "out" / "input.docx"
        if not outfile.is_file():
            raise fail("legacy_doc_failed", source, detail="LibreOffice không tạo ra tệp")
        converted = outfile.read_bytes()
    return read_docx(converted, source)
