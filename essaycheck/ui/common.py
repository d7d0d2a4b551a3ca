"""Shared pieces of the review screens: the store, cached reports and tables, navigation, the
decision form and safe HTML snippets."""

from __future__ import annotations

import html
import os
import re

import pandas as pd
import streamlit as st

from essaycheck.pipeline import Report
from essaycheck.store import DECISION_LABELS, DECISIONS, Store, default_db_path
from essaycheck.ui.tables import DECISION_ICONS, essay_frame, pair_frame

# Column headings of decision tables, shown in the committee view and in each decision history.
DECISION_COLUMNS = {
    "target_kind": "Loại",
    "target_id": "Bài / cặp",
    "decision_label": "Quyết định",
    "reviewer": "Người xem xét",
    "comment": "Nhận xét",
    "time": "Thời điểm (UTC)",
}

PAGES = {
    "start": "Kiểm tra mới",
    "essays": "Danh sách bài",
    "essay": "Xem một bài",
    "pairs": "So sánh cặp bài",
    "overview": "Tổng quan (hội đồng)",
    "batches": "Các đợt đã lưu",
}


def db_path() -> str:
    """The database in use: ``$ESSAYCHECK_DB`` or the default, read at every run."""
    return str(os.environ.get("ESSAYCHECK_DB") or default_db_path())


@st.cache_resource(show_spinner=False)
def _store(path: str) -> Store:
    return Store(path)


def store() -> Store:
    return _store(db_path())


@st.cache_resource(show_spinner="Đang mở đợt kiểm tra…", max_entries=8)
def saved_report(path: str, batch_id: int) -> Report:
    return _store(path).load_batch(batch_id)


def report(batch_id: int) -> Report:
    """The batch's report: the one just checked in this session (it still holds the quoted spans
    of each essay), else the saved one, loaded once and cached."""
    fresh = st.session_state.get("fresh_reports", {})
    if batch_id in fresh:
        return fresh[batch_id]
    return saved_report(db_path(), batch_id)


@st.cache_data(show_spinner=False, max_entries=16)
def essays_table(path: str, batch_id: int) -> pd.DataFrame:
    return essay_frame(saved_report(path, batch_id))


@st.cache_data(show_spinner=False, max_entries=16)
def pairs_table(path: str, batch_id: int) -> pd.DataFrame:
    return pair_frame(saved_report(path, batch_id))


def decisions(batch_id: int) -> pd.DataFrame:
    """All decisions on the batch (a small table, read fresh at every run)."""
    return store().decisions(batch_id)


def go(page: str, **state: object) -> None:
    """Callback: switch page (and set other state) before the next run draws the widgets."""
    st.session_state["page"] = page
    for key, value in state.items():
        st.session_state[key] = value


def short_source(source: str) -> str:
    """A source path without the working folder in front (the sample batch's files)."""
    here = os.getcwd().rstrip("/") + "/"
    return source[len(here) :] if source.startswith(here) else source


def esc(text: object) -> str:
    """Untrusted text for HTML."""
    return html.escape(str(text), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")


def md(text: object) -> str:
    """Untrusted text for Markdown (widget labels, ``st.markdown``): every markup character
    backslash-escaped, so names and file names cannot add links, images or formatting."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def chips(labels: list[str], colour: str = "#ffe3e3") -> str:
    return "".join(
        f'<span style="background:{colour};border-radius:10px;padding:2px 10px;'
        f'margin:2px 6px 2px 0;display:inline-block;font-size:0.85rem">{esc(label)}</span>'
        for label in labels
    )


def decision_form(batch_id: int, kind: str, target: str, title: str) -> None:
    """Record confirm / dismiss / needs-discussion on an essay or a pair; saved at once."""
    st.markdown("#### Quyết định của người xem xét")
    taken = decisions(batch_id)
    mine = taken[(taken.target_kind == kind) & (taken.target_id == target)]
    if not mine.empty:
        last = mine.iloc[-1]
        st.html(
            f"<div>Quyết định hiện tại: <b>{esc(DECISION_ICONS[last.decision])} "
            f"{esc(last.decision_label)}</b> — {esc(last.reviewer)}, {esc(last.time)}"
            + (f"<br><i>{esc(last.comment)}</i>" if last.comment else "")
            + "</div>"
        )
    key = f"{kind}-{batch_id}-{target}"
    with st.form(f"form-{key}", clear_on_submit=False, border=True):
        st.html(f"<div style='font-size:0.9rem;color:#555'>{esc(title)}</div>")
        choice = st.radio(
            "Quyết định",
            DECISIONS,
            format_func=lambda d: f"{DECISION_ICONS[d]} {DECISION_LABELS[d]}",
            horizontal=True,
            key=f"choice-{key}",
        )
        comment = st.text_area("Nhận xét", key=f"comment-{key}", height=80)
        reviewer = st.text_input(
            "Người xem xét (họ và tên)",
            value=st.session_state.get("last_reviewer", ""),
            key=f"reviewer-{key}",
        )
        submitted = st.form_submit_button("Lưu quyết định", type="primary", key=f"save-{key}")
    if submitted:
        if not reviewer.strip():
            st.error("Hãy nhập tên người xem xét trước khi lưu.")
        else:
            store().record_decision(batch_id, kind, target, choice, comment, reviewer)
            st.session_state["last_reviewer"] = reviewer.strip()
            st.success(f"Đã lưu: {DECISION_LABELS[choice]} ({md(reviewer.strip())}).")
            mine = decisions(batch_id)
            mine = mine[(mine.target_kind == kind) & (mine.target_id == target)]
    if len(mine) > 0:
        with st.expander(f"Lịch sử quyết định ({len(mine)})"):
            st.dataframe(
                mine[["time", "decision_label", "reviewer", "comment"]].rename(
                    columns=DECISION_COLUMNS
                ),
                hide_index=True,
                width="stretch",
            )
