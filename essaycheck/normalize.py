"""Vietnamese text normalisation that remembers where every character came from.

Comparisons run on the normalised text; reports and the UI highlight the original. ``Normalized``
keeps, for each normalised character, the offset of the original character it came from, so any
span found in the normalised text maps back to an exact span of the original.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

# Characters that carry no text: zero-width space/joiners, BOM, word joiner, soft hyphen.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_QUOTES = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": "...",
}

# Old-style tone placement ("hoà", "thuỷ", "khoẻ") moved onto the first vowel ("hòa", "thủy",
# "khỏe") so both spellings compare equal. Only open syllables: "hoàn" is the same in both styles,
# and "qu" is a consonant ("quý" stays).
_TONED = {  # toned a/e/y -> (base vowel, tone index)
    ch: (base, i)
    for base, row in {
        "a": "àáảãạ",
        "e": "èéẻẽẹ",
        "y": "ỳýỷỹỵ",
        "A": "ÀÁẢÃẠ",
        "E": "ÈÉẺẼẸ",
        "Y": "ỲÝỶỸỴ",
    }.items()
    for i, ch in enumerate(row)
}
_TONED_O_U = {"o": "òóỏõọ", "u": "ùúủũụ", "O": "ÒÓỎÕỌ", "U": "ÙÚỦŨỤ"}
_OLD_STYLE = re.compile(r"(?<![qQ])([oOuU])([àáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴ])(?!\w)")


def _fix_tone(m: re.Match[str]) -> str:
    glide, toned = m.group(1), m.group(2)
    base, tone = _TONED[toned]
    valid = (glide in "oO" and base in "aAeE") or (glide in "uU" and base in "yY")
    if not valid:
        return m.group(0)
    return _TONED_O_U[glide][tone] + base


class Offsets:
    """An int array ``a`` kept as the runs where ``a[i] - i`` is constant.

    Normalisation shifts offsets only where it changes something (a quote, a run of spaces), so
    a text of 5,000 characters needs a few dozen runs instead of 5,000 numbers.
    """

    __slots__ = ("_breaks", "_n", "_shifts")

    def __init__(self, values: np.ndarray) -> None:
        shift = np.asarray(values, dtype=np.int64) - np.arange(len(values))
        change = np.flatnonzero(np.diff(shift)) + 1
        self._breaks = np.concatenate([[0], change]).astype(np.int32)
        self._shifts = shift[self._breaks].astype(np.int32) if len(values) else self._breaks
        self._n = len(values)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index: int | np.ndarray) -> int | np.ndarray:
        i = np.asarray(index)
        if ((i < 0) | (i >= self._n)).any():
            raise IndexError("offset index out of range")
        run = np.searchsorted(self._breaks, i, side="right") - 1
        out = i + self._shifts[run]
        return int(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class Normalized:
    """Normalised text; normalised character ``i`` came from ``original[starts[i]:ends[i]]``."""

    text: str
    starts: Offsets
    ends: Offsets

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span ``[start, end)`` to the original text's span."""
        if end <= start:
            o = int(self.starts[start]) if start < len(self.starts) else int(self.ends[-1])
            return o, o
        return int(self.starts[start]), int(self.ends[end - 1])


# Runs that change: invisible characters, typographic quotes/dashes, unusual or repeated spaces.
_SPECIAL = re.compile(
    "["
    + "".join(sorted(_INVISIBLE))
    + "]|["
    + "".join(_QUOTES)
    + "]"
    + r"|[^\S\n]*\n[\s]*|[^\S\n]{2,}|[^\S \n\t]|\t"
)


def _compose(text: str) -> tuple[str, np.ndarray, np.ndarray]:
    """NFC with per-character origins; NFC input (the usual case) takes the fast path."""
    n = len(text)
    if unicodedata.is_normalized("NFC", text):
        idx = np.arange(n, dtype=np.int32)
        return text, idx, idx + 1
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    while i < n:  # a base character and the combining marks that follow it
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        piece = unicodedata.normalize("NFC", text[i:j])
        out.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([j] * len(piece))
        i = j
    return "".join(out), np.asarray(starts, dtype=np.int32), np.asarray(ends, dtype=np.int32)


def _replacement(chunk: str) -> str:
    if chunk in _INVISIBLE:
        return ""
    if chunk in _QUOTES:
        return _QUOTES[chunk]
    if "\n" in chunk:  # a line break; blank lines between paragraphs collapse to one
        return "\n\n" if chunk.count("\n") > 1 else "\n"
    if chunk in "\r\u2028\u2029\x0b\x0c":
        return "\n"
    return "\t" if "\t" in chunk else " "  # a tab separates table cells: keep one


def normalize(text: str) -> Normalized:
    """NFC, one tone placement, no invisible characters, plain quotes/dashes, single spaces.

    Line breaks are kept (a blank line between paragraphs stays one blank line) because
    paragraphs and headings matter downstream; case is kept for display and for names.
    """
    text = text.replace("\r\n", " \n")  # same length: offsets into the original stay valid
    composed, starts, ends = _compose(text)
    pieces: list[str] = []
    new_starts: list[np.ndarray] = []
    new_ends: list[np.ndarray] = []
    pos = 0
    for m in _SPECIAL.finditer(composed):
        a, b = m.span()
        pieces.append(composed[pos:a])
        new_starts.append(starts[pos:a])
        new_ends.append(ends[pos:a])
        rep = _replacement(m.group())
        pieces.append(rep)
        # A replacement maps to the whole original run it stands for.
        new_starts.append(np.full(len(rep), starts[a], dtype=np.int32))
        new_ends.append(np.full(len(rep), ends[b - 1], dtype=np.int32))
        pos = b
    pieces.append(composed[pos:])
    new_starts.append(starts[pos:])
    new_ends.append(ends[pos:])
    out = "".join(pieces)
    s, e = np.concatenate(new_starts), np.concatenate(new_ends)
    lead = len(out) - len(out.lstrip())
    out = out.strip()
    s, e = s[lead : lead + len(out)], e[lead : lead + len(out)]
    fixed = _OLD_STYLE.sub(_fix_tone, out)  # same length: offsets stay valid
    return Normalized(fixed, Offsets(s), Offsets(e))


def _fold_char(c: str) -> str:
    decomposed = unicodedata.normalize("NFD", c.lower().replace("đ", "d"))
    return "".join(x for x in decomposed if not unicodedata.combining(x))


# One table for every Latin letter with marks and every combining mark: fold is on hot paths.
_FOLD = str.maketrans(
    {
        chr(i): _fold_char(chr(i))
        for r in (range(0xC0, 0x250), range(0x300, 0x370), range(0x1E00, 0x1F00))
        for i in r
        if _fold_char(chr(i)) != chr(i)
    }
)


def fold(text: str) -> str:
    """Lowercase and strip diacritics ("Đơn vị" -> "don vi"): for matching names and headers."""
    return text.lower().translate(_FOLD)
