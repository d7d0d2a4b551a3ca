"""essaycheck review UI: ``streamlit run app_streamlit.py``.

Reviewers start a check (uploads or the bundled sample batch), go through the essays and the
suspected pairs and record their decisions; the committee sees the batch at a glance. All the
checking is done by the library; this file only lays out the screens (see ``essaycheck/ui``).
The database is ``$ESSAYCHECK_DB`` (default ``~/.local/share/essaycheck/essaycheck.sqlite``); the
one-click sample batch is ``$ESSAYCHECK_SAMPLES`` (default ``data/samples``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import streamlit as st
from PIL import Image

from essaycheck.pipeline import Config, check, check_documents
from essaycheck.readers import ReadFailure
from essaycheck.readers.dispatch import has_words
from essaycheck.ui import archive_admin, common, login
from essaycheck.ui.committee import batches, overview
from essaycheck.ui.essays import essay_list, essay_view
from essaycheck.ui.inputs import (
    SampleBatch,
    Upload,
    read_resolution_upload,
    read_units_upload,
    read_uploads,
)
from essaycheck.ui.pairs import pair_view
from essaycheck.ui.vn import now_vn, number

SAMPLES = SampleBatch(
    Path(
        os.environ.get("ESSAYCHECK_SAMPLES") or Path(__file__).resolve().parent / "data" / "samples"
    )
)
STAGES = {
    "read": "Đọc tệp",
    "prepare": "Chuẩn hoá văn bản và tách từ",
    "copies": "Tìm các đoạn trùng lặp",
    "relevance": "Chấm mức độ liên hệ thực tiễn",
    "report": "Lập báo cáo",
}
# .rar and .7z are accepted so that the readers can say, in Vietnamese, to send a .zip instead.
ESSAY_TYPES = [
    "docx",
    "doc",
    "pdf",
    "txt",
    "md",
    "rtf",
    "odt",
    "zip",
    "csv",
    "xlsx",
    "xls",
    "rar",
    "7z",
]
KEEP = (
    "f_query",
    "f_units",
    "f_flags",
    "f_score",
    "f_sort",
    "f_only",
    "f_page",
    "essay_id",
    "pair_index",
    "passage_k",
    "show_evidence",
    "batch_name",
)
TEXT_TYPES = ["txt", "md", "docx", "doc", "pdf", "rtf", "odt"]
ICON = Path(__file__).resolve().parent / "essaycheck" / "ui" / "icon.png"
# Streamlit has no Vietnamese: its file uploader's English hint ("200MB per file • DOCX…") is
# hidden (each uploader's label says what to give), its "Upload" button and the keyboard users'
# "Skip to main content" link are relabelled; narrower margins let the tables fit 1366 px.
CSS = """
<style>
[data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] { display: none; }
[data-testid="stFileUploaderDropzone"] button:has([data-testid="stMarkdownContainer"])::after {
  content: "Chọn tệp…";
}
[data-testid="stSkipToContent"] { font-size: 0; }
[data-testid="stSkipToContent"]::after { content: "Đến nội dung chính"; font-size: 1rem; }
.block-container, [data-testid="stMainBlockContainer"] { padding-left: 2rem; padding-right: 2rem; }
</style>
"""


def _run(name: str, run, files: int | None = None) -> None:
    """Run a check with a progress bar, save the batch and open it."""
    started = time.perf_counter()
    bar = st.progress(0.0, text="Đang đọc tệp…")

    def progress(stage: str, step: int, total: int) -> None:
        bar.progress(
            (step + 1) / (total + 1), text=f"Bước {step + 1}/{total}: {STAGES.get(stage, stage)}…"
        )

    with st.spinner("Đang kiểm tra, xin chờ…"):
        report = run(progress)
    bar.progress(1.0, text="Đang lưu kết quả…")
    batch_id = common.store().save_batch(name, report)
    st.session_state["fresh_reports"] = {batch_id: report}  # only the latest: memory
    st.session_state["last_run"] = {
        "batch_id": batch_id,
        "seconds": time.perf_counter() - started,
        "essays": len(report.essays),
        "errors": len(report.errors),
        "files": files,
    }
    st.session_state["goto"] = {"page": "essays", "batch_id": batch_id}
    st.rerun()


def start_page() -> None:
    st.header("Kiểm tra một đợt bài thu hoạch")
    st.write(
        "Chương trình tìm các bài sao chép (của nhau, từ bài mẫu trên mạng, hay chỉ chép lại nghị "
        "quyết) và chấm mức độ liên hệ nghị quyết với thực tiễn đơn vị, có dẫn chứng từng câu. "
        "Chương trình chỉ gợi ý; người xem xét quyết định."
    )
    st.session_state.setdefault("batch_name", f"Đợt {now_vn():%d/%m/%Y %H:%M}")
    name = st.text_input("Tên đợt kiểm tra", key="batch_name")

    st.subheader("Dùng bộ bài mẫu")
    if SAMPLES.available():
        n = sum(1 for p in SAMPLES.essays.iterdir() if not p.name.startswith("."))
        tables = sum(
            1 for p in SAMPLES.essays.iterdir() if p.suffix.lower() in (".xlsx", ".xls", ".csv")
        )
        st.caption(
            f"Bộ mẫu có sẵn: {number(n)} tệp bài thu hoạch"
            + (
                f" ({number(tables)} tệp là bảng tính, mỗi dòng một bài, nên số bài nhiều hơn "
                "số tệp)"
                if tables
                else ""
            )
            + ", nghị quyết 27-NQ/TW, bài mẫu tham khảo, bài của đợt trước và danh sách đơn vị "
            "(dữ liệu hư cấu)."
        )
        if st.button("▶ Kiểm tra bộ bài mẫu", type="primary", key="run_samples"):
            refs = [SAMPLES.references] if SAMPLES.references.is_dir() else []
            units = SAMPLES.units if SAMPLES.units.is_file() else None
            _run(
                f"{name} (bộ mẫu)",
                lambda progress: check(
                    [SAMPLES.essays],
                    SAMPLES.resolution,
                    refs,
                    units,
                    Config(),
                    progress,
                    archive=archive_admin.current_archive(),
                ),
                files=n,
            )
    else:
        st.caption("Không tìm thấy bộ bài mẫu (data/samples).")

    st.subheader("Hoặc tải lên bài của đợt")
    limit = st.get_option("server.maxUploadSize")
    st.info(
        f"Nhận tệp Word (.docx, .doc), PDF, văn bản (.txt), bảng tính (.xlsx, .csv, mỗi dòng một "
        f"bài) và tệp nén .zip; mỗi tệp tối đa {number(limit)} MB. Trong tệp nén .zip, mỗi bài "
        "tối đa 50 MB và cả tệp giải nén ra tối đa 500 MB. Tệp không đọc được sẽ được liệt kê kèm "
        "lý do; các bài khác vẫn được kiểm tra."
    )
    # One form: the files and the click reach the app together, so a click made while an upload
    # is still being registered is not lost.
    with st.form("upload_form", border=False, enter_to_submit=False):
        essays = st.file_uploader(
            "Bài thu hoạch: chọn nhiều tệp (Word, PDF, .txt), một tệp nén .zip, hoặc một bảng "
            "tính (.xlsx, .csv) mỗi dòng một bài",
            type=ESSAY_TYPES,
            accept_multiple_files=True,
            key="up_essays",
        )
        c1, c2 = st.columns(2)
        res_file = c1.file_uploader("Nghị quyết (tệp)", type=TEXT_TYPES, key="up_resolution")
        res_text = c2.text_area("…hoặc dán nội dung nghị quyết", height=120, key="res_text")
        c3, c4 = st.columns(2)
        refs = c3.file_uploader(
            "Tài liệu tham khảo, bài mẫu (không bắt buộc)",
            type=ESSAY_TYPES,
            accept_multiple_files=True,
            key="up_refs",
        )
        units_file = c4.file_uploader(
            "Danh sách đơn vị (bảng .csv/.xlsx có cột “Tên đơn vị”, “Mô tả”, “Tên gọi khác”; "
            "không bắt buộc)",
            type=["csv", "xlsx", "xls"],
            key="up_units",
        )
        submitted = st.form_submit_button("▶ Bắt đầu kiểm tra", type="primary", key="run_uploads")
    if not submitted:
        return
    if not essays:
        st.error("Hãy tải lên ít nhất một bài thu hoạch.")
        return
    try:
        resolution = (
            read_resolution_upload(Upload(res_file.name, res_file.getvalue()))
            if res_file
            else res_text.strip()
        )
    except ReadFailure as failure:
        st.error(f"Không đọc được tệp nghị quyết: {common.md(failure.message)}")
        return
    if not resolution:
        st.error("Hãy tải lên tệp nghị quyết hoặc dán nội dung nghị quyết.")
        return
    if not has_words(resolution):
        st.error(
            "Nội dung nghị quyết không có chữ nào (chỉ có dấu câu hoặc ký hiệu): "
            "hãy dán đúng văn bản nghị quyết."
        )
        return
    try:
        unit_list = (
            read_units_upload(Upload(units_file.name, units_file.getvalue())) if units_file else []
        )
    except (ValueError, OSError) as exc:
        st.error(f"Không đọc được danh sách đơn vị: {common.md(exc)}")
        return

    def run(progress):
        progress("read", -1, 4)
        docs, errors = read_uploads([Upload(f.name, f.getvalue()) for f in essays])
        ref_docs, ref_errors = read_uploads([Upload(f.name, f.getvalue()) for f in refs or []])
        return check_documents(
            docs,
            resolution,
            ref_docs,
            unit_list,
            Config(),
            errors + ref_errors,
            progress,
            archive=archive_admin.current_archive(),
        )

    _run(name, run, files=len(essays))


def sidebar() -> int | None:
    """Page choice and the batch being looked at; returns the batch id."""
    saved = common.store().list_batches()
    names = {b.id: f"#{b.id} — {b.name} ({b.essays} bài)" for b in saved}
    with st.sidebar:
        st.title("Rà soát bài thu hoạch")
        st.caption("Phát hiện sao chép và chấm mức độ liên hệ thực tiễn")
        account = login.current()
        pages = login.pages_for(account, common.PAGES) if account else {}
        pages = archive_admin.with_page(account, pages)  # administrators only
        if st.session_state.get("page") not in pages:  # a page this role may not open
            st.session_state["page"] = next(iter(pages))
        page = st.radio("Trang", list(pages), format_func=pages.get, key="page")
        batch_id = None
        if names:
            if st.session_state.get("batch_id") not in names:
                st.session_state["batch_id"] = saved[0].id
            batch_id = st.selectbox(
                "Đợt đang xem", list(names), format_func=names.get, key="batch_id"
            )
        st.divider()
        st.caption(
            "Mọi quyết định được lưu ngay vào cơ sở dữ liệu và còn nguyên khi khởi động lại."
        )
        if account:
            login.account_box(account)
    if page not in ("start", "batches", "accounts", archive_admin.PAGE) and batch_id is None:
        st.info("Chưa có đợt kiểm tra nào: hãy bắt đầu ở trang “Kiểm tra mới”.")
        return None
    return batch_id


def main() -> None:
    st.set_page_config(
        page_title="Rà soát bài thu hoạch",
        # A local image: a Material or emoji icon is fetched from a font server or CDN.
        page_icon=Image.open(ICON),
        layout="wide",
    )
    st.html(CSS)
    for key in KEEP:  # widgets not drawn in a run forget their state: keep these across pages
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    goto = st.session_state.pop("goto", None)
    if goto:
        st.session_state.update(goto)
    st.session_state.setdefault("page", "start")
    # Nothing is drawn before a login; errors are shown in Vietnamese, details go to a log file.
    login.guarded(common.db_path(), _pages)


def _pages() -> None:
    account = login.gate()
    if account is None:
        return
    batch_id = sidebar()
    page = st.session_state["page"]
    if page == "accounts":
        login.accounts_page(account)
    elif page == archive_admin.PAGE:
        archive_admin.archive_page(account)
    elif page == "start":
        start_page()
    elif page == "batches":
        batches()
    elif batch_id is None:
        return
    elif page == "essays":
        essay_list(batch_id)
    elif page == "essay":
        essay_view(batch_id)
    elif page == "pairs":
        pair_view(batch_id)
    elif page == "overview":
        overview(batch_id)


main()
