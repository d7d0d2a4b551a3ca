"""Who copied whom: header duties the copied text speaks of, and the writers' dates."""

from __future__ import annotations

import re

from conftest import source_text

from essaycheck.attribution import attribute, date_hint
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


def test_an_earlier_date_is_a_hint_never_a_source(make_essays):
    early, late, undated = make_essays(
        {
            "early": essay_text("Ngô Thị Thủy", "Dược sĩ", "08 tháng 3 năm 2024"),
            "late": essay_text("Lý Thị Vân", "Dược sĩ", "20/3/2024"),
            "undated": essay_text("Lê Văn An", "Dược sĩ"),
        }
    )

    def hint(x, y):
        return date_hint(x.id, parse_date(x.layout.date), y.id, parse_date(y.layout.date))

    said = hint(late, early)
    assert said.startswith("Chưa rõ bài gốc") and "08/03/2024" in said and "20/03/2024" in said
    assert hint(early, undated) == "" and hint(early, early) == ""


def test_a_role_many_members_hold_is_no_evidence(make_essays):
    """A copier whose header says "Đảng viên" is not the source of a passage saying "Là đảng
    viên, tôi…": every member could write that."""
    body = BODY + "Là đảng viên, tôi nhận thấy trách nhiệm của mình trong tổ chuyên gia.\n"
    essays = make_essays(
        {
            "orig": essay_text("Ngô Thị Thủy", "Trưởng khoa Dược, đảng viên", body=body),
            "copier": essay_text("Lý Thị Vân", "Đảng viên", body=body),
        }
    )
    assert attribute(*essays, ("", ""), set(), {}).source != "copier"


def redated(essay_id: str, date: str, name: str) -> str:
    text = re.sub(r"ngày \d+ tháng \d+ năm \d{4}", f"ngày {date}", source_text(essay_id), count=1)
    return text.replace("Vũ Minh Tuấn", name)


def test_dates_alone_direct_nothing(make_essays, resolution_text):
    """Three copies of one text that differ only in their dates: no source, the dates in the
    reason as a hint (a copier may date the essay before its source)."""
    essays = make_essays(
        {
            "orig": redated("xa_02", "10 tháng 3 năm 2024", "Vũ Minh Tuấn"),
            "first": redated("xa_02", "12 tháng 3 năm 2024", "Hà Văn Long"),
            "second": redated("xa_02", "15 tháng 3 năm 2024", "Đinh Thị Hoa"),
        }
    )
    det = CopyDetector().fit(essays, resolution_text)
    assert len(det.matches_) == 3
    for m in det.matches_:
        assert m.source == "" and m.confidence == ""
        assert m.reason.startswith("Chưa rõ bài gốc")


def test_two_copies_of_one_source_are_siblings(make_essays, resolution_text):
    """In a star, the centre is the source and the copies are siblings: neither copied the
    other, though each could look like the other's source."""
    claim = "Là Trưởng khoa Dược, tôi chịu trách nhiệm trước Ban Giám đốc về kho thuốc.\n"
    long_body = (BODY + claim) * 2
    essays = make_essays(
        {
            "orig": essay_text("Ngô Thị Thủy", "Trưởng khoa Dược", body=long_body),
            "first": essay_text("Lý Thị Vân", "Điều dưỡng trưởng khoa Nội", body=long_body),
            "second": essay_text("Lê Văn An", "Kế toán trưởng bệnh viện", body=long_body),
        }
    )
    det = CopyDetector().fit(essays, resolution_text)
    match = {frozenset((m.a, m.b)): m for m in det.matches_}
    assert match[frozenset(("orig", "first"))].source == "orig"
    assert match[frozenset(("orig", "second"))].source == "orig"
    sibling = match[frozenset(("first", "second"))]
    assert sibling.source == "" and "orig" in sibling.reason
