"""The essay table (filters, sorting, pages) and the view of one essay."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from essaycheck.relevance import COMPONENTS
from essaycheck.report import FLAG_LABELS, file_name
from essaycheck.ui import common
from essaycheck.ui.highlight import highlight, legend, text_box
from essaycheck.ui.tables import (
    COMPONENT_LABELS,
    COPY_FLAGS,
    ROLE_COLOURS,
    ROLE_ICONS,
    ROLE_LABELS,
    SUSPICION_FLAGS,
    copy_roles,
    copy_sources,
    copy_spans,
    evidence_spans,
    filter_essays,
    quote_spans,
    warning_text,
    with_decisions,
)
from essaycheck.ui.vn import number, percent

PAGE_SIZE = 50
SORTS = {
    "Điểm trùng lặp (cao trước)": ("similarity", False),
    "Điểm liên hệ (thấp trước)": ("score", True),
    "Điểm liên hệ (cao trước)": ("score", False),
    "Họ tên (A → Z)": ("author", True),
    "Đơn vị (A → Z)": ("unit", True),
    "Mã bài": ("id", True),
}
COLUMNS = {
    "id": "Mã bài",
    "author": "Họ tên",
    "unit": "Đơn vị",
    "warning": "Cảnh báo",
    "similarity": "Trùng lặp",
    "score": "Điểm LH",
    "level": "Mức",
    "decision": "Quyết định",
}
# Pixel widths: the table and its headings fit a 1366 px screen beside the sidebar
# (tests/test_browser.py measures it).
WIDTHS = {
    "Mã bài": 70,
    "Họ tên": 150,
    "Đơn vị": 170,
    "Cảnh báo": 230,
    "Trùng lặp": 80,
    "Điểm LH": 70,
    "Mức": 48,
    "Quyết định": 110,
}


def _open_selected(ids: list[str]) -> None:
    rows = st.session_state.get("essay_table", {}).get("selection", {}).get("rows", [])
    if rows and rows[0] < len(ids):
        common.go("essay", essay_id=ids[rows[0]])


def _errors(batch_id: int) -> None:
    errors = common.report(batch_id).errors
    if not errors:
        return
    just_checked = st.session_state.get("last_run", {}).get("batch_id") == batch_id
    with st.expander(
        f"{len(errors)} tệp không đọc được (đã bỏ qua, các bài khác vẫn được kiểm tra)",
        expanded=just_checked,
        icon=":material/warning:",
    ):
        st.dataframe(
            pd.DataFrame([{"Tệp": e.source, "Lý do và cách khắc phục": e.message} for e in errors]),
            hide_index=True,
            width="stretch",
        )


def essay_list(batch_id: int) -> None:
    """All essays with filters by unit, flag, score range and name; click a row to open it."""
    st.header("Danh sách bài thu hoạch")
    last = st.session_state.get("last_run", {})
    if last.get("batch_id") == batch_id:
        files = last.get("files")
        st.success(
            f"Đã kiểm tra {number(last['essays'])} bài"
            + (f" từ {number(files)} tệp" if files else "")
            + f" trong {number(last['seconds'], 1)} giây (từ lúc đọc tệp đến khi có kết quả). "
            f"{number(last['errors'])} tệp không đọc được."
            + (
                " Số bài nhiều hơn số tệp vì một bảng tính (.xlsx, .csv) chứa nhiều bài, mỗi "
                "dòng một bài."
                if files and last["essays"] > files
                else ""
            )
        )
    _errors(batch_id)
    frame = with_decisions(
        common.essays_table(common.db_path(), batch_id), common.decisions(batch_id), "essay", "id"
    )
    c1, c2, c3 = st.columns([2, 2, 2])
    query = c1.text_input(
        "Tìm theo họ tên, đơn vị, mã bài",
        key="f_query",
        placeholder="gõ có dấu hay không dấu đều được",
    )
    units = c2.multiselect(
        "Đơn vị", sorted(frame.unit.unique()), key="f_units", placeholder="Tất cả đơn vị"
    )
    flags = c3.multiselect(
        "Cờ cảnh báo",
        list(FLAG_LABELS),
        format_func=FLAG_LABELS.get,
        key="f_flags",
        placeholder="Mọi cờ",
    )
    c4, c5, c6 = st.columns([2, 2, 2])
    st.session_state.setdefault("f_score", (0, 100))
    lo, hi = c4.slider("Khoảng điểm liên hệ", 0, 100, step=1, format="%d", key="f_score")
    sort = c5.selectbox("Sắp xếp theo", list(SORTS), key="f_sort")
    only = c6.checkbox("Chỉ bài bị gắn cờ nghi sao chép", key="f_only")
    shown = filter_essays(frame, units, flags, (lo, hi), query)
    if only:
        shown = shown[shown.flag_codes.map(lambda fs: bool(SUSPICION_FLAGS & set(fs)))]
    column, ascending = SORTS[sort]
    shown = shown.sort_values(column, ascending=ascending, kind="stable")
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    st.caption(
        f"{number(len(shown))} / {number(len(frame))} bài phù hợp. Bấm vào một dòng để xem bài. "
        "Cảnh báo: " + " · ".join(f"{ROLE_ICONS[r]} {ROLE_LABELS[r]}" for r in ROLE_LABELS)
    )
    page = 1
    if pages > 1:
        if not 1 <= st.session_state.get("f_page", 1) <= pages:
            st.session_state["f_page"] = 1
        page = int(st.number_input(f"Trang (1–{pages})", 1, pages, key="f_page"))
    view = shown.iloc[(page - 1) * PAGE_SIZE : page * PAGE_SIZE].copy()
    view["warning"] = [warning_text(r, f) for r, f in zip(view.roles, view.flag_codes, strict=True)]
    ids = list(view.id)
    config = {name: st.column_config.Column(width=w) for name, w in WIDTHS.items()}
    config["Trùng lặp"] = st.column_config.ProgressColumn(
        format="%.0f%%",
        min_value=0,
        max_value=100,
        width=WIDTHS["Trùng lặp"],
        help="Phần lời văn của bài trùng với bài hay tài liệu khác",
    )
    config["Điểm LH"] = st.column_config.ProgressColumn(
        format="%.0f",
        min_value=0,
        max_value=100,
        width=WIDTHS["Điểm LH"],
        help="Điểm liên hệ thực tiễn (0–100)",
    )
    config["Mức"] = st.column_config.NumberColumn(
        width=WIDTHS["Mức"], help="Mức liên hệ 0–3 (0: không liên hệ, 3: sát, cụ thể)"
    )
    st.dataframe(
        view[list(COLUMNS)].rename(columns=COLUMNS),
        hide_index=True,
        width="stretch",
        height=min(35 * (len(view) + 1) + 4, 740),
        column_config=config,
        on_select=lambda: _open_selected(ids),
        selection_mode="single-row",
        key="essay_table",
    )
    if ids:
        c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
        chosen = c1.selectbox(
            "Mở bài", ids, key="list_pick", format_func=lambda i: _label(frame, i)
        )
        c2.button(
            "Xem bài",
            on_click=common.go,
            args=("essay",),
            kwargs={"essay_id": chosen},
            key="open_essay",
            type="primary",
        )


def _label(frame: pd.DataFrame, essay_id: str) -> str:
    row = frame[frame.id == essay_id]
    if row.empty:
        return essay_id
    r = row.iloc[0]
    return f"{essay_id} — {r.author} ({r.unit})"


def _components_html(components: dict[str, float]) -> str:
    """One labelled bar per relevance component (0-100 %)."""
    rows = []
    for c in COMPONENTS:
        pct = round(100 * components.get(c, 0.0))
        colour = "#1a9641" if pct >= 60 else "#fdae61" if pct >= 25 else "#d7191c"
        rows.append(
            "<div style='margin:0 0 8px'>"
            f"<div style='display:flex;justify-content:space-between;font-size:0.88rem'>"
            f"<span>{common.esc(COMPONENT_LABELS.get(c, c))}</span><b>{pct}%</b></div>"
            "<div style='background:#eee;border-radius:4px;height:8px'>"
            f"<div style='width:{pct}%;background:{colour};height:8px;border-radius:4px'></div>"
            "</div></div>"
        )
    return "".join(rows)


def essay_view(batch_id: int) -> None:
    """One essay: copied passages coloured by source, quotes marked, the relevance breakdown."""
    rep = common.report(batch_id)
    frame = common.essays_table(common.db_path(), batch_id)
    if frame.empty:
        st.info("Đợt này không có bài nào.")
        return
    ids = list(frame.id)
    if st.session_state.get("essay_id") not in ids:
        st.session_state["essay_id"] = ids[0]
    essay_id = st.selectbox(
        "Bài thu hoạch", ids, key="essay_id", format_func=lambda i: _label(frame, i)
    )
    essay = rep.essay(essay_id)
    roles = copy_roles(rep).get(essay_id, [])
    st.html(
        f"<h3 style='margin:0'>{common.esc(essay.author or '(không rõ tên)')}</h3>"
        f"<div style='color:#555'>{common.esc(essay.role)}"
        f"{' — ' if essay.role else ''}{common.esc(essay.unit or '(không rõ đơn vị)')}<br>"
        f"Tệp: <code>{common.esc(file_name(essay.source))}</code> · "
        f"{number(essay.n_words)} từ · mức liên hệ <b>{essay.relevance.level}: "
        f"{common.esc(essay.relevance.level_name)}</b></div>"
        + (
            "<div style='margin-top:6px'>"
            + "".join(
                common.chips([f"{ROLE_ICONS[r]} {ROLE_LABELS[r]}"], ROLE_COLOURS[r]) for r in roles
            )
            + common.chips([FLAG_LABELS.get(f, f) for f in essay.flags if f not in COPY_FLAGS])
            + "</div>"
            if essay.flags or roles
            else ""
        )
    )
    for g in rep.groups:
        if essay_id in g.members:
            others = [m for m in g.members if m != essay_id]
            st.caption(
                f"Thuộc nhóm sao chép {g.id} ({len(g.members)} bài, tài liệu; nguồn nghi ngờ: "
                f"{common.md(g.source or 'chưa rõ')}). Cùng nhóm: {common.md(', '.join(others))}."
            )
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Trùng lặp với bài khác", percent(essay.copy.similarity))
    m2.metric("Trích dẫn nghị quyết", percent(essay.copy.quote_share))
    m3.metric("Điểm liên hệ", f"{number(essay.relevance.score)}/100")
    m4.metric("Mức liên hệ (0–3)", f"{essay.relevance.level}", help=essay.relevance.level_name)

    left, right = st.columns([3, 2], gap="large")
    with left:
        sources = copy_sources(rep, essay_id)
        quotes = quote_spans(rep, essay)
        underline = st.toggle("Gạch chân các câu được tính điểm liên hệ", key="show_evidence")
        spans = copy_spans(rep, essay_id) + quotes
        if underline:
            spans += evidence_spans(essay)
        items = [(s.kind, s.colour, s.label) for s in sources]
        if quotes:
            items.append(("quote", "", "trích dẫn nghị quyết (không tính là sao chép)"))
        if underline:
            items.append(("evidence", "", "câu được tính điểm liên hệ"))
        if items:
            st.html("<div style='font-size:0.85rem'>Chú giải: " + legend(items) + "</div>")
        if not quotes and essay.copy.quote_share > 0:
            st.caption(
                "Đợt mở lại từ lưu trữ: vị trí các câu trích dẫn nghị quyết chưa được lưu "
                "nên chưa tô được; tỉ lệ trích dẫn ở trên vẫn đúng."
            )
        st.html(text_box(highlight(rep.texts.get(essay_id, ""), spans), height=640))
        if sources:
            st.markdown("**Mở cặp so sánh**")
            pairs = common.pairs_table(common.db_path(), batch_id)
            for s in sources[:8]:
                row = pairs[
                    ((pairs.a == essay_id) & (pairs.b == s.id))
                    | ((pairs.b == essay_id) & (pairs.a == s.id))
                ]
                if not row.empty:
                    st.button(
                        f"↔ {common.md(s.label)}",
                        key=f"pair-{essay_id}-{s.id}",
                        on_click=common.go,
                        args=("pairs",),
                        kwargs={"pair_index": int(row.iloc[0]["match"]), "passage_k": 1},
                    )
    with right:
        st.markdown("#### Mức độ liên hệ")
        st.html(_components_html(essay.relevance.components))
        if essay.relevance.missing:
            st.markdown("**Còn thiếu**")
            st.html(
                "<ul style='margin-top:0'>"
                + "".join(f"<li>{common.esc(m)}</li>" for m in essay.relevance.missing)
                + "</ul>"
            )
        st.markdown("**Câu được tính điểm**")
        for comp in COMPONENTS:
            evs = essay.relevance.evidence.get(comp, [])
            if not evs:
                continue
            with st.expander(f"{COMPONENT_LABELS.get(comp, comp)} ({len(evs)} câu)"):
                st.html(
                    "".join(
                        f"<p style='margin:0 0 8px'>“{common.esc(ev.text)}”<br>"
                        "<span style='color:#666;font-size:0.85rem'>"
                        f"↳ {common.esc(ev.reason)}</span></p>"
                        for ev in evs
                    )
                )
        flagged = bool(essay.flags)
        if not flagged:
            st.caption("Bài không bị gắn cờ; vẫn có thể ghi quyết định nếu cần.")
        flags = "; ".join(FLAG_LABELS.get(f, f) for f in essay.flags) or "không có cờ"
        common.decision_form(
            batch_id, "essay", essay_id, f"Bài {essay_id} — {essay.author}: {flags}"
        )
