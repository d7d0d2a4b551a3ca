"""The archive page of the review UI (administrators only) and checks compared with the archive."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

from essaycheck.archive import open_archive
from essaycheck.documents import Document

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app_streamlit.py"
SAMPLES = ROOT / "data" / "samples"
SUBSET = ["bv_02.txt", "bv_09.docx", "xa_05.txt"]


@pytest.fixture
def env(monkeypatch, tmp_path, tmp_path_factory):
    from essaycheck.auth import Auth
    from essaycheck.store import Store
    from essaycheck.ui import login

    samples = tmp_path / "samples"
    (samples / "batch").mkdir(parents=True)
    for name in SUBSET:
        shutil.copy(SAMPLES / "batch" / name, samples / "batch" / name)
    shutil.copy(SAMPLES / "resolution.txt", samples / "resolution.txt")
    db = tmp_path / "review.sqlite"
    monkeypatch.setenv("ESSAYCHECK_DB", str(db))
    monkeypatch.setenv("ESSAYCHECK_SAMPLES", str(samples))
    monkeypatch.setenv("ESSAYCHECK_CACHE", str(tmp_path_factory.getbasetemp() / "tokens.sqlite"))
    monkeypatch.delenv("ESSAYCHECK_ARCHIVE", raising=False)
    auth = Auth(Store(db))
    auth.add_user("admin", "mat khau quan tri", "admin", display_name="Lê Thị Mai")
    auth.add_user("doc", "mat khau nguoi doc", "reviewer", units=["Bệnh viện"], display_name="Bình")
    monkeypatch.setattr(login, "guarded", lambda db_path, draw: draw())
    tokens = {u: auth.login(u, p).token for u, p in
              (("admin", "mat khau quan tri"), ("doc", "mat khau nguoi doc"))}  # fmt: skip
    return tmp_path, tokens


def _app(token: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["auth_token"] = token
    at.run()
    assert not at.exception, at.exception
    return at


def _archive(path: Path) -> None:
    resolution = (SAMPLES / "resolution.txt").read_text(encoding="utf-8")
    xa_05 = (SAMPLES / "batch" / "xa_05.txt").read_text(encoding="utf-8")
    with open_archive(str(path)) as archive:
        archive.add("NQ27 năm 2023", resolution, [Document("xa_05", "xa_05.txt", xa_05)])


def test_admin_sets_lists_and_removes_campaigns_reviewer_cannot(env):
    tmp, tokens = env
    reviewer = _app(tokens["doc"])
    assert "archive" not in reviewer.sidebar.radio(key="page").options

    at = _app(tokens["admin"])
    at.sidebar.radio(key="page").set_value("archive").run()
    assert any("Chưa có kho bài" in x.value for x in at.info)
    _archive(tmp / "kho")
    at.text_input(key="archive_location_input").set_value(str(tmp / "kho"))
    at.button[0].click().run()  # the form's "Lưu vị trí kho bài"
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["Đợt"]) == ["NQ27 năm 2023"] and list(table["Số bài"]) == [1]
    at.checkbox(key="archive_remove_sure").check().run()
    at.button(key="archive_remove").click().run()
    assert any("Đã xoá đợt 'NQ27 năm 2023'" in x.value for x in at.success)
    with open_archive(str(tmp / "kho")) as archive:
        assert archive.campaigns() == []
    from essaycheck.store import Store

    log = Store(tmp / "review.sqlite").audit_log()
    assert {"archive_location", "archive_remove"} <= set(log.iloc[:, :].astype(str).stack())


def test_a_check_in_the_app_is_compared_with_the_archive(env, monkeypatch):
    tmp, tokens = env
    _archive(tmp / "kho")
    monkeypatch.setenv("ESSAYCHECK_ARCHIVE", str(tmp / "kho"))
    at = _app(tokens["admin"])
    at.button(key="run_samples").click().run()
    assert not at.exception, at.exception
    from essaycheck.ui import common

    report = common.raw_store().load_batch(int(at.session_state["batch_id"]))
    found = [(m.a, m.b, m.campaign) for m in report.matches if m.kind == "archive"]
    assert found == [("xa_05", "NQ27 năm 2023/xa_05", "NQ27 năm 2023")]
    xa_05 = (SAMPLES / "batch" / "xa_05.txt").read_text(encoding="utf-8")
    assert report.texts["NQ27 năm 2023/xa_05"] == xa_05  # kept with the batch, side by side
    at.sidebar.radio(key="page").set_value("pairs").run()  # the pair, side by side
    assert not at.exception, at.exception
    index = next(i for i, m in enumerate(report.matches) if m.kind == "archive")
    at.selectbox(key="pair_index").set_value(index).run()
    assert not at.exception, at.exception
    shown = " ".join(str(x.value) for x in [*at.markdown, *at.caption])
    assert "bài đợt 'NQ27 năm 2023' trong kho" in shown
