"""Which side of a copy is the source? Evidence a reviewer would use, and none when in doubt.

Copied text earns no relevance credit, but the writer it was taken from should keep theirs. The
text of a copy keeps traces of its real author:
- the role: the body says "Là Phó Hiệu trưởng…" while the copier's header says "Giáo viên";
- the signature: the copier changed the header name but signed with the source's name;
- the unit: a find-and-replace of another unit's essay keeps names and figures that the other
  members of the source's unit also write about, and that nobody in the copier's unit does.
- the duties: where the body says what "tôi" does ("tổ chuyên gia mà tôi là thành viên"), it
  uses the words of the source's header (role, assigned duty), not the copier's;
- containment: a section lifted word for word leaves nearly all of the copy inside the source
  and only part of the source inside the copy (not used for paraphrases, whose coverage
  depends on sentence lengths).
A reference (a downloaded sample essay) is always the source. Last and weakest, the dates the
writers put on their essays are only a hint in the reason: a copier may date the essay before
its source, so a date never names a source. Without text evidence the direction stays unknown
("chưa rõ bài gốc") and the shared text counts for neither writer in full: an unknown source
is acceptable, a wrong one is not.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .essay import Essay
from .fingerprint import fingerprint_text
from .normalize import fold


@dataclass(frozen=True)
class Attribution:
    """The id of the likely source (``""`` when unknown), the Vietnamese reason, and how sure
    the evidence is (``"cao"``: the text itself names the writer; ``"trung bình"``: traces)."""

    source: str = ""
    reason: str = ""
    confidence: str = ""


HIGH, MEDIUM = "cao", "trung bình"
# Roles many members hold say nothing about who wrote a passage: "Là đảng viên, tôi…" fits
# the copier as well as the source.
GENERIC_ROLES = frozenset(
    [
        "đảng viên", "cán bộ", "công chức", "viên chức", "nhân viên", "người lao động",
        "giáo viên", "chuyên viên", "hội viên", "đoàn viên", "quần chúng", "cán bộ, công chức",
        "công nhân", "chiến sĩ", "bác sĩ", "điều dưỡng", "kế toán viên", "thành viên",
    ]
)  # fmt: skip


_ROLE_CUE = (
    r"(?:tôi là|là một|là|vai trò|cương vị|đảm nhiệm|phụ trách|trách nhiệm|chức trách)"
    r"[^.;:!?\n]{0,40}?"
)


def _roles(essay: Essay) -> list[str]:
    """The roles written in the header ("Bác sĩ, Trưởng khoa Khám bệnh" gives two)."""
    parts = re.split(r"[,;(]| kiêm ", essay.role.lower())
    roles = (" ".join(p.strip(" )").split()) for p in parts)
    return [r for r in roles if len(r.split()) >= 2 and r not in GENERIC_ROLES]


def _states_role(text: str, roles: list[str]) -> str:
    """The first of ``roles`` that ``text`` claims in the first person ("Là Phó Hiệu trưởng")."""
    return next((r for r in roles if re.search(_ROLE_CUE + re.escape(r) + r"\b", text)), "")


_FIRST_PERSON = re.compile(r"\b(tôi|tui|bản thân|mình)\b")
_MIN_DUTY_WORDS = 2  # one shared word pair may be chance ("ban chỉ" in "Ban Chỉ đạo")


def _bigrams(text: str) -> np.ndarray:
    return np.unique(fingerprint_text(text, 2).hashes)


def _duty_words(x: Essay, y: Essay, units: tuple[str, str]) -> np.ndarray:
    """Word pairs of x's header role and duty that y's header and the units lack (a duty that
    echoes the resolution still counts: "phổ biến, giáo dục pháp luật" is a real duty)."""
    own = _bigrams("\n".join([*_roles(x), x.layout.duty]))
    names = "\n".join((*units, x.unit, y.unit, x.layout.cell, y.layout.cell))
    other = _bigrams(f"{y.role}\n{y.layout.duty}\n{y.norm.text[: y.layout.body_start]}\n{names}")
    return np.setdiff1d(own, other, assume_unique=True)


def _first_person(essay: Essay) -> np.ndarray:
    """Word pairs of the body sentences written in the first person."""
    text = essay.norm.text
    said = [text[s.start : s.end] for s in essay.sentences]
    return _bigrams("\n".join(t for t in said if _FIRST_PERSON.search(t.lower())))


def _speaks_of(a: Essay, b: Essay, units: tuple[str, str]) -> Attribution:
    """The side whose header duties the first-person sentences of the other side speak of."""
    duty_a, duty_b = _duty_words(a, b, units), _duty_words(b, a, units)
    said_a, said_b = _first_person(a), _first_person(b)
    for x, y, dx, dy, sx, sy in (
        (a, b, duty_a, duty_b, said_a, said_b),
        (b, a, duty_b, duty_a, said_b, said_a),
    ):
        traces = np.intersect1d(dx, sy)
        if len(traces) >= _MIN_DUTY_WORDS and not np.intersect1d(dy, np.union1d(sx, sy)).size:
            reason = f"Phần liên hệ bản thân của bài {y.id} nói về nhiệm vụ ghi ở đầu bài {x.id}."
            return Attribution(x.id, reason, MEDIUM)
    return Attribution()


def date_hint(a: str, date_a: dt.date | None, b: str, date_b: dt.date | None) -> str:
    """A reason naming the earlier-dated of two essays, without making it the source: writers
    date their own essays, and a copier may well date theirs first."""
    if date_a is None or date_b is None or date_a == date_b:
        return ""
    (x, dx), (y, dy) = sorted(((a, date_a), (b, date_b)), key=lambda p: p[1])
    return (
        f"Chưa rõ bài gốc. Bài {x} ghi ngày {dx:%d/%m/%Y}, trước bài {y} ({dy:%d/%m/%Y}), "
        "nhưng ngày do người viết tự ghi nên chưa đủ làm căn cứ."
    )


def attribute(
    a: Essay,
    b: Essay,
    units: tuple[str, str],
    shared_facts: set[str],
    unit_facts: dict[str, Counter[str]],
    coverage: tuple[float, float] | None = None,
) -> Attribution:
    """Decide which of two matched essays is the source, from signature, role and unit facts.

    ``units`` are the two writers' units, ``shared_facts`` the
    rare facts both texts hold and ``unit_facts`` how many essays of each unit hold each fact;
    ``coverage`` (each side's share inside a word-for-word match) tells a lifted section.
    Dates are not used here: see :func:`date_order`.
    """
    for x, y in ((a, b), (b, a)):
        sig = fold(y.layout.signature)
        if sig and sig != fold(y.layout.author) and sig == fold(x.layout.author):
            return Attribution(
                x.id, f"Bài {y.id} ký tên {y.layout.signature}, người viết bài {x.id}.", HIGH
            )
    ka, kb = units
    if ka and kb and ka != kb:
        # Facts both texts hold that other members of only one of the two units write about.
        ca, cb = unit_facts.get(ka, Counter()), unit_facts.get(kb, Counter())
        only_a = sum(ca[f] > 1 and cb[f] <= 1 for f in shared_facts)
        only_b = sum(cb[f] > 1 and ca[f] <= 1 for f in shared_facts)
        for x, mine, theirs in ((a, only_a, only_b), (b, only_b, only_a)):
            if mine >= 3 and mine >= 3 * theirs:
                return Attribution(
                    x.id, f"{mine} số liệu, tên riêng trùng là của đơn vị {x.unit or x.id}.", HIGH
                )
    # Roles the two writers do not share ("phó trưởng khoa" contains "trưởng khoa": shared).
    ra, rb = _roles(a), _roles(b)
    only_a = [r for r in ra if not any(r in x or x in r for x in rb)]
    only_b = [r for r in rb if not any(r in x or x in r for x in ra)]
    body_a, body_b = (" ".join(e.body.lower().split()) for e in (a, b))
    own_a, own_b = _states_role(body_a, only_a), _states_role(body_b, only_b)
    other_a, other_b = _states_role(body_a, only_b), _states_role(body_b, only_a)
    # A copier's body speaks of the source's role, not of the copier's own. A body that claims
    # its own writer's role while the other claims none proves nothing: the copier may have
    # put their own role in.
    if own_a and other_b and not own_b and not other_a:
        return Attribution(
            a.id, f"Đoạn văn tự nhận là '{own_a}', đúng chức vụ của bài {a.id}.", HIGH
        )
    if own_b and other_a and not own_a and not other_b:
        return Attribution(
            b.id, f"Đoạn văn tự nhận là '{own_b}', đúng chức vụ của bài {b.id}.", HIGH
        )
    who = _speaks_of(a, b, units)
    if who.source:
        return who
    # A section lifted word for word: nearly all of one text lies inside the other.
    if coverage is not None:
        cov_a, cov_b = coverage
        for x, y, cx, cy in ((a, b, cov_a, cov_b), (b, a, cov_b, cov_a)):
            if cx >= 0.8 and cy <= 0.65:
                reason = (
                    f"Gần như toàn bộ bài {x.id} nằm trong bài {y.id}, không có chiều ngược lại."
                )
                return Attribution(y.id, reason, MEDIUM)
    return Attribution()
