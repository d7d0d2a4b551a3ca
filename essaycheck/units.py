"""Units: what a reviewer tells us about each unit, and matching an essay's unit to it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .essay import Essay
from .normalize import fold, normalize

# Syllables that name a kind of unit or place, not a particular one ("Trường", "xã", "huyện").
_GENERIC_NAME_WORDS = frozenset(
    [
        "trường",
        "cơ",
        "quan",
        "đơn",
        "vị",
        "phòng",
        "ban",
        "sở",
        "công",
        "ty",
        "cổ",
        "phần",
        "tnhh",
        "bệnh",
        "viện",
        "trung",
        "tâm",
        "ủy",
        "ủy",
        "ban",
        "nhân",
        "dân",
        "ubnd",
        "xã",
        "phường",
        "thị",
        "trấn",
        "huyện",
        "quận",
        "tỉnh",
        "thành",
        "phố",
        "chi",
        "bộ",
        "đảng",
        "bộ",
        "khoa",
        "tổ",
        "và",
        "của",
        "tại",
        "thpt",
        "thcs",
        "tiểu",
        "học",
        "mầm",
        "non",
    ]
)


def _distinctive_phrases(name: str) -> set[str]:
    """Pairs of consecutive syllables of a name that are not generic ("nguyễn trãi")."""
    words = [w for w in normalize(name).text.lower().replace(",", " ").split() if w.isalpha()]
    phrases, run = set(), []
    for w in [*words, ""]:
        if w and w not in _GENERIC_NAME_WORDS:
            run.append(w)
            continue
        if len(run) == 1 and len(run[0]) >= 5:
            phrases.add(run[0])
        phrases.update(" ".join(run[i : i + 2]) for i in range(len(run) - 1))
        run = []
    return phrases


@dataclass(frozen=True)
class Unit:
    """A unit (cơ quan, đơn vị, địa phương) as given in a units file or read from a header."""

    name: str
    profile: str = ""
    aliases: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def distinctive_phrases(self) -> set[str]:
        """Lower-case phrases that identify the unit or its place ("nguyễn trãi", "tân lập")."""
        phrases: set[str] = set()
        for name in (*self.names, self.extra.get("locality", "")):
            phrases |= _distinctive_phrases(name)
        return phrases


def read_units(path: str | Path) -> list[Unit]:
    """Read a units CSV/XLSX: ``unit_name`` (or ``đơn vị``), optional ``profile``, ``aliases``."""
    path = Path(path)
    frame = pd.read_excel(path) if path.suffix.lower() in {".xlsx", ".xls"} else pd.read_csv(path)
    frame = frame.fillna("").astype(str)
    cols = {fold(c).strip(): c for c in frame.columns}
    name_col = next(
        (cols[c] for c in ("unit_name", "unit", "don vi", "ten don vi") if c in cols), None
    )
    if name_col is None:
        raise ValueError(f"Tệp đơn vị '{path.name}' thiếu cột 'unit_name' (tên đơn vị).")
    profile_col = next((cols[c] for c in ("profile", "mo ta", "gioi thieu") if c in cols), None)
    alias_col = next((cols[c] for c in ("aliases", "ten goi khac", "ten khac") if c in cols), None)
    used = {name_col, profile_col, alias_col}
    units = []
    for row in frame.to_dict("records"):
        name = normalize(row[name_col]).text
        if not name:
            continue
        aliases = (
            tuple(normalize(a).text for a in re.split(r"[;|]", row[alias_col]) if a.strip())
            if alias_col
            else ()
        )
        units.append(
            Unit(
                name=name,
                profile=normalize(row[profile_col]).text if profile_col else "",
                aliases=aliases,
                extra={c: row[c] for c in frame.columns if c not in used},
            )
        )
    return units


def _similarity(a: str, b: str) -> float:
    wa, wb = set(fold(a).split()), set(fold(b).split())
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


def match_unit(name: str, units: Sequence[Unit], min_similarity: float = 0.5) -> Unit | None:
    """The unit whose name or alias best matches ``name``: containment or folded word overlap."""
    folded = fold(name)
    if not folded or not units:
        return None
    best, best_score = None, 0.0
    for unit in units:
        for alias in unit.names:
            fa = fold(alias)
            shorter = fa if len(fa) <= len(folded) else folded
            contained = len(shorter.split()) >= 2 and (fa in folded or folded in fa)
            score = 1.0 if contained else _similarity(name, alias)
            if score > best_score:
                best, best_score = unit, score
    return best if best_score >= min_similarity else None


def resolve_unit(essay: Essay, units: Sequence[Unit]) -> Unit:
    """The writer's unit: the table row or header fields matched against the units file, then
    any unit name written in the header; without a match, a bare ``Unit`` named as written."""
    candidates = [
        essay.meta.get("unit", ""),
        essay.layout.unit,
        essay.meta.get("cell", ""),
        essay.layout.cell,
    ]
    for name in candidates:
        unit = match_unit(name, units)
        if unit is not None:
            return unit
    header = fold(essay.norm.text[: essay.layout.body_start])
    for unit in units:
        if any(len(a.split()) >= 2 and fold(a) in header for a in unit.names):
            return unit
    return Unit(name=next((c for c in candidates if c), ""))
