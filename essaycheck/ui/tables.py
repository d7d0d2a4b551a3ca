"""What the review screens show, as plain data built from a :class:`Report`: no Streamlit here.

Only presentation: labels, colours, filters and the spans to highlight. Every figure comes from
the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from essaycheck.matches import Match
from essaycheck.pipeline import EssayResult, Report
from essaycheck.relevance import COMPONENT_LABELS, LEVEL_NAMES
from essaycheck.report import FLAG_LABELS, unit_table
from essaycheck.store import DECISION_LABELS, pair_target
from essaycheck.ui.highlight import Span, colour_for

METHOD_LABELS = {
    "shingle": "trùng nguyên văn",
    "paraphrase": "viết lại ý",
    "shingle+paraphrase": "nguyên văn + viết lại",
}
DECISION_ICONS = {"confirm": "✓", "dismiss": "✗", "discuss": "?"}
# The flags a reviewer must decide on (low relevance is a grade, not a suspicion).
SUSPICION_FLAGS = frozenset(FLAG_LABELS) - {"low_relevance"}


def flag_text(flags: Sequence[str]) -> str:
    return "; ".join(FLAG_LABELS.get(f, f) for f in flags)


def essay_frame(report: Report) -> pd.DataFrame:
    """One row per essay (``decision`` is left empty: see :func:`with_decisions`)."""
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
    ``score_range`` and ``query`` in the author, id or file name (case-insensitive)."""
    keep = frame.score.between(*score_range)
    if units:
        keep &= frame.unit.isin(units)
    if flags:
        wanted = set(flags)
        keep &= frame.flag_codes.map(lambda fs: bool(wanted & set(fs)))
    if only_flagged:
        keep &= frame.flag_codes.map(bool)
    q = query.strip().casefold()
    if q:
        text = (frame.author + " " + frame.id + " " + frame.source).str.casefold()
        keep &= text.str.contains(q, regex=False)
    return frame[keep]


def pair_frame(report: Report) -> pd.DataFrame:
    """One row per match, strongest first, with authors (``decision`` empty, as above)."""
    authors = {e.id: e.author for e in report.essays}
    rows = [
        {
            "match": i,
            "a": m.a,
            "b": m.b,
            "author_a": authors.get(m.a, ""),
            "author_b": authors.get(m.b, "(tài liệu tham khảo)"),
            "kind": "bài mẫu / tài liệu" if m.kind == "reference" else "bài trong đợt",
            "score": round(100 * m.score, 1),
            "coverage_a": round(100 * m.coverage_a, 1),
            "coverage_b": round(100 * m.coverage_b, 1),
            "method": METHOD_LABELS.get(m.method, m.method),
            "passages": len(m.passages),
            "target": pair_target(m.a, m.b),
            "decision": "",
        }
        for i, m in enumerate(report.matches)
    ]
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
        "target",
        "decision",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class Source:
    """A text an essay shares passages with, and the colour it is shown in."""

    id: str
    label: str
    colour: str
    kind: str  # "copy" (another essay) or "reference"


def copy_sources(report: Report, essay_id: str) -> list[Source]:
    """The texts ``essay_id`` shares passages with, strongest match first, each with a colour."""
    authors = {e.id: e.author for e in report.essays}
    mine = sorted((m for m in report.matches if essay_id in (m.a, m.b)), key=lambda m: -m.score)
    out = []
    for i, m in enumerate(mine):
        other = m.other(essay_id)
        kind = "reference" if m.kind == "reference" else "copy"
        who = "tài liệu tham khảo" if kind == "reference" else (authors.get(other) or "?")
        out.append(Source(other, f"{other} ({who}, {100 * m.score:.0f}%)", colour_for(i), kind))
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


def unit_overview(report: Report, decisions: pd.DataFrame | None = None) -> pd.DataFrame:
    """The library's per-unit table with the number of essay decisions taken in each unit."""
    table = unit_table(report)
    taken = pd.Series(dtype=int)
    if decisions is not None and not decisions.empty:
        unit_of = {e.id: e.unit or "(không rõ)" for e in report.essays}
        d = decisions[decisions.target_kind == "essay"].drop_duplicates("target_id", keep="last")
        taken = d.target_id.map(unit_of).value_counts()
    table["decisions"] = table["unit"].map(taken).fillna(0).astype(int)
    return table


def with_decisions(frame: pd.DataFrame, taken: pd.DataFrame, kind: str, key: str) -> pd.DataFrame:
    """``frame`` with its ``decision`` column showing the latest decision of ``kind`` taken on
    the target named in column ``key`` (``taken`` as :meth:`Store.decisions` returns it)."""
    frame = frame.copy()
    if taken.empty:
        return frame
    d = taken[taken.target_kind == kind].drop_duplicates("target_id", keep="last")
    latest = dict(zip(d.target_id, d.decision, strict=True))
    frame["decision"] = frame[key].map(
        lambda t: f"{DECISION_ICONS[latest[t]]} {DECISION_LABELS[latest[t]]}" if t in latest else ""
    )
    return frame
