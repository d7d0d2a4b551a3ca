"""Uploaded files into the library's readers, without trusting their names.

An uploaded file's name is only a label: it is shown (escaped) and kept as the document's
``source``, but never used as a path. Each upload is written into its own numbered folder of a
temporary directory under a sanitised name generated here, read with
:func:`essaycheck.readers.read_batch`, and the temporary paths are replaced by the upload's name
in what the readers return.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from essaycheck.documents import Document, ReadError
from essaycheck.readers import ReadFailure, read_batch, read_text
from essaycheck.readers.dispatch import MAX_UPLOAD_BYTES
from essaycheck.readers.errors import error, megabytes
from essaycheck.units import Unit, read_units

_UNSAFE = re.compile(r"[^\w.\- ]+")


@dataclass(frozen=True)
class Upload:
    """An uploaded file: the name the browser sent (a label only) and its bytes."""

    name: str
    data: bytes


def display_name(name: str) -> str:
    """The last component of an uploaded name, as shown to the user (still untrusted)."""
    return PurePosixPath(name.replace("\\", "/")).name or "tep"


def safe_name(name: str) -> str:
    """A file name generated from ``name``: word characters, ``.``, ``-`` and spaces only, no
    leading dot, at most 100 characters, the extension (lower-cased) kept for the readers."""
    base = unicodedata.normalize("NFC", display_name(name))
    path = PurePosixPath(base)
    ext = _UNSAFE.sub("", path.suffix.lower())[:10] if path.suffix else ""
    stem = _UNSAFE.sub("_", path.stem if ext else base).strip(" ._") or "tep"
    return f"{stem[:100]}{ext}"


def _write(uploads: Sequence[Upload], folder: Path) -> list[tuple[Path, str]]:
    """Write each upload to ``folder/NNNN/<safe name>``; returns (path, label) pairs."""
    written = []
    for i, up in enumerate(uploads):
        sub = folder / f"{i:04d}"
        sub.mkdir()
        path = sub / safe_name(up.name)
        path.write_bytes(up.data)
        written.append((path, display_name(up.name)))
    return written


def _relabel(source: str, written: Sequence[tuple[Path, str]]) -> str:
    for path, label in written:
        prefix = str(path)
        if source == prefix or source.startswith(prefix + "/") or source.startswith(prefix + "#"):
            return label + source[len(prefix) :]
    return source


def _relabel_message(message: str, written: Sequence[tuple[Path, str]], tmp: str) -> str:
    for path, label in written:
        message = message.replace(str(path), label)
    return message.replace(tmp, "")


def _distinct_sources(docs: list[Document]) -> list[Document]:
    """Two uploads of one name are two documents: number the repeats ("a.txt#2")."""
    seen: set[str] = set()
    out = []
    for doc in docs:
        source, n = doc.source, 2
        while source in seen:
            source, n = f"{doc.source}#{n}", n + 1
        seen.add(source)
        out.append(doc if source == doc.source else replace(doc, source=source))
    return out


def read_uploads(uploads: Sequence[Upload]) -> tuple[list[Document], list[ReadError]]:
    """Read uploaded essays (files, .zip archives, tables) like :func:`read_batch` does."""
    if not uploads:
        return [], []
    uploads, refused = _within_total(uploads)
    with tempfile.TemporaryDirectory(prefix="essaycheck-") as tmp:
        written = _write(uploads, Path(tmp))
        docs, errors = read_batch([p for p, _ in written])
    docs = _distinct_sources([replace(d, source=_relabel(d.source, written)) for d in docs])
    errors = [
        replace(
            e, source=_relabel(e.source, written), message=_relabel_message(e.message, written, tmp)
        )
        for e in errors
    ]
    return docs, errors + refused


def _within_total(uploads: Sequence[Upload]) -> tuple[list[Upload], list[ReadError]]:
    """The uploads that fit in MAX_UPLOAD_BYTES together (in the order given), and one error per
    upload left out: several files of 200 MB each must not all be unpacked and read."""
    kept: list[Upload] = []
    refused: list[ReadError] = []
    total = 0
    for up in uploads:
        total += len(up.data)
        if total > MAX_UPLOAD_BYTES:
            refused.append(
                error(
                    "upload_too_large",
                    display_name(up.name),
                    size=megabytes(total),
                    limit=megabytes(MAX_UPLOAD_BYTES),
                )
            )
        else:
            kept.append(up)
    return kept, refused


def read_resolution_upload(upload: Upload) -> str:
    """The text of an uploaded resolution; raises ``ReadFailure`` (with a Vietnamese message)."""
    with tempfile.TemporaryDirectory(prefix="essaycheck-") as tmp:
        written = _write([upload], Path(tmp))
        try:
            return read_text(written[0][0])
        except ReadFailure as failure:
            err = failure.error
            raise ReadFailure(
                replace(
                    err,
                    source=_relabel(err.source, written),
                    message=_relabel_message(err.message, written, tmp),
                )
            ) from None


def read_units_upload(upload: Upload) -> list[Unit]:
    """Units from an uploaded CSV/XLSX; raises ``ValueError`` with a Vietnamese message."""
    with tempfile.TemporaryDirectory(prefix="essaycheck-") as tmp:
        ((path, _),) = _write([upload], Path(tmp))
        return read_units(path)


@dataclass(frozen=True)
class SampleBatch:
    """The bundled sample batch: essays, resolution, references and units file."""

    root: Path

    @property
    def essays(self) -> Path:
        return self.root / "batch"

    @property
    def resolution(self) -> Path:
        return self.root / "resolution.txt"

    @property
    def references(self) -> Path:
        return self.root / "reference"

    @property
    def units(self) -> Path:
        return self.root / "units.csv"

    def available(self) -> bool:
        return self.essays.is_dir() and self.resolution.is_file()
