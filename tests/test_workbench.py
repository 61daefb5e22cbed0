"""`cmmikit notebooks DIR`: the workbench notebooks copied out, the user's edits never lost silently."""

from __future__ import annotations

import pytest

from cmmikit import __version__, resources
from cmmikit.cli import main
from cmmikit.workbench import REPLACED, UNCHANGED, WRITTEN, NotebooksExist, write_notebooks


def test_writes_every_workbench_notebook_byte_for_byte(tmp_path):
    copied = write_notebooks(tmp_path / "nb")
    sources = resources.workbench_files()
    assert [c.path.name for c in copied] == [s.name for s in sources]
    assert {c.status for c in copied} == {WRITTEN}
    for c, source in zip(copied, sources):
        assert c.path.read_bytes() == source.read_bytes()
    assert not (tmp_path / "nb" / resources.REPORT_NOTEBOOK).exists()
    assert (tmp_path / "nb" / "voila.json").read_bytes() == (resources.notebooks_dir() / "voila.json").read_bytes()


def test_identical_notebooks_are_left_alone(tmp_path):
    write_notebooks(tmp_path)
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    assert {c.status for c in write_notebooks(tmp_path)} == {UNCHANGED}
    assert {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == stamps


def test_an_edited_notebook_is_refused_without_force_and_nothing_is_written(tmp_path):
    write_notebooks(tmp_path)
    edited = tmp_path / "01_walkthrough.ipynb"
    edited.write_text(edited.read_text() + " ")
    (tmp_path / "00_setup.ipynb").unlink()
    with pytest.raises(NotebooksExist) as exc:
        write_notebooks(tmp_path)
    assert "01_walkthrough.ipynb already exists" in str(exc.value) and "--force" in str(exc.value)
    assert not (tmp_path / "00_setup.ipynb").exists()  # all or nothing
    assert edited.read_text().endswith(" ")

    status = {c.path.name: c.status for c in write_notebooks(tmp_path, force=True)}
    assert status["01_walkthrough.ipynb"] == REPLACED and status["00_setup.ipynb"] == WRITTEN
    assert status["02_ratings.ipynb"] == UNCHANGED
    assert edited.read_bytes() == (resources.notebooks_dir() / edited.name).read_bytes()


def test_a_file_in_the_way_is_one_line_error(tmp_path, capsys):
    (tmp_path / "nb").write_text("not a folder")
    assert main(["notebooks", str(tmp_path / "nb")]) == 1
    assert capsys.readouterr().err.strip().endswith("nb: not a folder")


def test_cli_prints_how_to_open_them_and_names_force(tmp_path, capsys):
    assert main(["notebooks", str(tmp_path / "my notebooks")]) == 0
    out = capsys.readouterr().out
    assert f"jupyter lab '{tmp_path / 'my notebooks'}'" in out
    assert out.count("written") == len(resources.workbench_files())
    assert "appraisal chooser" in out and "appraisal_path" not in out and "voila.json" in out
    (tmp_path / "my notebooks" / "02_ratings.ipynb").write_text("{}")
    assert main(["notebooks", str(tmp_path / "my notebooks")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pass --force" in err


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.strip() == f"cmmikit {__version__}"


def test_a_read_only_folder_is_named(tmp_path, capsys):
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o555)
    try:
        assert main(["notebooks", str(tmp_path / "ro" / "nb")]) == 1
        assert capsys.readouterr().err.startswith(f"cmmikit: error: read-only: {tmp_path / 'ro'}: the folder is")
        assert not (tmp_path / "ro" / "nb").exists()
    finally:
        (tmp_path / "ro").chmod(0o755)
