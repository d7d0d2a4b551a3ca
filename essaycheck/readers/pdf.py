"""PDF: the text layer as pypdf extracts it (plain mode, one page after another).

A PDF that opens only with a password, a scan without a text layer (fewer than
:data:`MIN_LETTERS_PER_PAGE` letters per page on average) and a broken file each get their own
message. PDFs printed from TCVN3/VNI documents carry mojibake; it is converted when
:func:`legacy.looks_like` is sure.
"""

from __future__ import annotations

import io

from essaycheck.readers import legacy
from essaycheck.readers.errors import ReadFailure, fail

MIN_LETTERS_PER_PAGE = 20


def read_pdf(data: bytes, source: str) -> str:
    """The text of a PDF file; raises :class:`ReadFailure` for encrypted, scanned or broken ones."""
    try:
        from pypdf import PasswordType, PdfReader
        from pypdf.errors import DependencyError
    except ImportError:  # pragma: no cover - pypdf is a core dependency
        raise fail("missing_dependency", source, package="pypdf") from None

    try:
        reader = PdfReader(io.BytesIO(data))
    except Exception:
        raise fail("corrupt_pdf", source) from None
    try:
        encrypted = reader.is_encrypted
    except Exception:
        raise fail("corrupt_pdf", source) from None
    if encrypted:
        try:
            opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
        except DependencyError:  # AES needs a crypto library to try even the empty password
            raise fail("missing_dependency", source, package="cryptography") from None
        except Exception:
            opened = False
        if not opened:
            raise fail("encrypted_pdf", source)
    from essaycheck.readers.dispatch import MAX_CHARS, MAX_PDF_PAGES, Deadline

    try:
        count = len(reader.pages)
    except Exception:
        raise fail("corrupt_pdf", source) from None
    if count > MAX_PDF_PAGES:
        raise fail("too_many_pages", source, pages=f"{count:,}", limit=MAX_PDF_PAGES)
    deadline = Deadline(source)
    pages: list[str] = []
    chars = 0
    try:
        for i, page in enumerate(reader.pages):
            if i >= MAX_PDF_PAGES:  # a page tree whose /Count lies
                raise fail("too_many_pages", source, pages=f"> {i}", limit=MAX_PDF_PAGES)
            deadline.check()
            pages.append(page.extract_text() or "")
            chars += len(pages[-1])
            if chars > MAX_CHARS:
                raise fail("too_long", source, chars=f"hơn {MAX_CHARS:,}", limit=f"{MAX_CHARS:,}")
    except ReadFailure:
        raise
    except Exception:
        raise fail("corrupt_pdf", source) from None
    if not pages:
        raise fail("corrupt_pdf", source)
    text = "\n".join(page.strip("\n") for page in pages).strip()
    letters = sum(1 for c in text if c.isalpha())
    if letters < MIN_LETTERS_PER_PAGE * len(pages):
        raise fail("scanned_pdf", source)
    encoding = legacy.looks_like(text)
    return legacy.decode(text, encoding) if encoding else text
