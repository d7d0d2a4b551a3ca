"""Private files and folders: what the store, the caches and the logs are written with.

Essays are personal political documents and decisions are disciplinary, so everything the tool
keeps on disk is readable by its own user only: folders 0700, files 0600. A folder or file owned
by someone else, or writable by others, is not trusted (another user could have planted it).
"""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


class UntrustedPath(Exception):
    """A cache or data path that another user owns or may write to."""


class CacheWarning(UserWarning):
    """A cache could not be used as it was (damaged, untrusted): the check goes on without it."""


def warn(message: str) -> None:
    """Tell the user (CLI: stderr; notebooks: the warning line) without stopping the check."""
    warnings.warn(message, CacheWarning, stacklevel=3)


def private_dir(folder: str | Path, own: bool = True) -> Path:
    """Create ``folder`` (and parents) if needed, mode 0700.

    ``own``: the folder is the tool's own (its data or cache folder, ``runs/``): an existing one
    is tightened to 0700 and :class:`UntrustedPath` is raised when another user owns it or may
    write to it. A folder the user chose (``$ESSAYCHECK_DB=~/x.sqlite``) is left as it is: the
    tool does not change the mode of the user's home or of ``/tmp``."""
    path = Path(folder).expanduser()
    if not path.exists():
        old = os.umask(0o077)
        try:
            path.mkdir(parents=True, exist_ok=True)
        finally:
            os.umask(old)
    if own:
        check_owner(path, tighten=DIR_MODE)
    return path


def check_owner(path: Path, tighten: int | None = None) -> None:
    """Raise :class:`UntrustedPath` unless ``path`` is ours and nobody else may write to it.

    With ``tighten``, a path we own gets that mode first (an old 0755 folder becomes 0700)."""
    if not hasattr(os, "getuid"):  # pragma: no cover - Windows: ACLs, not modes
        return
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        raise UntrustedPath(f"{path} là liên kết tượng trưng (symlink)")
    if info.st_uid != os.getuid():
        raise UntrustedPath(f"{path} thuộc về người dùng khác (uid {info.st_uid})")
    if tighten is not None and stat.S_IMODE(info.st_mode) != tighten:
        try:
            os.chmod(path, tighten)
            info = path.lstat()
        except OSError:
            pass
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UntrustedPath(f"{path} cho phép người khác ghi")


def private_file(path: str | Path) -> Path:
    """Make an existing file ours-only (0600); raises :class:`UntrustedPath` if it is not ours."""
    file = Path(path)
    if file.exists():
        check_owner(file, tighten=FILE_MODE)
    return file


def touch_private(path: str | Path, own_dir: bool = False) -> Path:
    """Create ``path`` empty with mode 0600 if it does not exist (before SQLite opens it, so that
    the database is never world-readable, not even for a moment), else check it is ours and make
    it 0600. ``own_dir``: the folder is the tool's own (see :func:`private_dir`)."""
    file = Path(path).expanduser()
    private_dir(file.parent, own=own_dir)
    try:
        fd = os.open(file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
        os.close(fd)
    except FileExistsError:
        pass
    return private_file(file)
