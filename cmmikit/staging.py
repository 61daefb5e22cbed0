"""A private work folder beside an output, so outputs appear complete or not at all.

A command that produces files (and lets a kernel create sockets and temporary copies) works in
``.cmmikit-<purpose>-XXXXXXXX/`` in the output's folder and moves each finished file into place
with :func:`os.replace` (same file system, so the move is atomic).  The folder is removed at the
end, also on errors.  A run that was killed (``kill -9``) cannot remove it; the next run in that
folder does: each live run holds an exclusive lock on ``.lock`` inside its folder, which the
operating system releases when the process dies, so a folder whose lock can be taken is stale.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cmmikit.atomic import LOCKS, lock_held

if LOCKS:  # POSIX; elsewhere stale folders are recognised by age alone
    import fcntl

LOCK = ".lock"
UNLOCKED_GRACE = 60.0       # seconds a folder without a lock file may be young (between mkdtemp and lock)
STALE_WITHOUT_LOCKS = 86400.0  # without fcntl: a folder this old is a leftover


def prefix(purpose: str) -> str:
    return f".cmmikit-{purpose}-"


@contextmanager
def work_folder(parent: str | os.PathLike, purpose: str) -> Iterator[Path]:
    """Yield a new locked folder in ``parent`` (stale ones of earlier killed runs removed first)."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    remove_stale(parent, purpose)
    folder = Path(tempfile.mkdtemp(prefix=prefix(purpose), dir=parent))
    lock = open(folder / LOCK, "w")  # noqa: SIM115 - held open for the whole run
    try:
        if LOCKS:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield folder
    finally:
        lock.close()
        shutil.rmtree(folder, ignore_errors=True)


def remove_stale(parent: Path, purpose: str) -> list[Path]:
    """Remove the work folders in ``parent`` that no live run holds; returns those removed."""
    removed = []
    for folder in parent.glob(prefix(purpose) + "*"):
        if folder.is_dir() and _is_stale(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _is_stale(folder: Path) -> bool:
    lock_path = folder / LOCK
    try:
        age = time.time() - folder.stat().st_mtime
    except OSError:
        return False
    if not LOCKS:
        return age > STALE_WITHOUT_LOCKS
    held = lock_held(lock_path)
    if held is None:
        return age > UNLOCKED_GRACE
    return not held
