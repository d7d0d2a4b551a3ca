"""The review UI driven headless with Streamlit's AppTest, on a small part of the sample batch."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app_streamlit.py"
SAMPLES = ROOT / "data" / "samples"
# A verbatim pair (bv_02/bv_09), a light edit (tp_02/tp_09), a paraphrase (tp_01/tp_08), a
# template fill (thcs_10 from mau_1), last year's essay recycled (thcs_11), a resolution-only
# essay and an honest one; txt and docx.
SUBSET = ["bv_02.txt", "bv_09.docx", "tp_01.txt", "tp_02.txt", "tp_08.txt", "tp_09.txt",
          "thcs_10.docx", "thcs_11.docx", "tp_12.docx", "xa_05.txt"]  # fmt: skip
TIMEOUT = 120


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    """A small copy of the sample batch, laid out like data/samples."""
    if not (SAMPLES / "batch").is_dir():
        pytest.skip("data/samples/batch is missing (python scripts/make_samples.py builds it)")
    root = tmp_path_factory.mktemp("samples")
    (root / "batch").mkdir()
    for name in SUBSET:
        shutil.copy(SAMPLES / "batch" / name, root / "batch" / name)
    shutil.copy(SAMPLES / "resolution.txt", root / "resolution.txt")
    shutil.copy(SAMPLES / "units.csv", root / "units.csv")
    shutil.copytree(SAMPLES / "reference", root / "reference")
    return root


_SESSION: dict[str, str] = {}  # the logged-in session the next _app() starts with


@pytest.fixture
def env(monkeypatch, tmp_path, samples, tmp_path_factory) -> Path:
    from essaycheck.auth import Auth
    from essaycheck.store import Store
    from essaycheck.ui import login

    db = tmp_path / "review.sqlite"
    monkeypatch.setenv("ESSAYCHECK_DB", str(db))
    monkeypatch.setenv("ESSAYCHECK_SAMPLES", str(samples))
    monkeypatch.setenv("ESSAYCHECK_CACHE", str(tmp_path_factory.getbasetemp() / "tokens.sqlite"))
    # An administrator, logged in; errors raised as they are (the app would show a message).
    auth = Auth(Store(db))
    auth.add_user("admin", "mat khau quan tri", "admin", display_name="Lê Thị Mai")
    _SESSION["token"] = auth.login("admin", "mat khau quan tri").token
    monkeypatch.setattr(login, "guarded", lambda db_path, draw: draw())
    return db


def _app(token: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["auth_token"] = token or _SESSION["token"]
    at.run()
    assert not at.exception, at.exception
    return at


def _goto(at: AppTest, page: str) -> AppTest:
    at.sidebar.radio(key="page").set_value(page).run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    return " ".join(str(x.value) for x in [*at.markdown, *at.caption, *at.success, *at.info])


def _run_samples(at: AppTest) -> int:
    at.button(key="run_samples").click().run()
    assert not at.exception, at.exception
    assert at.session_state["page"] == "essays"
    assert any(f"Đã kiểm tra {len(SUBSET)} bài" in s.value for s in at.success)
    return int(at.session_state["batch_id"])


def _essay_table(at: AppTest):
    return at.dataframe[-1].value


def test_samples_filter_open_decide_and_reload(env):
    at = _app()
    assert at.session_state["page"] == "start"
    batch = _run_samples(at)

    table = _essay_table(at)
    assert len(table) == len(SUBSET)
    assert list(table.columns) == [
        "Mã bài", "Họ tên", "Đơn vị", "Cảnh báo", "Trùng lặp", "Điểm LH", "Mức", "Quyết định"
    ]  # fmt: skip
    # the copy roles tell source, copier, sample and last year's essay apart
    warning = table.set_index("Mã bài")["Cảnh báo"]
    assert "bài gốc bị chép" in warning["bv_02"] and "chép từ bài khác" not in warning["bv_02"]
    assert "chép từ bài khác" in warning["bv_09"] and "bài gốc" not in warning["bv_09"]
    assert "chép tài liệu tham khảo" in warning["thcs_10"]
    assert "chép bài đợt trước" in warning["thcs_11"]
    assert warning["xa_05"] == ""
    assert "bv_09" in set(table["Mã bài"])
    from essaycheck.ui.essays import WIDTHS

    assert set(WIDTHS) == set(table.columns) and sum(WIDTHS.values()) <= 940  # fits 1366 px

    # filter by unit, then by name, then by score range
    at.multiselect(key="f_units").set_value(["Phòng Tư pháp huyện Thuận Giang"]).run()
    assert set(_essay_table(at)["Mã bài"]) == {"tp_01", "tp_02", "tp_08", "tp_09", "tp_12"}
    at.multiselect(key="f_units").set_value([]).run()
    author = table.set_index("Mã bài").loc["bv_09", "Họ tên"]
    assert author == "Lý Thị Hồng Vân"
    # no diacritics, any case: names, units and ids
    at.text_input(key="f_query").input("LY THI hong van").run()
    assert set(_essay_table(at)["Mã bài"]) == {"bv_09"}
    at.text_input(key="f_query").input("phong tu phap").run()
    assert set(_essay_table(at)["Mã bài"]) == {"tp_01", "tp_02", "tp_08", "tp_09", "tp_12"}
    at.text_input(key="f_query").input("THCS_1").run()
    assert set(_essay_table(at)["Mã bài"]) == {"thcs_10", "thcs_11"}
    at.text_input(key="f_query").input("").run()
    assert at.slider(key="f_score").value == (0, 100)  # whole points, not "0.00 / 100.00"
    at.slider(key="f_score").set_range(90, 100).run()
    assert (_essay_table(at)["Điểm LH"] >= 90).all()
    at.slider(key="f_score").set_range(0, 100).run()
    at.multiselect(key="f_flags").set_value(["copy"]).run()
    assert "bv_09" in set(_essay_table(at)["Mã bài"]) and "xa_05" not in set(
        _essay_table(at)["Mã bài"]
    )

    # open an essay from the list
    at.selectbox(key="list_pick").set_value("bv_09").run()
    at.button(key="open_essay").click().run()
    assert not at.exception, at.exception
    assert at.session_state["page"] == "essay" and at.session_state["essay_id"] == "bv_09"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Trùng lặp với bài khác"].endswith("%")
    assert int(metrics["Trùng lặp với bài khác"].rstrip("%")) >= 50
    html = " ".join(h.proto.body for h in at.html)
    assert "<mark" in html and "bv_02" in html  # copied passages coloured, with their source

    # record a decision: nothing is chosen until the reviewer chooses
    key = f"essay-{batch}-bv_09"
    assert at.radio(key=f"choice-{key}").value is None
    # The logged-in account decides: its name is filled in and cannot be changed.
    assert at.text_input(key=f"reviewer-{key}").value == "Lê Thị Mai"
    at.button(key=f"save-{key}").click().run()
    assert any("Hãy chọn một quyết định" in e.value for e in at.error)
    from essaycheck.store import Store

    assert Store(env).decisions(batch).empty
    at.radio(key=f"choice-{key}").set_value("confirm")
    at.button(key=f"save-{key}").click().run()
    # undo: the confirmation is withdrawn, and both rows stay in the history
    at.button(key=f"undo-{key}").click().run()
    assert not at.exception, at.exception
    assert any("Đã hoàn tác" in s.value for s in at.success)
    body = " ".join(h.proto.body for h in at.html)
    assert "Quyết định hiện tại" not in body
    assert len(Store(env).decisions(batch)) == 2
    history = at.dataframe[-1].value
    assert list(history["Quyết định"]) == ["xác nhận", "hoàn tác (xác nhận)"]
    assert history["Thời điểm"].str.fullmatch(r"\d\d/\d\d/20\d\d \d\d:\d\d").all()
    at.radio(key=f"choice-{key}").set_value("discuss")
    at.text_area(key=f"comment-{key}").input("Trùng gần hết với bài bv_02")
    at.button(key=f"save-{key}").click().run()
    assert not at.exception, at.exception
    assert any("Đã lưu" in s.value for s in at.success)

    # a restart: a new app on the same database still has the batch and the decision
    again = _app()
    assert again.session_state["batch_id"] == batch
    _goto(again, "essays")
    table = _essay_table(again).set_index("Mã bài")
    assert "cần thảo luận" in table.loc["bv_09", "Quyết định"]
    again.session_state["essay_id"] = "bv_09"
    _goto(again, "essay")
    body = " ".join(h.proto.body for h in again.html)
    assert "Quyết định hiện tại" in body and "Lê Thị Mai" in body and "cần thảo luận" in body


def test_pair_view_overview_and_past_batches(env, monkeypatch):
    at = _app()
    batch = _run_samples(at)
    _goto(at, "pairs")
    assert at.session_state["pair_index"] is not None
    from essaycheck.store import Store
    from essaycheck.ui.tables import pair_frame

    report = Store(env).load_batch(batch)
    pairs = pair_frame(report)
    # the strongest pair is shown first; it says which essay is the likely original, and why
    first = report.matches[int(at.session_state["pair_index"])]
    body = " ".join(h.proto.body for h in at.html)
    if first.source:
        assert f"Bài gốc có thể là: {first.source}" in body and "Mức tin cậy" in body
    else:
        assert "Chưa rõ bài gốc" in body
    labels = " ".join(str(o) for o in at.selectbox(key="pair_index").options)
    assert "((" not in labels and "(tài liệu tham khảo)" in labels
    # passages longest first
    lengths = [p.n_words for p in first.passages]
    assert f"Đoạn 1/{len(lengths)}: {max(lengths)} từ" in " ".join(c.value for c in at.caption)
    bv = pairs[(pairs.a == "bv_02") & (pairs.b == "bv_09")].iloc[0]
    at.selectbox(key="pair_index").set_value(int(bv["match"])).run()
    body = " ".join(h.proto.body for h in at.html)
    assert "Bài gốc có thể là: bv_02" in body and "bài bv_09" in body
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Phần bài A bị trùng"].endswith("%") and int(metrics["Số đoạn trùng"]) >= 1
    n = int(metrics["Số đoạn trùng"])
    at.button(key="next_passage").click().run()
    assert at.session_state["passage_k"] == min(2, n)
    html = " ".join(h.proto.body for h in at.html)
    assert 'href="#pb-0"' in html and 'id="pb-0"' in html  # passages link across the two texts

    key = f"save-pair-{batch}-bv_02|bv_09"
    target = "bv_02|bv_09"
    at.radio(key=f"choice-pair-{batch}-{target}").set_value("confirm")
    at.button(key=key).click().run()
    assert any("Đã lưu" in s.value for s in at.success)

    _goto(at, "overview")
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Số bài"]) == len(SUBSET) and int(metrics["Quyết định đã ghi"]) == 1
    assert {d.key for d in at.download_button} >= {
        "dl_xlsx", "dl_essays", "dl_decisions", "dl_units"
    }  # fmt: skip
    assert "Nhóm sao chép" in " ".join(h.value for h in at.subheader)
    # the pair decision counts in its unit
    units = next(d.value for d in at.dataframe if "Quyết định đã ghi" in d.value.columns)
    counts = units.set_index("Đơn vị")["Quyết định đã ghi"]
    assert counts["Bệnh viện Đa khoa huyện Thuận Giang"] == 1 and counts.sum() == 1

    # one decision for a whole copy group, counted for each of its essays, then undone
    group = next(g for g in report.groups if "tp_01" in g.members)
    members = [m for m in group.members if m in {e.id for e in report.essays}]
    gkey = f"group-{batch}-{group.id}"
    assert at.radio(key=f"choice-{gkey}").value is None
    at.radio(key=f"choice-{gkey}").set_value("discuss")
    at.text_input(key=f"reviewer-{gkey}").input("Phạm Văn Đức")
    at.button(key=f"save-{gkey}").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Quyết định đã ghi"]) == 1 + len(members)
    units = next(d.value for d in at.dataframe if "Quyết định đã ghi" in d.value.columns)
    counts = units.set_index("Đơn vị")["Quyết định đã ghi"]
    assert counts["Phòng Tư pháp huyện Thuận Giang"] == len(members)
    at.button(key=f"undo-{gkey}").click().run()
    assert int({m.label: m.value for m in at.metric}["Quyết định đã ghi"]) == 1
    at.radio(key=f"choice-{gkey}").set_value("discuss")
    at.button(key=f"save-{gkey}").click().run()

    # the Excel export the download button serves: report sheets and the decisions
    from essaycheck.store import Store
    from essaycheck.ui import common
    from essaycheck.ui.committee import xlsx_export

    monkeypatch.setattr(common, "scope", lambda: None)  # called here outside a logged-in session
    taken = Store(env).decisions(batch)
    data = xlsx_export(str(env), batch, taken.to_json(orient="records", force_ascii=False))
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert {"Bài thu hoạch", "Cặp trùng lặp", "Nhóm sao chép", "Quyết định"} <= set(sheets)
    assert len(sheets["Bài thu hoạch"]) == len(SUBSET)
    decided = sheets["Quyết định"]
    assert set(decided["Người xem xét"]) == {"Lê Thị Mai"}  # the account, whatever was typed
    assert decided.iloc[0]["Bài / cặp"] == "bv_02 ↔ bv_09" and decided.iloc[0]["Loại"] == "cặp"
    assert pd.api.types.is_datetime64_any_dtype(decided["Thời điểm"])

    # the printable per-unit report: figures, flagged essays, pairs and decisions of the unit
    from essaycheck.ui.printable import unit_report_html

    page = unit_report_html(report, taken, "Đợt thử", ["Phòng Tư pháp huyện Thuận Giang"])
    assert page.count("<section class='unit'>") == 1 and "Phòng Tư pháp huyện Thuận Giang" in page
    assert "tp_08" in page and "Lê Thị Mai" in page and "Bài gốc có thể là" in page
    assert "Bệnh viện" not in page and "<script" not in page and "http" not in page

    # a second batch, then reopen the first from the saved batches
    _goto(at, "start")
    second = _run_samples(at)
    assert second != batch
    _goto(at, "batches")
    at.selectbox(key="batch_pick").set_value(batch).run()
    at.button(key="open_batch").click().run()
    assert at.session_state["batch_id"] == batch and at.session_state["page"] == "essays"


def test_upload_batch_with_a_bad_file_and_pasted_resolution(env, samples):
    at = _app()
    files = [
        (name, (samples / "batch" / name).read_bytes(), "application/octet-stream")
        for name in ("tp_02.txt", "tp_09.txt", "xa_05.txt")
    ]
    evil = "<img src=x onerror=alert(1)> bài.rar"
    files.append((f"../../{evil}", b"Rar!\x1a\x07\x00junk", "application/octet-stream"))
    hostile = (
        (samples / "batch" / "xa_05.txt")
        .read_text("utf-8")
        .replace("\n\n", '\n\n<script>alert("x")</script> <img src=x onerror="alert(1)">\n\n', 2)
    )
    files.append(("hostile.txt", hostile.encode("utf-8"), "text/plain"))
    # inside the upload form: set everything, then submit once
    at.file_uploader(key="up_essays").set_value(files)
    at.text_area(key="res_text").input((samples / "resolution.txt").read_text("utf-8"))
    at.button(key="run_uploads").click().run()
    assert not at.exception, at.exception
    assert at.session_state["page"] == "essays"
    assert any("Đã kiểm tra 4 bài" in s.value and "1 tệp không đọc được" in s.value
               for s in at.success)  # fmt: skip
    errors = next(d.value for d in at.dataframe if "Tệp" in d.value.columns)
    assert list(errors["Tệp"]) == [evil]  # the last part of the name only, shown as plain data
    assert ".zip" in errors.iloc[0]["Lý do và cách khắc phục"]
    assert set(_essay_table(at)["Mã bài"]) == {"tp_02", "tp_09", "xa_05", "hostile"}

    # the hostile essay's markup is shown as text, never as elements
    at.session_state["essay_id"] = "hostile"
    _goto(at, "essay")
    body = " ".join(h.proto.body for h in at.html)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=" in body
    assert "<script" not in body and "<img" not in body


def test_upload_without_resolution_is_refused(env, samples):
    at = _app()
    data = (samples / "batch" / "tp_02.txt").read_bytes()
    at.file_uploader(key="up_essays").set_value([("tp_02.txt", data, "text/plain")])
    at.button(key="run_uploads").click().run()
    assert any("nghị quyết" in e.value for e in at.error)
    assert at.session_state["page"] == "start"


def test_uploads_are_read_without_trusting_their_names(samples):
    import zipfile

    from essaycheck.ui.inputs import Upload, read_uploads

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("to1/tp_02.txt", (samples / "batch" / "tp_02.txt").read_bytes())
        z.writestr("to1/ghi_chu.odp", b"not an essay")
    docs, errors = read_uploads(
        [
            Upload("C:\\Users\\x\\../../nop bai.zip", buffer.getvalue()),
            Upload("/etc/tp_09.txt", (samples / "batch" / "tp_09.txt").read_bytes()),
            Upload("tp_09.txt", (samples / "batch" / "tp_09.txt").read_bytes()),
        ]
    )
    assert [d.source for d in docs] == ["nop bai.zip/to1/tp_02.txt", "tp_09.txt", "tp_09.txt#2"]
    assert [d.id for d in docs] == ["tp_02", "tp_09", "tp_09-2"]
    assert [e.source for e in errors] == ["nop bai.zip/to1/ghi_chu.odp"]
    assert "essaycheck-" not in errors[0].message and "nop bai.zip" in errors[0].message


def test_a_reviewer_sees_and_decides_only_on_their_unit(env):
    """Roles through the UI: a reviewer of the hospital gets no committee pages, only the
    hospital's essays and pairs, and cannot decide on another unit's essay."""
    from essaycheck.auth import Auth
    from essaycheck.store import PermissionDenied, Store

    at = _app()
    batch = _run_samples(at)
    hospital = "Bệnh viện Đa khoa huyện Thuận Giang"
    store = Store(env)
    full = store.load_batch(batch)
    units = {e.id: e.unit for e in full.essays}
    assert hospital in units.values() and len(set(units.values())) > 1
    auth = Auth(store)
    auth.add_user("bv", "mat khau benh vien", "reviewer", [hospital], "Người Bệnh Viện")
    rv = _app(auth.login("bv", "mat khau benh vien").token)
    pages = rv.sidebar.radio(key="page").options
    assert set(pages) == {"Danh sách bài", "Xem một bài", "So sánh cặp bài"}
    shown = set(_essay_table(rv)["Mã bài"])
    assert shown == {i for i, u in units.items() if u == hospital}
    _goto(rv, "essay")
    for option in rv.selectbox(key="essay_id").options:
        assert option.split(" ")[0] in shown
    other = next(i for i, u in units.items() if u != hospital)
    with pytest.raises(PermissionDenied):
        store.record_decision(batch, "essay", other, "dismiss", account=store.account("bv"))
    log = store.audit_log()
    assert ((log.account == "bv") & (log.action == "login")).any()


def test_login_form_and_first_run(env, tmp_path, monkeypatch):
    """No page before a login; a wrong password is refused in Vietnamese; a fresh database asks
    for the one-time code printed in the terminal."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception and not at.sidebar.radio
    assert any("Đăng nhập" in h.value for h in at.header)
    at.text_input(key="login_user").input("admin")
    at.text_input(key="login_password").input("sai mat khau")
    at.button(key="login_submit").click().run()
    assert any("không đúng" in e.value for e in at.error)
    at.text_input(key="login_password").input("mat khau quan tri")
    at.button(key="login_submit").click().run()
    assert at.sidebar.radio(key="page").options[0] == "Kiểm tra mới"

    from essaycheck.auth import Auth
    from essaycheck.store import Store

    fresh = tmp_path / "fresh.sqlite"
    monkeypatch.setenv("ESSAYCHECK_DB", str(fresh))
    first = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    first.run()
    assert any("Lần chạy đầu" in h.value for h in first.header)
    code = Auth(Store(fresh)).setup_code(announce=False)  # as printed in the terminal
    first.text_input(key="setup_code").input(code)
    first.text_input(key="setup_user").input("qt")
    first.text_input(key="setup_pw").input("mat khau quan tri")
    first.text_input(key="setup_pw2").input("mat khau quan tri")
    first.button(key="setup_submit").click().run()
    assert not first.exception
    assert "Các đợt đã lưu" in first.sidebar.radio(key="page").options
    assert Store(fresh).account("qt").is_admin
