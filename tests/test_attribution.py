"""Who copied whom: header duties the copied text speaks of, and the writers' dates."""

from __future__ import annotations

import re

from conftest import source_text

from essaycheck.attribution import attribute, date_order
from essaycheck.detect import CopyDetector
from essaycheck.header import parse_date

BODY = """I. Nội dung cơ bản của Nghị quyết
Nghị quyết số 27-NQ/TW đặt ra yêu cầu kiểm soát quyền lực trong mọi khâu của bộ máy.

II. Liên hệ bản thân
Trong tổ chuyên gia đấu thầu, tôi đã ký biên bản thống nhất tiêu chí kỹ thuật của gói hóa
chất xét nghiệm năm 2022 mà chưa đặt câu hỏi vì sao các thông số trùng khớp với một hãng.
Tôi sẽ đề xuất công khai toàn bộ hồ sơ mời thầu trên cổng thông tin của bệnh viện từ quý II/2024.
"""


def essay_text(name: str, role: str, date: str = "", body: str = BODY) -> str:
    dated = f"Thuận Giang, ngày {date}\n" if date else ""
    return (
        f"BÀI THU HOẠCH\n{dated}Họ và tên: {name}\nChức vụ: {role}\n"
        f"Đơn vị công tác: Bệnh viện Đa khoa huyện Thuận Giang\n\n{body}"
    )


SOURCE_ROLE = "Dược sĩ, Trưởng khoa Dược; thành viên Tổ chuyên gia đấu thầu"


def test_the_copied_text_speaks_of_the_source_writers_duties(make_essays):
    essays = make_essays(
        {
            "src": essay_text("Ngô Thị Thủy", SOURCE_ROLE),
            "copy": essay_text("Lý Thị Vân", "Dược sĩ, khoa Dược"),
        }
    )
    who = attribute(*essays, ("", ""), set(), {})
    assert who.source == "src"
    assert "copy" in who.reason and "src" in who.reason
    # Listed the other way round, the answer is the same.
    assert attribute(*essays[::-1], ("", ""), set(), {}).source == "src"


def test_no_direction_when_the_text_also_speaks_of_the_other_writers_duties(make_essays):
    both = BODY + "Kho vật tư tiêu hao do tôi quản lý còn để hết hạn 12 loại hóa chất.\n"
    essays = make_essays(
        {
            "a": essay_text("Ngô Thị Thủy", SOURCE_ROLE, body=both),
            "b": essay_text("Lý Thị Vân", "Điều dưỡng trưởng, kho vật tư tiêu hao", body=both),
        }
    )
    assert attribute(*essays, ("", ""), set(), {}).source == ""


def test_the_earlier_dated_essay_is_the_likely_source(make_essays):
    early, late, undated = make_essays(
        {
            "early": essay_text("Ngô Thị Thủy", "Dược sĩ", "08 tháng 3 năm 2024"),
            "late": essay_text("Lý Thị Vân", "Dược sĩ", "20/3/2024"),
            "undated": essay_text("Lê Văn An", "Dược sĩ"),
        }
    )

    def order(x, y):
        return date_order(x.id, parse_date(x.layout.date), y.id, parse_date(y.layout.date))

    who = order(late, early)
    assert who.source == "early"
    assert "08/03/2024" in who.reason and "20/03/2024" in who.reason
    assert order(early, undated).source == ""
    assert order(early, early).source == ""


def redated(essay_id: str, date: str, name: str) -> str:
    text = re.sub(r"ngày \d+ tháng \d+ năm \d{4}", f"ngày {date}", source_text(essay_id), count=1)
    return text.replace("Vũ Minh Tuấn", name)


def test_dates_do_not_make_a_copier_the_source_of_another_copier(make_essays, resolution_text):
    essays = make_essays(
        {
            "orig": redated("xa_02", "10 tháng 3 năm 2024", "Vũ Minh Tuấn"),
            "first": redated("xa_02", "12 tháng 3 năm 2024", "Hà Văn Long"),
            "second": redated("xa_02", "15 tháng 3 năm 2024", "Đinh Thị Hoa"),
        }
    )
    det = CopyDetector().fit(essays, resolution_text)
    source = {frozenset((m.a, m.b)): m.source for m in det.matches_}
    assert source[frozenset(("orig", "first"))] == "orig"
    assert source[frozenset(("orig", "second"))] == "orig"
    # "first" is earlier than "second" but took its text from "orig": no direction between them.
    assert source[frozenset(("first", "second"))] == ""
