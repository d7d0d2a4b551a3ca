"""Relevance: components, evidence, and the adversarial cases from the issue."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import SAMPLES, source_text
from sklearn.metrics import cohen_kappa_score

from essaycheck import Config, Document, check_documents, fit_cutpoints, read_units

BASE = ["xa_02", "xa_04", "xa_06", "xa_07", "thcs_02", "thcs_05", "bv_03", "bv_12", "cty_02"]
GENERIC = "xa_06"  # a level-1 essay: generic liên hệ, no figures


@pytest.fixture(scope="module")
def run(tmp_path_factory, resolution_text):
    config = Config(cache=str(tmp_path_factory.mktemp("cache") / "tokens.sqlite"), n_jobs=1)
    units = read_units(SAMPLES / "units.csv")

    def run(extra: dict[str, str] | None = None, references: dict[str, str] | None = None):
        texts = {i: source_text(i) for i in BASE} | (extra or {})
        docs = [Document(i, f"{i}.txt", t) for i, t in texts.items()]
        refs = [Document(i, f"{i}.txt", t) for i, t in (references or {}).items()]
        return check_documents(docs, resolution_text, refs, units, config)

    return run


def variant(run, text: str):
    return run({"variant": text}).essay("variant").relevance


def test_levels_order_concrete_above_generic_above_none(run):
    report = run()
    score = {e.id: e.relevance.score for e in report.essays}
    assert score["xa_02"] > score["xa_04"] > score["xa_06"] > score["xa_07"]
    assert report.essay("xa_02").relevance.level == 3
    assert report.essay("xa_07").relevance.level == 0


def test_essay_about_another_resolution_scores_low_however_concrete(run):
    rel = run().essay("bv_12").relevance
    assert rel.level <= 1
    assert rel.components["resolution_fit"] < 0.4
    assert rel.components["unit_grounding"] > 0.5  # it does describe its unit well
    assert any("nghị quyết khác" in m for m in rel.missing)


def test_evidence_points_at_the_original_text(run):
    report = run()
    for e in report.essays:
        for items in e.relevance.evidence.values():
            for ev in items:
                assert report.texts[e.id][ev.start : ev.end] == ev.text


def test_missing_parts_are_named(run):
    rel = run().essay("xa_07").relevance
    assert "Bài chưa có phần kiến nghị, đề xuất." in rel.missing
    assert any("liên hệ thực tiễn" in m for m in rel.missing)


RESOLUTION_PASTE = " ".join(
    [
        "Nghị quyết xác định: Xây dựng bộ máy nhà nước tinh gọn, hoạt động hiệu lực, hiệu quả;",
        "đội ngũ cán bộ, công chức, viên chức chuyên nghiệp, tinh nhuệ, liêm chính.",
        "Đẩy mạnh chuyển đổi số, xây dựng Chính phủ điện tử, Chính phủ số; đẩy mạnh cải cách",
        "thủ tục hành chính, cung cấp dịch vụ công trực tuyến toàn trình. Nâng cao hiệu quả",
        "công tác phổ biến, giáo dục pháp luật, xây dựng văn hóa tuân thủ pháp luật trong cán bộ,",
        "đảng viên và Nhân dân.",
    ]
)
NAME_ONLY = "Ủy ban nhân dân xã Tân Lập luôn quan tâm, tạo điều kiện cho việc thực hiện Nghị quyết."
NUMBERS = (
    "Nghị quyết có 6 quan điểm, 9 nhóm nhiệm vụ, 3 mục tiêu đến năm 2030 và 2045; "
    "cần 100% cán bộ, 100% đảng viên nắm vững 12 nội dung, 15 yêu cầu và 20 giải pháp."
)
SLOGANS = (
    "Đảng Cộng sản Việt Nam quang vinh muôn năm! Tất cả vì mục tiêu dân giàu, nước mạnh, dân chủ, "
    "công bằng, văn minh! Quyết tâm đưa Nghị quyết vào cuộc sống!"
)
CONCRETE = (
    "Nghị quyết yêu cầu đẩy mạnh cải cách thủ tục hành chính, cung cấp dịch vụ công trực tuyến; "
    "tại xã Tân Lập, năm 2023 bộ phận một cửa tiếp nhận 3.982 hồ sơ nhưng chỉ 41% nộp trực tuyến "
    "và còn 27 hồ sơ trễ hạn, chủ yếu là hồ sơ đất đai."
)


def append(text: str, paragraph: str) -> str:
    """Put a paragraph before the closing signature lines."""
    lines = text.rstrip().split("\n")
    return "\n".join([*lines[:-3], "", paragraph, "", *lines[-3:]])


@pytest.mark.parametrize(
    "padding",
    [RESOLUTION_PASTE, NAME_ONLY, NUMBERS, SLOGANS],
    ids=["resolution", "name", "numbers", "slogans"],
)
def test_padding_does_not_raise_the_score(run, padding):
    base = variant(run, source_text(GENERIC))
    padded = variant(run, append(source_text(GENERIC), padding))
    assert padded.score <= base.score + 0.5
    assert padded.level <= base.level


def test_one_concrete_dated_fact_next_to_a_resolution_point_raises_it(run):
    base = variant(run, source_text(GENERIC))
    better = variant(run, append(source_text(GENERIC), CONCRETE))
    assert better.score > base.score + 3
    assert better.components["unit_grounding"] > base.components["unit_grounding"]
    assert better.components["linkage"] > base.components["linkage"]
    assert any("41%" in ev.text for ev in better.evidence["unit_grounding"])


def test_find_and_replace_of_another_units_essay_earns_no_grounding(run):
    school = source_text("thcs_02")
    replaced = school
    for old, new in [
        ("Trường THCS Nguyễn Trãi", "Ủy ban nhân dân xã Tân Lập"),
        ("nhà trường", "Ủy ban xã"),
        ("học sinh", "người dân"),
        ("giáo viên", "công chức"),
    ]:
        replaced = replaced.replace(old, new)
    report = run({"variant": replaced}, references={"last_year": school})
    copied = report.essay("variant").relevance
    alone = variant(run, replaced)  # the same text with nothing to compare it to
    assert "copy_of_reference" in report.essay("variant").flags
    assert copied.components["unit_grounding"] < 0.25 < alone.components["unit_grounding"]
    assert copied.level <= 1


def test_copied_verbatim_essay_loses_credit(run):
    report = run({"copy": source_text("xa_02").replace("Vũ Minh Tuấn", "Ngô Văn Bình")})
    assert report.essay("copy").relevance.score < report.essay("xa_02").relevance.score + 1
    assert report.essay("copy").relevance.score < run().essay("xa_02").relevance.score


def test_fit_cutpoints_matches_a_brute_force_search():
    rng = np.random.default_rng(0)
    levels = rng.integers(0, 4, 30)
    scores = np.clip(levels * 25 + rng.normal(0, 12, 30), 0, 100).round(1)
    cuts = fit_cutpoints(scores, levels)
    assert list(cuts) == sorted(cuts)
    best = cohen_kappa_score(
        levels, np.searchsorted(cuts, scores, side="right"), weights="quadratic"
    )
    grid = np.linspace(0, 100, 21)
    for c1 in grid:
        for c2 in grid[grid >= c1]:
            for c3 in grid[grid >= c2]:
                pred = np.searchsorted((c1, c2, c3), scores, side="right")
                k = cohen_kappa_score(levels, pred, weights="quadratic", labels=[0, 1, 2, 3])
                assert k <= best + 1e-9


def test_a_copied_liên_hệ_is_generic_not_none(run):
    """A copy of a concrete essay is level 1 (a liên hệ, not the writer's own), above an essay
    with no liên hệ at all; a copy of an essay about another resolution stays at level 0."""
    # the copier changed the header's name but kept the source's signature: the source is known
    report = run({"copy": source_text("xa_02").replace("Vũ Minh Tuấn", "Ngô Văn Bình", 1)})
    assert {m.source for m in report.matches} == {"xa_02"}
    copy, none = report.essay("copy").relevance, report.essay("xa_07").relevance
    assert copy.level == 1 and none.level == 0
    assert copy.score > none.score
    assert any("chép từ bài khác" in m for m in copy.missing)
    off_topic = run(
        {"copy": source_text("bv_12").replace("Nghị quyết số 20-NQ/TW", "Nghị quyết số 27-NQ/TW")},
        references={"last_year": source_text("bv_12")},
    ).essay("copy")
    assert "copy_of_reference" in off_topic.flags
    assert off_topic.relevance.level == 0


def test_a_paraphrase_earns_nothing_for_the_sources_figures(run):
    # the paraphrase kept its source's signature, so the source is known
    signed = source_text("thcs_08").rstrip().rsplit("\n", 1)[0] + "\nNguyễn Thị Hồng Nhung\n"
    report = run({"thcs_01": source_text("thcs_01"), "thcs_08": signed})
    (match,) = [m for m in report.matches if {m.a, m.b} == {"thcs_01", "thcs_08"}]
    assert match.source == "thcs_01"
    source_numbers = set(re.findall(r"\d+(?:[.,/]\d+)*", report.texts["thcs_01"]))
    copier = report.essay("thcs_08").relevance
    alone = run({"thcs_08": source_text("thcs_08")}).essay("thcs_08").relevance
    for ev in copier.evidence.get("unit_grounding", []):
        assert not source_numbers & set(re.findall(r"\d+(?:[.,/]\d+)*", ev.text)), ev.text
    assert copier.score < alone.score - 20


def test_the_resolutions_own_date_and_headings_are_no_unit_facts(run):
    text = source_text(GENERIC).replace(
        "\n\n", "\n\nII. THỰC TIỄN Ở CƠ QUAN SO VỚI YÊU CẦU CỦA NGHỊ QUYẾT\n", 1
    )
    text = append(text, "Nghị quyết số 27-NQ/TW ban hành ngày 09/11/2022 là văn kiện quan trọng.")
    rel = variant(run, text)
    facts = [ev.text for items in rel.evidence.values() for ev in items]
    assert not any("09/11/2022" in t or "THỰC TIỄN Ở CƠ QUAN" in t for t in facts), facts
    assert rel.score <= variant(run, source_text(GENERIC)).score + 1


# -- the trap classes of campaigns written by other hands (each failed before the level model) --

OFF_TOPIC_BODY = """Họ và tên: Lê Văn Phúc
Chức vụ: Phó Chủ tịch Ủy ban nhân dân xã
Đơn vị công tác: Ủy ban nhân dân xã Tân Lập

BÀI THU HOẠCH HỌC TẬP NGHỊ QUYẾT SỐ 27-NQ/TW

Nghị quyết số 20-NQ/TW về tăng cường công tác bảo vệ, chăm sóc và nâng cao sức khỏe nhân dân
đặt ra yêu cầu phát triển y tế cơ sở, bảo hiểm y tế toàn dân và y tế dự phòng. Thực hiện Nghị
quyết 20, năm 2023 trạm y tế xã Tân Lập khám cho 4.120 lượt người, tỷ lệ tham gia bảo hiểm y tế
đạt 93,5%, tiêm chủng mở rộng đạt 98%. Nghị quyết 20 yêu cầu quản lý bệnh không lây nhiễm: xã
đã lập hồ sơ cho 612 người tăng huyết áp và 184 người đái tháo đường. Theo Nghị quyết 20, y đức
và thái độ phục vụ người bệnh phải được nâng lên; năm 2023 trạm nhận 3 phản ánh về giờ làm việc.
Tôi đề nghị Ủy ban nhân dân huyện bổ sung 01 bác sĩ cho trạm y tế trước quý II/2024 để thực hiện
Nghị quyết 20 về y tế cơ sở.
"""

RITUAL_ONLY = """Họ và tên: Trần Thị Hòa
Chức vụ: Đảng viên
Đơn vị công tác: Ủy ban nhân dân xã Tân Lập

Được sự quan tâm của Đảng ủy, Chi bộ, tôi đã được học tập, nghiên cứu Nghị quyết số 27-NQ/TW.
Bản thân tôi luôn xác định phải không ngừng học tập, tu dưỡng, rèn luyện đạo đức cách mạng.
Tôi nhận thức sâu sắc ý nghĩa to lớn của Nghị quyết đối với sự nghiệp xây dựng đất nước.
Tôi luôn chấp hành nghiêm chủ trương của Đảng, chính sách, pháp luật của Nhà nước.
Bản thân tôi xin hứa sẽ ra sức phấn đấu, hoàn thành tốt mọi nhiệm vụ được giao.
Tôi nguyện luôn gương mẫu, đoàn kết, giữ gìn phẩm chất người đảng viên.
Tôi xin hứa sẽ đưa Nghị quyết vào cuộc sống, góp phần xây dựng chi bộ trong sạch, vững mạnh.
"""

NUMBERS_ONLY = "\n".join(
    [
        "Họ và tên: Phạm Văn Long",
        "Chức vụ: Đảng viên",
        "Đơn vị công tác: Ủy ban nhân dân xã Tân Lập",
        "",
        "Tân Lập, ngày 12 tháng 3 năm 2024",
        "Nghị quyết số 27-NQ/TW ngày 09/11/2022 của Ban Chấp hành Trung ương Đảng khóa XIII được"
        " ban hành tại Hội nghị Trung ương 6. Đến năm 2030, cả nước hoàn thiện hệ thống pháp luật;"
        " đến năm 2045 Nhà nước pháp quyền hoàn thiện.",
        "Luật số 59/2020/QH14 có hiệu lực từ ngày 01/01/2021; Nghị định 123/2020/NĐ-CP ngày"
        " 19/10/2020 của Chính phủ quy định về hóa đơn. Cả nước hiện có 10.599 đơn vị hành chính"
        " cấp xã và hơn 5,3 triệu đảng viên.",
        "Tôi sẽ thực hiện nghiêm Quy định 08-QĐi/TW ngày 25/10/2021 và 19 điều đảng viên không"
        " được làm.",
    ]
)


def test_a_body_about_another_resolution_under_the_right_title_is_level_0_or_1(run):
    rel = variant(run, OFF_TOPIC_BODY)
    assert rel.level <= 1, rel
    assert rel.components["resolution_fit"] < 0.4


def test_ritual_first_person_earns_no_duty_and_no_commitment(run):
    rel = variant(run, RITUAL_ONLY)
    assert rel.level == 0, rel
    assert "self_role" not in rel.evidence and "commitments" not in rel.evidence


def test_document_numbers_dates_targets_and_national_figures_are_no_unit_facts(run):
    rel = variant(run, NUMBERS_ONLY)
    assert rel.level == 0, rel
    assert "unit_grounding" not in rel.evidence, rel.evidence


def _header_variants(body: str) -> dict[str, str]:
    """One body under a header written five ways: the usual labels, other labels, another
    order, a tab-separated two-column header, and everything on one line."""
    name, role = "Vũ Minh Tuấn", "Công chức Địa chính - Xây dựng, UBND xã Tân Lập"
    unit = "Ủy ban nhân dân xã Tân Lập"
    return {
        "usual": f"Họ và tên: {name}\nChức vụ: {role}\nĐơn vị công tác: {unit}\n\n{body}",
        "labels": f"Họ tên đảng viên: {name}\nChức vụ chính quyền: {role}\nNơi sinh hoạt: {unit}"
        f"\n\n{body}",
        "order": f"Đơn vị công tác: {unit}\nChức vụ: {role}\nHọ và tên: {name}\n\n{body}",
        "tabs": f"ĐẢNG BỘ XÃ TÂN LẬP\tĐẢNG CỘNG SẢN VIỆT NAM\nHọ và tên: {name}\tChức vụ: {role}"
        f"\nĐơn vị công tác: {unit}\n\n{body}",
        "one_line": " ".join(
            f"BÀI THU HOẠCH Họ và tên: {name} Chức vụ: {role} Đơn vị công tác: {unit} {body}"
            .split()
        ),
    }


def test_a_header_written_differently_changes_neither_writer_nor_level(run):
    text = source_text("xa_02")
    body = text[text.index("PHẦN THỨ NHẤT") :]
    variants = _header_variants(body)
    # each in its own batch, in the place of xa_02 (whose body it is): not copies of each other
    essays = {kind: run({"xa_02": text}).essay("xa_02") for kind, text in variants.items()}
    usual = essays["usual"]
    for kind, essay in essays.items():
        assert essay.author == "Vũ Minh Tuấn", (kind, essay.author)
        assert "xã Tân Lập" in essay.unit, (kind, essay.unit)
        assert abs(essay.relevance.score - usual.relevance.score) <= 15, (kind, essay.relevance)
