"""A print-ready report per unit for the committee meeting: one self-contained HTML page (no
script, no outside request), one unit per printed page, opened in any browser and printed or
saved as PDF with Ctrl+P. Plain Python: the review UI offers it for download.
"""

from __future__ import annotations

import html

import pandas as pd

from essaycheck.pipeline import Report
from essaycheck.report import FLAG_LABELS, unit_table
from essaycheck.store import DECISION_LABELS
from essaycheck.ui.tables import (
    SUSPICION_FLAGS,
    copy_roles,
    decision_units,
    direction,
    display_name,
    in_force,
    role_text,
    target_label,
)
from essaycheck.ui.vn import now_vn, number, percent, vn_time

_CSS = """
body { font-family: "Times New Roman", "DejaVu Serif", serif; font-size: 12.5pt; color: #000;
       margin: 1.5cm; }
h1 { font-size: 16pt; text-align: center; margin: 0 0 4pt; text-transform: uppercase; }
h2 { font-size: 14pt; margin: 14pt 0 6pt; border-bottom: 1px solid #000; }
h3 { font-size: 12.5pt; margin: 10pt 0 4pt; }
.meta { text-align: center; font-style: italic; margin-bottom: 10pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 8pt; font-size: 11pt; }
th, td { border: 1px solid #444; padding: 3pt 5pt; vertical-align: top; text-align: left; }
th { background: #eee; }
td.n { text-align: right; white-space: nowrap; }
.unit { page-break-after: always; break-after: page; }
.unit:last-child { page-break-after: auto; break-after: auto; }
.note { font-size: 10.5pt; font-style: italic; }
@page { size: A4; margin: 1.5cm; }
@media print { body { margin: 0; } }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(headings: list[str], rows: list[list[object]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headings)
    body = "".join(
        "<tr>"
        + "".join(
            ("<td class='n'>" if i in numeric else "<td>") + f"{_e(v)}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def unit_report_html(
    report: Report,
    decisions: pd.DataFrame,
    batch_name: str = "",
    units: list[str] | None = None,
) -> str:
    """The per-unit report of a batch: for each unit (``units``, default all) its figures, its
    flagged essays with their copy roles and the decision in force, its pairs with the likely
    original, and every decision recorded on its essays and pairs."""
    table = unit_table(report).set_index("unit")
    roles = copy_roles(report)
    force = in_force(decisions) if not decisions.empty else decisions
    latest = {(r.target_kind, r.target_id): r for r in force.itertuples(index=False)}
    chosen = [u for u in (units or list(table.index)) if u in table.index]
    sections = []
    for unit in chosen:
        row = table.loc[unit]
        mine = [e for e in report.essays if (e.unit or "(không rõ)") == unit]
        ids = {e.id for e in mine}
        unit_decisions = [
            r
            for r in decisions.itertuples(index=False)
            if unit in decision_units(report, r.target_kind, r.target_id)
        ]
        in_force_here = sum(unit in decision_units(report, k, t) for k, t in latest)
        figures = _table(
            ["Số bài", "Bài bị gắn cờ", "Tỉ lệ gắn cờ", "Điểm liên hệ TB"]
            + [f"Mức {i}" for i in range(4)]
            + ["Quyết định đã ghi"],
            [
                [
                    number(row["essays"]),
                    number(row["flagged"]),
                    percent(row["flagged_share"], 1),
                    number(row["mean_relevance"], 1),
                    *(number(row.get(f"level_{i}", 0)) for i in range(4)),
                    number(in_force_here),
                ]
            ],
            numeric=set(range(9)),
        )
        flagged = [e for e in mine if set(e.flags) & SUSPICION_FLAGS or e.relevance.level <= 1]
        essay_rows = []
        for e in sorted(flagged, key=lambda e: (-e.copy.similarity, e.id)):
            d = latest.get(("essay", e.id))
            essay_rows.append(
                [
                    e.id,
                    e.author or "(không rõ tên)",
                    e.role,
                    "; ".join(FLAG_LABELS.get(f, f) for f in e.flags),
                    role_text(roles.get(e.id, ())),
                    percent(e.copy.similarity),
                    f"{number(e.relevance.score)} (mức {e.relevance.level})",
                    f"{DECISION_LABELS[d.decision]} — {d.reviewer}" if d is not None else "",
                ]
            )
        essays_html = (
            _table(
                [
                    "Mã bài",
                    "Họ và tên",
                    "Chức vụ",
                    "Cờ cảnh báo",
                    "Sao chép",
                    "Trùng lặp",
                    "Điểm liên hệ",
                    "Quyết định",
                ],
                essay_rows,
                numeric={5, 6},
            )
            if essay_rows
            else "<p>Không có bài nào bị gắn cờ hay liên hệ yếu.</p>"
        )
        pair_rows = []
        for m in sorted(report.matches, key=lambda m: -m.score):
            if not ({m.a, m.b} & ids):
                continue
            d = direction(report, m)
            taken = latest.get(("pair", "|".join(sorted((m.a, m.b)))))
            pair_rows.append(
                [
                    f"{m.a} ({display_name(report, m.a)}) ↔ {m.b} ({display_name(report, m.b)})",
                    percent(m.score),
                    d.source or "chưa rõ bài gốc",
                    f"{d.reason} {'Mức tin cậy: ' + d.confidence + '.' if d.confidence else ''}",
                    f"{DECISION_LABELS[taken.decision]} — {taken.reviewer}" if taken else "",
                ]
            )
        pairs_html = (
            _table(
                ["Cặp bài", "Điểm trùng", "Bài gốc có thể là", "Căn cứ", "Quyết định"],
                pair_rows,
                numeric={1},
            )
            if pair_rows
            else "<p>Không có cặp trùng lặp nào liên quan đến đơn vị.</p>"
        )
        decision_rows = [
            [
                vn_time(r.time),
                target_label(report, r.target_kind, r.target_id),
                ("hoàn tác " if str(r.comment).startswith("⟲") else "") + r.decision_label,
                r.reviewer,
                r.comment,
            ]
            for r in unit_decisions
        ]
        decisions_html = (
            _table(
                ["Thời điểm", "Bài / cặp", "Quyết định", "Người xem xét", "Nhận xét"], decision_rows
            )
            if decision_rows
            else "<p>Chưa có quyết định nào.</p>"
        )
        sections.append(
            f"<section class='unit'><h2>{_e(unit)}</h2>"
            f"<h3>Số liệu</h3>{figures}"
            f"<h3>Bài cần xem xét ({number(len(essay_rows))})</h3>{essays_html}"
            f"<h3>Cặp trùng lặp ({number(len(pair_rows))})</h3>{pairs_html}"
            f"<h3>Quyết định đã ghi ({number(len(decision_rows))})</h3>{decisions_html}"
            "<p class='note'>Công cụ chỉ gắn cờ và nêu căn cứ; người xem xét và cấp ủy quyết "
            "định.</p></section>"
        )
    title = "Báo cáo kết quả rà soát bài thu hoạch theo đơn vị"
    meta = " · ".join(
        x
        for x in (
            _e(batch_name),
            _e(report.resolution_title),
            f"In lúc {_e(now_vn().strftime('%d/%m/%Y %H:%M'))}",
        )
        if x
    )
    return (
        "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1><div class='meta'>{meta}</div>"
        + ("".join(sections) or "<p>Không có đơn vị nào.</p>")
        + "</body></html>"
    )
