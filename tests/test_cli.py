"""The command line: the user's path through new/demo/rate/export/import, and one-line errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cmmikit.cli import build_parser, main
from cmmikit.store import Appraisal

README = Path(__file__).resolve().parents[1] / "README.md"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cmmikit.cli", *args], capture_output=True, text=True)


def test_demo_prints_ratings_and_writes_the_file(tmp_path):
    result = run("demo", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "Maturity level 2" in result.stdout and "Service Delivery" in result.stdout
    with Appraisal.open(tmp_path / "out" / "demo.cmmi") as a:
        units = [i for i in a.instances() if i.kind == "basic_unit"]
        assert len(units) == 3 and all(len(u.pas) == 8 for u in units)


def test_new_then_rate(tmp_path, capsys):
    path = tmp_path / "n.cmmi"
    assert main(["new", str(path), "--name", "New one", "--unit", "Desk", "--support", "QA:PPQA,CM"]) == 0
    with Appraisal.open(path) as a:
        assert [(i.name, i.pas) for i in a.instances()][1] == ("QA", ("CM", "PPQA"))
    assert main(["rate", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert data["maturity"]["verdict"] == "Not Rated" and len(data["process_areas"]) == 8
    assert data["best_case"]["maturity"]["verdict"] == "Achieved"  # nothing characterized: all still possible
    assert data["worst_case"]["maturity"]["verdict"] == "Not Achieved"
    assert data["outlook"]["headline"].startswith("Not Rated yet: ML2 still achievable")
    assert main(["rate", str(path)]) == 0
    text = capsys.readouterr().out
    assert "Outlook: Not Rated yet: ML2 still achievable" in text
    assert "best case: Achieved; worst case: Not Achieved" in text


def test_export_import_json_round_trip(tmp_path, demo_file):
    out = tmp_path / "d.json"
    assert main(["export-json", str(demo_file), "-o", str(out)]) == 0
    assert main(["import-json", str(out), "-o", str(tmp_path / "back.cmmi")]) == 0
    assert main(["export-json", str(tmp_path / "back.cmmi"), "-o", str(tmp_path / "again.json")]) == 0
    assert out.read_text() == (tmp_path / "again.json").read_text()
    first_keys = list(json.loads(out.read_text()))
    assert first_keys == sorted(first_keys)


@pytest.mark.parametrize("args, message", [
    (["rate", "missing.cmmi"], "no such appraisal file"),
    (["rate", "notes.txt"], "not a cmmikit appraisal"),
    (["import-json", "notes.txt", "-o", "x.cmmi"], "not valid JSON"),
    (["new", "exists.cmmi", "--name", "x"], "already exists"),
    (["model", "nowhere"], "no model folder"),
])
def test_user_mistakes_are_one_line_errors(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    Path("notes.txt").write_text("hello")
    Appraisal.create("exists.cmmi", name="e").close()
    result = run(*args)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert Path("notes.txt").read_text() == "hello"


def test_every_command_is_documented_in_readme():
    commands = build_parser()._subparsers._group_actions[0].choices
    documented = set(re.findall(r"`cmmikit ([a-z-]+)", README.read_text()))
    assert set(commands) <= documented, set(commands) - documented
