"""What the review screens and exports show, as plain data: Vietnamese formats, search, copy
roles, the likely original, decisions in force after undo, decisions per unit, file names."""

from __future__ import annotations

import pandas as pd
import pytest

from essaycheck.matches import CopyProfile, Match, Passage
from essaycheck.pipeline import EssayResult, Report
from essaycheck.relevance import RelevanceScore
from essaycheck.report import file_name
from essaycheck.store import DECISION_COLUMNS, DECISION_LABELS
from essaycheck.ui.tables import (
    UNDO_MARK,
    by_length,
    copy_roles,
    decision_table,
    direction,
    essay_frame,
    filter_essays,
    in_force,
    pair_frame,
    unit_overview,
)
from essaycheck.ui.vn import fold, number, percent, vn_time

PREVIOUS = (
    "ĐẢNG BỘ HUYỆN X\nBÀI THU HOẠCH\nHọ và tên: Vũ Đức Thịnh\nChức vụ: Giáo viên\n\nNội dung."
)
SAMPLE = "BÀI THU HOẠCH\nHọ và tên: ……………………\nChức vụ: ……………\n\nNội dung mẫu."


def _essay(i: str, author: str, unit: str, flags: tuple[str, ...] = ()) -> EssayResult:
    return EssayResult(
        id=i,
        source=f"/srv/uploads/{i}.docx",
        author=author,
        role="",
        unit=unit,
        n_words=500,
        copy=CopyProfile(id=i, n_tokens=0, similarity=0.5, quote_share=0.1, boilerplate_share=0),
        relevance=RelevanceScore(score=40.0, level=1, components={}, evidence={}, missing=[]),
        flags=flags,
    )


def _match(
    a: str, b: str, kind: str = "essay", source: str = "", reason: str = "", confidence: str = ""
) -> Match:
    passages = (
        Passage(0, 10, 0, 10, 9),
        Passage(20, 90, 20, 90, 60),
        Passage(100, 130, 100, 130, 25),
    )
    return Match(a, b, kind, 0.9, 0.8, 0.9, "shingle", passages, source, reason, confidence)


@pytest.fixture
def report() -> Report:
    essays = [
        _essay("bv_02", "Ngô Thị Bích Thủy", "Bệnh viện Đa khoa huyện Thuận Giang", ("copy",)),
        _essay("bv_09", "Lý Thị Hồng Vân", "Bệnh viện Đa khoa huyện Thuận Giang", ("copy",)),
        _essay("tp_01", "Võ Thanh Tùng", "Phòng Tư pháp huyện Thuận Giang", ("copy",)),
        _essay("tp_08", "Mai Xuân Bách", "Phòng Tư pháp huyện Thuận Giang", ("copy",)),
        _essay("thcs_10", "Quách Văn Dũng", "Trường THCS Nguyễn Trãi", ("copy_of_reference",)),
        _essay("thcs_11", "Vũ Đức Thịnh", "Trường THCS Nguyễn Trãi", ("copy_of_reference",)),
        _essay("xa_05", "Bùi Thị Ngọc", "Ủy ban nhân dân xã Tân Lập"),
    ]
    matches = [
        _match(
            "bv_02",
            "bv_09",
            source="bv_02",
            reason="Bài bv_09 ký tên Ngô Thị Bích Thủy.",
            confidence="cao",
        ),
        _match("tp_01", "tp_08"),
        _match("thcs_10", "mau_1", kind="reference"),
        _match("thcs_11", "nam_2023", kind="reference"),
    ]
    texts = {"mau_1": SAMPLE, "nam_2023": PREVIOUS}
    return Report(essays=essays, matches=matches, groups=[], errors=[], texts=texts)


def test_vietnamese_numbers_times_and_search_keys():
    assert number(1234.5, 1) == "1.234,5" and number(58) == "58" and number(None) == ""
    assert percent(0.583, 1) == "58,3%" and percent(0.9871) == "99%"
    assert vn_time("2026-12-01T20:22:20+00:00") == "02/12/2026 03:22"  # UTC+7, next day
    assert vn_time("2026-12-01T20:22:20") == "02/12/2026 03:22"  # no offset: UTC
    assert fold("Võ Thanh TÙNG, Phòng Tư pháp, Đảng") == "vo thanh tung, phong tu phap, dang"


def test_search_ignores_diacritics_and_case_over_names_units_and_ids(report):
    frame = essay_frame(report)
    assert set(filter_essays(frame, query="vo thanh tung").id) == {"tp_01"}
    assert set(filter_essays(frame, query="PHONG TU PHAP").id) == {"tp_01", "tp_08"}
    assert set(filter_essays(frame, query="thcs_1").id) == {"thcs_10", "thcs_11"}
    assert set(filter_essays(frame, query="benh vien hong van").id) == {"bv_09"}
    assert filter_essays(frame, query="không có ai").empty


def test_copy_roles_tell_source_copier_sample_previous_and_unknown_apart(report):
    roles = copy_roles(report)
    assert roles["bv_02"] == ["source"] and roles["bv_09"] == ["copier"]
    assert roles["thcs_10"] == ["reference"] and roles["thcs_11"] == ["previous"]
    assert roles["tp_01"] == roles["tp_08"] == ["shared"]
    assert "xa_05" not in roles


def test_direction_states_original_reason_and_confidence_or_unknown(report):
    known = direction(report, report.matches[0])
    assert (known.source, known.copier, known.confidence) == ("bv_02", "bv_09", "cao")
    assert "ký tên" in known.sentence({}) and "Mức tin cậy: cao" in known.sentence({})
    unknown = direction(report, report.matches[1])
    assert unknown.source == "" and unknown.sentence({}).startswith("Chưa rõ bài gốc")
    previous = direction(report, report.matches[3])
    assert previous.source == "nam_2023" and "Vũ Đức Thịnh" in previous.reason
    pairs = pair_frame(report).set_index("b")
    assert pairs.loc["tp_08", "source"] == "chưa rõ bài gốc"
    assert pairs.loc["mau_1", "author_b"] == "tài liệu tham khảo"  # not "((tài liệu …))"
    assert pairs.loc["nam_2023", "author_b"] == "bài đợt trước"


def test_passages_longest_first(report):
    assert [p.n_words for p in by_length(report.matches[0]).passages] == [60, 25, 9]


def _decisions(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """Decisions as :meth:`Store.decisions` returns them (columns the store adds left empty)."""
    frame = pd.DataFrame(
        [
            {
                "batch_id": 1,
                "target_kind": kind,
                "target_id": target,
                "decision": d,
                "decision_label": DECISION_LABELS[d],
                "comment": comment,
                "reviewer": "Mai",
                "time": f"2026-12-01T0{i}:00:00+00:00",
            }
            for i, (kind, target, d, comment) in enumerate(rows)
        ]
    )
    return frame.reindex(columns=list(dict.fromkeys([*DECISION_COLUMNS, *frame.columns])))


def test_undo_brings_back_the_decision_before_and_stays_in_history(report):
    taken = _decisions(
        [
            ("essay", "bv_09", "discuss", ""),
            ("essay", "bv_09", "confirm", "chép"),
            ("essay", "bv_09", "confirm", f"{UNDO_MARK} quyết định “xác nhận”"),
            ("essay", "xa_05", "dismiss", ""),
            ("essay", "xa_05", "dismiss", f"{UNDO_MARK} quyết định “bác bỏ”"),
        ]
    )
    force = in_force(taken)
    assert list(zip(force.target_id, force.decision, strict=True)) == [("bv_09", "discuss")]
    shown = decision_table(report, taken)
    assert list(shown["Quyết định"])[:3] == ["cần thảo luận", "xác nhận", "hoàn tác (xác nhận)"]
    assert shown.iloc[0]["Thời điểm"] == "01/12/2026 07:00"
    assert (
        shown.iloc[0]["Bài / cặp"] == "bv_09 (Lý Thị Hồng Vân)" and shown.iloc[0]["Loại"] == "bài"
    )


def test_every_decision_counts_in_its_units(report):
    taken = _decisions(
        [
            ("pair", "bv_02|bv_09", "confirm", ""),
            ("essay", "tp_01", "discuss", ""),
            ("essay", "tp_08", "discuss", ""),
            ("pair", "tp_01|xa_05", "dismiss", ""),  # a pair across two units counts in both
            ("essay", "thcs_10", "confirm", ""),
            ("essay", "thcs_10", "confirm", f"{UNDO_MARK} quyết định “xác nhận”"),
        ]
    )
    counts = unit_overview(report, taken).set_index("unit")["decisions"]
    assert counts["Bệnh viện Đa khoa huyện Thuận Giang"] == 1
    assert counts["Phòng Tư pháp huyện Thuận Giang"] == 3
    assert counts["Ủy ban nhân dân xã Tân Lập"] == 1
    assert counts["Trường THCS Nguyễn Trãi"] == 0  # undone


def test_file_names_instead_of_paths():
    assert file_name("/home/mai/Đợt 1/bv_02.docx") == "bv_02.docx"
    assert file_name("C:\\Users\\mai\\bv_02.docx") == "bv_02.docx"
    assert file_name("/tmp/x/nop bai.zip/to1/tp_02.txt") == "nop bai.zip/tp_02.txt"
