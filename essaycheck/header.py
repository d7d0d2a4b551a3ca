"""Split an essay into header, body and closing, and read who wrote it from the header.

The header is where writers state their name, role and unit ("Họ và tên:", "Đơn vị công tác:"),
so it is parsed, not just stripped. Header and closing are boilerplate for copy detection.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .normalize import fold

# Label lines: folded label -> metadata field (None: a header line that carries no field).
_LABELS: list[tuple[re.Pattern[str], str | None]] = [
    (re.compile(r"^(ho va ten|ho ten|nguoi viet|dang vien)\b"), "author"),
    (re.compile(r"^(chuc vu|chuc danh|chuc vu, chuc danh)\b"), "role"),
    (re.compile(r"^(don vi cong tac|don vi|co quan cong tac|co quan|noi cong tac)\b"), "unit"),
    (re.compile(r"^(sinh hoat (dang )?tai( chi bo)?|chi bo)\b"), "cell"),
    (re.compile(r"^(nhiem vu duoc giao|nhiem vu chuyen mon|nhiem vu)\b"), "duty"),
    (re.compile(r"^(ngay vao dang|ngay sinh|nam sinh|trinh do)\b"), None),
]
_HEADER_LINE = re.compile(
    r"^(dang bo|chi bo|dang uy|dang cong san viet nam|doc lap|cong hoa|bai thu hoach|ban thu hoach"
    r"|thu hoach|hoc tap|nghien cuu|quan triet|ve viec|nghi quyet so|ket luan so|chi thi so"
    r"|[-*_=. ]+$)"
)
_DATE = re.compile(
    r"ngay\s*(\d{1,2}|\.{2,}|…)\s*thang\s*(\d{1,2}|\.{2,}|…)\s*nam\s*(\d{4})?"
    r"|ngay\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})"
)
# The date line of a header: "Thuận Giang, ngày 12 tháng 3 năm 2024", maybe beside another cell;
# not a title that cites the resolution's own date ("Nghị quyết số 27-NQ/TW ngày 09/11/2022").
_DATE_CELL = re.compile(r"^(?:[^\d,:]{1,40},\s*)?(?=ngay)")
_CLOSING_LINE = re.compile(
    r"^\(?(nguoi viet( thu hoach| ban thu hoach)?|nguoi thu hoach|ky,? ghi ro ho ten|ky ten"
    r"|xac nhan cua|nhan xet cua|y kien cua|noi nhan)\b"
)
_CELL_NO_COLON = re.compile(r"^sinh hoat (dang )?tai\s+(?=(chi bo|dang bo)\b)")
_HEADER_SCAN_LINES = 25
_MARKER = re.compile(r"^((phần|mục)\s+)?([IVX]+|\d+|[A-D])\s*[.)/:-]\s", re.IGNORECASE)


@dataclass(frozen=True)
class Layout:
    """Character spans (in the text given) of header, body and closing, and the header's fields."""

    body_start: int
    body_end: int
    author: str = ""
    role: str = ""
    unit: str = ""
    cell: str = ""
    duty: str = ""
    date: str = ""
    signature: str = ""


def _value(line: str) -> str:
    value = line.split(":", 1)[1] if ":" in line else ""
    value = value.strip(" .…\t")
    return "" if not value or set(value) <= set(".…_- ") else value


_LABEL_START = re.compile(
    r"(?<=\S)\s+(?=(ho va ten|chuc vu|chuc danh|don vi cong tac|don vi|chi bo|nhiem vu)\s*:)"
)


def _cells(line: str) -> list[str]:
    """A header line split into cells: table cells (tabs) and labels side by side."""
    cells = []
    for cell in line.split("\t"):
        folded = fold(cell)
        cuts = [m.end() for m in _LABEL_START.finditer(folded)] if len(folded) == len(cell) else []
        for a, b in zip([0, *cuts], [*cuts, len(cell)], strict=True):
            if cell[a:b].strip():
                cells.append(cell[a:b].strip())
    return cells


def date_cell(line: str) -> str:
    """The "place, ngày …" part of a header line, or ``""``."""
    for cell in re.split(r"\t|\s{3,}", line.strip()):
        folded = fold(cell)
        head = _DATE_CELL.match(folded)
        date = _DATE.search(folded, head.end()) if head else None
        if date and date.start() == head.end() and len(folded) == len(cell):
            return cell[: date.end()].strip()
    return ""


def dates_in(text: str) -> list[dt.date]:
    """The complete dates in ``text`` ("ngày 08 tháng 3 năm 2024", "ngày 20/3/2024")."""
    out = []
    for m in _DATE.finditer(fold(text)):
        d, mo, y = (m.group(1), m.group(2), m.group(3)) if m.group(1) else m.group(4, 5, 6)
        try:
            out.append(dt.date(int(y), int(mo), int(d)))
        except (TypeError, ValueError):  # blanks to fill in ("ngày … tháng … năm")
            continue
    return out


def parse_date(text: str) -> dt.date | None:
    """The first complete date in ``text``, or ``None``."""
    return next(iter(dates_in(text)), None)


def _is_name(line: str) -> bool:
    words = line.split()
    return 2 <= len(words) <= 5 and all(w.isalpha() and w[0].isupper() for w in words)


def _lines(text: str) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for raw in text.split("\n"):
        out.append((pos, pos + len(raw), raw.strip()))
        pos += len(raw) + 1
    return out


# Where a run-on header (text pasted from a web page or a PDF: header and body on one line) has
# its line breaks: before a header label, a title, a date line, a section marker, the closing.
_RUN_ON_BREAK = re.compile(
    r" (?=(ho va ten|ho ten|chuc vu|chuc danh|don vi cong tac|don vi:|co quan|noi cong tac"
    r"|noi sinh hoat|chi bo:|sinh hoat dang|nhiem vu duoc giao|ngay vao dang|dang cong san"
    r"|bai thu hoach|ban thu hoach|hoc tap,? quan triet|nguoi viet|([ivx]+|[a-d]|\d)\s*[.)/]\s"
    r"|(phan|muc|cau)\s+([ivx]+|\d+|thu)\b))"
)
_SENTENCE_END = re.compile(r"(?<=[.;!?]) (?=\S)")
_RUN_ON_HEAD = 1000  # sentence ends become line breaks only here, where the header is
RUN_ON_LINE = 400  # characters: a line this long with a header label in it is a run-on text


def _caps_ends(line: str) -> list[int]:
    """Where an upper-case heading run into its paragraph ends ("… TRONG NGHỊ QUYẾT Tôi …"):
    the space after two upper-case words and before a capitalised lower-case one."""
    words = list(re.finditer(r"\S+", line))
    caps = [len(w.group()) > 1 and w.group().isupper() for w in words]
    return [
        words[i].start() - 1
        for i in range(2, len(words))
        if caps[i - 1] and caps[i - 2] and words[i].group()[0].isupper() and not caps[i]
    ]


def split_run_on(text: str) -> str:
    """``text`` with line breaks put back into run-on lines (each a space made a newline, so
    every offset stays valid): before header labels, markers and after sentence ends."""
    lines = text.split("\n")
    if max(map(len, lines), default=0) < RUN_ON_LINE:
        return text
    folded = fold(text)
    if len(folded) != len(text):  # fold keeps length on normalised text; be safe otherwise
        return text
    chars = list(text)
    pos = 0
    for line in lines:
        if len(line) >= RUN_ON_LINE:
            for cut in _caps_ends(line):
                chars[pos + cut] = "\n"  # after an upper-case heading, before its paragraph
            for m in _RUN_ON_BREAK.finditer(folded, pos, pos + len(line)):
                chars[m.start()] = "\n"
            for m in _SENTENCE_END.finditer(folded, pos, pos + min(len(line), _RUN_ON_HEAD)):
                chars[m.start()] = "\n"
        pos += len(line) + 1
    return "".join(chars)


def parse_layout(text: str) -> Layout:
    """Find header fields and the body span of a normalised essay text."""
    lines = _lines(text)
    fields: dict[str, str] = {}
    body_line = 0
    for k, (_, _, line) in enumerate(lines[:_HEADER_SCAN_LINES]):
        if not line:
            continue
        folded = fold(line)
        matched = False
        for cell in _cells(line):
            bare = _CELL_NO_COLON.match(fold(cell))
            if bare:  # "Sinh hoạt Đảng tại Chi bộ …", a label without its colon
                fields.setdefault("cell", cell[bare.end() :].strip(" .\t"))
                matched = True
                continue
            for pattern, name in _LABELS:
                if ":" in cell[:40] and pattern.match(fold(cell)):
                    if name and name not in fields and _value(cell):
                        fields[name] = _value(cell)
                    matched = True
                    break
        prose = len(line.split()) >= 8 and line.endswith((".", ";", ":"))
        date = "" if prose else date_cell(line)
        if not matched and not prose and (_HEADER_LINE.match(folded) or date):
            if date and "date" not in fields:
                fields["date"] = date
            matched = True
        # Header cells laid out side by side ("ĐẢNG BỘ ...   ĐẢNG CỘNG SẢN VIỆT NAM") or upper-case
        # lines near the top (the unit's name) belong to the header too.
        if not matched and k < 8 and line.isupper() and len(line) < 120 and not _MARKER.match(line):
            matched = True
        if not matched and ":" in line[:30] and len(line.split()) <= 15 and not _MARKER.match(line):
            matched = True  # another "Label: value" line of the form
        if matched:
            body_line = k + 1
        elif prose or _MARKER.match(line):
            break  # the first paragraph or section heading after the header: the body
    body_start = lines[body_line][0] if body_line < len(lines) else len(text)

    end_line = len(lines)
    signature = ""
    for k in range(len(lines) - 1, body_line - 1, -1):
        line = lines[k][2]
        if not line:
            continue
        folded = fold(line)
        date = date_cell(line) if len(line) < 80 else ""
        if _CLOSING_LINE.match(folded) or date:
            end_line = k
            if date:  # the date may stand above the signature instead of in the header
                fields.setdefault("date", date)
        elif not signature and _is_name(line):
            signature, end_line = line, k
        else:
            break
    body_end = lines[end_line - 1][1] if end_line > body_line else body_start
    return Layout(
        body_start=body_start,
        body_end=max(body_end, body_start),
        signature=signature,
        **{k: v for k, v in fields.items() if k in Layout.__dataclass_fields__},
    )
