"""The pair view: two texts side by side, matched passages aligned, highlighted and linked."""

from __future__ import annotations

import streamlit as st

from essaycheck.matches import Match
from essaycheck.pipeline import Report
from essaycheck.store import pair_target
from essaycheck.ui import common
from essaycheck.ui.highlight import Span, highlight, text_box
from essaycheck.ui.tables import METHOD_LABELS, pair_spans, with_decisions

CONTEXT = 160  # characters shown before and after the passage in the aligned excerpt
PAIR_COLUMNS = {
    "a": "Bài A",
    "author_a": "Người viết A",
    "b": "Bài / tài liệu B",
    "author_b": "Người viết B",
    "kind": "Loại",
    "score": "Điểm trùng (%)",
    "coverage_a": "Phủ A (%)",
    "coverage_b": "Phủ B (%)",
    "passages": "Số đoạn",
    "decision": "Quyết định",
}


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
            on_select=lambda: _open_selected(indexes),
            selection_mode="single-row",
            key="pair_table",
        )
    labels = {
        int(r.match): f"{r.a} ({r.author_a}) ↔ {r.b} ({r.author_b}) — {r.score:.0f}%"
        + (f" — {r.decision}" if r.decision else "")
        for r in pairs.itertuples()
    }
    if st.session_state.get("pair_index") not in labels:
        st.session_state["pair_index"] = indexes[0]
    index = st.selectbox("Cặp bài", indexes, key="pair_index", format_func=labels.get)
    match: Match = rep.matches[index]
    text_a, text_b = rep.texts.get(match.a, ""), rep.texts.get(match.b, "")

    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Phần bài A bị trùng", f"{100 * match.coverage_a:.0f}%")
    m2.metric("Phần bài B bị trùng", f"{100 * match.coverage_b:.0f}%")
    m3.metric("Điểm trùng của cặp", f"{100 * match.score:.0f}%")
    m4.metric("Số đoạn trùng", len(match.passages))
    st.caption(
        f"Cách phát hiện: {METHOD_LABELS.get(match.method, match.method)}. "
        + ("B là bài mẫu / tài liệu tham khảo." if match.kind == "reference" else "")
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
        st.caption(f"Đoạn {k}/{n}: {p.n_words} từ, {METHOD_LABELS.get(p.method, p.method)}.")
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
    who_a = rep.essay(match.a).author if _is_essay(rep, match.a) else ""
    left.markdown(f"**A: {common.md(match.a)}** — {common.md(who_a)}")
    left.html(text_box(highlight(text_a, spans_a), height=560))
    who_b = rep.essay(match.b).author if _is_essay(rep, match.b) else "tài liệu tham khảo"
    right.markdown(f"**B: {common.md(match.b)}** — {common.md(who_b)}")
    right.html(text_box(highlight(text_b, spans_b), height=560))

    common.decision_form(
        batch_id, "pair", pair_target(match.a, match.b), f"Cặp {match.a} ↔ {match.b}"
    )


def _is_essay(rep: Report, essay_id: str) -> bool:
    return any(e.id == essay_id for e in rep.essays)
