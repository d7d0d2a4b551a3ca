"""For the committee: a batch at a glance, copy groups, units, exports, and past batches."""

from __future__ import annotations

import io
import json

import altair as alt
import pandas as pd
import streamlit as st

from essaycheck.relevance import LEVEL_NAMES
from essaycheck.report import csv_bytes, tables, write_xlsx
from essaycheck.store import DECISION_COLUMNS
from essaycheck.ui import common
from essaycheck.ui.highlight import legend
from essaycheck.ui.tables import SUSPICION_FLAGS, unit_overview

LEVEL_COLOURS = ("#d7191c", "#fdae61", "#a6d96a", "#1a9641")
UNIT_COLUMNS = {
    "unit": "Đơn vị",
    "essays": "Số bài",
    "flagged": "Bài bị gắn cờ",
    "flagged_share": "Tỉ lệ gắn cờ",
    "mean_relevance": "Điểm liên hệ TB",
    "level_0": "Mức 0",
    "level_1": "Mức 1",
    "level_2": "Mức 2",
    "level_3": "Mức 3",
    "decisions": "Quyết định đã ghi",
}


def _histogram(
    frame: pd.DataFrame,
    field: str,
    title: str,
    colour: str | None = None,
    colour_field: str | None = None,
) -> alt.Chart:
    bars = alt.Chart(frame).mark_bar(color=colour) if colour else alt.Chart(frame).mark_bar()
    enc = {
        "x": alt.X(f"{field}:Q", bin=alt.Bin(extent=[0, 100], step=5), title=title),
        "y": alt.Y("count():Q", title="Số lượng"),
    }
    if colour_field:
        enc["color"] = alt.Color(
            f"{colour_field}:N",
            sort=list(LEVEL_NAMES),
            scale=alt.Scale(domain=list(LEVEL_NAMES), range=list(LEVEL_COLOURS)),
            legend=None,
        )
    return bars.encode(**enc).properties(height=240)


@st.cache_data(show_spinner="Đang tạo tệp Excel…", max_entries=8)
def xlsx_export(path: str, batch_id: int, decisions_json: str) -> bytes:
    """The Excel workbook of a batch: the report's sheets and a ``decisions`` sheet."""
    buffer = io.BytesIO()
    taken = pd.DataFrame(json.loads(decisions_json), columns=DECISION_COLUMNS)
    write_xlsx(common.saved_report(path, batch_id), buffer, extra={"decisions": taken})  # type: ignore[arg-type]
    return buffer.getvalue()


@st.cache_data(show_spinner=False, max_entries=16)
def _csv(path: str, batch_id: int, table: str) -> bytes:
    """One of the report's tables as CSV (UTF-8 with BOM, so that Excel shows the accents)."""
    return csv_bytes(tables(common.saved_report(path, batch_id))[table])


def _exports(batch_id: int, taken: pd.DataFrame) -> None:
    st.subheader("Xuất kết quả")
    path = common.db_path()
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button(
        "Excel (bài, cặp, nhóm, quyết định)",
        icon=":material/download:",
        data=lambda: xlsx_export(
            path, batch_id, taken.to_json(orient="records", force_ascii=False)
        ),
        file_name=f"essaycheck_dot_{batch_id}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="dl_xlsx",
        on_click="ignore",
    )
    for col, name, label in (
        (c2, "essays", "CSV các bài"),
        (c3, "matches", "CSV các cặp trùng"),
    ):
        col.download_button(
            label,
            data=lambda n=name: _csv(path, batch_id, n),
            file_name=f"essaycheck_dot_{batch_id}_{name}.csv",
            mime="text/csv",
            icon=":material/download:",
            key=f"dl_{name}",
            on_click="ignore",
        )
    c4.download_button(
        "CSV các quyết định",
        icon=":material/download:",
        data=lambda: csv_bytes(taken),
        file_name=f"essaycheck_dot_{batch_id}_decisions.csv",
        mime="text/csv",
        key="dl_decisions",
        on_click="ignore",
    )


def overview(batch_id: int) -> None:
    rep = common.report(batch_id)
    path = common.db_path()
    essays = common.essays_table(path, batch_id)
    pairs = common.pairs_table(path, batch_id)
    taken = common.decisions(batch_id)
    st.header("Tổng quan đợt kiểm tra")
    if rep.resolution_title:
        st.caption(f"Nghị quyết: {common.md(rep.resolution_title)}")
    flagged = int(essays.flag_codes.map(lambda fs: bool(SUSPICION_FLAGS & set(fs))).sum())
    low = int((essays.level <= 1).sum())
    latest = taken.drop_duplicates(["target_kind", "target_id"], keep="last")
    m = st.columns(6)
    m[0].metric("Số bài", len(essays))
    m[1].metric("Tệp không đọc được", len(rep.errors))
    m[2].metric("Bài nghi sao chép", flagged)
    m[3].metric("Liên hệ yếu (mức 0–1)", low)
    m[4].metric("Cặp trùng lặp", len(pairs))
    m[5].metric("Quyết định đã ghi", len(latest))

    c1, c2, c3 = st.columns(3)
    with c1:
        st.markdown("**Điểm trùng của các cặp**")
        if pairs.empty:
            st.info("Không có cặp trùng.")
        else:
            st.altair_chart(
                _histogram(pairs, "score", "Điểm trùng (%)", "#e8590c"), width="stretch"
            )
    with c2:
        st.markdown("**Tỉ lệ trùng lặp của từng bài**")
        st.altair_chart(
            _histogram(essays, "similarity", "Trùng lặp (%)", "#4c78a8"), width="stretch"
        )
    with c3:
        st.markdown("**Điểm liên hệ thực tiễn**")
        st.altair_chart(
            _histogram(essays, "score", "Điểm liên hệ", colour_field="level_name"), width="stretch"
        )
        levels = zip(LEVEL_COLOURS, LEVEL_NAMES, strict=True)
        chips = legend([("copy", c, f"{i}: {n}") for i, (c, n) in enumerate(levels)])
        st.html(f"<div style='font-size:0.8rem'>Mức liên hệ: {chips}</div>")

    st.subheader("Theo đơn vị")
    units = unit_overview(rep, taken).rename(columns=UNIT_COLUMNS)
    st.dataframe(
        units[[c for c in UNIT_COLUMNS.values() if c in units.columns]],
        hide_index=True,
        width="stretch",
        column_config={
            "Tỉ lệ gắn cờ": st.column_config.ProgressColumn(
                format="percent", min_value=0, max_value=1
            )
        },
    )

    st.subheader(f"Nhóm sao chép ({len(rep.groups)})")
    if not rep.groups:
        st.info("Không có nhóm bài nào dùng chung một nguồn.")
    by_id = essays.set_index("id")
    for g in rep.groups:
        source = g.source or "(chưa rõ)"
        title = f"Nhóm {g.id}: {len(g.members)} bài — nguồn nghi ngờ: {common.md(source)}"
        with st.expander(title, expanded=len(rep.groups) <= 3):
            rows = [
                {
                    "Mã": m,
                    "Họ tên": by_id.author.get(m, "(tài liệu tham khảo)"),
                    "Đơn vị": by_id.unit.get(m, ""),
                    "Trùng lặp (%)": by_id.similarity.get(m, None),
                    "Là nguồn nghi ngờ": "✔" if m == g.source else "",
                }
                for m in g.members
            ]
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
            if g.references:
                st.caption("Tài liệu tham khảo trong nhóm: " + common.md(", ".join(g.references)))

    st.subheader("Quyết định đã ghi")
    if latest.empty:
        st.caption("Chưa có quyết định nào.")
    else:
        st.dataframe(
            latest[
                ["target_kind", "target_id", "decision_label", "reviewer", "comment", "time"]
            ].rename(columns=common.DECISION_COLUMNS),
            hide_index=True,
            width="stretch",
        )
    _exports(batch_id, taken)


def batches() -> None:
    """Past batches: reopen or delete."""
    st.header("Các đợt kiểm tra đã lưu")
    saved = common.store().list_batches()
    st.caption(f"Cơ sở dữ liệu: {common.md(common.db_path())}")
    if not saved:
        st.info("Chưa có đợt nào. Hãy bắt đầu ở trang “Kiểm tra mới”.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Mã đợt": b.id,
                    "Tên đợt": b.name,
                    "Thời điểm (UTC)": b.created,
                    "Số bài": b.essays,
                    "Bài nghi sao chép": b.flagged,
                }
                for b in saved
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    names = {b.id: f"#{b.id} — {b.name} ({b.essays} bài)" for b in saved}
    chosen = st.selectbox("Chọn đợt", list(names), format_func=names.get, key="batch_pick")
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    c1.button(
        "Mở đợt này",
        type="primary",
        key="open_batch",
        on_click=common.go,
        args=("essays",),
        kwargs={"batch_id": chosen},
    )
    with c2.popover("Xoá đợt này"):
        st.warning("Xoá cả báo cáo và mọi quyết định của đợt. Không hoàn tác được.")
        if st.button("Xoá vĩnh viễn", key="delete_batch"):
            common.store().delete_batch(chosen)
            st.session_state.pop("batch_id", None)
            st.rerun()
