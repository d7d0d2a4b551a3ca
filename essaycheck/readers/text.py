"""Plain text (.txt, .md): find the encoding and decode, nothing more.

Tried in order: a byte-order mark (UTF-8, UTF-16, UTF-32), BOM-less UTF-16 (many NUL bytes), UTF-8,
then Windows-1258. Text typed in a TCVN3 or VNI font and saved as plain text reads as mojibake in
any of these; it is converted only when :func:`legacy.looks_like` is sure.
"""

from __future__ import annotations

import codecs
import unicodedata

from essaycheck.readers import legacy
from essaycheck.readers.errors import fail

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _bomless_utf16(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` if NUL bytes fill one byte of most pairs (ASCII-heavy UTF-16)."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    if odd > 0.3 * pairs and even < 0.05 * pairs:
        return "utf-16-le"
    if even > 0.3 * pairs and odd < 0.05 * pairs:
        return "utf-16-be"
    return None


_LEGACY_SAMPLE = 200_000  # characters looked at to tell mojibake: a 30 MB table is not scanned


def fix_legacy(text: str) -> str:
    """``text`` converted from TCVN3/VNI if it clearly is such mojibake, else unchanged."""
    encoding = legacy.looks_like(text[:_LEGACY_SAMPLE])
    return legacy.decode(text, encoding) if encoding else text


def decode_bytes(data: bytes, source: str) -> str:
    """Decode the bytes of a text file; raise :class:`ReadFailure` (``encoding``) if impossible."""
    text: str | None = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                raise fail("encoding", source) from None
            break
    if text is None and (encoding16 := _bomless_utf16(data)):
        try:
            text = data.decode(encoding16)
        except UnicodeDecodeError:
            text = None
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            latin = data.decode("latin-1")
            encoding_legacy = legacy.looks_like(latin[:_LEGACY_SAMPLE])
            if encoding_legacy:
                return legacy.decode(latin, encoding_legacy)
            try:
                # Windows-1258 writes tones as combining marks: compose them as the code page means.
                text = unicodedata.normalize("NFC", data.decode("cp1258"))
            except UnicodeDecodeError:
                raise fail("encoding", source) from None
    if "\x00" in text:  # a binary file with a text extension
        raise fail("encoding", source)
    return fix_legacy(text)


def read_text_file(data: bytes, source: str) -> str:
    """The text of a .txt or .md file."""
    return decode_bytes(data, source)
