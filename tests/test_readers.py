"""Tests for essaycheck.readers: every format read correctly, every bad input reported."""

from __future__ import annotations

import io
import os
import shutil
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest

from essaycheck.documents import Document, ReadError
from essaycheck.readers import ReadFailure, legacy, read_batch, read_text
from essaycheck.readers.errors import MESSAGES

ESSAY = (
    "Qua nghiên cứu, học tập Nghị quyết số 27-NQ/TW, bản thân tôi nhận thức sâu sắc về việc "
    "xây dựng Nhà nước pháp quyền xã hội chủ nghĩa Việt Nam. Ở Ủy ban nhân dân xã Tân Lập, "
    "đội ngũ cán bộ, công chức còn thiếu; tôi đề xuất tăng cường tập huấn pháp luật cho người "
    "dân và cải cách thủ tục hành chính, phấn đấu giải quyết đúng hạn 100% hồ sơ năm 2024."
)
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NSDECL = (
    f'xmlns:w="{W_NS}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def by_source_name(docs: list[Document]) -> dict[str, Document]:
    return {Path(d.source.split("#")[0]).name: d for d in docs}


def codes(errors: list[ReadError]) -> dict[str, str]:
    """File name (last path part) -> error code."""
    return {e.source.replace("\\", "/").rsplit("/", 1)[-1]: e.code for e in errors}


@pytest.fixture(autouse=True)
def _contained(tmp_path, monkeypatch):
    """Temporary files go under tmp_path; afterwards nothing new exists next to it or in cwd."""
    systmp = tmp_path / "systmp"
    systmp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(systmp))
    before_parent = set(os.listdir(tmp_path.parent))
    before_cwd = set(os.listdir(Path.cwd()))
    yield
    new_parent = set(os.listdir(tmp_path.parent)) - before_parent
    assert not {n for n in new_parent if not n.startswith(tmp_path.name[:-1])}
    assert set(os.listdir(Path.cwd())) - before_cwd <= {".pytest_cache", "__pycache__"}
    assert not list(tmp_path.parent.glob("evil*")) and not Path("/tmp/evil.txt").exists()


# --- builders -----------------------------------------------------------------------------------
def make_docx(path: Path, build=None) -> Path:
    import docx

    document = docx.Document()
    if build is not None:
        build(document)
    document.save(str(path))
    return path


def append_xml(document, xml: str) -> None:
    """Append a body-level element (before the section properties)."""
    from docx.oxml import parse_xml

    document.element.body.sectPr.addprevious(parse_xml(xml))


def legacy_run(text: str, font: str) -> str:
    return (
        f'<w:r {NSDECL}><w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:cs="{font}"/>'
        f'</w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>'
    )


def make_pdf(path: Path, lines: list[str] | None, *, password: str | None = None) -> Path:
    """A one-page PDF with ``lines`` of Vietnamese text (DejaVu Sans), or only a rectangle."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    if lines is None:
        pdf.rect(100, 100, 300, 400, fill=1)  # a "scan": no text at all
    else:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        matplotlib = pytest.importorskip("matplotlib")
        font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(font)))
        pdf.setFont("DejaVuSans", 11)
        for i, line in enumerate(lines):
            pdf.drawString(50, 780 - 16 * i, line)
    pdf.showPage()
    pdf.save()
    data = buffer.getvalue()
    if password is not None:
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer.encrypt(user_password=password, owner_password="chu-so-huu", algorithm="RC4-128")
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    path.write_bytes(data)
    return path


def wrap(text: str, width: int = 80) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line]


def to_cp1258(text: str) -> bytes:
    """Windows-1258 bytes: base letters with their hats precomposed, tones as combining marks."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for char in text:
        nfd = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in tones))
        out.append(base + "".join(c for c in nfd if c in tones))
    return "".join(out).encode("cp1258")


# --- legacy encodings ---------------------------------------------------------------------------
def all_letters() -> list[str]:
    return sorted(legacy.VIETNAMESE_LETTERS)


def test_there_are_134_vietnamese_letters():
    letters = all_letters()
    assert len(letters) == 134
    assert sum(c.islower() for c in letters) == 67
    assert {"ạ", "Ặ", "ễ", "Ữ", "đ", "Đ", "ỵ", "Ỹ"} <= set(letters)


def test_vni_round_trip_every_letter():
    for letter in all_letters():
        code = legacy.encode(letter, "vni")
        assert code != letter or letter in "íìÍÌ", letter
        assert all(ord(c) < 0x100 for c in code)
        assert legacy.decode(code, "vni") == letter, (letter, code)
    text = "".join(all_letters())
    assert legacy.decode(legacy.encode(text, "vni"), "vni") == text


def test_tcvn3_round_trip_every_letter():
    for letter in all_letters():
        code = legacy.encode(letter, "tcvn3")
        assert len(code) == 1 and 0xA0 < ord(code) < 0x100, letter
        lower = letter.lower()
        toned_capital = letter.isupper() and letter not in "ĂÂÊÔƠƯĐ"
        if toned_capital:  # no code of its own: the lowercase code, drawn by a capitals font
            assert code == legacy.encode(lower, "tcvn3")
            assert legacy.decode(code, "tcvn3") == lower
            assert legacy.decode(code, "tcvn3", caps=True) == letter
        else:
            assert legacy.decode(code, "tcvn3") == letter, (letter, code)
    lowercase = "".join(c for c in all_letters() if c.islower())
    assert legacy.decode(legacy.encode(lowercase, "tcvn3"), "tcvn3") == lowercase


def test_known_legacy_strings():
    assert legacy.decode("Ninh B×nh", "tcvn3") == "Ninh Bình"
    assert legacy.decode("§¶ng bé x· T©n LËp", "tcvn3") == "Đảng bộ xã Tân Lập"
    assert legacy.decode("®\xadîc", "tcvn3") == "được"
    # a heading typed in capitals in the normal .VnTime font: toned letters come out small
    assert legacy.decode("§¶NG Bé HUYÖN\nBé", "tcvn3") == "ĐẢNG BỘ HUYỆN\nBộ"
    assert legacy.decode("Ch\xada Tèt", "tcvn3") == "Chưa Tốt"
    assert legacy.decode("Xin chaøo caùc baïn", "vni") == "Xin chào các bạn"
    assert legacy.decode("ÑAÛNG COÄNG SAÛN VIEÄT NAM", "vni") == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert legacy.encode("Nghị quyết", "vni") == "Nghò quyeát"
    assert legacy.encode("Nghị quyết", "tcvn3") == "NghÞ quyÕt"
    with pytest.raises(ValueError):
        legacy.decode("x", "viscii")


def test_looks_like_detects_mojibake_and_leaves_unicode_alone():
    lowered = ESSAY.replace("Ở", "ở").replace("Ủy", "ủy")
    assert legacy.looks_like(legacy.encode(lowered, "tcvn3")) == "tcvn3"
    assert legacy.looks_like(legacy.encode(ESSAY, "vni")) == "vni"
    assert legacy.looks_like(ESSAY) is None
    assert legacy.looks_like(nfc(unicodedata.normalize("NFD", ESSAY))) is None
    # Unicode Vietnamese using only Latin-1 letters, and other languages
    assert legacy.looks_like("Cà Mau có cá, Hoá và toán, Hoà Bình, Thái Lan, Tây Ninh") is None
    assert legacy.looks_like("«Bonjour» ça va très bien, garçon français, leçon reçue") is None
    assert legacy.looks_like("Straße, Größe, Fußball, weiß, heißen, Maß, Füße") is None
    assert legacy.looks_like("Just ASCII text, nothing to see.") is None
    assert legacy.looks_like("") is None


def test_looks_like_on_sample_essays():
    samples = sorted(Path(__file__).resolve().parents[1].glob("data/samples/**/*.txt"))
    if not samples:
        pytest.skip("no sample essays")
    for path in samples[:12]:
        assert legacy.looks_like(path.read_bytes().decode("utf-8", "replace")) is None, path


# --- text files ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8"),
        lambda t: t.encode("utf-8-sig"),
        lambda t: t.encode("utf-16"),
        lambda t: t.encode("utf-16-le"),  # no BOM
        to_cp1258,
        lambda t: legacy.encode(t.replace("Ở", "ở").replace("Ủy", "ủy"), "tcvn3").encode("latin-1"),
        lambda t: legacy.encode(t, "vni").encode("latin-1"),
        lambda t: legacy.encode(t, "vni").encode("utf-8"),  # pasted from a VNI document
    ],
    ids=["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1258", "tcvn3", "vni", "vni-in-utf8"],
)
def test_text_file_encodings(tmp_path, encode):
    path = tmp_path / "bai_viet.txt"
    path.write_bytes(encode(ESSAY))
    docs, errors = read_batch([path])
    assert errors == []
    assert [d.id for d in docs] == ["bai_viet"]
    expected = ESSAY
    if "ở" in docs[0].text:  # the TCVN3 case: capitals with tones were written in lowercase
        expected = ESSAY.replace("Ở", "ở").replace("Ủy", "ủy")
    assert nfc(docs[0].text) == expected
    assert docs[0].source == str(path)


def test_markdown_and_read_text(tmp_path):
    path = tmp_path / "nghi_quyet.md"
    path.write_text("# Nghị quyết 27\n\n" + ESSAY, encoding="utf-8")
    text = read_text(path)
    assert text.startswith("# Nghị quyết 27") and "Tân Lập" in text


# --- docx ---------------------------------------------------------------------------------------
def build_full_docx(document) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn

    document.sections[0].header.paragraphs[0].text = "Trang 1 - tiêu đề trang"
    document.sections[0].footer.paragraphs[0].text = "Chân trang 7"
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "ĐẢNG BỘ HUYỆN THUẬN GIANG"
    table.cell(0, 1).text = "ĐẢNG CỘNG SẢN VIỆT NAM"
    table.cell(1, 0).text = "CHI BỘ XÃ TÂN LẬP"
    table.cell(1, 1).text = "Tân Lập, ngày 5 tháng 3 năm 2023"
    document.add_paragraph("BÀI THU HOẠCH")
    merged = document.add_table(rows=1, cols=3)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "Ô gộp hai cột"
    merged.cell(0, 2).text = "Cột ba"
    paragraph = document.add_paragraph("Họ và tên: Nguyễn Văn An")
    run = paragraph.add_run()
    run.add_tab()
    run.add_text("Chức vụ: Chủ tịch")
    body = document.add_paragraph("Đoạn thứ nhất")
    body.add_run().add_break()
    body.add_run("dòng thứ hai sau ngắt dòng")
    # tracked changes: insertion kept, deletion dropped
    tracked = document.add_paragraph("Văn bản gốc ")
    tracked._p.append(
        parse_xml(
            f'<w:ins {NSDECL} w:id="1" w:author="A" w:date="2024-01-01T00:00:00Z">'
            "<w:r><w:t>được chèn thêm</w:t></w:r></w:ins>"
        )
    )
    tracked._p.append(
        parse_xml(
            f'<w:del {NSDECL} w:id="2" w:author="A" w:date="2024-01-01T00:00:00Z">'
            "<w:r><w:delText>ĐOẠN ĐÃ XÓA</w:delText></w:r></w:del>"
        )
    )
    # a block content control and an inline one
    append_xml(
        document,
        f'<w:sdt {NSDECL}><w:sdtPr><w:alias w:val="Đơn vị"/></w:sdtPr><w:sdtContent>'
        "<w:p><w:r><w:t>Đơn vị công tác: Ủy ban nhân dân xã Tân Lập</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>",
    )
    inline_sdt = document.add_paragraph("Chi bộ: ")
    inline_sdt._p.append(
        parse_xml(
            f"<w:sdt {NSDECL}><w:sdtContent><w:r><w:t>Chi bộ Văn phòng</w:t></w:r>"
            "</w:sdtContent></w:sdt>"
        )
    )
    # a text box stored twice (DrawingML choice + VML fallback) must be read once
    box = (
        "<w:txbxContent><w:p><w:r><w:t>Nội dung trong hộp văn bản</w:t></w:r></w:p></w:txbxContent>"
    )
    anchor = document.add_paragraph("Đoạn có hộp văn bản.")
    anchor._p.append(
        parse_xml(
            f'<w:r {NSDECL}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
            "<wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx>"
            f"{box}</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>"
            "</mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>"
            f"{box}</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
        )
    )
    # legacy fonts: a TCVN3 run (ư is the soft-hyphen code), a capitals run, a VNI run
    legacy_p = document.add_paragraph()
    legacy_p._p.append(
        parse_xml(legacy_run(legacy.encode("Đảng viên phải gương mẫu, ", "tcvn3"), ".VnTime"))
    )
    legacy_p._p.append(
        parse_xml(legacy_run(legacy.encode("nâng cao ý thức. ", "vni"), "VNI-Times"))
    )
    legacy_p._p.append(parse_xml(legacy_run(legacy.encode("bài thu hoạch", "tcvn3"), ".VnTimeH")))
    # soft hyphens in a normal run, as a character and as an element
    hyphen = document.add_paragraph("Nghị\u00adquyết")
    hyphen.runs[0]._r.append(parse_xml(f"<w:softHyphen {NSDECL}/>"))
    hyphen.add_run("số 27")
    # a style whose font is .VnTime: runs without their own font inherit it
    style = document.styles.add_style("CuVnTime", 1)
    style.font.name = ".VnTime"
    document.add_paragraph(legacy.encode("Nhà nước pháp quyền", "tcvn3"), style="CuVnTime")
    assert document.styles["CuVnTime"].element.find(qn("w:rPr")) is not None


def test_docx_reads_body_tables_boxes_controls_and_legacy_fonts(tmp_path):
    path = make_docx(tmp_path / "Nguyễn Văn An.docx", build_full_docx)
    docs, errors = read_batch([path])
    assert errors == []
    (doc,) = docs
    assert doc.id == "Nguyễn Văn An"
    lines = doc.text.split("\n")
    assert "ĐẢNG BỘ HUYỆN THUẬN GIANG\tĐẢNG CỘNG SẢN VIỆT NAM" in lines
    assert "CHI BỘ XÃ TÂN LẬP\tTân Lập, ngày 5 tháng 3 năm 2023" in lines
    assert lines.index("BÀI THU HOẠCH") > lines.index(
        "CHI BỘ XÃ TÂN LẬP\tTân Lập, ngày 5 tháng 3 năm 2023"
    )
    assert "Ô gộp hai cột\tCột ba" in lines
    assert "Họ và tên: Nguyễn Văn An\tChức vụ: Chủ tịch" in lines
    assert "Đoạn thứ nhất" in lines and "dòng thứ hai sau ngắt dòng" in lines
    assert "Văn bản gốc được chèn thêm" in lines
    assert "ĐÃ XÓA" not in doc.text
    assert "Đơn vị công tác: Ủy ban nhân dân xã Tân Lập" in lines
    assert "Chi bộ: Chi bộ Văn phòng" in lines
    assert doc.text.count("Nội dung trong hộp văn bản") == 1
    assert lines.index("Nội dung trong hộp văn bản") == lines.index("Đoạn có hộp văn bản.") + 1
    assert "Đảng viên phải gương mẫu, nâng cao ý thức. BÀI THU HOẠCH" in lines
    assert "Nghịquyếtsố 27" in lines
    assert "Nhà nước pháp quyền" in lines
    assert "Trang 1" not in doc.text and "Chân trang" not in doc.text
    assert "\u00ad" not in doc.text


def test_docx_header_table_with_several_lines_per_cell_reads_side_by_side(tmp_path):
    def build(document):
        header = document.add_table(rows=1, cols=2)
        left, right = header.cell(0, 0), header.cell(0, 1)
        left.text = "ĐẢNG BỘ HUYỆN THUẬN GIANG"
        left.add_paragraph("CHI BỘ TRƯỜNG THCS NGUYỄN TRÃI")
        left.add_paragraph("*")
        right.text = "ĐẢNG CỘNG SẢN VIỆT NAM"
        right.add_paragraph("Tân Lập, ngày 14 tháng 3 năm 2024")
        plan = document.add_table(rows=1, cols=2)
        plan.cell(0, 0).text = "Giải pháp: " + ESSAY
        plan.cell(0, 1).text = "Thời hạn: quý II năm 2024, do tổ chuyên môn thực hiện."
        plan.cell(0, 1).add_paragraph("Người chịu trách nhiệm: tổ trưởng.")

    docs, _ = read_batch([make_docx(tmp_path / "tieu_de.docx", build)])
    assert docs[0].text.split("\n") == [
        "ĐẢNG BỘ HUYỆN THUẬN GIANG\tĐẢNG CỘNG SẢN VIỆT NAM",
        "CHI BỘ TRƯỜNG THCS NGUYỄN TRÃI\tTân Lập, ngày 14 tháng 3 năm 2024",
        "*",
        "Giải pháp: " + ESSAY + "\tThời hạn: quý II năm 2024, do tổ chuyên môn thực hiện. "
        "Người chịu trách nhiệm: tổ trưởng.",
    ]


def test_docx_single_cell_frame_keeps_lines(tmp_path):
    def build(document):
        frame = document.add_table(rows=1, cols=1)
        cell = frame.cell(0, 0)
        cell.text = "PHẦN I. NHẬN THỨC"
        cell.add_paragraph("Nội dung phần một.")

    docs, _ = read_batch([make_docx(tmp_path / "khung.docx", build)])
    assert docs[0].text.split("\n") == ["PHẦN I. NHẬN THỨC", "Nội dung phần một."]


def test_docx_legacy_font_on_text_already_in_unicode_is_left_alone(tmp_path):
    from docx.oxml import parse_xml

    def build(document):
        paragraph = document.add_paragraph()
        paragraph._p.append(parse_xml(legacy_run("Nghị quyết đã chuyển mã", ".VnTime")))

    docs, _ = read_batch([make_docx(tmp_path / "da_chuyen.docx", build)])
    assert docs[0].text == "Nghị quyết đã chuyển mã"


def test_docx_read_text(tmp_path):
    path = make_docx(tmp_path / "nghi_quyet.docx", lambda d: d.add_paragraph(ESSAY))
    assert read_text(path) == ESSAY


# --- pdf ----------------------------------------------------------------------------------------
def test_pdf_text_layer(tmp_path):
    path = make_pdf(tmp_path / "bai.pdf", ["BÀI THU HOẠCH", *wrap(ESSAY)])
    docs, errors = read_batch([path])
    assert errors == []
    text = nfc(docs[0].text)
    assert text.startswith("BÀI THU HOẠCH\nQua nghiên cứu, học tập Nghị quyết số 27-NQ/TW")
    assert " ".join(text.split()) == "BÀI THU HOẠCH " + ESSAY
    assert read_text(path).startswith("BÀI THU HOẠCH")


def test_pdf_with_owner_password_only_is_read(tmp_path):
    path = make_pdf(tmp_path / "chi_han_che.pdf", wrap(ESSAY), password="")
    docs, errors = read_batch([path])
    assert errors == [] and "Tân Lập" in nfc(docs[0].text)


# --- tables -------------------------------------------------------------------------------------
def test_csv_semicolon_vietnamese_headers(tmp_path):
    rows = [
        "Mã bài;Họ và tên;Chức vụ;Đơn vị công tác;Chi bộ;Nội dung bài thu hoạch (toàn văn)",
        f'xa-01;Nguyễn Văn An;Chủ tịch;UBND xã Tân Lập;Chi bộ Văn phòng;"{ESSAY}"',
        ";;;;;",
        'xa-02;Trần Thị Bình;;;;"Dòng một; có dấu chấm phẩy\nDòng hai, có dấu phẩy"',
        "xa-03;Lê Văn Cường;;;;",
    ]
    path = tmp_path / "danh_sach.csv"
    path.write_bytes("\r\n".join(rows).encode("utf-8-sig"))
    docs, errors = read_batch([path])
    assert [d.id for d in docs] == ["xa-01", "xa-02"]
    first, second = docs
    assert first.text == ESSAY
    assert first.meta == {
        "author": "Nguyễn Văn An",
        "role": "Chủ tịch",
        "unit": "UBND xã Tân Lập",
        "cell": "Chi bộ Văn phòng",
    }
    assert second.text == "Dòng một; có dấu chấm phẩy\nDòng hai, có dấu phẩy"
    assert second.meta == {"author": "Trần Thị Bình"}
    assert first.source == f"{path}#2" and second.source == f"{path}#4"
    assert [(e.code, e.source) for e in errors] == [("empty", str(path))]
    assert "Dòng 5" in errors[0].message


def test_csv_comma_cp1258_without_id_column(tmp_path):
    text = f'Họ tên,Nội dung\n"Phạm Văn Dũng","{ESSAY}"\n'
    path = tmp_path / "to1.csv"
    path.write_bytes(to_cp1258(text))
    docs, errors = read_batch([path])
    assert errors == []
    assert [(d.id, nfc(d.text), d.meta) for d in docs] == [
        ("to1-2", ESSAY, {"author": "Phạm Văn Dũng"})
    ]


def make_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def test_xlsx_two_sheets(tmp_path):
    long_text = ESSAY + " " + ESSAY
    path = make_workbook(
        tmp_path / "tong_hop.xlsx",
        {
            "Tổ 1": [
                ["DANH SÁCH BÀI THU HOẠCH"],
                [],
                ["STT", "Mã số", "Họ và tên", "Đơn vị", "Bài thu hoạch"],
                [1, 101, "Nguyễn Văn An", "Trường THCS Nguyễn Trãi", ESSAY],
                [2, None, "Lê Thị Hoa", None, "Bài ngắn của Hoa."],
            ],
            "Tổ 2": [
                ["Ghi chú", "Họ tên đảng viên", "Cột không tên"],
                ["x", "Đỗ Văn Nam", long_text],
            ],
        },
    )
    docs, errors = read_batch([path])
    assert errors == []
    assert [d.id for d in docs] == ["101", "tong_hop-Tổ 1-5", "tong_hop-Tổ 2-2"]
    assert docs[0].text == ESSAY
    assert docs[0].meta == {"author": "Nguyễn Văn An", "unit": "Trường THCS Nguyễn Trãi"}
    assert docs[0].source == f"{path}#Tổ 1!4"
    assert docs[1].text == "Bài ngắn của Hoa." and docs[1].meta == {"author": "Lê Thị Hoa"}
    assert docs[2].text == long_text and docs[2].meta == {"author": "Đỗ Văn Nam"}


def test_xlsx_cell_typed_in_vni_is_converted(tmp_path):
    path = make_workbook(
        tmp_path / "vni.xlsx", {"Sheet": [["Nội dung"], [legacy.encode(ESSAY, "vni")]]}
    )
    docs, errors = read_batch(str(path))  # a single path is accepted too
    assert errors == [] and [d.text for d in docs] == [ESSAY]


def test_table_without_text_column(tmp_path):
    path = make_workbook(
        tmp_path / "thieu_cot.xlsx",
        {
            "Danh sách": [["Họ và tên", "Đơn vị"], ["Nguyễn Văn An", "Xã Tân Lập"]],
            "Bài": [["Nội dung"], [ESSAY]],
        },
    )
    csv_path = tmp_path / "chi_ten.csv"
    csv_path.write_text("Họ và tên,Ghi chú\nNguyễn Văn An,đã nộp\n", encoding="utf-8")
    good = tmp_path / "tot.txt"
    good.write_text(ESSAY, encoding="utf-8")
    docs, errors = read_batch([path, csv_path, good])
    assert sorted(d.text for d in docs) == [ESSAY, ESSAY]
    assert {(e.source, e.code) for e in errors} == {
        (str(path), "no_text_column"),
        (str(csv_path), "no_text_column"),
    }
    sheet_error = next(e for e in errors if e.source == str(path))
    assert "Danh sách" in sheet_error.message and "thieu_cot.xlsx" in sheet_error.message


def test_old_xls_without_xlrd(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_xlrd(name, *args, **kwargs):
        if name == "xlrd":
            raise ImportError("No module named 'xlrd'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_xlrd)
    monkeypatch.setitem(sys.modules, "xlrd", None)
    path = tmp_path / "cu.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    _, errors = read_batch([path])
    assert [e.code for e in errors] == ["legacy_doc"]
    assert ".xlsx" in errors[0].message and "cu.xls" in errors[0].message


# --- zip ----------------------------------------------------------------------------------------
def patch_zip_name(data: bytes, placeholder: str, raw: bytes) -> bytes:
    """Replace an ASCII member name by raw (non-UTF-8) bytes of the same length."""
    encoded = placeholder.encode("ascii")
    assert len(encoded) == len(raw) and data.count(encoded) == 2
    return data.replace(encoded, raw)


def test_zip_nested_folders_vietnamese_names_and_nested_zip(tmp_path):
    docx_bytes = make_docx(tmp_path / "src.docx", lambda d: d.add_paragraph(ESSAY)).read_bytes()
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("Tổ 3/Hoàng Văn Em.txt", "Bài trong tệp nén lồng nhau của Em.")
    cp1258_name = to_cp1258("Tổ 2/Lý.txt")
    placeholder = "X" * (len(cp1258_name) - 4) + ".txt"
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Tổ 1/Nguyễn Văn An.docx", docx_bytes)
        archive.writestr("Tổ 1/Đơn vị/Trần Thị Bình.txt", "Bài của Bình: liên hệ bản thân.")
        archive.writestr(placeholder, "Bài của Lý.".encode())
        archive.writestr("Tổ 3/ho_so.zip", inner.getvalue())
        archive.writestr("__MACOSX/Tổ 1/._Nguyễn Văn An.docx", b"junk")
        archive.writestr("Tổ 1/.DS_Store", b"junk")
        archive.writestr("Tổ 1/~$uyễn Văn An.docx", b"lock")
        archive.writestr("Tổ 1/Thumbs.db", b"junk")
    path = tmp_path / "nop_bai.zip"
    path.write_bytes(patch_zip_name(outer.getvalue(), placeholder, cp1258_name))
    docs, errors = read_batch([path])
    assert errors == []
    found = {d.source: d for d in docs}
    assert set(found) == {
        f"{path}/Tổ 1/Nguyễn Văn An.docx",
        f"{path}/Tổ 1/Đơn vị/Trần Thị Bình.txt",
        f"{path}/Tổ 2/Lý.txt",
        f"{path}/Tổ 3/ho_so.zip/Tổ 3/Hoàng Văn Em.txt",
    }
    assert found[f"{path}/Tổ 1/Nguyễn Văn An.docx"].text == ESSAY
    assert found[f"{path}/Tổ 1/Nguyễn Văn An.docx"].id == "Nguyễn Văn An"
    assert found[f"{path}/Tổ 2/Lý.txt"].text == "Bài của Lý."
    assert found[f"{path}/Tổ 3/ho_so.zip/Tổ 3/Hoàng Văn Em.txt"].id == "Hoàng Văn Em"


def test_zip_refuses_unsafe_members_and_reads_the_rest(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../evil.txt", "thoát ra ngoài")
        archive.writestr("/tmp/evil.txt", "đường dẫn tuyệt đối")
        archive.writestr("C:/evil.txt", "ổ đĩa")
        link = zipfile.ZipInfo("lienket.txt")
        link.external_attr = (0o120777 << 16) | 0x20
        archive.writestr(link, "/etc/passwd")
        archive.writestr("lon.txt", "chữ " * 2000)
        archive.writestr("tot.txt", ESSAY)
        deep = io.BytesIO()
        with zipfile.ZipFile(deep, "w") as level2:
            level2.writestr("x.txt", "quá sâu")
        level1 = io.BytesIO()
        with zipfile.ZipFile(level1, "w") as inner:
            inner.writestr("sau.zip", deep.getvalue())
        archive.writestr("long.zip", level1.getvalue())
    path = tmp_path / "nguy_hiem.zip"
    path.write_bytes(buffer.getvalue())
    docs, errors = read_batch([path], max_member_bytes=4000)
    assert [d.text for d in docs] == [ESSAY]
    by_code = sorted((e.code, e.message) for e in errors)
    assert [c for c, _ in by_code] == [
        "too_large", "unknown_format", "unsafe_path", "unsafe_path", "unsafe_path", "unsafe_path",
    ]  # fmt: skip
    messages = " ".join(m for _, m in by_code)
    for member in ("../evil.txt", "/tmp/evil.txt", "C:/evil.txt", "lienket.txt"):
        assert f"'{member}'" in messages
    assert "lon.txt" in messages and "sau.zip" in messages


def test_zip_bomb_stops_at_total_limit(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(5):
            archive.writestr(f"bai_{i}.txt", f"Bài số {i}. " + "a" * 3000)
    path = tmp_path / "bom.zip"
    path.write_bytes(buffer.getvalue())
    docs, errors = read_batch([path], max_member_bytes=5000, max_total_bytes=7000)
    assert [d.id for d in docs] == ["bai_0", "bai_1"]
    # One error per member left out, each naming it (the budget is per member).
    assert [e.code for e in errors] == ["too_large"] * 3
    for i, e in zip((2, 3, 4), errors, strict=True):
        assert f"bai_{i}.txt" in e.message


def test_a_big_member_does_not_hide_the_small_essays_after_it(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a_lon.txt", "x " * 3000)  # first by name, largest
        for i in range(3):
            archive.writestr(f"b_{i}.txt", f"Bài số {i}. " + "a" * 1000)
    path = tmp_path / "mix.zip"
    path.write_bytes(buffer.getvalue())
    docs, errors = read_batch([path], max_member_bytes=10_000, max_total_bytes=5000)
    assert [d.id for d in docs] == ["b_0", "b_1", "b_2"]
    assert [e.code for e in errors] == ["too_large"] and "a_lon.txt" in errors[0].message


def test_zip_member_lying_about_its_size_is_not_unpacked_past_it(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("gia.txt", "x" * 50_000)
    data = bytearray(buffer.getvalue())
    # forge the central directory's uncompressed size (offset 24 in the entry) down to 10 bytes
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    path = tmp_path / "gia_mao.zip"
    path.write_bytes(bytes(data))
    docs, errors = read_batch([path], max_member_bytes=1000)
    assert docs == [] and [e.code for e in errors] == ["corrupt"]
    assert "gia.txt" in errors[0].message


# --- bad inputs in a batch ----------------------------------------------------------------------
@pytest.fixture
def good(tmp_path) -> Path:
    path = tmp_path / "good" / "bai_tot.txt"
    path.parent.mkdir()
    path.write_text(ESSAY, encoding="utf-8")
    return path


def assert_batch(paths, good: Path, expected: dict[str, str], **limits) -> list[ReadError]:
    docs, errors = read_batch([*paths, good], **limits)
    assert [(d.id, d.text) for d in docs] == [("bai_tot", ESSAY)]
    assert codes(errors) == expected
    for e in errors:
        assert e.message and e.source
        name = e.source.replace("\\", "/").rsplit("/", 1)[-1]
        assert name in e.message
    return errors


def test_empty_files(tmp_path, good):
    (tmp_path / "rong.docx").write_bytes(b"")
    (tmp_path / "trang.txt").write_text(" \n\t \n", encoding="utf-8")
    make_docx(tmp_path / "khong_chu.docx")
    assert_batch(
        [tmp_path / "rong.docx", tmp_path / "trang.txt", tmp_path / "khong_chu.docx"],
        good,
        {"rong.docx": "empty", "trang.txt": "empty", "khong_chu.docx": "empty"},
    )


def test_corrupt_and_encrypted_docx(tmp_path, good):
    (tmp_path / "hong.docx").write_bytes(b"PK\x03\x04 this is not really a zip file")
    (tmp_path / "khong_phai.docx").write_bytes(b"Hello, I am plain text pretending.")
    with zipfile.ZipFile(tmp_path / "zip_la.docx", "w") as archive:
        archive.writestr("readme.txt", "not a word document")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    (tmp_path / "mat_khau.docx").write_bytes(ole + "EncryptedPackage".encode("utf-16-le"))
    errors = assert_batch(
        [tmp_path / n for n in ("hong.docx", "khong_phai.docx", "zip_la.docx", "mat_khau.docx")],
        good,
        {
            "hong.docx": "corrupt",
            "khong_phai.docx": "corrupt",
            "zip_la.docx": "corrupt",
            "mat_khau.docx": "encrypted",
        },
    )
    assert "mật khẩu" in next(e.message for e in errors if e.code == "encrypted")


def test_encrypted_scanned_and_broken_pdf(tmp_path, good):
    make_pdf(tmp_path / "khoa.pdf", wrap(ESSAY), password="bi-mat")
    make_pdf(tmp_path / "scan.pdf", None)
    (tmp_path / "hong.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage")
    errors = assert_batch(
        [tmp_path / "khoa.pdf", tmp_path / "scan.pdf", tmp_path / "hong.pdf"],
        good,
        {"khoa.pdf": "encrypted", "scan.pdf": "scanned_pdf", "hong.pdf": "corrupt"},
    )
    scanned = next(e for e in errors if e.code == "scanned_pdf")
    assert "scan" in scanned.message and "Word" in scanned.message
    assert "mật khẩu" in next(e.message for e in errors if e.code == "encrypted")


def test_legacy_doc_without_libreoffice(tmp_path, good, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    (tmp_path / "cu.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 1024)
    errors = assert_batch([tmp_path / "cu.doc"], good, {"cu.doc": "legacy_doc"})
    assert "hãy mở bằng Word và lưu lại dưới dạng .docx" in errors[0].message
    with pytest.raises(ReadFailure) as caught:
        read_text(tmp_path / "cu.doc")
    assert caught.value.code == "legacy_doc"


def test_legacy_doc_with_a_converter(tmp_path, monkeypatch):
    """The LibreOffice call: a stand-in 'soffice' writes the .docx where LibreOffice would."""
    converted = make_docx(tmp_path / "ready.docx", lambda d: d.add_paragraph(ESSAY))
    script = tmp_path / "soffice"
    script.write_text(
        f"#!{sys.executable}\n"
        "import shutil, sys\n"
        "out = sys.argv[sys.argv.index('--outdir') + 1]\n"
        "import os; os.makedirs(out, exist_ok=True)\n"
        f"shutil.copy({str(converted)!r}, os.path.join(out, 'input.docx'))\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    monkeypatch.setattr(shutil, "which", lambda name: str(script) if name == "soffice" else None)
    (tmp_path / "cu.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 1024)
    docs, errors = read_batch([tmp_path / "cu.doc"])
    assert errors == [] and [(d.id, d.text) for d in docs] == [("cu", ESSAY)]
    assert not list((tmp_path / "systmp").iterdir())  # the temporary folder was removed


def test_unknown_extension_and_other_archives(tmp_path, good):
    (tmp_path / "anh.jpg").write_bytes(b"\xff\xd8\xff\xe0 not an essay")
    (tmp_path / "nen.rar").write_bytes(b"Rar!\x1a\x07\x00")
    (tmp_path / "khong_duoi").write_text(ESSAY, encoding="utf-8")
    errors = assert_batch(
        [tmp_path / "anh.jpg", tmp_path / "nen.rar", tmp_path / "khong_duoi"],
        good,
        {"anh.jpg": "unknown_format", "nen.rar": "unknown_format", "khong_duoi": "unknown_format"},
    )
    assert ".zip" in next(e.message for e in errors if e.source.endswith("nen.rar"))


def test_missing_path_and_oversized_file(tmp_path, good):
    big = tmp_path / "lon.txt"
    big.write_text("chữ " * 3000, encoding="utf-8")
    assert_batch(
        [tmp_path / "khong_co.docx", big],
        good,
        {"khong_co.docx": "not_found", "lon.txt": "too_large"},
        max_member_bytes=5000,
    )


def test_binary_file_named_txt(tmp_path, good):
    (tmp_path / "nhi_phan.txt").write_bytes(bytes(range(256)) * 4)
    assert_batch([tmp_path / "nhi_phan.txt"], good, {"nhi_phan.txt": "encoding"})


# --- folders and ids ----------------------------------------------------------------------------
def test_folder_recursion_sorting_hidden_files_and_unique_ids(tmp_path):
    root = tmp_path / "dot1"
    for folder, name, text in [
        ("to_b", "bai.txt", "Bài tổ B."),
        ("to_a", "bai.txt", "Bài tổ A."),
        ("to_a", "an.txt", "Bài của An."),
        ("to_a/.an", "bi_an.txt", "ẩn"),
        ("to_a", ".ghi_chu.txt", "ẩn"),
        ("to_a", "~$bai.docx", "khóa"),
    ]:
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / name).write_text(text, encoding="utf-8")
    docs, errors = read_batch([root, root / "to_a" / "an.txt"])
    assert errors == []
    assert [(d.id, d.text) for d in docs] == [
        ("an", "Bài của An."),
        ("bai", "Bài tổ A."),
        ("bai-2", "Bài tổ B."),
    ]
    assert len({d.source for d in docs}) == 3
    assert docs[2].source == str(root / "to_b" / "bai.txt")


def test_read_text_failures(tmp_path):
    with pytest.raises(ReadFailure) as missing:
        read_text(tmp_path / "khong_co.txt")
    assert missing.value.code == "not_found" and "khong_co.txt" in str(missing.value)
    make_pdf(tmp_path / "scan.pdf", None)
    with pytest.raises(ReadFailure) as scanned:
        read_text(tmp_path / "scan.pdf")
    assert scanned.value.code == "scanned_pdf"
    assert isinstance(scanned.value.error, ReadError)
    (tmp_path / "bang.xlsx").write_bytes(b"x")
    with pytest.raises(ReadFailure) as table:
        read_text(tmp_path / "bang.xlsx")
    assert table.value.code == "unknown_format"


def test_every_message_is_vietnamese_and_says_what_to_do():
    for key, (code, template) in MESSAGES.items():
        assert "{name}" in template, key
        assert "hãy" in template, key
        assert code in {
            "empty", "unknown_format", "corrupt", "encrypted", "scanned_pdf", "legacy_doc",
            "no_text_column", "unsafe_path", "too_large", "encoding", "not_found",
            "missing_dependency",
        }  # fmt: skip
