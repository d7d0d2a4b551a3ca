"""Choose the reader for a file's bytes by its extension (and, for Office files, its content)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from essaycheck.documents import Document, ReadError
from essaycheck.readers.errors import ReadFailure, error, fail

MB = 1024 * 1024

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
    text = _single_reader(data, ext)(data, source)
    if not text.strip():
        raise fail("empty", source)
    return text


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
