"""The CLI and the report: exit codes, JSON schema, Excel sheets, eval figures."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from conftest import SAMPLES, source_text

from essaycheck.cli import main
from essaycheck.report import SCHEMA_VERSION, load_json, to_dict

ESSAYS = ["xa_01", "xa_02", "xa_07", "tp_03", "cty_02"]


@pytest.fixture()
def batch(tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    for i in ESSAYS:
        (folder / f"{i}.txt").write_text(source_text(i), encoding="utf-8")
    # a copy with the header name changed, and a bad file that must not stop the batch
    (folder / "copy.txt").write_text(source_text("xa_02").replace("Vũ Minh Tuấn", "Đào Văn Hải"))
    (folder / "empty.docx").write_bytes(b"")
    return folder


def run_check(tmp_path, batch, *extra):
    out = tmp_path / "r.json"
    code = main(
        [
            "check",
            str(batch),
            "--resolution",
            str(SAMPLES / "resolution.txt"),
            "--units",
            str(SAMPLES / "units.csv"),
            "--json",
            str(out),
            "--xlsx",
            str(tmp_path / "r.xlsx"),
            "--no-cache",
            "--jobs",
            "1",
            "-q",
            *extra,
        ]
    )
    return code, json.loads(out.read_text(encoding="utf-8"))


def test_check_writes_a_documented_report_and_exits_1_on_bad_input(tmp_path, batch):
    code, report = run_check(tmp_path, batch)
    assert code == 1  # one input failed; the report is still written
    assert report["schema_version"] == SCHEMA_VERSION
    ids = {e["id"] for e in report["essays"]}
    assert ids == set(ESSAYS) | {"copy"}
    [error] = report["errors"]
    assert error["source"].endswith("empty.docx") and "empty.docx" in error["message"]
    essay = next(e for e in report["essays"] if e["id"] == "xa_02")
    for key in ("source", "author", "unit", "n_words", "similarity", "relevance", "flags"):
        assert key in essay
    assert essay["author"] == "Vũ Minh Tuấn" and essay["unit"] == "Ủy ban nhân dân xã Tân Lập"
    assert set(essay["relevance"]) >= {"score", "level", "components", "evidence"}
    [match] = report["matches"]
    assert {match["a"], match["b"]} == {"xa_02", "copy"} and match["kind"] == "essay"
    text = report["texts"][match["a"]]
    other = report["texts"][match["b"]]
    for p in match["passages"]:
        assert text[p["a_start"] : p["a_end"]] == p["a_text"] == other[p["b_start"] : p["b_end"]]
    assert report["groups"][0]["members"] == sorted(["xa_02", "copy"])
    assert report["groups"][0]["source"] == ""  # same text, nothing tells who wrote it first
    sheets = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None)
    assert list(sheets) == [
        "Theo đơn vị",
        "Bài thu hoạch",
        "Cặp trùng lặp",
        "Đoạn trùng",
        "Nhóm sao chép",
        "Tệp không đọc được",
    ]
    assert len(sheets["Bài thu hoạch"]) == len(ids)
    # file names, not the folders of the machine that ran the check
    assert "empty.docx" in set(sheets["Tệp không đọc được"]["Tệp"])
    assert not any("/" in s for s in sheets["Bài thu hoạch"]["Tệp"])


def test_excel_report_is_formatted_for_people(tmp_path, batch):
    from openpyxl import load_workbook

    run_check(tmp_path, batch)
    book = load_workbook(tmp_path / "r.xlsx")
    essays = book["Bài thu hoạch"]
    header = [c.value for c in essays[1]]
    assert "Mã bài" in header and "Tỉ lệ trùng với văn bản khác" in header
    assert not any("_" in str(h) for h in header)  # no snake_case headings
    assert all(c.font.bold for c in essays[1])
    assert essays.freeze_panes == "A2" and essays.auto_filter.ref
    share = essays.cell(2, header.index("Tỉ lệ trùng với văn bản khác") + 1)
    assert isinstance(share.value, float) and share.number_format == "0.0%"
    name = essays.column_dimensions["B"].width
    assert name and name > 10  # sized to the names, not Excel's default 8.43
    matches = book["Cặp trùng lặp"]
    assert [c.value for c in matches[1]][:2] == ["Bài A", "Bài / tài liệu B"]
    assert matches.cell(2, 3).value == "hai bài trong đợt"


def test_report_json_round_trips(tmp_path, batch):
    run_check(tmp_path, batch)
    report = load_json(tmp_path / "r.json")
    again = json.loads(json.dumps(to_dict(report), ensure_ascii=False))
    original = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    for key in ("essays", "matches", "groups", "errors", "texts"):
        assert again[key] == original[key]


def test_exit_0_when_everything_was_read_and_threshold_option(tmp_path, batch):
    (batch / "empty.docx").unlink()
    code, report = run_check(tmp_path, batch, "--threshold", "0.99")
    assert code == 0 and report["errors"] == []
    # below the threshold only a pair with a section copied word for word (80 words) is kept
    for m in report["matches"]:
        section = max((p["n_words"] for p in m["passages"] if p["method"] == "shingle"), default=0)
        assert m["score"] >= 0.99 or section >= 80, m["score"]


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["check"]) == 2
    assert main(["check", str(tmp_path), "--resolution", str(tmp_path / "missing.txt")]) == 2
    assert "missing.txt" in capsys.readouterr().err


def _campaign(root, batch):
    """A labelled campaign folder in the sample layout around the ``batch`` fixture."""
    root.mkdir()
    shutil.copytree(batch, root / "batch")
    shutil.copy(SAMPLES / "resolution.txt", root / "resolution.txt")
    shutil.copy(SAMPLES / "units.csv", root / "units.csv")
    rows = [{"id": i, "unit": "u", "relevance": 2, "copy_of": "", "copy_kind": ""} for i in ESSAYS]
    rows.append(
        {"id": "copy", "unit": "u", "relevance": 1, "copy_of": "xa_02", "copy_kind": "verbatim"}
    )
    pd.DataFrame(rows).to_csv(root / "labels.csv", index=False)
    return root


def test_eval_checks_campaigns_and_prints_their_figures(tmp_path, batch, capsys):
    first, second = _campaign(tmp_path / "one", batch), _campaign(tmp_path / "two", batch)
    out = tmp_path / "e.json"
    assert main(["eval", str(first), str(second), "--json", str(out), "--no-cache"]) == 0
    figures = json.loads(out.read_text())
    rows = {r["campaign"]: r for r in figures["summary"]}
    assert set(rows) == {"one", "two", "mean (counts: sum)"}
    assert rows["one"]["precision"] == 1.0 and rows["one"]["recall"] == 1.0
    assert rows["one"]["direction_wrong"] == 0
    assert "loco_qwk" in rows["one"]  # each scored by a model fitted on the other
    printed = capsys.readouterr().out
    assert "level confusion" in printed and "spearman" in printed
    assert main(["eval", str(batch)]) == 2  # not a campaign folder
    # A glob over a folder of campaigns also names its README: skipped, the rest evaluated.
    (tmp_path / "README.md").write_text("campaigns", encoding="utf-8")
    assert main(["eval", str(tmp_path / "README.md"), str(first), "--no-loco"]) == 0
    assert "bỏ qua" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "README.md")]) == 2  # nothing left to evaluate


def test_sample_batch_meets_the_copy_targets(tmp_path):
    """The whole labelled sample batch: every copy found, nothing honest flagged."""
    from essaycheck import check, evaluate_copies, load_campaign

    report = check(
        [SAMPLES / "batch"],
        SAMPLES / "resolution.txt",
        [SAMPLES / "reference"],
        SAMPLES / "units.csv",
    )
    assert report.errors == []
    campaign = load_campaign(SAMPLES)
    assert {e.id for e in report.essays} == set(pd.read_csv(SAMPLES / "labels.csv").id)
    ev = evaluate_copies(report, campaign)
    assert ev.precision >= 0.95 and ev.recall >= 0.95, (ev.false_pairs, ev.missed_pairs)
    assert ev.direction["wrong"] == 0, ev.wrong_sources
    assert ev.resolution_only_found == ev.resolution_only_expected
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_check_help_and_usage_errors_are_vietnamese(capsys):
    assert main(["check", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Cách dùng: essaycheck check")
    assert "tùy chọn:" in out and "văn bản nghị quyết" in out and "--resolution TỆP" in out
    for english in ("usage:", "options:", "show this help", "write the", "the resolution text"):
        assert english not in out
    assert main(["check", "x.txt"]) == 2
    err = capsys.readouterr().err
    assert "lỗi: thiếu tham số bắt buộc: --resolution" in err and "required" not in err


def test_progress_stages_are_named_in_vietnamese(tmp_path, batch, capsys):
    code = main(["check", str(batch), "--resolution", str(SAMPLES / "resolution.txt"),
                 "--no-cache", "--json", str(tmp_path / "r.json")])  # fmt: skip
    assert code in (0, 1)
    err = capsys.readouterr().err
    assert "Tìm đoạn trùng lặp" in err and "Chấm mức liên hệ" in err
    for english in ("prepare", "copies", "relevance:"):
        assert english not in err
