"""Shared pieces of the review screens: the store, cached reports and tables, navigation, the
decision form and safe HTML snippets."""

from __future__ import annotations

import html
import os
import re

import pandas as pd
import streamlit as st

from essaycheck.pipeline import Report
from essaycheck.store import (
    DECISION_LABELS,
    DECISIONS,
    AccountStore,
    Store,
    default_db_path,
    restrict,
)
from essaycheck.ui.tables import (
    DECISION_ICONS,
    UNDO_MARK,
    decision_table,
    essay_frame,
    in_force,
    pair_frame,
)
from essaycheck.ui.vn import vn_time

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


def raw_store() -> Store:
    """The store without an account's limits (login and the administrator's page only)."""
    return _store(db_path())


def store() -> AccountStore:
    """The store as the logged-in account may use it: reads cut to its units, writes checked and
    recorded under its name (see :class:`essaycheck.store.AccountStore`)."""
    from essaycheck.ui.login import current

    return AccountStore(raw_store(), current())


def scope() -> tuple[str, ...] | None:
    """The units the logged-in account is limited to (None: all); part of every cache key."""
    from essaycheck.ui.login import current

    account = current()
    return account.scope if account is not None else ()


@st.cache_resource(show_spinner="Đang mở đợt kiểm tra…", max_entries=8)
def _saved_report(path: str, batch_id: int) -> Report:
    return _store(path).load_batch(batch_id)


@st.cache_resource(show_spinner=False, max_entries=16)
def _scoped_report(path: str, batch_id: int, units: tuple[str, ...] | None) -> Report:
    return restrict(_saved_report(path, batch_id), units)


def saved_report(path: str, batch_id: int) -> Report:
    """A saved batch's report, cut to what the logged-in account may see."""
    return _scoped_report(path, batch_id, scope())


def report(batch_id: int) -> Report:
    """The batch's report: the one just checked in this session (it still holds the quoted spans
    of each essay), else the saved one, loaded once and cached; cut to the account's units."""
    fresh = st.session_state.get("fresh_reports", {})
    if batch_id in fresh:
        return restrict(fresh[batch_id], scope())
    return saved_report(db_path(), batch_id)


@st.cache_data(show_spinner=False, max_entries=16)
def _essays_table(path: str, batch_id: int, units: tuple[str, ...] | None) -> pd.DataFrame:
    return essay_frame(_scoped_report(path, batch_id, units))


def essays_table(path: str, batch_id: int) -> pd.DataFrame:
    return _essays_table(path, batch_id, scope())


@st.cache_data(show_spinner=False, max_entries=16)
def _pairs_table(path: str, batch_id: int, units: tuple[str, ...] | None) -> pd.DataFrame:
    return pair_frame(_scoped_report(path, batch_id, units))


def pairs_table(path: str, batch_id: int) -> pd.DataFrame:
    return _pairs_table(path, batch_id, scope())


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


def reviewer_name(key: str) -> str:
    """The reviewer's name as typed in the form ``key`` (or the last one used)."""
    typed = str(st.session_state.get(f"reviewer-{key}", "") or "").strip()
    typed = typed or str(st.session_state.get("last_reviewer", "")).strip()
    if typed:
        return typed
    from essaycheck.ui.login import current  # with a login, the account is the reviewer

    account = current()
    return account.display_name or account.username if account is not None else ""


def undo_latest(batch_id: int, kind: str, target: str, reviewer: str) -> str | None:
    """Undo the decision in force on a target; the undo is a row of its own in the history.
    Returns the label of the decision undone (``None`` if there was none)."""
    taken = decisions(batch_id)
    mine = in_force(taken[(taken.target_kind == kind) & (taken.target_id == target)])
    if mine.empty:
        return None
    last = mine.iloc[-1]
    note = f"{UNDO_MARK} quyết định “{last.decision_label}” ghi lúc {vn_time(last.time)}"
    store().record_decision(batch_id, kind, target, last.decision, note, reviewer)
    return str(last.decision_label)


def _on_undo(batch_id: int, kind: str, target: str, key: str) -> None:
    reviewer = reviewer_name(key)
    if not reviewer:
        st.session_state[f"undo-msg-{key}"] = ("error", "Hãy nhập tên người xem xét để hoàn tác.")
        return
    undone = undo_latest(batch_id, kind, target, reviewer)
    st.session_state[f"undo-msg-{key}"] = (
        ("success", f"Đã hoàn tác quyết định “{undone}”; việc hoàn tác được ghi vào lịch sử.")
        if undone
        else ("info", "Không còn quyết định nào để hoàn tác.")
    )


def decision_choice(key: str) -> str | None:
    """The decision radio, with no choice made until the reviewer makes one."""
    return st.radio(
        "Quyết định",
        DECISIONS,
        index=None,
        format_func=lambda d: f"{DECISION_ICONS[d]} {DECISION_LABELS[d]}",
        horizontal=True,
        key=f"choice-{key}",
    )


def clean_comment(comment: str) -> str:
    """A reviewer's comment, which may not pass for an undo row."""
    comment = comment.strip()
    return comment[len(UNDO_MARK[0]) :].strip() if comment.startswith(UNDO_MARK[0]) else comment


def decision_form(batch_id: int, kind: str, target: str, title: str) -> None:
    """Record confirm / dismiss / needs-discussion on an essay or a pair; saved at once. No
    choice is preselected; the decision in force can be undone, and the undo stays in the
    history."""
    st.markdown("#### Quyết định của người xem xét")
    rep = report(batch_id)
    taken = decisions(batch_id)
    mine = taken[(taken.target_kind == kind) & (taken.target_id == target)]
    current = in_force(mine)
    if not current.empty:
        last = current.iloc[-1]
        st.html(
            f"<div>Quyết định hiện tại: <b>{esc(DECISION_ICONS[last.decision])} "
            f"{esc(last.decision_label)}</b> — {esc(last.reviewer)}, {esc(vn_time(last.time))}"
            + (f"<br><i>{esc(last.comment)}</i>" if last.comment else "")
            + "</div>"
        )
    elif not mine.empty:
        st.caption("Chưa có quyết định nào đang có hiệu lực (các quyết định trước đã hoàn tác).")
    key = f"{kind}-{batch_id}-{target}"
    with st.form(f"form-{key}", clear_on_submit=False, border=True):
        st.html(f"<div style='font-size:0.9rem;color:#555'>{esc(title)}</div>")
        choice = decision_choice(key)
        comment = st.text_area("Nhận xét", key=f"comment-{key}", height=80)
        reviewer = st.text_input(
            "Người xem xét (họ và tên)",
            value=st.session_state.get("last_reviewer", ""),
            key=f"reviewer-{key}",
            disabled=True,  # the logged-in account decides; its name is recorded
        )
        submitted = st.form_submit_button("Lưu quyết định", type="primary", key=f"save-{key}")
    if submitted:
        if choice is None:
            st.error("Hãy chọn một quyết định (xác nhận, bác bỏ hoặc cần thảo luận) trước khi lưu.")
        elif not reviewer.strip():
            st.error("Hãy nhập tên người xem xét trước khi lưu.")
        else:
            store().record_decision(
                batch_id, kind, target, choice, clean_comment(comment), reviewer
            )
            st.session_state["last_reviewer"] = reviewer.strip()
            st.success(f"Đã lưu: {DECISION_LABELS[choice]} ({md(reviewer.strip())}).")
            taken = decisions(batch_id)
            mine = taken[(taken.target_kind == kind) & (taken.target_id == target)]
    msg = st.session_state.pop(f"undo-msg-{key}", None)
    if msg:
        getattr(st, msg[0])(msg[1])
    if not in_force(mine).empty:
        st.button(
            "↶ Hoàn tác quyết định đang có hiệu lực",
            key=f"undo-{key}",
            on_click=_on_undo,
            args=(batch_id, kind, target, key),
            help="Quyết định trước đó (nếu có) trở lại có hiệu lực; lịch sử vẫn giữ cả hai.",
        )
    if len(mine) > 0:
        with st.expander(f"Lịch sử quyết định ({len(mine)})"):
            st.dataframe(
                decision_table(rep, mine).drop(columns=["Loại", "Bài / cặp"]),
                hide_index=True,
                width="stretch",
            )
