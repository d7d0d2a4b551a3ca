"""What the review screens show, as plain data built from a :class:`Report`: no Streamlit here.

Only presentation: labels, colours, filters and the spans to highlight. Every figure comes from
the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import pandas as pd

from essaycheck.header import parse_layout
from essaycheck.matches import Match
from essaycheck.pipeline import EssayResult, Report
from essaycheck.relevance import COMPONENT_LABELS, LEVEL_NAMES
from essaycheck.report import FLAG_LABELS, unit_table
from essaycheck.store import DECISION_LABELS, pair_target
from essaycheck.ui.highlight import Span, colour_for
from essaycheck.ui.vn import fold, number, vn_datetime, vn_time

METHOD_LABELS = {
    "shingle": "trùng nguyên văn",
    "paraphrase": "viết lại ý",
    "shingle+paraphrase": "nguyên văn + viết lại",
}
DECISION_ICONS = {"confirm": "✓", "dismiss": "✗", "discuss": "?"}
# What an essay did in the copies it is part of, as the table's chips tell it.
ROLE_LABELS = {
    "source": "bài gốc bị chép",
    "copier": "chép từ bài khác",
    "reference": "chép tài liệu tham khảo",
    "previous": "chép bài đợt trước",
    "shared": "trùng với bài khác, chưa rõ bài gốc",
}
ROLE_COLOURS = {
    "source": "#fff3bf",
    "copier": "#ffc9c9",
    "reference": "#e5dbff",
    "previous": "#ffd8a8",
    "shared": "#e9ecef",
}
ROLE_ICONS = {"source": "◆", "copier": "▲", "reference": "■", "previous": "●", "shared": "◇"}
UNKNOWN_SOURCE = "chưa rõ bài gốc"
# A reviewer's undo is kept in the history as a decision row whose comment starts with this
# mark (the store's decision values are fixed); the row cancels the one it undoes.
UNDO_MARK = "⟲ Hoàn tác"
KIND_LABELS = {"essay": "bài", "pair": "cặp"}
COPY_FLAGS = frozenset({"copy", "copy_of_reference"})  # told apart by the copy roles
SHORT_FLAGS = {"resolution_only": "chép lại nghị quyết", "signature_mismatch": "chữ ký khác tên"}
# The flags a reviewer must decide on (low relevance is a grade, not a suspicion).
SUSPICION_FLAGS = frozenset(FLAG_LABELS) - {"low_relevance"}


def flag_text(flags: Sequence[str]) -> str:
    return "; ".join(FLAG_LABELS.get(f, f) for f in flags)


def essay_frame(report: Report) -> pd.DataFrame:
    """One row per essay (``decision`` is left empty: see :func:`with_decisions`)."""
    roles = copy_roles(report)
    rows = [
        {
            "id": e.id,
            "author": e.author or "(không rõ)",
            "unit": e.unit or "(không rõ)",
            "role": e.role,
            "source": e.source,
            "n_words": e.n_words,
            "similarity": round(100 * e.copy.similarity, 1),
            "quote_share": round(100 * e.copy.quote_share, 1),
            "score": e.relevance.score,
            "level": e.relevance.level,
            "level_name": LEVEL_NAMES[e.relevance.level],
            "flag_codes": tuple(e.flags),
            "flag_text": flag_text(e.flags),
            "partners": ", ".join(e.copy.partners),
            "roles": tuple(roles.get(e.id, ())),
            "role_text": role_text(roles.get(e.id, ())),
            "search": fold(f"{e.author} {e.unit} {e.id} {e.source}"),
            "decision": "",
        }
        for e in report.essays
    ]
    columns = [
        "id",
        "author",
        "unit",
        "role",
        "source",
        "n_words",
        "similarity",
        "quote_share",
        "score",
        "level",
        "level_name",
        "flag_codes",
        "flag_text",
        "partners",
        "roles",
        "role_text",
        "search",
        "decision",
    ]
    return pd.DataFrame(rows, columns=columns)


def filter_essays(
    frame: pd.DataFrame,
    units: Sequence[str] = (),
    flags: Sequence[str] = (),
    score_range: tuple[float, float] = (0.0, 100.0),
    query: str = "",
    only_flagged: bool = False,
) -> pd.DataFrame:
    """Rows in ``units`` (any, if empty), carrying any of ``flags``, with a relevance score in
    ``score_range`` and every word of ``query`` in the author, unit, id or file name, whatever
    the case and the diacritics ("vo thanh tung" finds "Võ Thanh Tùng")."""
    keep = frame.score.between(*score_range)
    if units:
        keep &= frame.unit.isin(units)
    if flags:
        wanted = set(flags)
        keep &= frame.flag_codes.map(lambda fs: bool(wanted & set(fs)))
    if only_flagged:
        keep &= frame.flag_codes.map(bool)
    if "search" in frame.columns:
        text = frame.search
    else:
        text = (frame.author + " " + frame.unit + " " + frame.id + " " + frame.source).map(fold)
    for word in fold(query).split():
        keep &= text.str.contains(word, regex=False)
    return frame[keep]


def previous_essays(report: Report) -> frozenset[str]:
    """References that are someone's essay of an earlier campaign, not a sample: their header
    names a writer (a downloaded "bài mẫu" leaves "Họ và tên: ……" blank)."""
    return _previous_essays(
        tuple(
            (ref, report.texts.get(ref, ""))
            for ref in {m.b for m in report.matches if m.kind == "reference"}
        )
    )


@lru_cache(maxsize=64)
def _previous_essays(refs: tuple[tuple[str, str], ...]) -> frozenset[str]:
    return frozenset(ref for ref, text in refs if text and parse_layout(text).author.strip())


def reference_role(report: Report, m: Match) -> str:
    """``previous`` for a match with an earlier campaign's essay, else ``reference``."""
    if m.kind == "archive" or (m.kind == "reference" and m.b in previous_essays(report)):
        return "previous"
    return "reference"


def copy_roles(report: Report) -> dict[str, list[str]]:
    """Each essay's roles in its matches (see :data:`ROLE_LABELS`), strongest first: the likely
    original of a copy, a copier, a copy of a sample or of an earlier essay, or undirected."""
    out: dict[str, set[str]] = {}
    for m in report.matches:
        if m.kind != "essay":
            out.setdefault(m.a, set()).add(reference_role(report, m))
        elif m.source in (m.a, m.b):
            out.setdefault(m.source, set()).add("source")
            out.setdefault(m.other(m.source), set()).add("copier")
        else:
            out.setdefault(m.a, set()).add("shared")
            out.setdefault(m.b, set()).add("shared")
    order = list(ROLE_LABELS)
    return {
        k: sorted(v - {"shared"} if v - {"shared", "source"} else v, key=order.index)
        for k, v in out.items()
    }


def role_text(roles: Sequence[str]) -> str:
    return "; ".join(f"{ROLE_ICONS[r]} {ROLE_LABELS[r]}" for r in roles)


def warning_text(roles: Sequence[str], flags: Sequence[str]) -> str:
    """The table's warning cell: the copy roles (they say more than the copy flags), then the
    other suspicions in a few words (a low relevance is in its own column)."""
    other = [SHORT_FLAGS[f] for f in flags if f in SHORT_FLAGS]
    return "; ".join([role_text(roles), *other] if roles else other)


def confidence(m: Match) -> str:
    """How much the suspected source of ``m`` can be trusted: ``cao`` (the text names its
    writer: signature, role, the unit's facts), ``trung bình`` (traces: duties, a section lifted
    whole), or ``""`` when no source is named."""
    if m.kind != "essay":
        return "cao"  # a sample or an earlier essay cannot have copied from this batch
    if not m.source:
        return ""
    return m.confidence or "trung bình"  # set by attribution; older reports lack it


@dataclass(frozen=True)
class Direction:
    """What the pair view says about which side is the original."""

    source: str  # an id, or "" when unknown
    copier: str
    reason: str
    confidence: str

    def sentence(self, names: dict[str, str]) -> str:
        if not self.source:
            return f"{UNKNOWN_SOURCE[0].upper()}{UNKNOWN_SOURCE[1:]}: {self.reason}"
        who = names.get(self.source, "")
        return (
            f"Bài gốc có thể là {self.source}{f' ({who})' if who else ''}; "
            f"{self.copier} chép lại. Lý do: {self.reason} Mức tin cậy: {self.confidence}."
        )


def direction(report: Report, m: Match) -> Direction:
    """The likely original of a pair, the reason and the confidence, from the report's
    ``source``/``reason`` fields (a reference or an earlier essay is always the source)."""
    if m.kind != "essay":
        # The report's reason for a reference is generic; say what kind of text it is.
        if reference_role(report, m) == "previous":
            what = "bài thu hoạch của một đợt trước"
            author = parse_layout(report.texts.get(m.b, "")).author.strip()
            what += f" (người viết: {author})" if author else ""
        else:
            what = "tài liệu tham khảo (bài mẫu) nạp cùng đợt"
        reason = f"{m.b} là {what}, có trước bài {m.a}."
        return Direction(m.b, m.a, reason, confidence(m))
    if m.source in (m.a, m.b):
        return Direction(m.source, m.other(m.source), m.reason, confidence(m))
    return Direction(
        "",
        "",
        "không có chữ ký, chức vụ, số liệu đơn vị hay ngày viết nào cho biết bài nào viết "
        "trước; cả hai bài cần được xem xét.",
        "",
    )


def display_name(report: Report, text_id: str) -> str:
    """An essay's writer, or what a reference is (never an empty or doubly bracketed label)."""
    for e in report.essays:
        if e.id == text_id:
            return e.author or "không rõ tên"
    if text_id in previous_essays(report):
        return "bài đợt trước"
    for m in report.matches:  # an archived essay: its campaign says which earlier one
        if m.kind == "archive" and m.b == text_id:
            return f"bài đợt '{m.campaign}' trong kho"
    return "tài liệu tham khảo"


def pair_frame(report: Report) -> pd.DataFrame:
    """One row per match, strongest first, with authors (``decision`` empty, as above)."""
    rows = []
    for i, m in enumerate(report.matches):
        d = direction(report, m)
        kind = reference_role(report, m) if m.kind != "essay" else "essay"
        rows.append(
            {
                "match": i,
                "a": m.a,
                "b": m.b,
                "author_a": display_name(report, m.a),
                "author_b": display_name(report, m.b),
                "kind": {
                    "essay": "hai bài trong đợt",
                    "reference": "bài với tài liệu tham khảo",
                    "previous": "bài với bài đợt trước",
                }[kind],
                "score": round(100 * m.score, 1),
                "coverage_a": round(100 * m.coverage_a, 1),
                "coverage_b": round(100 * m.coverage_b, 1),
                "method": METHOD_LABELS.get(m.method, m.method),
                "passages": len(m.passages),
                "source": d.source or UNKNOWN_SOURCE,
                "confidence": d.confidence,
                "reason": d.reason,
                "target": pair_target(m.a, m.b),
                "decision": "",
            }
        )
    columns = [
        "match",
        "a",
        "b",
        "author_a",
        "author_b",
        "kind",
        "score",
        "coverage_a",
        "coverage_b",
        "method",
        "passages",
        "source",
        "confidence",
        "reason",
        "target",
        "decision",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def by_length(match: Match) -> Match:
    """``match`` with its passages longest first (a heading of 8 words is rarely the point)."""
    order = sorted(match.passages, key=lambda p: (-p.n_words, p.a_start))
    return replace(match, passages=tuple(order))


@dataclass(frozen=True)
class Source:
    """A text an essay shares passages with, and the colour it is shown in."""

    id: str
    label: str
    colour: str
    kind: str  # "copy" (another essay) or "reference"


def copy_sources(report: Report, essay_id: str) -> list[Source]:
    """The texts ``essay_id`` shares passages with, strongest match first, each with a colour
    and a label that says who copied whom."""
    mine = sorted((m for m in report.matches if essay_id in (m.a, m.b)), key=lambda m: -m.score)
    out = []
    for i, m in enumerate(mine):
        other = m.other(essay_id)
        kind = "reference" if m.kind != "essay" else "copy"
        d = direction(report, m)
        how = "bài gốc" if d.source == other else "chép từ bài này" if d.source else UNKNOWN_SOURCE
        label = f"{other} ({display_name(report, other)}, {number(100 * m.score)}%, {how})"
        out.append(Source(other, label, colour_for(i), kind))
    return out


def copy_spans(report: Report, essay_id: str) -> list[Span]:
    """Passages of ``essay_id`` matched in other texts, coloured by source."""
    sources = {s.id: s for s in copy_sources(report, essay_id)}
    spans = []
    for m in report.matches:
        if essay_id not in (m.a, m.b):
            continue
        src = sources[m.other(essay_id)]
        for p in m.passages:
            start, end = (p.a_start, p.a_end) if essay_id == m.a else (p.b_start, p.b_end)
            how = METHOD_LABELS.get(p.method, p.method)
            spans.append(Span(start, end, src.kind, src.colour, f"Trùng với {src.label} — {how}"))
    return spans


def quote_spans(report: Report, essay: EssayResult) -> list[Span]:
    """Resolution quotes and boilerplate, in original offsets (kept in the saved report too)."""
    labels = {
        "quoted": ("quote", "Trích dẫn nghị quyết"),
        "boilerplate": ("boilerplate", "Câu chữ chung"),
    }
    return [
        Span(a, b, kind=kind, label=label)
        for key, (kind, label) in labels.items()
        for a, b in essay.spans.get(key, [])
    ]


def evidence_spans(essay: EssayResult) -> list[Span]:
    """Sentences that earned relevance credit."""
    return [
        Span(ev.start, ev.end, "evidence", label=f"{COMPONENT_LABELS.get(c, c)}: {ev.reason}")
        for c, evs in essay.relevance.evidence.items()
        for ev in evs
    ]


def pair_spans(match: Match, current: int | None = None) -> tuple[list[Span], list[Span]]:
    """Spans of both texts of a pair; passage ``k`` in one text links to passage ``k`` in the
    other, and the ``current`` one is outlined."""
    left, right = [], []
    for k, p in enumerate(match.passages):
        kind = "current" if k == current else "copy"
        colour = colour_for(k % 2 * 2)  # alternate two colours so neighbours stay apart
        label = f"Đoạn {k + 1}/{len(match.passages)} — {METHOD_LABELS.get(p.method, p.method)}"
        left.append(Span(p.a_start, p.a_end, kind, colour, label, f"pa-{k}", f"pb-{k}"))
        right.append(Span(p.b_start, p.b_end, kind, colour, label, f"pb-{k}", f"pa-{k}"))
    return left, right


def in_force(taken: pd.DataFrame) -> pd.DataFrame:
    """The decision in force on each target: the last one not undone (an undo row cancels the
    latest decision still standing, so undoing twice brings back the one before)."""
    if taken.empty:
        return taken
    stacks: dict[tuple[str, str], list[int]] = {}
    for i, row in enumerate(taken.itertuples(index=False)):
        stack = stacks.setdefault((row.target_kind, row.target_id), [])
        if is_undo(row.comment):
            if stack:
                stack.pop()
        else:
            stack.append(i)
    keep = sorted(stack[-1] for stack in stacks.values() if stack)
    return taken.iloc[keep]


def is_undo(comment: object) -> bool:
    return str(comment or "").startswith(UNDO_MARK)


def target_label(report: Report, kind: str, target: str) -> str:
    """A decision's target as a reviewer reads it: "bv_09 (Trần Văn An)" or
    "bv_02 ↔ bv_09" instead of the stored key "bv_02|bv_09"."""
    if kind == "pair":
        return " ↔ ".join(target.split("|"))
    return f"{target} ({display_name(report, target)})"


def decision_table(report: Report, taken: pd.DataFrame, as_datetime: bool = False) -> pd.DataFrame:
    """Decisions in Vietnamese, for screens and exports: kind, target, decision (an undo says
    so), reviewer, comment, Vietnam time (text, or a naive datetime for Excel)."""
    rows = [
        {
            "Loại": KIND_LABELS.get(r.target_kind, r.target_kind),
            "Bài / cặp": target_label(report, r.target_kind, r.target_id),
            "Quyết định": f"hoàn tác ({r.decision_label})"
            if is_undo(r.comment)
            else r.decision_label,
            "Người xem xét": r.reviewer,
            "Nhận xét": r.comment,
            "Thời điểm": (
                vn_dt.replace(tzinfo=None)
                if as_datetime and (vn_dt := vn_datetime(r.time))
                else vn_time(r.time)
            ),
        }
        for r in taken.itertuples(index=False)
    ]
    columns = ["Loại", "Bài / cặp", "Quyết định", "Người xem xét", "Nhận xét", "Thời điểm"]
    return pd.DataFrame(rows, columns=columns)


def decision_units(report: Report, kind: str, target: str) -> set[str]:
    """The units a decision concerns: the essay's, or both essays' of a pair."""
    unit_of = {e.id: e.unit or "(không rõ)" for e in report.essays}
    ids = target.split("|") if kind == "pair" else [target]
    return {unit_of[i] for i in ids if i in unit_of}


def unit_overview(report: Report, decisions: pd.DataFrame | None = None) -> pd.DataFrame:
    """The library's per-unit table with the decisions in force in each unit: on its essays
    and on pairs with one of its essays (a pair of two units counts in both)."""
    table = unit_table(report)
    counts: dict[str, int] = {}
    if decisions is not None and not decisions.empty:
        for r in in_force(decisions).itertuples(index=False):
            for unit in decision_units(report, r.target_kind, r.target_id):
                counts[unit] = counts.get(unit, 0) + 1
    table["decisions"] = table["unit"].map(counts).fillna(0).astype(int)
    return table


def with_decisions(frame: pd.DataFrame, taken: pd.DataFrame, kind: str, key: str) -> pd.DataFrame:
    """``frame`` with its ``decision`` column showing the decision of ``kind`` in force on the
    target named in column ``key`` (``taken`` as :meth:`Store.decisions` returns it)."""
    frame = frame.copy()
    if taken.empty:
        return frame
    d = in_force(taken)
    d = d[d.target_kind == kind]
    latest = dict(zip(d.target_id, d.decision, strict=True))
    frame["decision"] = frame[key].map(
        lambda t: f"{DECISION_ICONS[latest[t]]} {DECISION_LABELS[latest[t]]}" if t in latest else ""
    )
    return frame
