"""Tables (.csv, .xlsx, .xls): one Document per non-empty row.

Columns are found by their header, compared without case, diacritics or "(…)" notes: the text
column ("Nội dung bài thu hoạch", "Bài viết", "content" …; several such columns, e.g. one per
question of a form, are joined), the id ("Mã bài" …), and the writer's name, unit, role and cell,
which go to ``meta`` as ``author``, ``unit``, ``role``, ``cell``. Without a text column by name the
column with the longest values is taken if they average at least :data:`MIN_AUTO_TEXT_CHARS`
characters. The header may sit below a few title rows.

Ids are the id column's value, else ``{file stem}-{row}`` (``{file stem}-{sheet}-{row}`` in a
workbook with several sheets), where ``row`` is the row number as the spreadsheet shows it.
Sources are ``file.csv#row`` and ``file.xlsx#sheet!row``.

Limits: at most :data:`~essaycheck.readers.dispatch.MAX_ROWS` rows a sheet are read (one error
says so; the rows read are kept), and a row with a cell longer than
:data:`~essaycheck.readers.dispatch.MAX_CHARS` characters is left out with its own error while
the other rows are read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import math
import re
import unicodedata
from collections.abc import Sequence
from pathlib import PurePosixPath

from essaycheck.documents import Document, ReadError
from essaycheck.readers.dispatch import MAX_CHARS, MAX_ROWS, check_package, has_words
from essaycheck.readers.docx import OLE_MAGIC, is_encrypted_office
from essaycheck.readers.errors import error, fail
from essaycheck.readers.text import decode_bytes, fix_legacy

MIN_AUTO_TEXT_CHARS = 200
HEADER_SEARCH_ROWS = 10
_SNIFF_CHARS = 200_000  # the delimiter is chosen on the start of a CSV, not on all of it
# One huge cell must not make the csv module fail the whole file (its default limit is 128 KB):
# rows with cells over MAX_CHARS are refused one by one in _documents instead.
csv.field_size_limit(max(csv.field_size_limit(), 256 * 1024 * 1024))

_FIELDS: dict[str, frozenset[str]] = {
    "id": frozenset({"id", "ma", "ma bai", "ma so", "ma bai viet", "ma bai thu hoach"}),
    "author": frozenset({"author", "name", "ho va ten", "ho ten", "ten", "nguoi viet"}),
    "unit": frozenset({"unit", "don vi", "don vi cong tac", "co quan", "ten don vi"}),
    "role": frozenset({"role", "chuc vu", "chuc danh"}),
    "cell": frozenset({"chi bo", "sinh hoat dang tai chi bo", "sinh hoat tai chi bo"}),
    "text": frozenset({
        "text", "content", "essay", "noi dung", "bai thu hoach", "noi dung bai thu hoach",
        "bai viet", "noi dung thu hoach", "ban thu hoach", "noi dung ban thu hoach",
    }),
}  # fmt: skip
_META = ("author", "unit", "role", "cell")

Rows = list[list[str]]


def normalise_header(header: str) -> str:
    """Lowercase, no diacritics, "(…)" notes or punctuation: "Họ và tên (*)" -> "ho va ten"."""
    text = re.sub(r"\([^)]*\)", " ", header)
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _field(header: str) -> tuple[str, bool] | None:
    """(field, exact) for a header: exact name, or a multi-word name followed by more words."""
    key = normalise_header(header)
    if not key:
        return None
    for field, names in _FIELDS.items():
        if key in names:
            return field, True
    for field, names in _FIELDS.items():
        if any(" " in name and key.startswith(name + " ") for name in names):
            return field, False
    return None


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    text = str(value)
    return "" if text in ("nan", "NaT", "None") and not isinstance(value, str) else text.strip()


def _header_row(rows: Rows) -> int | None:
    """Index of the header row: the first of the top rows that names a text column, else the
    first non-empty row; None for an empty sheet."""
    first = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if not any(row):
            continue
        first = index if first is None else first
        if any((found := _field(cell)) and found[0] == "text" for cell in row):
            return index
    if first is None:
        first = next((i for i, row in enumerate(rows) if any(row)), None)
    return first


def _columns(header: Sequence[str], body: Rows) -> tuple[list[int], dict[str, int]]:
    """Text columns and the other fields' columns for a header row."""
    exact_text: list[int] = []
    loose_text: list[int] = []
    found_others: dict[str, tuple[int, bool]] = {}
    for index, name in enumerate(header):
        found = _field(name)
        if found is None:
            continue
        field, exact = found
        if field == "text":
            (exact_text if exact else loose_text).append(index)
        elif field not in found_others or (exact and not found_others[field][1]):
            found_others[field] = (index, exact)
    others = {field: index for field, (index, _) in found_others.items()}
    text_columns = exact_text or loose_text
    if not text_columns:
        best, best_avg = None, 0.0
        for index in range(len(header)):
            if index in others.values():
                continue
            values = [row[index] for row in body if index < len(row) and row[index]]
            avg = sum(map(len, values)) / len(values) if values else 0.0
            if avg > best_avg:
                best, best_avg = index, avg
        if best is not None and best_avg >= MIN_AUTO_TEXT_CHARS:
            text_columns = [best]
    return text_columns, others


def _documents(
    rows: Rows, source: str, id_prefix: str, row_ref: str, sheet: str | None
) -> tuple[list[Document], list[ReadError]]:
    """Documents from one sheet's rows (row_ref: ``{source}#`` or ``{source}#{sheet}!``)."""
    header_at = _header_row(rows)
    if header_at is None:
        return [], []
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    header, body = rows[header_at], rows[header_at + 1 :]
    text_columns, others = _columns(header, body)
    if not text_columns:
        if sheet is None:
            return [], [error("no_text_column_csv", source)]
        return [], [error("no_text_column", source, sheet=sheet)]
    docs: list[Document] = []
    errors: list[ReadError] = []
    for offset, row in enumerate(body):
        if not any(row):
            continue
        number = header_at + offset + 2  # 1-based, below the header
        if any(len(cell) > MAX_CHARS for cell in row):
            errors.append(error("cell_too_large", source, row=number, limit=f"{MAX_CHARS:,}"))
            continue
        text = fix_legacy("\n".join(row[i] for i in text_columns if row[i]))
        row_source = f"{row_ref}{number}"
        if not has_words(text):
            errors.append(error("empty_row", source, row=number))
            continue
        if len(text) > MAX_CHARS:  # several text columns, each under the limit
            errors.append(error("cell_too_large", source, row=number, limit=f"{MAX_CHARS:,}"))
            continue
        doc_id = row[others["id"]] if "id" in others and row[others["id"]] else ""
        meta = {f: row[others[f]] for f in _META if f in others and row[others[f]]}
        docs.append(
            Document(id=doc_id or f"{id_prefix}-{number}", source=row_source, text=text, meta=meta)
        )
    return docs, errors


# --- CSV ----------------------------------------------------------------------------------------
def _rows(text: str, delimiter: str, limit: int) -> Rows:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [[cell.strip() for cell in row] for row in itertools.islice(reader, limit)]


def _parse_csv(text: str, limit: int | None = None) -> Rows:
    """Rows of a CSV text (at most ``limit``), the delimiter (, ; tab) chosen by which gives the
    most regular table on the start of the text."""
    limit = limit or MAX_ROWS + HEADER_SEARCH_ROWS + 1
    sample = text[:_SNIFF_CHARS]
    header_line = next((line for line in sample.splitlines() if line.strip()), "")
    best: tuple[tuple[int, int], str] | None = None
    for delimiter in (",", ";", "\t"):
        try:
            rows = _rows(sample, delimiter, 1000)
        except csv.Error:
            continue
        filled = [row for row in rows if any(row)]
        width = len(filled[0]) if filled else 0
        regular = sum(1 for row in filled if len(row) == width) if width > 1 else 0
        score = (regular, header_line.count(delimiter))
        if best is None or score > best[0]:
            best = (score, delimiter)
    return _rows(text, best[1], limit) if best else []


def _limit_rows(rows: Rows, source: str) -> tuple[Rows, list[ReadError]]:
    """At most MAX_ROWS rows below the header area; an error when some were left out."""
    keep = MAX_ROWS + HEADER_SEARCH_ROWS
    if len(rows) <= keep:
        return rows, []
    return rows[:keep], [error("too_many_rows", source, limit=f"{MAX_ROWS:,}")]


def read_csv(data: bytes, source: str) -> tuple[list[Document], list[ReadError]]:
    text = decode_bytes(data, source)
    stem = PurePosixPath(source).stem
    try:
        rows, limited = _limit_rows(_parse_csv(text), source)
    except csv.Error:
        raise fail("corrupt_table", source) from None
    docs, errors = _documents(rows, source, stem, f"{source}#", None)
    return docs, limited + errors


# --- Excel --------------------------------------------------------------------------------------
def read_excel(data: bytes, source: str) -> tuple[list[Document], list[ReadError]]:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a core dependency
        raise fail("missing_dependency", source, package="pandas openpyxl") from None
    if is_encrypted_office(data):
        raise fail("encrypted_office", source)
    engine = "xlrd" if data.startswith(OLE_MAGIC) else "openpyxl"
    if engine == "openpyxl":
        check_package(data, source)  # a sheet's XML can unpack to hundreds of MB
    try:
        sheets = pd.read_excel(
            io.BytesIO(data),
            sheet_name=None,
            header=None,
            dtype=object,
            engine=engine,
            nrows=MAX_ROWS + HEADER_SEARCH_ROWS + 1,  # one more than kept: to tell the user
        )
    except ImportError:
        key = "legacy_xls" if engine == "xlrd" else "missing_dependency"
        raise fail(key, source, package="openpyxl") from None
    except Exception:
        raise fail("corrupt_table", source) from None
    stem = PurePosixPath(source).stem
    filled: dict[str, Rows] = {}
    errors: list[ReadError] = []
    for name, frame in sheets.items():
        rows = [[_cell(value) for value in row] for row in frame.itertuples(index=False)]
        if any(any(row) for row in rows):
            filled[str(name)], limited = _limit_rows(rows, f"{source}#{name}")
            errors.extend(limited)
    docs: list[Document] = []
    for name, rows in filled.items():
        prefix = f"{stem}-{name}" if len(filled) > 1 else stem
        sheet_docs, sheet_errors = _documents(rows, source, prefix, f"{source}#{name}!", name)
        docs.extend(sheet_docs)
        errors.extend(sheet_errors)
    return docs, errors
