"""Which resolution an essay talks about: identifiers named in its body, and short profiles of
other well-known resolutions (``resolutions.txt``, written for essaycheck) to compare it with.

A title naming the studied resolution says nothing about the body: an essay can carry the right
title and discuss another resolution at length.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from .normalize import fold

_ID = re.compile(
    r"\b(\d{1,3})(?:[-/]\d{4})?\s*[-/]\s*(nq|kl|ct|qd|qdi|hd)\s*[-/]\s*(tw|tu|bct|ttg|cp|dh|qh\d*)\b"
)
_CONGRESS = re.compile(r"\bdai hoi (?:dai bieu )?(?:toan quoc )?(?:lan thu )?([xiv]{2,})\b")
_SESSION = re.compile(
    r"\b(?:hoi nghi|nghi quyet)\s+(?:lan thu\s+(\w+)\s+)?(?:ban chap hanh\s+)?(?:trung uong|tw)"
    r"\s*(?:dang\s+)?(\d{1,2}|lan thu \w+)?\s*,?\s*(?:\(?\s*khoa\s+([xiv]+))"
)
# "Nghị quyết 19", "Chỉ thị số 05": the number alone, as essays write it after the first mention.
_BARE = re.compile(r"\b(nghi quyet|ket luan|chi thi|quy dinh)\s+(?:so\s+)?0*(\d{1,3})\b(?![.,]\d)")
_ORDINALS = {
    "nhat": 1, "hai": 2, "ba": 3, "tu": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9,
    "muoi": 10, "muoi mot": 11, "muoi hai": 12,
}  # fmt: skip


def _number(word: str | None) -> str:
    if not word:
        return ""
    word = word.replace("lan thu", "").strip()
    return word if word.isdigit() else str(_ORDINALS.get(word, word))


def resolution_ids(text: str) -> Counter[str]:
    """Identifiers of resolutions a text names, with counts: ``27-nq/tw`` (leading zeros
    dropped, "QĐi" as "qdi"), ``tw4-xii`` for "Hội nghị Trung ương 4 khóa XII", and the kind
    with the number alone (``nghi quyet#27``), as later mentions write it."""
    folded = fold(text)
    ids: Counter[str] = Counter()
    for n, kind, body in _ID.findall(folded):
        ids[f"{int(n)}-{kind}/{body}"] += 1
    for roman in _CONGRESS.findall(folded):
        ids[f"dh-{roman}"] += 1
    for kind, n in _BARE.findall(folded):
        ids[f"{kind}#{int(n)}"] += 1
    for m in _SESSION.finditer(folded):
        n = _number(m.group(2) or m.group(1))
        if n:
            ids[f"tw{n}-{m.group(3)}"] += 1
    return ids


@dataclass(frozen=True)
class ResolutionProfile:
    """A short description of a resolution, and the identifiers it goes by."""

    ids: frozenset[str]
    text: str


@cache
def known_resolutions() -> tuple[ResolutionProfile, ...]:
    """The profiles in ``resolutions.txt``."""
    out, ids, lines = [], frozenset(), []
    raw = (files("essaycheck") / "resolutions.txt").read_text("utf-8")
    for line in [*raw.splitlines(), "## end"]:
        if line.startswith("## "):
            if lines:
                out.append(ResolutionProfile(ids, " ".join(lines)))
            ids = frozenset(i.strip() for i in fold(line[3:]).split(",") if i.strip())
            lines = []
        elif line.strip() and not line.startswith("#"):
            lines.append(line.strip())
    return tuple(out)


def same_ids(a: set[str] | Counter[str], b: set[str] | Counter[str]) -> bool:
    """Whether two sets of identifiers share one ("08-qđi/tw" and "8-qdi/tw" are the same)."""
    norm = {fold(x).replace("đ", "d") for x in a}
    return bool(norm & {fold(x).replace("đ", "d") for x in b})
