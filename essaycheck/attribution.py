"""Which side of a copy is the source? Evidence a reviewer would use, and none when in doubt.

Copied text earns no relevance credit, but the writer it was taken from should keep theirs. The
text of a copy keeps traces of its real author:
- the role: the body says "Là Phó Hiệu trưởng…" while the copier's header says "Giáo viên";
- the signature: the copier changed the header name but signed with the source's name;
- the unit: a find-and-replace of another unit's essay keeps names and figures that the other
  members of the source's unit also write about, and that nobody in the copier's unit does.
- containment: a section lifted word for word leaves nearly all of the copy inside the source
  and only part of the source inside the copy (not used for paraphrases, whose coverage
  depends on sentence lengths).
A reference (a downloaded sample essay) is always the source. Without such evidence the direction
stays unknown and the shared text counts for neither writer in full.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .essay import Essay
from .normalize import fold


@dataclass(frozen=True)
class Attribution:
    """The id of the likely source (``""`` when unknown) and the Vietnamese reason."""

    source: str = ""
    reason: str = ""


_ROLE_CUE = (
    r"(?:tôi là|là một|là|vai trò|cương vị|đảm nhiệm|phụ trách|trách nhiệm|chức trách)"
    r"[^.;:!?\n]{0,40}?"
)


def _roles(essay: Essay) -> list[str]:
    """The roles written in the header ("Bác sĩ, Trưởng khoa Khám bệnh" gives two)."""
    parts = re.split(r"[,;(]| kiêm ", essay.role.lower())
    return [r for r in (" ".join(p.strip(" )").split()) for p in parts) if len(r.split()) >= 2]


def _states_role(text: str, roles: list[str]) -> str:
    """The first of ``roles`` that ``text`` claims in the first person ("Là Phó Hiệu trưởng")."""
    return next((r for r in roles if re.search(_ROLE_CUE + re.escape(r) + r"\b", text)), "")


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
    """
    for x, y in ((a, b), (b, a)):
        sig = fold(y.layout.signature)
        if sig and sig != fold(y.layout.author) and sig == fold(x.layout.author):
            return Attribution(
                x.id, f"Bài {y.id} ký tên {y.layout.signature}, người viết bài {x.id}."
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
                    x.id, f"{mine} số liệu, tên riêng trùng là của đơn vị {x.unit or x.id}."
                )
    # Roles the two writers do not share ("phó trưởng khoa" contains "trưởng khoa": shared).
    ra, rb = _roles(a), _roles(b)
    only_a = [r for r in ra if not any(r in x or x in r for x in rb)]
    only_b = [r for r in rb if not any(r in x or x in r for x in ra)]
    body_a, body_b = (" ".join(e.body.lower().split()) for e in (a, b))
    own_a, own_b = _states_role(body_a, only_a), _states_role(body_b, only_b)
    other_a, other_b = _states_role(body_a, only_b), _states_role(body_b, only_a)
    # A copier's body speaks of the source's role (or of no role), not of the copier's own.
    if own_a and not own_b and not other_a:
        return Attribution(a.id, f"Đoạn văn tự nhận là '{own_a}', đúng chức vụ của bài {a.id}.")
    if own_b and not own_a and not other_b:
        return Attribution(b.id, f"Đoạn văn tự nhận là '{own_b}', đúng chức vụ của bài {b.id}.")
    # A section lifted word for word: nearly all of one text lies inside the other.
    if coverage is not None:
        cov_a, cov_b = coverage
        for x, y, cx, cy in ((a, b, cov_a, cov_b), (b, a, cov_b, cov_a)):
            if cx >= 0.8 and cy <= 0.65:
                reason = (
                    f"Gần như toàn bộ bài {x.id} nằm trong bài {y.id}, không có chiều ngược lại."
                )
                return Attribution(y.id, reason)
    return Attribution()
