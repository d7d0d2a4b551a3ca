"""Read stage: files, folders, tables and archives in; :class:`Document` and :class:`ReadError` out.

One module per format: :mod:`.text` (.txt/.md), :mod:`.docx`, :mod:`.pdf`, :mod:`.table`
(.csv/.xlsx/.xls), :mod:`.archive` (.zip), :mod:`.doc` (.doc/.rtf/.odt through LibreOffice) and
:mod:`.legacy` (TCVN3/VNI fonts). Only decoding happens here; normalisation comes later.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from essaycheck.documents import Document, ReadError
from essaycheck.readers.dispatch import MB, SINGLE_EXTS, Budget, read_bytes, read_single, suffix
from essaycheck.readers.errors import ReadFailure, error, fail, megabytes

__all__ = ["Document", "ReadError", "ReadFailure", "read_batch", "read_text"]


def _hidden(name: str) -> bool:
    """Hidden files, Office lock files and Windows' thumbnail/folder settings files."""
    return name.startswith((".", "~$")) or name.lower() in ("thumbs.db", "desktop.ini")


def _walk(folder: Path) -> Iterator[Path]:
    """Files under ``folder``, sorted, without hidden files/folders or Office lock files.

    Symbolic links to folders are not followed (os.walk's default); a link to a folder outside
    ``folder`` is yielded so that :func:`_outside` reports it rather than skipping it silently."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not _hidden(d) and d != "__MACOSX")
        for name in dirs:
            path = Path(root) / name
            if path.is_symlink() and _outside(path, folder):
                yield path
        for name in sorted(files):
            if not _hidden(name):
                yield Path(root) / name


def _outside(path: Path, folder: Path) -> bool:
    """Whether ``path`` (a file found in ``folder``) resolves to somewhere outside ``folder``:
    a symbolic link to another user's files or to /etc must not be read as an essay."""
    try:
        target = path.resolve(strict=False)
        root = folder.resolve(strict=False)
    except (OSError, RuntimeError):  # a link loop
        return True
    return target != root and root not in target.parents


def _read_file(path: Path, budget: Budget) -> tuple[list[Document], list[ReadError]]:
    source = str(path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO or device would block or never end
            return [], [error("unknown_format", source, ext="(không phải tệp thường)")]
        size = path.stat().st_size
        limit = budget.max_total_bytes if suffix(source) == ".zip" else budget.max_member_bytes
        if size > limit:
            return [], [error("too_large", source, size=megabytes(size), limit=megabytes(limit))]
        data = path.read_bytes()
    except OSError as exc:
        return [], [error("corrupt", source, detail=type(exc).__name__)]
    return read_bytes(data, source, budget)


def _unique(docs: list[Document]) -> list[Document]:
    """Give every document its own id ("-2", "-3" … on collision) and its own source."""
    ids: set[str] = set()
    sources: set[str] = set()
    out: list[Document] = []
    for doc in docs:
        doc_id, n = doc.id or "bai", 2
        while doc_id in ids:
            doc_id, n = f"{doc.id or 'bai'}-{n}", n + 1
        source, n = doc.source, 2
        while source in sources:
            source, n = f"{doc.source}#{n}", n + 1
        ids.add(doc_id)
        sources.add(source)
        same = (doc_id, source) == (doc.id, doc.source)
        out.append(doc if same else replace(doc, id=doc_id, source=source))
    return out


def read_batch(
    paths: Iterable[str | Path],
    *,
    max_member_bytes: int = 50 * MB,
    max_total_bytes: int = 500 * MB,
) -> tuple[list[Document], list[ReadError]]:
    """Read every essay in ``paths`` (files or folders, searched recursively).

    Never raises for a bad input: each unreadable file (or archive member, or table row) becomes a
    :class:`ReadError` with a Vietnamese message, and the rest is still read. Ids are unique in
    the batch. ``max_member_bytes`` limits one file or archive member, ``max_total_bytes`` what
    archives may unpack in all (and the size of one archive file).
    """
    if isinstance(paths, (str, Path)):  # one path given on its own
        paths = [paths]
    budget = Budget(max_member_bytes=max_member_bytes, max_total_bytes=max_total_bytes)
    docs: list[Document] = []
    errors: list[ReadError] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            errors.append(error("not_found", str(path)))
            continue
        found = False
        for file in _walk(path) if path.is_dir() else [path]:
            found = True
            if path.is_dir() and _outside(file, path):
                errors.append(error("symlink_outside", _display(file)))
                continue
            key = file.resolve()
            if key in seen:  # the same file named twice (a folder and a file inside it)
                continue
            seen.add(key)
            file_docs, file_errors = _read_file(file, budget)
            docs.extend(file_docs)
            errors.extend(file_errors)
        if not found:
            errors.append(error("no_essays", _display(path)))
    docs = [
        d
        if d.source.isprintable() and d.id.isprintable()
        else replace(d, id=_display(d.id), source=_display(d.source))
        for d in docs
    ]
    errors = [e if e.source.isprintable() else _redisplay(e) for e in errors]
    return _unique(docs), errors


def _display(path: str | Path) -> str:
    """A path as text that any report can hold: bytes that are not UTF-8 in a file name (an old
    Windows or zip name, read as lone surrogates) are decoded as Windows-1258 if they can be,
    else replaced; control characters are shown as escapes."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raw = os.fsencode(text)
        try:
            text = raw.decode("cp1258")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "replace")
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


def _redisplay(err: ReadError) -> ReadError:
    shown = _display(err.source)
    return replace(err, source=shown, message=err.message.replace(err.source, shown))


def read_text(path: str | Path) -> str:
    """The text of one reference file (a resolution, a study outline, a sample essay).

    Accepts .txt/.md, .docx, .pdf (and .doc/.rtf/.odt when LibreOffice is installed). Raises
    :class:`ReadFailure` (its ``error`` is a :class:`ReadError`) if the file cannot be read.
    """
    source = str(path)
    if not Path(path).is_file():
        raise fail("not_found", source)
    if suffix(source) not in SINGLE_EXTS:
        raise fail("unknown_format", source, ext=suffix(source) or "(không có đuôi)")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise fail("corrupt", source, detail=type(exc).__name__) from None
    try:
        return read_single(data, source)
    except ReadFailure:
        raise
    except Exception as exc:
        raise fail("corrupt", source, detail=type(exc).__name__) from exc
