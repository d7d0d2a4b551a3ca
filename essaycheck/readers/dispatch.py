"""Choose the reader for a file's bytes by its extension (and, for Office files, its content)."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from essaycheck.documents import Document, ReadError
from essaycheck.readers.errors import ReadFailure, error, fail

MB = 1024 * 1024

# Limits that keep one hostile file from taking the machine: each breach is a per-file error in
# Vietnamese, never a hang. A real bài thu hoạch is 3-15 thousand characters and a few pages.
MAX_CHARS = 100_000  # characters of one essay (text, Word, PDF, one table row)
MAX_PDF_PAGES = 300
MAX_PART_BYTES = 20 * MB  # one XML part of a .docx/.xlsx, unpacked (the body is ~1 MB)
MAX_PACKAGE_BYTES = 150 * MB  # all parts of one .docx/.xlsx, unpacked (pictures included)
MAX_PACKAGE_PARTS = 5_000
MAX_ZIP_MEMBERS = 20_000
MAX_ROWS = 10_000  # rows read from one table sheet
MAX_UPLOAD_BYTES = 500 * MB  # all files of one upload in the review UI, together
MAX_SECONDS = 20.0  # a PDF whose pages take longer in all is given up (checked between pages)

Result = tuple[list[Document], list[ReadError]]

WORD_EXTS = frozenset({".docx", ".docm", ".dotx", ".dotm"})
LEGACY_WORD_EXTS = frozenset({".doc", ".dot", ".rtf", ".odt"})
TEXT_EXTS = frozenset({".txt", ".md", ".markdown", ".text"})
EXCEL_EXTS = frozenset({".xlsx", ".xlsm", ".xls"})
SINGLE_EXTS = WORD_EXTS | LEGACY_WORD_EXTS | TEXT_EXTS | {".pdf"}
OTHER_ARCHIVES = frozenset({".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz"})


@dataclass
class Budget:
    """Size limits for one batch; ``used`` counts bytes unpacked from archives so far."""

    max_member_bytes: int = 50 * MB
    max_total_bytes: int = 500 * MB
    used: int = 0


def suffix(source: str) -> str:
    return PurePosixPath(source.replace("\\", "/")).suffix.lower()


def stem(source: str) -> str:
    return PurePosixPath(source.replace("\\", "/")).stem


def _single_reader(data: bytes, ext: str) -> Callable[[bytes, str], str]:
    """The reader for a one-document format, correcting Word files whose extension lies."""
    from essaycheck.readers.doc import read_legacy_word
    from essaycheck.readers.docx import OLE_MAGIC, read_docx
    from essaycheck.readers.pdf import read_pdf
    from essaycheck.readers.text import read_text_file

    if ext in WORD_EXTS | LEGACY_WORD_EXTS:
        if data.startswith(b"%PDF"):
            return read_pdf
        if data.startswith(b"PK\x03\x04") and ext != ".odt":
            return read_docx
        if data.startswith(OLE_MAGIC) or ext in LEGACY_WORD_EXTS:
            return read_docx if _encrypted(data) else read_legacy_word
        return read_docx
    if ext == ".pdf":
        return read_pdf
    return read_text_file


def _encrypted(data: bytes) -> bool:
    from essaycheck.readers.docx import is_encrypted_office

    return is_encrypted_office(data)


def read_single(data: bytes, source: str) -> str:
    """The text of a one-document file (Word, PDF, text); raises :class:`ReadFailure`."""
    ext = suffix(source)
    if ext not in SINGLE_EXTS:
        raise fail("unknown_format", source, ext=ext or "(không có đuôi)")
    if not data.strip():
        raise fail("empty", source)
    if ext in TEXT_EXTS and len(data) > 4 * MAX_CHARS + 4:  # 4 bytes a character at most
        raise fail("too_long", source, chars=f"hơn {MAX_CHARS:,}", limit=f"{MAX_CHARS:,}")
    if data.startswith(b"PK\x03\x04"):
        check_package(data, source)
    text = _single_reader(data, ext)(data, source)
    return check_text(text, source)


def check_text(text: str, source: str) -> str:
    """``text`` if it can be an essay: not empty, some letters or digits, not too long."""
    if not text.strip():
        raise fail("empty", source)
    if not has_words(text):
        raise fail("no_words", source)
    if len(text) > MAX_CHARS:
        raise fail("too_long", source, chars=f"{len(text):,}", limit=f"{MAX_CHARS:,}")
    return text


def has_words(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit (not only punctuation and symbols)."""
    return any(c.isalnum() for c in text)


def check_package(data: bytes, source: str) -> None:
    """Refuse an Office package (.docx/.xlsx, a zip of XML parts) that unpacks to too much: one
    part over :data:`MAX_PART_BYTES` (a 474 KB file can hold a 300 MB XML part) or all parts
    over :data:`MAX_PACKAGE_BYTES`. Sizes are counted while unpacking (headers can lie), in
    chunks, nothing kept. A file that is not a zip is left to its reader's own error."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        infos = package.infolist()
    except Exception:
        return
    if len(infos) > MAX_PACKAGE_PARTS:
        raise fail("part_too_large", source, part=f"{len(infos)} phần", limit=0)
    total = 0
    with package:
        for info in infos:
            if info.is_dir():
                continue
            limit = min(MAX_PART_BYTES, MAX_PACKAGE_BYTES - total)
            mb = str(MAX_PART_BYTES // MB)
            if info.file_size > limit:
                raise fail("part_too_large", source, part=info.filename[:80], limit=mb)
            size = 0
            try:
                with package.open(info) as stream:
                    while chunk := stream.read(1 << 20):
                        size += len(chunk)
                        if size > limit:
                            raise fail("part_too_large", source, part=info.filename[:80], limit=mb)
            except ReadFailure:
                raise
            except Exception:  # a damaged part: the reader says so in its own words
                return
            total += size


class Deadline:
    """Wall-clock time left for one file (checked between steps such as PDF pages)."""

    def __init__(self, source: str, seconds: float = MAX_SECONDS) -> None:
        self.source, self.seconds = source, seconds
        self.end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise fail("too_slow", self.source, limit=f"{self.seconds:g}")


def read_bytes(data: bytes, source: str, budget: Budget, *, depth: int = 0) -> Result:
    """Documents and errors from one file's bytes; never raises for a bad input."""
    try:
        return _read(data, source, budget, depth)
    except ReadFailure as failure:
        return [], [failure.error]
    except Exception as exc:  # a reader's library choked on a malformed file
        return [], [error("corrupt", source, detail=type(exc).__name__)]


def _read(data: bytes, source: str, budget: Budget, depth: int) -> Result:
    ext = suffix(source)
    if ext in SINGLE_EXTS:
        return [Document(id=stem(source), source=source, text=read_single(data, source))], []
    if ext in OTHER_ARCHIVES:
        raise fail("other_archive", source, ext=ext)
    if ext not in EXCEL_EXTS | {".csv", ".zip"}:
        raise fail("unknown_format", source, ext=ext or "(không có đuôi)")
    if not data.strip():
        raise fail("empty", source)
    if ext == ".zip":
        from essaycheck.readers.archive import read_zip

        return read_zip(data, source, budget, depth=depth)
    from essaycheck.readers.table import read_csv, read_excel

    docs, errors = read_csv(data, source) if ext == ".csv" else read_excel(data, source)
    if not docs and not errors:
        raise fail("empty", source)
    return docs, errors
