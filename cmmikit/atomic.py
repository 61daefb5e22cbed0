"""Write files so readers see the old file or the complete new one, never half of one.

The temporary file is created with an explicit mode (0666, or the replaced file's mode) that
the kernel narrows by the umask, so new files get ordinary permissions without the process
umask ever being changed (``os.umask`` is process-wide: another thread would see it).  A
read-only file or folder is refused with one line starting ``read-only:``.

A run holds an exclusive lock on its temporary file while it writes, which the operating system
drops when the process dies; so a temporary file of the same target whose lock can be taken was
left by a killed run, and the next write of that target removes it (with an SQLite file's
``-wal``/``-shm``/``-journal`` beside it).
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from cmmikit.errors import InvalidValue, ReadOnlyError

if TYPE_CHECKING:
    from openpyxl import Workbook

try:  # POSIX; elsewhere leftovers are recognised by age alone
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCKS = fcntl is not None      # POSIX locks: a live run's files are told by the lock it holds
STALE_WITHOUT_LOCKS = 86400.0   # without fcntl: a temporary file this old is a leftover
ORPHAN_GRACE = 60.0             # an SQLite side file whose temporary file is gone, this old, is a leftover
NEW_FILE_MODE = 0o666  # narrowed by the umask, like any file a program creates
_DENIED = (errno.EACCES, errno.EPERM, errno.EROFS)


@contextmanager
def replacing(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` only if the block succeeds.

    A new file gets ordinary permissions (0666 less the umask); a replaced file keeps its mode.
    """
    path = Path(path)
    mode = check_writable(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(path, suffix)
        tmp, held = _create_beside(path, suffix, mode)
    except OSError as exc:
        if exc.errno in _DENIED:
            raise ReadOnlyError(f"read-only: {path.parent}: cannot create files in this folder "
                                f"({exc.strerror})") from None
        raise
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        os.close(held)   # releases the lock
        tmp.unlink(missing_ok=True)


def remove_leftovers(path: str | os.PathLike, suffix: str = ".tmp") -> list[Path]:
    """Remove the temporary files of ``path`` that killed runs left (no live run holds them); return them."""
    path = Path(path)
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[0-9a-f]{{8}}{re.escape(suffix)}(-wal|-shm|-journal)?")
    removed = []
    try:
        names = sorted(entry.name for entry in os.scandir(path.parent) if pattern.fullmatch(entry.name))
    except OSError:
        return removed
    for name in names:   # a temporary file sorts before its side files
        candidate = path.with_name(name)
        side = pattern.fullmatch(name)[1]  # type: ignore[index]
        owner = candidate.with_name(name[: -len(side)]) if side else candidate
        if (side and owner in removed) or _left_over(owner, side_file=candidate if side else None):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed


def lock_held(path: Path) -> bool | None:
    """Whether a live process holds the exclusive lock on ``path`` (None: there is no such file).

    Without POSIX locks (``LOCKS`` false) nothing can be told: a caller judges by age instead.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError:
        return True   # cannot be opened: not ours to remove
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)   # also lets go of the lock just taken
    return False


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _left_over(tmp: Path, *, side_file: Path | None = None) -> bool:
    """Whether no live run holds ``tmp`` (for a side file whose ``tmp`` is gone: whether it is old enough)."""
    if not LOCKS:
        return _age(tmp) > STALE_WITHOUT_LOCKS
    held = lock_held(tmp)
    if held is None:
        return side_file is not None and _age(side_file) > ORPHAN_GRACE
    return not held


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 text (``\\n`` line ends) atomically."""
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return Path(path)


def save_atomic(wb: "Workbook", path: str | os.PathLike) -> Path:
    """Save an openpyxl workbook atomically (a complete file or none); returns the path."""
    with replacing(path) as tmp:
        wb.save(tmp)
    return Path(path)


def check_writable(path: str | os.PathLike) -> int:
    """Refuse a file or folder without any write permission bit; returns the mode for the new file.

    Call it before expensive work whose result goes to ``path``: the user hears of it at once.
    """
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISREG(st.st_mode) and not st.st_mode & 0o222:
        raise ReadOnlyError(f"read-only: {path}: the file is read-only (make it writable or write elsewhere)")
    folder = next(p for p in (path.parent, *path.parent.parents) if p.exists())  # where a file or folder is made
    if folder.is_dir() and not folder.stat().st_mode & 0o222:
        raise ReadOnlyError(f"read-only: {folder}: the folder is read-only (make it writable or write elsewhere)")
    return st.st_mode & 0o777 if st is not None and stat.S_ISREG(st.st_mode) else NEW_FILE_MODE


def check_output(path: str | os.PathLike, suffix: str, what: str) -> Path:
    """Refuse an output a user would not mean, before any work: a folder, or a name saying another format.

    ``suffix`` is the format's extension (``.xlsx``), ``what`` the deliverable's name ("the workbook").
    """
    path = Path(path)
    if path.is_dir():
        raise InvalidValue(f"{path}: is a folder; give {what}'s file name, e.g. {path / ('name' + suffix)}")
    if path.suffix.lower() != suffix:
        raise InvalidValue(f"{path}: {what} is written as a {suffix} file; name it *{suffix}")
    check_writable(path)
    return path


def check_folder(path: str | os.PathLike, what: str) -> Path:
    """Refuse an output folder that is an existing file, before any work."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InvalidValue(f"{path}: is a file; {what} go into a folder: give a folder's name (it is created)")
    check_writable(path)
    return path


def _create_beside(path: Path, suffix: str, mode: int) -> tuple[Path, int]:
    """Create an empty, new hidden file beside ``path`` with ``mode`` (the kernel applies the umask); return it
    with an open descriptor holding its lock."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{suffix}")
        try:
            fd = os.open(tmp, flags, mode)
        except FileExistsError:
            continue
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)   # new and ours: cannot be held by anyone else
        if mode != NEW_FILE_MODE:  # keeping a replaced file's mode: set it exactly, umask or not
            os.chmod(tmp, mode)
        return tmp, fd
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path.parent))
