"""ZIP archives, read in memory: members are never written to disk.

Members are read in name order and dispatched by extension like files; a .zip inside the archive
is opened too (one level). Vietnamese member names are recovered when the archiver did not mark
them as UTF-8 (flag 0x800): the raw bytes are tried as UTF-8, then as Windows-1258.

Refused, each with its own :class:`ReadError` naming the member: absolute paths, ".." parts,
drive letters, symbolic links, password-protected members, members larger than
``max_member_bytes`` (checked while unpacking, not only from the header), and everything after the
total unpacked size would pass ``max_total_bytes`` (zip bombs).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

from essaycheck.documents import Document, ReadError
from essaycheck.readers.dispatch import Budget, Result, read_bytes, suffix
from essaycheck.readers.errors import error, fail, megabytes

MAX_DEPTH = 1  # a zip inside a zip is read; one more level is refused
_JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini"})
_S_IFMT, _S_IFLNK = 0o170000, 0o120000


class _TooLarge(Exception):
    pass


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author typed it (UTF-8 or Windows-1258 names recovered)."""
    name = info.filename
    if info.flag_bits & 0x800 or name.isascii():
        return name
    raw = name.encode("cp437")  # what zipfile decoded as cp437: back to the stored bytes
    for encoding in ("utf-8", "cp1258"):
        try:
            return unicodedata.normalize("NFC", raw.decode(encoding))
        except UnicodeDecodeError:
            continue
    return name


def unsafe_reason(info: zipfile.ZipInfo, name: str) -> str | None:
    """Why a member must not be read, in Vietnamese, or None if it is safe."""
    if name.startswith(("/", "\\")):
        return "đường dẫn tuyệt đối"
    if re.match(r"^[A-Za-z]:", name):
        return "có tên ổ đĩa"
    if ".." in re.split(r"[\\/]", name):
        return "chứa '..'"
    if "\x00" in name:
        return "tên chứa ký tự lạ"
    if (info.external_attr >> 16) & _S_IFMT == _S_IFLNK:
        return "liên kết tượng trưng (symlink)"
    return None


def _skipped(name: str) -> bool:
    """Hidden files, macOS metadata, Office lock files and Windows thumbnails."""
    parts = [part for part in re.split(r"[\\/]", name) if part not in ("", ".")]
    if not parts:
        return True
    if any(part.startswith(".") or part == "__MACOSX" for part in parts):
        return True
    return parts[-1].startswith("~$") or parts[-1].lower() in _JUNK_NAMES


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    with archive.open(info) as stream:
        content = stream.read(limit + 1)
    if len(content) > limit:
        raise _TooLarge
    return content


def read_zip(data: bytes, source: str, budget: Budget, *, depth: int = 0) -> Result:
    """Documents and errors from the members of a ZIP archive held in ``data``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise fail("corrupt_zip", source) from None
    docs: list[Document] = []
    errors: list[ReadError] = []
    limit = budget.max_member_bytes
    members = sorted(((member_name(info), info) for info in infos), key=lambda pair: pair[0])
    with archive:
        for name, info in members:
            if info.is_dir():
                continue
            if why := unsafe_reason(info, name):
                errors.append(error("unsafe_path", source, member=name, why=why))
                continue
            if _skipped(name):
                continue
            inner = "/".join(p for p in re.split(r"[\\/]", name) if p not in ("", "."))
            member_source = f"{source}/{inner}"
            if info.flag_bits & 0x1:
                errors.append(error("encrypted_zip", member_source))
                continue
            if info.file_size > limit:
                errors.append(_too_large(member_source, info.file_size, limit))
                continue
            if budget.used + info.file_size > budget.max_total_bytes:
                errors.append(_too_large_total(source, name, budget))
                break
            try:
                content = _read_member(archive, info, limit)
            except _TooLarge:
                errors.append(_too_large(member_source, limit + 1, limit))
                continue
            except Exception:  # bad CRC, truncated data, unsupported compression
                errors.append(error("corrupt", member_source, detail="hỏng trong tệp nén"))
                continue
            budget.used += len(content)
            if budget.used > budget.max_total_bytes:
                errors.append(_too_large_total(source, name, budget))
                break
            if suffix(name) == ".zip" and depth >= MAX_DEPTH:
                errors.append(error("nested_archive", member_source))
                continue
            member_docs, member_errors = read_bytes(content, member_source, budget, depth=depth + 1)
            docs.extend(member_docs)
            errors.extend(member_errors)
    return docs, errors


def _too_large(source: str, size: int, limit: int) -> ReadError:
    return error("too_large", source, size=megabytes(size), limit=megabytes(limit))


def _too_large_total(source: str, member: str, budget: Budget) -> ReadError:
    return error("too_large_total", source, member=member, limit=megabytes(budget.max_total_bytes))
