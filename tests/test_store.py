"""The SQLite store of batches and reviewers' decisions."""

from __future__ import annotations

import sqlite3

import pytest

from essaycheck.documents import ReadError
from essaycheck.matches import CopyGroup, CopyProfile, Match, Passage
from essaycheck.pipeline import EssayResult, Report
from essaycheck.relevance import Evidence, RelevanceScore
from essaycheck.store import DECISION_LABELS, Store, default_db_path, pair_target


def _report(n: int = 2) -> Report:
    essays = [
        EssayResult(
            id=f"e{i}",
            source=f"batch/e{i}.txt",
            author=f"Nguyễn Văn {chr(65 + i)}",
            role="Giáo viên",
            unit="Trường THCS Nguyễn Trãi",
            n_words=300,
            copy=CopyProfile(f"e{i}", 300, 0.8, 0.1, 0.05, ("e1",) if i == 0 else ("e0",)),
            relevance=RelevanceScore(
                score=55.0,
                level=2,
                components={"unit_grounding": 0.5},
                evidence={"unit_grounding": [Evidence("Trường có 46 GV.", 10, 26, "số liệu")]},
                missing=["Chưa có kế hoạch hành động cụ thể."],
            ),
            flags=("copy",),
        )
        for i in range(n)
    ]
    texts = {e.id: "Họ và tên: …\nTrường có 46 giáo viên. Nội dung chung." for e in essays}
    match = Match("e0", "e1", "essay", 0.8, 0.8, 0.8, "shingle", (Passage(10, 33, 10, 33, 5),))
    return Report(
        essays=essays,
        matches=[match],
        groups=[CopyGroup(1, ("e0", "e1"), "e0")],
        errors=[ReadError("x.rar", "unknown_format", "Tệp 'x.rar' là tệp nén dạng '.rar'.")],
        texts=texts,
        resolution_title="Nghị quyết số 27-NQ/TW",
    )


def test_default_path_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("ESSAYCHECK_DB", str(tmp_path / "x.sqlite"))
    assert default_db_path() == tmp_path / "x.sqlite"
    monkeypatch.delenv("ESSAYCHECK_DB")
    assert default_db_path().parts[-3:] == ("share", "essaycheck", "essaycheck.sqlite")
    assert Store(tmp_path / "y.sqlite").path == tmp_path / "y.sqlite"


def test_save_list_load_round_trip(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    first = store.save_batch("Đợt 1", _report(2))
    second = store.save_batch("Đợt 2", _report(3))
    assert second > first
    listed = store.list_batches()
    assert [b.id for b in listed] == [second, first]  # newest first
    assert (listed[1].name, listed[1].essays, listed[1].flagged) == ("Đợt 1", 2, 2)
    report = store.load_batch(first)
    assert [e.id for e in report.essays] == ["e0", "e1"]
    assert report.essays[0].author == "Nguyễn Văn A"
    assert report.matches[0].passages[0] == Passage(10, 33, 10, 33, 5)
    assert report.texts["e0"].startswith("Họ và tên")
    assert report.errors[0].source == "x.rar"
    assert report.essays[0].relevance.evidence["unit_grounding"][0].start == 10
    with pytest.raises(KeyError):
        store.load_batch(999)


def test_decisions_history_and_latest(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    batch = store.save_batch("Đợt", _report())
    store.record_decision(batch, "essay", "e0", "discuss", "Cần hỏi lại", "Trần Thị B")
    store.record_decision(batch, "essay", "e0", "confirm", "  Sao chép rõ  ", " Trần Thị B ")
    store.record_decision(batch, "pair", pair_target("e1", "e0"), "dismiss", "", "Lê C")
    all_ = store.decisions(batch)
    assert list(all_.decision) == ["discuss", "confirm", "dismiss"]
    assert all_.iloc[1].comment == "Sao chép rõ" and all_.iloc[1].reviewer == "Trần Thị B"
    latest = store.decisions(batch, latest=True)
    assert len(latest) == 2
    assert latest.set_index("target_id").loc["e0", "decision_label"] == DECISION_LABELS["confirm"]
    assert pair_target("e1", "e0") == pair_target("e0", "e1") == "e0|e1"
    assert store.decisions(batch + 1).empty


def test_decisions_survive_a_new_store_object(tmp_path):
    path = tmp_path / "db.sqlite"
    batch = Store(path).save_batch("Đợt", _report())
    Store(path).record_decision(batch, "essay", "e1", "dismiss", "ok", "An")
    again = Store(path)
    assert again.decisions(batch).iloc[0].reviewer == "An"
    assert again.list_batches()[0].name == "Đợt"


def test_invalid_decisions_are_refused_and_nothing_is_written(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    batch = store.save_batch("Đợt", _report())
    with pytest.raises(ValueError):
        store.record_decision(batch, "essay", "e0", "maybe")
    with pytest.raises(ValueError):
        store.record_decision(batch, "group", "1", "confirm")
    with pytest.raises(sqlite3.IntegrityError):  # no such batch: the foreign key refuses it
        store.record_decision(batch + 10, "essay", "e0", "confirm")
    assert store.decisions(batch).empty


def test_delete_batch_removes_its_decisions(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    keep = store.save_batch("Giữ", _report())
    drop = store.save_batch("Xoá", _report())
    store.record_decision(drop, "essay", "e0", "confirm", reviewer="An")
    store.record_decision(keep, "essay", "e0", "confirm", reviewer="An")
    store.rename_batch(keep, "Giữ lại")
    store.delete_batch(drop)
    assert [(b.id, b.name) for b in store.list_batches()] == [(keep, "Giữ lại")]
    assert store.decisions(drop).empty
    assert len(store.decisions(keep)) == 1


def test_a_failed_write_is_rolled_back(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    batch = store.save_batch("Đợt", _report())
    with pytest.raises(RuntimeError), store._transaction() as con:
        con.execute(
            "INSERT INTO decisions (batch_id, target_kind, target_id, decision, time)"
            " VALUES (?, 'essay', 'e0', 'confirm', 'now')",
            (batch,),
        )
        raise RuntimeError("boom")
    assert store.decisions(batch).empty
