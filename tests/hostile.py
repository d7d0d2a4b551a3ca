"""A generator of hostile and careless inputs, built at test time (no binary fixtures).

Each class writes its files into a fresh folder and says what a clean answer is: ``expect``
maps a file name (or ``"*"``: the folder as a whole) to the error code it must get, or to
``"read"`` when it must be read as an essay. A good essay (``good.txt``) sits beside the bad files
of most classes, and must always be read: one bad file never costs the others.
"""

from __future__ import annotations

import io
import os
import struct
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MB = 1024 * 1024
GOOD = (
    "Họ và tên: Nguyễn Văn An\nChức vụ: Giáo viên\nĐơn vị: Trường THCS Nguyễn Du\n\n"
    "Sau khi học tập Nghị quyết số 27-NQ/TW, tôi nhận thức rõ trách nhiệm của mình. "
    "Năm học 2023-2024 tổ Toán của trường có 12 giáo viên, tôi sẽ dạy thêm 4 buổi mỗi tuần "
    "cho 35 học sinh yếu và hoàn thành trước tháng 5 năm 2024.\n"
)


@dataclass
class Case:
    name: str
    build: Callable[[Path], None]
    expect: dict[str, str]
    limits: dict[str, int] = field(default_factory=dict)  # read_batch keyword arguments
    good: bool = True  # a good essay beside the bad files


CASES: list[Case] = []


def cp1258(text: str) -> bytes:
    """``text`` as Windows-1258 writes it: base letters with their hats precomposed, tone marks
    as combining characters."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            out += unicodedata.normalize("NFC", parts[:-1]).encode("cp1258")
            out += parts[-1].encode("cp1258")
    return bytes(out)


def case(name: str, expect: dict[str, str], good: bool = True, **limits: int):
    def register(build: Callable[[Path], None]) -> Callable[[Path], None]:
        CASES.append(Case(name, build, expect, limits, good))
        return build

    return register


# --- Office packages --------------------------------------------------------------------------
def _docx(body_xml: bytes | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal .docx; ``body_xml`` replaces word/document.xml."""
    ct = (
        b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        b'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        b'"application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
        b'.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target='
        b'"word/document.xml"/></Relationships>'
    )
    body = body_xml or _w_body(GOOD)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/document.xml", body)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buffer.getvalue()


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _w_body(text: str, prolog: str = "") -> bytes:
    paras = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in text.split("\n"))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<w:document xmlns:w="{W_NS}">'
        f"<w:body>{paras}</w:body></w:document>"
    ).encode()


@case("docx_xml_bomb", {"bomb.docx": "too_large"})
def _(d: Path) -> None:
    # A small file whose body XML unpacks to 60 MB (the was 300 MB from 474 KB).
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w") as f:
            f.write(f'<w:document xmlns:w="{W_NS}"><w:body>'.encode())
            chunk = b"<w:p><w:r><w:t>aaaaaaaaaaaaaaaaaaaaaaaaa</w:t></w:r></w:p>" * 16384
            for _ in range(60 * MB // len(chunk)):
                f.write(chunk)
            f.write(b"</w:body></w:document>")
    (d / "bomb.docx").write_bytes(buffer.getvalue())


@case("docx_picture_bomb", {"pics.docx": "too_large"})
def _(d: Path) -> None:
    # Every part under the per-part limit, 200 MB in all (python-docx would load them all).
    parts = {f"word/media/image{i}.png": b"\0" * (19 * MB) for i in range(11)}
    (d / "pics.docx").write_bytes(_docx(extra=parts))


@case("docx_too_many_parts", {"parts.docx": "too_large"})
def _(d: Path) -> None:
    (d / "parts.docx").write_bytes(_docx(extra={f"p/{i}.xml": b"<a/>" for i in range(6000)}))


@case("docx_xxe", {"xxe.docx": "read"})
def _(d: Path) -> None:
    prolog = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    body = _w_body(GOOD + "\n&xxe;", prolog)
    (d / "xxe.docx").write_bytes(_docx(body))


@case("docx_billion_laughs", {"laughs.docx": "corrupt"})
def _(d: Path) -> None:
    ents = '<!ENTITY a0 "hahahahahaha">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    body = _w_body(GOOD + "\n&a9;", f"<!DOCTYPE w:document [{ents}]>")
    (d / "laughs.docx").write_bytes(_docx(body))


@case("docx_too_long", {"long.docx": "too_large"})
def _(d: Path) -> None:
    (d / "long.docx").write_bytes(_docx(_w_body((GOOD * 500)[:300_000])))


@case("docx_deep_nesting", {"deep.docx": "*"})
def _(d: Path) -> None:
    inner = "<w:p><w:r><w:t>Sâu</w:t></w:r></w:p>"
    for _ in range(3000):
        inner = f"<w:tbl><w:tr><w:tc>{inner}</w:tc></w:tr></w:tbl>"
    xml = f'<w:document xmlns:w="{W_NS}"><w:body>{inner}</w:body></w:document>'
    (d / "deep.docx").write_bytes(_docx(xml.encode()))


@case("docx_truncated", {"half.docx": "corrupt"})
def _(d: Path) -> None:
    data = _docx()
    (d / "half.docx").write_bytes(data[: len(data) // 2])


@case("docx_no_body", {"nobody.docx": "corrupt"})
def _(d: Path) -> None:
    (d / "nobody.docx").write_bytes(_docx(b'<w:document xmlns:w="%s"/>' % W_NS.encode()))


@case("docx_encrypted_ole", {"locked.docx": "encrypted"})
def _(d: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512 + "EncryptedPackage".encode("utf-16-le")
    (d / "locked.docx").write_bytes(ole + b"\0" * 1024)


@case("xlsx_sheet_bomb", {"bomb.xlsx": "too_large"})
def _(d: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            for _ in range(30):
                f.write(b"<row><c><v>1</v></c></row>" * 40000)
    (d / "bomb.xlsx").write_bytes(buffer.getvalue())


@case("xlsx_too_many_rows", {"rows.xlsx": "too_large", "rows.xlsx#": "read"})
def _(d: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Bai")
    ws.append(["Họ và tên", "Nội dung bài thu hoạch"])
    for i in range(10_050):
        ws.append([f"Người {i}", f"Bài số {i}: tôi sẽ dạy thêm {i} buổi."])
    wb.save(d / "rows.xlsx")


@case("xlsx_formula_cells", {"formula.xlsx#": "read"})
def _(d: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Họ và tên", "Nội dung bài thu hoạch"])
    ws.append(['=HYPERLINK("http://x.invalid","bấm")', GOOD])
    wb.save(d / "formula.xlsx")


@case("xlsx_garbage", {"junk.xlsx": "corrupt"})
def _(d: Path) -> None:
    (d / "junk.xlsx").write_bytes(os.urandom(4096))


# --- text -------------------------------------------------------------------------------------
@case("txt_5mb", {"big.txt": "too_large"})
def _(d: Path) -> None:
    (d / "big.txt").write_bytes((GOOD * 30000).encode()[: 5 * MB])


@case("txt_49mb", {"huge.txt": "too_large"})
def _(d: Path) -> None:
    with (d / "huge.txt").open("wb") as f:
        block = ("Tôi sẽ làm tốt nhiệm vụ được giao. " * 1000).encode()
        for _ in range(49 * MB // len(block)):
            f.write(block)


@case("txt_too_large_sparse", {"sparse.txt": "too_large"})
def _(d: Path) -> None:
    with (d / "sparse.txt").open("wb") as f:
        f.truncate(60 * MB)  # over the 50 MB member limit; never read


@case("txt_just_under_limit", {"under.txt": "read"})
def _(d: Path) -> None:
    (d / "under.txt").write_text((GOOD * 100)[:99_000], encoding="utf-8")


@case("txt_empty", {"empty.txt": "empty"})
def _(d: Path) -> None:
    (d / "empty.txt").write_bytes(b"")


@case("txt_whitespace", {"blank.txt": "empty"})
def _(d: Path) -> None:
    (d / "blank.txt").write_text(" \n\t\r\n  \u3000\n", encoding="utf-8")


@case("txt_punctuation_only", {"dots.txt": "empty"})
def _(d: Path) -> None:
    (d / "dots.txt").write_text("... !!! ??? --- ***", encoding="utf-8")


@case("txt_binary", {"bin.txt": "*"})
def _(d: Path) -> None:
    (d / "bin.txt").write_bytes(b"\x00\x01\x02\xff" * 2000)


@case("txt_utf16_no_bom", {"u16.txt": "read"})
def _(d: Path) -> None:
    (d / "u16.txt").write_bytes(GOOD.encode("utf-16-le"))


@case("txt_cp1258", {"cp.txt": "read"})
def _(d: Path) -> None:
    (d / "cp.txt").write_bytes(cp1258("Tôi là đảng viên, tôi hứa sẽ làm tốt."))


@case("txt_control_chars", {"ctrl.txt": "read"})
def _(d: Path) -> None:
    (d / "ctrl.txt").write_text(GOOD + "\x07\x1b[31m\u202e\u200b\ufeff", encoding="utf-8")


# --- PDF --------------------------------------------------------------------------------------
def _pdf(pages: int, text: str | None = None) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@case("pdf_20000_pages", {"many.pdf": "too_large"})
def _(d: Path) -> None:
    (d / "many.pdf").write_bytes(_pdf(20_000))


@case("pdf_blank_scan", {"scan.pdf": "scanned_pdf"})
def _(d: Path) -> None:
    (d / "scan.pdf").write_bytes(_pdf(2))


@case("pdf_encrypted", {"secret.pdf": "encrypted"})
def _(d: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("mat-khau", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    (d / "secret.pdf").write_bytes(buffer.getvalue())


@case("pdf_truncated", {"cut.pdf": "corrupt"})
def _(d: Path) -> None:
    (d / "cut.pdf").write_bytes(_pdf(3)[:300])


@case("pdf_garbage", {"junk.pdf": "corrupt"})
def _(d: Path) -> None:
    (d / "junk.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(5000))


@case("pdf_named_docx", {"fake.docx": "*"})
def _(d: Path) -> None:
    (d / "fake.docx").write_bytes(_pdf(1))


# --- tables -----------------------------------------------------------------------------------
@case("csv_million_rows", {"rows.csv": "too_large", "rows.csv#": "read"})
def _(d: Path) -> None:
    with (d / "rows.csv").open("w", encoding="utf-8") as f:
        f.write("Họ và tên,Nội dung bài thu hoạch\n")
        line = "Nguyễn Văn A,Tôi sẽ làm tốt.\n"
        f.write(line * 1_000_000)


@case("csv_10mb_cell", {"cell.csv": "too_large", "cell.csv#": "read"})
def _(d: Path) -> None:
    rows = ["Họ và tên,Nội dung bài thu hoạch", f"An,{GOOD.replace(chr(10), ' ')}"]
    rows.append('Bình,"' + "x" * (10 * MB) + '"')
    rows.append(f"Chi,{GOOD.replace(chr(10), ' ')}")
    (d / "cell.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


@case("csv_formulas", {"f.csv#": "read"})
def _(d: Path) -> None:
    text = GOOD.replace("\n", " ")
    (d / "f.csv").write_text(
        f"Họ và tên,Đơn vị,Nội dung bài thu hoạch\n=cmd|' /C calc'!A0,@SUM(1),\"{text}\"\n"
        f'+1+1,-2,"=HYPERLINK(""http://x.invalid"") {text}"\n',
        encoding="utf-8",
    )


@case("csv_no_text_column", {"short.csv": "no_text_column"})
def _(d: Path) -> None:
    (d / "short.csv").write_text("a,b\n1,2\n3,4\n", encoding="utf-8")


@case("csv_header_only", {"head.csv": "empty"})
def _(d: Path) -> None:
    (d / "head.csv").write_text("Họ và tên,Nội dung bài thu hoạch\n", encoding="utf-8")


@case("csv_nul_bytes", {"nul.csv": "encoding"})
def _(d: Path) -> None:
    (d / "nul.csv").write_bytes(b"Ho ten,Noi dung\n\x00\x00\x00,\x00\n" * 50)


@case("csv_unbalanced_quotes", {"q.csv": "*"})
def _(d: Path) -> None:
    (d / "q.csv").write_text('Họ và tên,Nội dung bài thu hoạch\nAn,"' + GOOD * 3, encoding="utf-8")


# --- archives ---------------------------------------------------------------------------------
def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


@case("zip_bomb", {"bomb.zip/bomb.txt": "too_large", "bomb.zip/ok.txt": "read"})
def _(d: Path) -> None:
    (d / "bomb.zip").write_bytes(_zip({"bomb.txt": b"\0" * (200 * MB), "ok.txt": GOOD.encode()}))


@case(
    "zip_budget_then_good",
    {"all.zip/a_big1.txt": "too_large", "all.zip/b_good.txt": "read", "all.zip/c_good.txt": "read"},
    max_total_bytes=300_000,
)
def _(d: Path) -> None:
    big = ("Tôi sẽ làm tốt. " * 20000).encode()  # ~ 340 KB
    members = {"a_big1.txt": big, "a_big2.txt": big, "b_good.txt": GOOD.encode()}
    members["c_good.txt"] = GOOD.encode()
    (d / "all.zip").write_bytes(_zip(members))


@case("zip_slip", {"slip.zip": "unsafe_path"})
def _(d: Path) -> None:
    members = {"../../evil.txt": GOOD.encode(), "/etc/evil.txt": GOOD.encode()}
    members["C:/evil.txt"] = GOOD.encode()
    (d / "slip.zip").write_bytes(_zip(members))


@case("zip_symlink_member", {"link.zip": "unsafe_path"})
def _(d: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        info = zipfile.ZipInfo("link.txt")
        info.external_attr = (0o120777 << 16) | 0
        z.writestr(info, "/etc/passwd")
    (d / "link.zip").write_bytes(buffer.getvalue())


@case("zip_nested_three_levels", {"outer.zip": "unknown_format"})
def _(d: Path) -> None:
    inner = _zip({"bai.txt": GOOD.encode()})
    middle = _zip({"inner.zip": inner})
    (d / "outer.zip").write_bytes(_zip({"middle.zip": middle}))


@case("zip_encrypted_member", {"enc.zip": "encrypted"})
def _(d: Path) -> None:
    data = bytearray(_zip({"bai.txt": GOOD.encode()}, zipfile.ZIP_STORED))
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set the "encrypted" flag
        at = data.find(sig)
        flags = struct.unpack_from("<H", data, at + offset)[0]
        struct.pack_into("<H", data, at + offset, flags | 0x1)
    (d / "enc.zip").write_bytes(bytes(data))


@case("zip_lying_sizes", {"lie.zip": "corrupt"})
def _(d: Path) -> None:
    data = bytearray(_zip({"bai.txt": (GOOD * 2000).encode()}))
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # claim 10 bytes unpacked
        struct.pack_into("<I", data, data.find(sig) + offset, 10)
    (d / "lie.zip").write_bytes(bytes(data))


@case("zip_30000_members", {"many.zip": "too_large"})
def _(d: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        for i in range(30_000):
            z.writestr(f"{i}.txt", b"")
    (d / "many.zip").write_bytes(buffer.getvalue())


@case("zip_garbage", {"junk.zip": "corrupt"})
def _(d: Path) -> None:
    (d / "junk.zip").write_bytes(b"PK\x03\x04" + os.urandom(3000))


@case("zip_cp1258_names", {"names.zip/": "read"})
def _(d: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(zipfile.ZipInfo("placeholder_placeholder.txt"), GOOD)
    data = buffer.getvalue()
    # An old Vietnamese Windows archiver: the name in Windows-1258, no UTF-8 flag.
    raw = cp1258("Bài của Hà.txt").rjust(27, b"_")
    data = data.replace(b"placeholder_placeholder.txt", raw)
    (d / "names.zip").write_bytes(data)


@case("other_archives", {"a.rar": "unknown_format", "b.7z": "unknown_format"})
def _(d: Path) -> None:
    (d / "a.rar").write_bytes(b"Rar!\x1a\x07\x00" + b"\0" * 100)
    (d / "b.7z").write_bytes(b"7z\xbc\xaf\x27\x1c" + b"\0" * 100)


# --- folders and names ------------------------------------------------------------------------
@case("empty_folder", {"*": "empty"}, good=False)
def _(d: Path) -> None:
    (d / ".hidden").write_text("không phải bài", encoding="utf-8")


@case("symlink_to_etc", {"passwd.txt": "unsafe_path"})
def _(d: Path) -> None:
    (d / "passwd.txt").symlink_to("/etc/passwd")


@case("symlink_dir_outside", {"etc": "unsafe_path"})
def _(d: Path) -> None:
    (d / "etc").symlink_to("/etc", target_is_directory=True)


@case("symlink_loop", {"loop.txt": "unsafe_path"})
def _(d: Path) -> None:
    (d / "loop.txt").symlink_to(d / "loop.txt")


@case("symlink_inside", {"alias.txt": "*"})
def _(d: Path) -> None:
    (d / "alias.txt").symlink_to(d / "good.txt")


@case("fifo_in_folder", {"pipe.txt": "unknown_format"})
def _(d: Path) -> None:
    os.mkfifo(d / "pipe.txt")


@case("non_utf8_name", {"*": "read"})
def _(d: Path) -> None:
    with open(os.path.join(os.fsencode(d), b"bai_\xff\xfe.txt"), "wb") as f:
        f.write(GOOD.encode())


@case("odd_names", {"*": "read"})
def _(d: Path) -> None:
    for name in ("=HYPERLINK(1).txt", "dòng\nmới.txt", "\u202egpj.txt", "-@+ tab\t.txt"):
        (d / name).write_text(GOOD, encoding="utf-8")


@case("unknown_extension", {"virus.exe": "unknown_format", "noext": "unknown_format"})
def _(d: Path) -> None:
    (d / "virus.exe").write_bytes(b"MZ" + b"\0" * 100)
    (d / "noext").write_text(GOOD, encoding="utf-8")


@case("office_junk_files", {"*": "quiet"})
def _(d: Path) -> None:
    (d / "~$bai.docx").write_bytes(b"\0" * 162)
    (d / ".DS_Store").write_bytes(b"\0Bud1")
    (d / "__MACOSX").mkdir()
    (d / "__MACOSX" / "._good.txt").write_bytes(b"\0\5\26\7")
    (d / "Thumbs.db").write_bytes(b"\0" * 10)


@case("duplicate_names", {"*": "read"})
def _(d: Path) -> None:
    for sub in ("a", "b"):
        (d / sub).mkdir()
        (d / sub / "good.txt").write_text(GOOD, encoding="utf-8")


def build(case: Case, folder: Path) -> Path:
    """Lay out ``case`` in a new folder under ``folder``; returns it."""
    target = folder / case.name
    target.mkdir()
    if case.good:
        (target / "good.txt").write_text(GOOD, encoding="utf-8")
    case.build(target)
    return target
