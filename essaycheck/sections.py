"""Find an essay's parts: resolution summary, liên hệ with the unit, with the self, actions,
proposals — from headings when the writer used them, from sentence cues when not."""

from __future__ import annotations

import re

from .essay import Essay
from .normalize import fold

SUMMARY, UNIT, SELF, ACTIONS, PROPOSALS = "summary", "unit", "self", "actions", "proposals"
PARTS = (SUMMARY, UNIT, SELF, ACTIONS, PROPOSALS)

# Checked in this order: "Liên hệ trách nhiệm của bản thân" is SELF, not UNIT.
_HEADING_CUES: list[tuple[str, re.Pattern[str]]] = [
    (PROPOSALS, re.compile(r"kien nghi|de xuat|de nghi")),
    (SELF, re.compile(r"ban than|ca nhan|trach nhiem cua")),
    (ACTIONS, re.compile(r"phuong huong|giai phap|bien phap|ke hoach|hanh dong|nhiem vu|cam ket")),
    (
        UNIT,
        re.compile(r"thuc tien|thuc tien|co quan|don vi|dia phuong|thuc trang|ket qua|tinh hinh"),
    ),
    (SUMMARY, re.compile(r"noi dung|nhan thuc|diem moi|quan diem|muc tieu|nghi quyet|tiep thu")),
]
_MARKER = re.compile(r"^\s*((phan|muc|chuong)\s+)?([ivxlc]+|\d+(\.\d+)*|[a-dđ])\s*[.)/:-]\s*", re.I)

_SENTENCE_CUES: list[tuple[str, re.Pattern[str]]] = [
    (PROPOSALS, re.compile(r"\b(kien nghi|de xuat|de nghi)\b")),
    (
        ACTIONS,
        re.compile(r"\b(se|phan dau|cam ket|dang ky|ke hoach|trong thoi gian toi|tiep tuc)\b"),
    ),
    (SELF, re.compile(r"\b(toi|tui|ban than|ca nhan)\b")),
]


def heading_part(line: str) -> str | None:
    """The part a heading line opens, or ``None`` when the line is no heading."""
    stripped = line.strip()
    words = stripped.split()
    if not words or len(words) > 18:
        return None
    has_marker = bool(_MARKER.match(stripped))
    looks_heading = has_marker or stripped.isupper() or stripped.endswith(":")
    if not looks_heading or (len(words) > 12 and not stripped.isupper()):
        return None
    folded = fold(_MARKER.sub("", stripped))
    for part, cue in _HEADING_CUES:
        if cue.search(folded):
            return part
    return None


def sentence_parts(essay: Essay) -> list[str | None]:
    """The part of each body sentence: by the last heading above it, else by its own cues."""
    text = essay.norm.text
    parts: list[str | None] = []
    current: str | None = None
    for s in essay.sentences:
        line_start = text.rfind("\n", 0, s.start) + 1
        line_end = text.find("\n", s.start)
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        heading = heading_part(line) if s.start == line_start or len(line) < 160 else None
        if heading:
            current = heading
            parts.append(heading)
            continue
        if current is not None:
            parts.append(current)
            continue
        folded = fold(text[s.start : s.end])
        parts.append(next((p for p, cue in _SENTENCE_CUES if cue.search(folded)), None))
    return parts


def is_heading(essay: Essay, index: int) -> bool:
    """Whether sentence ``index`` is a heading line of its own."""
    s = essay.sentences[index]
    text = essay.norm.text
    line_start = text.rfind("\n", 0, s.start) + 1
    line_end = text.find("\n", s.start)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    # The sentence splitter may cut the marker off a heading ("II." | "THỰC TIỄN Ở CÔNG TY").
    at_start = not _MARKER.sub("", fold(text[line_start : s.start])).strip()
    return at_start and heading_part(line) is not None and len(line.split()) <= 18
