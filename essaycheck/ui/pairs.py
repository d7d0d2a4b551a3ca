"""The pair view: two texts side by side, matched passages aligned, highlighted and linked."""

from __future__ import annotations

import streamlit as st

from essaycheck.matches import Match
from essaycheck.store import pair_target
from essaycheck.ui import common
from essaycheck.ui.highlight import Span, highlight, text_box
from essaycheck.ui.tables import (
    METHOD_LABELS,
    UNKNOWN_SOURCE,
    by_length,
    direction,
    display_name,
    pair_spans,
    with_decisions,
)
from essaycheck.ui.vn import number, percent

CONTEXT = 160  # characters shown before and after the passage in the aligned excerpt
PAIR_COLUMNS = {
    "a": "Bài A",
    "author_a": "Người viết A",
    "b": "Bài / tài liệu B",
    "author_b": "Người viết B",
    "score": "Điểm trùng",
    "source": "Bài gốc có thể là",
    "confidence": "Tin cậy",
    "passages": "Số đoạn",
    "decision": "Quyết định",
}
CONFIDENCE_COLOURS = {"cao": "#d3f9d8", "khá cao": "#e6fcf5", "trung bình": "#fff9db"}


def _excerpt(text: str, start: int, end: int) -> str:
    a, b = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    if a > 0:  # start and end the context on word boundaries
        a = min(start, next((i + 1 for i in range(a, start) if text[i].isspace()), a))
    if b < len(text):
        b = max(end, next((i for i in range(b, end, -1) if text[i].isspace()), b))
    body = highlight(text[a:b], [Span(start - a, end - a, "current", "#ffd8a8")])
    return text_box(("…" if a > 0 else "") + body + ("…" if b < len(text) else ""), height=None)


def _step(delta: int, n: int) -> None:
    k = int(st.session_state.get("passage_k", 1)) + delta
    st.session_state["passage_k"] = min(max(1, k), n)


def _open_selected(indexes: list[int]) -> None:
    rows = st.session_state.get("pair_table", {}).get("selection", {}).get("rows", [])
    if rows and rows[0] < len(indexes):
        st.session_state["pair_index"] = indexes[rows[0]]
        st.session_state["passage_k"] = 1


def pair_view(batch_id: int) -> None:
    rep = common.report(batch_id)
    pairs = with_decisions(
        common.pairs_table(common.db_path(), batch_id), common.decisions(batch_id), "pair", "target"
    )
    st.header("So sánh cặp bài")
    if pairs.empty:
        st.info("Không có cặp bài nào bị nghi sao chép trong đợt này.")
        return
    indexes = [int(i) for i in pairs["match"]]
    with st.expander(f"Tất cả {len(pairs)} cặp trùng lặp (bấm một dòng để mở)", expanded=False):
        st.dataframe(
            pairs[list(PAIR_COLUMNS)].rename(columns=PAIR_COLUMNS),
            hide_index=True,
            width="stretch",
            column_config={
                "Điểm trùng": st.column_config.NumberColumn(format="%.0f%%", width=90),
                "Số đoạn": st.column_config.NumberColumn(width=70),
            },
            on_select=lambda: _open_selected(indexes),
            selection_mode="single-row",
            key="pair_table",
        )
    labels = {
        int(r.match): f"{r.a} ({r.author_a}) ↔ {r.b} ({r.author_b}) — {number(r.score)}%"
        + (f" — {r.decision}" if r.decision else "")
        for r in pairs.itertuples()
    }
    if st.session_state.get("pair_index") not in labels:
        st.session_state["pair_index"] = indexes[0]
    index = st.selectbox("Cặp bài", indexes, key="pair_index", format_func=labels.get)
    match: Match = by_length(rep.matches[index])
    text_a, text_b = rep.texts.get(match.a, ""), rep.texts.get(match.b, "")
    names = {x: display_name(rep, x) for x in (match.a, match.b)}
    d = direction(rep, match)
    if d.source:
        st.html(
            f"<div style='background:{CONFIDENCE_COLOURS.get(d.confidence, '#fff4e6')};"
            "border-left:4px solid #b03a2e;padding:8px 12px;border-radius:4px'>"
            f"<b>Bài gốc có thể là: {common.esc(d.source)} ({common.esc(names[d.source])})</b>"
            f" — bài {common.esc(d.copier)} ({common.esc(names[d.copier])}) chép lại.<br>"
            f"Lý do: {common.esc(d.reason)}<br>Mức tin cậy: <b>{common.esc(d.confidence)}</b></div>"
        )
    else:
        st.html(
            "<div style='background:#f1f3f5;border-left:4px solid #868e96;padding:8px 12px;"
            f"border-radius:4px'><b>{common.esc(UNKNOWN_SOURCE.capitalize())}</b>: "
            f"{common.esc(d.reason)}</div>"
        )

    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Phần bài A bị trùng", percent(match.coverage_a))
    m2.metric("Phần bài B bị trùng", percent(match.coverage_b))
    m3.metric("Điểm trùng của cặp", percent(match.score))
    m4.metric("Số đoạn trùng", len(match.passages))
    st.caption(
        f"Cách phát hiện: {METHOD_LABELS.get(match.method, match.method)}. "
        + (f"B là {names[match.b]}. " if match.kind != "essay" else "")
        + "Các đoạn trùng được xếp từ dài đến ngắn."
    )

    n = len(match.passages)
    current = None
    if n:
        st.markdown("#### Từng đoạn trùng")
        if int(st.session_state.get("passage_k", 1)) > n:
            st.session_state["passage_k"] = 1
        c1, c2, c3 = st.columns([1, 2, 1], vertical_alignment="bottom")
        c1.button("◀ Đoạn trước", on_click=_step, args=(-1, n), key="prev_passage", width="stretch")
        k = int(c2.number_input(f"Đoạn số (1–{n})", 1, n, key="passage_k"))
        c3.button("Đoạn sau ▶", on_click=_step, args=(1, n), key="next_passage", width="stretch")
        current = k - 1
        p = match.passages[current]
        st.caption(
            f"Đoạn {k}/{n}: {number(p.n_words)} từ, {METHOD_LABELS.get(p.method, p.method)}."
        )
        left, right = st.columns(2, gap="medium")
        left.markdown(f"**A: {common.md(match.a)}**")
        left.html(_excerpt(text_a, p.a_start, p.a_end))
        right.markdown(f"**B: {common.md(match.b)}**")
        right.html(_excerpt(text_b, p.b_start, p.b_end))

    st.markdown("#### Toàn văn hai bài")
    st.caption(
        "Các đoạn trùng được tô màu; đoạn đang xem có viền đỏ. Bấm vào một đoạn để nhảy "
        "tới đoạn tương ứng ở bài bên kia."
    )
    spans_a, spans_b = pair_spans(match, current)
    left, right = st.columns(2, gap="medium")
    tag = {d.source: " (bài gốc có thể là)", d.copier: " (bài chép)"} if d.source else {}
    left.markdown(
        f"**A: {common.md(match.a)}** — {common.md(names[match.a] + tag.get(match.a, ''))}"
    )
    left.html(text_box(highlight(text_a, spans_a), height=560))
    right.markdown(
        f"**B: {common.md(match.b)}** — {common.md(names[match.b] + tag.get(match.b, ''))}"
    )
    right.html(text_box(highlight(text_b, spans_b), height=560))

    common.decision_form(
        batch_id, "pair", pair_target(match.a, match.b), f"Cặp {match.a} ↔ {match.b}"
    )
