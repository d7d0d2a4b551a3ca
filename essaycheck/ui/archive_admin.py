"""The archive page (administrators): where the archive is, its campaigns, add and remove one.

The archive in use is ``$ESSAYCHECK_ARCHIVE`` if set, else the location an administrator saved
here (a folder, or ``redis://HOST:PORT/DB`` for one archive shared by several reviewers' apps).
Every check started in the app is then compared with it. Adding and removing campaigns is an
administrator's task and goes to the audit log.
"""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from essaycheck.archive import Archive, ArchiveError, open_archive
from essaycheck.readers import ReadFailure
from essaycheck.store import Account
from essaycheck.ui import common
from essaycheck.ui.inputs import Upload, read_resolution_upload, read_uploads
from essaycheck.ui.vn import number

ENV = "ESSAYCHECK_ARCHIVE"
SETTING = "archive_location"
PAGE = "archive"
PAGE_LABEL = "Kho bài các đợt trước"
ESSAY_TYPES = ["docx", "doc", "pdf", "txt", "zip", "csv", "xlsx", "xls"]
TEXT_TYPES = ["txt", "docx", "doc", "pdf"]


def location() -> str:
    """Where the app's archive is ("" when none is set)."""
    return os.environ.get(ENV) or common.raw_store().setting(SETTING) or ""


def with_page(account: Account | None, pages: dict[str, str]) -> dict[str, str]:
    """``pages`` plus the archive page for an administrator."""
    return pages | {PAGE: PAGE_LABEL} if account is not None and account.is_admin else pages


def current_archive() -> Archive | None:
    """The app's archive for a check, or None (with a warning if it is set but unusable: the
    check goes on without it)."""
    where = location()
    if not where:
        return None
    try:
        return open_archive(where, create=False)
    except ArchiveError as exc:
        st.warning(f"Lần kiểm tra này không so với kho bài: {exc}")
        return None


def archive_page(account: Account) -> None:
    st.header(PAGE_LABEL)
    if not account.is_admin:
        st.error("Chỉ quản trị viên được quản lý kho bài.")
        return
    st.write(
        "Mỗi lần kiểm tra đều so các bài với kho bài của các đợt trước: bài nộp lại bài cũ của "
        "chính mình hay bài của người khác đều được chỉ ra, kèm đợt của bài gốc."
    )
    where = location()
    if os.environ.get(ENV):
        st.caption(f"Kho bài đặt bằng biến môi trường {ENV}: `{common.md(where)}`")
    else:
        with st.form("archive_location", border=False):
            new = st.text_input(
                "Vị trí kho bài (thư mục trên máy chủ, hoặc redis://MÁY:CỔNG/SỐ_CSDL)",
                value=where,
                key="archive_location_input",
            )
            if st.form_submit_button("Lưu vị trí kho bài"):
                try:
                    if new.strip():
                        open_archive(new.strip()).close()  # created (or checked) now
                except ArchiveError as exc:
                    st.error(str(exc))
                else:
                    store = common.raw_store()
                    store.set_setting(SETTING, new.strip() or None)
                    store.audit(account.username, "archive_location", new.strip())
                    st.rerun()
    if not where:
        st.info("Chưa có kho bài: hãy nhập vị trí kho bài ở trên.")
        return
    try:
        archive = open_archive(where)
    except ArchiveError as exc:
        st.error(str(exc))
        return
    with archive:
        _campaigns(archive, account)
        _add_form(archive, account)


def _campaigns(archive: Archive, account: Account) -> None:
    campaigns = archive.campaigns()
    st.subheader("Các đợt trong kho")
    if not campaigns:
        st.caption("Kho chưa có đợt nào.")
        return
    table = pd.DataFrame(
        [
            {
                "Đợt": c.name,
                "Số bài": c.n_essays,
                "Nghị quyết": c.resolution_title,
                "Ngày thêm": c.created.replace("T", " ").removesuffix("+00:00") + " UTC",
            }
            for c in campaigns
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(f"Tổng cộng {number(sum(c.n_essays for c in campaigns))} bài.")
    c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
    name = c1.selectbox("Xoá đợt", [c.name for c in campaigns], key="archive_remove_name")
    sure = c2.checkbox("Tôi chắc chắn muốn xoá đợt này khỏi kho", key="archive_remove_sure")
    if c3.button("Xoá đợt", disabled=not sure, key="archive_remove"):
        try:
            n = archive.remove(name)
        except ArchiveError as exc:
            st.error(str(exc))
            return
        common.raw_store().audit(account.username, "archive_remove", name, f"{n} bài")
        st.session_state.pop("archive_remove_sure", None)
        st.success(f"Đã xoá đợt '{name}' ({number(n)} bài) khỏi kho.")


def _add_form(archive: Archive, account: Account) -> None:
    st.subheader("Thêm một đợt vào kho")
    with st.form("archive_add", border=False, enter_to_submit=False):
        name = st.text_input("Tên đợt (ví dụ: NQ27 năm 2023)", key="archive_add_name")
        essays = st.file_uploader(
            "Bài thu hoạch của đợt (nhiều tệp, tệp .zip, hoặc bảng tính mỗi dòng một bài)",
            type=ESSAY_TYPES,
            accept_multiple_files=True,
            key="archive_add_essays",
        )
        res_file = st.file_uploader("Nghị quyết của đợt", type=TEXT_TYPES, key="archive_add_res")
        submitted = st.form_submit_button("▶ Thêm vào kho", type="primary")
    if not submitted:
        return
    if not name.strip() or not essays or res_file is None:
        st.error("Hãy nhập tên đợt, tải lên các bài và nghị quyết của đợt.")
        return
    try:
        resolution = read_resolution_upload(Upload(res_file.name, res_file.getvalue()))
        with st.spinner("Đang đọc, tách từ và thêm vào kho…"):
            docs, errors = read_uploads([Upload(f.name, f.getvalue()) for f in essays])
            result = archive.add(name, resolution, docs)
    except ReadFailure as failure:
        st.error(f"Không đọc được tệp nghị quyết: {common.md(failure.message)}")
        return
    except ArchiveError as exc:
        st.error(str(exc))
        return
    common.raw_store().audit(
        account.username, "archive_add", result.campaign, f"{result.added} bài"
    )
    st.success(f"Đã thêm {number(result.added)} bài vào đợt '{result.campaign}'.")
    if result.skipped:
        st.warning(f"{number(len(result.skipped))} bài đã có trong đợt nên được bỏ qua.")
    for err in errors:
        st.caption(f"- {common.md(err.message)}")
