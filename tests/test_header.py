import datetime as dt

from essaycheck.header import parse_date, parse_layout
from essaycheck.normalize import normalize

ESSAY = """ĐẢNG BỘ HUYỆN THUẬN GIANG          ĐẢNG CỘNG SẢN VIỆT NAM
CHI BỘ TRƯỜNG THCS KIM ĐỒNG
                        Thuận Giang, ngày 12 tháng 3 năm 2024
BÀI THU HOẠCH
Học tập, quán triệt Nghị quyết số 27-NQ/TW
Họ và tên: Lê Thị Mai
Chức vụ: Giáo viên, tổ trưởng tổ Toán
Đơn vị công tác: Trường THCS Kim Đồng
Chi bộ: Trường THCS Kim Đồng

I. Nội dung cơ bản của Nghị quyết
Nghị quyết số 27-NQ/TW đặt ra nhiều nhiệm vụ quan trọng.

II. Liên hệ thực tiễn
Năm 2023 nhà trường có 812 học sinh.

Người viết thu hoạch
(Ký, ghi rõ họ tên)
Lê Thị Mai
"""


def test_header_fields_are_read():
    layout = parse_layout(normalize(ESSAY).text)
    assert layout.author == "Lê Thị Mai"
    assert layout.role == "Giáo viên, tổ trưởng tổ Toán"
    assert layout.unit == "Trường THCS Kim Đồng"
    assert layout.cell == "Trường THCS Kim Đồng"
    assert "ngày 12 tháng 3 năm 2024" in layout.date
    assert layout.signature == "Lê Thị Mai"


def test_body_excludes_header_and_closing():
    text = normalize(ESSAY).text
    layout = parse_layout(text)
    body = text[layout.body_start : layout.body_end]
    assert body.lstrip().startswith("I. Nội dung cơ bản")
    assert body.rstrip().endswith("812 học sinh.")
    assert "Họ và tên" not in body and "Người viết" not in body


def test_essay_without_header_is_all_body():
    text = normalize("Nghị quyết số 27-NQ/TW nêu rõ nhiều điểm mới. " * 20).text
    layout = parse_layout(text)
    assert (layout.body_start, layout.body_end) == (0, len(text))
    assert layout.author == ""


def test_dotted_blanks_are_no_value():
    layout = parse_layout(
        normalize("Họ và tên: ……………\nĐơn vị: ..........\nNội dung bài viết dài.").text
    )
    assert layout.author == "" and layout.unit == ""


def test_header_in_a_table_or_side_by_side():
    text = normalize(
        "ĐẢNG BỘ XÃ\tĐẢNG CỘNG SẢN VIỆT NAM\nBÀI THU HOẠCH\n"
        "Họ và tên: Nguyễn Văn An\tChức vụ: Chủ tịch\n"
        "Đơn vị công tác: UBND xã Tân Lập    Chi bộ: Cơ quan\n"
        "Qua học tập, tôi nhận thức được nhiều điều về nghị quyết và trách nhiệm của mình."
    ).text
    layout = parse_layout(text)
    assert (layout.author, layout.role) == ("Nguyễn Văn An", "Chủ tịch")
    assert (layout.unit, layout.cell) == ("UBND xã Tân Lập", "Cơ quan")
    assert text[layout.body_start :].startswith("Qua học tập")


def test_dates_in_all_usual_forms_and_places():
    assert parse_date("Tân Lập, ngày 08 tháng 3 năm 2024") == dt.date(2024, 3, 8)
    assert parse_date("Thuận Giang, ngày 20/3/2024") == dt.date(2024, 3, 20)
    assert parse_date("ngày … tháng … năm 2024") is None  # a form left blank
    slashed = (
        "BÀI THU HOẠCH\nHọ và tên: Mai Xuân Bách\nThuận Giang, ngày 20/3/2024\n\nI. Nội dung\n"
    )
    layout = parse_layout(normalize(slashed + "Nghị quyết nêu rõ nhiều điểm mới.").text)
    assert layout.date == "Thuận Giang, ngày 20/3/2024"
    # A date at the foot, above the signature, when the header has none.
    text = normalize(
        "Họ và tên: Lê Văn An\n\nI. Nội dung\nNghị quyết nêu rõ nhiều điểm mới, tôi tâm đắc.\n\n"
        "Tân Lập, ngày 19 tháng 3 năm 2024\nNgười viết\nLê Văn An\n"
    ).text
    layout = parse_layout(text)
    assert parse_date(layout.date) == dt.date(2024, 3, 19)
    assert "ngày 19" not in text[layout.body_start : layout.body_end]


def test_a_title_citing_the_resolution_date_is_not_the_essay_date():
    text = normalize(
        "BÀI THU HOẠCH\nVề việc học tập Nghị quyết số 27-NQ/TW ngày 09 tháng 11 năm 2022\n"
        "Họ và tên: Lê Văn An\nSinh hoạt Đảng tại Chi bộ Khối Nội\n\n"
        "I. Nội dung\nNghị quyết nêu rõ nhiều điểm mới, tôi tâm đắc.\n"
    ).text
    layout = parse_layout(text)
    assert layout.date == ""
    assert layout.cell == "Chi bộ Khối Nội"  # a label without its colon
    assert text[layout.body_start :].lstrip().startswith("I. Nội dung")


def test_the_resolution_title_is_its_kind_number_and_subject_not_the_issuing_body():
    from conftest import SAMPLES

    from essaycheck.pipeline import resolution_title

    title = resolution_title((SAMPLES / "resolution.txt").read_text(encoding="utf-8"))
    assert title.startswith("Nghị quyết số 27-NQ/TW về tiếp tục xây dựng"), title
    plain = "KẾT LUẬN SỐ 21-KL/TW NGÀY 25/10/2021 CỦA HỘI NGHỊ TRUNG ƯƠNG 4\n\nI. TÌNH HÌNH"
    assert resolution_title(plain).startswith("KẾT LUẬN SỐ 21-KL/TW")
