"""ZIP archives, read in memory: members are never written to disk.

Members are read in name order and dispatched by extension like files; a .zip inside the archive
is opened too (one level). Vietnamese member names are recovered when the archiver did not mark
them as UTF-8 (flag 0x800): the raw bytes are tried as UTF-8, then as Windows-1258.

Refused, each with its own :class:`ReadError` naming the member: absolute paths, ".." parts,
drive letters, symbolic links, password-protected members, members larger than
``max_member_bytes`` (checked while unpacking, not only from the header), archives of more than
:data:`~essaycheck.readers.dispatch.MAX_ZIP_MEMBERS` members, and each member that would take the
total unpacked size past ``max_total_bytes`` (zip bombs). The total is a budget per member:
members are unpacked smallest first (by their header), so one huge member, or a bomb, does not
hide the good essays; each member left out gets its own error, and the report lists documents in
name order as before.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

from essaycheck.documents import Document, ReadError
from essaycheck.readers.dispatch import MAX_ZIP_MEMBERS, Budget, Result, read_bytes, suffix
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
    # a drive letter, also behind "./" segments that are dropped when the name is joined
    parts = [p for p in re.split(r"[\\/]", name) if p not in ("", ".")]
    if any(re.match(r"^[A-Za-z]:", p) for p in parts[:1]):
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
    if len(infos) > MAX_ZIP_MEMBERS:
        archive.close()
        raise fail(
            "too_many_members", source, count=f"{len(infos):,}", limit=f"{MAX_ZIP_MEMBERS:,}"
        )
    members = sorted(((member_name(info), info) for info in infos), key=lambda pair: pair[0])
    # Smallest first, so that the budget goes to the many small essays before any huge member;
    # results are put back in name order below.
    order = sorted(range(len(members)), key=lambda i: (members[i][1].file_size, i))
    results: dict[int, Result] = {}
    with archive:
        for i in order:
            name, info = members[i]
            results[i] = _member(archive, info, name, source, budget, depth)
    docs: list[Document] = []
    errors: list[ReadError] = []
    for i in range(len(members)):
        member_docs, member_errors = results[i]
        docs.extend(member_docs)
        errors.extend(member_errors)
    return docs, errors


def _member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    name: str,
    source: str,
    budget: Budget,
    depth: int,
) -> Result:
    """What one archive member gives (documents, errors), within the budget."""
    if info.is_dir():
        return [], []
    if why := unsafe_reason(info, name):
        return [], [error("unsafe_path", source, member=name, why=why)]
    if _skipped(name):
        return [], []
    inner = "/".join(p for p in re.split(r"[\\/]", name) if p not in ("", "."))
    member_source = f"{source}/{inner}"
    if info.flag_bits & 0x1:
        return [], [error("encrypted_zip", member_source)]
    limit = budget.max_member_bytes
    if info.file_size > limit:
        return [], [_too_large(member_source, info.file_size, limit)]
    left = budget.max_total_bytes - budget.used
    if info.file_size > left:
        return [], [_too_large_total(source, name, budget)]
    try:
        content = _read_member(archive, info, min(limit, left))
    except _TooLarge:  # the header lied about the size
        if left < limit:
            budget.used = budget.max_total_bytes  # what is left was unpacked for nothing
            return [], [_too_large_total(source, name, budget)]
        return [], [_too_large(member_source, limit + 1, limit)]
    except Exception:  # bad CRC, truncated data, unsupported compression
        return [], [error("corrupt", member_source, detail="hỏng trong tệp nén")]
    budget.used += len(content)
    if suffix(name) == ".zip" and depth >= MAX_DEPTH:
        return [], [error("nested_archive", member_source)]
    return read_bytes(content, member_source, budget, depth=depth + 1)


def _too_large(source: str, size: int, limit: int) -> ReadError:
    return error("too_large", source, size=megabytes(size), limit=megabytes(limit))


def _too_large_total(source: str, member: str, budget: Budget) -> ReadError:
    return error("too_large_total", source, member=member, limit=megabytes(budget.max_total_bytes))
