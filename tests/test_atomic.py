"""Atomic writes: complete files or none, ordinary permissions without touching the umask, read-only refused."""

from __future__ import annotations

import errno
import os
import stat
import threading

import pytest

from cmmikit import atomic
from cmmikit.cli import main
from cmmikit.errors import ReadOnlyError


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_077():
    old = os.umask(0o077)
    yield
    os.umask(old)


def test_new_files_follow_the_umask_without_changing_it(tmp_path, monkeypatch, umask_077):
    def forbidden(*_):
        raise AssertionError("os.umask changes the mask for every thread of the process")

    monkeypatch.setattr(os, "umask", forbidden)
    atomic.write_text(tmp_path / "a.txt", "x")
    assert mode(tmp_path / "a.txt") == 0o600
    monkeypatch.undo()
    os.umask(0o022)
    atomic.write_text(tmp_path / "b.txt", "x")
    assert mode(tmp_path / "b.txt") == 0o644


def test_other_threads_keep_their_umask_while_files_are_written(tmp_path, umask_077):
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            atomic.write_text(tmp_path / "w.txt", "x")

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for n in range(300):
            fd = os.open(tmp_path / f"other{n}", os.O_CREAT | os.O_WRONLY, 0o666)
            os.close(fd)
            assert mode(tmp_path / f"other{n}") == 0o600
    finally:
        stop.set()
        thread.join()


def test_a_replaced_file_keeps_its_mode(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("old")
    path.chmod(0o640)
    atomic.write_text(path, "new")
    assert path.read_text() == "new" and mode(path) == 0o640


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic.replacing(path) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["r.txt"]


def test_a_read_only_file_is_refused_and_unchanged(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("old")
    path.chmod(0o444)
    with pytest.raises(ReadOnlyError, match=r"^read-only: .*r\.txt: the file is read-only"):
        atomic.write_text(path, "new")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["r.txt"]


def test_a_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ReadOnlyError, match=r"^read-only: .*ro: the folder is read-only"):
            atomic.write_text(folder / "new.txt", "x")
        with pytest.raises(ReadOnlyError, match=r"^read-only: .*ro: the folder is read-only"):
            atomic.write_text(folder / "sub" / "deeper" / "new.txt", "x")
        assert os.listdir(folder) == []
    finally:
        folder.chmod(0o755)


def test_permission_denied_by_the_system_says_read_only(tmp_path, monkeypatch):
    def denied(*_):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(ReadOnlyError, match=r"^read-only: .*cannot create files in this folder \(Read-only file system\)"):
        atomic.write_text(tmp_path / "x.txt", "x")


@pytest.mark.parametrize("command", [["export-xlsx", "-o", "ro/gap.xlsx"], ["charts", "-o", "ro", "--format", "png"]])
def test_exports_into_a_read_only_folder_say_read_only(tmp_path, monkeypatch, capsys, demo_file, command):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o555)
    try:
        assert main([command[0], str(demo_file), *command[1:]]) == 1
        err = capsys.readouterr().err
        assert err.startswith("cmmikit: error: read-only: ro") and err.count("\n") == 1
        assert os.listdir(tmp_path / "ro") == []
    finally:
        (tmp_path / "ro").chmod(0o755)


def test_export_over_a_read_only_file_says_read_only(tmp_path, capsys, demo_file):
    out = tmp_path / "gap.xlsx"
    out.write_bytes(b"keep me")
    out.chmod(0o444)
    assert main(["export-xlsx", str(demo_file), "-o", str(out)]) == 1
    assert capsys.readouterr().err.startswith(f"cmmikit: error: read-only: {out}: the file is read-only")
    assert out.read_bytes() == b"keep me"


KILLED_WRITER = """
import os, signal, sys
from cmmikit import atomic
target = sys.argv[1]
if target.endswith('.cmmi'):   # an appraisal half built, as Appraisal.create builds it, with its -wal and -shm
    import sqlite3
    with atomic.replacing(target) as tmp:
        db = sqlite3.connect(tmp)
        db.execute('PRAGMA journal_mode=WAL')
        db.execute('CREATE TABLE meta (key TEXT)')
        db.commit()
        os.kill(os.getpid(), signal.SIGKILL)
else:
    with atomic.replacing(target) as tmp:
        tmp.write_bytes(b'half a workbook')
        os.kill(os.getpid(), signal.SIGKILL)
"""


def _killed_run(target) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(target)], capture_output=True, text=True)
    assert done.returncode == -9, done.stderr


def test_a_killed_runs_temporary_file_is_removed_by_the_next_write_of_that_target(tmp_path):
    target = tmp_path / "gap.xlsx"
    _killed_run(target)
    [left] = [p.name for p in tmp_path.iterdir()]
    assert left.startswith(".gap.xlsx.") and left.endswith(".tmp") and not target.exists()
    neighbour = tmp_path / ".other.xlsx.0123abcd.tmp"   # another target's: not ours to judge
    neighbour.write_bytes(b"x")
    atomic.write_text(target, "done")
    assert sorted(p.name for p in tmp_path.iterdir()) == [neighbour.name, "gap.xlsx"]


def test_a_live_runs_temporary_file_is_left_alone(tmp_path):
    target = tmp_path / "deck.pptx"
    with atomic.replacing(target) as mine:
        mine.write_bytes(b"in progress")
        assert atomic.remove_leftovers(target) == [] and mine.exists()
        atomic.write_text(target, "another run finished first")
        assert mine.read_bytes() == b"in progress"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.pptx"]


def test_a_killed_appraisal_build_leaves_nothing_after_the_next(tmp_path):
    target = tmp_path / "t4.cmmi"
    _killed_run(target)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert len(left) == 3 and all(name.startswith(".t4.cmmi.") for name in left), left   # with -wal, -shm
    from cmmikit.store import Appraisal

    Appraisal.create(target, name="Again").close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t4.cmmi"]
