"""For the committee: a batch at a glance, copy groups, units, exports, and past batches."""

from __future__ import annotations

import io
import json

import altair as alt
import pandas as pd
import streamlit as st

from essaycheck.relevance import LEVEL_NAMES
from essaycheck.report import csv_bytes, excel_tables, write_xlsx
from essaycheck.store import DECISION_COLUMNS, DECISION_LABELS
from essaycheck.ui import common
from essaycheck.ui.highlight import legend
from essaycheck.ui.printable import unit_report_html
from essaycheck.ui.tables import (
    SUSPICION_FLAGS,
    decision_table,
    in_force,
    role_text,
    unit_overview,
)
from essaycheck.ui.vn import number, vn_time

# The comment every decision taken for a whole group starts with (undo finds them by it).
GROUP_NOTE = "Quyết định cho cả nhóm {id}"

LEVEL_COLOURS = ("#d7191c", "#fdae61", "#a6d96a", "#1a9641")
UNIT_COLUMNS = {
    "unit": "Đơn vị",
    "essays": "Số bài",
    "flagged": "Bài bị gắn cờ",
    "flagged_share": "Tỉ lệ gắn cờ (%)",
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
    """The Excel workbook of a batch: the report's sheets and a "Quyết định" sheet."""
    buffer = io.BytesIO()
    taken = pd.DataFrame(json.loads(decisions_json), columns=DECISION_COLUMNS)
    rep = common.saved_report(path, batch_id)
    extra = {"decisions": decision_table(rep, taken, as_datetime=True)}
    write_xlsx(rep, buffer, extra=extra)  # type: ignore[arg-type]
    return buffer.getvalue()


@st.cache_data(show_spinner=False, max_entries=16)
def _csv(path: str, batch_id: int, sheet: str) -> bytes:
    """One sheet of the Excel report as CSV (UTF-8 with BOM, so that Excel shows the accents),
    shares written as percentages (0-100) in a column marked "(%)"."""
    frame = excel_tables(common.saved_report(path, batch_id))[sheet]
    shares = frame.attrs.get("percent", [])
    frame = frame.copy()
    for column in shares:
        frame[column] = (100 * frame[column]).round(1)
    return csv_bytes(frame.rename(columns={c: f"{c} (%)" for c in shares}))


def _exports(batch_id: int, taken: pd.DataFrame) -> None:
    st.subheader("Xuất kết quả")
    path = common.db_path()
    rep = common.report(batch_id)
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button(
        "Excel (đơn vị, bài, cặp, nhóm, quyết định)",
        icon=":material/download:",
        data=lambda: xlsx_export(
            path, batch_id, taken.to_json(orient="records", force_ascii=False)
        ),
        file_name=f"ket_qua_ra_soat_dot_{batch_id}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="dl_xlsx",
        on_click="ignore",
    )
    for col, sheet, label, name in (
        (c2, "Bài thu hoạch", "CSV các bài", "cac_bai"),
        (c3, "Cặp trùng lặp", "CSV các cặp trùng", "cac_cap_trung"),
    ):
        col.download_button(
            label,
            data=lambda s=sheet: _csv(path, batch_id, s),
            file_name=f"dot_{batch_id}_{name}.csv",
            mime="text/csv",
            icon=":material/download:",
            key=f"dl_{'essays' if name == 'cac_bai' else 'matches'}",
            on_click="ignore",
        )
    c4.download_button(
        "CSV các quyết định",
        icon=":material/download:",
        data=lambda: csv_bytes(decision_table(rep, taken)),
        file_name=f"dot_{batch_id}_quyet_dinh.csv",
        mime="text/csv",
        key="dl_decisions",
        on_click="ignore",
    )
    st.markdown(
        "**Báo cáo theo đơn vị để in** (mở bằng trình duyệt, bấm Ctrl+P để in hoặc lưu PDF)"
    )
    units = sorted({e.unit or "(không rõ)" for e in rep.essays})
    c5, c6 = st.columns([3, 1], vertical_alignment="bottom")
    chosen = c5.multiselect("Đơn vị cần in", units, key="print_units", placeholder="Tất cả đơn vị")
    name = next((b.name for b in common.store().list_batches() if b.id == batch_id), "")
    c6.download_button(
        "Tải báo cáo để in",
        icon=":material/print:",
        data=lambda: unit_report_html(rep, taken, name, chosen or None).encode("utf-8"),
        file_name=f"bao_cao_theo_don_vi_dot_{batch_id}.html",
        mime="text/html",
        key="dl_units",
        on_click="ignore",
    )


def _record_group(batch_id: int, gid: int, members: list[str]) -> None:
    """Callback: one decision for every essay of a copy group (each is a row of its own)."""
    key = f"group-{batch_id}-{gid}"
    choice = st.session_state.get(f"choice-{key}")
    reviewer = common.reviewer_name(key)
    comment = common.clean_comment(str(st.session_state.get(f"comment-{key}", "")))
    if choice is None:
        st.session_state[f"msg-{key}"] = ("error", "Hãy chọn một quyết định cho cả nhóm.")
        return
    if not reviewer:
        st.session_state[f"msg-{key}"] = ("error", "Hãy nhập tên người xem xét trước khi lưu.")
        return
    note = GROUP_NOTE.format(id=gid) + (f": {comment}" if comment else "")
    for member in members:
        common.store().record_decision(batch_id, "essay", member, choice, note, reviewer)
    st.session_state["last_reviewer"] = reviewer
    st.session_state[f"msg-{key}"] = (
        "success",
        f"Đã lưu “{DECISION_LABELS[choice]}” cho {len(members)} bài của nhóm {gid}.",
    )


def _undo_group(batch_id: int, gid: int, members: list[str]) -> None:
    """Callback: undo the group decision on every member where it is still in force."""
    key = f"group-{batch_id}-{gid}"
    reviewer = common.reviewer_name(key)
    if not reviewer:
        st.session_state[f"msg-{key}"] = ("error", "Hãy nhập tên người xem xét để hoàn tác.")
        return
    force = in_force(common.decisions(batch_id))
    mark = GROUP_NOTE.format(id=gid)
    undone = 0
    for r in force[(force.target_kind == "essay") & force.target_id.isin(members)].itertuples():
        if r.comment == mark or r.comment.startswith(mark + ":"):
            common.undo_latest(batch_id, "essay", r.target_id, reviewer)
            undone += 1
    st.session_state[f"msg-{key}"] = ("success", f"Đã hoàn tác quyết định nhóm cho {undone} bài.")


def _group_form(batch_id: int, gid: int, members: list[str], taken: pd.DataFrame) -> None:
    key = f"group-{batch_id}-{gid}"
    msg = st.session_state.pop(f"msg-{key}", None)
    if msg:
        getattr(st, msg[0])(msg[1])
    st.markdown(f"Ghi một quyết định cho cả {len(members)} bài của nhóm")
    c1, c2, c3 = st.columns([3, 3, 2], vertical_alignment="bottom")
    with c1:
        common.decision_choice(key)
    c2.text_input("Nhận xét", key=f"comment-{key}")
    st.session_state.setdefault(f"reviewer-{key}", st.session_state.get("last_reviewer", ""))
    c3.text_input("Người xem xét", key=f"reviewer-{key}")
    b1, b2 = st.columns([1, 1])
    b1.button(
        "Lưu cho cả nhóm",
        type="primary",
        key=f"save-{key}",
        on_click=_record_group,
        args=(batch_id, gid, members),
    )
    mark = GROUP_NOTE.format(id=gid)
    force = in_force(taken) if not taken.empty else taken
    if (
        not force.empty
        and (force.comment.map(lambda c: c == mark or str(c).startswith(mark + ":"))).any()
    ):
        b2.button(
            "↶ Hoàn tác quyết định của cả nhóm",
            key=f"undo-{key}",
            on_click=_undo_group,
            args=(batch_id, gid, members),
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
    latest = in_force(taken)
    m = st.columns(6)
    m[0].metric("Số bài", len(essays))
    m[1].metric("Tệp không đọc được", len(rep.errors))
    m[2].metric("Bài nghi sao chép", flagged)
    m[3].metric("Liên hệ yếu (mức 0–1)", low)
    m[4].metric("Cặp trùng lặp", len(pairs))
    m[5].metric("Quyết định đã ghi", len(latest), help="Quyết định đang có hiệu lực (bài và cặp)")

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
    units = unit_overview(rep, taken)
    units["flagged_share"] = (100 * units["flagged_share"]).round(0)
    # Means as text: the table would write "58.3" with a point in an English browser.
    units["mean_relevance"] = units["mean_relevance"].map(lambda v: number(v, 1))
    units = units.rename(columns=UNIT_COLUMNS)
    st.dataframe(
        units[[c for c in UNIT_COLUMNS.values() if c in units.columns]],
        hide_index=True,
        width="stretch",
        column_config={
            "Tỉ lệ gắn cờ (%)": st.column_config.ProgressColumn(
                format="%.0f%%", min_value=0, max_value=100
            )
        },
    )
    st.caption(
        "“Quyết định đã ghi”: quyết định đang có hiệu lực về bài của đơn vị và về các cặp có bài "
        "của đơn vị (một cặp giữa hai đơn vị được tính cho cả hai)."
    )

    st.subheader(f"Nhóm sao chép ({len(rep.groups)})")
    if not rep.groups:
        st.info("Không có nhóm bài nào dùng chung một nguồn.")
    by_id = essays.set_index("id")
    for g in rep.groups:
        source = g.source or "chưa rõ"
        essay_ids = [m for m in g.members if m in by_id.index]
        title = f"Nhóm {g.id}: {len(g.members)} bài, tài liệu — nguồn nghi ngờ: {common.md(source)}"
        with st.expander(title, expanded=len(rep.groups) <= 3):
            mine = with_decisions_of(essay_ids, taken)
            rows = [
                {
                    "Mã": m,
                    "Họ tên": by_id.author.get(m, "tài liệu tham khảo"),
                    "Đơn vị": by_id.unit.get(m, ""),
                    "Sao chép": role_text(by_id.roles.get(m, ())),
                    "Trùng lặp (%)": by_id.similarity.get(m, None),
                    "Quyết định": mine.get(m, ""),
                }
                for m in g.members
            ]
            st.dataframe(
                pd.DataFrame(rows),
                hide_index=True,
                width="stretch",
                column_config={
                    "Trùng lặp (%)": st.column_config.NumberColumn(format="%.0f%%"),
                },
            )
            if g.references:
                st.caption("Tài liệu tham khảo trong nhóm: " + common.md(", ".join(g.references)))
            if essay_ids:
                _group_form(batch_id, g.id, essay_ids, taken)

    st.subheader("Quyết định đã ghi")
    if latest.empty:
        st.caption("Chưa có quyết định nào.")
    else:
        st.dataframe(decision_table(rep, latest), hide_index=True, width="stretch")
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
                    "Thời điểm tạo": vn_time(b.created),
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
    if not common.store().account or not common.store().account.is_admin:
        c2.caption("Chỉ quản trị viên mới xoá được một đợt.")
        return
    with c2.popover("Xoá đợt này"):
        st.warning("Xoá cả báo cáo và mọi quyết định của đợt. Không hoàn tác được.")
        if st.button("Xoá vĩnh viễn", key="delete_batch"):
            common.store().delete_batch(chosen)  # checked again there, and audited
            st.session_state.pop("batch_id", None)
            st.rerun()


def with_decisions_of(ids: list[str], taken: pd.DataFrame) -> dict[str, str]:
    """The decision in force on each of ``ids`` (essays), as "label — reviewer"."""
    if taken.empty:
        return {}
    force = in_force(taken)
    force = force[(force.target_kind == "essay") & force.target_id.isin(ids)]
    return {r.target_id: f"{r.decision_label} — {r.reviewer}" for r in force.itertuples()}
