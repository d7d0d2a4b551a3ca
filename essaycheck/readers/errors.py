"""Why an input could not be read: machine codes and the Vietnamese messages, in one place.

Every message names the file, says what is wrong and what the sender should do. Readers raise
:class:`ReadFailure`; :func:`essaycheck.readers.read_batch` turns it into a
:class:`~essaycheck.documents.ReadError` and goes on with the other files.
"""

from __future__ import annotations

from essaycheck.documents import ReadError

# Machine codes (ReadError.code).
EMPTY = "empty"
UNKNOWN_FORMAT = "unknown_format"
CORRUPT = "corrupt"
ENCRYPTED = "encrypted"
SCANNED_PDF = "scanned_pdf"
LEGACY_DOC = "legacy_doc"
NO_TEXT_COLUMN = "no_text_column"
UNSAFE_PATH = "unsafe_path"
TOO_LARGE = "too_large"
ENCODING = "encoding"
NOT_FOUND = "not_found"
MISSING_DEPENDENCY = "missing_dependency"

_RESEND_DOCX = "hãy mở bằng Word và lưu lại dưới dạng .docx rồi gửi lại"

# key -> (code, template). Templates use str.format fields; {name} is always the file.
MESSAGES: dict[str, tuple[str, str]] = {
    "empty": (EMPTY, "Tệp '{name}' không có chữ nào: hãy kiểm tra lại và gửi tệp có nội dung "
                     "bài thu hoạch."),
    "empty_row": (EMPTY, "Dòng {row} của bảng '{name}' không có nội dung bài thu hoạch: hãy "
                         "điền nội dung hoặc xóa dòng này."),
    "unknown_format": (UNKNOWN_FORMAT, "Tệp '{name}' có định dạng '{ext}' mà chương trình không "
                                       "đọc được: hãy gửi tệp Word (.docx), PDF, .txt, bảng tính "
                                       "(.xlsx, .csv) hoặc tệp nén .zip."),
    "other_archive": (UNKNOWN_FORMAT, "Tệp '{name}' là tệp nén dạng '{ext}', chương trình chỉ "
                                      "đọc được .zip: hãy giải nén rồi nén lại dạng .zip."),
    "nested_archive": (UNKNOWN_FORMAT, "Tệp nén '{name}' nằm trong tệp nén khác quá một lớp: hãy "
                                       "giải nén ra rồi nén lại thành một tệp .zip."),
    "corrupt_docx": (CORRUPT, "Tệp '{name}' bị hỏng hoặc không phải tệp Word (.docx) thật: "
                              + _RESEND_DOCX + "."),
    "corrupt_pdf": (CORRUPT, "Tệp '{name}' bị hỏng, không mở được như một tệp PDF: hãy xuất "
                             "lại PDF từ Word hoặc gửi bản Word (.docx)."),
    "corrupt_table": (CORRUPT, "Tệp '{name}' bị hỏng hoặc không phải bảng tính đọc được: hãy "
                               "mở bằng Excel, lưu lại dưới dạng .xlsx rồi gửi lại."),
    "corrupt_zip": (CORRUPT, "Tệp nén '{name}' bị hỏng, không giải nén được: hãy nén lại các "
                             "tệp thành .zip rồi gửi lại."),
    "corrupt": (CORRUPT, "Không đọc được tệp '{name}' ({detail}): hãy mở tệp, lưu lại rồi gửi "
                         "lại, hoặc gửi bản Word (.docx)."),
    "encrypted_office": (ENCRYPTED, "Tệp '{name}' được đặt mật khẩu: hãy mở tệp, gỡ mật khẩu, "
                                    "lưu lại rồi gửi lại."),
    "encrypted_pdf": (ENCRYPTED, "Tệp '{name}' là PDF có mật khẩu (password): hãy gửi bản PDF "
                                 "không đặt mật khẩu hoặc bản Word (.docx)."),
    "encrypted_zip": (ENCRYPTED, "Tệp '{name}' trong tệp nén được đặt mật khẩu: hãy nén lại "
                                 "mà không đặt mật khẩu."),
    "scanned_pdf": (SCANNED_PDF, "Tệp '{name}' là bản scan (không có lớp chữ): hãy gửi bản Word "
                                 "hoặc PDF có thể chọn chữ, hoặc nhận dạng chữ (OCR) trước."),
    "legacy_doc": (LEGACY_DOC, "Tệp '{name}' là định dạng cũ '{ext}' và máy này không có "
                               "LibreOffice để chuyển đổi: " + _RESEND_DOCX
                               + " (hoặc cài LibreOffice)."),
    "legacy_doc_failed": (LEGACY_DOC, "Không chuyển được tệp '{name}' sang .docx bằng "
                                      "LibreOffice ({detail}): " + _RESEND_DOCX + "."),
    "legacy_xls": (LEGACY_DOC, "Tệp '{name}' là bảng tính Excel cũ (.xls) và chưa cài gói xlrd: "
                               "hãy mở bằng Excel và lưu lại dưới dạng .xlsx (hoặc cài xlrd: "
                               "pip install xlrd)."),
    "no_text_column": (NO_TEXT_COLUMN, "Bảng '{name}' (trang '{sheet}') không có cột nội dung "
                                       "bài thu hoạch: hãy đặt tên cột là 'Nội dung bài thu "
                                       "hoạch' rồi gửi lại."),
    "no_text_column_csv": (NO_TEXT_COLUMN, "Bảng '{name}' không có cột nội dung bài thu hoạch: "
                                           "hãy đặt tên cột là 'Nội dung bài thu hoạch' rồi gửi "
                                           "lại."),
    "unsafe_path": (UNSAFE_PATH, "Tệp '{member}' trong tệp nén '{name}' có đường dẫn không an "
                                 "toàn ({why}) nên bị bỏ qua: hãy nén lại các bài thu hoạch "
                                 "trong một thư mục bình thường."),
    "too_large": (TOO_LARGE, "Tệp '{name}' quá lớn ({size} MB, giới hạn {limit} MB): hãy gửi "
                             "tệp nhỏ hơn (bớt hình ảnh) hoặc chia nhỏ."),
    "too_large_total": (TOO_LARGE, "Tệp '{member}' trong tệp nén '{name}' không được đọc vì "
                                   "tổng dung lượng giải nén đã tới giới hạn {limit} MB (các tệp "
                                   "nhỏ hơn vẫn được đọc): hãy chia thành nhiều tệp nén nhỏ hơn."),
    "too_many_members": (TOO_LARGE, "Tệp nén '{name}' có {count} tệp, quá giới hạn {limit} tệp: "
                                    "hãy chia thành nhiều tệp nén nhỏ hơn."),
    "part_too_large": (TOO_LARGE, "Tệp '{name}' có phần nội dung '{part}' giải nén ra quá "
                                  "{limit} MB (tệp hỏng hoặc cố ý gây quá tải): hãy mở tệp, lưu "
                                  "lại rồi gửi lại, hoặc gửi bản PDF."),
    "too_long": (TOO_LARGE, "Tệp '{name}' quá dài ({chars} ký tự, giới hạn {limit} ký tự cho một "
                            "bài): hãy kiểm tra đó có đúng là một bài thu hoạch, hoặc chia nhỏ."),
    "too_many_pages": (TOO_LARGE, "Tệp PDF '{name}' có {pages} trang, quá giới hạn {limit} trang "
                                  "cho một bài: hãy gửi riêng bài thu hoạch."),
    "too_slow": (TOO_LARGE, "Tệp '{name}' cần quá {limit} giây để đọc (tệp hỏng hoặc quá phức "
                            "tạp) nên bị bỏ qua: hãy lưu lại bằng Word rồi gửi bản .docx."),
    "too_many_rows": (TOO_LARGE, "Bảng '{name}' có hơn {limit} dòng: chỉ {limit} dòng đầu được "
                                 "đọc; hãy chia bảng thành nhiều tệp."),
    "cell_too_large": (TOO_LARGE, "Dòng {row} của bảng '{name}' có ô dài quá {limit} ký tự nên "
                                  "bị bỏ qua (các dòng khác vẫn được đọc): hãy kiểm tra lại dòng "
                                  "này."),
    "upload_too_large": (TOO_LARGE, "Tổng dung lượng tải lên {size} MB vượt giới hạn {limit} MB "
                                    "nên tệp '{name}' và các tệp sau không được đọc: hãy chia "
                                    "đợt thành nhiều lần tải lên."),
    "symlink_outside": (UNSAFE_PATH, "Tệp '{name}' là liên kết tượng trưng (symlink) trỏ ra ngoài "
                                     "thư mục bài nộp nên bị bỏ qua: hãy chép chính tệp bài vào "
                                     "thư mục."),
    "no_essays": (EMPTY, "Không tìm thấy bài thu hoạch nào trong '{name}' (thư mục trống hoặc "
                         "chỉ có tệp ẩn): hãy kiểm tra lại đường dẫn."),
    "no_words": (EMPTY, "Tệp '{name}' không có chữ nào (chỉ có dấu câu, ký hiệu hoặc khoảng "
                        "trắng): hãy gửi tệp có nội dung."),
    "encoding": (ENCODING, "Không nhận ra bảng mã chữ của tệp '{name}': hãy mở bằng Notepad "
                           "hoặc Word và lưu lại với bảng mã UTF-8."),
    "not_found": (NOT_FOUND, "Không tìm thấy tệp hoặc thư mục '{name}': hãy kiểm tra lại "
                             "đường dẫn."),
    "missing_dependency": (MISSING_DEPENDENCY, "Để đọc tệp '{name}' cần gói Python '{package}' "
                                               "chưa được cài: hãy cài bằng lệnh pip install "
                                               "{package}."),
}  # fmt: skip


def error(key: str, source: str, **fields: object) -> ReadError:
    """The :class:`ReadError` for message ``key`` about ``source``."""
    code, template = MESSAGES[key]
    return ReadError(source=source, code=code, message=template.format(name=source, **fields))


class ReadFailure(Exception):
    """An input that cannot be read; ``error`` is the :class:`ReadError` to report."""

    def __init__(self, error: ReadError) -> None:
        super().__init__(error.message)
        self.error = error

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def source(self) -> str:
        return self.error.source

    @property
    def message(self) -> str:
        return self.error.message


def fail(key: str, source: str, **fields: object) -> ReadFailure:
    """A :class:`ReadFailure` to ``raise`` for message ``key`` about ``source``."""
    return ReadFailure(error(key, source, **fields))


def megabytes(size: int) -> str:
    """``size`` bytes as a short number of MB for messages."""
    mb = size / (1024 * 1024)
    return f"{mb:.1f}".rstrip("0").rstrip(".") if mb < 10 else str(round(mb))
